package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/investigate"
)

// A workbench over a trail directory that holds no log file: the header, the Overview and
// the empty timeline say that nothing was searched, never a bare "no event".
func TestWorkbenchSaysNothingWasSearched(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a log\n"), 0o644)
	ws := &investigate.Workspace{
		Trails:      []investigate.EventSource{&cloudtrail.FileSource{Paths: []string{dir}}},
		Correlation: investigate.DefaultCorrelationOptions(),
		Now:         func() time.Time { return testClock },
		Describe:    "trail " + dir,
	}
	opts := Options{Workspace: ws, NoColor: true, Journal: &memJournal{}, Now: func() time.Time { return testClock }, Key: investigate.MustParseAccessKeyID(fxKey)}
	d := newDriver(t, opts, 80, 24)
	if d.app.wb() == nil || d.app.wb().c == nil {
		t.Fatalf("the workbench did not build the case:\n%s", d.screen())
	}
	checkFits(t, d, 80, 24)
	cm := d.app.wb().c.Completeness
	if cm.Events.Status != investigate.SearchNothing {
		t.Fatalf("completeness %+v", cm)
	}
	screen := d.screen()
	header := strings.Join(strings.Fields(strings.Join(strings.Split(screen, "\n")[:8], " ")), " ")
	if !strings.Contains(header, "NOT SEARCHED: NO EVENTS SEARCHED: nothing to search") {
		t.Errorf("the header does not say nothing was searched:\n%s", screen)
	}
	d.mustNotShow("no event in the trail sources")
	// The Overview's coverage block carries the headline whole.
	var ov []string
	for _, l := range d.app.wb().overview.lines {
		ov = append(ov, strings.TrimSpace(ansi.Strip(l.text)))
	}
	if !strings.Contains(strings.Join(strings.Fields(strings.Join(ov, " ")), " "), "searched: "+cm.Headline) {
		t.Errorf("the Overview does not carry the headline %q:\n%s", cm.Headline, strings.Join(ov, "\n"))
	}
	// The timeline, empty, says why.
	d.press("3")
	d.mustShow("NO EVENTS SEARCHED")
}
