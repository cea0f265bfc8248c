package tui

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/internal/simaccount"
	"github.com/keypivot/keypivot/investigate"
)

// rowsOf returns the table's rows as the screen shows them, from the column header on.
func keyOrder(d *driver) []string {
	var out []string
	for _, r := range d.app.keys.rows {
		out = append(out, d.app.keys.ranking.Keys[r].Key.String())
	}
	return out
}

func TestKeysScreenListsSortsFiltersAndToggles(t *testing.T) {
	f := demoSet().Facts
	d := newDriver(t, demoOptions(&memJournal{}), 120, 30)
	d.mustShow("access keys correlated", "[DEMO]", f.CompromisedKey, "first-seen only hidden (f)")
	d.mustNotShow(f.DeveloperKey)
	if got := d.app.keys.selectedKey(); got.String() != f.CompromisedKey {
		t.Fatalf("the top-ranked key should be selected first: %s, want %s", got, f.CompromisedKey)
	}
	correlated := len(d.app.keys.rows)

	// f lists the keys that are first seen only, marked ·, and hides them again.
	d.press("f")
	d.mustShow(f.DeveloperKey)
	if len(d.app.keys.rows) <= correlated {
		t.Fatalf("f should add first-seen-only keys: %d rows, %d before", len(d.app.keys.rows), correlated)
	}
	d.press("f")
	d.mustNotShow(f.DeveloperKey)

	// Navigation: j and down move, k and up move back, G and g jump.
	d.press("j")
	second := keyOrder(d)[1]
	if got := d.app.keys.selectedKey(); got.String() != second {
		t.Fatalf("j should select the second key %s, got %s", second, got)
	}
	d.press("k")
	if got := d.app.keys.selectedKey(); got.String() != f.CompromisedKey {
		t.Fatalf("k should go back to %s, got %s", f.CompromisedKey, got)
	}
	d.press("G")
	if d.app.keys.table.cursor != len(d.app.keys.rows)-1 {
		t.Fatalf("G should select the last row")
	}
	d.press("g")

	// Sorting by a column: 2 sorts by key id, 2 again reverses; the header marks it.
	d.press("f", "2")
	keys := keyOrder(d)
	if !slices.IsSorted(keys) {
		t.Fatalf("2 should sort by key id: %v", keys)
	}
	d.mustShow("ACCESS KEY▲")
	d.press("2")
	rev := keyOrder(d)
	slices.Reverse(rev)
	if !slices.Equal(rev, keys) {
		t.Fatalf("2 again should reverse the order: %v", keyOrder(d))
	}
	d.mustShow("ACCESS KEY▼")
	// s cycles to the next column (user), S reverses it.
	d.press("s")
	users := []string{}
	for _, r := range d.app.keys.rows {
		users = append(users, d.app.keys.ranking.Keys[r].User)
	}
	if !slices.IsSorted(users) {
		t.Fatalf("s should sort by the next column (user): %v", users)
	}

	// / filters as the analyst types; q is typed, not quit; esc clears the filter.
	d.press("/")
	d.typeText(strings.ToLower(f.BackdoorUser[:6]) + "q")
	if d.app.keys.query != strings.ToLower(f.BackdoorUser[:6])+"q" {
		t.Fatalf("the filter should hold what was typed, got %q", d.app.keys.query)
	}
	d.press("backspace")
	for _, r := range d.app.keys.rows {
		s := d.app.keys.ranking.Keys[r]
		if !strings.Contains(strings.ToLower(s.User+s.Key.String()+s.UserARN), strings.ToLower(f.BackdoorUser[:6])) {
			t.Fatalf("filter %q let %s (%s) through", d.app.keys.query, s.Key, s.User)
		}
	}
	if len(d.app.keys.rows) == 0 {
		t.Fatalf("filter %q should match the backdoor user's key", d.app.keys.query)
	}
	d.press("enter")
	d.mustShow("filter: " + strings.ToLower(f.BackdoorUser[:6]))
	d.press("esc")
	d.mustNotShow("filter: ")
	if len(d.app.keys.rows) != correlated+len(d.app.keys.ranking.Keys)-correlated {
		t.Fatalf("esc should clear the filter: %d rows", len(d.app.keys.rows))
	}
}

// openDemoKey opens the compromised key's workbench and waits for its case.
func openDemoKey(t *testing.T, d *driver) {
	t.Helper()
	d.press("enter")
	if d.app.wb() == nil || d.app.wb().c == nil || d.app.wb().loading {
		t.Fatalf("the case should have loaded:\n%s", d.screen())
	}
}

func TestWorkbenchHeaderTabsAndTimelineFilters(t *testing.T) {
	f := demoSet().Facts
	d := newDriver(t, demoOptions(&memJournal{}), 160, 48)
	openDemoKey(t, d)
	c := d.app.wb().c
	// The header always says which key, whose, and from where.
	for _, tab := range []string{"1", "2", "3", "4", "5", "6", "7"} {
		d.press(tab)
		d.mustShow(f.CompromisedKey, "user "+f.CompromisedUser, "account "+f.ProdAccount, "[DEMO]", "DEMO: embedded scenario")
	}
	d.press("1")
	d.mustShow("ASSESSMENT", "RISKIEST FINDINGS", "DERIVED SESSIONS", "LEFT BEHIND (tab 7 Artifacts)", f.BackdoorKey)
	d.press("tab")
	if d.app.wb().tab != tabAlerts {
		t.Fatalf("tab should go to Alerts")
	}
	d.mustShow(c.Siblings[0].RuleName[:20])
	d.press("shift+tab", "l", "l")
	if d.app.wb().tab != tabTimeline {
		t.Fatalf("shift+tab, l, l should land on Timeline, got %d", d.app.wb().tab)
	}
	tl := d.app.wb().timeline
	if len(tl.rows) != len(c.Timeline) {
		t.Fatalf("unfiltered timeline shows %d of %d events", len(tl.rows), len(c.Timeline))
	}
	count := func(pred func(e *investigate.TimelineEntry) bool) int {
		n := 0
		for i := range c.Timeline {
			if pred(&c.Timeline[i]) {
				n++
			}
		}
		return n
	}
	check := func(what string, pred func(e *investigate.TimelineEntry) bool) {
		t.Helper()
		want := count(pred)
		if want == 0 || want == len(c.Timeline) {
			t.Fatalf("%s: the demo should make this filter meaningful (%d of %d)", what, want, len(c.Timeline))
		}
		if len(tl.rows) != want {
			t.Fatalf("%s: %d rows, want %d", what, len(tl.rows), want)
		}
		for _, r := range tl.rows {
			if !pred(&c.Timeline[r]) {
				t.Fatalf("%s let %s through", what, c.Timeline[r].Name)
			}
		}
	}
	d.press("x")
	check("errors only", func(e *investigate.TimelineEntry) bool { return e.ErrorCode != "" })
	d.mustShow("errors only", "filtered from")
	d.press("w")
	check("errors and writes", func(e *investigate.TimelineEntry) bool { return e.ErrorCode != "" && e.IsWrite() })
	d.press("c")
	if len(tl.rows) != len(c.Timeline) {
		t.Fatalf("c should clear every filter")
	}

	// i opens a picker of source IPs; choosing one filters to it.
	d.press("i")
	d.mustShow("filter the timeline by one source IP", f.SessionIP)
	d.press("g") // the picker opens on the selected event's address
	for i := 0; d.app.wb().timeline.picker != nil && i < 200; i++ {
		v, _ := tl.picker.value()
		if v == f.SessionIP {
			d.press("enter")
			break
		}
		d.press("j")
	}
	check("one source IP", func(e *investigate.TimelineEntry) bool { return e.SourceIP == f.SessionIP })
	d.press("esc") // esc peels the last filter before it leaves the workbench
	if len(tl.rows) != len(c.Timeline) || d.app.screen() != screenWorkbench {
		t.Fatalf("esc should remove the IP filter and stay")
	}
	pick := func(k, want string) {
		t.Helper()
		d.press(k, "g")
		for i := 0; tl.picker != nil && i < 200; i++ {
			if v, _ := tl.picker.value(); v == want {
				d.press("enter")
				return
			}
			d.press("down")
		}
		t.Fatalf("picker %s has no %s", k, want)
	}
	pick("v", "ec2")
	check("one service", func(e *investigate.TimelineEntry) bool { return e.Service() == "ec2" })
	d.press("c")
	pick("r", "eu-west-1")
	check("one region", func(e *investigate.TimelineEntry) bool { return e.Region == "eu-west-1" })
	d.press("c")
	sess := f.Sessions[0].Key
	pick("n", sess)
	check("one session", func(e *investigate.TimelineEntry) bool { return e.Signer() == sess })
	d.mustShow("signer " + sess)
	d.press("c")

	// / searches event names (and ids, addresses, agents).
	d.press("/")
	d.typeText("runinstances")
	d.press("enter")
	check("search", func(e *investigate.TimelineEntry) bool { return e.Name == "RunInstances" })

	// Enter opens the full record, pretty-printed; ] steps to the next match.
	d.press("enter")
	if d.app.screen() != screenDetail {
		t.Fatalf("enter should open the record")
	}
	first := d.app.detail().event.ID
	d.mustShow(`"eventName": "RunInstances"`, "eventID "+first, "the event in the CloudTrail console (L copies it): https://")
	d.press("]")
	if d.app.detail().event.ID == first || d.app.detail().event.Name != "RunInstances" {
		t.Fatalf("] should show the next RunInstances, got %s %s", d.app.detail().event.Name, d.app.detail().event.ID)
	}
	d.press("[")
	if d.app.detail().event.ID != first {
		t.Fatalf("[ should go back")
	}
	// The record scrolls.
	before := d.app.detail().list.offset
	d.press("j", "j", "pgdown")
	if d.app.detail().list.offset <= before {
		t.Fatalf("j and pgdown should scroll the record")
	}
	d.press("esc")
	if d.app.screen() != screenWorkbench || d.app.wb().tab != tabTimeline {
		t.Fatalf("esc should return to the timeline")
	}

	// Sessions: enter shows the session's events in the timeline.
	d.press("c", "4")
	d.mustShow("SESSION "+d.app.wb().sessions.rows[0].AccessKeyID, "actions")
	d.press("enter")
	if d.app.wb().tab != tabTimeline || tl.signer != d.app.wb().sessions.rows[0].AccessKeyID {
		t.Fatalf("enter on a session should filter the timeline to it")
	}
	// Network: enter on an address filters the timeline to it.
	d.press("c", "6")
	d.mustShow("SOURCE IPS", "USER AGENTS", f.FirstSeenIP)
	d.press("enter")
	if d.app.wb().tab != tabTimeline || tl.ip == "" {
		t.Fatalf("enter on an address should filter the timeline")
	}
	// Follow-ups: key pairs, launches (failed ones with their error), instances.
	d.press("c", "5")
	d.mustShow("KEY PAIRS → LAUNCHES → INSTANCES", f.KeyPairs[0].Name, "RunInstances", "FAILED", f.Launches[len(f.Launches)-1].InstanceIDs[0])
	d.press("enter")
	if d.app.screen() != screenDetail {
		t.Fatalf("enter on a key pair should open its record")
	}
	d.press("esc", "esc")
	if d.app.screen() != screenKeys || d.app.wb() != nil {
		t.Fatalf("esc from the workbench should go back to the keys")
	}
}

func TestRemediationEnterAloneNeverConfirms(t *testing.T) {
	j := &memJournal{}
	var acct *simaccount.Account
	opts := demoOptionsKeeping(j, &acct)
	key := demoSet().Facts.CompromisedKey
	d := newDriver(t, opts, 120, 40)
	openDemoKey(t, d)
	d.press("a")
	d.mustShow("REMEDIATION PLAN for "+key, "aws iam update-access-key --access-key-id "+key+" --status Inactive", "affects", "undo", "acting as")
	if acct == nil {
		t.Fatal("the remediator was not asked")
	}
	d.press("enter")
	d.mustShow("Type the key id " + key + " to confirm")
	// q is typed into the field: the prompt keeps the keyboard.
	d.press("q")
	if d.app.screen() != screenRemediation || d.app.rem().input.Value() != "q" {
		t.Fatalf("q should be typed into the prompt")
	}
	d.press("backspace", "enter")
	d.mustShow("Enter alone does not confirm")
	d.typeText("AKIAAAAAAAAAAAAAAAAA")
	d.press("enter")
	d.mustShow("not confirmed: that is not the key id; nothing was done")
	// A prefix of the key is not the key.
	d.typeText(key[:19])
	d.press("enter")
	d.mustShow("not confirmed")
	if acct.KeyStatus(key) != "Active" || acct.Writes() != 0 || len(j.phases()) != 0 {
		t.Fatalf("nothing may be done before the key id is typed: status %s, %d writes, journal %v", acct.KeyStatus(key), acct.Writes(), j.phases())
	}
	d.press("esc")
	d.mustShow("cancelled: nothing was done")
	if d.app.screen() != screenRemediation {
		t.Fatal("esc in the prompt cancels the prompt, not the screen")
	}
	// The key id typed in full confirms; the outcome, the undo and the journal show.
	d.press("enter")
	d.typeText(key)
	d.press("enter")
	if acct.KeyStatus(key) != "Inactive" || acct.Writes() != 1 {
		t.Fatalf("the typed key id should deactivate the key: %s, %d writes", acct.KeyStatus(key), acct.Writes())
	}
	want := []string{"intent deactivate-key:" + key, "done deactivate-key:" + key}
	if !slices.Equal(j.phases(), want) {
		t.Fatalf("journal %v, want %v", j.phases(), want)
	}
	d.mustShow("[done]", "OUTCOME", "Active → Inactive", "journal.jsonl", "reactivate the key", "Reactivate access key "+key)
	// Refused actions say why and never prompt.
	for p, i := range d.app.rem().order {
		if d.app.rem().actions[i].Refusal != "" {
			d.app.rem().cursor = p
			d.press("enter")
			d.mustShow("refused: ")
			if d.app.rem().inputActive() {
				t.Fatal("a refused action must not prompt")
			}
			break
		}
	}
	d.press("esc")
	if d.app.screen() != screenWorkbench {
		t.Fatal("esc leaves the remediation screen")
	}
}

func TestRemediationSecondConfirmAndReadOnly(t *testing.T) {
	trail := &memTrail{events: fixtureEvents(t, "aws-cli/2.15")}
	acct := &simaccount.Account{}
	j := &memJournal{}
	opts := Options{
		Workspace: fixtureWorkspace(trail), Journal: j, JournalPath: "j.jsonl", NoColor: true, Now: func() time.Time { return testClock },
		Remediator: func(_ context.Context, c *investigate.Case) (investigate.Remediator, error) {
			// The analyst signs in as the key's own user: the plan asks twice.
			acct = simaccount.FromCase(c, investigate.Caller{ARN: "arn:aws:iam::" + fxAccount + ":user/alice", Account: fxAccount, UserName: "alice", AccessKeyID: "AKIAOTHERKEYOFALICE1"})
			return acct, nil
		},
	}
	d := newDriver(t, opts, 100, 30)
	d.press("enter", "a")
	if d.app.rem() == nil || len(d.app.rem().actions) == 0 || d.app.rem().actions[0].SecondConfirm == "" {
		t.Fatalf("acting as the key's own user should ask twice:\n%s", d.screen())
	}
	d.press("enter")
	d.typeText(fxKey)
	d.press("enter")
	d.mustShow("SECOND CONFIRMATION")
	if acct.Writes() != 0 {
		t.Fatal("one confirmation is not enough")
	}
	d.press("enter")
	d.mustShow("Enter alone does not confirm")
	d.typeText(fxKey)
	d.press("enter")
	if acct.KeyStatus(fxKey) != "Inactive" {
		t.Fatalf("two confirmations should deactivate the key:\n%s", d.screen())
	}

	// Read-only: the plan shows, nothing prompts, nothing runs.
	opts.ReadOnly = true
	d = newDriver(t, opts, 100, 30)
	d.press("enter", "a")
	d.mustShow("READ-ONLY", "aws iam update-access-key", "[plan only]")
	d.press("enter")
	d.mustShow("read-only mode: no write is made")
	if d.app.rem().inputActive() || acct.Writes() != 0 {
		t.Fatal("read-only mode must not prompt or write")
	}
}

func TestStaleCaseResultIsDroppedAndLeavingCancels(t *testing.T) {
	trail := &memTrail{events: fixtureEvents(t, "aws-cli/2.15"), gate: make(chan struct{})}
	d := newDriver(t, Options{Workspace: fixtureWorkspace(trail), NoColor: true, UpdateInterval: 1}, 120, 30)
	d.press("f") // both fixture keys
	if got := d.app.keys.selectedKey(); got.String() != fxKey {
		t.Fatalf("selected %s, want %s", got, fxKey)
	}
	// Open the first key without running its work: the trail is held at the gate.
	_, open := d.app.Update(keyMsg("enter"))
	_, oldWait := d.app.Update(open()) // the keys list asks for the key: the App opens it
	oldGen := d.app.wb().gen
	d.mustShow("reading the trail for "+fxKey, "building the case")
	// Leave it once its trail query is under way, and open the other key.
	for i := 0; ; i++ {
		trail.mu.Lock()
		q := trail.queries
		trail.mu.Unlock()
		if q > 0 {
			break
		}
		if i > 2000 {
			t.Fatal("the trail was never queried")
		}
		time.Sleep(time.Millisecond)
	}
	d.press("esc")
	if d.app.screen() != screenKeys {
		t.Fatal("esc should go back to the keys")
	}
	d.press("j")
	_, open = d.app.Update(keyMsg("enter"))
	_, newWait := d.app.Update(open())
	if d.app.wb().key.String() != fxOther || d.app.wb().gen == oldGen {
		t.Fatalf("the second key should be open with a new generation")
	}
	close(trail.gate) // both investigations may now finish (the first was cancelled)
	// The first key's result arrives late: it must not replace the second key's case.
	stale := d.exec(oldWait).(caseMsg)
	if stale.gen != oldGen {
		t.Fatalf("the old command answered for generation %d, want %d", stale.gen, oldGen)
	}
	if stale.has && stale.upd.Case != nil && stale.upd.Case.Key.String() == fxOther {
		t.Fatal("the stale result should be the first key's")
	}
	d.send(stale)
	if d.app.wb().key.String() != fxOther || (d.app.wb().c != nil && d.app.wb().c.Key.String() != fxOther) {
		t.Fatalf("a stale result replaced the open case")
	}
	d.run(newWait)
	if d.app.wb().c == nil || d.app.wb().c.Key.String() != fxOther || d.app.wb().loading {
		t.Fatalf("the second key's case should have loaded")
	}
	d.mustShow(fxOther)
	trail.mu.Lock()
	cancelled := trail.cancelled
	trail.mu.Unlock()
	if cancelled == 0 {
		t.Fatal("leaving the first key should have cancelled its trail query")
	}
}

func TestLoadingShowsProgressAndStreamsSnapshots(t *testing.T) {
	trail := &memTrail{events: fixtureEvents(t, "aws-cli/2.15"), gate: make(chan struct{})}
	d := newDriver(t, Options{Workspace: fixtureWorkspace(trail), NoColor: true, UpdateInterval: 1}, 100, 30)
	wait := d.enterKey()
	d.mustShow("building the case… 0 events")
	close(trail.gate)
	// Snapshots stream in until the case is done; each one is shown.
	for i := 0; wait != nil && i < 100; i++ {
		m := d.exec(wait).(caseMsg)
		_, wait = d.app.Update(m)
	}
	if d.app.wb().loading || d.app.wb().updates == 0 {
		t.Fatalf("the case should be done after %d snapshots", d.app.wb().updates)
	}
	d.press("3")
	d.mustShow("GetSessionToken", "event 1 of 7")
}

// An archive source's scan shows in the status line while the case builds: files,
// bytes, rate and the time left.
func TestLoadingShowsTheArchiveScan(t *testing.T) {
	trail := &memTrail{events: fixtureEvents(t, "aws-cli/2.15"), gate: make(chan struct{}),
		scan: &investigate.ScanProgress{Files: 300, TotalFiles: 1000, Bytes: 30e6, Read: 3e6, TotalSize: 10e6, Elapsed: time.Second}}
	d := newDriver(t, Options{Workspace: fixtureWorkspace(trail), NoColor: true, UpdateInterval: 1}, 160, 30)
	wait := d.enterKey()
	m := d.exec(wait).(caseMsg)
	_, wait = d.app.Update(m)
	d.mustShow("300/1,000 files, 30 MB, 30 MB/s, about 2s left")
	close(trail.gate)
	for i := 0; wait != nil && i < 100; i++ {
		m := d.exec(wait).(caseMsg)
		_, wait = d.app.Update(m)
	}
	if d.app.wb().loading {
		t.Fatal("the case should be done")
	}
	d.mustNotShow("files,")
}

func TestExportCopyHelpMouseAndResize(t *testing.T) {
	dir := t.TempDir()
	opts := demoOptions(&memJournal{})
	opts.ExportDir = dir
	opts.Mouse = true
	d := newDriver(t, opts, 80, 24)
	if d.app.View().MouseMode != tea.MouseModeCellMotion {
		t.Fatal("the mouse is on by default")
	}
	key := demoSet().Facts.CompromisedKey
	// y on the keys screen copies the selected key id.
	d.press("y")
	if len(d.clips) != 1 || d.clips[0] != key {
		t.Fatalf("y should copy the key id, got %q", d.clips)
	}
	openDemoKey(t, d)
	// e exports the case as Markdown and says where.
	d.press("e")
	d.mustShow("export as: m Markdown · j JSON")
	d.press("m")
	md := filepath.Join(dir, "keypivot-"+key+"-20260312T160000Z.md")
	// At 80 columns the status keeps the path readable: the file's name at least.
	d.mustShow("→ ", filepath.Base(md))
	if !strings.Contains(d.app.status, "exported the case of "+key+" as Markdown to "+md) {
		t.Fatalf("the status should say what was exported where: %q", d.app.status)
	}
	b, err := os.ReadFile(md)
	if err != nil || !strings.Contains(string(b), "# Access key `"+key+"`") {
		t.Fatalf("Markdown export %s: %v\n%.300s", md, err, b)
	}
	d.press("e", "j")
	b, err = os.ReadFile(filepath.Join(dir, "keypivot-"+key+"-20260312T160000Z.json"))
	var c struct{ Key string }
	if err != nil || json.Unmarshal(b, &c) != nil || c.Key != key {
		t.Fatalf("JSON export: %v %q", err, c.Key)
	}
	// A second export never overwrites the first.
	d.press("e", "j")
	if _, err := os.Stat(filepath.Join(dir, "keypivot-"+key+"-20260312T160000Z-2.json")); err != nil {
		t.Fatalf("the second export should get its own name: %v", err)
	}
	// y on a timeline row copies the event's JSON; Y the key id.
	d.press("3", "j", "y")
	var ev map[string]any
	if err := json.Unmarshal([]byte(d.clips[len(d.clips)-1]), &ev); err != nil || ev["eventID"] != d.app.wb().timeline.selectedEntry().ID {
		t.Fatalf("y on the timeline should copy the event's JSON: %v", err)
	}
	d.press("Y")
	if d.clips[len(d.clips)-1] != key {
		t.Fatal("Y copies the key id")
	}
	// ? shows the full keymap of the screen; esc closes it.
	d.press("?")
	d.mustShow("keys for the key workbench (Timeline)", "errors only", "one source IP", "one service", "one region", "one session/signer", "remediate")
	d.press("esc")
	d.mustNotShow("keys for the key workbench")
	// The wheel scrolls.
	before := d.app.wb().timeline.table.cursor
	d.send(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if d.app.wb().timeline.table.cursor != before+3 {
		t.Fatalf("the wheel should move 3 rows: %d -> %d", before, d.app.wb().timeline.table.cursor)
	}
	// Resizing reflows every screen to the new size.
	for _, sz := range [][2]int{{80, 24}, {250, 60}, {100, 30}, {80, 24}} {
		d.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		for _, tab := range []string{"1", "2", "3", "4", "5", "6", "7"} {
			d.press(tab)
			checkFits(t, d, sz[0], sz[1])
		}
	}
}

func checkFits(t *testing.T, d *driver, w, h int) {
	t.Helper()
	lines := strings.Split(d.screen(), "\n")
	if len(lines) != h {
		t.Fatalf("%dx%d: %d lines", w, h, len(lines))
	}
	for _, l := range lines {
		if n := lipglossWidth(l); n > w {
			t.Fatalf("%dx%d: a line is %d wide: %q", w, h, n, l)
		}
	}
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

func TestKeyOnTheCommandLineOpensItsWorkbench(t *testing.T) {
	opts := demoOptions(&memJournal{})
	opts.Key = investigate.MustParseAccessKeyID(demoSet().Facts.DeveloperKey)
	d := newDriver(t, opts, 100, 30)
	if d.app.screen() != screenWorkbench || d.app.wb().key != opts.Key || d.app.wb().c == nil {
		t.Fatalf("Options.Key should open that key's workbench:\n%s", d.screen())
	}
	d.mustShow(opts.Key.String(), "user "+demoSet().Facts.DeveloperUser)
	d.press("esc")
	d.mustShow("access keys correlated")
}
