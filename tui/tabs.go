package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate"
)

func lipglossWidth(s string) int { return ansi.StringWidth(s) }

// lineBuilder collects the lines of a text tab. Every value from the case passes
// through clean before it is styled.
type lineBuilder struct {
	st      *styles
	width   int
	lines   []textLine
	targets []target
}

// addTarget adds a selectable line that leads to a target.
func (b *lineBuilder) addTarget(s string, kind int, value string) {
	b.targets = append(b.targets, target{kind: kind, value: value})
	b.addRef(s, len(b.targets)-1)
}

func (b *lineBuilder) add(s string)           { b.lines = append(b.lines, textLine{text: s, ref: -1}) }
func (b *lineBuilder) addRef(s string, r int) { b.lines = append(b.lines, textLine{text: s, ref: r}) }
func (b *lineBuilder) blank()                 { b.add("") }
func (b *lineBuilder) section(s string) {
	if len(b.lines) > 0 {
		b.blank()
	}
	b.add(b.st.section.Render(s))
}

// kv adds "  label   value" with the value wrapped under itself.
func (b *lineBuilder) kv(label, value string) {
	const lw = 14
	pad := "  " + fit(label, lw, false) + " "
	for i, l := range wrapText(value, max(b.width-len(pad), 20)) {
		if i == 0 {
			b.add(b.st.dim.Render(pad) + l)
		} else {
			b.add(strings.Repeat(" ", len(pad)) + l)
		}
	}
}

// none adds a wrapped "  text": a negative, which says what was searched.
func (b *lineBuilder) none(s string) {
	for _, l := range wrapText(clean(s), max(b.width-2, 20)) {
		b.add("  " + l)
	}
}

// bullet adds a wrapped "  • text".
func (b *lineBuilder) bullet(s string, style *lipgloss.Style) {
	for i, l := range wrapText(s, max(b.width-4, 20)) {
		if style != nil {
			l = style.Render(l)
		}
		if i == 0 {
			b.add("  • " + l)
		} else {
			b.add("    " + l)
		}
	}
}

// wrapText wraps clean text to w cells at spaces, splitting words longer than a line.
func wrapText(s string, w int) []string {
	if w <= 0 || ansi.StringWidth(s) <= w {
		return []string{s}
	}
	var out []string
	line, lw := "", 0
	flush := func() {
		out = append(out, line)
		line, lw = "", 0
	}
	for _, word := range strings.Split(s, " ") {
		ww := ansi.StringWidth(word)
		if lw > 0 && lw+1+ww > w {
			flush()
		}
		for ww > w {
			if lw > 0 {
				flush()
			}
			head := ansi.Cut(word, 0, w)
			out = append(out, head)
			word = ansi.Cut(word, w, ww)
			ww = ansi.StringWidth(word)
		}
		if lw > 0 {
			line += " "
			lw++
		}
		line += word
		lw += ww
	}
	if lw > 0 || len(out) == 0 {
		flush()
	}
	return out
}

func commas(n int) string { return investigate.Thousands(n) }

// Target kinds: what Enter does on a line of the Follow-ups, Network and Artifacts tabs.
const (
	targetEvent = iota
	targetIP
	targetAgent
	targetSigner
)

type target struct {
	kind  int
	value string
}

// targetList is a text list whose selectable lines lead somewhere.
type targetList struct {
	list    textList
	targets []target
}

func (t *targetList) setSize(w, h int)    { t.list.setSize(w, h) }
func (t *targetList) nav(act string) bool { return t.list.nav(act) }
func (t *targetList) view() string        { return t.list.view() }

func (t *targetList) set(lines []textLine, targets []target) {
	t.targets = targets
	t.list.setLines(lines)
}

func (t *targetList) selected() *target {
	if r := t.list.selected(); r >= 0 && r < len(t.targets) {
		return &t.targets[r]
	}
	return nil
}
