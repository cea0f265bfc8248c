package cloudtrail

import (
	"bufio"
	"bytes"
	"io"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// Which files of a directory (or objects of a bucket) are logs. A trail is read by
// content, not only by the names CloudTrail gives its objects: exports and shippers name
// the same records *.log (Filebeat, Elastic exports), *.jsonl, *.ndjson, or nothing at all.

// NameKind is what a file's name says about it.
type NameKind int

const (
	// NameLog: a log by its name (.json, .jsonl, .ndjson, .log, each of them .gz, any .gz).
	NameLog NameKind = iota
	// NameDigest: a CloudTrail digest or Insights file (no management events).
	NameDigest
	// NameSniff: no extension; its content decides (Sniff).
	NameSniff
	// NameOther: not a log by its name (.txt, .csv, ...).
	NameOther
)

var logExts = []string{".json", ".jsonl", ".ndjson", ".log"}

// ClassifyName says what a file's base name (or an object key) tells about it.
func ClassifyName(name string) NameKind {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	if strings.Contains(base, "CloudTrail-Digest") || strings.Contains(base, "CloudTrail-Insight") {
		return NameDigest
	}
	l := strings.ToLower(base)
	if strings.HasSuffix(l, ".gz") {
		return NameLog
	}
	for _, ext := range logExts {
		if strings.HasSuffix(l, ext) {
			return NameLog
		}
	}
	if i := strings.LastIndexByte(base, '.'); i <= 0 {
		return NameSniff // no extension (a leading dot is a hidden file's name, not an extension)
	}
	return NameOther
}

// SniffBytes is how much of a file's (decompressed) beginning Sniff reads.
const SniffBytes = 8 << 10

// Sniff reads the beginning of a file (decompressing it when it is gzip, by its magic
// bytes) and reports whether it looks like CloudTrail: a JSON object or array that is a
// {"Records":[...]} or {"Events":[...]} document, or holds a member only CloudTrail
// records have (eventVersion, eventTime, eventID, eventSource, recipientAccountId,
// CloudTrailEvent). NDJSON of records passes by its first record. A gzip stream cut short
// within the head (a ranged read of an object) is read as far as it goes.
func Sniff(r io.Reader) (bool, error) {
	er := &errReader{r: r}
	br := bufio.NewReaderSize(er, 4096)
	var src io.Reader = br
	if magic, _ := br.Peek(2); isGzip(magic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return false, er.err // not gzip after all: not a log, unless the file failed
		}
		src = zr
	}
	head := make([]byte, SniffBytes)
	n, _ := io.ReadFull(src, head)
	if n == 0 && er.err != nil {
		return false, er.err
	}
	// A damaged gzip stream or a cut-short head still shows what came before it.
	return LooksLikeCloudTrail(head[:n]), nil
}

// errReader remembers the first error of the file itself (not EOF), to tell a file that
// could not be read from content that is not a log.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(b []byte) (int, error) {
	n, err := e.r.Read(b)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

var sniffKeys = [][]byte{
	[]byte(`"eventVersion"`), []byte(`"eventTime"`), []byte(`"eventID"`), []byte(`"eventSource"`),
	[]byte(`"recipientAccountId"`), []byte(`"CloudTrailEvent"`),
}

// LooksLikeCloudTrail is Sniff's test on a file's decompressed beginning.
func LooksLikeCloudTrail(head []byte) bool {
	i := skipSpace(head, 0)
	if i >= len(head) || (head[i] != '{' && head[i] != '[') {
		return false
	}
	if head[i] == '{' {
		switch firstKey(head[i:]) {
		case "Records", "Events":
			return true
		}
	}
	for _, k := range sniffKeys {
		if bytes.Contains(head, k) {
			return true
		}
	}
	return false
}
