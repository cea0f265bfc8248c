package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/investigate"
)

// remSetupMsg carries who would act and the plan.
type remSetupMsg struct {
	gen    int
	rem    investigate.Remediator
	caller *investigate.Caller
	err    error
}

// outcomeMsg carries what running a confirmed batch did: the outcome of each action
// (indices into the screen's actions), in the order they ran.
type outcomeMsg struct {
	gen     int
	actions []int
	outs    []investigate.Outcome
}

// Confirmation stages.
const (
	stageList = iota
	stageConfirm
	stageRunning
)

// remedyScreen shows the remediation plan for a case: every action with its group, the
// exact calls it makes, what it affects and its undo; irreversible ones last and marked.
// The analyst picks the actions to run (space, or p for a whole group; with nothing
// picked, enter takes the selected one): nothing runs that was not picked. A batch runs
// only after the analyst types the key id (twice when an action asks for it) and, for
// each irreversible action, its resource's name; Enter alone never confirms. A refused
// action is never asked about.
type remedyScreen struct {
	ui       *ui
	c        *investigate.Case
	gen      int
	partial  bool
	setting  bool
	setupErr error
	rem      investigate.Remediator
	caller   *investigate.Caller
	plan     investigate.Plan
	// actions are the plan's, then the undos of actions that ran, in the order they were
	// added; order is how they are listed (an undo right under what it undoes). Every map
	// and the batch are keyed by index into actions; cursor is a position in order.
	actions  []investigate.Action
	order    []int
	undoOf   map[int]int // action index -> the action it undoes
	outcomes map[int]*investigate.Outcome
	picked   map[int]bool
	cursor   int
	listOff  int
	stage    int
	confirm  *confirmation
	input    lineInput
	note     string
	noteErr  bool
	detail   textList
	width    int
	height   int
}

func newRemedyScreen(u *ui, c *investigate.Case, gen int, partial bool) *remedyScreen {
	r := &remedyScreen{ui: u, c: c, gen: gen, partial: partial, setting: true,
		outcomes: map[int]*investigate.Outcome{}, undoOf: map[int]int{}, picked: map[int]bool{}, detail: textList{st: &u.st}}
	r.input = newInput("> ", &u.st) // 256: a key pair's name may be 255 long
	return r
}

// setup asks the remediator who acts, then plans.
func (r *remedyScreen) setup(ctx context.Context) tea.Cmd {
	factory := r.ui.opts.Remediator
	c, gen, u := r.c, r.gen, r.ui
	return func() tea.Msg {
		if factory == nil {
			return remSetupMsg{gen: gen, err: errNoAccount}
		}
		rem, caller, err := u.whoActs(ctx, factory, c)
		return remSetupMsg{gen: gen, rem: rem, caller: caller, err: err}
	}
}

var errNoAccount = errors.New("no account to act on: configure AWS (--profile, --region) or use --demo")

// cannotAct says why no action of the plan can run here ("" when they can): read-only
// mode, no account to act on, no journal to record the writes. It is said before the
// analyst is asked to type anything.
func (r *remedyScreen) cannotAct() string {
	switch {
	case r.ui.opts.ReadOnly:
		return investigate.ErrReadOnly.Error()
	case r.setting:
		return ""
	case r.rem == nil || r.caller == nil:
		if r.setupErr != nil {
			return clean(r.setupErr.Error())
		}
		return errNoAccount.Error()
	case r.ui.opts.Journal == nil:
		return "no journal: refusing to write without a record (is the journal file writable?)"
	}
	return ""
}

// keyStatus is the status part of a key's state as a remediator reads it: "Inactive"
// of "Inactive; last used 2026-03-11T13:11:10Z (iam, us-east-1)".
func keyStatus(state string) string {
	s, _, _ := strings.Cut(state, ";")
	return strings.TrimSpace(s)
}

func (r *remedyScreen) inputActive() bool { return r.stage == stageConfirm }

// current is the index (into actions) of the selected action, or -1.
func (r *remedyScreen) current() int {
	if r.cursor < 0 || r.cursor >= len(r.order) {
		return -1
	}
	return r.order[r.cursor]
}

func (r *remedyScreen) setSize(w, h int) {
	r.width, r.height = w, h
	r.input.SetWidth(min(w-6, 40))
	r.layout()
}

func (r *remedyScreen) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case remSetupMsg:
		if m.gen != r.gen {
			return nil
		}
		r.setting = false
		r.rem, r.caller, r.setupErr = m.rem, m.caller, m.err
		r.plan = investigate.PlanRemediation(r.c, r.caller, r.ui.now())
		r.actions = append(r.actions[:0], r.plan.Actions...)
		r.order = r.order[:0]
		for i := range r.actions {
			r.order = append(r.order, i)
		}
		r.layout()
		return nil
	case outcomeMsg:
		if m.gen != r.gen {
			return nil
		}
		r.finish(m)
		return nil
	case tea.PasteMsg:
		if r.inputActive() {
			var cmd tea.Cmd
			r.input, cmd = r.input.Update(msg)
			return cmd
		}
		return nil
	case tea.KeyPressMsg:
		return r.key(m)
	}
	return nil
}

func (r *remedyScreen) journalPath() string {
	if r.ui.opts.JournalPath != "" {
		return r.ui.opts.JournalPath
	}
	return "the journal"
}

// pickKey toggles the selected action; pickGroup toggles its whole group.
var (
	pickKey   = key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "pick/unpick"))
	pickGroup = key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pick/unpick its group"))
)

func (r *remedyScreen) key(m tea.KeyPressMsg) tea.Cmd {
	km := &r.ui.km
	if r.inputActive() {
		switch m.String() {
		case "esc":
			r.stage, r.confirm = stageList, nil
			r.input.Reset()
			r.input.Blur()
			r.note, r.noteErr = "cancelled: nothing was done", false
			r.layout()
			return nil
		case "enter":
			return r.submit()
		}
		var cmd tea.Cmd
		r.input, cmd = r.input.Update(m)
		return cmd
	}
	if r.stage == stageRunning {
		return nil
	}
	switch {
	case key.Matches(m, pickKey):
		r.togglePick()
	case key.Matches(m, pickGroup):
		r.toggleGroup()
	case key.Matches(m, km.Up):
		r.moveTo(r.cursor - 1)
	case key.Matches(m, km.Down):
		r.moveTo(r.cursor + 1)
	case key.Matches(m, km.Top):
		r.moveTo(0)
	case key.Matches(m, km.Bottom):
		r.moveTo(len(r.order) - 1)
	case key.Matches(m, km.PageDown, km.HalfDown):
		r.detail.nav(actPageDown)
	case key.Matches(m, km.PageUp, km.HalfUp):
		r.detail.nav(actPageUp)
	case key.Matches(m, km.Enter):
		return r.begin()
	}
	return nil
}

// moveTo selects the action at position p of the list (clamped).
func (r *remedyScreen) moveTo(p int) {
	p = min(max(p, 0), max(len(r.order)-1, 0))
	if p == r.cursor {
		return
	}
	r.cursor = p
	r.note = ""
	r.layout()
}

func (r *remedyScreen) keys() help.KeyMap {
	km := &r.ui.km
	if r.inputActive() {
		submit := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "submit what was typed"))
		cancel := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel (nothing is done)"))
		return bindings{short: []key.Binding{submit, cancel}, full: [][]key.Binding{{submit, cancel}}}
	}
	run := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm…"))
	if n := r.pickedCount(); n > 0 {
		run.SetHelp("enter", fmt.Sprintf("confirm the %d picked…", n))
	}
	pick, group := pickKey, pickGroup
	switch {
	case r.ui.opts.ReadOnly:
		run.SetHelp("enter", "read-only: plan only, nothing runs")
		pick.SetEnabled(false)
		group.SetEnabled(false)
	case r.cannotAct() != "":
		run.SetHelp("enter", "plan only: nothing can run")
		pick.SetEnabled(false)
		group.SetEnabled(false)
	}
	top := key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "first action"))
	bottom := key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "last action"))
	pgup := key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup/b", "details up"))
	pgdn := key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "details down"))
	return bindings{
		short: []key.Binding{km.Up, km.Down, pick, run, pgdn, km.Back, km.Help},
		full:  [][]key.Binding{{km.Up, km.Down, top, bottom, pick, group, run, pgup, pgdn}, {km.Copy, km.CopyKey, km.Export, km.Back, km.Help, km.Quit}},
	}
}

func (r *remedyScreen) statusLine() string {
	done := 0
	for _, o := range r.outcomes {
		if o.Err == nil {
			done++
		}
	}
	planned := plural(len(r.plan.Actions), "action") + " planned"
	s := planned + fmt.Sprintf(", %d picked, %d run", r.pickedCount(), done)
	if r.ui.opts.ReadOnly {
		s = planned + " · read-only: nothing runs"
	} else if r.cannotAct() != "" {
		s = planned + " · plan only: nothing can run"
	}
	if r.ui.opts.JournalPath != "" {
		s += " · journal " + r.ui.opts.JournalPath
	}
	if r.detail.scrollInfo() != "" {
		s += " · details " + r.detail.scrollInfo() + " (pgdn)"
	}
	return s
}
