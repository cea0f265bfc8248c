// Package tui is keypivot's interactive workbench: pick a correlated access key, work
// its case (overview, alerts, timeline, derived sessions, EC2 follow-ups, network, and
// the artifacts its lineage left behind), pick the remediation's actions and confirm
// them by typing the key id (and an irreversible action's resource name). It talks to the investigate package
// only; the command line wires the sources, the remediator and the journal.
//
// Screens follow one contract (after soft-serve's components): update(msg) returns a
// command, view() renders exactly the size setSize gave, and keys() returns the
// bindings that work there, which `?` and the footer show. Long-running work (ranking,
// building a case, acting) runs in commands whose results carry the generation they
// were started for; a result for a key the analyst has already left is dropped, and
// leaving cancels the work (after gh-dash's task ids).
//
// It imports investigate, report and sanitize, and the Charm libraries; never an
// adapter (aws, elastic, files) or internal.
package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate"
)

// Options configure the workbench.
type Options struct {
	Workspace *investigate.Workspace
	// Remediator returns who acts for a case (the demo's simulated account, or AWS);
	// nil when nothing can act: the remediation screen then shows the plan only.
	Remediator func(ctx context.Context, c *investigate.Case) (investigate.Remediator, error)
	// Kibana writes the analyst's verdict back to Kibana (acknowledge, close, reopen the
	// key's Elastic alerts, open a case): the demo's simulated Kibana, or the configured
	// one; nil when there is none. KibanaTarget is its URL and space.
	Kibana       investigate.Remediator
	KibanaTarget investigate.KibanaTarget
	// Journal records every write; without one the runner refuses to act.
	Journal     investigate.Journal
	JournalPath string
	// ReadOnly shows remediation plans but refuses every write.
	ReadOnly bool
	// Mouse turns mouse reporting (the wheel scrolls) on.
	Mouse bool
	// Header is the AWS profile and region, for example: the keys list shows it with the
	// sources, a key's header with who would act until the remediator says (its caller
	// carries the profile and region it acts with).
	Header string
	// Key, when set, opens that key's workbench at start.
	Key investigate.AccessKeyID
	// NoColor draws without any colour (NO_COLOR): emphasis is bold and reverse only.
	NoColor bool
	// ExportDir is where `e` writes case exports (default: the working directory).
	ExportDir string
	// Now is the clock for revocation cut-offs and export names (default time.Now).
	Now func() time.Time
	// UpdateInterval is how often case snapshots stream in while loading (default 250ms).
	UpdateInterval time.Duration
}

// Run opens the workbench on the terminal and returns when the analyst quits.
func Run(ctx context.Context, opts Options) error {
	if opts.Workspace == nil {
		return errors.New("tui: no workspace")
	}
	if os.Getenv("NO_COLOR") != "" {
		opts.NoColor = true
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	app := newApp(ctx, opts)
	popts := []tea.ProgramOption{tea.WithContext(ctx)}
	if opts.NoColor {
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err := tea.NewProgram(app, popts...).Run()
	app.close()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// New returns the workbench model, for tests and embedding. Its work runs under a
// background context; Close-less use is fine in tests.
func New(opts Options) tea.Model { return newApp(context.Background(), opts) }

type screenID int

// Kinds of screen, for the breadcrumbs' tests and the help's title.
const (
	screenKeys screenID = iota
	screenWorkbench
	screenDetail
	screenRemediation
	screenWatch
)

// ui is what every screen shares (soft-serve's Common): looks, bindings, the options,
// the clock, the App's context and spinner, and the one case state.
type ui struct {
	st   styles
	km   keyMap
	opts Options
	ctx  context.Context
	spin *spinner.Model
	// state holds the outcomes of actions per key: every screen reads a key's status
	// and what was done through it.
	state *caseState
	// wrap shows, under every table, the selected row's cut or dropped cells whole;
	// relTime shows times relative to the workspace's now ("3h ago").
	wrap, relTime bool
	// remMu serialises calls of opts.Remediator (not the Caller calls that follow): the
	// header and the remediation screen both ask it, and the command line's factories
	// keep their accounts in a map.
	remMu sync.Mutex
}

// whoActs makes the case's remediator and asks who it acts as.
func (u *ui) whoActs(ctx context.Context, factory func(context.Context, *investigate.Case) (investigate.Remediator, error), c *investigate.Case) (investigate.Remediator, *investigate.Caller, error) {
	u.remMu.Lock()
	rem, err := factory(ctx, c)
	u.remMu.Unlock() // the lock keeps the factories' maps; the caller is asked without it
	if err != nil {
		return nil, nil, err
	}
	caller, err := rem.Caller(ctx)
	if err != nil {
		return rem, nil, fmt.Errorf("cannot tell who would act: %w", err)
	}
	return rem, &caller, nil
}

// now is the workspace's clock (the demo's fixed "now"), so revocation cut-offs and
// session validity agree with the case.
func (u *ui) now() time.Time {
	if u.opts.Now != nil {
		return u.opts.Now()
	}
	if u.opts.Workspace != nil {
		return u.opts.Workspace.CurrentTime()
	}
	return time.Now()
}

// spinner is the App's spinner as it is now.
func (u *ui) spinner() string { return u.spin.View() }

// App is the root model: a stack of screens over the keys list, the footer, the help
// and the prompts that work on every screen.
type App struct {
	ctx context.Context
	ui  *ui

	width, height int
	help          help.Model
	spin          spinner.Model
	showHelp      bool

	keys  *keysScreen
	stack []screen

	exportPrompt bool
	prompt       *commandPrompt
	status       string
	statusErr    bool
	// statusKeep is the part of the status that must stay readable on a narrow
	// terminal (an export's path): the text before it is cut first.
	statusKeep string
}

func newApp(ctx context.Context, opts Options) *App {
	a := &App{ctx: ctx, help: help.New(), width: 80, height: 24}
	a.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	u := &ui{km: defaultKeyMap(), opts: opts, ctx: ctx, spin: &a.spin, state: newCaseState()}
	u.st = newStyles(!opts.NoColor, true)
	a.ui = u
	a.help.Styles = u.st.help
	a.spin.Style = u.st.spinner
	if r, ok := opts.Journal.(interface {
		Entries() ([]investigate.JournalEntry, error)
	}); ok {
		// A damaged journal still returns its other records.
		entries, _ := r.Entries()
		u.state.seed(entries)
	}
	a.keys = newKeysScreen(u)
	a.stack = []screen{a.keys}
	a.layout()
	return a
}

// close stops whatever the screens still run.
func (a *App) close() {
	for i := len(a.stack) - 1; i > 0; i-- {
		if c, ok := a.stack[i].(closer); ok {
			c.Close()
		}
	}
}

// top is the screen in front.
func (a *App) top() screen { return a.stack[len(a.stack)-1] }

// screen is the kind of the screen in front.
func (a *App) screen() screenID { return kindOf(a.top()) }

func kindOf(s screen) screenID {
	switch s.(type) {
	case *workbench:
		return screenWorkbench
	case *detailView:
		return screenDetail
	case *remedyScreen:
		return screenRemediation
	case *watchScreen:
		return screenWatch
	}
	return screenKeys
}

// find returns the topmost screen of type T on the stack.
func find[T screen](a *App) T {
	for i := len(a.stack) - 1; i >= 0; i-- {
		if s, ok := a.stack[i].(T); ok {
			return s
		}
	}
	var zero T
	return zero
}

// wb is the open key's workbench (nil on the keys list).
func (a *App) wb() *workbench { return find[*workbench](a) }

// rem is the remediation screen, when it is open.
func (a *App) rem() *remedyScreen { return find[*remedyScreen](a) }

// detail is the record view, when it is open.
func (a *App) detail() *detailView { return find[*detailView](a) }

// watch is the watch screen, when it is open.
func (a *App) watch() *watchScreen { return find[*watchScreen](a) }

// Init starts ranking keys (and opens the key asked for on the command line).
func (a *App) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, a.keys.load(a.ctx), a.spin.Tick}
	if !a.ui.opts.Key.IsZero() {
		cmds = append(cmds, a.openKey(a.ui.opts.Key))
	}
	return tea.Batch(cmds...)
}

func (a *App) setStatus(s string, isErr bool) {
	a.status, a.statusErr, a.statusKeep = s, isErr, ""
}

// footerLines is the number of lines the footer takes.
const footerLines = 2

// layout gives every screen of the stack the room under the footer (the SetSize
// cascade): a screen over a key's workbench takes what its header leaves.
func (a *App) layout() {
	a.help.SetWidth(a.width)
	h := a.height - footerLines
	for _, s := range a.stack {
		s.SetSize(a.width, h)
	}
}

// Update routes messages: navigation and status from the screens, results of
// background work to every screen (each keeps its own), input to the screen in front.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = max(msg.Width, 1), max(msg.Height, 1)
		a.layout()
		return a, nil
	case tea.BackgroundColorMsg:
		if !a.ui.opts.NoColor {
			a.ui.st = newStyles(true, msg.IsDark())
			a.help.Styles = a.ui.st.help
			a.spin.Style = a.ui.st.spinner
		}
		return a, nil
	case spinner.TickMsg:
		var cmd tea.Cmd
		a.spin, cmd = a.spin.Update(msg)
		return a, cmd
	case pushMsg:
		return a, a.push(msg.s)
	case popMsg:
		return a, a.pop()
	case openKeyMsg:
		return a, a.openKey(msg.key)
	case statusMsg:
		a.setStatus(msg.text, msg.err)
		a.statusKeep = msg.keep
		return a, nil
	case relayoutMsg:
		a.layout()
		return a, nil
	case promptMsg:
		a.prompt = newCommandPrompt(a.ui)
		a.prompt.input.SetValue(msg.text)
		return a, a.prompt.focus()
	case exportedMsg:
		if msg.err != nil {
			a.setStatus("export failed: "+msg.err.Error(), true)
		} else {
			a.setStatus(msg.note, false)
			a.statusKeep = msg.path
		}
		return a, nil
	case tea.MouseWheelMsg:
		return a, a.wheel(msg)
	case tea.MouseClickMsg:
		return a, a.click(msg)
	case tea.PasteMsg:
		if a.prompt != nil {
			return a, a.prompt.update(a, msg)
		}
		return a, a.top().Update(msg)
	case tea.KeyPressMsg:
		return a, a.key(msg)
	case outcomeMsg:
		// The case state has the outcomes already: the screen that ran them says them,
		// and every screen of the key reads the state again.
		cmds := []tea.Cmd{}
		for _, s := range slices.Clone(a.stack) {
			cmds = append(cmds, s.Update(msg), s.Update(actedMsg{key: msg.key}))
		}
		return a, tea.Batch(cmds...)
	}
	// Results of background work: every screen sees them and keeps its own.
	var cmds []tea.Cmd
	for _, s := range slices.Clone(a.stack) {
		cmds = append(cmds, s.Update(msg))
	}
	return a, tea.Batch(cmds...)
}

// push puts s on top, sized, and starts its work.
func (a *App) push(s screen) tea.Cmd {
	a.stack = append(a.stack, s)
	s.SetSize(a.width, a.height-footerLines)
	if st, ok := s.(starter); ok {
		return st.Start()
	}
	return nil
}

// pop leaves the screen in front (the keys list stays) and stops its work.
func (a *App) pop() tea.Cmd {
	if len(a.stack) == 1 {
		return nil
	}
	s := a.top()
	a.stack = a.stack[:len(a.stack)-1]
	if c, ok := s.(closer); ok {
		c.Close()
	}
	return nil // what an action changed reached every screen with its outcome
}

// openKey opens the workbench of key over the keys list, closing what was open.
func (a *App) openKey(k investigate.AccessKeyID) tea.Cmd {
	for len(a.stack) > 1 {
		a.pop()
	}
	return a.push(newWorkbench(a.ui, k))
}

// navigator is a screen that moves on a navigation action (the wheel's steps).
func (a *App) wheel(msg tea.MouseWheelMsg) tea.Cmd {
	act := ""
	switch msg.Button {
	case tea.MouseWheelUp:
		act = actUp
	case tea.MouseWheelDown:
		act = actDown
	default:
		return nil
	}
	if n, ok := a.top().(navigable); ok {
		for range 3 {
			n.nav(act)
		}
	}
	return nil
}

// click hands a left click to the screen in front, in its own coordinates (the
// footer is not a screen's).
func (a *App) click(msg tea.MouseClickMsg) tea.Cmd {
	if msg.Button != tea.MouseLeft || a.showHelp || a.prompt != nil || a.tooSmall() || msg.Y >= a.height-footerLines {
		return nil
	}
	if c, ok := a.top().(clicker); ok {
		return c.Click(msg.X, msg.Y)
	}
	return nil
}

// inputActive reports whether a text field has the keyboard: then q and other letters
// are typed, not commands.
func (a *App) inputActive() bool { return a.prompt != nil || a.top().Capturing() }

func (a *App) key(msg tea.KeyPressMsg) tea.Cmd {
	km := &a.ui.km
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	if a.tooSmall() {
		// Nothing of the screen is shown: no key may act on it unseen.
		if key.Matches(msg, km.Quit) {
			return tea.Quit
		}
		return nil
	}
	if a.showHelp {
		if key.Matches(msg, km.Help, km.Back) {
			a.showHelp = false
		} else if key.Matches(msg, km.Quit) {
			return tea.Quit
		}
		return nil
	}
	if a.prompt != nil {
		return a.prompt.update(a, msg)
	}
	if a.exportPrompt {
		a.exportPrompt = false
		switch {
		case key.Matches(msg, km.Markdown):
			return a.export("md")
		case key.Matches(msg, km.JSON):
			return a.export("json")
		}
		a.setStatus("export cancelled", false)
		return nil
	}
	if !a.inputActive() {
		a.status = ""
		switch {
		case key.Matches(msg, km.Quit):
			return tea.Quit
		case key.Matches(msg, km.Help):
			a.showHelp = true
			return nil
		case key.Matches(msg, km.Command):
			a.prompt = newCommandPrompt(a.ui)
			return a.prompt.focus()
		case key.Matches(msg, km.Wrap):
			return a.toggleWrap()
		case key.Matches(msg, km.RelTime):
			return a.toggleRelTime()
		case key.Matches(msg, km.Export):
			return a.startExport()
		case key.Matches(msg, km.CopyKey):
			return a.copyKey()
		case key.Matches(msg, km.Copy):
			return a.copy()
		}
	}
	return a.top().Update(msg)
}

func (a *App) copyKey() tea.Cmd {
	var k investigate.AccessKeyID
	if wb := a.wb(); wb != nil {
		k = wb.key
	} else {
		k = a.keys.selectedKey()
	}
	if k.IsZero() {
		a.setStatus("no key selected", true)
		return nil
	}
	a.setStatus("copied key id "+k.String()+" to the clipboard (OSC 52)", false)
	return tea.SetClipboard(k.String())
}

// copy copies the selected record where one is selected, else the key id.
func (a *App) copy() tea.Cmd {
	var ev *investigate.Event
	if h, ok := a.top().(eventHolder); ok {
		ev = h.selectedEvent()
	}
	if ev == nil {
		if c, ok := a.top().(copier); ok {
			if what, text := c.copyText(); text != "" {
				a.setStatus(fmt.Sprintf("copied %s (%d bytes) to the clipboard (OSC 52)", what, len(text)), false)
				return tea.SetClipboard(text)
			}
		}
		return a.copyKey()
	}
	b := eventJSON(ev)
	a.setStatus(fmt.Sprintf("copied event %s (%s, %d bytes of JSON) to the clipboard (OSC 52)", clean(ev.ID), clean(ev.Name), len(b)), false)
	return tea.SetClipboard(string(b))
}

// copier is a screen with something to copy other than a record (an alert's source).
type copier interface{ copyText() (what, text string) }

func (a *App) startExport() tea.Cmd {
	if why := a.nothingToExport(); why != "" {
		a.setStatus(why, true)
		return nil
	}
	a.exportPrompt = true
	return nil
}

// nothingToExport says why there is nothing to export yet ("" when there is).
func (a *App) nothingToExport() string {
	if wb := a.wb(); wb == nil {
		if a.keys.ranking == nil {
			return "nothing to export yet"
		}
	} else if wb.c == nil {
		return "the case has not loaded yet: nothing to export"
	}
	return ""
}

// View draws the screen in front, the footer and, with `?`, the keymap.
func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.WindowTitle = "keypivot"
	if a.ui.opts.Mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	return v
}

const minWidth, minHeight = 60, 12

// tooSmall reports whether the terminal is below the smallest size a screen is drawn at.
func (a *App) tooSmall() bool { return a.width < minWidth || a.height < minHeight }

func (a *App) render() string {
	if a.tooSmall() {
		return tooSmall(a.width, a.height)
	}
	h := a.height - footerLines
	var body string
	km := a.current()
	if a.showHelp {
		body = a.helpView(km, h)
	} else {
		body = a.top().View()
	}
	body = fitHeight(body, h)
	return body + "\n" + a.footer(km)
}

// tooSmall is the whole view when the terminal is too small to show a screen: what
// is needed, what there is, and how to leave.
func tooSmall(w, h int) string {
	lines := []string{
		"terminal too small",
		fmt.Sprintf("keypivot needs %dx%d;", minWidth, minHeight),
		fmt.Sprintf("this one is %dx%d.", w, h),
		"enlarge it, or q to quit",
	}
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return fitHeight(strings.Join(lines, "\n"), h)
}

// current returns the bindings of the screen in front (the prompt's while it is open).
func (a *App) current() help.KeyMap {
	if a.prompt != nil {
		return a.prompt.keys()
	}
	return a.top().Keys()
}

func (a *App) footer(km help.KeyMap) string {
	st := &a.ui.st
	var status string
	switch {
	case a.prompt != nil:
		status = a.prompt.view(a.width)
	case a.exportPrompt:
		status = st.prompt.Render("export as: m Markdown · j JSON · any other key cancels")
	case a.status != "":
		s := st.status
		if a.statusErr {
			s = st.statusErr
		}
		text := a.status
		if k := a.statusKeep; k != "" && width(text) > a.width {
			text = "→ " + k
			if width(text) > a.width {
				text = "→ …" + ansi.TruncateLeft(k, width(k)-(a.width-3), "")
			}
		}
		status = s.Render(truncate(text, a.width))
	default:
		status = a.crumbs() + st.status.Render(truncate(a.top().Status(), a.width-width(ansi.Strip(a.crumbs()))))
	}
	a.help.ShowAll = false
	return status + "\n" + truncate(a.help.View(km), a.width)
}

// crumbs is where the analyst is, over the stack ("…VJ5C Alerts › alert … │ "), on the
// status line of every screen over a key's workbench; it takes at most a third of the
// width: at most half the width.
func (a *App) crumbs() string {
	if len(a.stack) < 3 {
		return "" // the keys list and a key's workbench say where they are themselves
	}
	var parts []string
	for _, s := range a.stack[1:] {
		if c := s.Crumb(); c != "" {
			parts = append(parts, c)
		}
	}
	text := strings.Join(parts, " › ")
	if width(text) > a.width/2 {
		text = "…" + ansi.TruncateLeft(text, width(text)-a.width/2+1, "")
	}
	return a.ui.st.dim.Render(text + " │ ")
}

func (a *App) helpView(km help.KeyMap, h int) string {
	st := &a.ui.st
	title := st.title.Render("keys for " + a.screenName() + "  (? or esc closes; : opens the command prompt)")
	groups := km.FullHelp()
	var b strings.Builder
	b.WriteString(truncate(title, a.width) + "\n\n")
	// The groups flow down columns as wide as the longest entry, as many as fit.
	var cells []string
	kw, dw := 0, 0
	for _, g := range groups {
		for _, k := range g {
			if k.Enabled() {
				kw = max(kw, lipglossWidth(k.Help().Key))
				dw = max(dw, lipglossWidth(k.Help().Desc))
			}
		}
	}
	kw, dw = min(kw, 20), min(dw, 30)
	for i, g := range groups {
		if i > 0 && len(cells) > 0 {
			cells = append(cells, "")
		}
		for _, k := range g {
			if !k.Enabled() {
				continue
			}
			hp := k.Help()
			cells = append(cells, st.help.FullKey.Render(fit(hp.Key, kw, false))+"  "+st.help.FullDesc.Render(fit(hp.Desc, dw, false)))
		}
	}
	rows := max(h-2, 1)
	colw := kw + dw + 5
	ncol := max(a.width/colw, 1)
	if need := (len(cells) + rows - 1) / rows; need < ncol {
		ncol = need
	}
	rows = (len(cells) + ncol - 1) / max(ncol, 1)
	for r := 0; r < rows; r++ {
		var line strings.Builder
		for c := 0; c < ncol; c++ {
			i := c*rows + r
			if i < len(cells) {
				line.WriteString(fit(cells[i], colw, false))
			}
		}
		b.WriteString(truncate(strings.TrimRight(line.String(), " "), a.width) + "\n")
	}
	return fitHeight(b.String(), h)
}

func (a *App) screenName() string {
	switch a.screen() {
	case screenWorkbench:
		return "the key workbench (" + tabNames[a.wb().tab] + ")"
	case screenDetail:
		return "the record view"
	case screenRemediation:
		return "remediation"
	case screenWatch:
		return "the watch"
	}
	return "the keys list"
}

// fitHeight pads or cuts s to exactly h lines.
func fitHeight(s string, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// badge renders a marker that stays readable without colour: [DEMO].
func badge(st lipgloss.Style, s string) string { return st.Render("[" + s + "]") }
