package investigate_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/journal"
	"github.com/keypivot/keypivot/internal/simaccount"
	"github.com/keypivot/keypivot/investigate"
)

func demoCase() *investigate.Case {
	return &investigate.Case{
		Key:   investigate.MustParseAccessKeyID("AKIAEXAMPLEKEY000001"),
		Owner: investigate.Owner{User: "svc-reporting", Account: "111122223333", Type: "IAMUser"},
		Sessions: []investigate.Session{
			{AccessKeyID: "ASIAEXAMPLESESSION01", IssuedBy: "GetSessionToken", ValidAtGeneration: true},
			{AccessKeyID: "ASIAEXAMPLESESSION02", IssuedBy: "AssumeRole", RoleARN: "arn:aws:iam::111122223333:role/deploy", ValidAtGeneration: true},
		},
		FollowUps: investigate.FollowUps{Instances: []investigate.Instance{
			{InstanceID: "i-0abc", Region: "us-east-1", State: "running"},
			{InstanceID: "i-0def", Region: "eu-west-1"},
			{InstanceID: "i-0old", Region: "eu-west-1", State: "terminated"},
		}},
	}
}

var cutoff = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func action(p investigate.Plan, kind string) investigate.Action {
	for _, a := range p.Actions {
		if a.Kind == kind {
			return a
		}
	}
	return investigate.Action{}
}

func TestPlanNamesCallsEffectsAndUndo(t *testing.T) {
	p := investigate.PlanRemediation(demoCase(), nil, cutoff)
	d := action(p, investigate.ActDeactivateKey)
	if got := d.Calls[0].String(); got != "aws iam update-access-key --access-key-id AKIAEXAMPLEKEY000001 --status Inactive --user-name svc-reporting" {
		t.Fatalf("call = %s", got)
	}
	if !strings.Contains(strings.Join(d.Untouched, "\n"), "2 derived sessions stay valid") || !strings.Contains(d.Undo, "reactivate") {
		t.Fatalf("deactivate = %+v", d)
	}
	u := action(p, investigate.ActRevokeUserSessions)
	if !strings.Contains(u.Calls[0].Params["PolicyDocument"].(string), `"aws:TokenIssueTime":"2026-11-23T12:00:00Z"`) || u.Calls[0].Params["PolicyName"] != investigate.RevokePolicyName {
		t.Fatalf("revoke = %+v", u.Calls)
	}
	r := action(p, investigate.ActRevokeRoleSessions)
	if r.Calls[0].Params["RoleName"] != "deploy" || len(r.Warnings) == 0 {
		t.Fatalf("role revoke = %+v", r)
	}
	s := action(p, investigate.ActStopInstances)
	if len(s.Instances["us-east-1"]) != 1 || len(s.Instances["eu-west-1"]) != 1 || len(s.Calls) != 4 {
		t.Fatalf("stop = %+v", s)
	}
	// Every region's DryRun before any stop.
	for i, c := range s.Calls {
		if dry := c.Params["DryRun"] == true; dry != (i < 2) {
			t.Errorf("call %d (%s, %s): DryRun %v", i, c.Operation, c.Region, dry)
		}
	}
}

func TestEnterAloneNeverConfirms(t *testing.T) {
	a := action(investigate.PlanRemediation(demoCase(), nil, cutoff), investigate.ActDeactivateKey)
	for _, typed := range []string{"", " ", "\n", "y", "yes", "akiaexamplekey000001", "AKIAEXAMPLEKEY00000"} {
		if a.Confirmed(typed) {
			t.Fatalf("%q confirmed", typed)
		}
	}
	if !a.Confirmed(" AKIAEXAMPLEKEY000001\n") {
		t.Fatal("the key id did not confirm")
	}
}

func runner(t *testing.T, c *investigate.Case, caller investigate.Caller) (*investigate.Runner, *simaccount.Account, *journal.File) {
	t.Helper()
	acct := simaccount.FromCase(c, caller)
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return &investigate.Runner{Remediator: acct, Journal: j, Now: func() time.Time { return cutoff }}, acct, j
}

var analyst = investigate.Caller{ARN: "arn:aws:iam::111122223333:user/analyst", Account: "111122223333", UserName: "analyst", AccessKeyID: "AKIAANALYST000000001"}

func TestDeactivateJournalsAndReactivateUndoes(t *testing.T) {
	c := demoCase()
	r, acct, j := runner(t, c, analyst)
	a := action(investigate.PlanRemediation(c, &analyst, cutoff), investigate.ActDeactivateKey)
	if out := r.Run(context.Background(), a, "", ""); out.Err == nil || acct.Writes() != 0 {
		t.Fatalf("ran without confirmation: %+v", out)
	}
	out := r.Run(context.Background(), a, c.Key.String(), "")
	if out.Err != nil || out.StateBefore != "Active" || out.StateAfter != "Inactive" || acct.KeyStatus(c.Key.String()) != "Inactive" || len(out.RequestIDs) != 1 {
		t.Fatalf("outcome = %+v", out)
	}
	entries, _ := j.Entries()
	if len(entries) != 2 || entries[0].Phase != investigate.PhaseIntent || entries[1].Phase != investigate.PhaseDone ||
		entries[1].CallerARN != analyst.ARN || entries[1].StateAfter != "Inactive" || entries[1].RequestIDs[0] != out.RequestIDs[0] {
		t.Fatalf("journal = %+v", entries)
	}
	// Running it again does nothing twice.
	again := r.Run(context.Background(), a, c.Key.String(), "")
	if !again.Skipped || acct.Writes() != 1 {
		t.Fatalf("second run = %+v, writes %d", again, acct.Writes())
	}
	re := investigate.ReactivateAction(c.Key.String(), c.Owner.User, c.Owner.Account, nil)
	if out := r.Run(context.Background(), re, c.Key.String(), ""); out.Err != nil || acct.KeyStatus(c.Key.String()) != "Active" {
		t.Fatalf("reactivate = %+v", out)
	}
}

func TestReadOnlyRefusesEveryWrite(t *testing.T) {
	c := demoCase()
	r, acct, j := runner(t, c, analyst)
	r.ReadOnly = true
	for _, a := range investigate.PlanRemediation(c, &analyst, cutoff).Actions {
		if out := r.Run(context.Background(), a, c.Key.String(), c.Key.String()); !errors.Is(out.Err, investigate.ErrReadOnly) {
			t.Fatalf("%s: %v", a.Kind, out.Err)
		}
	}
	if entries, _ := j.Entries(); acct.Writes() != 0 || len(entries) != 0 {
		t.Fatalf("writes %d, journal %v", acct.Writes(), entries)
	}
}

func TestSelfLockoutRefusedAndSameUserAskedTwice(t *testing.T) {
	c := demoCase()
	self := analyst
	self.AccessKeyID = c.Key.String()
	a := action(investigate.PlanRemediation(c, &self, cutoff), investigate.ActDeactivateKey)
	r, acct, _ := runner(t, c, self)
	if a.Refusal == "" || r.Run(context.Background(), a, c.Key.String(), c.Key.String()).Err == nil || acct.Writes() != 0 {
		t.Fatalf("deactivated the signing key: %+v", a)
	}
	same := analyst
	same.UserName = c.Owner.User
	a = action(investigate.PlanRemediation(c, &same, cutoff), investigate.ActDeactivateKey)
	r, acct, _ = runner(t, c, same)
	if a.SecondConfirm == "" {
		t.Fatal("no second confirmation for the same user")
	}
	if out := r.Run(context.Background(), a, c.Key.String(), ""); out.Err == nil || acct.Writes() != 0 {
		t.Fatal("same user deactivated without a second confirmation")
	}
	if out := r.Run(context.Background(), a, c.Key.String(), c.Key.String()); out.Err != nil {
		t.Fatal(out.Err)
	}
	other := analyst
	other.Account = "999999999999"
	if a := action(investigate.PlanRemediation(c, &other, cutoff), investigate.ActDeactivateKey); !strings.Contains(a.Refusal, "account 111122223333") {
		t.Fatalf("other-account refusal = %q", a.Refusal)
	}
}

// failingJournal fails every append after the first n, like a crash after the call.
type failingJournal struct {
	*journal.File
	n int
}

func (f *failingJournal) Append(e investigate.JournalEntry) error {
	if f.n == 0 {
		return errors.New("power cut")
	}
	f.n--
	return f.File.Append(e)
}

func TestCrashMidActionIsCompletedWithoutRepeating(t *testing.T) {
	c := demoCase()
	r, acct, j := runner(t, c, analyst)
	r.Journal = &failingJournal{File: j, n: 1} // the intent lands, the outcome does not
	plan := investigate.PlanRemediation(c, &analyst, cutoff)
	stop := action(plan, investigate.ActStopInstances)
	if out := r.Run(context.Background(), stop, c.Key.String(), ""); out.Err == nil {
		t.Fatal("lost outcome not reported")
	}
	pending, _ := j.Pending()
	if len(pending) != 1 || pending[0].Spec == nil || acct.Writes() != 2 {
		t.Fatalf("pending %+v writes %d", pending, acct.Writes())
	}
	// Declined, a resume does nothing.
	r.Journal = j
	if outs, err := r.Resume(context.Background(), func(investigate.Action) bool { return false }); err != nil || len(outs) != 0 {
		t.Fatalf("declined resume = %+v %v", outs, err)
	}
	if pending, _ := j.Pending(); len(pending) != 1 {
		t.Fatalf("a declined resume completed the journal: %+v", pending)
	}
	// Confirmed, it completes the journal and calls nothing again: the instances are stopped.
	yes := func(investigate.Action) bool { return true }
	outs, err := r.Resume(context.Background(), yes)
	if err != nil || len(outs) != 1 || !outs[0].Skipped || acct.Writes() != 2 {
		t.Fatalf("resume = %+v %v writes %d", outs, err, acct.Writes())
	}
	if pending, _ := j.Pending(); len(pending) != 0 {
		t.Fatalf("still pending: %+v", pending)
	}
	// A crash before the call: the rerun makes it.
	r2, acct2, j2 := runner(t, c, analyst)
	acct2.FailApply = errors.New("connection reset")
	deact := action(plan, investigate.ActDeactivateKey)
	r2.Journal = &failingJournal{File: j2, n: 1}
	r2.Run(context.Background(), deact, c.Key.String(), "")
	r2.Journal = j2
	outs, _ = r2.Resume(context.Background(), yes)
	if len(outs) != 1 || outs[0].Skipped || acct2.KeyStatus(c.Key.String()) != "Inactive" || acct2.Writes() != 1 {
		t.Fatalf("resume after failed call = %+v writes %d", outs, acct2.Writes())
	}
}

// A revocation's cut-off is the moment of confirmation: the policy written, the title and
// the journal carry it, not the time the plan was made.
func TestRevocationCutOffIsTheConfirmation(t *testing.T) {
	c := demoCase()
	r, acct, j := runner(t, c, analyst)
	confirmed := cutoff.Add(7 * time.Minute)
	r.Now = func() time.Time { return confirmed }
	a := action(investigate.PlanRemediation(c, &analyst, cutoff), investigate.ActRevokeUserSessions)
	if !strings.Contains(strings.Join(a.Affects, "\n"), "the moment you confirm") {
		t.Errorf("the plan does not say when the cut-off is: %v", a.Affects)
	}
	out := r.Run(context.Background(), a, c.Key.String(), "")
	if out.Err != nil || acct.Writes() != 1 {
		t.Fatalf("revoke = %+v", out)
	}
	want := confirmed.UTC().Format("2006-01-02T15:04:05Z")
	entries, _ := j.Entries()
	if len(entries) != 2 || entries[0].Spec == nil {
		t.Fatalf("journal: %+v", entries)
	}
	intent, done := entries[0], entries[1]
	doc, _ := done.Calls[0].Params["PolicyDocument"].(string)
	if !strings.Contains(doc, want) || !strings.Contains(out.Action.Title, want) || !intent.Spec.IssuedBefore.Equal(confirmed.Truncate(time.Second)) {
		t.Errorf("cut-off: policy %s, title %q, spec %v; want %s", doc, out.Action.Title, intent.Spec.IssuedBefore, want)
	}
}

// Revoking the user's sessions is offered even when the sources saw none (their coverage
// may be incomplete), with a warning that says so.
func TestUserRevocationOfferedWithoutSeenSessions(t *testing.T) {
	c := demoCase()
	c.Sessions = nil
	a := action(investigate.PlanRemediation(c, &analyst, cutoff), investigate.ActRevokeUserSessions)
	if !strings.Contains(strings.Join(a.Warnings, "\n"), "no session issued to the user was seen") {
		t.Errorf("warnings: %v", a.Warnings)
	}
}

func TestLiveInstancesWithTheKeysKeyPairJoinTheCase(t *testing.T) {
	kp := []byte(`{"eventVersion":"1.09","eventID":"k1","eventTime":"2026-11-20T09:00:00Z","eventName":"CreateKeyPair","eventSource":"ec2.amazonaws.com","awsRegion":"eu-west-1",
"requestParameters":{"keyName":"ops"},"responseElements":{"keyName":"ops","keyPairId":"key-1"},"userIdentity":{"type":"IAMUser","accessKeyId":"AKIAEXAMPLEKEY000001","userName":"u","accountId":"111122223333"}}`)
	e, err := investigate.DecodeRecord(kp)
	if err != nil {
		t.Fatal(err)
	}
	live := &investigate.LiveState{KeyPairs: map[string]bool{"eu-west-1/ops": true}, Instances: map[string]investigate.Instance{
		"i-live":  {Region: "eu-west-1", KeyName: "ops", State: "running", InstanceType: "g5.xlarge"},
		"i-other": {Region: "eu-west-1", KeyName: "someone-elses", State: "running"},
		"i-wrong": {Region: "us-east-1", KeyName: "ops", State: "running"},
	}}
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID("AKIAEXAMPLEKEY000001"), Events: []*investigate.Event{&e}, Live: live, Context: "profile ir"})
	if len(c.FollowUps.Instances) != 1 || c.FollowUps.Instances[0].InstanceID != "i-live" || c.FollowUps.Instances[0].LaunchEvent != "" || c.Context != "profile ir" {
		t.Fatalf("instances %+v context %q", c.FollowUps.Instances, c.Context)
	}
	if a := action(investigate.PlanRemediation(c, nil, cutoff), investigate.ActStopInstances); len(a.Instances["eu-west-1"]) != 1 {
		t.Fatalf("plan does not stop the live instance: %+v", a)
	}
}

// Call parameters read the same as planned and as read back from the journal's JSON.
func TestCallParamsAsPlannedAndFromTheJournal(t *testing.T) {
	planned := investigate.APICall{Params: map[string]any{"UserName": "alice", "InstanceIds": []string{"i-1", "i-2"}, "space": "soc"}}
	back := investigate.APICall{Params: map[string]any{"UserName": "alice", "InstanceIds": []any{"i-1", "i-2"}}}
	for _, c := range []investigate.APICall{planned, back} {
		if c.Param("UserName") != "alice" || strings.Join(c.ParamList("InstanceIds"), ",") != "i-1,i-2" || c.Param("missing") != "" || c.ParamList("missing") != nil {
			t.Errorf("params of %+v", c.Params)
		}
	}
	if got := planned.ParamList("space"); len(got) != 1 || got[0] != "soc" {
		t.Errorf("a lone string as a list: %v", got)
	}
}

// crashAt is the account with a crash at the first Apply of an action kind: the process
// dies mid-call (a panic the test recovers), after the intent, before any outcome.
type crashAt struct {
	*simaccount.Account
	kind string
}

type crash struct{}

func (c *crashAt) Apply(ctx context.Context, a investigate.Action) ([]string, error) {
	if a.Kind == c.kind {
		c.kind = ""
		panic(crash{})
	}
	return c.Account.Apply(ctx, a)
}

func runCrashing(r *investigate.Runner, batch []investigate.Confirmed) (crashed bool) {
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(crash); !ok {
				panic(v)
			}
			crashed = true
		}
	}()
	r.RunAll(context.Background(), batch)
	return false
}

func phases(t *testing.T, j *journal.File) []string {
	t.Helper()
	entries, err := j.Entries()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Phase+" "+e.Action)
	}
	return out
}

// A batch is journalled as planned before its first call: a crash during the first
// action leaves it and every later one pending, and a resume (each confirmed again)
// completes exactly those. A revocation only planned gets the resume's cut-off.
func TestBatchIsPlannedSoAResumeOffersTheRest(t *testing.T) {
	c := demoCase()
	_, acct, j := runner(t, c, analyst)
	plan := investigate.PlanRemediation(c, &analyst, cutoff)
	batch := []investigate.Confirmed{
		{Action: action(plan, investigate.ActDeactivateKey), Typed: c.Key.String()},
		{Action: action(plan, investigate.ActRevokeUserSessions), Typed: c.Key.String()},
		{Action: action(plan, investigate.ActStopInstances), Typed: c.Key.String()},
	}
	r := &investigate.Runner{Remediator: &crashAt{Account: acct, kind: investigate.ActDeactivateKey}, Journal: j, Now: func() time.Time { return cutoff }}
	if !runCrashing(r, batch) {
		t.Fatal("no crash")
	}
	want := []string{"planned deactivate-key", "planned revoke-user-sessions", "planned stop-instances", "intent deactivate-key"}
	if got := phases(t, j); !slices.Equal(got, want) {
		t.Fatalf("journal after the crash: %v, want %v", got, want)
	}
	pending, _ := j.Pending()
	if len(pending) != 3 || pending[0].Phase != investigate.PhaseIntent || pending[1].Phase != investigate.PhasePlanned ||
		pending[1].CallerAccount != analyst.Account || pending[1].Account != c.Owner.Account {
		t.Fatalf("pending: %+v", pending)
	}

	// The resume: one confirmation each, in plan order, at a later time.
	resumed := cutoff.Add(time.Hour)
	r = &investigate.Runner{Remediator: acct, Journal: j, Now: func() time.Time { return resumed }}
	var asked []string
	outs, err := r.Resume(context.Background(), func(a investigate.Action) bool { asked = append(asked, a.Kind); return true })
	if err != nil || len(outs) != 3 {
		t.Fatalf("resume: %+v %v", outs, err)
	}
	if !slices.Equal(asked, []string{investigate.ActDeactivateKey, investigate.ActRevokeUserSessions, investigate.ActStopInstances}) {
		t.Errorf("asked %v", asked)
	}
	for _, o := range outs {
		if o.Err != nil {
			t.Errorf("%s: %v", o.Action.Kind, o.Err)
		}
	}
	if acct.KeyStatus(c.Key.String()) != "Inactive" || acct.InstanceState("i-0abc") != "stopped" {
		t.Errorf("key %s, instance %s", acct.KeyStatus(c.Key.String()), acct.InstanceState("i-0abc"))
	}
	doc := acct.UserPolicy(c.Owner.User, investigate.RevokePolicyName)
	if !strings.Contains(doc, resumed.Format("2006-01-02T15:04:05Z")) {
		t.Errorf("a revocation confirmed at the resume must cut at the resume: %s", doc)
	}
	if p, _ := j.Pending(); len(p) != 0 {
		t.Errorf("still pending: %+v", p)
	}
}

// Only what the analyst confirmed is planned: a declined or refused action is never
// journalled, and a batch of one is not planned (its intent is its plan).
func TestOnlyConfirmedActionsArePlanned(t *testing.T) {
	c := demoCase()
	r, acct, j := runner(t, c, analyst)
	plan := investigate.PlanRemediation(c, &analyst, cutoff)
	refused := action(plan, investigate.ActRevokeRoleSessions)
	refused.Refusal = "the role lives elsewhere"
	outs := r.RunAll(context.Background(), []investigate.Confirmed{
		{Action: action(plan, investigate.ActDeactivateKey), Typed: c.Key.String()},
		{Action: action(plan, investigate.ActRevokeUserSessions), Typed: "no"},
		{Action: refused, Typed: c.Key.String()},
		{Action: action(plan, investigate.ActStopInstances), Typed: c.Key.String()},
	})
	if outs[0].Err != nil || outs[3].Err != nil || !strings.Contains(outs[1].Error, "not confirmed") || !strings.Contains(outs[2].Error, "refused") {
		t.Fatalf("outcomes: %+v", outs)
	}
	want := []string{"planned deactivate-key", "planned stop-instances", "intent deactivate-key", "done deactivate-key", "intent stop-instances", "done stop-instances"}
	if got := phases(t, j); !slices.Equal(got, want) {
		t.Fatalf("journal %v, want %v", got, want)
	}
	if acct.UserPolicy(c.Owner.User, investigate.RevokePolicyName) != "" {
		t.Error("the declined revocation ran")
	}

	r2, _, j2 := runner(t, c, analyst)
	if o := r2.RunAll(context.Background(), []investigate.Confirmed{{Action: action(plan, investigate.ActDeactivateKey), Typed: c.Key.String()}}); o[0].Err != nil {
		t.Fatal(o[0].Err)
	}
	if got := phases(t, j2); !slices.Equal(got, []string{"intent deactivate-key", "done deactivate-key"}) {
		t.Errorf("a batch of one: %v", got)
	}

	r3, acct3, j3 := runner(t, c, analyst)
	r3.ReadOnly = true
	if o := r3.RunAll(context.Background(), []investigate.Confirmed{{Action: action(plan, investigate.ActDeactivateKey), Typed: c.Key.String()}, {Action: action(plan, investigate.ActStopInstances), Typed: c.Key.String()}}); !errors.Is(o[0].Err, investigate.ErrReadOnly) || !errors.Is(o[1].Err, investigate.ErrReadOnly) {
		t.Fatalf("read-only: %+v", o)
	}
	if got := phases(t, j3); len(got) != 0 || acct3.Writes() != 0 {
		t.Errorf("read-only planned %v, %d writes", got, acct3.Writes())
	}
}

// A journal that fails while planning runs nothing, and closes what it had planned.
func TestPlanningFailureRunsNothing(t *testing.T) {
	c := demoCase()
	r, acct, j := runner(t, c, analyst)
	r.Journal = &failingJournal{File: j, n: 1}
	plan := investigate.PlanRemediation(c, &analyst, cutoff)
	outs := r.RunAll(context.Background(), []investigate.Confirmed{
		{Action: action(plan, investigate.ActDeactivateKey), Typed: c.Key.String()},
		{Action: action(plan, investigate.ActStopInstances), Typed: c.Key.String()},
	})
	if outs[0].Err == nil || outs[1].Err == nil || !strings.Contains(outs[0].Error, "nothing was called") || acct.Writes() != 0 {
		t.Fatalf("outcomes %+v, writes %d", outs, acct.Writes())
	}
	// The cancellation could not be written either (the journal is down): the planned
	// action stays pending, and nothing of it ran: a resume offers it.
	if p, _ := j.Pending(); len(p) != 1 || p[0].Phase != investigate.PhasePlanned {
		t.Errorf("pending %+v", p)
	}
}

// When the context ends between actions, the ones not started stay planned.
func TestCancelledBatchLeavesTheRestPlanned(t *testing.T) {
	c := demoCase()
	_, acct, j := runner(t, c, analyst)
	ctx, cancel := context.WithCancel(context.Background())
	r := &investigate.Runner{Remediator: &cancelAfter{Account: acct, cancel: cancel}, Journal: j, Now: func() time.Time { return cutoff }}
	plan := investigate.PlanRemediation(c, &analyst, cutoff)
	outs := r.RunAll(ctx, []investigate.Confirmed{
		{Action: action(plan, investigate.ActDeactivateKey), Typed: c.Key.String()},
		{Action: action(plan, investigate.ActStopInstances), Typed: c.Key.String()},
	})
	if outs[0].Err != nil || outs[1].Err == nil || !strings.Contains(outs[1].Error, "stays planned") {
		t.Fatalf("outcomes %+v", outs)
	}
	if p, _ := j.Pending(); len(p) != 1 || p[0].Action != investigate.ActStopInstances || p[0].Phase != investigate.PhasePlanned {
		t.Errorf("pending %+v", p)
	}
}

// cancelAfter ends the context once its first Apply is made (an analyst's Ctrl-C).
type cancelAfter struct {
	*simaccount.Account
	cancel func()
}

func (c *cancelAfter) Apply(ctx context.Context, a investigate.Action) ([]string, error) {
	defer c.cancel()
	return c.Account.Apply(ctx, a)
}

// A resume checks the account an action was planned for: a caller of another account is
// refused before it is asked, whatever its profile is called, and the action stays
// pending; the account's own caller completes it.
func TestResumeRefusesAnotherAccount(t *testing.T) {
	c := demoCase()
	_, acct, j := runner(t, c, analyst)
	plan := investigate.PlanRemediation(c, &analyst, cutoff)
	r := &investigate.Runner{Remediator: &crashAt{Account: acct, kind: investigate.ActDeactivateKey}, Journal: j, Now: func() time.Time { return cutoff }}
	runCrashing(r, []investigate.Confirmed{{Action: action(plan, investigate.ActDeactivateKey), Typed: c.Key.String()}, {Action: action(plan, investigate.ActRevokeUserSessions), Typed: c.Key.String()}})

	elsewhere := analyst
	elsewhere.Account, elsewhere.ARN = "999988887777", "arn:aws:iam::999988887777:user/analyst" // same profile name
	other := simaccount.FromCase(c, elsewhere)
	asked := 0
	outs, err := (&investigate.Runner{Remediator: other, Journal: j, Now: func() time.Time { return cutoff }}).Resume(context.Background(), func(investigate.Action) bool { asked++; return true })
	if err != nil || len(outs) != 2 || asked != 0 || other.Writes() != 0 {
		t.Fatalf("resume from another account: %+v %v, asked %d, writes %d", outs, err, asked, other.Writes())
	}
	for _, o := range outs {
		var wa *investigate.WrongAccountError
		if !errors.Is(o.Err, investigate.ErrWrongAccount) || !errors.As(o.Err, &wa) || wa.Planned != "111122223333" || wa.Current != "999988887777" ||
			!strings.Contains(o.Error, "111122223333") || !strings.Contains(o.Error, "999988887777") {
			t.Errorf("refusal: %v", o.Err)
		}
	}
	if p, _ := j.Pending(); len(p) != 2 {
		t.Fatalf("a refused resume must leave the actions pending: %+v", p)
	}
	// An --account-profile for the planned account makes the caller able to act there.
	elsewhere.OtherAccounts = []string{"111122223333"}
	if err := investigate.CheckResume(investigate.JournalEntry{CallerARN: analyst.ARN, Account: "111122223333"}, elsewhere); err != nil {
		t.Errorf("with a session in the account: %v", err)
	}
	// An older journal names the account only in the caller's ARN.
	if err := investigate.CheckResume(investigate.JournalEntry{CallerARN: "arn:aws:sts::111122223333:assumed-role/ir/x"}, investigate.Caller{Account: "999988887777"}); !errors.Is(err, investigate.ErrWrongAccount) {
		t.Errorf("from the ARN: %v", err)
	}
	outs, err = (&investigate.Runner{Remediator: acct, Journal: j, Now: func() time.Time { return cutoff }}).Resume(context.Background(), func(investigate.Action) bool { return true })
	if err != nil || len(outs) != 2 || outs[0].Err != nil || outs[1].Err != nil || acct.KeyStatus(c.Key.String()) != "Inactive" {
		t.Fatalf("resume in the account: %+v %v", outs, err)
	}
}

// A Kibana action is resumed only against the Kibana it was planned against.
func TestKibanaResumeChecksTheKibana(t *testing.T) {
	e := investigate.JournalEntry{Action: investigate.ActKibanaSetStatus, Key: "AKIAEXAMPLEKEY000001", Account: "111122223333", Profile: "kibana https://kb-a.example:5601", CallerARN: "elastic:analyst"}
	err := investigate.CheckResume(e, investigate.Caller{ARN: "elastic:analyst", Profile: "kibana https://kb-b.example:5601", Kibana: "https://kb-b.example:5601"})
	if !errors.Is(err, investigate.ErrWrongAccount) || !strings.Contains(err.Error(), "https://kb-a.example:5601") || !strings.Contains(err.Error(), "https://kb-b.example:5601") {
		t.Errorf("another Kibana: %v", err)
	}
	if err := investigate.CheckResume(e, investigate.Caller{ARN: "elastic:other", Profile: "kibana https://kb-a.example:5601/", Kibana: "https://kb-a.example:5601/"}); err != nil {
		t.Errorf("the same Kibana: %v", err)
	}
	// A record that names its system and Kibana is checked by them, not by its kind or
	// its caller's profile.
	typed := investigate.JournalEntry{Action: "set-status", Key: "AKIAEXAMPLEKEY000001", System: investigate.SystemKibana, Kibana: "https://kb-a.example:5601", CallerARN: "elastic:analyst"}
	if err := investigate.CheckResume(typed, investigate.Caller{ARN: "elastic:analyst", Kibana: "https://kb-b.example:5601"}); !errors.Is(err, investigate.ErrWrongAccount) || !typed.OnKibana() {
		t.Errorf("a typed record against another Kibana: %v", err)
	}
}
