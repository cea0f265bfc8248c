package investigate_test

import (
	"slices"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// The completed actions of a journal are its done and skipped outcomes, each with the
// spec its planned or intent record kept; failed and cancelled runs are not completed,
// and an outcome with no spec journalled before it keeps the kind it names.
func TestCompletedActionsPairOutcomesWithTheirSpecs(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 11, 20, 12, m, 0, 0, time.UTC) }
	deact := &investigate.Action{ID: "deactivate-key:K", Kind: investigate.ActDeactivateKey, Key: "K", Title: "as run"}
	stop := &investigate.Action{ID: "stop-instances:K", Kind: investigate.ActStopInstances, Key: "K"}
	entries := []investigate.JournalEntry{
		{Time: at(0), Phase: investigate.PhasePlanned, ActionID: deact.ID, Action: deact.Kind, Key: "K", Spec: &investigate.Action{ID: deact.ID, Kind: deact.Kind, Title: "as planned"}},
		{Time: at(0), Phase: investigate.PhasePlanned, ActionID: stop.ID, Action: stop.Kind, Key: "K", Spec: stop},
		{Time: at(1), Phase: investigate.PhaseIntent, ActionID: deact.ID, Action: deact.Kind, Key: "K", Spec: deact, StateBefore: "Active"},
		{Time: at(2), Phase: investigate.PhaseDone, ActionID: deact.ID, Action: deact.Kind, Key: "K", StateBefore: "Active", StateAfter: "Inactive", RequestIDs: []string{"r1"}},
		{Time: at(3), Phase: investigate.PhaseSkipped, ActionID: stop.ID, Action: stop.Kind, Key: "K", StateBefore: "stopped", StateAfter: "stopped"},
		{Time: at(4), Phase: investigate.PhaseIntent, ActionID: "x", Action: investigate.ActDetachPolicy, Key: "K", Spec: &investigate.Action{ID: "x", Kind: investigate.ActDetachPolicy}},
		{Time: at(5), Phase: investigate.PhaseFailed, ActionID: "x", Action: investigate.ActDetachPolicy, Key: "K"},
		{Time: at(6), Phase: investigate.PhaseCancelled, ActionID: "y", Action: investigate.ActDetachPolicy, Key: "K"},
		{Time: at(7), Phase: investigate.PhaseDone, ActionID: "old", Action: investigate.ActReactivateKey, Key: "K"},
	}
	got := investigate.CompletedActions(entries)
	if len(got) != 3 {
		t.Fatalf("%d completed actions, want 3: %+v", len(got), got)
	}
	d, s, o := got[0], got[1], got[2]
	if d.Spec != deact || d.Kind != investigate.ActDeactivateKey || d.Skipped || d.StateBefore != "Active" || d.StateAfter != "Inactive" ||
		!slices.Equal(d.RequestIDs, []string{"r1"}) || !d.Time.Equal(at(2)) || d.Key != "K" || d.ActionID != deact.ID {
		t.Errorf("done: %+v, want the intent's spec and the outcome's states, request ids and time", d)
	}
	if s.Spec != stop || !s.Skipped || s.StateAfter != "stopped" || !s.Time.Equal(at(3)) {
		t.Errorf("skipped: %+v, want the planned record's spec", s)
	}
	if o.Spec != nil || o.Kind != investigate.ActReactivateKey {
		t.Errorf("outcome with no spec: %+v, want its own kind and no spec", o)
	}

	// DoneAction is the spec of the last completed run of an id.
	if a, ok := investigate.DoneAction(entries, deact.ID); !ok || a.Title != "as run" {
		t.Errorf("done action %+v %v, want the spec as run", a, ok)
	}
	for _, id := range []string{stop.ID, "x", "y", "old", "never"} {
		if a, ok := investigate.DoneAction(entries, id); ok {
			t.Errorf("%s: done action %+v; a skipped, failed, cancelled, spec-less or unknown action has none", id, a)
		}
	}
}
