package report

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate/sanitize"
)

// cell sanitises an attacker-influenced value for a text cell. textOut cleans every line
// again as it writes it (Clean leaves clean text unchanged), so cell is for values whose
// width matters before then: a value cleaned first is padded and fitted by the width it
// will have on the screen.
func cell(s string) string { return sanitize.Clean(s) }

// textOut is where the text reports write, and the only way they write: every line it
// writes has passed through sanitize.Clean and is fitted to the width. No field, however
// it was formatted, reaches the screen with a control character in it, and no line runs
// past the width.
type textOut struct {
	b     strings.Builder
	width int
}

func (o *textOut) String() string { return o.b.String() }

// line writes s as one line: cleaned, then truncated to the width with an ellipsis.
func (o *textOut) line(s string) {
	o.b.WriteString(strings.TrimRight(fit(cell(s), o.width), " "))
	o.b.WriteByte('\n')
}

func (o *textOut) linef(format string, args ...any) { o.line(fmt.Sprintf(format, args...)) }

func (o *textOut) blank() { o.b.WriteByte('\n') }

// wrapped writes prefix and s word-wrapped to the width, continuation lines indented by
// indent columns. s is cleaned before it is wrapped, so a line feed or carriage return in
// a value is shown as an escape, never obeyed.
func (o *textOut) wrapped(prefix, s string, indent int) {
	o.lines(cell(prefix) + wrap(cell(s), o.width, indent))
}

// parts writes parts separated by two spaces, starting a new line (indented by indent)
// between parts rather than inside one, so an id stays whole and next to its label. Only
// a part longer than a line is broken, at its spaces.
func (o *textOut) parts(prefix string, indent int, parts ...string) {
	emit := func(l string) {
		if ansi.StringWidth(l) <= o.width {
			o.line(l)
			return
		}
		body := strings.TrimLeft(l, " ")
		o.wrapped(l[:len(l)-len(body)], body, indent)
	}
	line := cell(prefix)
	for i, p := range parts {
		p = cell(p)
		switch {
		case i == 0:
			line += p
		case ansi.StringWidth(line)+2+ansi.StringWidth(p) <= o.width:
			line += "  " + p
		default:
			emit(line)
			line = strings.Repeat(" ", indent) + p
		}
	}
	emit(line)
}

// lines writes s, which holds line feeds of the report's own (a wrapped value), one line
// at a time through line.
func (o *textOut) lines(s string) {
	for _, l := range strings.Split(s, "\n") {
		o.line(l)
	}
}

// heading writes a report's title, marked when the data is the demo's and when the
// search was not complete (mark), and its double underline.
func (o *textOut) heading(title string, demo bool, mark string) {
	if demo {
		title += "   [DEMO DATA]"
	}
	if mark != "" {
		title += "   [" + mark + "]"
	}
	o.line(title)
	o.line(strings.Repeat("=", min(o.width, ruleWidth)))
}

// section writes a section title, wrapped to the width, and its underline.
func (o *textOut) section(title string) {
	o.blank()
	t := cell(title)
	if ansi.StringWidth(t) > o.width {
		t = wrap(t, o.width, 2)
	}
	o.lines(t)
	first, _, _ := strings.Cut(t, "\n")
	o.line(strings.Repeat("-", min(ansi.StringWidth(first), o.width)))
}

// fit truncates s to width display columns with an ellipsis.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

func pad(s string, width int) string {
	s = fit(s, width)
	if w := ansi.StringWidth(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return s
}

// table renders rows in columns. widths gives each column's width; a width of 0 makes
// that column take the rest of the line (only one should). With no limit to the width
// (unlimited), every column but the last is as wide as its widest cell, if that is
// wider: no cell is cut.
type table struct {
	width  int
	indent int
	widths []int
	header []string
	rows   []tableRow
}

// tableRow is a row of cells, or a note: a line under the row before, wrapped across
// the table's width and indented by noteIndent more columns than the table.
type tableRow struct {
	cols       []string
	note       string
	noteIndent int
}

func (t *table) add(cols ...string) { t.rows = append(t.rows, tableRow{cols: cols}) }

func (t *table) addNote(indent int, s string) {
	t.rows = append(t.rows, tableRow{note: s, noteIndent: indent})
}

func (t *table) render(o *textOut) {
	widths := append([]int(nil), t.widths...)
	used := t.indent
	flex := -1
	for i, w := range widths {
		if w == 0 {
			flex = i
			continue
		}
		used += w + 2
	}
	if flex >= 0 {
		widths[flex] = max(t.width-used, 8)
	}
	if t.width >= unlimited {
		widths = t.widest(widths)
	}
	line := func(cols []string) {
		var parts []string
		for i, c := range cols {
			if i >= len(widths) {
				break
			}
			if i == len(cols)-1 {
				parts = append(parts, fit(cell(c), widths[i]))
			} else {
				parts = append(parts, pad(cell(c), widths[i]))
			}
		}
		o.line(strings.Repeat(" ", t.indent) + strings.Join(parts, "  "))
	}
	if t.header != nil {
		line(t.header)
	}
	for _, r := range t.rows {
		if r.cols == nil {
			ind := t.indent + r.noteIndent
			o.wrapped(strings.Repeat(" ", ind), r.note, ind)
			continue
		}
		line(r.cols)
	}
}

// widest widens each column but the last to its widest cell (the header's included);
// the last column is never padded, so its width is left as it is.
func (t *table) widest(given []int) []int {
	widths := append([]int(nil), given...)
	if len(widths) == 0 {
		return widths
	}
	for i := range widths[:len(widths)-1] {
		if t.widths[i] == 0 {
			widths[i] = t.widths[i] // a flex column not last: no wider than its cells
		}
	}
	grow := func(cols []string) {
		for i, c := range cols {
			if i < len(widths)-1 {
				widths[i] = max(widths[i], ansi.StringWidth(cell(c)))
			}
		}
	}
	grow(t.header)
	for _, r := range t.rows {
		grow(r.cols)
	}
	return widths
}
