package cloudtrail

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/keypivot/keypivot/investigate"
)

// cutOpener opens body, whose read then fails with err (a download or copy cut short).
func cutOpener(body []byte, err error) Opener {
	return func() (io.ReadCloser, error) {
		return io.NopCloser(io.MultiReader(bytes.NewReader(body), iotest.ErrReader(err))), nil
	}
}

// TestPlainFileCutShortIsNoTruncatedGzip: a plain file whose read ends early, held whole
// or streamed, is said to be cut short, not a truncated gzip stream; the records before
// the cut are read.
func TestPlainFileCutShortIsNoTruncatedGzip(t *testing.T) {
	body := []byte(`{"Records":[` + record("c1", testKey) + `,` + record("c2", testKey))
	for _, size := range []int64{int64(len(body)), MaxBuffered + 1} {
		var events []investigate.Event
		open := func(string) Opener { return cutOpener(body, io.ErrUnexpectedEOF) }
		rep := ScanFiles(context.Background(), []File{{Path: "cut.json", Size: size}}, q(testKey), open, func(b []investigate.Event) { events = append(events, b...) }, ScanOptions{})
		var msgs []string
		for _, p := range rep.Problems {
			msgs = append(msgs, p.Where+": "+p.Message)
		}
		got := strings.Join(msgs, "\n")
		if !strings.Contains(got, "cut.json: read cut short (unexpected end of data)") || strings.Contains(got, "gzip") || len(events) == 0 {
			t.Errorf("size %d: %d events, problems %q", size, len(events), got)
		}
	}
}

// TestSniffCorruptGzipIsAProblem: a file without an extension that starts with gzip's
// magic bytes but has no readable header cannot be read to tell what it is: it is a
// problem naming it, never counted as not a log.
func TestSniffCorruptGzipIsAProblem(t *testing.T) {
	corrupt := []byte{0x1f, 0x8b, 0, 1, 2, 3}
	if ok, err := Sniff(bytes.NewReader(corrupt)); ok || err == nil || !strings.Contains(err.Error(), "not a readable gzip file") {
		t.Errorf("Sniff: %v, %v", ok, err)
	}
	open := func(string) Opener { return cutOpener(corrupt, io.EOF) }
	rep := ScanFiles(context.Background(), []File{{Path: "trail", Size: int64(len(corrupt)), Sniff: true}}, q(testKey), open, func([]investigate.Event) {}, ScanOptions{})
	if len(rep.Problems) != 1 || rep.Problems[0].Where != "trail" || !strings.Contains(rep.Problems[0].Message, "gzip") || rep.Skipped != 0 {
		t.Errorf("problems %+v, skips %+v", rep.Problems, rep.Skips)
	}
}

// TestSniffedFileIsReadWhateverItsPlace: a key-pair query rules files of other regions
// out by their place, but a file still to be sniffed is no log file until its content
// says so: it is read, and a file that is not CloudTrail is counted as not a log, never
// as a log file searched.
func TestSniffedFileIsReadWhateverItsPlace(t *testing.T) {
	lf, ok := ParseLayout("AWSLogs/111122223333/CloudTrail/us-west-2/2026/03/02/notes")
	if !ok {
		t.Fatal("layout not recognised")
	}
	notes := []byte("meeting notes, not CloudTrail\n")
	open := func(string) Opener { return cutOpener(notes, io.EOF) }
	query := investigate.EventQuery{KeyPairs: []investigate.KeyPairRef{{Name: "kp", Region: "eu-west-1"}}}
	rep := ScanFiles(context.Background(), []File{{Path: "notes", Size: int64(len(notes)), Sniff: true, Layout: &lf}}, query, open, func([]investigate.Event) {}, ScanOptions{})
	if rep.Files != 0 || rep.Skipped != 1 || len(rep.Skips) != 1 || rep.Skips[0].Reason != investigate.SkipNotLog {
		t.Errorf("files %d, skips %+v", rep.Files, rep.Skips)
	}
}
