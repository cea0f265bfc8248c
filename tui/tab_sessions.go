package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/keypivot/keypivot/investigate"
)

// sessionsTab lists derived sessions, with what the selected one did below.
type sessionsTab struct {
	ui     *ui
	wb     *workbench
	table  *table
	rows   []investigate.Session
	detail textList
	// chained is the widest depth marker (one · per hop beyond the first): sessions
	// issued by another derived session (role chaining). A legend explains it.
	chained int
	width   int
	height  int
}

// sessionKeyWidth is the width of an ASIA... key id.
const sessionKeyWidth = 20

func newSessionsTab(w *workbench) *sessionsTab {
	u := w.ui
	t := &sessionsTab{ui: u, wb: w, detail: textList{st: &u.st}}
	t.table = newTable(&u.st, []column{
		{title: "SESSION KEY", width: sessionKeyWidth},
		{title: "ISSUED BY", width: 18, prio: 2},
		{title: "ISSUED", width: 11, prio: 1},
		{title: "EXPIRES", width: 11},
		{title: "ROLE / FEDERATED USER", flex: 2, min: 12, want: 28},
		{title: "EVENTS", width: 6, right: true},
		{title: "VALID?", width: 7},
	})
	t.table.cell = t.cell
	t.table.cellStyle = func(row, col int) *lipgloss.Style {
		if col == 6 && t.rows[row].ValidAtGeneration {
			return &u.st.warn
		}
		return nil
	}
	t.table.empty = "no session was derived from this key (AssumeRole, GetSessionToken, GetFederationToken)"
	t.table.wrap = &u.wrap
	return t
}

// depthMark is a session's marker: one · per hop beyond the key's own sessions (at most 3).
func depthMark(s *investigate.Session) string {
	return strings.Repeat("·", min(max(s.Depth-1, 0), 3))
}

func (t *sessionsTab) show(c *investigate.Case, width int) {
	t.rows = append(t.rows[:0], c.Sessions...)
	t.chained = 0
	for i := range t.rows {
		t.chained = max(t.chained, len([]rune(depthMark(&t.rows[i]))))
	}
	// The key column holds the whole key id after its depth marker.
	t.table.cols[0].width = sessionKeyWidth + t.chained
	t.table.setLen(len(t.rows))
	t.table.empty = clean(c.Completeness.Events.NoneIn("no session derived from this key (AssumeRole, GetSessionToken, GetFederationToken)"))
	t.resize()
	t.refreshDetail()
}

func (t *sessionsTab) setSize(w, h int) {
	t.width, t.height = w, h
	t.resize()
	t.refreshDetail()
}

// resize shares the height between the table (as tall as its rows, up to half), the
// depth legend when a session is chained, and the selected session's details.
func (t *sessionsTab) resize() {
	th := min(max(len(t.rows)+2, 4), t.height/2)
	if t.chained > 0 {
		th = max(th-1, 2)
	}
	t.table.setSize(t.width, th)
	t.detail.setSize(t.width, t.height-th-t.legendHeight())
}

func (t *sessionsTab) legendHeight() int {
	if t.chained > 0 {
		return 1
	}
	return 0
}

func (t *sessionsTab) legend() string {
	return t.ui.st.dim.Render(truncate("  · before a key: issued by another derived session, not the key (one · per hop)", t.width))
}

func (t *sessionsTab) nav(act string) bool {
	ok := t.table.nav(act)
	t.refreshDetail()
	return ok
}

func (t *sessionsTab) selected() *investigate.Session {
	if t.table.cursor < len(t.rows) {
		return &t.rows[t.table.cursor]
	}
	return nil
}

func (t *sessionsTab) refreshDetail() {
	s := t.selected()
	if s == nil {
		t.detail.setLines(nil)
		return
	}
	b := &lineBuilder{st: &t.ui.st, width: t.width}
	b.section("SESSION " + clean(s.AccessKeyID))
	b.kv("issued", fmt.Sprintf("%s by %s to %s (event %s)", fullTime(s.IssuedAt), clean(s.IssuedBy), clean(s.ParentKey), clean(s.IssuedByEvent)))
	if s.RoleARN != "" {
		b.kv("role", clean(s.RoleARN)+" as "+orDash(clean(s.SessionName)))
	}
	if s.FederatedUser != "" {
		b.kv("federated", clean(s.FederatedUser))
	}
	if s.AssumedARN != "" {
		b.kv("acting as", clean(s.AssumedARN))
	}
	exp := fullTime(s.Expiration)
	if s.ValidAtGeneration {
		exp += "  (may still be valid: deactivating the key does not end it)"
	}
	b.kv("expires", exp)
	b.kv("account", orDash(clean(s.Account))+" · region "+orDash(clean(s.Region)))
	b.kv("did", fmt.Sprintf("%s, %s, %s → %s", plural(s.EventCount, "event"), plural(s.ErrorCount, "error"), fullTime(s.First), fullTime(s.Last)))
	b.kv("from", orDash(clean(strings.Join(s.SourceIPs, ", "))))
	b.kv("actions", orDash(clean(strings.Join(s.Actions, ", "))))
	t.detail.setLines(b.lines)
}

func (t *sessionsTab) view() string {
	if t.chained > 0 {
		return t.table.view() + "\n" + t.legend() + "\n" + t.detail.view()
	}
	return t.table.view() + "\n" + t.detail.view()
}

func (t *sessionsTab) cell(row, col int) string {
	s := &t.rows[row]
	switch col {
	case 0:
		return depthMark(s) + s.AccessKeyID
	case 1:
		return s.IssuedBy
	case 2:
		return t.ui.when(s.IssuedAt)
	case 3:
		return t.ui.when(s.Expiration)
	case 4:
		if s.FederatedUser != "" {
			return "federated " + s.FederatedUser
		}
		if s.RoleARN == "" {
			return "-"
		}
		// The role's name and account: the ARN's partition and service say nothing here
		// (the whole ARN is in the session's details below).
		return shortIdentity(s.RoleARN, "")
	case 5:
		return itoa(s.EventCount)
	case 6:
		if s.ValidAtGeneration {
			return "VALID"
		}
		return "expired"
	}
	return ""
}

// update shows the selected session's events on the timeline on enter.
func (t *sessionsTab) update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(tea.KeyPressMsg); ok && m.String() == "enter" {
		if s := t.selected(); s != nil {
			t.wb.timeline.filterSigner(s.AccessKeyID)
			t.wb.setTab(tabTimeline)
		}
	}
	return nil
}

func (t *sessionsTab) enterHelp() string  { return "timeline of session" }
func (t *sessionsTab) statusTail() string { return "enter follows" }
