package tui

import (
	"sync"

	"github.com/keypivot/keypivot/investigate"
)

// caseState is what the workbench knows of each key beyond what its sources said when
// its case was built: the outcomes of the actions run on it, from this session and from
// the journal. It is the one place every screen reads a key's status and what was done
// from: the keys list, the header, the Overview and the plan agree, and stay so after
// any navigation (a case built again is read through it).
//
// What a live lookup says wins over the journal: a key reactivated in the console since
// an earlier session's deactivation is Active. This session's outcomes win over a
// lookup made before them.
type caseState struct {
	mu sync.Mutex
	// outs are the outcomes of actions per case key, in the order they ran.
	outs map[string][]recorded
	// alerts are the workflow statuses Kibana write-backs set, by alert id: an alert
	// belongs to every case it is listed in (a higher-order alert, one raised for a
	// session), not only to the key whose write-back set it.
	alerts map[string]string
}

// recorded is an outcome, and whether it was read from the journal (an earlier
// session) rather than run in this one.
type recorded struct {
	investigate.Outcome
	fromJournal bool
}

func newCaseState() *caseState {
	return &caseState{outs: map[string][]recorded{}, alerts: map[string]string{}}
}

// record adds the outcomes of actions run on the case of key in this session.
func (s *caseState) record(key string, outs []investigate.Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range outs {
		s.add(key, recorded{Outcome: o})
	}
}

func (s *caseState) add(key string, r recorded) {
	s.outs[key] = append(s.outs[key], r)
	if r.Err != nil || r.Action.Kind != investigate.ActKibanaSetStatus {
		return
	}
	// Done or already in effect: either way the alerts are at the status now.
	for _, call := range r.Action.Calls {
		for _, id := range call.ParamList("signal_ids") {
			s.alerts[id] = call.Param("status")
		}
	}
}

// seed reads the journal's completed actions (done, or already in effect, each with
// the spec its planned or intent entry wrote), so that a key contained in an earlier
// session opens as it is.
func (s *caseState) seed(entries []investigate.JournalEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range investigate.CompletedActions(entries) {
		if a.Spec == nil {
			continue // no spec was journalled for it: what it did cannot be read
		}
		s.add(a.Key, recorded{fromJournal: true, Outcome: investigate.Outcome{
			Action: *a.Spec, StateBefore: a.StateBefore, StateAfter: a.StateAfter,
			RequestIDs: a.RequestIDs, Skipped: a.Skipped,
		}})
	}
}

// outcomes returns the outcomes recorded for key's case, in order.
func (s *caseState) outcomes(key string) []investigate.Outcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []investigate.Outcome
	for _, r := range s.outs[key] {
		out = append(out, r.Outcome)
	}
	return out
}

// keyStatus is key's status as the last action that set it read it back ("" when none
// did): a deactivation, a reactivation, or the undo of either. With liveKnown (a live
// lookup said the status), only this session's actions count: the journal's are older
// than the lookup.
func (s *caseState) keyStatus(key string, liveKnown bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := ""
	for _, r := range s.outs[key] {
		if liveKnown && r.fromJournal {
			continue
		}
		if v := statusAfter(r.Outcome, key); v != "" {
			st = v
		}
	}
	return st
}

// statusAfter is the status of key an outcome leaves ("" when it does not set it).
func statusAfter(o investigate.Outcome, key string) string {
	a := o.Action
	if o.Err != nil || a.Key != key {
		return ""
	}
	switch {
	case a.Kind == investigate.ActDeactivateKey, a.Kind == investigate.ActReactivateKey,
		a.Kind == investigate.ActUndo && (a.Undoes == investigate.ActDeactivateKey || a.Undoes == investigate.ActReactivateKey):
		return keyStatus(o.StateAfter)
	}
	return ""
}

// apply writes what the recorded outcomes changed into c: the key's status (and what
// follows from it, the assessment), and the alerts' workflow statuses.
func (s *caseState) apply(c *investigate.Case) {
	if c == nil {
		return
	}
	c.SetKeyStatus(s.keyStatus(c.Key.String(), c.Owner.Status != ""))
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, list := range [][]investigate.Sibling{c.Siblings, c.HigherOrderAlerts} {
		for i := range list {
			if st, ok := s.alerts[list[i].AlertID]; ok && list[i].Provider == investigate.ProviderElastic {
				list[i].Status = st
			}
		}
	}
}
