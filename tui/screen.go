package tui

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/investigate"
)

// screen is the one contract every screen of the workbench follows (after clawscli/claws'
// View and soft-serve's Component). The App holds a stack of them: the keys list at the
// bottom, a key's workbench on it, and the record, plan and watch screens over that.
//
//   - Update takes every message: the keys and the mouse when the screen is on top, and
//     the results of background work whatever its place in the stack (each screen knows
//     its own by their generation and drops the rest).
//   - View renders exactly the size SetSize gave (the footer is the App's).
//   - Keys are the bindings that work there, which `?` and the footer show.
//   - Status is the footer's text when nothing else is said.
//   - Capturing reports whether a text field has the keyboard: q and the other letters
//     are then typed, not commands.
//   - Crumb is the screen's part of the breadcrumbs.
//
// A screen never calls the App: it navigates and speaks by messages (push, pop, status,
// openKey, acted), returned as commands.
type screen interface {
	Update(msg tea.Msg) tea.Cmd
	View() string
	SetSize(width, height int)
	Keys() help.KeyMap
	Status() string
	Capturing() bool
	Crumb() string
}

// starter is a screen with work to start once it is pushed (a case to build, a plan to
// set up, a watch's first poll).
type starter interface{ Start() tea.Cmd }

// closer is a screen with work to stop when it leaves the stack.
type closer interface{ Close() }

// clicker is a screen that takes mouse clicks, at a cell of its own area.
type clicker interface{ Click(x, y int) tea.Cmd }

// eventHolder is a screen with a selected CloudTrail record (y copies it).
type eventHolder interface{ selectedEvent() *investigate.Event }

// pushMsg puts a screen on top of the stack.
type pushMsg struct{ s screen }

// popMsg leaves the screen on top (never the keys list).
type popMsg struct{}

// statusMsg sets the footer's status; keep is the part that must stay readable on a
// narrow terminal (an export's path): the text before it is cut first.
type statusMsg struct {
	text string
	err  bool
	keep string
}

// openKeyMsg opens a key's workbench over the keys list, whatever is open.
type openKeyMsg struct{ key investigate.AccessKeyID }

// promptMsg opens the command prompt with text already typed ("time ").
type promptMsg struct{ text string }

// relayoutMsg asks the App to give every screen its size again: a header changed height.
type relayoutMsg struct{}

// actedMsg says that actions ran on a key: the case state holds their outcomes already,
// and every screen that shows the key reads it again.
type actedMsg struct{ key investigate.AccessKeyID }

func msgCmd(m tea.Msg) tea.Cmd { return func() tea.Msg { return m } }

func push(s screen) tea.Cmd { return msgCmd(pushMsg{s}) }

func pop() tea.Cmd { return msgCmd(popMsg{}) }

func status(text string, isErr bool) tea.Cmd { return msgCmd(statusMsg{text: text, err: isErr}) }
