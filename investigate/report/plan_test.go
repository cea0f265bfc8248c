package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// A case still being built has no plan yet: its reports say so instead of listing an
// empty plan, which would read as "nothing to contain". The finished case lists its plan.
func TestPlanOfACaseStillSearchingIsNotMadeYet(t *testing.T) {
	in := testInput(t)
	done := investigate.BuildCase(in)
	in.Searching = true
	pending := investigate.BuildCase(in)
	if !pending.PlanPending() || len(pending.Plan) != 0 || len(pending.PlanNotes) != 0 {
		t.Fatalf("searching: pending %v, plan %d steps, %d notes; want no plan made", pending.PlanPending(), len(pending.Plan), len(pending.PlanNotes))
	}
	if done.PlanPending() || len(done.Plan) == 0 {
		t.Fatalf("finished: pending %v, plan %d steps; want the plan made", done.PlanPending(), len(done.Plan))
	}
	render := func(c *investigate.Case) (text, md string) {
		var tb, mb bytes.Buffer
		if err := report.Text(&tb, c, report.Options{Width: 80}); err != nil {
			t.Fatal(err)
		}
		if err := report.Markdown(&mb, c, report.Options{}); err != nil {
			t.Fatal(err)
		}
		return tb.String(), mb.String()
	}
	text, md := render(pending)
	if !strings.Contains(text, "not made yet") || strings.Contains(text, "0 actions (keypivot deactivate") {
		t.Errorf("text of a case still searching:\n%s", text)
	}
	if !strings.Contains(md, "## Plan\n\nNot made yet") || strings.Contains(md, "| Action | Picked by | Undo |") {
		t.Errorf("markdown of a case still searching:\n%s", md)
	}
	text, md = render(done)
	if strings.Contains(text, "not made yet") || !strings.Contains(text, investigate.Plural(len(done.Plan), "action")+" (keypivot deactivate") {
		t.Errorf("text of the finished case:\n%s", text)
	}
	if strings.Contains(md, "Not made yet") || !strings.Contains(md, "| Action | Picked by | Undo |") {
		t.Errorf("markdown of the finished case:\n%s", md)
	}
}
