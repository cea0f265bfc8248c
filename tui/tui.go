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

const (
	screenKeys screenID = iota
	screenWorkbench
	screenDetail
	screenRemediation
	screenWatch
)

// ui is what every screen shares: looks, bindings and the clock.
type ui struct {
	st   styles
	km   keyMap
	opts Options
	// remMu serialises calls of opts.Remediator: the header and the remediation screen
	// both ask it, and the command line's factories keep their accounts in a map.
	remMu sync.Mutex
}

// whoActs makes the case's remediator and asks who it acts as.
func (u *ui) whoActs(ctx context.Context, factory func(context.Context, *investigate.Case) (investigate.Remediator, error), c *investigate.Case) (investigate.Remediator, *investigate.Caller, error) {
	u.remMu.Lock()
	defer u.remMu.Unlock()
	rem, err := factory(ctx, c)
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

// App is the root model.
type App struct {
	ctx context.Context
	ui  *ui

	width, height int
	help          help.Model
	spin          spinner.Model
	showHelp      bool

	screen screenID
	keys   *keysScreen
	wb     *workbench
	detail *detailView
	rem    *remedyScreen
	watch  *watchScreen

	// gen counts workbench openings; results of older ones are dropped.
	gen    int
	remGen int

	exportPrompt bool
	status       string
	statusErr    bool
	// statusKeep is the part of the status that must stay readable on a narrow
	// terminal (an export's path): the text before it is cut first.
	statusKeep string
}

func newApp(ctx context.Context, opts Options) *App {
	u := &ui{km: defaultKeyMap(), opts: opts}
	u.st = newStyles(!opts.NoColor, true)
	a := &App{ctx: ctx, ui: u, help: help.New(), width: 80, height: 24}
	a.help.Styles = u.st.help
	a.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(u.st.spinner))
	a.keys = newKeysScreen(u)
	a.layout()
	return a
}

// close cancels whatever is still running.
func (a *App) close() {
	if a.wb != nil {
		a.wb.stop()
	}
	a.stopWatch()
}

// stopWatch ends the watch screen's polling, if one is open.
func (a *App) stopWatch() {
	if a.watch != nil {
		a.watch.stop()
		a.watch = nil
	}
}

// openWatch opens the watch screen on the workbench's key and starts its first poll.
func (a *App) openWatch() tea.Cmd {
	s, cmd := a.startWatch()
	if s == nil {
		return nil
	}
	a.stopWatch()
	a.watch, a.screen = s, screenWatch
	a.layout()
	return cmd
}

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

// chrome is the number of lines the footer takes.
const footerLines = 2

func (a *App) layout() {
	a.help.SetWidth(a.width)
	h := a.height - footerLines
	a.keys.setSize(a.width, h)
	if a.wb != nil {
		a.wb.setSize(a.width, h)
		if a.detail != nil {
			a.detail.setSize(a.width, h-a.wb.headerHeight())
		}
		if a.rem != nil {
			a.rem.setSize(a.width, h-len(a.wb.headerLines(false)))
		}
		if a.watch != nil {
			a.watch.setSize(a.width, h-len(a.wb.headerLines(false)))
		}
	}
}

// Update routes messages: async results by generation, keys to the current screen.
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
	case rankMsg:
		a.keys.setRanking(msg)
		return a, nil
	case caseMsg:
		if a.wb == nil || msg.gen != a.gen {
			return a, nil // a key the analyst has left: drop it
		}
		h := a.wb.headerHeight()
		cmd := a.wb.apply(msg)
		if a.wb.headerHeight() != h {
			a.layout() // the header's search line(s) changed height: every screen under it
		}
		if a.detail != nil && a.detail.gen == msg.gen {
			a.detail.refresh(a.wb.c)
		}
		return a, cmd
	case callerMsg:
		if a.wb == nil || msg.gen != a.gen {
			return a, nil
		}
		a.wb.setCaller(msg.caller, msg.err)
		a.layout() // the acting line may wrap differently
		return a, nil
	case remSetupMsg:
		if a.rem == nil || msg.gen != a.rem.gen {
			return a, nil
		}
		cmd := a.rem.update(msg)
		if a.wb != nil && msg.caller != nil {
			a.wb.setCaller(msg.caller, nil)
			a.layout()
		}
		return a, cmd
	case watchMsg:
		if a.watch == nil || msg.gen != a.watch.gen {
			return a, nil
		}
		return a, a.watch.update(msg)
	case outcomeMsg:
		if a.rem == nil {
			return a, nil
		}
		return a, a.rem.update(msg)
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
	case tea.PasteMsg:
		return a, a.routeKey(msg)
	case tea.KeyPressMsg:
		return a, a.key(msg)
	}
	return a, nil
}

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
	for range 3 {
		switch a.screen {
		case screenKeys:
			a.keys.nav(act)
		case screenWorkbench:
			a.wb.nav(act)
		case screenDetail:
			a.detail.list.nav(act)
		case screenRemediation:
			a.rem.detail.nav(act)
		case screenWatch:
			a.watch.list.nav(act)
		}
	}
	return nil
}

// inputActive reports whether a text field has the keyboard: then q and other letters
// are typed, not commands.
func (a *App) inputActive() bool {
	switch a.screen {
	case screenKeys:
		return a.keys.input.Focused()
	case screenWorkbench:
		return a.wb.inputActive()
	case screenRemediation:
		return a.rem.inputActive()
	}
	return false
}

func (a *App) key(msg tea.KeyPressMsg) tea.Cmd {
	km := &a.ui.km
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	if a.showHelp {
		if key.Matches(msg, km.Help, km.Back) {
			a.showHelp = false
		} else if key.Matches(msg, km.Quit) {
			return tea.Quit
		}
		return nil
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
		case key.Matches(msg, km.Export):
			return a.startExport()
		case key.Matches(msg, km.CopyKey):
			return a.copyKey()
		case key.Matches(msg, km.Copy):
			return a.copy()
		}
	}
	if a.screen == screenRemediation && !a.rem.inputActive() && a.rem.stage != stageRunning && key.Matches(msg, km.Back) {
		return a.back()
	}
	if a.screen == screenWatch && key.Matches(msg, km.Back) {
		return a.back()
	}
	return a.routeKey(msg)
}

func (a *App) routeKey(msg tea.Msg) tea.Cmd {
	switch a.screen {
	case screenKeys:
		return a.keys.update(a, msg)
	case screenWorkbench:
		return a.wb.update(a, msg)
	case screenDetail:
		return a.detail.update(a, msg)
	case screenRemediation:
		return a.rem.update(msg)
	case screenWatch:
		return a.watch.update(msg)
	}
	return nil
}

// openKey opens the workbench of key and starts building its case.
func (a *App) openKey(k investigate.AccessKeyID) tea.Cmd {
	if a.wb != nil {
		a.wb.stop()
	}
	a.stopWatch()
	a.gen++
	a.wb = newWorkbench(a.ui, k, a.gen)
	a.detail, a.rem = nil, nil
	a.screen = screenWorkbench
	a.layout()
	return a.wb.start(a.ctx)
}

// back leaves the current screen; leaving a workbench cancels its work.
func (a *App) back() tea.Cmd {
	switch a.screen {
	case screenDetail:
		a.detail = nil
		a.screen = screenWorkbench
	case screenRemediation:
		a.rem = nil
		a.remGen++
		a.screen = screenWorkbench
		a.wb.rebuild() // an action may have changed the key's status
	case screenWatch:
		a.stopWatch()
		a.screen = screenWorkbench
	case screenWorkbench:
		a.wb.stop()
		a.wb = nil
		a.gen++
		a.screen = screenKeys
	}
	return nil
}

func (a *App) openDetail(d *detailView) {
	a.detail = d
	a.screen = screenDetail
	a.layout()
}

func (a *App) openRemediation() tea.Cmd {
	if a.wb == nil || a.wb.c == nil {
		a.setStatus("the case has not loaded yet: nothing to plan", true)
		return nil
	}
	a.remGen++
	a.rem = newRemedyScreen(a.ui, a.wb.c, a.remGen, a.wb.loading)
	a.screen = screenRemediation
	a.layout()
	return a.rem.setup(a.ctx)
}

func (a *App) copyKey() tea.Cmd {
	var k investigate.AccessKeyID
	switch {
	case a.wb != nil && a.screen != screenKeys:
		k = a.wb.key
	default:
		k = a.keys.selectedKey()
	}
	if k.IsZero() {
		a.setStatus("no key selected", true)
		return nil
	}
	a.setStatus("copied key id "+k.String()+" to the clipboard (OSC 52)", false)
	return tea.SetClipboard(k.String())
}

// copy copies the selected event's JSON where an event is selected, else the key id.
func (a *App) copy() tea.Cmd {
	var ev *investigate.Event
	switch a.screen {
	case screenDetail:
		ev = a.detail.event
	case screenWorkbench:
		ev = a.wb.selectedEvent()
	}
	if ev == nil {
		return a.copyKey()
	}
	b := eventJSON(ev)
	a.setStatus(fmt.Sprintf("copied event %s (%s, %d bytes of JSON) to the clipboard (OSC 52)", clean(ev.ID), clean(ev.Name), len(b)), false)
	return tea.SetClipboard(string(b))
}

func (a *App) startExport() tea.Cmd {
	if a.screen == screenKeys {
		if a.keys.ranking == nil {
			a.setStatus("nothing to export yet", true)
			return nil
		}
	} else if a.wb == nil || a.wb.c == nil {
		a.setStatus("the case has not loaded yet: nothing to export", true)
		return nil
	}
	a.exportPrompt = true
	return nil
}

// View draws the current screen, the footer and, with `?`, the keymap.
func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.WindowTitle = "keypivot"
	if a.ui.opts.Mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	return v
}

const minWidth, minHeight = 40, 10

func (a *App) render() string {
	if a.width < minWidth || a.height < minHeight {
		return fmt.Sprintf("keypivot needs at least %dx%d (this terminal is %dx%d)", minWidth, minHeight, a.width, a.height)
	}
	h := a.height - footerLines
	var body string
	km := a.current()
	if a.showHelp {
		body = a.helpView(km, h)
	} else {
		switch a.screen {
		case screenKeys:
			body = a.keys.view(a)
		case screenWorkbench:
			body = a.wb.view(a)
		case screenDetail:
			body = a.wb.header() + "\n" + a.detail.view(a)
		case screenRemediation:
			body = strings.Join(a.wb.headerLines(false), "\n") + "\n" + a.rem.view(a)
		case screenWatch:
			body = strings.Join(a.wb.headerLines(false), "\n") + "\n" + a.watch.view()
		}
	}
	body = fitHeight(body, h)
	return body + "\n" + a.footer(km)
}

// current returns the bindings of the current screen.
func (a *App) current() help.KeyMap {
	switch a.screen {
	case screenWorkbench:
		return a.wb.keys()
	case screenDetail:
		return a.detail.keys()
	case screenRemediation:
		return a.rem.keys()
	case screenWatch:
		return a.watch.keys()
	}
	return a.keys.keys()
}

func (a *App) footer(km help.KeyMap) string {
	st := &a.ui.st
	var status string
	switch {
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
		status = st.status.Render(truncate(a.statusLine(), a.width))
	}
	a.help.ShowAll = false
	return status + "\n" + truncate(a.help.View(km), a.width)
}

// statusLine is the default footer text: the loading progress, or where things stand.
func (a *App) statusLine() string {
	switch a.screen {
	case screenKeys:
		return a.keys.statusLine(a)
	case screenDetail:
		if a.wb.loading {
			return a.wb.statusLine(a)
		}
		return a.detail.statusLine()
	case screenRemediation:
		if a.wb.loading {
			return a.wb.statusLine(a)
		}
		return a.rem.statusLine()
	case screenWatch:
		return a.watch.statusLine()
	case screenWorkbench:
		return a.wb.statusLine(a)
	}
	return ""
}

func (a *App) helpView(km help.KeyMap, h int) string {
	st := &a.ui.st
	title := st.title.Render("keys for " + a.screenName() + "  (? or esc closes)")
	groups := km.FullHelp()
	var b strings.Builder
	b.WriteString(title + "\n\n")
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
	switch a.screen {
	case screenWorkbench:
		return "the key workbench (" + tabNames[a.wb.tab] + ")"
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
