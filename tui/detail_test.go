package tui

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/investigate"
)

// TestRecordNoLongerReadableIsSaid: an event read from a log file keeps its place in the
// file, not its record; when the file is gone, the record view and a copy say so, with
// the place and the reason, rather than show nothing.
func TestRecordNoLongerReadableIsSaid(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trail.json")
	doc := `{"Records":[` + string(record(1, fxKey, "ListUsers", "iam", "us-east-1", "198.51.100.7", "aws-cli/2.15", "", map[string]any{"maxItems": 7}, nil)) + `]}`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	_, events, err := sourcetest.Events(context.Background(), &cloudtrail.FileSource{Paths: []string{path}}, investigate.EventQuery{})
	if err != nil || len(events) != 1 || !events[0].RawKeptByReference() {
		t.Fatalf("%d events, %v", len(events), err)
	}
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(fxKey), Events: []*investigate.Event{&events[0]}, Now: fxStart.Add(time.Hour)})
	app := benchModel(c)
	d := newEventDetail(app.wb(), 0)
	if !strings.Contains(d.body, `"maxItems": 7`) || !strings.Contains(d.body, `"eventID": "00000000-0000-4000-8000-000000000001"`) {
		t.Fatalf("the record is not shown:\n%s", d.body)
	}
	var copied map[string]any
	if err := json.Unmarshal(eventJSON(&events[0]), &copied); err != nil || copied["eventName"] != "ListUsers" {
		t.Fatalf("copy: %v %v", copied, err)
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	d.show(0)
	want := "record no longer readable at " + path + "#record 1: cannot open: "
	if !strings.Contains(d.body, want) || !strings.Contains(d.body, "no such file or directory") {
		t.Fatalf("the record view does not say the record is gone (want %q):\n%s", want, d.body)
	}
	if strings.Contains(d.body, `"maxItems"`) {
		t.Fatalf("a record no longer readable is still shown:\n%s", d.body)
	}
	copied = nil
	err = json.Unmarshal(eventJSON(&events[0]), &copied)
	if msg, _ := copied["error"].(string); err != nil || !strings.HasPrefix(msg, "record no longer readable at "+path) || copied["eventID"] != events[0].ID {
		t.Fatalf("copy of a record no longer readable: %v %v", copied, err)
	}
}
