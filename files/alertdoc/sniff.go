package alertdoc

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"

	"github.com/keypivot/keypivot/files"

	"github.com/keypivot/keypivot/investigate"
)

// sniffBytes is how much of a file without an extension is read to tell whether it is
// an alert export.
const sniffBytes = peekBytes

// alertKeys are the keys only alert exports have at their start: Elastic hits and
// alert documents, search and ES|QL responses, findings lists, ASFF findings. They
// decide when no whole record fits in the sniffed start.
var alertKeys = regexp.MustCompile(`"(_source|kibana\.alert\.[a-z_.]+|kibana|signal|hits|columns|[Ff]indings|GeneratorId|ProductArn)"\s*:`)

// sniffAlerts reads the start of r (gzip or not) and reports whether it is an alert
// export: JSON whose first records Parse maps to alerts, or, when no record ends within
// the start, whose keys are an alert export's. A gzip stream that cannot be opened is
// an error: the file is unreadable, not something else.
func sniffAlerts(r io.Reader) (bool, error) {
	src, release, err := files.Decompress(bufio.NewReaderSize(r, 64<<10))
	if err != nil {
		return false, fmt.Errorf("not a readable gzip file: %s", files.DescribeReadError(err))
	}
	defer release()
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(src, head)
	head = head[:n]
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF && n == 0 {
		return false, fmt.Errorf("cannot read: %s", files.DescribeReadError(err))
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte{0xef, 0xbb, 0xbf}), " \t\r\n")
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return false, nil
	}
	p := &parser{
		ctx:   context.Background(),
		name:  "sniff",
		limit: DefaultMaxRecordBytes,
		rep:   investigate.SourceReport{Files: 1},
		sum:   fileSummary{kinds: map[string]int{}},
	}
	func() {
		defer func() { _ = recover() }() // Parse never panics; a sniff must not either
		p.run(bytes.NewReader(t))
	}()
	switch {
	case p.rep.Records > 0:
		return true, nil
	case p.nonAlerts > 0 || p.trailLog:
		return false, nil // whole records, none an alert
	}
	return alertKeys.Match(t), nil
}
