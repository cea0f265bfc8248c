package simkibana_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/keypivot/keypivot/internal/simkibana"
	"github.com/keypivot/keypivot/investigate"
)

// bigReport is the case report, longer than a case description: it goes into
// comments, in parts.
func bigReport(t *testing.T, c *investigate.Case) string {
	t.Helper()
	md := caseReport(t, c)
	if utf8.RuneCountInString(md) <= investigate.KibanaMaxText {
		t.Fatalf("the report is %d characters: it fits in a description", utf8.RuneCountInString(md))
	}
	return md
}

func countOps(a investigate.Action, op string) int {
	n := 0
	for _, c := range a.Calls {
		if c.Operation == op {
			n++
		}
	}
	return n
}

// distinctRules counts the rules of the alerts: one alert comment each.
func distinctRules(refs []investigate.AlertRef) int {
	rules := map[string]bool{}
	for _, r := range refs {
		rules[r.RuleName] = true
	}
	return len(rules)
}

// The case is created in the space with the report and every Elastic alert of the key,
// one alert comment per rule; a rerun finds it complete and writes nothing.
func TestCaseIsCreatedWithTheReportAndTheAlerts(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "soc")
	c := e.caseOf(t)
	md := shortReport(t, c)
	a := e.planCase(t, c, md, investigate.KibanaCaseOptions{Tags: []string{"incident-42"}})
	refs := investigate.ElasticAlerts(c)
	o := e.r.Run(ctx, a, e.key(), "")
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	cases := e.k.Cases("soc")
	if len(cases) != 1 || len(e.k.Cases("default")) != 0 {
		t.Fatalf("%d cases in soc, %d in default", len(cases), len(e.k.Cases("default")))
	}
	cs := cases[0]
	if o.StateBefore != "no case tagged keypivot:"+e.key() {
		t.Errorf("state before %q", o.StateBefore)
	}
	if want := fmt.Sprintf("case %q (%s): %s attached", cs.Title, cs.ID, investigate.Plural(len(refs), "alert")); o.StateAfter != want {
		t.Errorf("state after %q, want %q", o.StateAfter, want)
	}
	if !slices.Equal(o.RequestIDs, []string{"case " + cs.ID}) {
		t.Errorf("request ids %v", o.RequestIDs)
	}
	if cs.Description != md || cs.Owner != investigate.KibanaCaseOwner || cs.Status != "open" || cs.Severity != "high" ||
		!slices.Contains(cs.Tags, investigate.KibanaCaseTag(e.key())) || !slices.Contains(cs.Tags, "incident-42") || len(cs.Comments) != 0 {
		t.Errorf("case %s", summary(cases))
	}
	if !strings.Contains(cs.Title, e.key()) {
		t.Errorf("title %q does not name the key", cs.Title)
	}
	slices.Sort(cs.Alerts)
	if want := slices.Sorted(slices.Values(refIDs(refs))); !slices.Equal(cs.Alerts, want) {
		t.Errorf("attached %v, want %v", cs.Alerts, want)
	}
	if n := distinctRules(refs); cs.AlertComments != n || n < 2 {
		t.Errorf("%d alert comments for %d rules", cs.AlertComments, n)
	}
	for _, r := range refs {
		st, _ := e.k.Alert("soc", r.ID)
		if !slices.Equal(st.CaseIDs, []string{cs.ID}) {
			t.Errorf("alert %s records cases %v", r.ID, st.CaseIDs)
		}
		// The case does not sync statuses: attaching changed none.
		if st.Status != r.Status {
			t.Errorf("attaching changed alert %s from %s to %s", r.ID, r.Status, st.Status)
		}
	}
	writes := e.k.Writes()
	if writes != 1+cs.AlertComments {
		t.Errorf("%d writes: want the case and %d alert comments", writes, cs.AlertComments)
	}
	if o := e.r.Run(ctx, a, e.key(), ""); o.Err != nil || !o.Skipped || e.k.Writes() != writes || len(e.k.Cases("soc")) != 1 {
		t.Errorf("rerun: %+v, %d writes, %d cases", o, e.k.Writes(), len(e.k.Cases("soc")))
	}
}

// A run that fails after the case was created (the connection dropped) leaves a case
// without its report parts and alerts; the rerun finds it by its tag and completes it.
func TestRerunCompletesTheCaseInsteadOfDuplicatingIt(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "")
	c := e.caseOf(t)
	a := e.planCase(t, c, bigReport(t, c), investigate.KibanaCaseOptions{})
	parts := countOps(a, investigate.OpAddCaseComment)
	refs := investigate.ElasticAlerts(c)
	if parts < 2 {
		t.Fatalf("the report is in %d parts: want several", parts)
	}
	dropped := errors.New("connection reset by peer")
	e.k.FailAfter(2, dropped) // the case and the first part, then nothing
	o := e.r.Run(ctx, a, e.key(), "")
	if !errors.Is(o.Err, dropped) {
		t.Fatalf("first run: %+v", o)
	}
	cases := e.k.Cases("default")
	if len(cases) != 1 || len(cases[0].Comments) != 1 || len(cases[0].Alerts) != 0 {
		t.Fatalf("after the failure: %s", summary(cases))
	}
	if want := fmt.Sprintf(": 0 alerts attached, %d to attach, %s to add", len(refs), investigate.Plural(parts-1, "report part")); !strings.HasSuffix(o.StateAfter, want) {
		t.Errorf("state after the failure %q, want it to end %q", o.StateAfter, want)
	}
	entries := e.entries(t)
	if last := entries[len(entries)-1]; last.Phase != investigate.PhaseFailed || !strings.Contains(last.Result, "connection reset") {
		t.Errorf("journal %+v", last)
	}

	o = e.r.Run(ctx, a, e.key(), "")
	if o.Err != nil || o.Skipped {
		t.Fatalf("rerun: %+v", o)
	}
	if !slices.Equal(o.RequestIDs, []string{"case " + cases[0].ID}) {
		t.Errorf("the rerun answered %v, want the first run's case %s", o.RequestIDs, cases[0].ID)
	}
	cases = e.k.Cases("default")
	if len(cases) != 1 {
		t.Fatalf("%d cases after the rerun", len(cases))
	}
	if len(cases[0].Comments) != parts || len(cases[0].Alerts) != len(refs) {
		t.Errorf("after the rerun: %d of %d parts, %d of %d alerts", len(cases[0].Comments), parts, len(cases[0].Alerts), len(refs))
	}
	for i, cm := range cases[0].Comments {
		if !strings.HasPrefix(cm, fmt.Sprintf("**keypivot case report, part %d/%d**", i+1, parts)) {
			t.Errorf("comment %d is not part %d: %.60q", i, i+1, cm)
		}
	}
	if !strings.HasSuffix(o.StateAfter, fmt.Sprintf(": %s attached", investigate.Plural(len(refs), "alert"))) {
		t.Errorf("state after the rerun %q", o.StateAfter)
	}
}

// A crash between the intent and the outcome leaves the action pending in the journal;
// the resume reads it back from the journal's JSON, finds the case and completes it.
func TestResumeCompletesTheInterruptedCase(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "")
	c := e.caseOf(t)
	a := e.planCase(t, c, bigReport(t, c), investigate.KibanaCaseOptions{SyncAlerts: true})
	// What the runner journals before calling, then the calls up to the crash.
	spec := a
	caller, _ := e.k.Caller(ctx)
	if err := e.j.Append(investigate.JournalEntry{Time: e.ds.Anchor, Phase: investigate.PhaseIntent, ActionID: a.ID, Action: a.Kind, Key: a.Key,
		CallerARN: caller.ARN, System: investigate.SystemKibana, Kibana: caller.Kibana, Calls: a.Calls, Spec: &spec}); err != nil {
		t.Fatal(err)
	}
	e.k.FailAfter(1, errors.New("killed"))
	if _, err := e.k.Apply(ctx, a); err == nil {
		t.Fatal("the crash did not happen")
	}

	outs, err := e.r.Resume(ctx, func(investigate.Action) bool { return true }, e.key())
	if err != nil || len(outs) != 1 || outs[0].Err != nil {
		t.Fatalf("resume: %+v %v", outs, err)
	}
	if !strings.Contains(outs[0].StateBefore, "0 alerts attached") || !strings.HasSuffix(outs[0].StateBefore, investigate.Plural(countOps(a, investigate.OpAddCaseComment), "report part")+" to add") {
		t.Errorf("state before the resume %q", outs[0].StateBefore)
	}
	cases := e.k.Cases("default")
	refs := investigate.ElasticAlerts(c)
	if len(cases) != 1 || len(cases[0].Alerts) != len(refs) || len(cases[0].Comments) != countOps(a, investigate.OpAddCaseComment) || !cases[0].SyncAlerts {
		t.Fatalf("after the resume: %s", summary(cases))
	}
	// The case syncs its alerts: attaching set them to its status, the closed one too.
	for _, r := range refs {
		if st, _ := e.k.Alert("default", r.ID); st.Status != investigate.WorkflowOpen {
			t.Errorf("alert %s attached to a syncing open case is %s", r.ID, st.Status)
		}
	}
	if pending, _ := e.j.Pending(); len(pending) != 0 {
		t.Errorf("still pending: %+v", pending)
	}

	// A resume against another Kibana is refused before anything is read.
	other := simkibana.New(simkibana.WithURL("https://other-kibana.invalid"))
	if err := investigate.CheckResume(investigate.JournalEntry{Action: a.Kind, Key: a.Key, System: investigate.SystemKibana, Kibana: simkibana.DemoURL, Spec: &spec},
		must(other.Caller(ctx))); !errors.Is(err, investigate.ErrWrongAccount) {
		t.Errorf("resume against another Kibana: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// What the cases API refuses is refused with its message, before anything is written.
func TestCaseRefusals(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "")
	c := e.caseOf(t)
	a := e.planCase(t, c, shortReport(t, c), investigate.KibanaCaseOptions{})
	// with returns a with its CreateCase call's params changed by edit.
	with := func(edit func(map[string]any)) investigate.Action {
		b := a
		b.Calls = slices.Clone(a.Calls)
		params := map[string]any{}
		for k, v := range a.Calls[0].Params {
			params[k] = v
		}
		edit(params)
		b.Calls[0].Params = params
		return b
	}
	for _, tc := range []struct {
		name string
		a    investigate.Action
		want string
	}{
		{"over-long title", with(func(p map[string]any) { p["title"] = strings.Repeat("t", investigate.KibanaMaxTitle+1) }),
			"HTTP 400: The length of the title is too long. The maximum length is 160."},
		{"blank title", with(func(p map[string]any) { p["title"] = "  " }), "The title field cannot be an empty string."},
		{"no title", with(func(p map[string]any) { delete(p, "title") }), `Invalid value "undefined" supplied to "title"`},
		{"over-long description", with(func(p map[string]any) { p["description"] = strings.Repeat("d", investigate.KibanaMaxText+1) }),
			"The length of the description is too long. The maximum length is 30000."},
		{"too many tags", with(func(p map[string]any) { p["tags"] = slices.Repeat([]string{"x"}, 201) }), "Array must be of length <= 200"},
		{"blank tag", with(func(p map[string]any) { p["tags"] = []string{"keypivot:" + e.key(), ""} }), "The tag field cannot be an empty string."},
		{"owner", with(func(p map[string]any) { p["owner"] = "someone" }), `HTTP 403: Unauthorized to create case with owners: "someone"`},
		{"severity", with(func(p map[string]any) { p["severity"] = "dire" }), `Invalid value "dire" supplied to "severity"`},
		{"sync", with(func(p map[string]any) { delete(p, "sync_alerts") }), `supplied to "settings,syncAlerts"`},
		{"unknown member", with(func(p map[string]any) { p["colour"] = "red" }), `invalid keys "colour"`},
	} {
		o := e.r.Run(ctx, tc.a, e.key(), "")
		if o.Err == nil || !strings.Contains(o.Error, tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, o.Err, tc.want)
		}
	}
	if n := len(e.k.Cases("default")); n != 0 || e.k.Writes() != 0 {
		t.Fatalf("refused requests made %d cases, %d writes", n, e.k.Writes())
	}

	// An alert the space's alerts index does not hold cannot be attached: the case is
	// created, the alert is named, and the state says what is left to attach.
	ghost := with(func(map[string]any) {})
	last := len(ghost.Calls) - 1
	ghost.Calls[last].Params = map[string]any{"space": "default", "alerts": append(slices.Clone(investigate.ElasticAlerts(c)), investigate.AlertRef{ID: "no-such-alert", RuleName: "Ghost"})}
	o := e.r.Run(ctx, ghost, e.key(), "")
	if o.Err == nil || !strings.Contains(o.Error, "alert no-such-alert is not in .alerts-security.alerts-default any more") {
		t.Fatalf("an unknown alert: %+v", o)
	}
	if !strings.HasSuffix(o.StateAfter, fmt.Sprintf(": 0 alerts attached, %d to attach", len(investigate.ElasticAlerts(c))+1)) {
		t.Errorf("state after %q", o.StateAfter)
	}
	if cases := e.k.Cases("default"); len(cases) != 1 || len(cases[0].Alerts) != 0 {
		t.Errorf("cases %s", summary(cases))
	}

	noCreate := investigate.Action{ID: "x", Kind: investigate.ActKibanaCreateCase, Key: e.key(), Calls: a.Calls[1:]}
	if _, err := e.k.Apply(ctx, noCreate); err == nil || !strings.Contains(err.Error(), "no CreateCase call") {
		t.Errorf("no CreateCase call: %v", err)
	}
}

// Runs of the same case from many goroutines at once (the TUI and a command, two
// analysts) make one case, complete, and every reader sees a consistent state.
func TestConcurrentRunsMakeOneCase(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "")
	c := e.caseOf(t)
	a := e.planCase(t, c, bigReport(t, c), investigate.KibanaCaseOptions{})
	ack := e.planStatus(t, c, investigate.WorkflowAcknowledged, "")
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 16 {
		wg.Go(func() {
			act := a
			if i%2 == 1 {
				act = ack
			}
			if _, err := e.k.Apply(ctx, act); err != nil {
				errs <- err
			}
			if _, _, err := e.k.State(ctx, act); err != nil {
				errs <- err
			}
			_ = e.k.Cases("default")
			_ = e.k.Statuses("default")
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	cases := e.k.Cases("default")
	if len(cases) != 1 || len(cases[0].Alerts) != len(investigate.ElasticAlerts(c)) || len(cases[0].Comments) != countOps(a, investigate.OpAddCaseComment) {
		t.Fatalf("%d cases: %s", len(cases), summary(cases))
	}
	if st, applied, _ := e.k.State(ctx, a); !applied {
		t.Errorf("the case is not complete: %s", st)
	}
}
