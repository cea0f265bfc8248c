package tui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/internal/simaccount"
	"github.com/keypivot/keypivot/investigate"
)

// listText is a text list's lines, colour off, joined.
func listText(l *textList) string {
	var out []string
	for _, ln := range l.lines {
		out = append(out, ansi.Strip(ln.text))
	}
	return strings.Join(out, "\n")
}

// words reports whether every word of s appears, in order, in text (which may wrap s).
func words(text, s string) bool {
	return strings.Contains(strings.Join(strings.Fields(text), " "), strings.Join(strings.Fields(s), " "))
}

// The Artifacts tab lists each child key with its attribution, use and state, and each
// artifact with its kind, resource, who made it, when and by which event, its live state
// and what removed it; nothing of it is cut at 80 columns. enter follows a child key to
// its timeline, an artifact to its event's record.
func TestArtifactsTabShowsChildKeysAndWhatWasLeftBehind(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 80, 24)
	openDemoKey(t, d)
	c := d.app.wb().c
	if len(c.CreatedAccessKeys) == 0 || len(c.Artifacts) < 5 {
		t.Fatalf("the demo should have child keys and artifacts: %d, %d", len(c.CreatedAccessKeys), len(c.Artifacts))
	}
	d.press("7")
	checkFits(t, d, 80, 24)
	d.mustShow("[7 Artifacts]", "CHILD KEYS (", c.CreatedAccessKeys[0].AccessKeyID)
	text := listText(&d.app.wb().artifacts.list)
	for _, l := range strings.Split(text, "\n") {
		if ansi.StringWidth(l) > 80 {
			t.Fatalf("a line is wider than the screen (cut on display): %q", l)
		}
	}
	for _, k := range c.CreatedAccessKeys {
		for _, want := range []string{k.AccessKeyID + " for user " + k.User, "CreateAccessKey event " + k.EventID, "created " + fullTime(k.Time) + " UTC", plural(k.EventCount, "event"), "now: not checked live"} {
			if !words(text, want) {
				t.Errorf("child key %s: the tab lacks %q:\n%s", k.AccessKeyID, want, text)
			}
		}
	}
	byChild := 0
	for _, a := range c.Artifacts {
		for _, want := range []string{a.Kind, a.Resource, a.EventName + " event " + a.EventID, "made " + fullTime(a.Time) + " UTC"} {
			if !words(text, want) {
				t.Errorf("artifact %s: the tab lacks %q:\n%s", a.ID, want, text)
			}
		}
		if a.ByChild {
			byChild++
			if !words(text, "by child key "+a.Signer) {
				t.Errorf("artifact %s was made by child key %s: the tab does not say so", a.ID, a.Signer)
			}
		}
	}
	if byChild == 0 {
		t.Fatal("the demo's child key should have left artifacts behind")
	}
	if got := strings.Count(text, "now: not checked live"); got != len(c.Artifacts)+len(c.CreatedAccessKeys) {
		t.Errorf("without a live lookup every artifact and child key is 'not checked live': %d of %d", got, len(c.Artifacts)+len(c.CreatedAccessKeys))
	}
	d.mustShow("1 child key · " + plural(len(c.Artifacts), "artifact"))

	// enter on the child key: its timeline.
	d.press("enter")
	if d.app.wb().tab != tabTimeline || d.app.wb().timeline.signer != c.CreatedAccessKeys[0].AccessKeyID {
		t.Fatalf("enter on a child key should show its timeline:\n%s", d.screen())
	}
	for _, r := range d.app.wb().timeline.rows {
		if c.Timeline[r].Signer() != c.CreatedAccessKeys[0].AccessKeyID {
			t.Fatalf("the child key's timeline shows an event of %s", c.Timeline[r].Signer())
		}
	}
	d.mustShow(" C ") // its events are marked as a child key's
	// enter on an artifact: the record of the event that made it.
	d.press("c", "7", "j", "enter")
	if d.app.screen() != screenDetail || d.app.detail().event == nil || d.app.detail().event.ID != c.Artifacts[0].EventID {
		t.Fatalf("enter on the first artifact should open event %s:\n%s", c.Artifacts[0].EventID, d.screen())
	}

	// The Overview counts the key's, its sessions' and its children's events apart, and
	// sums up what was left behind.
	d.press("esc", "1")
	ov := listText(&d.app.wb().overview.textList)
	for _, want := range []string{
		plural(c.EventCount, "event") + " by the key",
		commas(c.SessionEventCount) + " by 4 derived sessions",
		commas(c.ChildEventCount) + " by 1 access key it created",
		"LEFT BEHIND (tab 7 Artifacts)",
		"child keys     " + c.CreatedAccessKeys[0].AccessKeyID,
		"artifacts      " + itoa(len(c.Artifacts)) + ": ",
	} {
		if !words(ov, want) {
			t.Errorf("the Overview lacks %q:\n%s", want, ov)
		}
	}
	if c.ChildEventCount == 0 || c.EventCount+c.SessionEventCount+c.ChildEventCount+c.OtherEventCount != len(c.Timeline) {
		t.Errorf("the counts should add up to the timeline: %d+%d+%d+%d of %d", c.EventCount, c.SessionEventCount, c.ChildEventCount, c.OtherEventCount, len(c.Timeline))
	}
}

// quarantineOwner is a live owner lookup that finds AWS's quarantine policy on alice.
func quarantineOwner() liveOwner {
	arn := "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2"
	return liveOwner{investigate.OwnerInfo{
		Account: fxAccount, User: "alice", ARN: "arn:aws:iam::" + fxAccount + ":user/alice", Status: "Active", Sources: []string{"iam"},
		AttachedPolicies: []string{arn},
		PolicyDenies:     map[string][]string{arn: {"iam:CreateAccessKey", "ec2:RunInstances", "lambda:CreateFunction"}},
	}}
}

// AWS's quarantine policy shows in the header (a short marker), in the Overview (with
// what it still allows) and on the remediation screen.
func TestQuarantineInHeaderOverviewAndPlan(t *testing.T) {
	trail := &memTrail{events: fixtureEvents(t, "aws-cli/2.15")}
	ws := fixtureWorkspace(trail)
	ws.Owner = quarantineOwner()
	opts := Options{Workspace: ws, NoColor: true, Journal: &memJournal{}, Now: func() time.Time { return testClock },
		Remediator: func(_ context.Context, c *investigate.Case) (investigate.Remediator, error) {
			return simaccount.FromCase(c, responderCaller()), nil
		}}
	d := newDriver(t, opts, 80, 24)
	d.press("enter")
	checkFits(t, d, 80, 24)
	q := d.app.wb().c.Quarantine
	if q == nil || !q.InEffect() {
		t.Fatalf("the live lookup should find the quarantine: %+v", q)
	}
	// At 80 columns the marker does not fit beside the key's status: it wraps, whole.
	head := strings.Split(d.screen(), "\n")
	if !strings.HasPrefix(head[0], fxKey) || strings.Contains(head[0], "…") || strings.TrimSpace(head[1]) != "│ AWS quarantine V2" && strings.TrimSpace(head[1]) != "AWS quarantine V2" {
		t.Fatalf("the header should mark the quarantine on a line of its own, nothing cut:\n%s", d.screen())
	}
	ov := listText(&d.app.wb().overview.textList)
	for _, want := range []string{"AWS QUARANTINE", "policy/AWSCompromisedKeyQuarantineV2 (V2) · attached (live)", "effect         " + q.StillAllows, "s3:GetObject"} {
		if !words(ov, want) {
			t.Errorf("the Overview lacks %q:\n%s", want, ov)
		}
	}
	if lineIndex(strings.Split(ov, "\n"), "AWS QUARANTINE") < lineIndex(strings.Split(ov, "\n"), "OWNER") {
		t.Error("the quarantine block follows the owner's")
	}
	d.press("a")
	checkFits(t, d, 80, 24)
	d.mustShow("AWS quarantine V2 is attached but is no containment")
	var details strings.Builder
	for _, l := range d.app.rem().detail.lines {
		details.WriteString(ansi.Strip(l.text) + "\n")
	}
	if !words(details.String(), "AWS quarantine: "+q.Summary()) {
		t.Errorf("the plan's details should carry the quarantine's summary:\n%s", details.String())
	}

	// A wide header holds the marker on its first line.
	d.press("esc")
	d.send(tea.WindowSizeMsg{Width: 120, Height: 30})
	if first := strings.Split(d.screen(), "\n")[0]; first != fxKey+" │ user alice │ account "+fxAccount+" │ key Active │ AWS quarantine V2" {
		t.Fatalf("at 120 columns the marker ends the first line: %q", first)
	}
}

// The extended plan: every action of PlanRemediation, with its group, irreversible ones
// last and marked. The analyst picks actions (a refused one cannot be); enter confirms
// the picked batch: the key id once, then each irreversible action's name; only what
// was picked runs, through the runner, journalled; each reversible action's undo is
// listed under it once it ran.
func TestRemediationPicksABatchAndAsksIrreversibleNames(t *testing.T) {
	j := &memJournal{}
	var acct *simaccount.Account
	opts := demoOptionsKeeping(j, &acct)
	f := demoSet().Facts
	key := f.CompromisedKey
	d := newDriver(t, opts, 120, 40)
	openDemoKey(t, d)
	d.press("a")
	checkFits(t, d, 120, 40)
	r := d.app.rem()
	caller := responderCallerOf(acct)
	want := investigate.PlanRemediation(d.app.wb().c, &caller, testClock)
	if len(r.actions) != len(want.Actions) {
		t.Fatalf("the screen lists %d actions, the plan has %d", len(r.actions), len(want.Actions))
	}
	seenIrreversible := false
	for i, a := range want.Actions {
		if r.actions[i].ID != a.ID {
			t.Fatalf("action %d is %s, the plan's is %s", i, r.actions[i].ID, a.ID)
		}
		if seenIrreversible && !a.Irreversible {
			t.Fatalf("irreversible actions come last: %s follows one", a.ID)
		}
		seenIrreversible = seenIrreversible || a.Irreversible
	}
	if !seenIrreversible {
		t.Fatal("the demo's plan should have irreversible actions")
	}
	screen := d.screen()
	if !strings.Contains(screen, "── irreversible (no undo)") {
		t.Fatalf("a rule should set the irreversible actions apart:\n%s", screen)
	}
	find := func(kind string) int {
		t.Helper()
		for p, i := range r.order {
			if r.actions[i].Kind == kind {
				return p
			}
		}
		t.Fatalf("no %s action in the plan", kind)
		return -1
	}
	at := func(p int) investigate.Action { return r.actions[r.order[p]] }
	// Every action shows with its group (the group column at 120 columns).
	for p := range r.order {
		a := at(p)
		if !strings.Contains(screen, groupOf(a)+strings.Repeat(" ", r.groupWidth()-len(groupOf(a)))+clean(a.Title)[:20]) {
			t.Fatalf("action %s should be listed with its group %s:\n%s", a.ID, a.Group, screen)
		}
	}

	// A refused action cannot be picked, and is never asked about.
	refused := slices.IndexFunc(r.order, func(i int) bool { return r.actions[i].Refusal != "" })
	if refused < 0 {
		t.Fatal("the demo's plan should refuse an action (a role in another account)")
	}
	r.cursor = refused
	d.press("space")
	d.mustShow("refused: ")
	if r.pickedCount() != 0 {
		t.Fatal("a refused action was picked")
	}
	// p picks the group's actions that can run, and again unpicks them.
	d.press("p")
	for i := range r.plan.Actions {
		a := r.actions[i]
		if a.Group == investigate.GroupSessions && r.picked[i] == (a.Refusal != "") {
			t.Fatalf("p should pick exactly the sessions actions that can run: %s picked=%v", a.ID, r.picked[i])
		}
	}
	d.press("p")
	if r.pickedCount() != 0 {
		t.Fatal("p again should unpick the group")
	}

	// Pick the child key's deactivation and the login profile's deletion.
	r.cursor = find(investigate.ActDeactivateChildKey)
	d.press("space")
	lp := find(investigate.ActDeleteLoginProfile)
	lpAction, child := at(lp), at(find(investigate.ActDeactivateChildKey))
	r.cursor = lp
	d.press("space")
	d.press("g") // the selection elsewhere: enter confirms what is picked, not the selection
	d.mustShow("[x]")
	d.press("enter")
	d.mustShow("Type the key id "+key+" to run the 2 picked actions:", "RUNS 2 PICKED ACTIONS, IN THIS ORDER", "1 irreversible")
	d.typeText("AKIAAAAAAAAAAAAAAAAA")
	d.press("enter")
	d.mustShow("not confirmed: that is not the key id")
	d.typeText(key)
	d.press("enter")
	// The key id is not the name: the irreversible action asks for its resource's name.
	user := at(lp).ConfirmName
	if user != f.BackdoorUser {
		t.Fatalf("the login profile's name to type is %q, want %q", user, f.BackdoorUser)
	}
	d.mustShow("NO UNDO: " + at(lp).Title)
	if ask := strings.Join(r.ask(), " "); !strings.Contains(ask, "Type its name "+user+" to run it") {
		t.Fatalf("the box should ask for the name %s: %q", user, ask)
	}
	if r.cursor != lp {
		t.Fatal("the list should show the action whose name is asked")
	}
	d.press("enter")
	d.mustShow("Enter alone does not confirm: type its name " + user)
	d.typeText(key)
	d.press("enter")
	d.mustShow("not confirmed: that is not the name " + user)
	d.typeText(user[:len(user)-1])
	d.press("enter")
	d.mustShow("not confirmed: that is not the name " + user)
	if acct.Writes() != 0 || len(j.phases()) != 0 {
		t.Fatalf("nothing may run before every question is answered: %d writes, journal %v", acct.Writes(), j.phases())
	}
	d.typeText(user)
	d.press("enter")
	// The list grew (the child key's undo is listed under it): actions are named by id.
	wantJournal := []string{
		"planned " + child.ID, "planned " + lpAction.ID,
		"intent " + child.ID, "done " + child.ID, "intent " + lpAction.ID, "done " + lpAction.ID,
	}
	if !slices.Equal(j.phases(), wantJournal) {
		t.Fatalf("journal %v, want %v", j.phases(), wantJournal)
	}
	if acct.KeyStatus(f.BackdoorKey) != "Inactive" || acct.HasLoginProfile(f.BackdoorUser) {
		t.Fatalf("the picked actions should have run: child key %s, login profile %v", acct.KeyStatus(f.BackdoorKey), acct.HasLoginProfile(f.BackdoorUser))
	}
	if acct.KeyStatus(key) != "Active" || acct.UserPolicy(f.BackdoorUser, investigate.DenyAllPolicyName) != "" || acct.Writes() != 2 {
		t.Fatalf("nothing that was not picked may run: key %s, deny-all %q, %d writes", acct.KeyStatus(key), acct.UserPolicy(f.BackdoorUser, investigate.DenyAllPolicyName), acct.Writes())
	}
	d.mustShow("ran 2 actions: 2 done, 0 already in effect, 0 failed")
	if r.pickedCount() != 0 {
		t.Fatal("what ran is no longer picked")
	}
	// The child key's undo is listed under it; the login profile's deletion has none.
	cp := find(investigate.ActDeactivateChildKey)
	undo := at(cp + 1)
	if undo.Kind != investigate.ActUndo || undo.Undoes != investigate.ActDeactivateChildKey {
		t.Fatalf("the undo should be listed under the child key's deactivation, got %s", undo.ID)
	}
	if u := at(find(investigate.ActDeleteLoginProfile) + 1); u.Kind == investigate.ActUndo {
		t.Fatal("an irreversible action has no undo")
	}
	r.cursor = find(investigate.ActDeleteLoginProfile)
	d.press("enter")
	d.mustShow("this action has run")
	if r.inputActive() {
		t.Fatal("an action that ran is not asked about again")
	}
	// The undo runs like any action: the key id, nothing more.
	r.cursor = cp + 1
	d.press("enter")
	d.typeText(key)
	d.press("enter")
	if acct.KeyStatus(f.BackdoorKey) != "Active" {
		t.Fatalf("the undo should reactivate the child key: %s\n%s", acct.KeyStatus(f.BackdoorKey), d.screen())
	}
}

// responderCallerOf is who the demo's simulated account acts as.
func responderCallerOf(a *simaccount.Account) investigate.Caller {
	c, _ := a.Caller(context.Background())
	return c
}

// With nothing searched, the Artifacts tab gives no count (a 0 would be a negative without
// a search) and says what could not be searched.
func TestArtifactsTabWithoutASearchCountsNothing(t *testing.T) {
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(fxKey)})
	st := newStyles(false, true)
	lines, _ := artifactLines(&st, c, 80)
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(ansi.Strip(l.text) + "\n")
	}
	text := b.String()
	if !strings.Contains(text, "CHILD KEYS (-)") || !strings.Contains(text, "LEFT BEHIND (-)") || !strings.Contains(text, "events not searched: no CloudTrail source") {
		t.Fatalf("tab without a search:\n%s", text)
	}
}
