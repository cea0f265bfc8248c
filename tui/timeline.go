package tui

import (
	"cmp"
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

// Timeline columns.
const (
	tcTime = iota
	tcMark
	tcEvent
	tcService
	tcRegion
	tcIP
	tcError
	tcCategory
	tcSigner
	tcAgent
)

// timelineView is every event of the key, of its derived sessions (marked S) and of the
// access keys it created (C). Filters compose;
// each change walks the timeline once to build the list of matching rows, and drawing
// touches only the rows on screen, so a case of hundreds of thousands of events scrolls
// as fast as a small one.
type timelineView struct {
	ui    *ui
	c     *investigate.Case
	table *table
	// whose says whose the case's events are (counted once per snapshot).
	whose string
	// open opens the record at a timeline index (the workbench pushes the record view).
	open func(i int) tea.Cmd
	// rows are indices into c.Timeline that pass the filters.
	rows []int32

	errorsOnly, writesOnly bool
	ip, service, region    string
	signer, agent          string
	search                 string

	// touched is set once the analyst moves: from then on the selection follows its
	// event as snapshots stream in.
	touched bool
	// input is the search field: while it has the focus, keys are typed into it.
	input  lineInput
	picker *picker
	width  int
	height int
}

func newTimelineView(u *ui) *timelineView {
	t := &timelineView{ui: u}
	t.table = newTable(&u.st, []column{
		{title: "TIME (UTC)", width: 14},
		{title: "", width: 1},
		{title: "EVENT", flex: 2, min: 16},
		{title: "SERVICE", width: 10},
		{title: "REGION", width: 14, prio: 3},
		{title: "SOURCE IP", width: 15, prio: 2},
		{title: "ERROR", flex: 1, min: 10},
		{title: "CATEGORY", width: 14, prio: 5},
		{title: "SIGNER", width: 20, prio: 4, ident: true, min: 9},
		{title: "USER AGENT", flex: 5, min: 12, prio: 6},
	})
	t.table.cell = t.cell
	t.table.cellStyle = t.cellStyle
	t.table.wrap = &u.wrap
	t.input = newInput("search: ", &u.st)
	return t
}

func (t *timelineView) entry(row int) *investigate.TimelineEntry {
	return &t.c.Timeline[t.rows[row]]
}

func (t *timelineView) cell(row, col int) string {
	e := t.entry(row)
	switch col {
	case tcTime:
		if t.ui.relTime {
			return relative(e.Time, t.ui.now())
		}
		return e.Time.UTC().Format("01-02 15:04:05")
	case tcMark:
		switch {
		case e.Other:
			return "O"
		case e.Child: // a child key's, or a session of one
			return "C"
		case e.Session:
			return "S"
		case e.ErrorCode != "":
			return "!"
		case e.IsWrite():
			return "w"
		}
		return ""
	case tcEvent:
		return e.Name
	case tcService:
		return e.Service()
	case tcRegion:
		return e.Region
	case tcIP:
		return e.SourceIP
	case tcError:
		return e.ErrorCode
	case tcCategory:
		return e.Category
	case tcSigner:
		return e.Signer()
	case tcAgent:
		return e.UserAgent
	}
	return ""
}

func (t *timelineView) cellStyle(row, col int) *lipgloss.Style {
	e := t.entry(row)
	st := &t.ui.st
	switch {
	case col == tcError && e.ErrorCode != "":
		return &st.danger
	case col == tcMark && (e.Session || e.Other):
		return &st.session
	case col == tcEvent && e.Category != "" && e.Category != investigate.CatDiscovery:
		return &st.warn
	case col == tcSigner && e.Session:
		return &st.session
	}
	return nil
}

func (t *timelineView) setCase(c *investigate.Case) {
	var keep string
	if e := t.selectedEntry(); e != nil {
		keep = e.ID
	}
	t.c = c
	t.whose = strings.Join(investigate.CaseCounts(c).EventParts(), ", ")
	t.refilter()
	if keep != "" && t.touched {
		t.selectID(keep)
	}
}

// refilter rebuilds the list of matching rows.
func (t *timelineView) refilter() {
	if t.c == nil {
		return
	}
	tl := t.c.Timeline
	if cap(t.rows) < len(tl) && !t.filtered() {
		t.rows = make([]int32, 0, len(tl))
	}
	t.rows = t.rows[:0]
	q := strings.ToLower(t.search)
	for i := range tl {
		e := &tl[i]
		if t.errorsOnly && e.ErrorCode == "" ||
			t.writesOnly && !e.IsWrite() ||
			t.ip != "" && e.SourceIP != t.ip ||
			t.service != "" && e.Service() != t.service ||
			t.region != "" && e.Region != t.region ||
			t.signer != "" && e.Signer() != t.signer ||
			t.agent != "" && e.UserAgent != t.agent {
			continue
		}
		if q != "" && !containsFold(e.Name, q) && !containsFold(e.ErrorCode, q) && !containsFold(e.SourceIP, q) &&
			!containsFold(e.UserAgent, q) && !containsFold(e.ID, q) && !containsFold(e.Category, q) && !containsFold(e.Signer(), q) {
			continue
		}
		t.rows = append(t.rows, int32(i))
	}
	t.table.setLen(len(t.rows))
	t.table.empty = "no event matches the filters (c clears them)"
	if !t.filtered() {
		// A negative carries what was searched.
		t.table.empty = emptyEvents(t.c)
	}
}

// containsFold reports whether s contains the lower-case q, ignoring ASCII case,
// without allocating.
func containsFold(s, q string) bool {
	n := len(q)
	if n == 0 {
		return true
	}
outer:
	for i := 0; i+n <= len(s); i++ {
		for j := 0; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != q[j] {
				continue outer
			}
		}
		return true
	}
	return false
}

func (t *timelineView) filtered() bool { return len(t.setFilters()) > 0 }

func (t *timelineView) selectedEntry() *investigate.TimelineEntry {
	if t.c == nil || t.table.cursor >= len(t.rows) || len(t.rows) == 0 {
		return nil
	}
	return t.entry(t.table.cursor)
}

// selectedEvent returns the full record of the selected row.
func (t *timelineView) selectedEvent() *investigate.Event {
	if t.c == nil || len(t.rows) == 0 || t.table.cursor >= len(t.rows) {
		return nil
	}
	return eventAt(t.c, int(t.rows[t.table.cursor]))
}

// eventAt returns the record of timeline entry i: Case.Events parallels Case.Timeline.
func eventAt(c *investigate.Case, i int) *investigate.Event {
	if i < 0 || i >= len(c.Timeline) {
		return nil
	}
	id := c.Timeline[i].ID
	if i < len(c.Events) && c.Events[i].ID == id {
		return c.Events[i]
	}
	for _, e := range c.Events {
		if e.ID == id {
			return e
		}
	}
	return nil
}

func (t *timelineView) selectID(id string) bool {
	for r, i := range t.rows {
		if t.c.Timeline[i].ID == id {
			t.table.set(r)
			return true
		}
	}
	return false
}

// indexOf returns the timeline index of event id, or -1.
func (t *timelineView) indexOf(id string) int {
	if t.c == nil {
		return -1
	}
	for i := range t.c.Timeline {
		if t.c.Timeline[i].ID == id {
			return i
		}
	}
	return -1
}

// step moves from timeline index i to the next (dir 1) or previous visible row.
func (t *timelineView) step(i, dir int) int {
	r, found := slices.BinarySearch(t.rows, int32(i))
	switch {
	case dir > 0 && found:
		r++
	case dir < 0:
		r--
	}
	if r < 0 || r >= len(t.rows) {
		return -1
	}
	t.table.set(r)
	return int(t.rows[r])
}

func (t *timelineView) setSize(w, h int) {
	t.width, t.height = w, h
	t.table.cols[tcTime].title = timeTitle(t.ui.relTime)
	t.table.setSize(w, h-1)
	t.input.SetWidth(max(w-12, 10))
	if t.picker != nil {
		t.picker.setSize(w, h)
	}
}

func (t *timelineView) nav(act string) bool {
	if t.picker != nil {
		return t.picker.list.nav(act)
	}
	t.touched = true
	return t.table.nav(act)
}

func (t *timelineView) inputActive() bool { return t.input.Focused() || t.picker != nil }

func (t *timelineView) filterIP(ip string) {
	t.ip = ip
	t.apply()
}

func (t *timelineView) filterSigner(k string) {
	t.signer = k
	t.apply()
}

func (t *timelineView) filterAgent(a string) {
	t.agent = a
	t.apply()
}

// apply refilters, keeping the selected event when it still matches.
func (t *timelineView) apply() {
	var keep string
	if e := t.selectedEntry(); e != nil {
		keep = e.ID
	}
	t.refilter()
	if keep == "" || !t.selectID(keep) {
		t.table.top()
	}
}

// clearOne removes the last filter set (esc peels filters before leaving).
func (t *timelineView) clearOne() bool {
	set := t.setFilters()
	if len(set) == 0 {
		return false
	}
	set[len(set)-1].clear()
	t.apply()
	return true
}

// setFilter is a filter in force: its chip, and how to lift it.
type setFilter struct {
	chip  string
	clear func()
}

// setFilters is the filters in force, in the order of their chips; esc lifts the last.
func (t *timelineView) setFilters() []setFilter {
	var set []setFilter
	add := func(on bool, chip string, clear func()) {
		if on {
			set = append(set, setFilter{chip: chip, clear: clear})
		}
	}
	add(t.errorsOnly, "errors only", func() { t.errorsOnly = false })
	add(t.writesOnly, "writes only", func() { t.writesOnly = false })
	add(t.ip != "", "ip "+t.ip, func() { t.ip = "" })
	add(t.service != "", "service "+t.service, func() { t.service = "" })
	add(t.region != "", "region "+t.region, func() { t.region = "" })
	add(t.signer != "", "signer "+t.signer, func() { t.signer = "" })
	add(t.agent != "", "agent "+t.agent, func() { t.agent = "" })
	add(t.search != "", "search "+t.search, func() { t.search = "" })
	return set
}

func (t *timelineView) update(msg tea.Msg) tea.Cmd {
	km := &t.ui.km
	if t.picker != nil {
		m, ok := msg.(tea.KeyPressMsg)
		if !ok {
			return nil
		}
		switch {
		case key.Matches(m, km.Cancel):
			t.picker = nil
		case key.Matches(m, km.Enter):
			p := t.picker
			t.picker = nil
			if v, ok := p.value(); ok {
				*p.target = v
				t.apply()
			}
		default:
			km.navigate(m, &t.picker.list)
		}
		return nil
	}
	if t.input.Focused() {
		t.input.edit(msg) // esc empties the field: the search goes with it
		if v := t.input.Value(); v != t.search {
			t.search = v
			t.apply()
		}
		return nil
	}
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(m, km.Enter):
		if e := t.selectedEntry(); e != nil && t.open != nil {
			return t.open(int(t.rows[t.table.cursor]))
		}
	case key.Matches(m, km.Errors):
		t.errorsOnly = !t.errorsOnly
		t.apply()
	case key.Matches(m, km.Writes):
		t.writesOnly = !t.writesOnly
		t.apply()
	case key.Matches(m, km.ByIP):
		t.openPicker("source IP", &t.ip, func(e *investigate.TimelineEntry) string { return e.SourceIP })
	case key.Matches(m, km.ByService):
		t.openPicker("service", &t.service, func(e *investigate.TimelineEntry) string { return e.Service() })
	case key.Matches(m, km.ByRegion):
		t.openPicker("region", &t.region, func(e *investigate.TimelineEntry) string { return e.Region })
	case key.Matches(m, km.BySession):
		t.openPicker("signer (key or session)", &t.signer, func(e *investigate.TimelineEntry) string { return e.Signer() })
	case key.Matches(m, km.Search):
		t.input.SetValue(t.search)
		t.input.CursorEnd()
		return t.input.Focus()
	case key.Matches(m, km.ClearFilters):
		for _, f := range t.setFilters() {
			f.clear()
		}
		t.apply()
	}
	return nil
}

// openPicker lists the values of one dimension with their counts (over the whole
// timeline), the selected row's value first selected.
func (t *timelineView) openPicker(what string, into *string, of func(*investigate.TimelineEntry) string) {
	if t.c == nil {
		return
	}
	counts := map[string]int{}
	for i := range t.c.Timeline {
		counts[of(&t.c.Timeline[i])]++
	}
	vals := make([]string, 0, len(counts))
	for v := range counts {
		vals = append(vals, v)
	}
	slices.SortFunc(vals, func(a, b string) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	cur := *into
	if cur == "" {
		if e := t.selectedEntry(); e != nil {
			cur = of(e)
		}
	}
	t.picker = newPicker(t.ui, what, into, vals, counts, cur)
	t.picker.setSize(t.width, t.height)
}

func (t *timelineView) chips() string {
	var parts []string
	for _, f := range t.setFilters() {
		parts = append(parts, t.ui.st.filterChip.Render(clean(f.chip)))
	}
	return strings.Join(parts, " ")
}

func (t *timelineView) view() string {
	if t.picker != nil {
		return t.picker.view()
	}
	var last string
	switch {
	case t.input.Focused():
		last = t.input.View()
	case t.filtered():
		last = truncate(t.chips()+t.ui.st.dim.Render("  esc removes the last, c clears"), t.width)
	default:
		last = t.ui.st.dim.Render(truncate("S session · O other signer · ! error · w write    x errors · w writes · i ip · v service · r region · n signer · / search", t.width))
	}
	return t.table.view() + "\n" + last
}

func (t *timelineView) statusLine() string {
	if t.c == nil {
		return ""
	}
	total := len(t.c.Timeline)
	pos := 0
	if len(t.rows) > 0 {
		pos = t.table.cursor + 1
	}
	s := fmt.Sprintf("event %s of %s", commas(pos), commas(len(t.rows)))
	if len(t.rows) != total {
		s += fmt.Sprintf(" (filtered from %s)", commas(total))
	}
	s += " · " + t.whose
	return s + " · enter opens the record"
}

func (t *timelineView) keys() help.KeyMap {
	km := &t.ui.km
	if t.picker != nil {
		pick := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply"))
		return bindings{short: []key.Binding{km.Up, km.Down, pick, km.Cancel}, full: [][]key.Binding{{km.Up, km.Down, pick, km.Cancel}}}
	}
	if t.input.Focused() {
		return fieldKeys("search")
	}
	open := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open record"))
	filters := []key.Binding{km.Errors, km.Writes, km.ByIP, km.ByService, km.ByRegion, km.BySession, km.Search, km.ClearFilters}
	return bindings{
		short: []key.Binding{open, km.Errors, km.Writes, km.ByIP, km.Search, km.Copy},
		full:  [][]key.Binding{append([]key.Binding{open}, km.nav()...), filters},
	}
}

// picker chooses one value of a dimension for a timeline filter.
type picker struct {
	ui     *ui
	what   string
	target *string
	vals   []string
	list   textList
}

func newPicker(u *ui, what string, into *string, vals []string, counts map[string]int, cur string) *picker {
	p := &picker{ui: u, what: what, target: into, vals: vals, list: textList{st: &u.st}}
	lines := []textLine{{text: "  (all: no " + what + " filter)", ref: 0}}
	sel := 0
	for i, v := range vals {
		name := v
		if name == "" {
			name = "(none)"
		}
		lines = append(lines, textLine{text: "  " + fit(commas(counts[v]), 9, true) + "  " + clean(name), ref: i + 1})
		if v == cur && cur != "" {
			sel = i + 1
		}
	}
	p.list.setLines(lines)
	p.list.cursor = sel
	return p
}

func (p *picker) setSize(w, h int) { p.list.setSize(w, h-2) }

func (p *picker) value() (string, bool) {
	r := p.list.selected()
	switch {
	case r < 0:
		return "", false
	case r == 0:
		return "", true
	}
	return p.vals[r-1], true
}

func (p *picker) view() string {
	st := &p.ui.st
	return truncate(st.title.Render("filter the timeline by one "+p.what)+st.dim.Render(" · enter applies, esc cancels"), p.list.width) + "\n" +
		st.colHeader.Render(fit("     EVENTS  VALUE", p.list.width, false)) + "\n" + p.list.view()
}

// selectTime selects the first row at or after t (the timeline is in time order); when
// none is, the last row, and it reports false.
func (t *timelineView) selectTime(at time.Time) bool {
	if t.c == nil || len(t.rows) == 0 {
		return false
	}
	tl := t.c.Timeline
	r, _ := slices.BinarySearchFunc(t.rows, at, func(i int32, at time.Time) int { return tl[i].Time.Compare(at) })
	t.touched = true
	if r >= len(t.rows) {
		t.table.set(len(t.rows) - 1)
		return false
	}
	t.table.set(r)
	t.table.offset = r // the row found heads the page: what follows it is in sight
	t.table.clamp()
	return true
}

// clearFilters lifts every filter.
func (t *timelineView) clearFilters() {
	for t.clearOne() {
	}
}

// show takes a snapshot of the case (the timeline fits its width by itself).
func (t *timelineView) show(c *investigate.Case, _ int) { t.setCase(c) }

func (t *timelineView) enterHelp() string  { return "record" }
func (t *timelineView) statusTail() string { return "" }
