package cloudtrail

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/keypivot/keypivot/files"
	"github.com/keypivot/keypivot/files/jsonstream"
)

// Which files of a directory (or objects of a bucket) are logs: by name as every file
// reader chooses them (files.ClassifyName), less CloudTrail's digests, and by content
// (Sniff) when the name has no extension.

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

// ClassifyName says what a file's base name (or an object key) tells about it: the
// names every file reader reads (files.ClassifyName), and CloudTrail's digests.
func ClassifyName(name string) NameKind {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	if strings.Contains(base, "CloudTrail-Digest") || strings.Contains(base, "CloudTrail-Insight") {
		return NameDigest
	}
	switch files.ClassifyName(base) {
	case files.NameLog:
		return NameLog
	case files.NameSniff:
		return NameSniff
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
// within the head (a ranged read of an object) is read as far as it goes; one whose
// header cannot be read is an error, as is a file that cannot be read.
func Sniff(r io.Reader) (bool, error) {
	// The file's own error (not EOF) tells a file that could not be read from content
	// that is not a log.
	in := &files.CountingReader{R: r}
	src, release, err := files.Decompress(bufio.NewReaderSize(in, 4096))
	if err != nil {
		// Gzip by its magic bytes, but no readable header: a file that cannot be read
		// to tell, not one that is no log.
		if in.Err != nil {
			return false, in.Err
		}
		return false, fmt.Errorf("not a readable gzip file: %s", files.DescribeReadError(err, true))
	}
	defer release()
	head := make([]byte, SniffBytes)
	n, _ := io.ReadFull(src, head)
	if n == 0 && in.Err != nil {
		return false, in.Err
	}
	// A damaged gzip stream or a cut-short head still shows what came before it.
	return LooksLikeCloudTrail(head[:n]), nil
}

var sniffKeys = [][]byte{
	[]byte(`"eventVersion"`), []byte(`"eventTime"`), []byte(`"eventID"`), []byte(`"eventSource"`),
	[]byte(`"recipientAccountId"`), []byte(`"CloudTrailEvent"`),
}

// LooksLikeCloudTrail is Sniff's test on a file's decompressed beginning.
func LooksLikeCloudTrail(head []byte) bool {
	i := jsonstream.SkipSpace(head, 0)
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
