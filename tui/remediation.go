package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/investigate"
)

// remSetupMsg carries who would act and the plan.
type remSetupMsg struct {
	gen    int64
	rem    investigate.Remediator
	caller *investigate.Caller
	err    error
}

// outcomeMsg carries what running a confirmed batch did: the outcome of each action
// (indices into the screen's actions), in the order they ran.
type outcomeMsg struct {
	gen     int64
	key     investigate.AccessKeyID
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
	ui *ui
	// frame is the key's workbench: its header heads the plan, and it is told who acts.
	frame *workbench
	c     *investigate.Case
	gen   int64
	// ctx is the screen's: leaving it cancels a setup still asking who acts.
	ctx    context.Context
	cancel context.CancelFunc
	// kibana makes it the Kibana write-back: Kibana's actions, on the Kibana of the
	// options, with no undo listed (reopening is an action of the plan).
	kibana   bool
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
	// owners is, per line of the list, the position of the action drawn there (-1 for
	// the rule before the irreversible ones): a click selects it.
	owners  []int
	stage   int
	confirm *confirmation
	input   lineInput
	note    string
	noteErr bool
	detail  textList
	// ran counts the write-backs run here (a Kibana plan is made again after each).
	ran int
	// detailH is the room the layout left for the details (0: none, not drawn).
	detailH int
	width   int
	height  int
}

// plannings numbers the remediation screens opened: a setup or an outcome carries the
// number of the screen it was started for.
var plannings atomic.Int64

func newRemedyScreen(w *workbench) *remedyScreen {
	u := w.ui
	r := &remedyScreen{ui: u, frame: w, c: w.c, gen: plannings.Add(1), partial: w.loading, setting: true,
		outcomes: map[int]*investigate.Outcome{}, undoOf: map[int]int{}, picked: map[int]bool{}, detail: textList{st: &u.st}}
	r.input = newInput("> ", &u.st) // 256: a key pair's name may be 255 long
	return r
}

// Start asks the remediator who acts, then plans.
func (r *remedyScreen) Start() tea.Cmd {
	r.ctx, r.cancel = context.WithCancel(r.ui.ctx)
	return r.setup(r.ctx)
}

// Close cancels the setup when the analyst leaves before it answers. A batch already
// confirmed runs to its end (the screen cannot be left while it runs).
func (r *remedyScreen) Close() {
	if r.cancel != nil {
		r.cancel()
	}
}

func (r *remedyScreen) Crumb() string {
	if r.kibana {
		return "kibana"
	}
	return "plan"
}

// Capturing is true while a question is asked, and while a batch runs: nothing may
// leave the screen then (its outcome is said here).
func (r *remedyScreen) Capturing() bool { return r.inputActive() || r.stage == stageRunning }

func (r *remedyScreen) nav(act string) bool { return r.detail.nav(act) }

func (r *remedyScreen) setup(ctx context.Context) tea.Cmd {
	factory, none := r.ui.opts.Remediator, errNoAccount
	if r.kibana {
		factory, none = r.ui.kibanaFactory(), errNoKibana
	}
	c, gen, u := r.c, r.gen, r.ui
	return func() tea.Msg {
		if factory == nil {
			return remSetupMsg{gen: gen, err: none}
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
		if r.kibana {
			return errNoKibana.Error()
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

func (r *remedyScreen) SetSize(w, h int) {
	r.width, r.height = w, h-len(r.frame.headerLines(false))
	r.input.SetWidth(min(w-6, 40))
	r.layout()
}

func (r *remedyScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case remSetupMsg:
		if m.gen != r.gen {
			return nil
		}
		r.setting = false
		r.rem, r.caller, r.setupErr = m.rem, m.caller, m.err
		if r.kibana {
			r.plan = kibanaPlan(r.c, r.ui.opts.KibanaTarget)
		} else {
			r.plan = investigate.PlanRemediation(r.c, r.caller, r.ui.now())
		}
		r.actions = append(r.actions[:0], r.plan.Actions...)
		r.order = r.order[:0]
		for i := range r.actions {
			r.order = append(r.order, i)
		}
		r.restore()
		r.layout()
		if m.caller != nil && !r.kibana {
			r.frame.setCaller(m.caller, nil)
			return msgCmd(relayoutMsg{}) // the header's acting line may wrap differently
		}
		return nil
	case outcomeMsg:
		if m.gen != r.gen {
			return nil
		}
		r.finish(m)
		return nil
	case actedMsg:
		if r.kibana && !r.setting && r.stage == stageList && m.key == r.c.Key {
			r.replanKibana()
		}
		return nil
	case tea.PasteMsg:
		if r.inputActive() {
			var cmd tea.Cmd
			r.input, cmd = r.input.Update(msg)
			return cmd
		}
		return nil
	case tea.KeyPressMsg:
		if !r.inputActive() && r.stage != stageRunning && key.Matches(m, r.ui.km.Back) {
			return pop()
		}
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
	case r.kibana && key.Matches(m, pickKey, pickGroup):
		// One write-back at a time: acknowledging, closing and reopening contradict.
		r.note, r.noteErr = "Kibana write-backs run one at a time: enter runs the selected one", false
		r.layout()
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

func (r *remedyScreen) Keys() help.KeyMap {
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
	case r.kibana && r.cannotAct() == "":
		run.SetHelp("enter", "run the selected write-back…")
		pick.SetEnabled(false)
		group.SetEnabled(false)
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

func (r *remedyScreen) Status() string {
	if r.frame.loading {
		return r.frame.Status()
	}
	done := 0
	for _, o := range r.outcomes {
		if o.Err == nil {
			done++
		}
	}
	planned := plural(len(r.plan.Actions), "action") + " planned"
	s := planned + fmt.Sprintf(", %d picked, %d run", r.pickedCount(), done)
	if r.kibana {
		planned = plural(len(r.plan.Actions), "write-back") + " planned"
		s = planned + fmt.Sprintf(", %d run", r.ran)
	}
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

// replanKibana plans the write-backs again from the alerts' statuses as they are now
// (the case state has the last write-back's): after acknowledging, reopening is offered
// and acknowledging is not. The note of what ran stays.
func (r *remedyScreen) replanKibana() {
	r.plan = kibanaPlan(r.c, r.ui.opts.KibanaTarget)
	r.actions = append(r.actions[:0], r.plan.Actions...)
	r.order = r.order[:0]
	for i := range r.actions {
		r.order = append(r.order, i)
	}
	r.outcomes, r.picked, r.undoOf = map[int]*investigate.Outcome{}, map[int]bool{}, map[int]int{}
	r.cursor = min(r.cursor, max(len(r.order)-1, 0))
	r.layout()
}
