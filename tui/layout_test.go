package tui

import (
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

// When the last snapshot makes the header taller (the search line says what was
// searched), every screen under it is laid out again: the panes, the record view and
// the remediation screen fit between the header and the footer.
func TestHeaderGrowthLaysOutEveryScreen(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 80, 24)
	d.press("enter")
	if d.app.wb() == nil || d.app.wb().c == nil || d.app.wb().loading {
		t.Fatalf("the workbench did not finish loading:\n%s", d.screen())
	}
	body := 24 - footerLines - d.app.wb().headerHeight() - 1
	if got := d.app.wb().overview.height; got != body {
		t.Errorf("overview is %d rows under a %d-line header, want %d", got, d.app.wb().headerHeight(), body)
	}
	// A final snapshot whose header differs from the one the panes were laid out for.
	wb := d.app.wb()
	c := *wb.c
	c.Completeness = investigate.PendingCompleteness(1, 1)
	wb.c = &c
	d.app.layout()
	before := d.app.wb().headerHeight()
	final := *wb.c
	final.Completeness.Status, final.Completeness.Headline = investigate.SearchPartial, "1 event in 1 file; PARTIAL: one region failed, another was throttled, a third was skipped, pages are missing in a fourth and the files stop short of the window"
	d.send(caseMsg{gen: d.app.wb().gen, has: true, upd: investigate.CaseUpdate{Case: &final, Done: true}, done: true})
	if d.app.wb().headerHeight() == before {
		t.Fatal("the test's final case does not change the header's height")
	}
	body = 24 - footerLines - d.app.wb().headerHeight() - 1
	if got := d.app.wb().overview.height; got != body {
		t.Errorf("after the header grew: overview is %d rows, want %d", got, body)
	}
}

// A tab's count is a number only when its kind was searched: "-" when it could not be,
// the number so far with … while searching.
func TestTabCountSaysWhatWasSearched(t *testing.T) {
	for _, tc := range []struct {
		status string
		want   string
	}{
		{investigate.SearchComplete, "0"}, {investigate.SearchPartial, "0"}, {investigate.SearchPending, "0…"},
		{investigate.SearchNotAsked, "-"}, {investigate.SearchFailed, "-"}, {investigate.SearchNothing, "-"},
	} {
		if got := tabCount(0, investigate.KindCompleteness{Status: tc.status}); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.status, got, tc.want)
		}
	}
	d := newDriver(t, Options{Workspace: &investigate.Workspace{}, NoColor: true, Key: investigate.MustParseAccessKeyID(fxKey)}, 120, 30)
	d.mustShow("2 Alerts -", "3 Timeline -")
}
