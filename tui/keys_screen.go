package tui

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/keypivot/keypivot/investigate"
)

// rankMsg carries the key ranking.
type rankMsg struct {
	r   *investigate.Ranking
	err error
	dur time.Duration
}

// Columns of the keys table.
const (
	kcRank = iota
	kcKey
	kcUser
	kcAccount
	kcSiblings
	kcSeverity
	kcIP
	kcNetwork
	kcLast
	kcStatus
)

// keysScreen lists the ranked correlated keys.
type keysScreen struct {
	ui      *ui
	ranking *investigate.Ranking
	err     error
	loading bool
	started time.Time
	took    time.Duration

	// rows are indices into ranking.Keys, filtered and sorted; statuses are the keys'
	// statuses as shown, by the same index.
	rows     []int
	statuses []string
	hay      []string
	table    *table
	// input is the filter field: while it has the focus, keys are typed into it.
	input lineInput
	query string
	// firstSeenOnly also lists keys that have a first-seen alert and nothing else.
	firstSeenOnly bool
	width, height int
}

func newKeysScreen(u *ui) *keysScreen {
	k := &keysScreen{ui: u}
	k.table = newTable(&u.st, []column{
		{title: "#", width: 3, right: true},
		{title: "ACCESS KEY", width: 20},
		{title: "USER", flex: 2, min: 8, want: 16},
		{title: "ACCOUNT", width: 12, prio: 2, ident: true, min: 7},
		{title: "SIB", width: 3, right: true},
		{title: "SEVERITY", width: 8},
		{title: "FIRST-SEEN IP", width: 16},
		{title: "NETWORK", flex: 2, min: 10, prio: 3},
		{title: "LAST ALERT", width: 11, prio: 1},
		{title: "STATUS", width: 8},
	})
	k.table.cell = k.cell
	k.table.cellStyle = k.cellStyle
	k.table.empty = "no keys yet"
	k.table.wrap = &u.wrap
	k.input = newInput("filter: ", &u.st)
	return k
}

func (k *keysScreen) load(ctx context.Context) tea.Cmd {
	ws := k.ui.opts.Workspace
	if ws == nil {
		return nil
	}
	k.loading, k.started = true, time.Now()
	return func() tea.Msg {
		start := time.Now()
		r, err := ws.Rank(ctx, true)
		return rankMsg{r: r, err: err, dur: time.Since(start)}
	}
}

func (k *keysScreen) setRanking(m rankMsg) {
	k.loading = false
	k.err = m.err
	k.took = m.dur
	if m.r == nil {
		return
	}
	sel := k.selectedKey()
	k.ranking = m.r
	k.hay = make([]string, len(m.r.Keys))
	for i, s := range m.r.Keys {
		parts := []string{s.Key.String(), s.User, s.UserARN, s.Account, s.Status, s.MaxSeverity.String()}
		for _, f := range s.FirstSeen {
			parts = append(parts, f.IP, f.ASOrg, f.Country)
		}
		for _, r := range s.Rules {
			parts = append(parts, r.RuleName, r.RuleID)
		}
		k.hay[i] = strings.ToLower(strings.Join(parts, "\x00"))
	}
	k.refilter()
	k.selectKey(sel)
	k.SetSize(k.width, k.height) // the warning lines, if any, take room from the list
}

func (k *keysScreen) keysOf() []investigate.KeySummary {
	if k.ranking == nil {
		return nil
	}
	return k.ranking.Keys
}

func (k *keysScreen) refilter() {
	k.readStatuses()
	keys := k.keysOf()
	q := strings.ToLower(strings.TrimSpace(k.query))
	k.rows = k.rows[:0]
	for i := range keys {
		if !keys[i].Correlated && !k.firstSeenOnly {
			continue
		}
		if q != "" && !strings.Contains(k.hay[i], q) {
			continue
		}
		k.rows = append(k.rows, i)
	}
	k.sortRows()
	k.table.setLen(len(k.rows))
	switch {
	case k.ranking == nil:
		k.table.empty = ""
	case q != "":
		k.table.empty = "no key matches the filter " + clean(q) + " (esc clears it)"
	case !k.firstSeenOnly && len(keys) > 0:
		k.table.empty = "no correlated key: press f to list first-seen-only keys"
	default:
		// A negative carries what was searched, or says that nothing could be.
		k.table.empty = clean(k.ranking.Completeness.Alerts.NoneIn("no key has a first-seen alert"))
	}
}

func (k *keysScreen) sortRows() {
	keys := k.keysOf()
	col := k.table.sortCol
	if col < 0 {
		col = kcRank
	}
	cmpf := func(a, b int) int {
		x, y := &keys[a], &keys[b]
		switch col {
		case kcKey:
			return x.Key.Compare(y.Key)
		case kcUser:
			return cmp.Compare(x.User, y.User)
		case kcAccount:
			return cmp.Compare(x.Account, y.Account)
		case kcSiblings:
			return cmp.Compare(investigate.SummaryCounts(x).Siblings, investigate.SummaryCounts(y).Siblings)
		case kcSeverity:
			if c := cmp.Compare(x.MaxSeverity, y.MaxSeverity); c != 0 {
				return c
			}
			return cmp.Compare(x.MaxRisk, y.MaxRisk)
		case kcIP:
			return cmp.Compare(firstIP(x).IP, firstIP(y).IP)
		case kcNetwork:
			return cmp.Compare(firstIP(x).ASOrg, firstIP(y).ASOrg)
		case kcLast:
			return x.LastAlert.Compare(y.LastAlert)
		case kcStatus:
			return cmp.Compare(k.statuses[a], k.statuses[b]) // as shown
		}
		return cmp.Compare(a, b) // rank order
	}
	slices.SortStableFunc(k.rows, func(a, b int) int {
		c := cmpf(a, b)
		if k.table.sortDesc {
			c = -c
		}
		if c == 0 {
			c = cmp.Compare(a, b)
		}
		return c
	})
}

func firstIP(s *investigate.KeySummary) investigate.FirstSeenRef {
	if len(s.FirstSeen) == 0 {
		return investigate.FirstSeenRef{}
	}
	return s.FirstSeen[0]
}

func (k *keysScreen) summary(row int) *investigate.KeySummary {
	if row < 0 || row >= len(k.rows) {
		return nil
	}
	return &k.ranking.Keys[k.rows[row]]
}

func (k *keysScreen) cell(row, col int) string {
	s := k.summary(row)
	switch col {
	case kcRank:
		if !s.Correlated {
			return "·"
		}
		return itoa(k.rows[row] + 1)
	case kcKey:
		return s.Key.String()
	case kcUser:
		return orDash(s.User)
	case kcAccount:
		return orDash(s.Account)
	case kcSiblings:
		return itoa(investigate.SummaryCounts(s).Siblings)
	case kcSeverity:
		if sev, ok := s.WorstSeverity(); ok {
			return sev.String()
		}
		return "-"
	case kcIP:
		f := firstIP(s)
		if n := investigate.SummaryCounts(s).FirstSeen; n > 1 {
			return f.IP + " +" + itoa(n-1)
		}
		if f.IP == "" && s.AttackSequenceCount > 0 {
			return "attack sequence" // ranked on AWS's correlation, with no first-seen alert
		}
		return orDash(f.IP)
	case kcNetwork:
		f := firstIP(s)
		n := f.ASOrg
		if f.Country != "" {
			n = strings.TrimSpace(n + " (" + f.Country + ")")
		}
		return orDash(n)
	case kcLast:
		return k.ui.when(s.LastAlert)
	case kcStatus:
		return orDash(k.statuses[k.rows[row]])
	}
	return ""
}

// status is a key's status: what an action of this session (or the journal) read back
// last, else what the ranking's owner lookup said.
func (k *keysScreen) status(s *investigate.KeySummary) string {
	if st := k.ui.state.keyStatus(s.Key.String(), s.Status != ""); st != "" {
		return st
	}
	return s.Status
}

// readStatuses reads every key's status (status) once, when the ranking or the case
// state changes, not per row drawn.
func (k *keysScreen) readStatuses() {
	keys := k.keysOf()
	k.statuses = slices.Grow(k.statuses[:0], len(keys))
	for i := range keys {
		k.statuses = append(k.statuses, k.status(&keys[i]))
	}
}

func (k *keysScreen) cellStyle(row, col int) *lipgloss.Style {
	s := k.summary(row)
	if sev, ok := s.WorstSeverity(); col == kcSeverity && ok {
		st := k.ui.st.severity(sev)
		return &st
	}
	if col == kcStatus && k.statuses[k.rows[row]] == "Active" {
		return &k.ui.st.warn
	}
	return nil
}

func (k *keysScreen) selectedKey() investigate.AccessKeyID {
	if s := k.summary(k.table.cursor); s != nil {
		return s.Key
	}
	return investigate.AccessKeyID{}
}

func (k *keysScreen) selectKey(key investigate.AccessKeyID) {
	for i, r := range k.rows {
		if k.ranking.Keys[r].Key == key {
			k.table.set(i)
			return
		}
	}
}

// setQuery filters the list by q, keeping the selected key when it still matches.
func (k *keysScreen) setQuery(q string) {
	if q == k.query {
		return
	}
	sel := k.selectedKey()
	k.query = q
	k.refilter()
	k.selectKey(sel)
}

func (k *keysScreen) nav(act string) bool { return k.table.nav(act) }

const keysChrome = 2 // title and sources lines

// searchWarning says, before the list and whole (up to 3 lines), that the alert
// sources were not all searched: a short or empty list is no answer without it.
func (k *keysScreen) searchWarning() []string {
	r := k.ranking
	if r == nil || r.Completeness.Complete() || k.width <= 0 {
		return nil
	}
	return warnLines(r.Completeness.Mark()+": "+clean(r.Completeness.Alerts.Summary), k.width)
}

// warnLines wraps a search warning to width, on three lines at most (the third ending
// with … when cut): what could not be searched is never one line cut at the edge.
func warnLines(text string, width int) []string {
	lines := wrapText(text, width)
	if len(lines) > 3 {
		lines = lines[:3]
		lines[2] = truncate(lines[2]+" …", width)
	}
	return lines
}

func (k *keysScreen) SetSize(w, h int) {
	k.width, k.height = w, h
	k.table.setSize(w, h-keysChrome-len(k.searchWarning())-1) // one line for the filter field
	k.input.SetWidth(max(w-12, 10))
}

func (k *keysScreen) Capturing() bool { return k.input.Focused() }

func (k *keysScreen) Crumb() string { return "keys" }

func (k *keysScreen) Update(msg tea.Msg) tea.Cmd {
	km := &k.ui.km
	switch m := msg.(type) {
	case rankMsg:
		k.setRanking(m)
		return nil
	case actedMsg:
		k.refilter() // a key's status may have changed: its row reads the case state
		return nil
	}
	if k.input.Focused() {
		if m, ok := msg.(tea.KeyPressMsg); ok && slices.Contains([]string{"up", "down", "pgup", "pgdown"}, m.String()) {
			k.table.nav(km.navAction(m)) // the list still moves under the field
			return nil
		}
		if k.input.edit(msg) == fieldCleared {
			k.query = "" // unlike setQuery, the cursor keeps its row, not its key
			k.refilter()
			return nil
		}
		k.setQuery(k.input.Value())
		return nil
	}
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if km.navigate(m, k) {
		return nil
	}
	switch {
	case key.Matches(m, km.Enter):
		if key := k.selectedKey(); !key.IsZero() {
			return msgCmd(openKeyMsg{key})
		}
	case key.Matches(m, km.Filter):
		k.input.SetValue(k.query)
		k.input.CursorEnd()
		return k.input.Focus()
	case key.Matches(m, km.Back):
		// There is nothing to go back to: esc clears the filter, when there is one.
		k.input.Reset()
		k.setQuery("")
	case key.Matches(m, km.FirstSeen):
		sel := k.selectedKey()
		k.firstSeenOnly = !k.firstSeenOnly
		k.refilter()
		k.selectKey(sel)
	case key.Matches(m, km.Sort):
		// The next column on screen: a column the width hides is never sorted unseen.
		vis := k.table.visible
		i := max(slices.Index(vis, max(k.table.sortCol, kcRank)), 0)
		k.sortBy(vis[(i+1)%len(vis)])
	case key.Matches(m, km.SortReverse):
		if k.table.sortCol < 0 {
			k.table.sortCol = kcRank
		}
		k.table.sortDesc = !k.table.sortDesc
		k.resort()
	case key.Matches(m, km.Reload):
		return k.load(k.ui.ctx)
	default:
		// 1-9 number the columns on screen, left to right.
		if s := m.String(); len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
			if n := int(s[0] - '1'); n < len(k.table.visible) {
				col := k.table.visible[n]
				if col == k.table.sortCol {
					k.table.sortDesc = !k.table.sortDesc
					k.resort()
				} else {
					k.sortBy(col)
				}
			}
		}
	}
	return nil
}

// sortBy sorts by col: times, counts and severities start with the largest.
func (k *keysScreen) sortBy(col int) {
	k.table.sortCol = col
	k.table.sortDesc = col == kcSiblings || col == kcSeverity || col == kcLast
	k.resort()
}

func (k *keysScreen) resort() {
	sel := k.selectedKey()
	k.sortRows()
	k.selectKey(sel)
	k.table.setLen(len(k.rows))
}

func (k *keysScreen) title() string {
	st := &k.ui.st
	ws := k.ui.opts.Workspace
	// The badges come first: what the data is and whether writes are off are never cut.
	t := st.title.Render("keypivot")
	if ws != nil && ws.Demo {
		t += " " + badge(st.badge, "DEMO")
	}
	if k.ui.opts.ReadOnly {
		t += " " + badge(st.badgeWarn, "READ-ONLY")
	}
	t += " · access keys correlated with elevated alerts"
	return truncate(t, k.width)
}

func (k *keysScreen) sources() string {
	ws := k.ui.opts.Workspace
	var parts []string
	if ws != nil && ws.Describe != "" {
		parts = append(parts, ws.Describe)
	}
	if k.ui.opts.Header != "" {
		parts = append(parts, k.ui.opts.Header)
	}
	if len(parts) == 0 {
		parts = append(parts, "no source configured")
	}
	return k.ui.st.headerDim.Render(truncate("sources: "+clean(strings.Join(parts, "; ")), k.width))
}

func (k *keysScreen) View() string {
	var b strings.Builder
	b.WriteString(k.title() + "\n" + k.sources() + "\n")
	for _, l := range k.searchWarning() {
		b.WriteString(k.ui.st.warn.Render(l) + "\n")
	}
	b.WriteString(k.table.view())
	b.WriteString("\n")
	switch {
	case k.input.Focused():
		b.WriteString(k.input.View())
	case k.query != "":
		b.WriteString(k.ui.st.filterChip.Render("filter: "+clean(k.query)) + k.ui.st.dim.Render("  (/ edits, esc clears)"))
	}
	return b.String()
}

func (k *keysScreen) Status() string {
	if k.loading {
		return k.ui.spinner() + " correlating alerts by access key… " + time.Since(k.started).Round(100*time.Millisecond).String()
	}
	if k.err != nil {
		return "error: " + clean(k.err.Error())
	}
	r := k.ranking
	if r == nil {
		return ""
	}
	corr, fso := 0, 0
	for _, s := range r.Keys {
		if s.Correlated {
			corr++
		} else {
			fso++
		}
	}
	line := plural(corr, "correlated key")
	if m := r.Completeness.Mark(); m != "" {
		line = m + " (above) · " + line // a count is no answer without it
	}
	if fso > 0 {
		if k.firstSeenOnly {
			line += fmt.Sprintf(" + %d first-seen only (·)", fso)
		} else {
			line += fmt.Sprintf(" · %d first-seen only hidden (f)", fso)
		}
	}
	if len(k.rows) != corr && !(k.firstSeenOnly && len(k.rows) == corr+fso) {
		line += fmt.Sprintf(" · %d shown", len(k.rows))
	}
	if c := k.table.sortCol; c >= 0 && !slices.Contains(k.table.visible, c) {
		dir := "▲"
		if k.table.sortDesc {
			dir = "▼"
		}
		line += " · sorted by " + k.table.cols[c].title + dir + " (hidden at this width; s sorts by a shown one)"
	}
	line += fmt.Sprintf(" · %s read, %d eligible", plural(r.Stats.Alerts, "alert"), r.Stats.Eligible)
	problems := 0
	for _, s := range r.Sources {
		problems += len(s.Problems)
	}
	if problems > 0 {
		line += " · " + plural(problems, "unreadable input") + " (see keypivot keys)"
	}
	if len(r.Unmapped) > 0 {
		line += fmt.Sprintf(" · %d higher-order alerts unmapped", len(r.Unmapped))
	}
	return line
}

func (k *keysScreen) Keys() help.KeyMap {
	km := &k.ui.km
	if k.input.Focused() {
		return fieldKeys("filter")
	}
	open := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open key"))
	// The numbers are those of the columns on screen (▲▼ marks the sorting one).
	sortKey := "s/1-" + itoa(min(len(k.table.visible), 9))
	sortShort := key.NewBinding(key.WithKeys("s"), key.WithHelp(sortKey, "sort by column"))
	sortFull := key.NewBinding(key.WithKeys("s"), key.WithHelp(sortKey, "sort: next/Nth column (▲▼)"))
	last := []key.Binding{km.Command, km.Wrap, km.RelTime, km.Copy, km.Export, km.Help}
	if k.query != "" {
		last = append(last, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")))
	}
	return bindings{
		short: []key.Binding{open, km.Filter, sortShort, km.FirstSeen, km.Copy, km.Help, km.Quit},
		full: [][]key.Binding{
			{open, km.Filter, sortFull, km.SortReverse, km.FirstSeen, km.Reload},
			km.nav(),
			append(last, km.Quit),
		},
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// timeTitle is a time column's title: absolute times are UTC; relative ones are to the
// workspace's now (the demo's own).
func timeTitle(rel bool) string {
	if rel {
		return "WHEN"
	}
	return "TIME (UTC)"
}

// when is a time as the analyst asked for them: relative to now, or absolute UTC.
func (u *ui) when(t time.Time) string {
	if u.relTime && !t.IsZero() {
		return relative(t, u.now())
	}
	return shortTime(t)
}

// relative is t from now: "3h12m ago", "in 40m", "2d4h ago".
func relative(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	suffix := " ago"
	if d < 0 {
		d, suffix = -d, ""
	}
	var s string
	switch {
	case d < time.Minute:
		s = itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		s = itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		s = itoa(int(d/time.Hour)) + "h" + itoa(int(d%time.Hour/time.Minute)) + "m"
	default:
		s = itoa(int(d/(24*time.Hour))) + "d" + itoa(int(d%(24*time.Hour)/time.Hour)) + "h"
	}
	if suffix == "" {
		return "in " + s
	}
	return s + suffix
}

func shortTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("01-02 15:04")
}

func fullTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}
