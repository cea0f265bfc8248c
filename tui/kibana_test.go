package tui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/internal/simkibana"
	"github.com/keypivot/keypivot/investigate"
)

// The workbench writes back to Kibana like `keypivot alerts ack`: the plan of every
// write-back, the typed key id, the Runner's journal and read-back; the Alerts tab then
// shows the new statuses.
func TestKibanaWriteBackFromTheWorkbench(t *testing.T) {
	j := &memJournal{}
	opts, kb := kibanaOptions(t, j)
	d := newDriver(t, opts, 120, 36)
	key := d.app.keys.selectedKey().String()
	d.press("enter", "2", "K")
	d.mustStack(screenKeys, screenWorkbench, screenRemediation)
	d.mustShow("KIBANA WRITE-BACK", "Acknowledge", "Close", "true_positive", "Create")
	d.mustNotShow("Deactivate access key")
	first := d.app.rem().actions[0]
	if first.Kind != investigate.ActKibanaSetStatus || !strings.HasPrefix(first.Title, "Acknowledge") {
		t.Fatalf("the first write-back should acknowledge: %s", first.Title)
	}
	d.press("enter")
	d.typeText(key)
	d.press("enter")
	d.mustShow("done: 19 open → 19 acknowledged", "Reopen", "1 run")
	d.mustNotShow("Acknowledge 19") // planned again from the statuses now
	ids := first.Calls[0].ParamList("signal_ids")
	if len(ids) == 0 {
		t.Fatal("the acknowledgement names no alert")
	}
	for _, id := range ids {
		if st, ok := kb.Alert("", id); !ok || st.Status != investigate.WorkflowAcknowledged {
			t.Fatalf("alert %s in the simulated Kibana: %+v", id, st)
		}
	}
	if got := strings.Join(j.phases(), ","); !strings.Contains(got, "intent "+first.ID) || !strings.Contains(got, "done "+first.ID) {
		t.Fatalf("journal: %s", got)
	}
	d.press("esc")
	d.mustStack(screenKeys, screenWorkbench)
	d.mustShow("acknowledged")
	for _, s := range d.app.wb().c.Siblings {
		for _, id := range ids {
			if s.AlertID == id && s.Status != investigate.WorkflowAcknowledged {
				t.Fatalf("the case still says %s for %s", s.Status, id)
			}
		}
	}
}

// Without a Kibana, the write-back shows its plan and says why nothing can run.
func TestKibanaWriteBackWithoutKibana(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 120, 36)
	d.press("enter", "K")
	d.mustShow("KIBANA WRITE-BACK", "no Kibana to write back to")
	d.press("enter")
	if d.app.rem().inputActive() {
		t.Fatal("without a Kibana, enter must not ask for the key id")
	}
}

// The write-back screen at 80x24 and 120x36, on the demo's simulated Kibana.
func TestKibanaWriteBackGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 36}} {
		opts, _ := kibanaOptions(t, &memJournal{})
		d := newDriver(t, opts, sz[0], sz[1])
		d.press("enter", "K")
		checkFits(t, d, sz[0], sz[1])
		golden(t, "kibana_"+itoa(sz[0])+"x"+itoa(sz[1]), d.screen())
	}
}

// After a write-back the plan follows the alerts' statuses: acknowledged, they can be
// reopened (and not acknowledged again); reopened, acknowledged again.
func TestKibanaWriteBackReplans(t *testing.T) {
	opts, _ := kibanaOptions(t, &memJournal{})
	d := newDriver(t, opts, 120, 36)
	key := d.app.keys.selectedKey().String()
	run := func(prefix string) {
		t.Helper()
		r := d.app.rem()
		i := -1
		for n, a := range r.actions {
			if strings.HasPrefix(a.Title, prefix) {
				i = n
			}
		}
		if i < 0 {
			t.Fatalf("no %q write-back offered:\n%s", prefix, d.screen())
		}
		r.moveTo(slices.Index(r.order, i))
		d.press("enter")
		d.typeText(key)
		d.press("enter")
		d.mustShow("done: ")
	}
	d.press("enter", "K")
	run("Acknowledge")
	run("Reopen")
	run("Acknowledge")
	if ids := d.app.rem().actions; len(ids) == 0 {
		t.Fatal("the plan should still offer write-backs")
	}
}

// kibanaOptions is the demo wired as the command line wires it, with its simulated
// Kibana to write back to.
func kibanaOptions(t *testing.T, j *memJournal) (Options, *simkibana.Kibana) {
	t.Helper()
	opts := demoOptions(j)
	kb, err := simkibana.FromWorkspace(context.Background(), opts.Workspace, "")
	if err != nil {
		t.Fatal(err)
	}
	opts.Kibana, opts.KibanaTarget = kb, kb.Target("")
	return opts, kb
}
