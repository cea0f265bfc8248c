package investigate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Remediator performs actions against an account (AWS, or the demo's simulation).
type Remediator interface {
	// Caller is who the calls are made as.
	Caller(ctx context.Context) (Caller, error)
	// State reads the target's current state and whether the action is already in effect.
	State(ctx context.Context, a Action) (state string, applied bool, err error)
	// Apply makes the action's calls and returns the request ids.
	Apply(ctx context.Context, a Action) (requestIDs []string, err error)
}

// ErrReadOnly is returned for every write when read-only mode is on.
var ErrReadOnly = errors.New("read-only mode: no write is made (remove --read-only to act)")

// ErrWrongAccount is wrapped by the refusal to resume an action with a caller that cannot
// act in the account it was planned for.
var ErrWrongAccount = errors.New("wrong account")

// WrongAccountError refuses to resume an action in another account than planned (or,
// for a Kibana action, against another Kibana).
type WrongAccountError struct {
	Action   string // the action's title
	Planned  string // the account the action was planned for (a Kibana URL for Kibana)
	PlanBy   string // the caller that planned it
	Current  string // the resuming caller's account (Kibana URL)
	CallerBy string // the resuming caller
	Kibana   bool
}

func (e *WrongAccountError) Error() string {
	if e.Kibana {
		return fmt.Sprintf("refused: %s was planned against Kibana %s (by %s) but this run writes to Kibana %s (%s): resume it with --kibana %s",
			e.Action, e.Planned, orDash(e.PlanBy), e.Current, orDash(e.CallerBy), e.Planned)
	}
	return fmt.Sprintf("refused: %s was planned for account %s (by %s) but the caller is in account %s (%s): resume it with credentials of account %s (--profile, or --account-profile %s=PROFILE)",
		e.Action, e.Planned, orDash(e.PlanBy), e.Current, orDash(e.CallerBy), e.Planned, e.Planned)
}

func (e *WrongAccountError) Unwrap() error { return ErrWrongAccount }

// Runner executes confirmed actions: it refuses in read-only mode, journals intent
// before and outcome after each write, re-reads state, and never repeats an action found
// already in effect. A batch (RunAll) is journalled as planned before its first call.
type Runner struct {
	Remediator Remediator
	Journal    Journal
	ReadOnly   bool
	// Now is the clock of revocation cut-offs and journal times (time.Now when nil).
	Now func() time.Time
}

// Outcome is what running an action did.
type Outcome struct {
	Action      Action   `json:"action"`
	StateBefore string   `json:"state_before"`
	StateAfter  string   `json:"state_after"`
	RequestIDs  []string `json:"request_ids"`
	Skipped     bool     `json:"skipped"` // already in effect: nothing was called
	Err         error    `json:"-"`
	Error       string   `json:"error,omitempty"`
}

func (o *Outcome) fail(err error) Outcome {
	o.Err, o.Error = err, err.Error()
	return *o
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// check is what must hold before a confirmed action is run (or planned).
func (r *Runner) check(a Action, typed, typedAgain, typedName string) error {
	switch {
	case r.ReadOnly:
		return ErrReadOnly
	case a.Refusal != "":
		return errors.New("refused: " + a.Refusal)
	case !a.Confirmed(typed):
		return errors.New("not confirmed: type the key id " + a.ConfirmToken + " to confirm")
	case a.SecondConfirm != "" && !a.Confirmed(typedAgain):
		return errors.New("not confirmed twice: " + a.SecondConfirm)
	case a.Irreversible && (a.ConfirmName == "" || strings.TrimSpace(typedName) != a.ConfirmName):
		return errors.New("not confirmed: " + a.Title + " is irreversible: type its name " + a.ConfirmName + " to confirm it")
	case r.Journal == nil:
		return errors.New("no journal: refusing to write without a record")
	}
	return nil
}

// checkCaller refuses what the acting caller must not do: deactivate its own key.
func checkCaller(a Action, caller Caller) error {
	if a.Kind == ActDeactivateKey && caller.AccessKeyID != "" && caller.AccessKeyID == a.Key {
		return errors.New("refused: keypivot is signing with this very key")
	}
	return nil
}

// Run executes a once typed confirms it (and typedAgain, when the action asks for a
// second confirmation).
func (r *Runner) Run(ctx context.Context, a Action, typed, typedAgain string) Outcome {
	return r.RunAll(ctx, []Confirmed{{Action: a, Typed: typed, TypedAgain: typedAgain}})[0]
}

// RunAll runs a batch of confirmed actions in order, each as Run does, after journalling
// every one that passes Run's checks as planned: a crash at any point leaves each action
// that did not finish pending, so that a resume offers exactly the rest. An action that
// fails the checks (refused, not confirmed) is never planned; its outcome says why. A
// batch of one is not planned: its intent, written before its first call, is its plan.
// When ctx ends between actions, the ones not started stay planned (pending).
func (r *Runner) RunAll(ctx context.Context, batch []Confirmed) []Outcome {
	outs := make([]Outcome, len(batch))
	var run []int
	for i, c := range batch {
		outs[i] = Outcome{Action: c.Action}
		if err := r.check(c.Action, c.Typed, c.TypedAgain, c.TypedName); err != nil {
			outs[i].fail(err)
			continue
		}
		run = append(run, i)
	}
	if len(run) == 0 {
		return outs
	}
	caller, err := r.Remediator.Caller(ctx)
	if err != nil {
		for _, i := range run {
			outs[i].fail(fmt.Errorf("cannot tell who is acting: %w", err))
		}
		return outs
	}
	run = slices.DeleteFunc(run, func(i int) bool {
		err := checkCaller(batch[i].Action, caller)
		if err != nil {
			outs[i].fail(err)
		}
		return err != nil
	})
	if len(run) > 1 {
		for n, i := range run {
			a := batch[i].Action
			e := r.entry(a, caller)
			e.Time, e.Phase, e.Spec = r.now(), PhasePlanned, &a
			if err := r.Journal.Append(e); err != nil {
				// Nothing was called: close what was planned, and run nothing.
				for _, k := range run[:n] {
					c := r.entry(batch[k].Action, caller)
					c.Time, c.Phase, c.Result = r.now(), PhaseCancelled, "the journal failed while planning: nothing was called"
					_ = r.Journal.Append(c)
				}
				for _, k := range run {
					outs[k].fail(fmt.Errorf("journal: %w (nothing was called)", err))
				}
				return outs
			}
		}
	}
	for n, i := range run {
		if err := ctx.Err(); err != nil {
			for _, k := range run[n:] {
				outs[k].fail(fmt.Errorf("interrupted before it started (%w): it stays planned; keypivot journal --resume offers it", err))
			}
			break
		}
		outs[i] = r.execute(ctx, batch[i].Action.AtConfirmation(r.now()), caller)
	}
	return outs
}

// entry is the journal record of a made by caller, without its phase.
func (r *Runner) entry(a Action, caller Caller) JournalEntry {
	acct := a.Account
	if acct == "" {
		acct = caller.Account
	}
	e := JournalEntry{ActionID: a.ID, Action: a.Kind, Key: a.Key, CallerARN: caller.ARN, CallerAccount: caller.Account, Account: acct,
		Profile: caller.Profile, Region: caller.Region, System: a.System, Calls: a.Calls, Undo: a.Undo}
	if a.OnKibana() {
		e.System, e.Kibana = SystemKibana, cmp.Or(strings.TrimSuffix(caller.Kibana, "/"), a.Kibana)
	}
	return e
}

func (r *Runner) execute(ctx context.Context, a Action, caller Caller) Outcome {
	out := Outcome{Action: a}
	entry := r.entry(a, caller)
	before, applied, err := r.Remediator.State(ctx, a)
	out.StateBefore = before
	if err != nil {
		out.Err, out.Error = err, err.Error()
		entry.Time, entry.Phase, entry.Result, entry.StateBefore = r.now(), PhaseFailed, "cannot read state: "+err.Error(), before
		_ = r.Journal.Append(entry)
		return out
	}
	if applied {
		out.Skipped, out.StateAfter = true, before
		entry.Time, entry.Phase, entry.StateBefore, entry.StateAfter, entry.Result = r.now(), PhaseSkipped, before, before, "already in effect: nothing called"
		if err := r.Journal.Append(entry); err != nil {
			out.Err, out.Error = err, err.Error()
		}
		return out
	}
	intent := entry
	spec := a
	intent.Time, intent.Phase, intent.StateBefore, intent.Spec = r.now(), PhaseIntent, before, &spec
	if err := r.Journal.Append(intent); err != nil {
		out.Err, out.Error = fmt.Errorf("journal: %w (nothing was called)", err), "journal: "+err.Error()
		return out
	}
	ids, applyErr := r.Remediator.Apply(ctx, a)
	out.RequestIDs = ids
	after, _, stErr := r.Remediator.State(ctx, a)
	out.StateAfter = after
	entry.Time, entry.RequestIDs, entry.StateBefore, entry.StateAfter = r.now(), ids, before, after
	if applyErr != nil {
		entry.Phase, entry.Result = PhaseFailed, applyErr.Error()
		out.Err, out.Error = applyErr, applyErr.Error()
	} else {
		entry.Phase, entry.Result = PhaseDone, "ok"
		if stErr != nil {
			entry.Result = "ok; re-reading state failed: " + stErr.Error()
		}
	}
	if err := r.Journal.Append(entry); err != nil && out.Err == nil {
		out.Err, out.Error = fmt.Errorf("journal: %w", err), "journal: "+err.Error()
	}
	return out
}

// CheckResume says whether caller may complete the journalled action e: it must be able
// to act in the account e was planned for (its own, or through --account-profile),
// whatever its profile is called. The error wraps ErrWrongAccount.
// A Kibana action must be resumed against the Kibana it was planned against
// (PlannedKibana), by a caller writing to that Kibana (Caller.Kibana).
func CheckResume(e JournalEntry, caller Caller) error {
	title := e.Action + " " + e.Key
	if e.Spec != nil && e.Spec.Title != "" {
		title = e.Spec.Title
	}
	if e.OnKibana() {
		planned, current := PlannedKibana(e), strings.TrimSuffix(caller.Kibana, "/")
		if planned != "" && current != "" && planned != current {
			return &WrongAccountError{Action: title, Planned: planned, PlanBy: e.CallerARN, Current: current, CallerBy: caller.ARN, Kibana: true}
		}
		return nil
	}
	acct := PlannedAccount(e)
	if caller.CanActIn(acct) {
		return nil
	}
	by := caller.ARN
	if caller.Profile != "" {
		by += ", profile " + caller.Profile
	}
	return &WrongAccountError{Action: title, Planned: acct, PlanBy: e.CallerARN, Current: caller.Account, CallerBy: by}
}

// Resume completes the actions a crash left planned or half done: for each journalled
// action without an outcome, it checks that the caller can act in the account it was
// planned for (an outcome wrapping ErrWrongAccount when not, before any question), asks
// confirm, then re-reads the state and calls only if the action is not in effect.
// confirm sees each pending action and must ask the analyst again (a resume is a write
// like any other); a declined action stays pending. An action only planned (never
// started) is confirmed now: a revocation's cut-off moves to now. With keys, only
// actions on those keys are considered.
func (r *Runner) Resume(ctx context.Context, confirm func(Action) bool, keys ...string) ([]Outcome, error) {
	if r.ReadOnly {
		return nil, ErrReadOnly
	}
	if r.Journal == nil {
		return nil, nil
	}
	pending, err := r.Journal.Pending()
	if err != nil || len(pending) == 0 {
		return nil, err
	}
	caller, err := r.Remediator.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var outs []Outcome
	for _, p := range pending {
		if p.Spec == nil || (len(keys) > 0 && !slices.Contains(keys, p.Key)) {
			continue
		}
		a := *p.Spec
		o := Outcome{Action: a}
		if err := CheckResume(p, caller); err != nil {
			outs = append(outs, o.fail(err))
			continue
		}
		if err := checkCaller(a, caller); err != nil {
			outs = append(outs, o.fail(err))
			continue
		}
		if confirm == nil || !confirm(a) {
			continue
		}
		if p.Phase == PhasePlanned {
			a = a.AtConfirmation(r.now())
		}
		outs = append(outs, r.execute(ctx, a, caller))
	}
	return outs, nil
}
