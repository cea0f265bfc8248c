package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

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
	numTabs
)

var tabNames = [numTabs]string{"Overview", "Alerts", "Timeline", "Sessions", "Follow-ups", "Network"}

// headerLines is the height of the header every screen about a key shows.
const headerLines = 2

// workbench is the case of one key: a header that always says which key, whose, and
// from which sources, and six tabs.
type workbench struct {
	ui  *ui
	key string
	gen int

	cancel   context.CancelFunc
	c        *investigate.Case
	progress investigate.Progress
	loading  bool
	err      error
	started  time.Time
	took     time.Duration
	updates  int

	tab       int
	overview  *textList
	alerts    *alertsTab
	timeline  *timelineView
	sessions  *sessionsTab
	followups *targetList
	network   *targetList

	width, height int
}

func newWorkbench(u *ui, key string, gen int) *workbench {
	w := &workbench{ui: u, key: key, gen: gen}
	w.overview = &textList{st: &u.st}
	w.alerts = newAlertsTab(u)
	w.timeline = newTimelineView(u)
	w.sessions = newSessionsTab(u)
	w.followups = &targetList{list: textList{st: &u.st}}
	w.network = &targetList{list: textList{st: &u.st}}
	return w
}

// start builds the case in the background.
func (w *workbench) start(parent context.Context) tea.Cmd {
	ws := w.ui.opts.Workspace
	if ws == nil {
		w.err = errors.New("no workspace")
		return nil
	}
	if _, err := investigate.ParseAccessKeyID(w.key); err != nil {
		w.err = err
		return nil
	}
	ctx, cancel := context.WithCancel(parent)
	w.cancel = cancel
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

// apply takes a snapshot; it returns the command waiting for the next one.
func (w *workbench) apply(m caseMsg) tea.Cmd {
	if m.has && m.upd.Case != nil {
		w.updates++
		w.progress = m.upd.Progress
		w.setCase(m.upd.Case)
		if m.upd.Done {
			w.loading = false
			w.took = time.Since(w.started)
		}
	}
	if m.done {
		w.loading = false
		if w.took == 0 {
			w.took = time.Since(w.started)
		}
		if m.err != nil && !errors.Is(m.err, context.Canceled) {
			w.err = m.err
		}
		return nil
	}
	return m.box.wait(m.gen)
}

func (w *workbench) setCase(c *investigate.Case) {
	w.c = c
	w.rebuild()
}

// rebuild recomputes what the tabs show from the case (and the width).
func (w *workbench) rebuild() {
	if w.c == nil {
		return
	}
	w.overview.setLines(overviewLines(&w.ui.st, w.c, w.width))
	w.alerts.setCase(w.c)
	w.timeline.setCase(w.c)
	w.sessions.setCase(w.c, w.width)
	w.followups.set(followUpLines(&w.ui.st, w.c, w.width))
	w.network.set(networkLines(&w.ui.st, w.c, w.width))
}

func (w *workbench) setSize(width, h int) {
	w.width, w.height = width, h
	ch := h - headerLines - 1
	w.overview.setSize(width, ch)
	w.alerts.setSize(width, ch)
	w.timeline.setSize(width, ch)
	w.sessions.setSize(width, ch)
	w.followups.list.setSize(width, ch)
	w.network.list.setSize(width, ch)
	w.rebuild()
}

func (w *workbench) inputActive() bool {
	return w.tab == tabTimeline && w.timeline.inputActive()
}

func (w *workbench) nav(act string) {
	switch w.tab {
	case tabOverview:
		w.overview.nav(act)
	case tabAlerts:
		w.alerts.table.nav(act)
	case tabTimeline:
		w.timeline.nav(act)
	case tabSessions:
		w.sessions.nav(act)
	case tabFollowUps:
		w.followups.list.nav(act)
	case tabNetwork:
		w.network.list.nav(act)
	}
}

func (w *workbench) selectedEvent() *investigate.Event {
	if w.tab == tabTimeline {
		return w.timeline.selectedEvent()
	}
	return nil
}

func (w *workbench) update(a *App, msg tea.Msg) tea.Cmd {
	km := &w.ui.km
	if w.tab == tabTimeline && w.timeline.inputActive() {
		return w.timeline.update(a, msg)
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
		return a.back()
	case key.Matches(m, km.NextTab):
		w.tab = (w.tab + 1) % numTabs
		return nil
	case key.Matches(m, km.PrevTab):
		w.tab = (w.tab + numTabs - 1) % numTabs
		return nil
	case key.Matches(m, km.Tab1, km.Tab2, km.Tab3, km.Tab4, km.Tab5, km.Tab6):
		w.tab = int(m.String()[0] - '1')
		return nil
	case key.Matches(m, km.Remediate):
		return a.openRemediation()
	}
	if act := km.navAction(m); act != "" {
		w.nav(act)
		return nil
	}
	switch w.tab {
	case tabTimeline:
		return w.timeline.update(a, msg)
	case tabAlerts:
		if key.Matches(m, km.Enter) {
			if s := w.alerts.selected(); s != nil {
				a.openDetail(newJSONDetail(w.ui, w.gen, "alert "+s.AlertID+" · "+s.RuleName, s))
			}
		}
	case tabSessions:
		if key.Matches(m, km.Enter) {
			if s := w.sessions.selected(); s != nil {
				w.timeline.filterSigner(s.AccessKeyID)
				w.tab = tabTimeline
			}
		}
	case tabFollowUps, tabNetwork:
		tl := w.followups
		if w.tab == tabNetwork {
			tl = w.network
		}
		if key.Matches(m, km.Enter) {
			return w.follow(a, tl.selected())
		}
	}
	return nil
}

// follow acts on a selected target: open an event, or filter the timeline.
func (w *workbench) follow(a *App, t *target) tea.Cmd {
	if t == nil {
		return nil
	}
	switch t.kind {
	case targetEvent:
		if i := w.timeline.indexOf(t.value); i >= 0 {
			a.openDetail(newEventDetail(w.ui, w.gen, w.c, i, w.timeline))
		} else {
			a.setStatus("event "+clean(t.value)+" is not in the case's records", true)
		}
	case targetIP:
		w.timeline.filterIP(t.value)
		w.tab = tabTimeline
	case targetAgent:
		w.timeline.filterAgent(t.value)
		w.tab = tabTimeline
	}
	return nil
}

// header is the key's identity: shown on every screen about the key.
func (w *workbench) header(a *App) string {
	st := &w.ui.st
	sep := st.headerDim.Render(" │ ")
	parts := []string{st.headerKey.Render(w.key)}
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
	line := strings.Join(parts, sep)
	ws := w.ui.opts.Workspace
	if (ws != nil && ws.Demo) || (w.c != nil && w.c.Demo) {
		line += " " + badge(st.badge, "DEMO")
	}
	if w.ui.opts.ReadOnly {
		line += " " + badge(st.badgeWarn, "READ-ONLY")
	}
	src := []string{}
	if ws != nil && ws.Describe != "" {
		src = append(src, ws.Describe)
	}
	if w.ui.opts.Header != "" {
		src = append(src, w.ui.opts.Header)
	}
	if ow.ARN != "" {
		src = append([]string{ow.ARN}, src...)
	}
	return truncate(line, w.width) + "\n" + st.headerDim.Render(truncate(clean(strings.Join(src, " · ")), w.width))
}

func (w *workbench) tabBar() string {
	st := &w.ui.st
	counts := [numTabs]string{}
	if c := w.c; c != nil {
		counts[tabAlerts] = itoa(len(c.Siblings) + len(c.HigherOrderAlerts))
		counts[tabTimeline] = itoa(len(c.Timeline))
		counts[tabSessions] = itoa(len(c.Sessions))
		counts[tabFollowUps] = itoa(len(c.FollowUps.Launches))
		counts[tabNetwork] = itoa(len(c.SourceIPs))
	}
	render := func(withCounts bool, short bool) string {
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
			label = " " + label + " "
			if i == w.tab {
				b.WriteString(st.tabActive.Render("[" + strings.TrimSpace(label) + "]"))
			} else {
				b.WriteString(st.tab.Render(label))
			}
		}
		return b.String()
	}
	for _, v := range []string{render(true, false), render(false, false), render(false, true)} {
		if lipglossWidth(v) <= w.width {
			return v
		}
	}
	return truncate(render(false, true), w.width)
}

func (w *workbench) view(a *App) string {
	var body string
	switch {
	case w.c == nil && w.err != nil:
		body = w.ui.st.statusErr.Render("cannot build the case: " + clean(w.err.Error()))
	case w.c == nil:
		body = "  " + a.spin.View() + " reading the trail for " + w.key + "…"
	default:
		switch w.tab {
		case tabOverview:
			body = w.overview.view()
		case tabAlerts:
			body = w.alerts.view()
		case tabTimeline:
			body = w.timeline.view(a)
		case tabSessions:
			body = w.sessions.view()
		case tabFollowUps:
			body = w.followups.list.view()
		case tabNetwork:
			body = w.network.list.view()
		}
	}
	return w.header(a) + "\n" + w.tabBar() + "\n" + body
}

func (w *workbench) statusLine(a *App) string {
	if w.loading {
		p := w.progress
		s := fmt.Sprintf("%s building the case… %d events", a.spin.View(), p.Events)
		if p.Round > 1 {
			s += fmt.Sprintf(", round %d (%d keys)", p.Round, len(p.Keys))
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
	s := fmt.Sprintf("%s by the key, %s by %s", plural(c.EventCount, "event"), commas(c.SessionEventCount), plural(len(c.Sessions), "session"))
	if n := len(c.Coverage.Problems); n > 0 {
		s += fmt.Sprintf(" · %d unreadable inputs", n)
	}
	if n := len(c.Coverage.Gaps); n > 0 {
		s += fmt.Sprintf(" · %d gaps (Overview)", n)
	}
	switch w.tab {
	case tabOverview:
		if i := w.overview.scrollInfo(); i != "" {
			s += " · " + i
		}
	case tabSessions, tabFollowUps, tabNetwork:
		s += " · enter follows"
	}
	return s
}

func (w *workbench) keys() help.KeyMap {
	km := &w.ui.km
	tabs := km.tabs()
	common := []key.Binding{km.Remediate, km.Copy, km.CopyKey, km.Export, km.Back, km.Help, km.Quit}
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
	switch w.tab {
	case tabSessions:
		open.SetHelp("enter", "timeline of session")
	case tabFollowUps:
		open.SetHelp("enter", "open record")
	case tabNetwork:
		open.SetHelp("enter", "timeline of IP/agent")
	case tabOverview:
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
