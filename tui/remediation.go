package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// remSetupMsg carries who would act and the plan.
type remSetupMsg struct {
	gen    int
	rem    investigate.Remediator
	caller *investigate.Caller
	err    error
}

// outcomeMsg carries what running an action did.
type outcomeMsg struct {
	gen    int
	action int
	out    investigate.Outcome
}

// Confirmation stages.
const (
	stageList = iota
	stageConfirm
	stageConfirmAgain
	stageRunning
)

// remedyScreen shows the remediation plan for a case: each action with the exact calls
// it makes, what it affects and its undo. An action runs only after the analyst types
// the key id (twice when the action asks for it); Enter alone never confirms.
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
	actions  []investigate.Action
	undoOf   map[int]int // action index -> the action it undoes
	outcomes map[int]*investigate.Outcome
	cursor   int
	stage    int
	typed    string
	input    lineInput
	note     string
	noteErr  bool
	detail   textList
	width    int
	height   int
}

func newRemedyScreen(u *ui, c *investigate.Case, gen int, partial bool) *remedyScreen {
	r := &remedyScreen{ui: u, c: c, gen: gen, partial: partial, setting: true,
		outcomes: map[int]*investigate.Outcome{}, undoOf: map[int]int{}, detail: textList{st: &u.st}}
	r.input = newInput("> ", &u.st)
	r.input.limit = 128
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

func (r *remedyScreen) inputActive() bool {
	return r.stage == stageConfirm || r.stage == stageConfirmAgain
}

func (r *remedyScreen) setSize(w, h int) {
	r.width, r.height = w, h
	r.input.SetWidth(min(w-6, 40))
	r.layout()
}

// layout sizes the details pane: what is left under the title, the action list and
// the prompt.
func (r *remedyScreen) layout() {
	used := len(r.top("")) + len(r.actions) + 1 + r.promptHeight()
	r.detail.setSize(r.width, r.height-used)
	r.refresh()
}

func (r *remedyScreen) promptHeight() int {
	switch r.stage {
	case stageConfirm, stageConfirmAgain:
		return 5
	}
	return 1
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
		r.layout()
		return nil
	case outcomeMsg:
		if m.gen != r.gen {
			return nil
		}
		out := m.out
		r.outcomes[m.action] = &out
		r.stage = stageList
		if k := out.Action.Kind; out.Err == nil && (k == investigate.ActDeactivateKey || k == investigate.ActReactivateKey) && keyStatus(out.StateAfter) != "" {
			r.c.Owner.Status = keyStatus(out.StateAfter) // the header shows the key's new status
		}
		r.typed = ""
		switch {
		case out.Err != nil:
			r.note, r.noteErr = "FAILED: "+clean(out.Error), true
		case out.Skipped:
			r.note, r.noteErr = "already in effect ("+clean(out.StateBefore)+"): nothing was called; journalled", false
		default:
			r.note, r.noteErr = "done: "+clean(out.StateBefore)+" → "+clean(out.StateAfter)+"; journalled to "+r.journalPath(), false
			a := out.Action
			if a.Kind == investigate.ActDeactivateKey {
				r.actions = append(r.actions, investigate.ReactivateAction(a.Key, a.User, a.Account, r.caller))
				r.undoOf[len(r.actions)-1] = m.action
			}
		}
		r.layout()
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

func (r *remedyScreen) key(m tea.KeyPressMsg) tea.Cmd {
	km := &r.ui.km
	if r.inputActive() {
		switch m.String() {
		case "esc":
			r.stage = stageList
			r.typed = ""
			r.input.Reset()
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
	case key.Matches(m, km.Up):
		if r.cursor > 0 {
			r.cursor--
			r.note = ""
			r.refresh()
		}
	case key.Matches(m, km.Down):
		if r.cursor < len(r.actions)-1 {
			r.cursor++
			r.note = ""
			r.refresh()
		}
	case key.Matches(m, km.Top, km.Bottom):
		c := 0
		if key.Matches(m, km.Bottom) {
			c = max(len(r.actions)-1, 0)
		}
		if c != r.cursor {
			r.cursor = c
			r.note = ""
			r.refresh()
		}
	case key.Matches(m, km.PageDown, km.HalfDown):
		r.detail.nav(actPageDown)
	case key.Matches(m, km.PageUp, km.HalfUp):
		r.detail.nav(actPageUp)
	case key.Matches(m, km.Enter):
		return r.begin()
	}
	return nil
}

// begin starts confirming the selected action, or says why it cannot run.
func (r *remedyScreen) begin() tea.Cmd {
	if r.setting || r.cursor >= len(r.actions) {
		return nil
	}
	a := r.actions[r.cursor]
	switch {
	case r.ui.opts.ReadOnly:
		r.note, r.noteErr = investigate.ErrReadOnly.Error(), true
	case a.Refusal != "":
		r.note, r.noteErr = "refused: "+clean(a.Refusal), true
	case r.cannotAct() != "":
		r.note, r.noteErr = "nothing can run: "+r.cannotAct(), true
	case r.outcomes[r.cursor] != nil && r.outcomes[r.cursor].Err == nil:
		r.note, r.noteErr = "this action has run; its undo is listed below it", false
	default:
		r.stage = stageConfirm
		r.note = ""
		r.input.Reset()
		r.layout()
		return r.input.Focus()
	}
	return nil
}

// submit checks what was typed. Only the exact key id confirms; anything else,
// including nothing, leaves everything as it was.
func (r *remedyScreen) submit() tea.Cmd {
	a := r.actions[r.cursor]
	typed := r.input.Value()
	r.input.Reset()
	if !a.Confirmed(typed) { // every question of an action asks for its token
		if strings.TrimSpace(typed) == "" {
			r.note = "Enter alone does not confirm: type the key id " + a.ConfirmToken + " (esc cancels)"
		} else {
			r.note = "not confirmed: that is not the key id; nothing was done (type " + a.ConfirmToken + " or esc)"
		}
		r.noteErr = true
		return nil
	}
	answers := investigate.Answers{typed}
	if r.stage == stageConfirmAgain {
		answers = investigate.Answers{r.typed, typed}
	}
	if len(answers) < len(a.Questions()) {
		r.typed = typed
		r.stage = stageConfirmAgain
		r.note = ""
		r.layout()
		return nil
	}
	// Every question answered: the domain's rules decide, as they do for the CLI.
	confirmed, err := investigate.Confirm(a, false, &answers)
	if err != nil {
		r.stage = stageList
		r.note, r.noteErr = clean(err.Error()), true
		r.input.Blur()
		r.layout()
		return nil
	}
	r.stage = stageRunning
	r.note, r.noteErr = "running "+clean(a.Title)+"…", false
	r.input.Blur()
	r.layout()
	runner := &investigate.Runner{Remediator: r.rem, Journal: r.ui.opts.Journal, ReadOnly: r.ui.opts.ReadOnly, Now: r.ui.opts.Now}
	idx, gen := r.cursor, r.gen
	return func() tea.Msg {
		return outcomeMsg{gen: gen, action: idx, out: runner.Run(context.Background(), confirmed.Action, confirmed.Typed, confirmed.TypedAgain)}
	}
}

// refresh rebuilds the details of the selected action.
func (r *remedyScreen) refresh() {
	st := &r.ui.st
	b := &lineBuilder{st: st, width: r.width}
	if r.cursor >= len(r.actions) {
		r.detail.setLines(nil)
		return
	}
	a := r.actions[r.cursor]
	if o := r.outcomes[r.cursor]; o != nil {
		b.add(st.section.Render("OUTCOME"))
		switch {
		case o.Err != nil:
			b.kv("result", st.danger.Render("FAILED: "+clean(o.Error)))
		case o.Skipped:
			b.kv("result", "already in effect: nothing was called")
		default:
			b.kv("result", st.ok.Render("done"))
		}
		b.kv("state", clean(o.StateBefore)+" → "+clean(o.StateAfter))
		if len(o.RequestIDs) > 0 {
			b.kv("request ids", clean(strings.Join(o.RequestIDs, ", ")))
		}
		if o.Err == nil {
			b.kv("undo", clean(o.Action.Undo))
		}
		b.kv("journal", clean(r.journalPath()))
		b.section("PLAN")
	}
	if src, ok := r.undoOf[r.cursor]; ok {
		b.add(st.dim.Render("  undoes: " + clean(r.actions[src].Title)))
	}
	for _, l := range report.ActionLines(a, report.ActionOptions{}) {
		switch l.Tone {
		case report.ToneWarn:
			b.kv(l.Label, st.warn.Render(clean(l.Text)))
		case report.ToneDanger:
			b.kv(l.Label, st.danger.Render(clean(l.Text)))
		default:
			b.kv(l.Label, clean(l.Text))
		}
	}
	for _, n := range r.plan.Notes {
		b.bullet("note: "+clean(n), &st.dim)
	}
	r.detail.setLines(b.lines)
}

func (r *remedyScreen) status(i int) string {
	o := r.outcomes[i]
	a := r.actions[i]
	switch {
	case o != nil && o.Err != nil:
		return "[failed]"
	case o != nil && o.Skipped:
		return "[in effect]"
	case o != nil:
		return "[done]"
	case a.Refusal != "":
		return "[refused]"
	case r.cannotAct() != "":
		return "[plan only]"
	}
	return "[ ]"
}

// top is what the screen says above the actions: the plan's key, who acts (in full,
// wrapped), and what enter does here.
func (r *remedyScreen) top(spin string) []string {
	st := &r.ui.st
	title := st.title.Render("REMEDIATION PLAN") + " for " + r.c.Key.String()
	if r.setting {
		title += "  " + spin + " asking who would act…"
	}
	out := []string{truncate(title, r.width)}
	add := func(s string, style *lipgloss.Style) {
		for _, l := range wrapText(s, max(r.width, 10)) {
			out = append(out, style.Render(l))
		}
	}
	switch {
	case r.caller != nil:
		who := []string{"acting as " + clean(r.caller.ARN)}
		if r.caller.Profile != "" {
			who = append(who, "profile "+clean(r.caller.Profile))
		}
		if r.caller.Region != "" {
			who = append(who, "region "+clean(r.caller.Region))
		}
		if len(r.caller.OtherAccounts) > 0 {
			who = append(who, "also acts in "+clean(strings.Join(r.caller.OtherAccounts, ", ")))
		}
		out = append(out, wrapParts("", 0, who, max(r.width, 10), &st.app)...)
	case r.setupErr != nil:
		add("plan only: "+clean(r.setupErr.Error()), &st.danger)
	}
	switch why := r.cannotAct(); {
	case r.ui.opts.ReadOnly:
		add("READ-ONLY: the plan is shown; nothing can run", &st.badgeWarn)
	case why != "":
		add("PLAN ONLY: nothing can run here; the plan shows the calls to make", &st.warn)
		if r.setupErr == nil {
			add(why, &st.warn)
		}
	default:
		add("select an action, enter, then type the key id to confirm", &st.dim)
	}
	if r.partial {
		add("the case was still loading when planned: sessions or instances may be missing", &st.warn)
	}
	return out
}

func (r *remedyScreen) view(a *App) string {
	st := &r.ui.st
	var b strings.Builder
	for _, l := range r.top(a.spin.View()) {
		b.WriteString(l + "\n")
	}
	for i, act := range r.actions {
		line := fit(r.status(i), 12, false) + clean(act.Title)
		if i == r.cursor {
			b.WriteString(st.selected.Render(fit("▸ "+line, r.width, false)))
		} else {
			b.WriteString(truncate("  "+line, r.width))
		}
		b.WriteString("\n")
	}
	b.WriteString(st.dim.Render(strings.Repeat("─", max(r.width, 1))) + "\n")
	b.WriteString(r.detail.view() + "\n")
	b.WriteString(r.prompt())
	return b.String()
}

func (r *remedyScreen) prompt() string {
	st := &r.ui.st
	note := ""
	if r.note != "" {
		s := st.status
		if r.noteErr {
			s = st.statusErr
		}
		note = s.Render(truncate(r.note, r.width))
	}
	if !r.inputActive() {
		return note
	}
	a := r.actions[r.cursor]
	ask := "Type the key id " + a.ConfirmToken + " to confirm this action:"
	if r.stage == stageConfirmAgain {
		ask = "SECOND CONFIRMATION: " + clean(a.SecondConfirm)
	}
	box := st.dangerBox.Width(max(min(r.width, 100), 10))
	if note == "" {
		note = st.dim.Render("enter submits · Enter alone does nothing · esc cancels")
	}
	inner := truncate(st.danger.Render(ask), r.width-4) + "\n" + r.input.View() + "\n" + truncate(note, r.width-4)
	return box.Render(inner)
}

func (r *remedyScreen) keys() help.KeyMap {
	km := &r.ui.km
	if r.inputActive() {
		submit := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "submit the typed key id"))
		cancel := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel (nothing is done)"))
		return bindings{short: []key.Binding{submit, cancel}, full: [][]key.Binding{{submit, cancel}}}
	}
	run := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm…"))
	switch {
	case r.ui.opts.ReadOnly:
		run.SetHelp("enter", "read-only: plan only, nothing runs")
	case r.cannotAct() != "":
		run.SetHelp("enter", "plan only: nothing can run")
	}
	top := key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "first action"))
	bottom := key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "last action"))
	pgup := key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup/b", "details up"))
	pgdn := key.NewBinding(key.WithKeys("pgdown", "space"), key.WithHelp("pgdn/space", "details down"))
	return bindings{
		short: []key.Binding{km.Up, km.Down, run, pgdn, km.Back, km.Help},
		full:  [][]key.Binding{{km.Up, km.Down, top, bottom, run, pgup, pgdn}, {km.Copy, km.CopyKey, km.Export, km.Back, km.Help, km.Quit}},
	}
}

func (r *remedyScreen) statusLine() string {
	done := 0
	for _, o := range r.outcomes {
		if o.Err == nil {
			done++
		}
	}
	s := plural(len(r.plan.Actions), "action") + fmt.Sprintf(" planned, %d run", done)
	if r.ui.opts.ReadOnly {
		s = plural(len(r.plan.Actions), "action") + " planned · read-only: nothing runs"
	} else if r.cannotAct() != "" {
		s = plural(len(r.plan.Actions), "action") + " planned · plan only: nothing can run"
	}
	if r.ui.opts.JournalPath != "" {
		s += " · journal " + r.ui.opts.JournalPath
	}
	if r.detail.scrollInfo() != "" {
		s += " · details " + r.detail.scrollInfo() + " (pgdn)"
	}
	return s
}
