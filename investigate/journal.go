package investigate

import (
	"cmp"
	"strings"
	"time"
)

// JournalEntry is one line of the remediation journal.
type JournalEntry struct {
	Time      time.Time `json:"time"`
	Phase     string    `json:"phase"` // planned, intent, done, failed, skipped, cancelled
	ActionID  string    `json:"action_id"`
	Action    string    `json:"action"`
	Key       string    `json:"key"`
	CallerARN string    `json:"caller_arn"`
	// CallerAccount is the account of the caller the action was planned or made by;
	// Account the account it acts in (the key's, or a role's). A resume checks that
	// its caller can act there, whatever its profile is called.
	CallerAccount string `json:"caller_account,omitempty"`
	Account       string `json:"account,omitempty"`
	Profile       string `json:"profile,omitempty"`
	// System is what the action writes to; Kibana, for a Kibana action, which Kibana.
	System      System    `json:"system,omitempty"`
	Kibana      string    `json:"kibana,omitempty"`
	Region      string    `json:"region,omitempty"`
	Calls       []APICall `json:"calls"`
	RequestIDs  []string  `json:"request_ids,omitempty"`
	StateBefore string    `json:"state_before,omitempty"`
	StateAfter  string    `json:"state_after,omitempty"`
	Result      string    `json:"result,omitempty"`
	Undo        string    `json:"undo,omitempty"`
	// Spec is the whole action, so that an interrupted run can be completed as planned.
	Spec *Action `json:"spec,omitempty"`
}

// Journal phases. Planned and intent open an action; the others are its outcome.
const (
	// PhasePlanned is written for every confirmed action of a batch before the first
	// one runs: nothing of it has been called yet.
	PhasePlanned = "planned"
	// PhaseIntent is written right before an action's first call.
	PhaseIntent  = "intent"
	PhaseDone    = "done"
	PhaseFailed  = "failed"
	PhaseSkipped = "skipped"
	// PhaseCancelled closes a planned action that was not run after all (a journal
	// failure before the first call): nothing of it was called.
	PhaseCancelled = "cancelled"
)

// IsOutcome reports whether phase closes an action (done, failed, skipped, cancelled).
func IsOutcome(phase string) bool {
	switch phase {
	case PhaseDone, PhaseFailed, PhaseSkipped, PhaseCancelled:
		return true
	}
	return false
}

// PendingEntries returns the actions of a journal that were planned or started and have
// no outcome since: for each, its latest planned or intent record, in the order they
// were first journalled. A phase it does not know neither opens nor closes an action.
func PendingEntries(entries []JournalEntry) []JournalEntry {
	open := map[string]int{}
	listed := map[string]bool{}
	var order []string
	for i, e := range entries {
		switch {
		case e.Phase == PhasePlanned || e.Phase == PhaseIntent:
			if !listed[e.ActionID] {
				listed[e.ActionID] = true
				order = append(order, e.ActionID)
			}
			open[e.ActionID] = i
		case IsOutcome(e.Phase):
			delete(open, e.ActionID)
		}
	}
	var out []JournalEntry
	for _, id := range order {
		if i, ok := open[id]; ok {
			out = append(out, entries[i])
		}
	}
	return out
}

// Journal is an append-only, durable record of remediation.
type Journal interface {
	Append(e JournalEntry) error
	// Pending returns the actions planned or started that have no outcome (a crash
	// mid-batch or mid-action): PendingEntries of the journal.
	Pending() ([]JournalEntry, error)
}

// PlannedAccount is the account a journalled action was planned to act in: the one it
// names, else its planner's (an older journal names it only in the caller's ARN).
func PlannedAccount(e JournalEntry) string {
	return cmp.Or(e.Account, e.spec().Account, e.CallerAccount, arnAccount(e.CallerARN))
}

// OnKibana reports whether the journalled action writes to Kibana. Records written
// before actions named their system say it through their spec or kind.
func (e JournalEntry) OnKibana() bool {
	if e.System != "" {
		return e.System == SystemKibana
	}
	return e.spec().OnKibana()
}

// PlannedKibana is the Kibana a journalled Kibana action was planned against (older
// records named it only in the caller's profile, "kibana URL").
func PlannedKibana(e JournalEntry) string {
	profile, _ := strings.CutPrefix(e.Profile, "kibana ")
	return cmp.Or(e.Kibana, e.spec().Kibana, strings.TrimSuffix(profile, "/"))
}

// spec is the journalled action as planned; a record without its spec still names its
// kind.
func (e JournalEntry) spec() *Action {
	if e.Spec != nil {
		return e.Spec
	}
	return &Action{Kind: e.Action}
}

// CompletedAction is an action of the journal that ran to completion: done, or
// skipped because it was already in effect.
type CompletedAction struct {
	ActionID string
	Key      string
	// Kind is the action's kind: its spec's, else the one its outcome record names.
	Kind string
	// Spec is the action as its planned or intent record kept it (an outcome record
	// keeps none): the latest spec journalled under its id before its outcome; nil when
	// none was.
	Spec *Action
	// Skipped: it was already in effect, and nothing was called.
	Skipped     bool
	StateBefore string
	StateAfter  string
	RequestIDs  []string
	// Time is the time of its outcome.
	Time time.Time
}

// CompletedActions returns the journal's completed actions (each done or skipped
// outcome, with the spec its planned or intent record kept), in the order of their
// outcomes. An action run more than once is listed at each completion.
func CompletedActions(entries []JournalEntry) []CompletedAction {
	specs := map[string]*Action{}
	var out []CompletedAction
	for _, e := range entries {
		if e.Spec != nil {
			specs[e.ActionID] = e.Spec
		}
		if e.Phase != PhaseDone && e.Phase != PhaseSkipped {
			continue
		}
		a := CompletedAction{
			ActionID: e.ActionID, Key: e.Key, Kind: e.Action, Spec: specs[e.ActionID], Skipped: e.Phase == PhaseSkipped,
			StateBefore: e.StateBefore, StateAfter: e.StateAfter, RequestIDs: e.RequestIDs, Time: e.Time,
		}
		if a.Spec != nil {
			a.Kind = a.Spec.Kind
		}
		out = append(out, a)
	}
	return out
}

// DoneAction is the action journalled under id whose last run completed (phase done),
// as its planned or intent record kept it: what `keypivot undo` reverses. ok is false
// when no run of id completed, or none of its records kept a spec.
func DoneAction(entries []JournalEntry, id string) (Action, bool) {
	var done *Action
	for _, a := range CompletedActions(entries) {
		if a.ActionID == id && !a.Skipped {
			done = a.Spec
		}
	}
	if done == nil {
		return Action{}, false
	}
	return *done, true
}
