package simkibana_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/keypivot/keypivot/internal/demo"
	"github.com/keypivot/keypivot/internal/simkibana"
	"github.com/keypivot/keypivot/investigate"
)

// A new process replays the journal: its Kibana holds what the earlier runs wrote, so
// a rerun there finds the case complete and the alerts acknowledged, as with a real
// Kibana, instead of writing them again.
func TestReplayRebuildsWhatEarlierRunsWrote(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "")
	c := e.caseOf(t)
	ack := e.planStatus(t, c, investigate.WorkflowAcknowledged, "")
	bogus := e.planStatus(t, c, investigate.WorkflowClosed, "not_a_reason") // refused: failed in the journal
	cs := e.planCase(t, c, caseReport(t, c), investigate.KibanaCaseOptions{Tags: []string{"incident-42"}})
	for _, a := range []investigate.Action{ack, bogus, cs} {
		e.r.Run(ctx, a, e.key(), "")
	}
	if o := e.r.Run(ctx, ack, e.key(), ""); !o.Skipped {
		t.Fatalf("the acknowledgement is not in effect: %+v", o)
	}

	// The next process: a fresh Kibana from the same demo (its alerts as exported, not
	// as the first process's Kibana shows them), the same journal.
	fresh := &investigate.Workspace{Alerts: []investigate.AlertSource{demo.AlertSource(e.ds)}}
	next, err := simkibana.FromWorkspace(ctx, fresh, "")
	if err != nil {
		t.Fatal(err)
	}
	// Another Kibana's entries are not this one's.
	elsewhere := e.entries(t)[0]
	elsewhere.Kibana = "https://kibana.example.invalid"
	if next.Statuses("default")[ack.Calls[0].ParamList("signal_ids")[0]] != investigate.WorkflowOpen {
		t.Fatal("the next process's Kibana starts with the first one's statuses: the replay would prove nothing")
	}
	n, err := next.Replay(ctx, append(e.entries(t), elsewhere))
	if err != nil || n != 3 {
		t.Fatalf("replayed %d actions: %v; want the acknowledgement, the refused close and the case", n, err)
	}
	if got, want := next.Statuses("default"), e.k.Statuses("default"); !maps.Equal(got, want) {
		t.Errorf("statuses after the replay differ from the first process's")
	}
	got, want := next.Cases("default"), e.k.Cases("default")
	if len(got) != 1 || got[0].ID != want[0].ID || !slices.Equal(got[0].Comments, want[0].Comments) || !slices.Equal(got[0].Alerts, want[0].Alerts) {
		t.Fatalf("cases after the replay %s, want %s", summary(got), summary(want))
	}
	r := *e.r
	r.Remediator = next
	for _, a := range []investigate.Action{ack, cs} {
		if o := r.Run(ctx, a, e.key(), ""); o.Err != nil || !o.Skipped {
			t.Errorf("rerun of %s in the next process: %+v", a.Kind, o)
		}
	}
	if len(next.Cases("default")) != 1 {
		t.Error("the next process made a second case")
	}
}
