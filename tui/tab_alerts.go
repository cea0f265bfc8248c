package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/keypivot/keypivot/investigate"
)

// alertsTab lists the case's alerts.
type alertsTab struct {
	ui    *ui
	wb    *workbench
	table *table
	rows  []investigate.Sibling
	ho    []bool
}

func newAlertsTab(w *workbench) *alertsTab {
	u := w.ui
	t := &alertsTab{ui: u, wb: w}
	t.table = newTable(&u.st, []column{
		{title: "SEVERITY", width: 8},
		{title: "RISK", width: 4, right: true, prio: 3},
		{title: "STATUS", width: 12},
		{title: "TIME (UTC)", width: 11},
		{title: "RULE", flex: 3, min: 24, want: 56},
		{title: "COUNTED", flex: 2, min: 20, want: 26, prio: 1},
		{title: "ALERT ID", width: 36, ident: true, min: 9, prio: 2},
	})
	t.table.cell = t.cell
	t.table.cellStyle = func(row, col int) *lipgloss.Style {
		if col == 0 {
			s := u.st.severity(t.rows[row].Severity)
			return &s
		}
		return nil
	}
	t.table.empty = "no alerts for this key or its sessions in the alert sources"
	t.table.wrap = &u.wrap
	return t
}

func (t *alertsTab) show(c *investigate.Case, _ int) {
	t.rows = append(append(t.rows[:0], c.Siblings...), c.HigherOrderAlerts...)
	t.ho = t.ho[:0]
	for range c.Siblings {
		t.ho = append(t.ho, false)
	}
	for range c.HigherOrderAlerts {
		t.ho = append(t.ho, true)
	}
	t.table.setLen(len(t.rows))
	t.table.empty = clean(c.Completeness.Alerts.NoneIn("no alert of this key or its sessions"))
}

// emptyEvents is what an empty event list says: where the events were looked for, or
// that they could not be.
func emptyEvents(c *investigate.Case) string {
	if c == nil {
		return "no event yet"
	}
	return clean(c.Completeness.Events.NoneIn("no event of this key"))
}

func (t *alertsTab) setSize(w, h int) {
	t.table.cols[3].title = timeTitle(t.ui.relTime)
	t.table.setSize(w, h)
}
func (t *alertsTab) nav(act string) bool { return t.table.nav(act) }
func (t *alertsTab) view() string        { return t.table.view() }

func (t *alertsTab) selected() *investigate.Sibling {
	if t.table.cursor < len(t.rows) {
		return &t.rows[t.table.cursor]
	}
	return nil
}

func (t *alertsTab) cell(row, col int) string {
	s := &t.rows[row]
	switch col {
	case 0:
		return s.Severity.String()
	case 1:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", s.RiskScore), ".0")
	case 2:
		return s.Status
	case 3:
		return t.ui.when(s.Time)
	case 4:
		return s.RuleName
	case 5:
		switch {
		case t.ho[row] && len(s.TiedBy) > 0:
			return "higher-order, tied by " + investigate.TiesText(s.TiedBy)
		case t.ho[row] && s.ViaKey != "":
			return "higher-order (" + s.SourceIP + "), via " + investigate.LineageKind(s.ViaKey)
		case t.ho[row]:
			return "higher-order (" + s.SourceIP + ")"
		case s.FirstSeen:
			return "first seen " + s.SourceIP
		case !s.Eligible:
			return "no: " + s.Ineligible
		case s.ViaKey != "":
			return "yes, via " + investigate.LineageKind(s.ViaKey) + " " + s.ViaKey
		}
		return "yes"
	case 6:
		return s.AlertID
	}
	return ""
}

// update opens the selected alert's detail on enter.
func (t *alertsTab) update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(tea.KeyPressMsg); ok && m.String() == "enter" {
		if s := t.selected(); s != nil {
			if story := newSequenceStory(t.wb, s); story != nil {
				return push(story) // an attack sequence opens as its story
			}
			return push(newAlertDetail(t.wb, s))
		}
	}
	return nil
}

func (t *alertsTab) enterHelp() string  { return "alert's detail" }
func (t *alertsTab) statusTail() string { return "" }
