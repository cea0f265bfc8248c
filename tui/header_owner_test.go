package tui

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/internal/simaccount"
	"github.com/keypivot/keypivot/investigate"
)

// responderARN is a long SSO caller ARN: at 80 columns it cannot fit beside the profile,
// the region and the READ-ONLY marker.
const responderARN = "arn:aws:sts::" + fxAccount + ":assumed-role/AWSReservedSSO_IncidentResponder_0123abcd/jane.doe@example.com"

func responderCaller() investigate.Caller {
	return investigate.Caller{ARN: responderARN, Account: fxAccount, UserName: "jane.doe@example.com", AccessKeyID: "ASIARESPONDER0000001", Profile: "ir-prod", Region: "eu-west-1"}
}

// liveOwner answers the owner lookup as IAM would.
type liveOwner struct{ info investigate.OwnerInfo }

func (o liveOwner) LookupOwner(context.Context, string) (investigate.OwnerInfo, error) {
	return o.info, nil
}

// describedState is a simulated account whose key state reads like the AWS remediator's:
// the status, then the last use ("Inactive; never used").
type describedState struct{ *simaccount.Account }

func (d describedState) State(ctx context.Context, a investigate.Action) (string, bool, error) {
	s, ok, err := d.Account.State(ctx, a)
	if a.Kind == investigate.ActDeactivateKey || a.Kind == investigate.ActReactivateKey {
		s += "; never used"
	}
	return s, ok, err
}

func lineIndex(lines []string, part string) int {
	return slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, part) })
}

func TestHeaderSaysWhoActsProfileRegionAndReadOnlyUncut(t *testing.T) {
	trail := &memTrail{events: fixtureEvents(t, "aws-cli/2.15")}
	ws := fixtureWorkspace(trail)
	ws.Describe = "AWS profile ir-prod, region eu-west-1, as " + responderARN + ", read-only"
	opts := Options{
		Workspace: ws, ReadOnly: true, NoColor: true, Journal: &memJournal{}, Now: func() time.Time { return testClock },
		Header: "profile ir-prod, region eu-west-1",
		Remediator: func(_ context.Context, c *investigate.Case) (investigate.Remediator, error) {
			return simaccount.FromCase(c, responderCaller()), nil
		},
	}
	d := newDriver(t, opts, 80, 24)
	d.press("enter")
	checkFits(t, d, 80, 24)
	lines := strings.Split(d.screen(), "\n")
	// The acting line: the marker whole, the ARN's resource name and account, the
	// profile and the region, before the sources line.
	src := lineIndex(lines, "AWS profile ir-prod")
	if !strings.HasPrefix(lines[1], "[READ-ONLY] acting as") || src < 2 {
		t.Fatalf("line 2 should start the acting line(s), READ-ONLY first, before the sources:\n%s", d.screen())
	}
	var acting []string
	for _, l := range lines[1:src] {
		acting = append(acting, strings.TrimSpace(l))
	}
	want := "[READ-ONLY] acting as role/AWSReservedSSO_IncidentResponder_0123abcd/jane.doe@example.com in " + fxAccount + " · profile ir-prod · region eu-west-1"
	if got := strings.Join(acting, " "); got != want {
		t.Fatalf("acting lines:\n got %q\nwant %q", got, want)
	}
	d.mustNotShow("[READ-O…", "acting as arn:")
	// Wide, the full ARN fits on one line.
	d.send(tea.WindowSizeMsg{Width: 200, Height: 40})
	lines = strings.Split(d.screen(), "\n")
	if lines[1] != "[READ-ONLY] acting as "+responderARN+" · profile ir-prod · region eu-west-1" {
		t.Fatalf("at 200 columns the full ARN should show:\n%s", d.screen())
	}

	// The remediation screen names who acts in full, wrapped at 80 columns, and says the
	// plan is read-only before anything is asked, footer included.
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.press("a")
	checkFits(t, d, 80, 24)
	var joined strings.Builder
	for _, l := range strings.Split(d.screen(), "\n") {
		joined.WriteString(strings.TrimSpace(l))
	}
	if !strings.Contains(joined.String(), "acting as"+responderARN+" · profile ir-prod · region eu-west-1") {
		t.Fatalf("the remediation screen should show the whole caller ARN:\n%s", d.screen())
	}
	d.mustShow("profile ir-prod", "region eu-west-1", "READ-ONLY: the plan is shown; nothing can run", "read-only: plan only", "[plan only]")
	d.mustNotShow("enter confirm…", "type the key id to confirm")
	// g and G move between the first and the last action.
	d.press("G")
	if d.app.rem().cursor != len(d.app.rem().actions)-1 {
		t.Fatalf("G should select the last action, got %d of %d", d.app.rem().cursor, len(d.app.rem().actions))
	}
	d.press("g")
	if d.app.rem().cursor != 0 {
		t.Fatalf("g should select the first action, got %d", d.app.rem().cursor)
	}
	d.press("enter")
	if d.app.rem().inputActive() {
		t.Fatal("read-only mode must not ask for the key id")
	}
}

func TestNoAccountToActOnIsSaidBeforeAnythingIsTyped(t *testing.T) {
	trail := &memTrail{events: fixtureEvents(t, "aws-cli/2.15")}
	d := newDriver(t, Options{Workspace: fixtureWorkspace(trail), NoColor: true, Journal: &memJournal{}, Now: func() time.Time { return testClock }}, 80, 24)
	d.press("enter")
	d.mustShow("plan only: no AWS account to act on (--profile)")
	d.press("a")
	checkFits(t, d, 80, 24)
	d.mustShow("plan only: no account to act on", "PLAN ONLY", "[plan only]", "plan only: nothing can run")
	d.mustNotShow("enter confirm…", "type the key id to confirm")
	d.press("enter")
	if d.app.rem().inputActive() {
		t.Fatal("with no account to act on, enter must not ask for the key id")
	}
	d.mustShow("nothing can run: no account to act on")
}

func TestDeactivationStoresTheNewStatusOnly(t *testing.T) {
	trail := &memTrail{events: fixtureEvents(t, "aws-cli/2.15")}
	opts := Options{
		Workspace: fixtureWorkspace(trail), NoColor: true, Journal: &memJournal{}, JournalPath: "j.jsonl", Now: func() time.Time { return testClock },
		Remediator: func(_ context.Context, c *investigate.Case) (investigate.Remediator, error) {
			return describedState{simaccount.FromCase(c, responderCaller())}, nil
		},
	}
	d := newDriver(t, opts, 120, 30)
	d.press("enter", "a", "enter")
	d.typeText(fxKey)
	d.press("enter")
	d.mustShow("Active; never used → Inactive; never used")
	if got := d.app.wb().c.Owner.Status; got != "Inactive" {
		t.Fatalf("the owner's status should be the new status alone, got %q", got)
	}
	header := strings.Split(d.screen(), "\n")[0]
	if !strings.Contains(header, "key Inactive") || strings.Contains(header, "never used") {
		t.Fatalf("the header should say key Inactive and nothing more: %q", header)
	}
	// The Overview's owner block says it too once back on the workbench.
	d.press("esc", "1")
	d.mustShow("key status     Inactive")
}

func TestOverviewOwnerBlockAndOrder(t *testing.T) {
	trail := &memTrail{events: fixtureEvents(t, "aws-cli/2.15")}
	ws := fixtureWorkspace(trail)
	used := time.Date(2026, 1, 5, 10, 7, 0, 0, time.UTC)
	ws.Owner = liveOwner{investigate.OwnerInfo{
		Account: fxAccount, User: "alice", ARN: "arn:aws:iam::" + fxAccount + ":user/alice", Status: "Active",
		Created:  time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC),
		LastUsed: &investigate.LastUsed{Date: used, Service: "iam", Region: "us-east-1"},
		OtherKeys: []investigate.KeyState{
			{AccessKeyID: fxKey, Status: "Active"},
			{AccessKeyID: "AKIAFIXTUREKEY000009", Status: "Inactive", Created: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), LastUsed: &investigate.LastUsed{}},
			{AccessKeyID: "AKIAFIXTUREKEY000010", Status: "Active", LastUsed: &investigate.LastUsed{Date: used, Service: "s3", Region: "eu-west-1"}},
		},
		Sources: []string{"sts", "iam"},
	}}
	d := newDriver(t, Options{Workspace: ws, NoColor: true}, 100, 30)
	d.press("enter")
	lines := strings.Split(ansi.Strip(strings.Join(func() []string {
		var out []string
		for _, l := range d.app.wb().overview.lines {
			out = append(out, l.text)
		}
		return out
	}(), "\n")), "\n")
	want := []string{
		"  user           alice (IAMUser)",
		"  arn            arn:aws:iam::" + fxAccount + ":user/alice",
		"  account        " + fxAccount,
		"  key status     Active · created 2025-06-01 09:00:00 UTC",
		"  last used      2026-01-05 10:07:00 UTC (iam, us-east-1)",
		"  other keys     AKIAFIXTUREKEY000009 Inactive · created 02-01 00:00 · never used",
		"                 AKIAFIXTUREKEY000010 Active · last used 2026-01-05 10:07:00 UTC (s3, eu-west-1)",
	}
	at := lineIndex(lines, "OWNER")
	if at < 0 {
		t.Fatalf("no OWNER block:\n%s", strings.Join(lines, "\n"))
	}
	for i, w := range want {
		if at+1+i >= len(lines) || lines[at+1+i] != w {
			t.Fatalf("owner line %d: got %q, want %q\n%s", i, lines[min(at+1+i, len(lines)-1)], w, strings.Join(lines, "\n"))
		}
	}
	if lineIndex(lines, fxKey+" Active") >= 0 {
		t.Fatal("the key itself is not one of the owner's other keys")
	}
	// Most decisive first: assessment, owner, activity, riskiest findings; coverage last.
	order := []string{"ASSESSMENT", "OWNER", "ACTIVITY", "RISKIEST FINDINGS", "DERIVED SESSIONS", "COVERAGE"}
	prev := -1
	for _, s := range order {
		i := lineIndex(lines, s)
		if i <= prev {
			t.Fatalf("%s should come after the blocks before it (%v):\n%s", s, order, strings.Join(lines, "\n"))
		}
		prev = i
	}
	d.mustShow("ASSESSMENT") // the first screen starts with it
}

func TestKeysSortNumbersTheColumnsOnScreen(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 80, 24)
	if slices.Contains(d.app.keys.table.visible, kcAccount) {
		t.Fatal("the ACCOUNT column should be hidden at 80 columns for this test to mean anything")
	}
	// 4 is the fourth column on screen (SIB), not the hidden ACCOUNT.
	d.press("4")
	if d.app.keys.table.sortCol != kcSiblings {
		t.Fatalf("4 should sort by SIB, the fourth column shown; sorts by %s", d.app.keys.table.cols[d.app.keys.table.sortCol].title)
	}
	d.mustShow("SI▼") // the marker takes the last cell of a narrow title
	d.press("7")
	if d.app.keys.table.sortCol != kcStatus {
		t.Fatalf("7 should sort by STATUS, the seventh column shown (LAST ALERT gives way at 80 columns)")
	}
	d.mustShow("STATUS▲")
	before := d.app.keys.table.sortCol
	d.press("8") // there is no eighth column on screen
	if d.app.keys.table.sortCol != before {
		t.Fatal("8 should do nothing with seven columns shown")
	}
	// s cycles through the columns on screen only: after STATUS comes # again.
	d.press("s")
	if d.app.keys.table.sortCol != kcRank {
		t.Fatalf("s after the last shown column should wrap to #, got %s", d.app.keys.table.cols[d.app.keys.table.sortCol].title)
	}
	d.press("s", "s", "s")
	if d.app.keys.table.sortCol != kcSiblings {
		t.Fatalf("s should skip the hidden ACCOUNT column, got %s", d.app.keys.table.cols[d.app.keys.table.sortCol].title)
	}
	d.mustShow("s/1-7 sort by column")
	// Wide, 4 is ACCOUNT.
	d.send(tea.WindowSizeMsg{Width: 160, Height: 48})
	d.press("4")
	if d.app.keys.table.sortCol != kcAccount {
		t.Fatal("at 160 columns 4 should sort by ACCOUNT")
	}
	d.mustShow("ACCOUNT▲")

	// The help lists esc only when it does something: clearing a filter.
	d.press("?")
	if regexp.MustCompile(`(?m)^esc\s`).MatchString(d.screen()) {
		t.Fatalf("esc does nothing on the keys list without a filter; the help must not list it:\n%s", d.screen())
	}
	d.press("?", "/")
	d.typeText("svc")
	d.press("enter", "?")
	d.mustShow("clear filter")
}

func TestHelpNetworkFootnoteAndSessionDepth(t *testing.T) {
	// The record view's help lists ?.
	d := newDriver(t, demoOptions(&memJournal{}), 80, 24)
	openDemoKey(t, d)
	d.press("3", "enter", "?")
	if !regexp.MustCompile(`(?m)^\?\s+help`).MatchString(d.screen()) {
		t.Fatalf("the record view's help should list ?:\n%s", d.screen())
	}
	d.press("?", "esc")

	// Sessions: a chained session's key is whole behind its marker, and a legend says
	// what the marker means.
	d.press("4")
	var chained *investigate.Session
	for i := range d.app.wb().c.Sessions {
		if s := &d.app.wb().c.Sessions[i]; s.Depth > 1 {
			chained = s
		}
	}
	if chained == nil {
		t.Fatal("the demo should have a chained session")
	}
	d.mustShow("·"+chained.AccessKeyID+" ", "· before a key: issued by another derived session")
	checkFits(t, d, 80, 24)

	// The network footnote shows only when an address is marked.
	st := newStyles(false, true)
	c := &investigate.Case{SourceIPs: []investigate.IPSummary{{IP: "192.0.2.1", Kind: "public", Count: 3}}}
	text := func() string {
		lines, _ := networkLines(&st, c, 100)
		var b strings.Builder
		for _, l := range lines {
			b.WriteString(l.text + "\n")
		}
		return b.String()
	}
	if strings.Contains(text(), "first-seen alert fired") {
		t.Fatalf("no address is marked: no footnote\n%s", text())
	}
	c.SourceIPs[0].FirstSeenAlert = "alert-1"
	if got := text(); !strings.Contains(got, "public*") || !strings.Contains(got, "* a first-seen alert fired for this address") {
		t.Fatalf("a marked address needs the footnote:\n%s", got)
	}
}
