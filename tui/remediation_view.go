package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// The remediation screen, drawn: who acts, the actions (a window of the list that
// follows the selection; the selected action's title is never cut, it wraps), the
// details of the selected action (or of the batch being confirmed), and the prompt.

// statusWidth is the width of an action's status column ("[plan only]").
const statusWidth = 12

// layout shares the height between the list of actions and the details: the details
// keep at least a third of what is left under the title and above the prompt, the list
// shows at least three lines.
//
// The question asked comes first: on a short terminal the details give way, then the
// list; with no room even for the list, the screen is the action's title and the
// question alone (compact), never a question without what it is about.
func (r *remedyScreen) layout() {
	avail := r.height - len(r.top("")) - 1 - r.promptHeight()
	lines, _, _ := r.listLines()
	lh := min(len(lines), max(avail-max(avail/3, 5), 3))
	lh = min(lh, max(avail, 0))
	r.detailH = max(avail-lh, 0)
	r.detail.setSize(r.width, max(r.detailH, 1))
	r.refresh()
}

// compact reports whether there is no room for the list over the question.
func (r *remedyScreen) compact() bool {
	return r.inputActive() && r.height-len(r.top(""))-1-r.promptHeight() < 1
}

// listHeight is the number of list lines the layout left for the actions.
func (r *remedyScreen) listHeight() int {
	return max(r.height-len(r.top(""))-1-r.promptHeight()-r.detailH, 0)
}

// groupWidth is the width of the group column: the widest group listed. A narrow
// screen has no group column (0): the group follows each title.
func (r *remedyScreen) groupWidth() int {
	if r.width < 100 {
		return 0
	}
	w := 0
	for _, a := range r.actions {
		w = max(w, len(groupOf(a)))
	}
	return min(w, 14) + 1
}

// listLines draws every action of the list, in order, with a rule before the first
// irreversible one; a title that does not fit wraps under itself. first and last are
// the lines of the selected action.
func (r *remedyScreen) listLines() (lines []string, first, last int) {
	st := &r.ui.st
	gw := r.groupWidth()
	tw := max(r.width-2-statusWidth-gw, 10)
	ruled := false
	r.owners = r.owners[:0]
	for p, i := range r.order {
		a := r.actions[i]
		if a.Irreversible && !ruled {
			ruled = true
			lines = append(lines, st.dim.Render(fit("  ── irreversible (no undo): each asks for its name after the key id ──", r.width, false)))
			r.owners = append(r.owners, -1)
		}
		title := clean(a.Title)
		if _, ok := r.undoOf[i]; ok {
			title = "↳ " + title
		}
		if a.Irreversible && !strings.Contains(a.Title, "IRREVERSIBLE") {
			title += " (IRREVERSIBLE)"
		}
		lead := fit(r.status(i), statusWidth, false) + fit(groupOf(a), gw, false)
		if gw == 0 {
			title += " · " + groupOf(a)
		}
		style := (*lipgloss.Style)(nil)
		switch {
		case p == r.cursor:
			style = &st.selected
			first = len(lines)
		case a.Irreversible:
			style = &st.danger
		}
		for k, l := range wrapText(title, tw) {
			mark := "  "
			if k == 0 && p == r.cursor {
				mark = "▸ "
			}
			if k == 0 {
				l = mark + lead + l
			} else {
				l = strings.Repeat(" ", 2+statusWidth+gw) + l
			}
			if style != nil {
				l = style.Render(fit(l, r.width, false))
			}
			lines = append(lines, l)
			r.owners = append(r.owners, p)
		}
		if p == r.cursor {
			last = len(lines) - 1
		}
	}
	return lines, first, last
}

// listView is the window of the list that shows the selected action whole.
func (r *remedyScreen) listView() []string {
	lines, first, last := r.listLines()
	h := r.listHeight()
	if len(lines) <= h {
		r.listOff = 0
		return lines
	}
	// A line of context above and below the selection, when there is room for it.
	margin := min(max((h-(last-first+1))/2, 0), 1)
	if first-margin < r.listOff {
		r.listOff = first - margin
	}
	if last+margin >= r.listOff+h {
		r.listOff = last + margin - h + 1
	}
	r.listOff = min(max(r.listOff, 0), len(lines)-h)
	return lines[r.listOff : r.listOff+h]
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
	case r.picked[i]:
		return "[x]"
	}
	return "[ ]"
}

// refresh rebuilds the details: the outcome and plan of the selected action, or, while
// a batch is confirmed, the batch and the action whose name is asked.
func (r *remedyScreen) refresh() {
	st := &r.ui.st
	b := &lineBuilder{st: st, width: r.width}
	cur := r.current()
	if cur < 0 {
		r.detail.setLines(nil)
		return
	}
	if c := r.confirm; c != nil {
		if bq := c.asking(); bq.q.Irreversible {
			cur = bq.action
		} else if len(c.batch) > 1 {
			r.batchLines(b, c)
			r.detail.setLines(b.lines)
			return
		}
	}
	r.actionLines(b, cur)
	r.detail.setLines(b.lines)
}

// batchLines lists the batch being confirmed, in the order it runs.
func (r *remedyScreen) batchLines(b *lineBuilder, c *confirmation) {
	st := &r.ui.st
	names := 0
	for _, i := range c.batch {
		if r.actions[i].Irreversible {
			names++
		}
	}
	b.add(st.section.Render(fmt.Sprintf("RUNS %s, IN THIS ORDER", strings.ToUpper(plural(len(c.batch), "picked action")))))
	if names > 0 {
		b.bullet(fmt.Sprintf("%d irreversible: after the key id, each asks for its resource's name", names), &st.danger)
	}
	for n, i := range c.batch {
		a := r.actions[i]
		style := (*lipgloss.Style)(nil)
		title := clean(a.Title)
		if a.Irreversible {
			style = &st.danger
			if !strings.Contains(a.Title, "IRREVERSIBLE") {
				title += " (IRREVERSIBLE)"
			}
		}
		b.bullet(fmt.Sprintf("%d. %s", n+1, title), style)
	}
}

// actionLines is one action in full: its outcome once run, whether it can be undone,
// the calls, what it affects, its undo, its target and group (how it is picked on the
// command line); then the plan's notes and AWS's quarantine.
func (r *remedyScreen) actionLines(b *lineBuilder, i int) {
	st := &r.ui.st
	a := r.actions[i]
	if o := r.outcomes[i]; o != nil {
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
	if src, ok := r.undoOf[i]; ok {
		b.kv("undoes", clean(r.actions[src].Title))
	}
	if a.Irreversible {
		b.kv("IRREVERSIBLE", st.danger.Render("no undo: after the key id, type its name "+clean(a.ConfirmName)+" to run it"))
	}
	var ao report.ActionOptions
	if a.OnKibana() {
		ao.CallText = investigate.KibanaCallText // as Kibana's API takes it, not an AWS CLI line
	}
	for _, l := range report.ActionLines(a, ao) {
		switch l.Tone {
		case report.ToneWarn:
			b.kv(l.Label, st.warn.Render(clean(l.Text)))
		case report.ToneDanger:
			b.kv(l.Label, st.danger.Render(clean(l.Text)))
		default:
			b.kv(l.Label, clean(l.Text))
		}
	}
	if a.Resource != "" {
		target := clean(a.Resource)
		if a.Account != "" {
			target += " · account " + clean(a.Account)
		}
		b.kv("target", target)
	}
	b.kv("group", groupOf(a)+" ("+report.PickedBy(groupOf(a))+")")
	for _, n := range r.plan.Notes {
		b.bullet("note: "+clean(n), &st.dim)
	}
	if q := r.c.Quarantine; q != nil {
		b.bullet("AWS quarantine: "+clean(q.Summary()), &st.warn)
	}
}

// top is what the screen says above the actions: the plan's key, who acts (in full,
// wrapped), what the keys do here, AWS's quarantine when there is one.
func (r *remedyScreen) top(spin string) []string {
	st := &r.ui.st
	title := st.title.Render("REMEDIATION PLAN") + " for " + r.c.Key.String()
	if r.kibana {
		title = st.title.Render("KIBANA WRITE-BACK") + " for the alerts of " + r.c.Key.String()
		if t := r.ui.opts.KibanaTarget; t.URL != "" {
			title += " · " + clean(t.URL)
		}
	}
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
	case r.kibana:
		add("one at a time: enter, then type the key id, runs the selected write-back", &st.dim)
	default:
		add("space picks, p picks a group · enter, then type the key id, runs what is picked", &st.dim)
	}
	if q := r.c.Quarantine; q != nil {
		add(quarantinePlanLine(q), &st.warn)
	}
	if r.partial {
		add("the case was still loading when planned: sessions or instances may be missing", &st.warn)
	}
	return out
}

func (r *remedyScreen) View() string {
	st := &r.ui.st
	var b strings.Builder
	header := r.frame.headerLines(false)
	if r.compact() {
		// The key's line, what is confirmed, and the question: nothing else fits.
		a := r.actions[r.confirm.asking().action]
		b.WriteString(header[0] + "\n")
		b.WriteString(st.selected.Render(fit("confirming: "+clean(a.Title), r.width, false)) + "\n")
		b.WriteString(strings.Join(r.promptLines(), "\n"))
		return b.String()
	}
	for _, l := range header {
		b.WriteString(l + "\n")
	}
	for _, l := range r.top(r.ui.spinner()) {
		b.WriteString(l + "\n")
	}
	for _, l := range r.listView() {
		b.WriteString(l + "\n")
	}
	if r.detailH > 0 {
		b.WriteString(st.dim.Render(strings.Repeat("─", max(r.width, 1))) + "\n")
		b.WriteString(r.detail.view() + "\n")
	}
	b.WriteString(strings.Join(r.promptLines(), "\n"))
	return b.String()
}

// boxWidth is the width of the confirmation box; boxInner the room inside it.
func (r *remedyScreen) boxWidth() int { return max(min(r.width, 100), 10) }
func (r *remedyScreen) boxInner() int { return max(r.boxWidth()-4, 6) }

// noteLines is the note, wrapped (at most three lines outside the box).
func (r *remedyScreen) noteLines(w int) []string {
	if r.note == "" {
		return nil
	}
	lines := wrapText(clean(r.note), w)
	if !r.inputActive() && len(lines) > 3 {
		lines = lines[:3]
		lines[2] = truncate(lines[2]+" …", w)
	}
	return lines
}

// ask is what the question being asked says, wrapped to the box.
func (r *remedyScreen) ask() []string {
	c := r.confirm
	bq := c.asking()
	a := r.actions[bq.action]
	var s string
	switch {
	case bq.q.Irreversible:
		s = "NO UNDO: " + clean(a.Title) + ". Type its name " + clean(a.ConfirmName) + " to run it:"
	case bq.q.Second:
		s = "SECOND CONFIRMATION: " + clean(a.SecondConfirm)
	case len(c.batch) > 1:
		s = fmt.Sprintf("Type the key id %s to run the %d picked actions:", bq.q.Token, len(c.batch))
	default:
		s = "Type the key id " + bq.q.Token + " to confirm this action:"
	}
	return wrapText(s, r.boxInner())
}

func (r *remedyScreen) promptHeight() int { return len(r.promptLines()) }

// promptLines is the note under the details, or, while confirming, the box that asks.
func (r *remedyScreen) promptLines() []string {
	st := &r.ui.st
	noteStyle := st.status
	if r.noteErr {
		noteStyle = st.statusErr
	}
	if !r.inputActive() {
		lines := r.noteLines(r.width)
		for i := range lines {
			lines[i] = noteStyle.Render(lines[i])
		}
		if len(lines) == 0 {
			return []string{""}
		}
		return lines
	}
	var inner []string
	for _, l := range r.ask() {
		inner = append(inner, st.danger.Render(l))
	}
	inner = append(inner, r.input.View())
	notes := r.noteLines(r.boxInner())
	for _, l := range notes {
		inner = append(inner, noteStyle.Render(l))
	}
	if len(notes) == 0 {
		inner = append(inner, st.dim.Render(truncate("enter submits · Enter alone does nothing · esc cancels", r.boxInner())))
	}
	return strings.Split(st.dangerBox.Width(r.boxWidth()).Render(strings.Join(inner, "\n")), "\n")
}
