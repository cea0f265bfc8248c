package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// Picking and confirming. The analyst picks actions (nothing runs that was not picked);
// enter confirms the picked batch, or the selected action when none is picked. The
// questions of the batch's actions (Action.Questions) are asked once each: the key id,
// the second confirmation when an action asks for it, then each irreversible action's
// resource name, in plan order. The domain's rules (investigate.Confirm) then judge each
// action on what was typed, and the runner runs the batch (RunAll: journalled as
// planned before its first call).

// confirmation is a batch being confirmed: its actions (indices into the screen's
// actions, in plan order), the questions to ask, and the answers typed so far.
type confirmation struct {
	batch     []int
	questions []batchQuestion
	answers   []string
}

// batchQuestion is one question of a batch. A key id question (or its second asking)
// stands for every action of the batch that asks it; a resource name question for its
// action alone.
type batchQuestion struct {
	q      investigate.Question
	action int // the first action asking it (the one it is about, for a name)
}

// asking is the question being asked.
func (c *confirmation) asking() batchQuestion { return c.questions[len(c.answers)] }

// questionsOf are the questions of a batch, each asked once: the shared ones (key id,
// second confirmation) first, then the resource names of irreversible actions.
func questionsOf(actions []investigate.Action, batch []int) []batchQuestion {
	var shared, names []batchQuestion
	for _, i := range batch {
		for _, q := range actions[i].Questions() {
			if q.Irreversible {
				names = append(names, batchQuestion{q: q, action: i})
				continue
			}
			if !slices.ContainsFunc(shared, func(b batchQuestion) bool { return b.q.Token == q.Token && b.q.Second == q.Second }) {
				shared = append(shared, batchQuestion{q: q, action: i})
			}
		}
	}
	return append(shared, names...)
}

// answersFor replays, for action i, what was typed to each of its questions, in order.
func (c *confirmation) answersFor(actions []investigate.Action, i int) investigate.Answers {
	var out investigate.Answers
	for _, q := range actions[i].Questions() {
		for k, b := range c.questions {
			same := b.q.Token == q.Token && b.q.Second == q.Second && b.q.Irreversible == q.Irreversible
			if same && (!q.Irreversible || b.action == i) && k < len(c.answers) {
				out = append(out, c.answers[k])
				break
			}
		}
	}
	return out
}

// whyNot says why action i cannot be picked or run ("" when it can).
func (r *remedyScreen) whyNot(i int) string {
	a := &r.actions[i]
	o := r.outcomes[i]
	switch {
	case r.ui.opts.ReadOnly:
		return investigate.ErrReadOnly.Error()
	case a.Refusal != "":
		return "refused: " + clean(a.Refusal)
	case r.cannotAct() != "":
		return "nothing can run: " + r.cannotAct()
	case o != nil && o.Err == nil && (a.Irreversible || !hasUndo(*a)):
		return "this action has run"
	case o != nil && o.Err == nil:
		return "this action has run; its undo is listed below it"
	}
	return ""
}

// hasUndo reports whether the screen lists an undo for a once it has run.
func hasUndo(a investigate.Action) bool {
	if a.OnKibana() {
		return false // another write-back of the list sets the statuses back
	}
	if a.Kind == investigate.ActDeactivateKey {
		return true
	}
	if a.Kind == investigate.ActUndo || a.Kind == investigate.ActReactivateKey {
		return false
	}
	_, ok := a.UndoAction()
	return ok
}

func (r *remedyScreen) pickedCount() int {
	n := 0
	for _, p := range r.picked {
		if p {
			n++
		}
	}
	return n
}

// togglePick picks or unpicks the selected action; one that cannot run says why.
func (r *remedyScreen) togglePick() {
	i := r.current()
	if r.setting || i < 0 {
		return
	}
	if why := r.whyNot(i); why != "" && !r.picked[i] {
		r.note, r.noteErr = why, true
		r.layout()
		return
	}
	r.picked[i] = !r.picked[i]
	if !r.picked[i] {
		delete(r.picked, i)
	}
	r.note, r.noteErr = "", false
	r.layout()
}

// toggleGroup picks every action of the selected action's group that can run (its
// undos aside), or unpicks them when all are picked already.
func (r *remedyScreen) toggleGroup() {
	cur := r.current()
	if r.setting || cur < 0 {
		return
	}
	group := groupOf(r.actions[cur])
	var members []int
	skipped := 0
	for i := range r.plan.Actions {
		if groupOf(r.actions[i]) != group {
			continue
		}
		if r.whyNot(i) != "" {
			skipped++
			continue
		}
		members = append(members, i)
	}
	if len(members) == 0 {
		r.note, r.noteErr = "nothing of group "+group+" can run: "+r.whyNot(cur), true
		r.layout()
		return
	}
	all := true
	for _, i := range members {
		all = all && r.picked[i]
	}
	for _, i := range members {
		if all {
			delete(r.picked, i)
		} else {
			r.picked[i] = true
		}
	}
	verb := "picked"
	if all {
		verb = "unpicked"
	}
	r.note, r.noteErr = fmt.Sprintf("%s the %s of group %s (%s)", verb, plural(len(members), "action"), group, report.PickedBy(group)), false
	if skipped > 0 {
		r.note += fmt.Sprintf("; %d that cannot run left out", skipped)
	}
	r.layout()
}

// groupOf is the group an action is listed under (a reactivation: the key's).
func groupOf(a investigate.Action) string {
	if a.Group == "" {
		return investigate.GroupKey
	}
	return a.Group
}

// begin starts confirming the picked actions (or, with none picked, the selected one),
// or says why nothing can run.
func (r *remedyScreen) begin() tea.Cmd {
	cur := r.current()
	if r.setting || cur < 0 {
		return nil
	}
	var batch []int
	for i := range r.actions {
		if r.picked[i] && r.whyNot(i) == "" {
			batch = append(batch, i)
		}
	}
	if len(batch) == 0 {
		if why := r.whyNot(cur); why != "" {
			r.note, r.noteErr = why, true
			r.layout()
			return nil
		}
		batch = []int{cur}
	}
	r.confirm = &confirmation{batch: batch, questions: questionsOf(r.actions, batch)}
	if first := r.confirm.asking(); first.q.Irreversible {
		r.cursor = max(slices.Index(r.order, first.action), 0)
	}
	r.stage = stageConfirm
	r.note = ""
	r.input.Reset()
	r.layout()
	return r.input.Focus()
}

// submit checks what was typed against the question asked. Only its exact token (the
// key id, or the resource's name) answers it; anything else, including nothing, leaves
// everything as it was. Once every question is answered, the batch runs.
func (r *remedyScreen) submit() tea.Cmd {
	c := r.confirm
	bq := c.asking()
	typed := r.input.Value()
	r.input.Reset()
	if !bq.q.Accepts(typed) {
		what, name := "the key id "+bq.q.Token, "the key id"
		if bq.q.Irreversible {
			what, name = "its name "+clean(bq.q.Token), "the name "+clean(bq.q.Token)
		}
		if strings.TrimSpace(typed) == "" {
			r.note = "Enter alone does not confirm: type " + what + " (esc cancels)"
		} else {
			r.note = "not confirmed: that is not " + name + "; nothing was done (type " + clean(bq.q.Token) + " or esc)"
		}
		r.noteErr = true
		r.layout()
		return nil
	}
	c.answers = append(c.answers, typed)
	if len(c.answers) < len(c.questions) {
		if next := c.asking(); next.q.Irreversible {
			r.cursor = max(slices.Index(r.order, next.action), 0) // the list shows what is asked about
		}
		r.note = ""
		r.layout()
		return nil
	}
	// Every question answered: the domain's rules decide, as they do for the CLI.
	var confirmed []investigate.Confirmed
	for _, i := range c.batch {
		answers := c.answersFor(r.actions, i)
		ok, err := investigate.Confirm(r.actions[i], false, &answers)
		if err != nil {
			r.stage, r.confirm = stageList, nil
			r.note, r.noteErr = clean(r.actions[i].Title)+": "+clean(err.Error()), true
			r.input.Blur()
			r.layout()
			return nil
		}
		confirmed = append(confirmed, ok)
	}
	r.stage, r.confirm = stageRunning, nil
	r.note, r.noteErr = "running "+clean(r.actions[c.batch[0]].Title)+"…", false
	if len(c.batch) > 1 {
		r.note = fmt.Sprintf("running %s, journalled as planned first…", plural(len(c.batch), "action"))
	}
	r.input.Blur()
	r.layout()
	runner := &investigate.Runner{Remediator: r.rem, Journal: r.ui.opts.Journal, ReadOnly: r.ui.opts.ReadOnly, Now: r.ui.opts.Now}
	batch, gen, key, state := slices.Clone(c.batch), r.gen, r.c.Key, r.ui.state
	return func() tea.Msg {
		outs := runner.RunAll(context.Background(), confirmed)
		// Recorded here, not by the screen: what ran is the key's state even when the
		// screen has been left meanwhile.
		state.record(key.String(), outs)
		return outcomeMsg{gen: gen, key: key, actions: batch, outs: outs}
	}
}

// finish records what a batch did: each outcome, the key's new status for the header,
// the undo of each action that made a change (listed under it), and a note.
func (r *remedyScreen) finish(m outcomeMsg) {
	r.stage, r.confirm = stageList, nil
	var done, skipped int
	var failed []string
	for n, i := range m.actions {
		out := m.outs[n]
		r.outcomes[i] = &out
		delete(r.picked, i)
		a := out.Action
		switch {
		case out.Err != nil:
			failed = append(failed, clean(a.Title)+": "+clean(out.Error))
		case out.Skipped:
			skipped++
		default:
			done++
			r.ran++
			r.ranAgain(i)
			r.addUndo(i, a)
		}
	}
	if len(m.actions) == 1 {
		out := m.outs[0]
		switch {
		case out.Err != nil:
			r.note, r.noteErr = "FAILED: "+clean(out.Error), true
		case out.Skipped:
			r.note, r.noteErr = "already in effect ("+clean(out.StateBefore)+"): nothing was called; journalled", false
		default:
			r.note, r.noteErr = "done: "+clean(out.StateBefore)+" → "+clean(out.StateAfter)+"; journalled to "+r.journalPath(), false
		}
	} else {
		r.note = fmt.Sprintf("ran %s: %d done, %d already in effect, %d failed; journalled to %s", plural(len(m.actions), "action"), done, skipped, len(failed), r.journalPath())
		r.noteErr = len(failed) > 0
		if len(failed) > 0 {
			r.note += " · FAILED: " + failed[0]
		}
	}
	r.layout()
}

// restore shows what the case state says was done on the key (in this session, or per
// the journal): each planned action that ran has its outcome, and its undo listed under
// it, as if it had just run here; an undo that ran too has its own, and makes what it
// undid runnable again. Kibana's write-backs are planned from the alerts' statuses as
// they are now: nothing of them is restored.
func (r *remedyScreen) restore() {
	if r.kibana {
		return
	}
	for _, out := range r.ui.state.outcomes(r.c.Key.String()) {
		if out.Err != nil {
			continue
		}
		i := slices.IndexFunc(r.actions, func(a investigate.Action) bool { return a.ID == out.Action.ID })
		if i < 0 {
			continue // run from another plan (another caller): the journal has it
		}
		o := out
		r.outcomes[i] = &o
		if !out.Skipped {
			r.ranAgain(i)
			r.addUndo(i, r.actions[i])
		}
	}
}

// ranAgain records that action i made a change: when i is an undo, what it undid can
// run again; when i is undone by a listed undo, that undo can run again.
func (r *remedyScreen) ranAgain(i int) {
	if of, ok := r.undoOf[i]; ok {
		delete(r.outcomes, of)
	}
	for n, of := range r.undoOf {
		if of == i {
			delete(r.outcomes, n)
		}
	}
}

// addUndo lists, right under action i, the action that undoes what it did: the key's
// reactivation, or the undo of any other reversible action.
func (r *remedyScreen) addUndo(i int, a investigate.Action) {
	if a.OnKibana() {
		return // Kibana's undo is another status: the plan lists them all
	}
	for _, of := range r.undoOf {
		if of == i {
			return // listed already (the action ran again after its undo)
		}
	}
	var u investigate.Action
	switch a.Kind {
	case investigate.ActDeactivateKey:
		u = investigate.ReactivateAction(a.Key, a.User, a.Account, r.caller)
	case investigate.ActReactivateKey, investigate.ActUndo:
		return
	default:
		var ok bool
		if u, ok = a.UndoAction(); !ok {
			return
		}
	}
	r.actions = append(r.actions, u)
	n := len(r.actions) - 1
	r.undoOf[n] = i
	at := slices.Index(r.order, i) + 1
	r.order = slices.Insert(r.order, at, n)
	if at <= r.cursor {
		r.cursor++ // the selection stays on its action
	}
}
