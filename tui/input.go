package tui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
)

// lineInput is a one-line text field: printable keys and pastes append, backspace,
// ctrl+w and ctrl+u delete. Control characters in a paste are dropped, so what the
// analyst types is what the field holds. (bubbles' textinput would pull a clipboard
// module this repository does not carry.)
type lineInput struct {
	prompt  string
	value   []rune
	focused bool
	width   int
	limit   int
	st      *styles
}

func newInput(prompt string, st *styles) lineInput {
	return lineInput{prompt: prompt, st: st, limit: 256}
}

func (in *lineInput) Value() string     { return string(in.value) }
func (in *lineInput) SetValue(s string) { in.value = []rune(s) }
func (in *lineInput) Reset()            { in.value = in.value[:0] }
func (in *lineInput) Blur()             { in.focused = false }
func (in *lineInput) SetWidth(w int)    { in.width = w }
func (in *lineInput) CursorEnd()        {}
func (in *lineInput) Focused() bool     { return in.focused }

func (in *lineInput) Focus() tea.Cmd {
	in.focused = true
	return nil
}

func (in *lineInput) insert(s string) {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			continue
		}
		if in.limit > 0 && len(in.value) >= in.limit {
			return
		}
		in.value = append(in.value, r)
	}
}

// fieldOutcome is what a message did to a focused field (edit).
type fieldOutcome int

const (
	fieldEdited  fieldOutcome = iota // typed or pasted into: the value may have changed
	fieldKept                        // enter: the field lost the focus and keeps its value
	fieldCleared                     // esc: the field lost the focus and was emptied
)

// edit gives msg to the focused field the way the filter and search fields take it:
// enter keeps the value and leaves the field, esc empties it and leaves, anything else
// edits it.
func (in *lineInput) edit(msg tea.Msg) fieldOutcome {
	if m, ok := msg.(tea.KeyPressMsg); ok {
		switch m.String() {
		case "enter":
			in.Blur()
			return fieldKept
		case "esc":
			in.Blur()
			in.Reset()
			return fieldCleared
		}
	}
	in.Update(msg)
	return fieldEdited
}

// Update handles a key press or a paste; it returns no command.
func (in *lineInput) Update(msg tea.Msg) (lineInput, tea.Cmd) {
	if !in.focused {
		return *in, nil
	}
	switch m := msg.(type) {
	case tea.PasteMsg:
		in.insert(m.Content)
	case tea.KeyPressMsg:
		switch m.String() {
		case "backspace", "ctrl+h":
			if n := len(in.value); n > 0 {
				in.value = in.value[:n-1]
			}
		case "ctrl+u":
			in.value = in.value[:0]
		case "ctrl+w":
			s := strings.TrimRight(string(in.value), " ")
			if i := strings.LastIndexByte(s, ' '); i >= 0 {
				in.value = []rune(s[:i+1])
			} else {
				in.value = in.value[:0]
			}
		case "space":
			in.insert(" ")
		default:
			if m.Text != "" && m.Mod&^tea.ModShift == 0 {
				in.insert(m.Text)
			}
		}
	}
	return *in, nil
}

// View renders the prompt, the value (its tail when longer than the width) and a
// block cursor.
func (in *lineInput) View() string {
	v := clean(string(in.value))
	if in.width > 0 {
		for lipglossWidth(v) > in.width-len(in.prompt)-1 && v != "" {
			_, n := utf8.DecodeRuneInString(v)
			v = v[n:]
		}
	}
	cur := ""
	if in.focused {
		cur = in.st.selected.Render(" ")
	}
	return in.st.prompt.Render(in.prompt) + v + cur
}
