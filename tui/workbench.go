package tui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate"
)

// Tabs of the workbench.
const (
	tabOverview = iota
	tabAlerts
	tabTimeline
	tabSessions
	tabFollowUps
	tabNetwork
	tabArtifacts
	numTabs
)

var tabNames = [numTabs]string{"Overview", "Alerts", "Timeline", "Sessions", "Follow-ups", "Network", "Artifacts"}

// workbench is the case of one key: a header that always says which key, whose, and
// from which sources, and seven tabs.
type workbench struct {
	ui  *ui
	key investigate.AccessKeyID
	// gen tells this opening's results from those of an earlier one of the same key.
	gen int64

	ctx      context.Context
	cancel   context.CancelFunc
	c        *investigate.Case
	progress investigate.Progress
	loading  bool
	err      error
	started  time.Time
	took     time.Duration
	updates  int

	// Who would act on the case (asked once the case is built, or when the remediation
	// screen asks first): the header's acting line shows it.
	caller      *investigate.Caller
	callerErr   error
	callerAsked bool

	tab int
	// stale marks the tabs not drawn since the case or the width changed; counts are
	// the case's, counted once per snapshot.
	stale     [numTabs]bool
	counts    investigate.Counts
	overview  *overviewTab
	alerts    *alertsTab
	timeline  *timelineView
	sessions  *sessionsTab
	followups *targetTab
	network   *targetTab
	artifacts *targetTab

	width, height int
}

// panes is the tabs, in tab order.
func (w *workbench) panes() [numTabs]tab {
	return [numTabs]tab{w.overview, w.alerts, w.timeline, w.sessions, w.followups, w.network, w.artifacts}
}

// openings numbers the workbenches opened: a result carries the number of the one it
// was started for, and one for a workbench since closed is dropped.
var openings atomic.Int64

func newWorkbench(u *ui, key investigate.AccessKeyID) *workbench {
	w := &workbench{ui: u, key: key, gen: openings.Add(1)}
	w.overview = &overviewTab{textList{st: &u.st}}
	w.alerts = newAlertsTab(w)
	w.timeline = newTimelineView(u)
	w.timeline.open = func(i int) tea.Cmd { return push(newEventDetail(w, i)) }
	w.sessions = newSessionsTab(w)
	w.followups = newTargetTab(w, "open record", followUpLines)
	w.network = newTargetTab(w, "timeline of IP/agent", networkLines)
	w.artifacts = newTargetTab(w, "record / child key's timeline", artifactLines)
	return w
}

// Start builds the case in the background.
func (w *workbench) Start() tea.Cmd { return w.start(w.ui.ctx) }

// Close cancels the case's work: the analyst left the key.
func (w *workbench) Close() { w.stop() }

// Crumb is the key's id, shortened (the header has it whole), and the tab.
func (w *workbench) Crumb() string {
	k := w.key.String()
	return "…" + k[max(len(k)-4, 0):] + " " + tabNames[w.tab]
}

func (w *workbench) start(parent context.Context) tea.Cmd {
	ws := w.ui.opts.Workspace
	if ws == nil {
		w.err = errors.New("no workspace")
		return nil
	}
	if w.key.IsZero() {
		w.err = errors.New("no access key id to investigate")
		return nil
	}
	ctx, cancel := context.WithCancel(parent)
	w.ctx, w.cancel = ctx, cancel
	w.loading, w.started = true, time.Now()
	box := investigateKey(ctx, ws, w.key, w.ui.opts.UpdateInterval)
	return box.wait(w.gen)
}

// stop cancels the case's work.
func (w *workbench) stop() {
	if w.cancel != nil {
		w.cancel()
	}
}

// apply takes a snapshot; it returns the command waiting for the next one (and, once
// the case is built, the one asking who would act on it).
func (w *workbench) apply(m caseMsg) tea.Cmd {
	if m.has && m.upd.Case != nil {
		w.updates++
		w.progress = m.upd.Progress
		if m.upd.Done {
			w.loading = false // before setCase: the header then says what was searched
			w.took = time.Since(w.started)
		}
		w.setCase(m.upd.Case)
	}
	if m.done {
		w.loading = false
		if w.took == 0 {
			w.took = time.Since(w.started)
		}
		if m.err != nil && !errors.Is(m.err, context.Canceled) {
			w.err = m.err
		}
		return w.askCaller()
	}
	if !w.loading {
		return tea.Batch(m.box.wait(m.gen), w.askCaller())
	}
	return m.box.wait(m.gen)
}

// callerMsg says who would act on the case of the workbench opened as gen.
type callerMsg struct {
	gen    int64
	caller *investigate.Caller
	err    error
}

// askCaller asks the remediator, once the case is built, who would act on it, so the
// header can say so before the analyst opens the plan. The remediator is asked with the
// whole case (the demo's simulated account is made from it); nothing is written.
func (w *workbench) askCaller() tea.Cmd {
	factory := w.ui.opts.Remediator
	if factory == nil || w.c == nil || w.callerAsked || w.ctx == nil {
		return nil
	}
	w.callerAsked = true
	ctx, c, gen, u := w.ctx, w.c, w.gen, w.ui
	return func() tea.Msg {
		_, caller, err := u.whoActs(ctx, factory, c)
		return callerMsg{gen: gen, caller: caller, err: err}
	}
}

// setCaller records who would act (from askCaller or the remediation screen's setup).
func (w *workbench) setCaller(c *investigate.Caller, err error) {
	w.callerAsked = true
	if c != nil || w.caller == nil {
		w.caller, w.callerErr = c, err
	}
}

// setCase shows c. A header that changes height with it (the search line once every
// source has answered) is laid out again by the App, for every screen under the header.
func (w *workbench) setCase(c *investigate.Case) {
	w.ui.state.apply(c)
	w.c = c
	w.rebuild()
}

// rebuild recomputes what the tabs show from the case (and the width).
//
// Only the tab in front is drawn again (and the timeline, which the record view and the
// other tabs' links index into); the others are marked stale and drawn when shown: a
// snapshot of a large case does not pay for six hidden tabs.
func (w *workbench) rebuild() {
	if w.c == nil {
		return
	}
	w.counts = investigate.CaseCounts(w.c)
	for i := range w.stale {
		w.stale[i] = true
	}
	w.timeline.show(w.c, w.width)
	w.stale[tabTimeline] = false
	w.showTab()
}

// showTab draws the tab in front if the case or the width changed since it was drawn.
func (w *workbench) showTab() {
	if w.c != nil && w.stale[w.tab] {
		w.panes()[w.tab].show(w.c, w.width)
		w.stale[w.tab] = false
	}
}

// setTab brings tab t to the front.
func (w *workbench) setTab(t int) {
	w.tab = t
	w.showTab()
}

func (w *workbench) SetSize(width, h int) {
	same := width == w.width && h == w.height
	w.width, w.height = width, h
	ch := h - w.headerHeight() - 1
	for _, p := range w.panes() {
		p.setSize(width, ch)
	}
	if !same {
		w.rebuild()
	}
}

func (w *workbench) Capturing() bool {
	return w.tab == tabTimeline && w.timeline.inputActive()
}

// nav moves the tab in front.
func (w *workbench) nav(act string) bool { return w.panes()[w.tab].nav(act) }

func (w *workbench) selectedEvent() *investigate.Event {
	if w.tab == tabTimeline {
		return w.timeline.selectedEvent()
	}
	return nil
}

// Update takes the case's snapshots, who would act, the case state's changes, and the
// analyst's keys.
func (w *workbench) Update(msg tea.Msg) tea.Cmd {
	km := &w.ui.km
	switch m := msg.(type) {
	case caseMsg:
		if m.gen != w.gen {
			return nil // an earlier opening's
		}
		h := w.headerHeight()
		cmd := w.apply(m)
		if w.headerHeight() != h {
			// The header's search line(s) changed height: every screen under it.
			cmd = tea.Batch(cmd, msgCmd(relayoutMsg{}))
		}
		return cmd
	case callerMsg:
		if m.gen != w.gen {
			return nil
		}
		h := w.headerHeight()
		w.setCaller(m.caller, m.err)
		if w.headerHeight() != h {
			return msgCmd(relayoutMsg{}) // the acting line wraps differently
		}
		return nil
	case actedMsg:
		if w.c != nil && (m.key.IsZero() || m.key == w.key) {
			h := w.headerHeight()
			w.ui.state.apply(w.c)
			w.rebuild()
			if w.headerHeight() != h {
				return msgCmd(relayoutMsg{})
			}
		}
		return nil
	}
	if w.tab == tabTimeline && w.timeline.inputActive() {
		return w.timeline.update(msg)
	}
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(m, km.Back):
		if w.tab == tabTimeline && w.timeline.clearOne() {
			return nil
		}
		return pop()
	case key.Matches(m, km.NextTab):
		w.setTab((w.tab + 1) % numTabs)
		return nil
	case key.Matches(m, km.PrevTab):
		w.setTab((w.tab + numTabs - 1) % numTabs)
		return nil
	case key.Matches(m, km.Tab1, km.Tab2, km.Tab3, km.Tab4, km.Tab5, km.Tab6, km.Tab7):
		w.setTab(int(m.String()[0] - '1'))
		return nil
	case key.Matches(m, km.Watch):
		return w.openWatch()
	case key.Matches(m, km.FirstAlert):
		cmd, err := w.jumpToFirstAlert()
		if err != nil {
			return status(err.Error(), true)
		}
		return cmd
	case key.Matches(m, km.JumpTime):
		return msgCmd(promptMsg{"time "})
	case key.Matches(m, km.Kibana):
		return w.openKibana()
	case key.Matches(m, km.Remediate):
		return w.openRemediation()
	}
	if km.navigate(m, w) {
		return nil
	}
	return w.panes()[w.tab].update(msg)
}

// follow acts on a selected target: open an event, or filter the timeline.
func (w *workbench) follow(t *target) tea.Cmd {
	if t == nil {
		return nil
	}
	switch t.kind {
	case targetEvent:
		if i := w.timeline.indexOf(t.value); i >= 0 {
			return push(newEventDetail(w, i))
		}
		return status("event "+clean(t.value)+" is not in the case's records", true)
	case targetIP:
		w.timeline.filterIP(t.value)
		w.setTab(tabTimeline)
	case targetAgent:
		w.timeline.filterAgent(t.value)
		w.setTab(tabTimeline)
	case targetSigner:
		w.timeline.filterSigner(t.value)
		w.setTab(tabTimeline)
	}
	return nil
}

// header is the key's identity, who would act on it, and the sources: shown on every
// screen about the key. Its first line says which key and whose; the acting line(s)
// say who would act, with which profile and region, and whether writes are off, and
// are never cut (they wrap instead); the last line is the owner's ARN and the sources,
// cut to the width.
func (w *workbench) header() string { return strings.Join(w.headerLines(true), "\n") }

// headerHeight is the number of lines the header takes at the current width.
func (w *workbench) headerHeight() int { return len(w.headerLines(true)) }

// headerLines is the header; without acting, it leaves out who would act (the
// remediation screen says that itself, in full).
func (w *workbench) headerLines(acting bool) []string {
	st := &w.ui.st
	sep := st.headerDim.Render(" │ ")
	parts := []string{st.headerKey.Render(w.key.String())}
	var ow investigate.Owner
	if w.c != nil {
		ow = w.c.Owner
	}
	user := "user " + orDash(clean(ow.User))
	acct := "account " + orDash(clean(ow.Account))
	if w.c == nil {
		user, acct = "user …", "account …"
	}
	if ow.Root {
		user = st.danger.Render("ROOT ACCOUNT KEY")
	} else if ow.Type != "" && ow.Type != "IAMUser" {
		user += " (" + clean(ow.Type) + ")"
	}
	parts = append(parts, user, acct)
	if ow.Status != "" {
		s := "key " + clean(ow.Status)
		if ow.Status == "Active" {
			s = st.warn.Render(s)
		}
		parts = append(parts, s)
	}
	if w.c != nil && w.c.Quarantine != nil {
		parts = append(parts, quarantineMarker(st, w.c.Quarantine))
	}
	tail := ""
	ws := w.ui.opts.Workspace
	if (ws != nil && ws.Demo) || (w.c != nil && w.c.Demo) {
		tail = badge(st.badge, "DEMO")
	}
	out := joinWrapped(parts, sep, tail, w.width)
	if acting {
		out = append(out, w.actingLines()...)
	}
	src := []string{}
	if ow.ARN != "" {
		src = append(src, ow.ARN)
	}
	if ws != nil && ws.Describe != "" {
		src = append(src, ws.Describe)
	}
	out = append(out, st.headerDim.Render(truncate(clean(strings.Join(src, " · ")), w.width)))
	return append(out, w.searchedLines()...)
}

// joinWrapped joins parts with sep, then tail after a space, on one line when they fit;
// else a part that does not fit where the line is starts a new, indented line, so that
// only a part wider than a whole line is cut.
func joinWrapped(parts []string, sep, tail string, width int) []string {
	const indent = "  "
	var out []string
	cur := ""
	add := func(p, join string) {
		switch {
		case cur == "":
			cur = p
		case ansi.StringWidth(cur)+ansi.StringWidth(join)+ansi.StringWidth(p) <= width:
			cur += join + p
		default:
			out = append(out, truncate(cur, width))
			cur = indent + p
		}
	}
	for _, p := range parts {
		add(p, sep)
	}
	if tail != "" {
		add(tail, " ")
	}
	return append(out, truncate(cur, width))
}

// searchedLines say what the case was searched in, in the words of the reports'
// headline: one dim line, cut to the width, when the search was complete (the Overview
// has it whole); when it was not, a warning that wraps over up to three lines, so that
// a negative is never read without its coverage.
func (w *workbench) searchedLines() []string {
	st := &w.ui.st
	if w.c == nil || w.loading {
		// A snapshot's coverage is not the search's: its sources have not all answered.
		return []string{st.headerDim.Render(truncate("searching… (what was searched is said when every source has answered)", w.width))}
	}
	cm := w.c.Completeness
	text := "searched: " + clean(cm.Headline)
	if cm.Complete() {
		return []string{st.headerDim.Render(truncate(text, w.width))}
	}
	lines := warnLines(cm.Mark()+": "+clean(cm.Headline), w.width)
	for i := range lines {
		lines[i] = st.warn.Render(lines[i])
	}
	return lines
}

// actingLines is who would act on the key (the caller's ARN, or its resource name and
// account when the full ARN does not fit), the AWS profile and region, and a
// READ-ONLY marker. Nothing on it is cut: what does not fit wraps.
func (w *workbench) actingLines() []string {
	st := &w.ui.st
	opts := &w.ui.opts
	var who, whoShort string
	var rest []string
	bad := false
	switch {
	case w.caller != nil:
		c := w.caller
		who = "acting as " + clean(c.ARN)
		whoShort = "acting as " + clean(shortIdentity(c.ARN, c.Account))
		if c.Profile != "" {
			rest = append(rest, "profile "+clean(c.Profile))
		}
		if c.Region != "" {
			rest = append(rest, "region "+clean(c.Region))
		}
	case opts.Remediator == nil:
		who, bad = "plan only: no AWS account to act on (--profile)", true
	case w.callerErr != nil:
		who, bad = "plan only: "+clean(w.callerErr.Error()), true
	case w.c == nil && w.err != nil:
		who = "acting as … (unknown: the case did not build)"
	default:
		who = "acting as … (asked once the case is built)"
	}
	if w.caller == nil && opts.Header != "" {
		rest = append(rest, clean(opts.Header))
	}
	if whoShort == "" {
		whoShort = who
	}
	marker, mw := "", 0
	if opts.ReadOnly {
		marker = badge(st.badgeWarn, "READ-ONLY") + " "
		mw = width("[READ-ONLY] ")
	}
	style := st.app
	if bad {
		style = st.danger
	}
	for _, first := range []string{who, whoShort} {
		if l := strings.Join(append([]string{first}, rest...), " · "); mw+width(l) <= w.width {
			return []string{marker + style.Render(l)}
		}
	}
	return wrapParts(marker, mw, append([]string{whoShort}, rest...), w.width, &style)
}

// wrapParts joins parts with " · " on as few lines as width allows, nothing cut: a
// part that does not fit where the line is starts a new, indented line when it fits
// there whole; else it wraps at spaces ("in ACCOUNT" kept together), and a word wider
// than a line is split. lead (taking leadW cells) starts the first line.
func wrapParts(lead string, leadW int, parts []string, width int, style *lipgloss.Style) []string {
	const indent = "  "
	var out []string
	cur, cw, content := lead, leadW, false
	newline := func() {
		out = append(out, cur)
		cur, cw, content = indent, len(indent), false
	}
	put := func(s string) {
		if content {
			cur += " "
			cw++
		}
		cur += style.Render(s)
		cw += ansi.StringWidth(s)
		content = true
	}
	for i, p := range parts {
		if i > 0 {
			p = "· " + p
		}
		pw := ansi.StringWidth(p)
		switch {
		case cw+1+pw <= width || (!content && cw+pw <= width):
			put(p)
			continue
		case i > 0 && len(indent)+pw <= width:
			newline()
			put(p)
			continue
		}
		words := strings.Split(p, " ")
		for j := 0; j < len(words); j++ {
			word := words[j]
			if word == "in" && j+1 < len(words) {
				word += " " + words[j+1]
				j++
			}
			ww, sep := ansi.StringWidth(word), 0
			if content {
				sep = 1
			}
			if cw+sep+ww > width && (content || cw > len(indent)) {
				newline()
			}
			for room := width - len(indent); ww > room && room > 0; ww = ansi.StringWidth(word) {
				put(ansi.Cut(word, 0, room))
				newline()
				word = ansi.Cut(word, room, ww)
			}
			if ww > 0 {
				put(word)
			}
		}
	}
	return append(out, cur)
}

// shortIdentity is an ARN's resource name and account: "user/alice in 111122223333",
// "role/Responder/jane in 111122223333" for an assumed role.
func shortIdentity(arn, account string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 || f[0] != "arn" {
		return arn
	}
	res := f[5]
	switch {
	case strings.HasPrefix(res, "assumed-role/"):
		res = "role/" + strings.TrimPrefix(res, "assumed-role/")
	case strings.HasPrefix(res, "user/"):
		res = "user/" + res[strings.LastIndex(res, "/")+1:] // the path is dropped
	}
	if a := cmp.Or(f[4], account); a != "" {
		res += " in " + a
	}
	return res
}

func (w *workbench) tabBar() string {
	st := &w.ui.st
	counts := [numTabs]string{}
	if c := w.c; c != nil {
		ev, al := c.Completeness.Events, c.Completeness.Alerts
		n := w.counts
		counts[tabAlerts] = tabCount(n.Alerts, al)
		counts[tabTimeline] = tabCount(n.Events, ev)
		counts[tabSessions] = tabCount(n.Sessions, ev)
		counts[tabFollowUps] = tabCount(n.Launches, ev)
		counts[tabNetwork] = tabCount(len(c.SourceIPs), ev)
		counts[tabArtifacts] = tabCount(n.Artifacts, ev)
	}
	// Names with counts, spaced; then closer together; then without counts; then the
	// names' first four letters: the first that fits.
	render := func(withCounts, short, tight bool) string {
		var b strings.Builder
		for i := range numTabs {
			name := tabNames[i]
			if short {
				name = name[:min(len(name), 4)]
			}
			label := itoa(i+1) + " " + name
			if withCounts && counts[i] != "" {
				label += " " + counts[i]
			}
			switch {
			case i == w.tab:
				if tight && i > 0 {
					b.WriteString(" ")
				}
				b.WriteString(st.tabActive.Render("[" + label + "]"))
			case tight:
				b.WriteString(st.tab.Render(" " + label))
			default:
				b.WriteString(st.tab.Render(" " + label + " "))
			}
		}
		return b.String()
	}
	for _, f := range [...][3]bool{{true, false, false}, {true, false, true}, {false, false, false}, {false, false, true}, {true, true, true}, {false, true, true}} {
		if v := render(f[0], f[1], f[2]); lipglossWidth(v) <= w.width {
			return v // drawn one by one: most frames stop at the first
		}
	}
	return truncate(render(false, true, true), w.width)
}

func (w *workbench) View() string {
	var body string
	switch {
	case w.c == nil && w.err != nil:
		body = w.ui.st.statusErr.Render("cannot build the case: " + clean(w.err.Error()))
	case w.c == nil:
		body = "  " + w.ui.spinner() + " reading the trail for " + w.key.String() + "…"
	default:
		body = w.panes()[w.tab].view()
	}
	return w.header() + "\n" + w.tabBar() + "\n" + body
}

func (w *workbench) Status() string {
	if w.loading {
		p := w.progress
		s := fmt.Sprintf("%s building the case… %s", w.ui.spinner(), plural(p.Events, "event"))
		switch {
		case len(p.Roles) > 0:
			s += fmt.Sprintf(", round %d (history of %s)", p.Round, investigate.Plural(len(p.Roles), "role"))
		case p.Round > 1:
			s += fmt.Sprintf(", round %d (%s)", p.Round, plural(len(p.Keys), "key"))
		}
		if p.Source != "" {
			s += " · " + clean(p.Source)
		}
		if sc := p.Scan; sc != nil && sc.TotalFiles > 0 {
			s += " · " + scanLine(*sc)
		}
		return s + " · " + time.Since(w.started).Round(100*time.Millisecond).String()
	}
	if w.err != nil {
		return "error: " + clean(w.err.Error())
	}
	c := w.c
	if c == nil {
		return ""
	}
	if w.tab == tabTimeline {
		return w.timeline.statusLine()
	}
	s := strings.Join(w.counts.EventParts(), ", ")
	if w.tab == tabArtifacts {
		s = artifactsStatus(c)
	}
	if m := c.Completeness.Mark(); m != "" {
		s = m + " (header) · " + s // a count is no answer without it
	}
	if n := len(c.Coverage.Problems); n > 0 {
		s += " · " + plural(n, "problem")
	}
	if n := len(c.Coverage.Gaps); n > 0 {
		s += " · " + plural(n, "gap") + " (Overview)"
	}
	if t := w.panes()[w.tab].statusTail(); t != "" {
		s += " · " + t
	}
	return s
}

func (w *workbench) Keys() help.KeyMap {
	km := &w.ui.km
	tabs := km.tabs()
	common := []key.Binding{km.Remediate, km.Kibana, km.Watch, km.FirstAlert, km.JumpTime, km.Command, km.Wrap, km.RelTime, km.Copy, km.CopyKey, km.Export, km.Back, km.Help, km.Quit}
	switch w.tab {
	case tabTimeline:
		if w.timeline.inputActive() {
			return w.timeline.keys()
		}
		tk := w.timeline.keys().(bindings)
		return bindings{
			short: append(tk.short, km.Remediate, km.Back, km.Help),
			full:  append(tk.full, tabs, common),
		}
	}
	open := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open"))
	if h := w.panes()[w.tab].enterHelp(); h != "" {
		open.SetHelp("enter", h)
	} else {
		open.SetEnabled(false)
	}
	return bindings{
		short: []key.Binding{km.NextTab, open, km.Remediate, km.Export, km.Back, km.Help, km.Quit},
		full:  [][]key.Binding{tabs, append([]key.Binding{open}, km.nav()...), common},
	}
}

// scanLine is a file scan's advance: files, decompressed bytes, rate and what is left.
func scanLine(p investigate.ScanProgress) string {
	s := fmt.Sprintf("%s/%s files, %.0f MB, %.0f MB/s", commas(p.Files), commas(p.TotalFiles), float64(p.Bytes)/1e6, p.Rate()/1e6)
	if r := p.Remaining(); r > 0 && p.Files < p.TotalFiles {
		s += ", about " + r.Round(time.Second).String() + " left"
	}
	return s
}

// tabCount is a tab's count as its kind's search allows it: a number once searched (in
// part or whole), the number so far with … while searching, and - when nothing of the
// kind could be searched: a 0 there would be a negative without a search behind it.
func tabCount(n int, k investigate.KindCompleteness) string {
	switch k.Status {
	case investigate.SearchComplete, investigate.SearchPartial:
		return itoa(n)
	case investigate.SearchPending:
		return itoa(n) + "…"
	}
	return "-"
}

// openRemediation opens the plan of the case over the workbench.
func (w *workbench) openRemediation() tea.Cmd {
	if w.c == nil {
		return status("the case has not loaded yet: nothing to plan", true)
	}
	return push(newRemedyScreen(w))
}
