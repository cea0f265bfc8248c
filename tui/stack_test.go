package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/investigate"
)

// kinds is the stack, bottom first, as screen kinds.
func (d *driver) kinds() []screenID {
	var out []screenID
	for _, s := range d.app.stack {
		out = append(out, kindOf(s))
	}
	return out
}

func (d *driver) mustStack(want ...screenID) {
	d.t.Helper()
	got := d.kinds()
	if len(got) != len(want) {
		d.t.Fatalf("stack %v, want %v:\n%s", got, want, d.screen())
	}
	for i := range got {
		if got[i] != want[i] {
			d.t.Fatalf("stack %v, want %v:\n%s", got, want, d.screen())
		}
	}
}

// The App is a stack: enter pushes, esc pops, and the keys list stays at the bottom.
func TestStackPushAndPop(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 120, 36)
	d.mustStack(screenKeys)
	d.press("esc") // nothing under the keys list: esc does not pop it
	d.mustStack(screenKeys)
	d.press("enter")
	d.mustStack(screenKeys, screenWorkbench)
	d.press("2", "enter")
	d.mustStack(screenKeys, screenWorkbench, screenDetail)
	d.mustShow("rule ", "counted ")
	d.press("a")
	d.mustStack(screenKeys, screenWorkbench, screenDetail, screenRemediation)
	d.mustShow("REMEDIATION PLAN")
	d.press("esc")
	d.mustStack(screenKeys, screenWorkbench, screenDetail)
	gen, c := d.app.wb().gen, d.app.wb().c
	d.press("esc", "esc")
	d.mustStack(screenKeys)
	// A late result for the workbench left is dropped by its generation: nothing opens.
	d.send(caseMsg{gen: gen, has: true, upd: investigate.CaseUpdate{Case: c, Done: true}, done: true})
	d.mustStack(screenKeys)
	d.press("enter")
	if d.app.wb().gen == gen {
		t.Fatal("a workbench opened again should have a generation of its own")
	}
	d.send(caseMsg{gen: gen, has: true, upd: investigate.CaseUpdate{Case: &investigate.Case{Key: c.Key}}, done: true})
	if d.app.wb().c == nil || len(d.app.wb().c.Timeline) == 0 {
		t.Fatal("an earlier opening's result replaced the case")
	}
}

// A resize reaches every screen of the stack, not only the one in front.
func TestStackResizeCascades(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 80, 24)
	d.press("enter", "3", "enter")
	d.mustStack(screenKeys, screenWorkbench, screenDetail)
	d.send(tea.WindowSizeMsg{Width: 150, Height: 40})
	if d.app.keys.width != 150 || d.app.wb().width != 150 || d.app.detail().width != 150 {
		t.Fatalf("widths after a resize: keys %d, workbench %d, record %d; want 150", d.app.keys.width, d.app.wb().width, d.app.detail().width)
	}
	if got, want := d.app.wb().timeline.height, 40-footerLines-d.app.wb().headerHeight()-1; got != want {
		t.Fatalf("the timeline under the record is %d rows, want %d", got, want)
	}
	checkFits(t, d, 150, 40)
	d.press("esc")
	checkFits(t, d, 150, 40)
}

// `?` shows the bindings of the screen in front, each its own.
func TestStackHelpPerScreen(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 120, 36)
	for _, step := range []struct {
		keys  []string
		title string
		has   string
	}{
		{nil, "keys for the keys list", "first-seen-only keys"},
		{[]string{"enter"}, "keys for the key workbench (Overview)", "timeline at the first alert"},
		{[]string{"3"}, "keys for the key workbench (Timeline)", "errors only"},
		{[]string{"enter"}, "keys for the record view", "next event"},
		{[]string{"a"}, "keys for remediation", "pick/unpick its group"},
	} {
		d.press(step.keys...)
		d.press("?")
		d.mustShow(step.title, step.has)
		d.press("?")
		d.mustNotShow(step.title)
	}
}

// An action's outcome is the case state every screen reads: the keys list, the header,
// the Overview and the plan say the key is Inactive after leaving and reopening it.
func TestDeactivationIsOneCaseStateAcrossScreens(t *testing.T) {
	j := &memJournal{}
	d := newDriver(t, demoOptions(j), 120, 36)
	key := d.app.keys.selectedKey().String()
	d.press("enter", "a", "enter")
	d.typeText(key)
	d.press("enter")
	d.mustShow("[done]")
	d.press("esc", "esc")
	d.mustStack(screenKeys)
	row := lineWith(d.screen(), key)
	if !strings.Contains(row, "Inactive") {
		t.Fatalf("the keys list should say the key is Inactive: %q", row)
	}
	d.press("enter")
	header := strings.Split(d.screen(), "\n")[0]
	if !strings.Contains(header, "key Inactive") {
		t.Fatalf("the reopened key's header should say Inactive: %q", header)
	}
	d.mustShow("key status     Inactive")
	d.press("a")
	d.mustShow("[done]", "Reactivate access key "+key)
	if d.app.rem().outcomes[0] == nil {
		t.Fatal("the plan's deactivation should carry its outcome")
	}
}

// A key contained in an earlier session opens as it is: the case state reads the
// journal the Runner wrote (its outcome entries carry no spec: the intent's is used).
func TestCaseStateReadsTheJournal(t *testing.T) {
	j := &memJournal{}
	first := newDriver(t, demoOptions(j), 120, 36)
	key := first.app.keys.selectedKey().String()
	first.press("enter", "a", "enter")
	first.typeText(key)
	first.press("enter")
	first.mustShow("[done]")
	for _, e := range j.entries {
		if e.Phase == investigate.PhaseDone && e.Spec != nil {
			t.Fatal("the test needs outcome entries without a spec, as the Runner writes them")
		}
	}
	// A new session on the same journal (its simulated account knows nothing).
	d := newDriver(t, demoOptions(&memJournal{entries: j.entries}), 120, 36)
	if row := lineWith(d.screen(), key); !strings.Contains(row, "Inactive") {
		t.Fatalf("the keys list should read the journal's outcome: %q", row)
	}
	d.press("enter")
	if header := strings.Split(d.screen(), "\n")[0]; !strings.Contains(header, "key Inactive") {
		t.Fatalf("the header should read the journal's outcome: %q", header)
	}
	// A live lookup that says otherwise wins over an earlier session's journal.
	st := newCaseState()
	st.seed(j.entries)
	if got := st.keyStatus(key, true); got != "" {
		t.Fatalf("with a live status known, the journal's %q should not count", got)
	}
	if got := st.keyStatus(key, false); got != "Inactive" {
		t.Fatalf("without one, the journal says %q", got)
	}
}

func lineWith(screen, part string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, part) {
			return l
		}
	}
	return ""
}

// Below the smallest size, the view says so instead of drawing a blank table.
func TestTerminalTooSmall(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 40, 10)
	d.mustShow("terminal too small", "40x10", "q to quit")
	golden(t, "too_small_40x10", d.screen())
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.mustShow("access keys correlated")
}

// The `:` prompt jumps to a key, a tab and a time, and says what it cannot do.
func TestCommandPrompt(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 120, 36)
	other := d.app.keys.ranking.Keys[1].Key.String()
	d.press(":")
	d.typeText("timeline")
	d.press("enter")
	d.mustShow("is a tab of an open key")
	d.press("esc")
	d.press(":")
	d.typeText(other)
	d.press("enter")
	d.mustStack(screenKeys, screenWorkbench)
	if d.app.wb().key.String() != other {
		t.Fatalf("opened %s, want %s", d.app.wb().key, other)
	}
	d.press(":")
	d.typeText(d.app.keys.ranking.Keys[0].Key.String())
	d.press("enter")
	d.press(":")
	d.typeText("time 2026-03-11 14:00")
	d.press("enter")
	if d.app.wb().tab != tabTimeline {
		t.Fatal(":time should open the timeline")
	}
	at := time.Date(2026, 3, 11, 14, 0, 0, 0, time.UTC)
	e := d.app.wb().timeline.selectedEntry()
	if e == nil || e.Time.Before(at) {
		t.Fatalf("selected %v, want the first event at or after %s", e, at)
	}
	if prev := d.app.wb().timeline.table.cursor - 1; prev >= 0 && !d.app.wb().c.Timeline[d.app.wb().timeline.rows[prev]].Time.Before(at) {
		t.Fatal("the event before the one selected is not before the time: not the first")
	}
	d.press(":")
	d.typeText("bogus")
	d.press("enter")
	d.mustShow(`unknown command "bogus"`)
	d.press("esc")
	if d.app.prompt != nil {
		t.Fatal("esc should close the prompt")
	}
}

// A jumps to the case's first alert on the timeline.
func TestJumpToFirstAlert(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 120, 36)
	d.press("enter", "A")
	first, ok := firstAlert(d.app.wb().c)
	if !ok {
		t.Fatal("the demo has alerts")
	}
	e := d.app.wb().timeline.selectedEntry()
	if d.app.wb().tab != tabTimeline || e == nil || e.Name != first.Action || e.SourceIP != first.SourceIP ||
		e.Time.After(first.Time) || first.Time.Sub(e.Time) > time.Hour {
		t.Fatalf("selected %+v, want the %s from %s that raised the first alert (%s)", e, first.Action, first.SourceIP, first.Time)
	}
	d.mustShow("first alert: ", "its event is selected", "▸ "+e.Time.UTC().Format("01-02 15:04:05"))
}

// Clicks: a tab in the tab bar opens it; a row is selected, and a second click opens it.
func TestMouseClicks(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 120, 36)
	top := 2 // title, sources: the table's header is line 2, its first row line 3
	d.send(tea.MouseClickMsg{X: 10, Y: top + 2, Button: tea.MouseLeft})
	if d.app.keys.table.cursor != 1 {
		t.Fatalf("a click on the second row should select it; cursor %d", d.app.keys.table.cursor)
	}
	d.send(tea.MouseClickMsg{X: 10, Y: top + 2, Button: tea.MouseLeft})
	d.mustStack(screenKeys, screenWorkbench)
	wb := d.app.wb()
	bar := strings.Split(d.screen(), "\n")[wb.headerHeight()]
	x := strings.Index(bar, "4 Sessions")
	if x < 0 {
		t.Fatalf("no Sessions tab in %q", bar)
	}
	d.send(tea.MouseClickMsg{X: x + 2, Y: wb.headerHeight(), Button: tea.MouseLeft})
	if wb.tab != tabSessions {
		t.Fatalf("a click on the Sessions tab opened %s", tabNames[wb.tab])
	}
	x = strings.Index(bar, "2 Alerts")
	d.send(tea.MouseClickMsg{X: x, Y: wb.headerHeight(), Button: tea.MouseLeft})
	if wb.tab != tabAlerts {
		t.Fatalf("a click on the Alerts tab opened %s", tabNames[wb.tab])
	}
	row := wb.headerHeight() + 1 + 3 // the third alert
	d.send(tea.MouseClickMsg{X: 5, Y: row, Button: tea.MouseLeft})
	if wb.alerts.table.cursor != 2 {
		t.Fatalf("a click on the third alert selected row %d", wb.alerts.table.cursor)
	}
	d.send(tea.MouseClickMsg{X: 5, Y: row, Button: tea.MouseLeft})
	d.mustStack(screenKeys, screenWorkbench, screenDetail)
}

// Relative times and the wrap preview are toggles of every screen.
func TestTimeAndWrapToggles(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 80, 24)
	d.press("enter", "2")
	d.mustShow("TIME (UTC)")
	d.press("T")
	d.mustShow("WHEN", " ago")
	d.press("T")
	d.mustShow("TIME (UTC)")
	id := d.app.wb().alerts.selected().AlertID
	d.mustNotShow(id) // the alert id is hidden at 80 columns…
	d.press("z")
	d.mustShow("ALERT ID: " + id) // …and whole under the table with wrap on
	checkFits(t, d, 80, 24)
}

func TestRelative(t *testing.T) {
	now := time.Date(2026, 3, 12, 16, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{now.Add(-30 * time.Second), "30s ago"},
		{now.Add(-12 * time.Minute), "12m ago"},
		{now.Add(-(3*time.Hour + 12*time.Minute)), "3h12m ago"},
		{now.Add(-(50 * time.Hour)), "2d2h ago"},
		{now.Add(40 * time.Minute), "in 40m"},
		{time.Time{}, "-"},
	} {
		if got := relative(tc.t, now); got != tc.want {
			t.Errorf("relative(%s) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

// An alert's detail has the rule's description and ATT&CK mapping, the document as the
// source holds it (y copies it), and the alert's Kibana link (L copies it).
func TestAlertDetailRuleDocumentAndLinks(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 120, 36)
	d.press("enter", "2")
	s := *d.app.wb().alerts.selected()
	if s.RuleDescription == "" || len(s.Threats) == 0 || len(s.Raw) == 0 {
		t.Fatalf("the demo's first alert should carry a description, threats and its document: %+v", s)
	}
	d.press("enter")
	d.mustShow("RULE DESCRIPTION", "MITRE ATT&CK", s.Threats[0].String()[:20], "DOCUMENT (_source")
	d.press("L")
	want := demoOptions(nil).KibanaTarget.AlertURL(&s)
	if len(d.clips) == 0 || !strings.Contains(d.clips[len(d.clips)-1], want) {
		t.Fatalf("L should copy %s; clipboard %v", want, d.clips)
	}
	d.press("y")
	if last := d.clips[len(d.clips)-1]; !strings.Contains(last, `"@timestamp"`) || !strings.Contains(last, s.AlertID) {
		t.Fatalf("y should copy the alert's document: %.300s", last)
	}
}

// On a short terminal the question asked, and what it is about, stay on screen: the
// details give way, then the list.
func TestConfirmationFitsShortTerminals(t *testing.T) {
	for _, sz := range [][2]int{{60, 12}, {60, 14}, {80, 12}, {80, 16}, {80, 24}} {
		d := newDriver(t, demoOptions(&memJournal{}), sz[0], sz[1])
		key := d.app.keys.selectedKey().String()
		d.press("enter", "a", "enter")
		scr := d.screen()
		for _, want := range []string{"Type the key id", "> ", "┗", "Deactivate access key"} {
			if !strings.Contains(scr, want) {
				t.Fatalf("%dx%d: the confirmation lacks %q:\n%s", sz[0], sz[1], want, scr)
			}
		}
		checkFits(t, d, sz[0], sz[1])
		d.typeText(key)
		d.press("enter")
		d.mustShow("done: Active → Inactive")
		checkFits(t, d, sz[0], sz[1])
	}
}

// A deactivation undone can run again, and its undo after it: the plan follows what ran
// last, in this session and when restored from the case state.
func TestUndoThenRedoFromThePlan(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 120, 36)
	key := d.app.keys.selectedKey().String()
	confirm := func() {
		t.Helper()
		d.press("enter")
		d.typeText(key)
		d.press("enter")
	}
	d.press("enter", "a")
	confirm() // deactivate
	d.mustShow("[done]")
	d.press("down") // the reactivation, listed under it
	confirm()
	if st := d.app.ui.state.keyStatus(key, false); st != "Active" {
		t.Fatalf("after the reactivation the state says %q", st)
	}
	d.press("esc", "a") // the plan again, restored from the case state
	if why := d.app.rem().whyNot(0); why != "" {
		t.Fatalf("the deactivation should run again after its undo: %s", why)
	}
	confirm()
	if st := d.app.ui.state.keyStatus(key, false); st != "Inactive" {
		t.Fatalf("deactivated again, the state says %q", st)
	}
	d.press("down")
	if why := d.app.rem().whyNot(d.app.rem().current()); why != "" {
		t.Fatalf("the reactivation should be offered again: %s", why)
	}
}

// A screen left while its batch runs cannot be: the outcome is said where it ran, and
// recorded whatever happens to the screen.
func TestRunningBatchHoldsTheScreen(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 120, 36)
	key := d.app.keys.selectedKey().String()
	d.press("enter", "a", "enter")
	d.typeText(key)
	_, run := d.app.Update(keyMsg("enter")) // the batch's command, not run yet
	if !d.app.rem().Capturing() {
		t.Fatal("a running batch should hold the keyboard")
	}
	d.press(":")
	d.press("esc")
	d.mustStack(screenKeys, screenWorkbench, screenRemediation)
	d.run(run)
	d.mustShow("[done]")
	if st := d.app.ui.state.keyStatus(key, false); st != "Inactive" {
		t.Fatalf("the state says %q", st)
	}
}

// :export before anything is loaded says so instead of exporting nothing.
func TestPromptExportNeedsSomethingLoaded(t *testing.T) {
	trail := &memTrail{events: fixtureEvents(t, "aws-cli/2.15"), gate: make(chan struct{})}
	d := newDriver(t, Options{Workspace: fixtureWorkspace(trail), NoColor: true}, 100, 30)
	d.enterKey() // the case is held at the gate
	d.press(":")
	d.typeText("export md")
	d.press("enter")
	d.mustShow("the case has not loaded yet")
	close(trail.gate)
}

// The watch keeps the room it was given through its polls.
func TestWatchKeepsItsSize(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 80, 24)
	d.press("enter", "W")
	w := d.app.watch()
	if w == nil {
		t.Fatalf("W should open the watch:\n%s", d.screen())
	}
	w.tick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }
	d.send(watchMsg{gen: w.gen, res: &investigate.PollResult{}}) // the verdict line comes with the first
	h := w.list.height
	for range 5 {
		d.send(watchMsg{gen: w.gen, res: &investigate.PollResult{}})
	}
	if w.list.height != h {
		t.Fatalf("the watch's list went from %d to %d rows over polls", h, w.list.height)
	}
	checkFits(t, d, 80, 24)
}
