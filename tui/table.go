package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate/sanitize"
)

// clean makes an attacker-controlled string inert: every control, bidi and zero-width
// character becomes a visible escape. It allocates nothing for clean text, so tables
// call it on every cell they draw.
func clean(s string) string { return sanitize.Clean(s) }

// width is the number of cells s takes: len(s) for printable ASCII (the common case,
// checked byte by byte, far cheaper than grapheme segmentation), else ansi's measure.
func width(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// fit truncates s (already clean) to w cells with an ellipsis and pads it to w.
func fit(s string, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	sw := width(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		pad := strings.Repeat(" ", w-sw)
		if right {
			return pad + s
		}
		return s + pad
	}
	return s
}

// middle shortens an identifier (clean, unstyled) to w cells by cutting its middle:
// both ends, which tell identifiers apart, stay.
func middle(s string, w int) string {
	sw := width(s)
	if sw <= w || w < 5 {
		return s
	}
	head := (w - 1) / 2
	tail := w - 1 - head
	return ansi.Cut(s, 0, head) + "…" + ansi.Cut(s, sw-tail, sw)
}

// truncate cuts a possibly styled line to w cells.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// scroller is a cursor over n rows shown in a window of h rows.
type scroller struct {
	n, cursor, offset, h int
}

func (s *scroller) setLen(n int) {
	s.n = n
	s.clamp()
}

func (s *scroller) setHeight(h int) {
	s.h = max(h, 1)
	s.clamp()
}

func (s *scroller) clamp() {
	if s.cursor >= s.n {
		s.cursor = s.n - 1
	}
	if s.cursor < 0 {
		s.cursor = 0
	}
	if s.offset > s.cursor {
		s.offset = s.cursor
	}
	if s.h > 0 && s.cursor >= s.offset+s.h {
		s.offset = s.cursor - s.h + 1
	}
	if maxOff := s.n - s.h; s.offset > maxOff {
		s.offset = max(maxOff, 0)
	}
	if s.offset < 0 {
		s.offset = 0
	}
}

func (s *scroller) move(d int) { s.cursor += d; s.clamp() }
func (s *scroller) top()       { s.cursor = 0; s.clamp() }
func (s *scroller) bottom()    { s.cursor = s.n - 1; s.clamp() }
func (s *scroller) set(i int)  { s.cursor = i; s.clamp() }

// navigable is what a navigation action moves: a table, a list, a tab, a screen.
type navigable interface {
	// nav applies a navigation action; it reports whether act was one.
	nav(act string) bool
}

// navStep is what a navigation action does in a view page rows high: it moves step
// rows (one, a page or half of one; up when negative), or, for top and bottom, jumps
// to the first (end < 0) or the last (end > 0). ok is false when act is none.
func navStep(act string, page int) (step, end int, ok bool) {
	half := max(page/2, 1)
	switch act {
	case actUp:
		return -1, 0, true
	case actDown:
		return 1, 0, true
	case actPageUp:
		return -page, 0, true
	case actPageDown:
		return page, 0, true
	case actHalfUp:
		return -half, 0, true
	case actHalfDown:
		return half, 0, true
	case actTop:
		return 0, -1, true
	case actBottom:
		return 0, 1, true
	}
	return 0, 0, false
}

func (s *scroller) nav(act string) bool {
	step, end, ok := navStep(act, s.h)
	switch {
	case !ok:
		return false
	case end < 0:
		s.top()
	case end > 0:
		s.bottom()
	default:
		s.move(step)
	}
	return true
}

// column is one column of a table. A column with flex > 0 takes a share of the width
// the fixed columns leave (want is the width it would like); prio > 0 columns are
// dropped, highest prio first, when the terminal is too narrow. An ident column holds
// an identifier (an alert id, a key id): it shortens in the middle, down to min, before
// a name loses room or a column is dropped, and before a decisive column goes.
type column struct {
	title string
	width int
	flex  int
	min   int
	want  int
	right bool
	prio  int
	ident bool
}

// narrowest is the least a kept column takes.
func (c column) narrowest() int {
	switch {
	case c.flex > 0:
		return max(c.min, 4)
	case c.ident && c.min > 0:
		return c.min
	}
	return c.width
}

// table is a virtualised table: it asks for the cells of the visible rows only, so its
// cost per frame does not depend on the number of rows.
type table struct {
	st      *styles
	cols    []column
	visible []int // indices into cols that fit
	widths  []int
	scroller
	width int
	// cell returns the raw text of a cell; the table sanitises it.
	cell func(row, col int) string
	// cellStyle, when set, styles a cell of a row that is not selected.
	cellStyle func(row, col int) *lipgloss.Style
	// sortCol is the column the rows are sorted by (-1: none); sortDesc its direction.
	sortCol  int
	sortDesc bool
	empty    string
	focused  bool
	// overflow is set when even the kept columns do not fit: rows are then cut.
	overflow bool
	// wrap, when it points at true, keeps the last previewLines rows of the table for
	// the selected row's cells that are cut or dropped, whole (the wrap toggle).
	wrap       *bool
	previewing bool
	// paints caches each cell style as the sequences before and after the text, so
	// drawing a styled cell is a concatenation, not a lipgloss render.
	paints map[*lipgloss.Style][2]string
}

// paint styles one line of text (no newline, no padding in the style).
func (t *table) paint(st *lipgloss.Style, s string) string {
	p, ok := t.paints[st]
	if !ok {
		out := st.Render("X")
		i := strings.IndexByte(out, 'X')
		p = [2]string{out[:i], out[i+1:]}
		if t.paints == nil {
			t.paints = map[*lipgloss.Style][2]string{}
		}
		t.paints[st] = p
	}
	return p[0] + s + p[1]
}

func newTable(st *styles, cols []column) *table {
	return &table{st: st, cols: cols, sortCol: -1, focused: true}
}

// previewLines is the room the wrap toggle's preview takes under the rows.
const previewLines = 3

func (t *table) wrapping() bool { return t.wrap != nil && *t.wrap }

// setSize sets the table's width and height (the header row included).
func (t *table) setSize(w, h int) {
	t.width = w
	t.previewing = t.wrapping() && h-1-previewLines >= 2
	if t.previewing {
		h -= previewLines
	}
	t.setHeight(h - 1)
	t.layout()
}

// preview is the selected row's cells that the layout cut or dropped, whole, wrapped
// onto previewLines lines: with the wrap toggle on, nothing of a row is out of sight.
func (t *table) preview() []string {
	var parts []string
	if t.n > 0 {
		shown := map[int]bool{}
		for _, i := range t.visible {
			shown[i] = true
		}
		for i, c := range t.cols {
			v := clean(t.cell(t.cursor, i))
			if v == "" || (shown[i] && width(v) <= t.widths[i]) {
				continue
			}
			parts = append(parts, c.title+": "+v)
		}
	}
	switch {
	case t.n == 0:
		parts = []string{"(no row)"}
	case len(parts) == 0:
		parts = []string{"(the selected row is shown whole)"}
	}
	lines := wrapText(strings.Join(parts, " · "), max(t.width-2, 10))
	if len(lines) > previewLines {
		lines = lines[:previewLines]
		lines[previewLines-1] = truncate(lines[previewLines-1]+" …", t.width-2)
	}
	for len(lines) < previewLines {
		lines = append(lines, "")
	}
	for i := range lines {
		lines[i] = "  " + t.st.dim.Render(lines[i])
	}
	return lines
}

func (t *table) layout() {
	t.paints = nil       // styles may have changed (light or dark background)
	avail := t.width - 2 // cursor marker
	keep := make([]bool, len(t.cols))
	for i := range keep {
		keep[i] = true
	}
	need := func() int {
		n, k := 0, 0
		for i, c := range t.cols {
			if !keep[i] {
				continue
			}
			k++
			n += c.narrowest()
		}
		return n + max(k-1, 0)
	}
	for need() > avail {
		drop, best := -1, 0
		for i, c := range t.cols {
			if keep[i] && c.prio > best {
				drop, best = i, c.prio
			}
		}
		if drop < 0 {
			break
		}
		keep[drop] = false
	}
	t.visible = t.visible[:0]
	fixed, flex := 0, 0
	for i, c := range t.cols {
		if !keep[i] {
			continue
		}
		t.visible = append(t.visible, i)
		if c.flex > 0 {
			flex += c.flex
		} else {
			fixed += c.width
		}
	}
	rest := avail - fixed - max(len(t.visible)-1, 0)
	t.widths = make([]int, len(t.cols))
	// Each flex column gets its minimum, then a share of what is left.
	mins, wants := 0, 0
	for _, i := range t.visible {
		if c := t.cols[i]; c.flex > 0 {
			mins += c.min
			wants += max(c.want, c.min)
		} else {
			t.widths[i] = c.width
		}
	}
	// Identifiers give up room (down to their minimum) before the names do, and
	// before the row overflows.
	for deficit := max(wants-rest, 0); deficit > 0; {
		shrunk := false
		for _, i := range t.visible {
			c := t.cols[i]
			if !c.ident || c.flex > 0 || t.widths[i] <= c.min || deficit == 0 {
				continue
			}
			t.widths[i]--
			rest++
			deficit--
			shrunk = true
		}
		if !shrunk {
			break
		}
	}
	extra := max(rest-mins, 0)
	// The room left goes first to the flex columns short of what they want, left to
	// right (a rule's name before the reason it counts), then by their shares.
	toWant := make([]int, len(t.cols))
	for _, i := range t.visible {
		if c := t.cols[i]; c.flex > 0 && c.want > c.min {
			toWant[i] = min(c.want-c.min, extra)
			extra -= toWant[i]
		}
	}
	given, lastFlex := 0, -1
	for _, i := range t.visible {
		c := t.cols[i]
		if c.flex == 0 {
			continue
		}
		w := c.min + toWant[i]
		if flex > 0 {
			w += extra * c.flex / flex
		}
		if rest < mins { // too narrow even for the minimums: share what there is
			w = max(rest*c.flex/max(flex, 1), 1)
		}
		t.widths[i] = w
		given += w
		lastFlex = i
	}
	if lastFlex >= 0 && rest > given {
		t.widths[lastFlex] += rest - given
	}
	total := 2 + max(len(t.visible)-1, 0)
	for _, i := range t.visible {
		total += t.widths[i]
	}
	t.overflow = total > t.width
}

func (t *table) header() string {
	var b strings.Builder
	b.WriteString("  ")
	for k, i := range t.visible {
		if k > 0 {
			b.WriteByte(' ')
		}
		title := t.cols[i].title
		if i == t.sortCol {
			mark := "▲"
			if t.sortDesc {
				mark = "▼"
			}
			w := t.widths[i]
			if ansi.StringWidth(title)+1 > w {
				title = ansi.Truncate(title, max(w-1, 0), "")
			}
			title += mark
		}
		b.WriteString(fit(title, t.widths[i], t.cols[i].right))
	}
	return t.st.colHeader.Render(fit(b.String(), t.width, false))
}

func (t *table) row(r int) string {
	sel := r == t.cursor && t.focused
	var b strings.Builder
	if sel {
		b.WriteString("▸ ")
	} else {
		b.WriteString("  ")
	}
	for k, i := range t.visible {
		if k > 0 {
			b.WriteByte(' ')
		}
		cell := clean(t.cell(r, i))
		if t.cols[i].ident && width(cell) > t.widths[i] {
			cell = middle(cell, t.widths[i])
		}
		txt := fit(cell, t.widths[i], t.cols[i].right)
		if !sel && t.cellStyle != nil {
			if st := t.cellStyle(r, i); st != nil {
				txt = t.paint(st, txt)
			}
		}
		b.WriteString(txt)
	}
	line := b.String()
	if sel {
		return t.st.selected.Render(fit(ansi.Strip(line), t.width, false))
	}
	if t.overflow {
		return truncate(line, t.width)
	}
	return line // the layout keeps every cell within the table's width
}

// view renders the header and the visible rows, padded to the table's height.
func (t *table) view() string {
	var b strings.Builder
	b.WriteString(t.header())
	shown := 0
	if t.n == 0 && t.empty != "" {
		b.WriteString("\n  " + t.st.dim.Render(truncate(t.empty, t.width-2)))
		shown = 1
	}
	for r := t.offset; r < t.n && r < t.offset+t.h; r++ {
		b.WriteByte('\n')
		b.WriteString(t.row(r))
		shown++
	}
	for ; shown < t.h; shown++ {
		b.WriteByte('\n')
	}
	if t.previewing {
		for _, l := range t.preview() {
			b.WriteString("\n" + l)
		}
	}
	return b.String()
}

// textLine is one line of a text list: rendered text and, when the line can be
// selected, a reference the owner understands (-1 otherwise).
type textLine struct {
	text string
	ref  int
}

// textList shows prebuilt lines. With selectable lines the cursor moves among them;
// without, it scrolls like a pager.
type textList struct {
	st     *styles
	lines  []textLine
	cursor int // index into lines (selectable mode)
	offset int
	width  int
	height int
}

func (l *textList) selectable() bool {
	for _, ln := range l.lines {
		if ln.ref >= 0 {
			return true
		}
	}
	return false
}

func (l *textList) setLines(lines []textLine) {
	var keepRef = -1
	if l.cursor < len(l.lines) && l.cursor >= 0 {
		keepRef = l.lines[l.cursor].ref
	}
	l.lines = lines
	if keepRef >= 0 {
		for i, ln := range lines {
			if ln.ref == keepRef {
				l.cursor = i
				break
			}
		}
	}
	if l.selectable() && (l.cursor >= len(lines) || lines[l.cursor].ref < 0) {
		l.cursor = l.next(-1, 1)
	}
	l.clamp()
}

func (l *textList) next(from, dir int) int {
	for i := from + dir; i >= 0 && i < len(l.lines); i += dir {
		if l.lines[i].ref >= 0 {
			return i
		}
	}
	if from < 0 || from >= len(l.lines) {
		return 0
	}
	return from
}

func (l *textList) clamp() {
	maxOff := max(len(l.lines)-l.height, 0)
	if l.selectable() {
		if l.cursor < l.offset {
			l.offset = l.cursor
		}
		if l.cursor >= l.offset+l.height {
			l.offset = l.cursor - l.height + 1
		}
	}
	l.offset = min(max(l.offset, 0), maxOff)
}

// selected returns the ref of the selected line, or -1.
func (l *textList) selected() int {
	if !l.selectable() || l.cursor >= len(l.lines) {
		return -1
	}
	return l.lines[l.cursor].ref
}

// nav scrolls a list without selectable lines like a pager; with them, it moves the
// cursor from one selectable line to the next.
func (l *textList) nav(act string) bool {
	step, end, ok := navStep(act, l.height)
	if !ok {
		return false
	}
	if !l.selectable() {
		switch {
		case end < 0:
			l.offset = 0
		case end > 0:
			l.offset = len(l.lines)
		default:
			l.offset += step
		}
		l.clamp()
		return true
	}
	switch {
	case end < 0:
		l.cursor = l.next(-1, 1)
		l.offset = 0
	case end > 0:
		l.cursor = l.next(len(l.lines), -1)
	default:
		dir := 1
		if step < 0 {
			dir, step = -1, -step
		}
		for range step {
			l.cursor = l.next(l.cursor, dir)
		}
	}
	l.clamp()
	return true
}

func (l *textList) setSize(w, h int) {
	l.width, l.height = w, max(h, 1)
	l.clamp()
}

func (l *textList) view() string {
	var b strings.Builder
	sel := l.selectable()
	for i := 0; i < l.height; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		k := l.offset + i
		if k >= len(l.lines) {
			continue
		}
		ln := l.lines[k]
		if sel && k == l.cursor {
			b.WriteString(l.st.selected.Render(fit("▸"+strings.TrimPrefix(ansi.Strip(ln.text), " "), l.width, false)))
			continue
		}
		b.WriteString(truncate(ln.text, l.width))
	}
	return b.String()
}

// scrollInfo says where a pager is: "lines 1-20 of 240".
func (l *textList) scrollInfo() string {
	if len(l.lines) <= l.height {
		return ""
	}
	end := min(l.offset+l.height, len(l.lines))
	return "lines " + itoa(l.offset+1) + "-" + itoa(end) + " of " + itoa(len(l.lines))
}
