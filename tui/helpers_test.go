package tui

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/internal/demo"
	"github.com/keypivot/keypivot/internal/simaccount"
	"github.com/keypivot/keypivot/investigate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// demoSet is the demo dataset at its fixed anchor, generated once for the package.
var demoSet = sync.OnceValue(func() *demo.Dataset { return demo.Generate(demo.DefaultAnchor()) })

func demoWorkspace() *investigate.Workspace {
	ds := demoSet()
	anchor := ds.Anchor
	return &investigate.Workspace{
		Alerts:      []investigate.AlertSource{demo.AlertSource(ds)},
		Trails:      []investigate.EventSource{demo.TrailSource(ds)},
		Correlation: investigate.DefaultCorrelationOptions(),
		Networks:    investigate.NetworkOptions{Sources: []investigate.NetworkSource{demo.NetworkSource()}},
		Demo:        true,
		Now:         func() time.Time { return anchor },
		Describe:    "DEMO: embedded scenario, simulated account",
	}
}

// memJournal is a journal in memory.
type memJournal struct {
	mu      sync.Mutex
	entries []investigate.JournalEntry
}

func (j *memJournal) Append(e investigate.JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, e)
	return nil
}

func (j *memJournal) Pending() ([]investigate.JournalEntry, error) { return nil, nil }

// Entries returns what was journalled, as the journal file's reader does.
func (j *memJournal) Entries() ([]investigate.JournalEntry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]investigate.JournalEntry(nil), j.entries...), nil
}

func (j *memJournal) phases() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []string
	for _, e := range j.entries {
		out = append(out, e.Phase+" "+e.ActionID)
	}
	return out
}

// testClock is the fixed "now" of remediation plans and exports in tests.
var testClock = time.Date(2026, time.March, 12, 16, 0, 0, 0, time.UTC)

// demoOptions wires the demo like the command line does, with a simulated account per
// key and an in-memory journal.
func demoOptions(j *memJournal) Options {
	accounts := map[string]*simaccount.Account{}
	var mu sync.Mutex
	return Options{
		Workspace: demoWorkspace(),
		Remediator: func(_ context.Context, c *investigate.Case) (investigate.Remediator, error) {
			mu.Lock()
			defer mu.Unlock()
			if a := accounts[c.Key.String()]; a != nil {
				return a, nil
			}
			a := simaccount.FromCase(c, investigate.Caller{
				ARN: "arn:aws:iam::" + c.Owner.Account + ":user/incident-responder", Account: c.Owner.Account,
				UserName: "incident-responder", AccessKeyID: "AKIADEMORESPONDER001", Profile: "demo (simulated account)",
			})
			accounts[c.Key.String()] = a
			return a, nil
		},
		Journal:     j,
		JournalPath: "journal.jsonl",
		// Kibana's URL makes the alerts' links (the write-back itself needs Kibana set).
		KibanaTarget:   investigate.KibanaTarget{URL: "https://kibana.demo.invalid", Space: "default"},
		NoColor:        true,
		Now:            func() time.Time { return testClock },
		UpdateInterval: time.Millisecond,
	}
}

// demoOptionsKeeping is demoOptions that keeps in *acct the simulated account the
// remediator made, for tests to read its state.
func demoOptionsKeeping(j *memJournal, acct **simaccount.Account) Options {
	opts := demoOptions(j)
	inner := opts.Remediator
	opts.Remediator = func(ctx context.Context, c *investigate.Case) (investigate.Remediator, error) {
		r, err := inner(ctx, c)
		*acct, _ = r.(*simaccount.Account)
		return r, err
	}
	return opts
}

// driver feeds messages to the workbench and runs the commands they return, the way
// the Bubble Tea runtime does, but synchronously: a test sees the state once every
// command has finished. Spinner ticks are not fed back (they would tick forever).
type driver struct {
	t     testing.TB
	app   *App
	clips []string
	other []tea.Msg
}

func newDriver(t testing.TB, opts Options, w, h int) *driver {
	t.Helper()
	d := &driver{t: t, app: newApp(context.Background(), opts)}
	t.Cleanup(d.app.close)
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(d.app.Init())
	return d
}

func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	_, cmd := d.app.Update(msg)
	d.run(cmd)
}

// exec runs one command with a deadline and returns its message.
func (d *driver) exec(cmd tea.Cmd) tea.Msg {
	d.t.Helper()
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case m := <-ch:
		return m
	case <-time.After(20 * time.Second):
		d.t.Fatalf("a command did not return within 20s")
		return nil
	}
}

func (d *driver) run(cmd tea.Cmd) {
	d.t.Helper()
	if cmd == nil {
		return
	}
	msg := d.exec(cmd)
	switch m := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range m {
			d.run(c)
		}
	case spinner.TickMsg:
	case caseMsg, rankMsg, remSetupMsg, outcomeMsg, exportedMsg, callerMsg,
		pushMsg, popMsg, statusMsg, openKeyMsg, relayoutMsg, actedMsg:
		d.send(m)
	default:
		if s := fmt.Sprintf("%T", m); strings.Contains(s, "setClipboardMsg") {
			d.clips = append(d.clips, fmt.Sprint(m))
			return
		}
		d.other = append(d.other, m)
	}
}

// enterKey presses enter on the keys list and opens the key it asks for, without
// running the commands: it returns the one that builds the case.
func (d *driver) enterKey() tea.Cmd {
	d.t.Helper()
	_, ask := d.app.Update(keyMsg("enter"))
	if ask == nil {
		d.t.Fatal("enter on the keys list asked for nothing")
	}
	_, start := d.app.Update(d.exec(ask))
	return start
}

// press sends keys by name: "enter", "esc", "tab", "shift+tab", "up", "down",
// "backspace", "space", "ctrl+c", or a single character.
func (d *driver) press(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

// typeText types s one key at a time.
func (d *driver) typeText(s string) {
	d.t.Helper()
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// namedKeys are the key presses press sends by name.
var namedKeys = map[string]tea.KeyPressMsg{
	"enter":     {Code: tea.KeyEnter},
	"esc":       {Code: tea.KeyEscape},
	"tab":       {Code: tea.KeyTab},
	"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
	"up":        {Code: tea.KeyUp},
	"down":      {Code: tea.KeyDown},
	"pgdown":    {Code: tea.KeyPgDown},
	"backspace": {Code: tea.KeyBackspace},
	"space":     {Code: tea.KeySpace, Text: " "},
	"ctrl+c":    {Code: 'c', Mod: tea.ModCtrl},
}

func keyMsg(k string) tea.KeyPressMsg {
	if m, ok := namedKeys[k]; ok {
		return m
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// screen is the view as text, colour and attributes removed.
func (d *driver) screen() string {
	return ansi.Strip(d.app.View().Content)
}

// raw is the view as the terminal receives it.
func (d *driver) raw() string { return d.app.View().Content }

func (d *driver) mustShow(parts ...string) {
	d.t.Helper()
	s := d.screen()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			d.t.Fatalf("screen lacks %q:\n%s", p, s)
		}
	}
}

func (d *driver) mustNotShow(parts ...string) {
	d.t.Helper()
	s := d.screen()
	for _, p := range parts {
		if strings.Contains(s, p) {
			d.t.Fatalf("screen shows %q:\n%s", p, s)
		}
	}
}

// golden compares the screen with testdata/name.golden (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -run %s -update to create it)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("%s differs from the screen (go test ./tui -update rewrites it):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}
