package tui

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/investigate"
)

// Navigation actions shared by tables, lists and pagers.
const (
	actUp       = "up"
	actDown     = "down"
	actPageUp   = "pgup"
	actPageDown = "pgdown"
	actHalfUp   = "halfup"
	actHalfDown = "halfdown"
	actTop      = "top"
	actBottom   = "bottom"
)

// keyMap holds every binding of the workbench. Screens pick the ones that apply to
// them for `?` and the footer (help.KeyMap), so the help always matches what works.
type keyMap struct {
	Up, Down, PageUp, PageDown, HalfUp, HalfDown, Top, Bottom key.Binding

	Help, Quit, Back, Enter, Copy, CopyKey, Export, Command, Wrap, RelTime key.Binding

	// Keys screen.
	Filter, Sort, SortReverse, FirstSeen, Reload key.Binding

	// Workbench.
	NextTab, PrevTab, Tab1, Tab2, Tab3, Tab4, Tab5, Tab6, Tab7, Remediate, Watch, FirstAlert, JumpTime, Kibana key.Binding

	// Timeline filters.
	Errors, Writes, ByIP, ByService, ByRegion, BySession, Search, ClearFilters key.Binding

	// Event detail.
	NextEvent, PrevEvent, CopyLink key.Binding

	// Pickers and prompts.
	Cancel, Markdown, JSON key.Binding
}

func defaultKeyMap() keyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		PageUp:   b("pgup/b", "page up", "pgup", "b"),
		PageDown: b("pgdn/space", "page down", "pgdown", "space"),
		HalfUp:   b("ctrl+u", "half page up", "ctrl+u"),
		HalfDown: b("ctrl+d", "half page down", "ctrl+d"),
		Top:      b("g/home", "first", "g", "home"),
		Bottom:   b("G/end", "last", "G", "end"),

		Help:    b("?", "help", "?"),
		Quit:    b("q", "quit", "q", "ctrl+c"),
		Back:    b("esc", "back", "esc"),
		Enter:   b("enter", "open", "enter"),
		Copy:    b("y", "copy (OSC 52)", "y"),
		CopyKey: b("Y", "copy key id", "Y"),
		Export:  b("e", "export case", "e"),
		Command: b(":", "command (key, tab, time…)", ":"),
		Wrap:    b("z", "wrap: show cut cells whole", "z"),
		RelTime: b("T", "relative/absolute times", "T"),

		Filter:      b("/", "filter", "/"),
		Sort:        b("s/1-9", "sort by column", "s"),
		SortReverse: b("S", "reverse sort", "S"),
		FirstSeen:   b("f", "first-seen-only keys", "f"),
		Reload:      b("ctrl+r", "reload", "ctrl+r"),

		NextTab:    b("tab/l/→", "next tab", "tab", "l", "right"),
		PrevTab:    b("shift+tab/h/←", "previous tab", "shift+tab", "h", "left"),
		Tab1:       b("1", "overview", "1"),
		Tab2:       b("2", "alerts", "2"),
		Tab3:       b("3", "timeline", "3"),
		Tab4:       b("4", "sessions", "4"),
		Tab5:       b("5", "follow-ups", "5"),
		Tab6:       b("6", "network", "6"),
		Tab7:       b("7", "artifacts", "7"),
		Remediate:  b("a", "remediate (plan)", "a"),
		Watch:      b("W", "watch for use after containment", "W"),
		FirstAlert: b("A", "timeline at the first alert", "A"),
		Kibana:     b("K", "Kibana: ack/close/reopen alerts, case", "K"),
		JumpTime:   b("t", "timeline at a time…", "t"),

		Errors:       b("x", "errors only", "x"),
		Writes:       b("w", "writes only", "w"),
		ByIP:         b("i", "one source IP", "i"),
		ByService:    b("v", "one service", "v"),
		ByRegion:     b("r", "one region", "r"),
		BySession:    b("n", "one session/signer", "n"),
		Search:       b("/", "search", "/"),
		ClearFilters: b("c", "clear filters", "c"),

		NextEvent: b("]", "next event", "]"),
		PrevEvent: b("[", "previous event", "["),
		CopyLink:  b("L", "copy console/Kibana link", "L"),

		Cancel:   b("esc", "cancel", "esc"),
		Markdown: b("m", "Markdown", "m"),
		JSON:     b("j", "JSON", "j"),
	}
}

// navAction maps a key press to a navigation action ("" when it is none).
func (k *keyMap) navAction(msg tea.KeyPressMsg) string {
	for _, n := range [...]struct {
		binding *key.Binding
		act     string
	}{
		{&k.Up, actUp}, {&k.Down, actDown}, {&k.PageUp, actPageUp}, {&k.PageDown, actPageDown},
		{&k.HalfUp, actHalfUp}, {&k.HalfDown, actHalfDown}, {&k.Top, actTop}, {&k.Bottom, actBottom},
	} {
		if key.Matches(msg, *n.binding) {
			return n.act
		}
	}
	return ""
}

// navigate applies a navigation key to v; it reports whether msg was one.
func (k *keyMap) navigate(msg tea.KeyPressMsg, v navigable) bool {
	act := k.navAction(msg)
	if act == "" {
		return false
	}
	v.nav(act)
	return true
}

// helpGroup is a binding that only names keys in the full help: keys are shown as
// they are written ("tab l →") and no key press matches it.
func helpGroup(keys, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
}

// nav is the navigation bindings as the full help lists them: four lines, not eight.
func (k *keyMap) nav() []key.Binding {
	return []key.Binding{
		helpGroup("↑↓ k j", "move"),
		helpGroup("pgup pgdn b space", "page up/down"),
		helpGroup("ctrl+u ctrl+d", "half page up/down"),
		helpGroup("g G home end", "first/last"),
	}
}

// tabs is the tab bindings as the full help lists them.
func (k *keyMap) tabs() []key.Binding {
	return []key.Binding{helpGroup("tab l →", "next tab"), helpGroup("shift+tab h ←", "previous tab"), helpGroup("1-7", "overview … artifacts")}
}

// fieldKeys is the help of a focused text field: enter keeps what was typed, esc
// clears it ("keep filter", "clear filter").
func fieldKeys(what string) bindings {
	done := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep "+what))
	clear := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear "+what))
	return bindings{short: []key.Binding{done, clear}, full: [][]key.Binding{{done, clear}}}
}

// bindings is a help.KeyMap built from a short list and full groups.
type bindings struct {
	short []key.Binding
	full  [][]key.Binding
}

func (b bindings) ShortHelp() []key.Binding  { return b.short }
func (b bindings) FullHelp() [][]key.Binding { return b.full }

func itoa(n int) string { return strconv.Itoa(n) }

// plural is "1 key", "2 keys", "1,234 events", "2 launches": the domain's wording.
func plural(n int, word string) string { return investigate.Plural(n, word) }
