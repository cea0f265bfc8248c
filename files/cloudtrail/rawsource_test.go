package cloudtrail

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/investigate"
)

// rawShapes are files of every shape the parser reads, and the record each event id
// stands for (for a LookupEvents result, the record in its CloudTrailEvent string).
func rawShapes(t *testing.T) (files map[string][]byte, want map[string]string) {
	want = map[string]string{}
	r := func(id string) string {
		rec := record(id, testKey, `"requestParameters":{"id":"`+id+`"}`)
		want[id] = rec
		return rec
	}
	lookup, err := json.Marshal(map[string]any{"Events": []any{
		map[string]any{"EventId": "k1", "CloudTrailEvent": r("k1")},
		map[string]any{"EventId": "k2", "CloudTrailEvent": r("k2")},
	}, "NextToken": "x"})
	if err != nil {
		t.Fatal(err)
	}
	pretty := "{\n  \"eventVersion\": \"1.09\"," + strings.TrimPrefix(r("e1"), `{"eventVersion":"1.09",`)
	want["e1"] = pretty
	files = map[string][]byte{
		"records.json.gz": gz(t, []byte(`{"Records":[`+r("a1")+`,`+r("a2")+`,`+r("a3")+`]}`)),
		"array.json":      []byte("[\n" + r("b1") + ",\n" + r("b2") + "\n]"),
		"lines.ndjson":    ndjson(r("c1"), r("c2")),
		"docs.ndjson":     ndjson(`{"Records":[`+r("d1")+`,`+r("d2")+`]}`, `{"Records":[`+r("d3")+`]}`),
		"pretty.json":     []byte(pretty + "\n" + r("e2") + " " + r("e3")),
		"lookup.json":     lookup,
		"concat.json":     []byte(`{"Records":[` + r("f1") + `]}{"Records":[` + r("f2") + `]} [` + r("f3") + `]`),
	}
	return files, want
}

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkRaw checks that every event refers to its record and reads it again as it was.
func checkRaw(t *testing.T, how string, events []investigate.Event, want map[string]string) {
	t.Helper()
	if len(events) != len(want) {
		t.Fatalf("%s: %d events, want %d", how, len(events), len(want))
	}
	for i := range events {
		e := &events[i]
		if !e.RawKeptByReference() {
			t.Errorf("%s: %s (%s) holds its record", how, e.ID, e.Origin)
		}
		raw, err := e.Raw()
		if err != nil || string(raw) != want[e.ID] {
			t.Errorf("%s: %s (%s) reads again as\n%s, %v\nwant\n%s", how, e.ID, e.Origin, raw, err, want[e.ID])
		}
		if string(e.Request()) != `{"id":"`+e.ID+`"}` {
			t.Errorf("%s: %s request %s", how, e.ID, e.Request())
		}
	}
}

func TestEventsReadTheirRecordsAgainFromEveryShape(t *testing.T) {
	files, want := rawShapes(t)
	dir := t.TempDir()
	writeFiles(t, dir, files)
	rep, events, err := sourcetest.Events(context.Background(), &FileSource{Paths: []string{dir}}, investigate.EventQuery{})
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("%v %+v", err, rep.Problems)
	}
	checkRaw(t, "buffered", events, want)

	// A file too large to hold is streamed, when it is read and when it is read again.
	var streamed []investigate.Event
	for name := range files {
		path := filepath.Join(dir, name)
		w := newWorker()
		f := &File{Path: path, Size: MaxBuffered + 1}
		w.parse(f, func() (io.ReadCloser, error) { return os.Open(path) }, NewMatcher(investigate.EventQuery{}), func(b []investigate.Event) {
			streamed = append(streamed, b...)
		}, nil, 0)
	}
	checkRaw(t, "streamed", streamed, want)
}

func TestARecordThatCannotBeReadAgainSaysWhy(t *testing.T) {
	r := func(id string) string { return record(id, testKey) }
	dir := t.TempDir()
	path := filepath.Join(dir, "records.json.gz")
	writeFiles(t, dir, map[string][]byte{"records.json.gz": gz(t, []byte(`{"Records":[`+r("a1")+`,`+r("a2")+`,`+r("a3")+`]}`))})
	_, events, err := sourcetest.Events(context.Background(), &FileSource{Paths: []string{dir}}, investigate.EventQuery{})
	if err != nil || len(events) != 3 {
		t.Fatalf("%d events, %v", len(events), err)
	}
	byID := map[string]*investigate.Event{}
	for i := range events {
		byID[events[i].ID] = &events[i]
	}
	rawErr := func(id string) string {
		t.Helper()
		raw, err := byID[id].Raw()
		if err == nil {
			t.Fatalf("%s reads as %s after its file changed", id, raw)
		}
		return err.Error()
	}

	// Rewritten, its records in another order: the place holds another event.
	writeFiles(t, dir, map[string][]byte{"records.json.gz": gz(t, []byte(`{"Records":[`+r("a2")+`,`+r("a1")+`]}`))})
	if msg := rawErr("a1"); !strings.Contains(msg, `now event "a2", not "a1"`) || !strings.Contains(msg, "changed since it was read") {
		t.Errorf("reordered: %s", msg)
	}
	// Shorter: no record there any more.
	if msg := rawErr("a3"); msg != "no record at record 3 any more: the file changed since it was read" {
		t.Errorf("shorter: %s", msg)
	}
	// Damaged.
	writeFiles(t, dir, map[string][]byte{"records.json.gz": []byte("\x1f\x8b\x08garbage")})
	if msg := rawErr("a1"); !strings.Contains(msg, "gzip") {
		t.Errorf("damaged: %s", msg)
	}
	// Gone.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if msg := rawErr("a2"); !strings.Contains(msg, "cannot open") || !strings.Contains(msg, path) {
		t.Errorf("removed: %s", msg)
	}
	// What the event holds is unaffected.
	if e := byID["a1"]; e.Signer() != testKey || e.Name != "ListUsers" {
		t.Errorf("event %+v", e)
	}
}

func TestFilesThatCannotBeOpenedAgainHoldTheirRecords(t *testing.T) {
	rec := record("s1", testKey)
	for _, f := range []*File{{Path: "s3://bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/a.json.gz"}, {Path: "logs/cloudtrail-export", Sniff: true}} {
		opened := 0
		var got []investigate.Event
		w := newWorker()
		w.parse(f, func() (io.ReadCloser, error) {
			opened++
			if opened > 1 {
				t.Fatalf("%s opened again", f.Path)
			}
			return io.NopCloser(strings.NewReader(`{"Records":[` + rec + `]}`)), nil
		}, NewMatcher(investigate.EventQuery{}), func(b []investigate.Event) { got = append(got, b...) }, nil, 0)
		if len(got) != 1 || got[0].RawKeptByReference() {
			t.Fatalf("%s: %d events, by reference %v", f.Path, len(got), len(got) == 1 && got[0].RawKeptByReference())
		}
		if raw, err := got[0].Raw(); err != nil || string(raw) != rec {
			t.Fatalf("%s: Raw = %s, %v", f.Path, raw, err)
		}
	}
}

// TestCorpusEventsByReferenceAreTheEventsHeld reads every corpus file twice: its events
// referring to their records, and holding them. Every field, every part the case reads
// and the record read again are the same.
func TestCorpusEventsByReferenceAreTheEventsHeld(t *testing.T) {
	dir := corpus(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ent := range entries {
		path := filepath.Join(dir, ent.Name())
		open := func() (io.ReadCloser, error) { return os.Open(path) }
		read := func(f *File) []investigate.Event {
			var out []investigate.Event
			newWorker().parse(f, open, NewMatcher(investigate.EventQuery{}), func(b []investigate.Event) { out = append(out, b...) }, nil, 0)
			return out
		}
		byRef, held := read(&File{Path: path}), read(&File{Path: path, Sniff: true})
		if len(byRef) == 0 || len(byRef) != len(held) {
			t.Fatalf("%s: %d events by reference, %d held", ent.Name(), len(byRef), len(held))
		}
		for i := range byRef {
			a, b := &byRef[i], &held[i]
			if !a.RawKeptByReference() || b.RawKeptByReference() {
				t.Fatalf("%s: %s kept by reference: %v, %v", ent.Name(), a.ID, a.RawKeptByReference(), b.RawKeptByReference())
			}
			ra, errA := a.Raw()
			rb, errB := b.Raw()
			if errA != nil || errB != nil || !bytes.Equal(ra, rb) {
				t.Fatalf("%s: %s records differ: %v %v", ent.Name(), a.ID, errA, errB)
			}
			if !bytes.Equal(a.Request(), b.Request()) || !bytes.Equal(a.Response(), b.Response()) || !bytes.Equal(a.AdditionalEventData(), b.AdditionalEventData()) {
				t.Fatalf("%s: %s parts differ:\n%s %s %s\n%s %s %s", ent.Name(), a.ID, a.Request(), a.Response(), a.AdditionalEventData(), b.Request(), b.Response(), b.AdditionalEventData())
			}
			if a.ID != b.ID || !a.Time.Equal(b.Time) || a.Source != b.Source || a.Name != b.Name || a.Type != b.Type || a.Region != b.Region ||
				a.SourceIP != b.SourceIP || a.UserAgent != b.UserAgent || a.ErrorCode != b.ErrorCode || a.ErrorMessage != b.ErrorMessage ||
				a.ReadOnly != b.ReadOnly || a.ReadOnlyKnown != b.ReadOnlyKnown || a.RecipientAccount != b.RecipientAccount || *a.Identity != *b.Identity || a.Origin != b.Origin {
				t.Fatalf("%s: events differ:\n%+v\n%+v", ent.Name(), a, b)
			}
			n++
		}
	}
	if n < 300 {
		t.Fatalf("compared %d corpus events", n)
	}
}
