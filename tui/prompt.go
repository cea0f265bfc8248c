package tui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/investigate"
)

// commandPrompt is the `:` prompt (k9s' habit): jump to a key, a tab, a time, or run a
// command of the workbench, by typing it. It takes the footer's status line.
type commandPrompt struct {
	ui    *ui
	input lineInput
	err   string
}

func newCommandPrompt(u *ui) *commandPrompt {
	p := &commandPrompt{ui: u, input: newInput(":", &u.st)}
	p.input.limit = 200
	return p
}

func (p *commandPrompt) focus() tea.Cmd { return p.input.Focus() }

// commandHelp lists what the prompt takes, as its placeholder and in the error of an
// unknown command.
const commandHelp = "AKIA… · keys · overview|alerts|timeline|sessions|follow-ups|network|artifacts · time 13:05 · alert · plan · kibana · watch · wrap · reltime · export md|json · reload · q"

func (p *commandPrompt) update(a *App, msg tea.Msg) tea.Cmd {
	if m, ok := msg.(tea.KeyPressMsg); ok {
		switch m.String() {
		case "esc":
			a.prompt = nil
			return nil
		case "enter":
			// A ':' typed again (vim's habit) is not part of the command.
			line := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(p.input.Value()), ":"))
			if line == "" {
				a.prompt = nil
				return nil
			}
			cmd, err := runCommand(a, line)
			if err != nil {
				p.err = err.Error()
				p.input.Reset()
				return nil
			}
			a.prompt = nil
			return cmd
		}
	}
	p.err = ""
	p.input.Update(msg)
	return nil
}

func (p *commandPrompt) view(width int) string {
	st := &p.ui.st
	if p.err != "" && p.input.Value() == "" {
		return st.statusErr.Render(truncate(":"+clean(p.err), width))
	}
	p.input.SetWidth(width - 2)
	v := p.input.View()
	if p.input.Value() == "" {
		v += st.dim.Render(truncate(commandHelp, max(width-2, 0)))
	}
	return v
}

func (p *commandPrompt) keys() help.KeyMap {
	run := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run"))
	cancel := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))
	return bindings{short: []key.Binding{run, cancel}, full: [][]key.Binding{{run, cancel}}}
}

// tabByName maps what the prompt takes to a tab.
var tabByName = map[string]int{
	"overview": tabOverview, "o": tabOverview,
	"alerts": tabAlerts, "alert-list": tabAlerts,
	"timeline": tabTimeline, "events": tabTimeline,
	"sessions":   tabSessions,
	"follow-ups": tabFollowUps, "followups": tabFollowUps, "ec2": tabFollowUps,
	"network": tabNetwork, "ips": tabNetwork,
	"artifacts": tabArtifacts, "persistence": tabArtifacts,
}

// runCommand runs one line of the prompt; an error is said on the prompt's line.
func runCommand(a *App, line string) (tea.Cmd, error) {
	verb, arg, _ := strings.Cut(line, " ")
	if k, err := investigate.ParseAccessKeyID(verb); err == nil {
		return a.openKey(k), nil
	} else if looksLikeKey(verb) {
		return nil, err
	}
	verb, arg = strings.ToLower(verb), strings.TrimSpace(arg)
	if n, err := strconv.Atoi(verb); err == nil && n >= 1 && n <= numTabs {
		return tabCommand(a, n-1)
	}
	if t, ok := tabByName[verb]; ok {
		return tabCommand(a, t)
	}
	wb := a.wb()
	needKey := func() error {
		if wb == nil {
			return fmt.Errorf("%s works on an open key: open one first (enter on the list, or :AKIA…)", verb)
		}
		return nil
	}
	switch verb {
	case "q", "quit":
		return tea.Quit, nil
	case "keys", "home":
		for len(a.stack) > 1 {
			a.pop()
		}
		return nil, nil
	case "plan", "remediate", "a":
		if err := needKey(); err != nil {
			return nil, err
		}
		a.popTo(wb)
		return wb.openRemediation(), nil
	case "kibana", "ack", "close", "reopen", "case":
		if err := needKey(); err != nil {
			return nil, err
		}
		a.popTo(wb)
		return wb.openKibana(), nil
	case "watch":
		if err := needKey(); err != nil {
			return nil, err
		}
		a.popTo(wb)
		return wb.openWatch(), nil
	case "time", "t", "at":
		if err := needKey(); err != nil {
			return nil, err
		}
		return wb.jumpToTime(arg)
	case "alert", "first-alert":
		if err := needKey(); err != nil {
			return nil, err
		}
		return wb.jumpToFirstAlert()
	case "wide", "wrap":
		return a.toggleWrap(), nil
	case "reltime", "relative", "abs", "absolute":
		return a.toggleRelTime(), nil
	case "export":
		format := map[string]string{"md": "md", "markdown": "md", "json": "json"}[strings.ToLower(arg)]
		if format == "" {
			return nil, fmt.Errorf("export md or export json")
		}
		if why := a.nothingToExport(); why != "" {
			return nil, errors.New(why)
		}
		return a.export(format), nil
	case "reload":
		if wb != nil {
			return a.openKey(wb.key), nil
		}
		return a.keys.load(a.ctx), nil
	case "help", "?":
		a.showHelp = true
		return nil, nil
	}
	return nil, fmt.Errorf("unknown command %q; try %s", verb, commandHelp)
}

// looksLikeKey tells a mistyped key id (said as such) from an unknown command.
func looksLikeKey(s string) bool {
	s = strings.ToUpper(s)
	return len(s) >= 12 && (strings.HasPrefix(s, "AKIA") || strings.HasPrefix(s, "ASIA"))
}

// popTo leaves every screen over s (which is on the stack).
func (a *App) popTo(s screen) {
	for len(a.stack) > 1 && a.top() != s {
		a.pop()
	}
}

func tabCommand(a *App, t int) (tea.Cmd, error) {
	wb := a.wb()
	if wb == nil {
		return nil, fmt.Errorf("%s is a tab of an open key: open one first", tabNames[t])
	}
	a.popTo(wb)
	wb.setTab(t)
	return nil, nil
}

// jumpToTime selects, on the timeline, the first event at or after the time given:
// "13:05" or "13:05:10" on the day of the case's first alert (else of its first event;
// UTC), or a whole RFC 3339 time or "2006-01-02 15:04".
func (w *workbench) jumpToTime(s string) (tea.Cmd, error) {
	if w.c == nil || len(w.c.Timeline) == 0 {
		return nil, fmt.Errorf("no event to jump to yet")
	}
	// A time of day is on the incident's day: the first alert's, else the first event's.
	day := w.c.Timeline[0].Time
	if a, ok := firstAlert(w.c); ok {
		day = a.Time
	}
	t, err := parseJumpTime(s, day)
	if err != nil {
		return nil, err
	}
	w.setTab(tabTimeline)
	if !w.timeline.selectTime(t) {
		return status("no event at or after "+t.UTC().Format(time.RFC3339)+" with the timeline's filters: the last one is selected", false), nil
	}
	return status("timeline at "+t.UTC().Format(time.RFC3339), false), nil
}

func parseJumpTime(s string, day time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("time what? e.g. :time 13:05 or :time 2026-03-11T13:05:00Z")
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	for _, layout := range []string{"15:04:05", "15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			d := day.UTC()
			return time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a time (13:05, 13:05:10, 2026-03-11 13:05 or RFC 3339, in UTC)", s)
}

// jumpToFirstAlert selects, on the timeline, the event that raised the case's first
// alert: the last event at or before the alert's time with its action (and its source
// address, when the alert has one), within the hour a rule looks back; else the first
// event at or after the alert's time.
func (w *workbench) jumpToFirstAlert() (tea.Cmd, error) {
	if w.c == nil {
		return nil, fmt.Errorf("the case has not loaded yet")
	}
	first, ok := firstAlert(w.c)
	if !ok {
		// No alert is no answer without what was searched for one.
		return nil, errors.New(w.c.Completeness.Alerts.NoneIn("no alert with a time for this key or its lineage"))
	}
	w.setTab(tabTimeline)
	w.timeline.clearFilters()
	what := "first alert: " + clean(first.RuleName) + " at " + fullTime(first.Time)
	if id := alertEvent(w.c, first); id != "" && w.timeline.selectID(id) {
		w.timeline.touched = true
		return status(what+"; its event is selected", false), nil
	}
	if !w.timeline.selectTime(first.Time) {
		return status("no event at or after the first alert ("+fullTime(first.Time)+")", true), nil
	}
	return status(what+" (no event of its action found before it: the next event is selected)", false), nil
}

// alertEvent is the event id of the event that most likely raised alert s: the last one
// at or before its time, within an hour, with its action and source address.
func alertEvent(c *investigate.Case, s investigate.Sibling) string {
	tl := c.Timeline
	for i := len(tl) - 1; i >= 0; i-- {
		e := &tl[i]
		if e.Time.After(s.Time) {
			continue
		}
		if s.Time.Sub(e.Time) > time.Hour {
			break
		}
		if e.Name == s.Action && (s.SourceIP == "" || e.SourceIP == s.SourceIP) {
			return e.ID
		}
	}
	return ""
}

// firstAlert is the earliest alert of the case (first-seen and siblings).
func firstAlert(c *investigate.Case) (investigate.Sibling, bool) {
	var best investigate.Sibling
	found := false
	for _, s := range append(append([]investigate.Sibling(nil), c.Siblings...), c.HigherOrderAlerts...) {
		if s.Time.IsZero() {
			continue
		}
		if !found || s.Time.Before(best.Time) {
			best, found = s, true
		}
	}
	return best, found
}

func wrapStatus(wrap bool) string {
	if wrap {
		return "wrap: the selected row's cut or hidden cells are shown whole under each table (z again hides them)"
	}
	return "fit: columns fit the width, identifiers shortened first (z shows the selected row whole)"
}

func relStatus(rel bool) string {
	if rel {
		return "times relative to the case's now (T or :reltime for absolute UTC)"
	}
	return "times absolute, in UTC (T or :reltime for relative)"
}

// toggleWrap turns the wrap preview of every table on or off.
func (a *App) toggleWrap() tea.Cmd {
	a.ui.wrap = !a.ui.wrap
	a.layout()
	return status(wrapStatus(a.ui.wrap), false)
}

// toggleRelTime switches every time shown between absolute UTC and relative to now.
func (a *App) toggleRelTime() tea.Cmd {
	a.ui.relTime = !a.ui.relTime
	a.layout()
	for _, s := range a.stack {
		s.Update(actedMsg{}) // the tabs' prebuilt lines are drawn again
	}
	return status(relStatus(a.ui.relTime), false)
}
