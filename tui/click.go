package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Mouse clicks (with --no-mouse they never come): a click on a tab opens it, a click on
// a row selects it, and a click on the row already selected opens it, as enter would.

// clickable is a pane that selects what is at line y of its own area; open reports
// whether the line was already selected (a second click opens it).
type clickable interface {
	clickAt(y int) (hit, again bool)
}

// clickAt selects the row at line y of the table (its header is line 0).
func (t *table) clickAt(y int) (hit, again bool) {
	r := t.offset + y - 1
	if y < 1 || y > t.h || r < 0 || r >= t.n {
		return false, false
	}
	again = r == t.cursor
	t.set(r)
	return true, again
}

// clickAt selects the line at y of a list with selectable lines.
func (l *textList) clickAt(y int) (hit, again bool) {
	i := l.offset + y
	if y < 0 || y >= l.height || i < 0 || i >= len(l.lines) || l.lines[i].ref < 0 {
		return false, false
	}
	again = i == l.cursor
	l.cursor = i
	l.clamp()
	return true, again
}

func (t *targetList) clickAt(y int) (hit, again bool) { return t.list.clickAt(y) }

func (t *alertsTab) clickAt(y int) (hit, again bool) { return t.table.clickAt(y) }

func (t *sessionsTab) clickAt(y int) (hit, again bool) {
	hit, again = t.table.clickAt(y)
	t.refreshDetail()
	return hit, again
}

func (t *timelineView) clickAt(y int) (hit, again bool) {
	if t.picker != nil {
		return t.picker.list.clickAt(y - 2) // under the picker's title and column header
	}
	t.touched = true
	return t.table.clickAt(y)
}

// Click opens a tab clicked in the tab bar, or selects (then opens) a row of the tab.
func (w *workbench) Click(x, y int) tea.Cmd {
	hh := w.headerHeight()
	switch {
	case y == hh:
		if t := w.tabAt(x); t >= 0 {
			w.setTab(t)
		}
		return nil
	case y > hh && w.c != nil:
		p, ok := w.panes()[w.tab].(clickable)
		if !ok {
			return nil
		}
		if hit, again := p.clickAt(y - hh - 1); hit && again {
			return w.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
		}
	}
	return nil
}

// tabAt is the tab whose label is at column x of the tab bar (-1 if none).
func (w *workbench) tabAt(x int) int {
	bar := ansi.Strip(w.tabBar())
	starts := make([]int, numTabs)
	for i := range numTabs {
		name := tabNames[i]
		at := strings.Index(bar, itoa(i+1)+" "+name[:min(len(name), 4)])
		if at < 0 {
			return -1
		}
		starts[i] = ansi.StringWidth(bar[:at])
	}
	for i := numTabs - 1; i >= 0; i-- {
		if x >= starts[i]-1 {
			return i
		}
	}
	return -1
}

// Click selects a key's row; a click on the selected row opens the key.
func (k *keysScreen) Click(x, y int) tea.Cmd {
	top := 2 + len(k.searchWarning()) // title, sources, warnings
	if hit, again := k.table.clickAt(y - top); hit && again {
		return k.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	}
	return nil
}

// Click on the plan selects an action (the list starts under the header and the
// plan's own lines).
func (r *remedyScreen) Click(x, y int) tea.Cmd {
	if r.inputActive() || r.stage == stageRunning {
		return nil
	}
	top := len(r.frame.headerLines(false)) + len(r.top(""))
	line := y - top + r.listOff
	if y < top || y-top >= r.listHeight() || line >= len(r.owners) || r.owners[line] < 0 {
		return nil
	}
	r.moveTo(r.owners[line])
	return nil
}
