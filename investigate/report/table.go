package report

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate/sanitize"
)

// cell sanitises an attacker-influenced value for a text cell.
func cell(s string) string { return sanitize.Clean(s) }

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

// wrap word-wraps s at spaces to width, indenting continuation lines by indent spaces.
// Unlike ansi.Wrap it never breaks at hyphens, so ids, dates and ARNs stay whole unless
// they are longer than a line.
func wrap(s string, width, indent int) string {
	limit := width - indent
	if limit < 20 {
		return s
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		for ansi.StringWidth(word) > limit {
			if line != "" {
				lines = append(lines, line)
				line = ""
			}
			lines = append(lines, ansi.Truncate(word, limit, ""))
			word = ansi.TruncateLeft(word, limit, "")
		}
		switch {
		case line == "":
			line = word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= limit:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"+strings.Repeat(" ", indent))
}

// table renders rows in columns. widths gives each column's width; a width of 0 makes
// that column take the rest of the line (only one should).
type table struct {
	width  int
	indent int
	widths []int
	header []string
	rows   [][]string
}

func (t *table) add(cols ...string) { t.rows = append(t.rows, cols) }

func (t *table) render(b *strings.Builder) {
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
	line := func(cols []string) {
		b.WriteString(strings.Repeat(" ", t.indent))
		var parts []string
		for i, c := range cols {
			if i >= len(widths) {
				break
			}
			if i == len(cols)-1 {
				parts = append(parts, fit(c, widths[i]))
			} else {
				parts = append(parts, pad(c, widths[i]))
			}
		}
		b.WriteString(strings.TrimRight(strings.Join(parts, "  "), " "))
		b.WriteByte('\n')
	}
	if t.header != nil {
		line(t.header)
	}
	for _, r := range t.rows {
		if len(r) == 1 {
			// A continuation line spans the whole width (it may be pre-wrapped).
			for _, l := range strings.Split(r[0], "\n") {
				b.WriteString(strings.Repeat(" ", t.indent) + fit(l, t.width-t.indent) + "\n")
			}
			continue
		}
		line(r)
	}
}
