package tui

import (
	"context"
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// The Kibana write-back from the workbench: the same actions as `keypivot alerts
// ack|close|open|case`, planned by investigate, confirmed by typing the key id, run by the
// Runner (journalled, state read back before and after) on the screen the AWS plan uses.

// errNoKibana is why nothing can be written back when no Kibana is configured.
var errNoKibana = errors.New("no Kibana to write back to: give --elastic URL (or --cloud-id) and --kibana URL, or use --demo")

// openKibana opens the write-back screen over the workbench.
func (w *workbench) openKibana() tea.Cmd {
	if w.c == nil {
		return status("the case has not loaded yet: nothing to write back", true)
	}
	r := newRemedyScreen(w)
	r.kibana = true
	return push(r)
}

// kibanaFactory is the Kibana remediator of the options (it acts for every case).
func (u *ui) kibanaFactory() func(context.Context, *investigate.Case) (investigate.Remediator, error) {
	if u.opts.Kibana == nil {
		return nil
	}
	return func(context.Context, *investigate.Case) (investigate.Remediator, error) { return u.opts.Kibana, nil }
}

// kibanaPlan is every write-back the case allows: acknowledge, close with each built-in
// reason an analyst gives after triage, reopen, and the Kibana case with the report. One
// that would change nothing is said in the notes instead.
func kibanaPlan(c *investigate.Case, t investigate.KibanaTarget) investigate.Plan {
	p := investigate.Plan{Key: c.Key.String()}
	add := func(a investigate.Action, err error) {
		switch {
		case err == nil:
			p.Actions = append(p.Actions, a)
		case errors.Is(err, investigate.ErrNothingToChange):
			p.Notes = append(p.Notes, err.Error())
		default:
			p.Notes = append(p.Notes, "cannot plan: "+err.Error())
		}
	}
	add(investigate.PlanAlertStatus(c, t, investigate.WorkflowAcknowledged, ""))
	for _, reason := range []string{"true_positive", "false_positive", "benign_positive"} {
		add(investigate.PlanAlertStatus(c, t, investigate.WorkflowClosed, reason))
	}
	add(investigate.PlanAlertStatus(c, t, investigate.WorkflowOpen, ""))
	var b strings.Builder
	if err := report.Markdown(&b, c, report.Options{}); err != nil {
		p.Notes = append(p.Notes, "cannot render the case report: "+err.Error())
	} else {
		add(investigate.PlanKibanaCase(c, t, b.String(), investigate.KibanaCaseOptions{}))
	}
	return p
}
