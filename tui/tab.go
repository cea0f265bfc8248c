package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/investigate"
)

// tab is one tab of a key's workbench, each in a file of its own: it takes the room it
// is given, shows the case (show is called with every snapshot and after the case state
// changes), moves on navigation actions and clicks, takes the keys the workbench does
// not (enter, the timeline's filters), and says what enter does there for the help.
type tab interface {
	navigable
	clickable
	setSize(w, h int)
	view() string
	show(c *investigate.Case, width int)
	update(msg tea.Msg) tea.Cmd
	// enterHelp is what enter does on the tab ("" when nothing).
	enterHelp() string
	// statusTail is what the tab adds to the status line ("" for nothing).
	statusTail() string
}

// targetTab is a text tab whose selectable lines lead somewhere (Follow-ups, Network,
// Artifacts): enter follows the selected line.
type targetTab struct {
	targetList
	st    *styles
	wb    *workbench
	lines func(st *styles, c *investigate.Case, width int) ([]textLine, []target)
	help  string
}

func newTargetTab(w *workbench, help string, lines func(*styles, *investigate.Case, int) ([]textLine, []target)) *targetTab {
	return &targetTab{targetList: targetList{list: textList{st: &w.ui.st}}, st: &w.ui.st, wb: w, lines: lines, help: help}
}

func (t *targetTab) show(c *investigate.Case, width int) { t.set(t.lines(t.st, c, width)) }

func (t *targetTab) update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(tea.KeyPressMsg); ok && m.String() == "enter" {
		return t.wb.follow(t.selected())
	}
	return nil
}

func (t *targetTab) enterHelp() string  { return t.help }
func (t *targetTab) statusTail() string { return "enter follows" }
