package alertdoc

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/files"

	"github.com/keypivot/keypivot/investigate"
)

// TestSniffedFileIsReadOnce: a file without an extension is read and parsed once, its
// start deciding as the parse goes: each of its bytes is read once, and an alert export
// yields what it yields read by name; anything else is left out, not a log, and passes
// no alert on.
func TestSniffedFileIsReadOnce(t *testing.T) {
	docs := alertDocs(t)
	big := fixture(t, "alert-sibling.json")
	big["kibana.alert.uuid"] = "big"
	big["padding"] = strings.Repeat("p", 2*sniffBytes) // decided by its keys, past the start
	for name, c := range map[string]struct {
		data   []byte
		alerts int
	}{
		"export":      {ndjson(t, docs[0], docs[1]), 2},
		"bigfirst":    {ndjson(t, big, docs[0]), 2},
		"securityhub": {gz(t, readTestdata(t, "securityhub-get-findings.json")), 2},
		"config":      {[]byte(`{"log_level":"debug","paths":["/var/log"]}`), 0},
		"trail":       {[]byte(`{"Records":[{"eventVersion":"1.08","eventName":"GetCallerIdentity","eventSource":"sts.amazonaws.com"}]}`), 0},
	} {
		in := &files.CountingReader{R: bytes.NewReader(c.data)}
		var got []investigate.Alert
		rep, _, read := parseSniffed(context.Background(), name, in, investigate.AlertQuery{}, func(b []investigate.Alert) { got = append(got, b...) }, 0)
		if c.alerts == 0 {
			want := []investigate.Skip{{Reason: investigate.SkipNotLog, Count: 1, Example: name}}
			if read || len(got) != 0 || !slices.Equal(rep.Skips, want) || len(rep.Problems) != 0 {
				t.Errorf("%s: read %v, %d alerts, report %+v; want it left out, not a log", name, read, len(got), rep)
			}
			continue
		}
		whole := parseBytes(t, name, c.data, investigate.AlertQuery{})
		if !read || in.N != int64(len(c.data)) || len(got) != c.alerts || !slices.Equal(whole.ids(), parsed{alerts: got}.ids()) || rep.Records != whole.rep.Records {
			t.Errorf("%s: read %v, %d of %d bytes read, alerts %v (want %v), records %d", name, read, in.N, len(c.data), parsed{alerts: got}.ids(), whole.ids(), rep.Records)
		}
	}
}
