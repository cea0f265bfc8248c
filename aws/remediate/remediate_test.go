package remediate

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/aws/owner"
	"github.com/keypivot/keypivot/files/journal"
	"github.com/keypivot/keypivot/internal/testserver/loopback"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// wire counts the API operations that reach moto, by the SDK's operation name
// (UpdateAccessKey, PutFunctionConcurrency): what a test asserts was (not) written.
type wire struct {
	next aws.HTTPClient
	mu   sync.Mutex
	n    map[string]int
}

func (w *wire) Do(r *http.Request) (*http.Response, error) {
	if op := awsmiddleware.GetOperationName(r.Context()); op != "" {
		w.mu.Lock()
		if w.n == nil {
			w.n = map[string]int{}
		}
		w.n[op]++
		w.mu.Unlock()
	}
	return w.next.Do(r)
}

func (w *wire) count(action string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n[action]
}

// clock is the fixed "now" of every plan, cut-off and journal time in these tests: a
// revocation's cut-off never depends on when the test happens to run.
var clock = time.Date(2026, time.March, 12, 16, 0, 0, 0, time.UTC)

func fixed() time.Time { return clock }

// otherAccount is an account beside moto's default one (moto.Account).
const otherAccount = "210987654321"

type env struct {
	srv         *moto.Server
	admin       *iam.Client
	wire        *wire
	key         string // alice's leaked key
	journalPath string
}

// setup: user alice with a leaked key in moto, and an admin client to check with.
func setup(t *testing.T) *env {
	t.Helper()
	e := &env{srv: moto.Start(t), wire: &wire{next: loopback.HTTPClient()}, journalPath: filepath.Join(t.TempDir(), "journal.jsonl")}
	e.admin = iam.NewFromConfig(e.srv.AWSConfig(t, "us-east-1"))
	e.key = e.srv.NewAccessKey(t, "alice")
	return e
}

// session acts in moto as the given key ("" for the responder's default test key).
func (e *env) session(t *testing.T, key string, readOnly bool) *awsconfig.Session {
	t.Helper()
	cfg := e.srv.AWSConfig(t, "us-east-1")
	cfg.HTTPClient = e.wire
	if key != "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(key, "any", "")
	}
	s, err := awsconfig.FromConfig(context.Background(), cfg, awsconfig.Options{Profile: "responder", ReadOnly: readOnly})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sessionIn acts in moto's account (x-moto-account-id) under the profile name given.
func (e *env) sessionIn(t *testing.T, account, profile string) *awsconfig.Session {
	t.Helper()
	cfg := e.srv.AWSConfigFor(t, "us-east-1", account)
	cfg.HTTPClient = e.wire
	s, err := awsconfig.FromConfig(context.Background(), cfg, awsconfig.Options{Profile: profile})
	if err != nil || s.Identity.Account != account {
		t.Fatalf("session in %s: %+v %v", account, s, err)
	}
	return s
}

// responder is a remediator acting as session(key, readOnly) and the caller it resolves to.
func (e *env) responder(t *testing.T, key string, readOnly bool) (*Remediator, investigate.Caller) {
	t.Helper()
	rem := &Remediator{Session: e.session(t, key, readOnly)}
	caller, err := rem.Caller(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rem, caller
}

// plan is what caller may do about alice's leaked key, its case read live through rem's
// session, cut at clock.
func (e *env) plan(t *testing.T, rem *Remediator, caller investigate.Caller) investigate.Plan {
	t.Helper()
	return investigate.PlanRemediation(caseFor(t, rem.Session, e.key), &caller, clock)
}

// openJournal opens the test's journal file, the same file each time.
func (e *env) openJournal(t *testing.T) *journal.File {
	t.Helper()
	j, err := journal.Open(e.journalPath)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// status is the status moto holds for one of alice's keys.
func (e *env) status(t *testing.T, key string) string {
	t.Helper()
	return e.srv.AccessKeyStatus(t, "alice", key)
}

// wantResumedOnce checks what a resume of an interrupted deactivation leaves: the key
// deactivated by one UpdateAccessKey call in all, never a second, and nothing pending in j.
func (e *env) wantResumedOnce(t *testing.T, j *journal.File) {
	t.Helper()
	if n := e.wire.count("UpdateAccessKey"); n != 1 {
		t.Errorf("%d UpdateAccessKey calls, want 1: the resume repeated the deactivation", n)
	}
	if p, _ := j.Pending(); len(p) != 0 {
		t.Errorf("pending after the resume: %+v", p)
	}
}

// userRevocation is the revocation policy document on alice, as moto holds it.
func (e *env) userRevocation(t *testing.T) string {
	t.Helper()
	pol, err := e.admin.GetUserPolicy(context.Background(), &iam.GetUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String(investigate.RevokePolicyName)})
	if err != nil {
		t.Fatalf("no revocation policy on alice in moto: %v", err)
	}
	doc, _ := url.QueryUnescape(aws.ToString(pol.PolicyDocument))
	return doc
}

// caseFor builds the case of key with its owner read live, as the workspace does.
func caseFor(t *testing.T, s *awsconfig.Session, key string) *investigate.Case {
	t.Helper()
	info, err := (&owner.Lookup{Session: s}).LookupOwner(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(key), Owner: &info, Now: clock})
}

func action(t *testing.T, p investigate.Plan, kind string) investigate.Action {
	t.Helper()
	for _, a := range p.Actions {
		if a.Kind == kind {
			return a
		}
	}
	t.Fatalf("plan has no %s: %+v", kind, p.Actions)
	return investigate.Action{}
}

// Deactivate through the runner against moto: the key goes Inactive, the state is read
// back, AWS's request id and the caller are journalled, a second run changes nothing, and
// reactivation undoes it.
func TestDeactivateVerifyJournalReactivate(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	rem, caller := e.responder(t, "", false)
	if caller.AccessKeyID != moto.AccessKeyID || caller.Profile != "responder" || caller.ARN == "" {
		t.Fatalf("caller = %+v", caller)
	}
	cs := caseFor(t, rem.Session, e.key)
	if cs.Owner.User != "alice" || cs.Owner.Status != "Active" {
		t.Fatalf("owner = %+v", cs.Owner)
	}
	plan := investigate.PlanRemediation(cs, &caller, clock)
	deact := action(t, plan, investigate.ActDeactivateKey)
	if deact.Refusal != "" || deact.SecondConfirm != "" {
		t.Fatalf("deactivate: %+v", deact)
	}
	j := e.openJournal(t)
	run := &investigate.Runner{Remediator: rem, Journal: j, Now: fixed}

	if o := run.Run(ctx, deact, "", ""); o.Err == nil || e.wire.count("UpdateAccessKey") != 0 {
		t.Fatalf("an unconfirmed action ran: %+v", o)
	}
	o := run.Run(ctx, deact, e.key, "")
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	if got := e.status(t, e.key); got != "Inactive" {
		t.Fatalf("moto says the key is %s", got)
	}
	if !strings.HasPrefix(o.StateBefore, "Active") || !strings.HasPrefix(o.StateAfter, "Inactive") || len(o.RequestIDs) != 1 || o.RequestIDs[0] == "" {
		t.Errorf("outcome: %s -> %s, request ids %v", o.StateBefore, o.StateAfter, o.RequestIDs)
	}
	if n := e.wire.count("UpdateAccessKey"); n != 1 {
		t.Errorf("%d UpdateAccessKey calls, want 1", n)
	}

	entries, err := j.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Phase != investigate.PhaseIntent || entries[1].Phase != investigate.PhaseDone {
		t.Fatalf("journal: %+v", entries)
	}
	done := entries[1]
	if done.CallerARN != caller.ARN || done.Profile != "responder" || done.Region != "us-east-1" || done.Key != e.key ||
		len(done.RequestIDs) != 1 || done.RequestIDs[0] != o.RequestIDs[0] || !strings.HasPrefix(done.StateAfter, "Inactive") {
		t.Errorf("journal entry: %+v", done)
	}
	raw, _ := os.ReadFile(e.journalPath)
	if !strings.Contains(string(raw), `"UserName":"alice"`) || !strings.Contains(string(raw), `"Status":"Inactive"`) {
		t.Errorf("the journal must hold the exact call:\n%s", raw)
	}

	// Running it again writes nothing: the state says it is in effect.
	if o := run.Run(ctx, deact, e.key, ""); !o.Skipped || o.Err != nil {
		t.Errorf("second run: %+v", o)
	}
	if n := e.wire.count("UpdateAccessKey"); n != 1 {
		t.Errorf("%d UpdateAccessKey calls after a repeat, want still 1", n)
	}

	// The undo.
	re := investigate.ReactivateAction(e.key, "alice", cs.Owner.Account, nil)
	if o := run.Run(ctx, re, e.key, ""); o.Err != nil || !strings.HasPrefix(o.StateAfter, "Active") {
		t.Fatalf("reactivate: %+v", o)
	}
	if got := e.status(t, e.key); got != "Active" {
		t.Errorf("after reactivation moto says %s", got)
	}
}

// A crash after the journalled intent: the rerun reads the state and calls only when
// the action is not in effect yet, never twice.
func TestResumeAfterACrashNeverWritesTwice(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	rem, caller := e.responder(t, "", false)
	deact := action(t, e.plan(t, rem, caller), investigate.ActDeactivateKey)
	j := e.openJournal(t)
	// Crash 1: intent written, nothing called. The spec goes through JSON as on disk.
	spec := deact
	if err := j.Append(investigate.JournalEntry{Time: clock, Phase: investigate.PhaseIntent, ActionID: deact.ID, Action: deact.Kind, Key: deact.Key, Calls: deact.Calls, Spec: &spec}); err != nil {
		t.Fatal(err)
	}
	run := &investigate.Runner{Remediator: rem, Journal: j, Now: fixed}
	outs, err := run.Resume(ctx, func(investigate.Action) bool { return true })
	if err != nil || len(outs) != 1 || outs[0].Err != nil || outs[0].Skipped {
		t.Fatalf("resume: %+v, %v", outs, err)
	}
	if e.status(t, e.key) != "Inactive" || e.wire.count("UpdateAccessKey") != 1 {
		t.Fatalf("after resume: %s, %d calls", e.status(t, e.key), e.wire.count("UpdateAccessKey"))
	}
	// Crash 2: the call was made, the outcome never journalled.
	if err := j.Append(investigate.JournalEntry{Time: clock, Phase: investigate.PhaseIntent, ActionID: deact.ID, Action: deact.Kind, Key: deact.Key, Calls: deact.Calls, Spec: &spec}); err != nil {
		t.Fatal(err)
	}
	outs, err = run.Resume(ctx, func(investigate.Action) bool { return true })
	// (journal.Pending lists an action twice when it was resumed before: each is skipped.)
	if err != nil || len(outs) == 0 {
		t.Fatalf("resume of a done action: %+v, %v", outs, err)
	}
	for _, o := range outs {
		if !o.Skipped || o.Err != nil {
			t.Errorf("resume of a done action: %+v", o)
		}
	}
	e.wantResumedOnce(t, j)
}

// keypivot never deactivates the key it signs with: the plan refuses, the runner refuses,
// and the remediator itself refuses when called directly. (moto keeps accepting a
// deactivated key, facts §5, so the refusal is what is tested, not a lockout.)
// Signing as the key's own user with another key asks for a second confirmation.
func TestSelfLockoutIsRefusedAndSameUserConfirmsTwice(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	rem, caller := e.responder(t, e.key, false)
	if self := rem.Session.Identity; self.UserName != "alice" || self.AccessKeyID != e.key {
		t.Fatalf("acting as %+v", self)
	}
	deact := action(t, e.plan(t, rem, caller), investigate.ActDeactivateKey)
	if !strings.Contains(deact.Refusal, "signing with this very key") {
		t.Errorf("plan: refusal %q", deact.Refusal)
	}
	run := &investigate.Runner{Remediator: rem, Journal: e.openJournal(t), Now: fixed}
	if o := run.Run(ctx, deact, e.key, e.key); o.Err == nil || !strings.Contains(o.Error, "refused") {
		t.Errorf("runner: %+v", o)
	}
	deact.Refusal = "" // a caller that skips the plan's checks
	if _, err := rem.Apply(ctx, deact); err == nil || !strings.Contains(err.Error(), "signing with "+e.key) {
		t.Errorf("remediator: err = %v", err)
	}
	if e.wire.count("UpdateAccessKey") != 0 || e.status(t, e.key) != "Active" {
		t.Errorf("the signing key was touched: %d calls, %s", e.wire.count("UpdateAccessKey"), e.status(t, e.key))
	}

	// alice's second key acts on her first: allowed, after the key id is typed twice.
	rem, caller = e.responder(t, e.srv.NewAccessKey(t, "alice"), false)
	deact = action(t, e.plan(t, rem, caller), investigate.ActDeactivateKey)
	if deact.Refusal != "" || !strings.Contains(deact.SecondConfirm, "alice") {
		t.Fatalf("same user: %+v", deact)
	}
	run.Remediator = rem
	if o := run.Run(ctx, deact, e.key, ""); o.Err == nil || !strings.Contains(o.Error, "twice") || e.wire.count("UpdateAccessKey") != 0 {
		t.Errorf("one confirmation must not do: %+v", o)
	}
	if o := run.Run(ctx, deact, e.key, e.key); o.Err != nil || e.status(t, e.key) != "Inactive" {
		t.Errorf("confirmed twice: %+v, key %s", o, e.status(t, e.key))
	}
}

// A write AWS refuses still has AWS's request id, and the journal keeps it with the
// failure: the id is what AWS support and CloudTrail know the refused call by.
func TestFailedWriteKeepsItsRequestID(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	rem, caller := e.responder(t, "", false)
	missing := investigate.ReactivateAction("AKIAMISSINGKEY000001", "alice", caller.Account, &caller)
	ids, err := rem.Apply(ctx, missing)
	if err == nil || awsconfig.ErrorCode(err) != "NoSuchEntity" {
		t.Fatalf("UpdateAccessKey of a key alice does not have: err = %v", err)
	}
	if len(ids) != 1 || ids[0] == "" || ids[0] != awsconfig.ErrorRequestID(err) {
		t.Errorf("request ids %v, want the refused call's (%q)", ids, awsconfig.ErrorRequestID(err))
	}

	// Through the runner: the state read finds alice's key, the write is refused (the
	// user is gone by then), and the failed journal entry names the refused call.
	deact := action(t, e.plan(t, rem, caller), investigate.ActDeactivateKey)
	deact.Calls = slices.Clone(deact.Calls)
	deact.Calls[0].Params = map[string]any{"AccessKeyId": e.key, "UserName": "alice-deleted", "Status": "Inactive"}
	j := e.openJournal(t)
	o := (&investigate.Runner{Remediator: rem, Journal: j, Now: fixed}).Run(ctx, deact, e.key, "")
	if o.Err == nil || len(o.RequestIDs) != 1 || o.RequestIDs[0] == "" {
		t.Fatalf("outcome: err %v, request ids %v", o.Err, o.RequestIDs)
	}
	entries, err := j.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if last := entries[len(entries)-1]; last.Phase != investigate.PhaseFailed || !slices.Equal(last.RequestIDs, o.RequestIDs) {
		t.Errorf("journal entry %+v, want the failure with request ids %v", last, o.RequestIDs)
	}
}

// --read-only is enforced in the session's clients: a remediator on a read-only session
// writes nothing even when the runner's own read-only check is bypassed.
func TestReadOnlySessionWritesNothingEvenPastTheRunner(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	rem, caller := e.responder(t, "", true)
	deact := action(t, e.plan(t, rem, caller), investigate.ActDeactivateKey) // reads work

	if _, err := rem.Apply(ctx, deact); !errors.Is(err, investigate.ErrReadOnly) {
		t.Errorf("Apply on a read-only session: err = %v, want ErrReadOnly", err)
	}
	o := (&investigate.Runner{Remediator: rem, Journal: e.openJournal(t), ReadOnly: false, Now: fixed}).Run(ctx, deact, e.key, "")
	if !errors.Is(o.Err, investigate.ErrReadOnly) || !strings.HasPrefix(o.StateAfter, "Active") {
		t.Errorf("runner without its own read-only flag: %+v", o)
	}
	if n := e.wire.count("UpdateAccessKey"); n != 0 {
		t.Errorf("%d UpdateAccessKey requests reached moto", n)
	}
	if e.status(t, e.key) != "Active" {
		t.Error("the key was deactivated in read-only mode")
	}
}

// Revoking sessions puts the revocation policy on the user and on each role, and the state
// reads it back; stopping instances makes the DryRun first, then the stop.
func TestRevokeSessionsAndStopInstances(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	rem, caller := e.responder(t, "", false)
	if _, err := e.admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Deployer"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)}); err != nil {
		t.Fatal(err)
	}
	c := ec2.NewFromConfig(rem.Session.ForRegion("eu-west-1"))
	imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatal(err)
	}
	out, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(2), MaxCount: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{aws.ToString(out.Instances[0].InstanceId), aws.ToString(out.Instances[1].InstanceId)}

	cut := clock
	cs := caseFor(t, rem.Session, e.key)
	cs.Sessions = []investigate.Session{{AccessKeyID: "ASIAEXAMPLESESSION01", RoleARN: "arn:aws:iam::" + moto.Account + ":role/Deployer", ValidAtGeneration: true}}
	cs.FollowUps.Instances = []investigate.Instance{{InstanceID: ids[0], Region: "eu-west-1", State: "running"}, {InstanceID: ids[1], Region: "eu-west-1", State: "running"}}
	plan := investigate.PlanRemediation(cs, &caller, cut)
	run := &investigate.Runner{Remediator: rem, Journal: e.openJournal(t), Now: fixed}

	for _, kind := range []string{investigate.ActRevokeUserSessions, investigate.ActRevokeRoleSessions, investigate.ActStopInstances} {
		a := action(t, plan, kind)
		o := run.Run(ctx, a, e.key, "")
		if o.Err != nil {
			t.Fatalf("%s: %v", kind, o.Err)
		}
		if _, applied, err := rem.State(ctx, a); err != nil || !applied {
			t.Errorf("%s: state after: applied %v, %v (%s)", kind, applied, err, o.StateAfter)
		}
		t.Logf("%s: %s -> %s %v", kind, o.StateBefore, o.StateAfter, o.RequestIDs)
	}
	doc := e.userRevocation(t)
	var d map[string]any
	if json.Unmarshal([]byte(doc), &d) != nil || !strings.Contains(doc, cut.Format(time.RFC3339)) {
		t.Errorf("user policy: %s", doc)
	}
	if e.wire.count("PutRolePolicy") != 1 || e.wire.count("PutUserPolicy") != 1 {
		t.Errorf("policy writes: user %d role %d", e.wire.count("PutUserPolicy"), e.wire.count("PutRolePolicy"))
	}
	if n := e.wire.count("StopInstances"); n != 2 {
		t.Errorf("%d StopInstances requests, want the DryRun and the stop", n)
	}
	// A later cut-off is not in effect under an older policy.
	later := investigate.PlanRemediation(cs, &caller, cut.Add(time.Hour))
	if _, applied, _ := rem.State(ctx, action(t, later, investigate.ActRevokeUserSessions)); applied {
		t.Error("a policy cut at an earlier time must not count as a later revocation")
	}

	// Each undone by its undo action: the policies deleted, the instances started.
	for _, kind := range []string{investigate.ActRevokeUserSessions, investigate.ActRevokeRoleSessions, investigate.ActStopInstances} {
		u, ok := action(t, plan, kind).UndoAction()
		if !ok {
			t.Fatalf("%s has no undo", kind)
		}
		o := run.Run(ctx, u, e.key, "")
		if o.Err != nil || o.Skipped {
			t.Fatalf("undo of %s: %+v", kind, o)
		}
		if _, applied, err := rem.State(ctx, u); err != nil || !applied {
			t.Errorf("undo of %s: state after: applied %v, %v (%s)", kind, applied, err, o.StateAfter)
		}
		t.Logf("undo of %s: %s -> %s %v", kind, o.StateBefore, o.StateAfter, o.RequestIDs)
	}
	if e.wire.count("DeleteUserPolicy") != 1 || e.wire.count("DeleteRolePolicy") != 1 || e.wire.count("StartInstances") != 1 {
		t.Errorf("undo calls: user %d role %d start %d", e.wire.count("DeleteUserPolicy"), e.wire.count("DeleteRolePolicy"), e.wire.count("StartInstances"))
	}
	if st, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids}); err != nil || len(st.Reservations) == 0 || len(st.Reservations[0].Instances) != 2 {
		t.Errorf("instances after the undo: %+v %v", st, err)
	} else {
		for _, in := range st.Reservations[0].Instances {
			if in.State.Name != ec2types.InstanceStateNameRunning && in.State.Name != ec2types.InstanceStateNamePending {
				t.Errorf("%s is %s after the undo", aws.ToString(in.InstanceId), in.State.Name)
			}
		}
	}
}

// An action in another account than the session's is refused with the profile it needs.
func TestActionInAnotherAccountNamesTheProfile(t *testing.T) {
	t.Parallel()
	e := setup(t)
	rem := &Remediator{Session: e.session(t, "", false)}
	a := investigate.ReactivateAction(e.key, "alice", otherAccount, nil)
	_, err := rem.Apply(context.Background(), a)
	if err == nil || !strings.Contains(err.Error(), "--account-profile "+otherAccount+"=PROFILE") {
		t.Errorf("err = %v", err)
	}
	if e.wire.count("UpdateAccessKey") != 0 {
		t.Error("a call was made")
	}
}

// A role the key assumed in another account: without a session there, the plan refuses
// and names --account-profile; with one (Accounts), the revocation policy is written in
// that account, by its session, and read back from it.
func TestRoleOfAnotherAccountIsRevokedWithItsProfile(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	const other = otherAccount
	otherAdmin := iam.NewFromConfig(e.srv.AWSConfigFor(t, "us-east-1", other))
	if _, err := otherAdmin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Deployer"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)}); err != nil {
		t.Fatal(err)
	}
	alone, caller := e.responder(t, "", false)
	s, so := alone.Session, e.sessionIn(t, other, "other")
	cs := caseFor(t, s, e.key)
	cs.Sessions = []investigate.Session{{AccessKeyID: "ASIAEXAMPLESESSION02", RoleARN: "arn:aws:iam::" + other + ":role/Deployer", ValidAtGeneration: true}}
	cut := clock

	if a := action(t, investigate.PlanRemediation(cs, &caller, cut), investigate.ActRevokeRoleSessions); !strings.Contains(a.Refusal, "--account-profile "+other+"=PROFILE") {
		t.Fatalf("without a session in %s: refusal %q", other, a.Refusal)
	}

	rem := &Remediator{Session: s, Accounts: map[string]*awsconfig.Session{moto.Account: s, other: so}}
	caller, _ = rem.Caller(ctx)
	if len(caller.OtherAccounts) != 1 || caller.OtherAccounts[0] != other {
		t.Fatalf("caller's other accounts: %v", caller.OtherAccounts)
	}
	a := action(t, investigate.PlanRemediation(cs, &caller, cut), investigate.ActRevokeRoleSessions)
	if a.Refusal != "" {
		t.Fatalf("refused: %s", a.Refusal)
	}
	o := (&investigate.Runner{Remediator: rem, Journal: e.openJournal(t), Now: fixed}).Run(ctx, a, e.key, "")
	if o.Err != nil {
		t.Fatalf("revoke: %v", o.Err)
	}
	if _, err := otherAdmin.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("Deployer"), PolicyName: aws.String(investigate.RevokePolicyName)}); err != nil {
		t.Errorf("no revocation policy on the role in %s: %v", other, err)
	}
	if _, applied, err := rem.State(ctx, a); err != nil || !applied {
		t.Errorf("state read back: applied %v, %v", applied, err)
	}
}

// crashing is the remediator with a crash at the first Apply of one action kind: the
// call is made (when after is set) and the process dies before its outcome is
// journalled (a panic the test recovers).
type crashing struct {
	*Remediator
	kind  string
	after bool
}

type crash struct{}

func (c *crashing) Apply(ctx context.Context, a investigate.Action) ([]string, error) {
	if a.Kind != c.kind {
		return c.Remediator.Apply(ctx, a)
	}
	c.kind = ""
	if c.after {
		c.Remediator.Apply(ctx, a)
	}
	panic(crash{})
}

// crashDeactivating runs deactivate --revoke-sessions of alice's leaked key, both
// confirmed, as rem with journal j, and crashes at the deactivation: after its call is
// made when after is set, before it otherwise. The batch must crash.
func (e *env) crashDeactivating(t *testing.T, rem *Remediator, plan investigate.Plan, j *journal.File, after bool) {
	t.Helper()
	defer func() {
		if _, ok := recover().(crash); !ok {
			t.Fatal("the batch did not crash")
		}
	}()
	r := &investigate.Runner{Remediator: &crashing{Remediator: rem, kind: investigate.ActDeactivateKey, after: after}, Journal: j, Now: fixed}
	r.RunAll(context.Background(), []investigate.Confirmed{
		{Action: action(t, plan, investigate.ActDeactivateKey), Typed: e.key},
		{Action: action(t, plan, investigate.ActRevokeUserSessions), Typed: e.key},
	})
}

// deactivate --revoke-sessions killed during UpdateAccessKey (the call reached AWS, its
// outcome was never journalled): both actions were planned before the first call, so a
// resume offers the revocation as well, completes it, and does not repeat the
// deactivation. moto holds the result.
func TestInterruptedRevokeSessionsIsResumed(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	rem, caller := e.responder(t, "", false)
	j := e.openJournal(t)
	e.crashDeactivating(t, rem, e.plan(t, rem, caller), j, true)
	if e.status(t, e.key) != "Inactive" || e.wire.count("PutUserPolicy") != 0 {
		t.Fatalf("before the resume: key %s, %d PutUserPolicy", e.status(t, e.key), e.wire.count("PutUserPolicy"))
	}
	pending, err := j.Pending()
	if err != nil || len(pending) != 2 || pending[1].Action != investigate.ActRevokeUserSessions || pending[1].Phase != investigate.PhasePlanned {
		t.Fatalf("pending after the crash: %+v %v", pending, err)
	}

	resumed := clock.Add(time.Hour)
	var offered []string
	outs, err := (&investigate.Runner{Remediator: rem, Journal: j, Now: func() time.Time { return resumed }}).Resume(ctx, func(a investigate.Action) bool {
		offered = append(offered, a.Kind)
		return true
	})
	if err != nil || len(outs) != 2 || !slices.Equal(offered, []string{investigate.ActDeactivateKey, investigate.ActRevokeUserSessions}) {
		t.Fatalf("resume: offered %v, %+v %v", offered, outs, err)
	}
	if !outs[0].Skipped || outs[1].Err != nil || outs[1].Skipped {
		t.Fatalf("resume outcomes: %+v", outs)
	}
	e.wantResumedOnce(t, j)
	if doc := e.userRevocation(t); !strings.Contains(doc, resumed.Format(time.RFC3339)) {
		t.Errorf("the revocation confirmed at the resume cuts at the resume: %s", doc)
	}
}

// An interrupted action resumed with credentials of another account, under the same
// profile name, is refused before anything is asked or called; credentials of the
// account it was planned for complete it.
func TestResumeFromAnotherAccountIsRefused(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	rem, caller := e.responder(t, "", false)
	j := e.openJournal(t)
	e.crashDeactivating(t, rem, e.plan(t, rem, caller), j, false)

	const other = otherAccount
	so := e.sessionIn(t, other, "responder") // the same profile name
	asked := 0
	outs, err := (&investigate.Runner{Remediator: &Remediator{Session: so}, Journal: j, Now: fixed}).Resume(ctx, func(investigate.Action) bool { asked++; return true })
	if err != nil || len(outs) != 2 || asked != 0 {
		t.Fatalf("resume from %s: asked %d, %+v %v", other, asked, outs, err)
	}
	for _, o := range outs {
		if !errors.Is(o.Err, investigate.ErrWrongAccount) || !strings.Contains(o.Error, moto.Account) || !strings.Contains(o.Error, other) {
			t.Errorf("%s: %v", o.Action.Kind, o.Err)
		}
	}
	if e.wire.count("UpdateAccessKey")+e.wire.count("PutUserPolicy") != 0 || e.status(t, e.key) != "Active" {
		t.Fatalf("written from the wrong account: key %s", e.status(t, e.key))
	}
	if p, _ := j.Pending(); len(p) != 2 {
		t.Fatalf("a refused resume must leave both pending: %+v", p)
	}

	outs, err = (&investigate.Runner{Remediator: rem, Journal: j, Now: fixed}).Resume(ctx, func(investigate.Action) bool { return true })
	if err != nil || len(outs) != 2 || outs[0].Err != nil || outs[1].Err != nil {
		t.Fatalf("resume in %s: %+v %v", moto.Account, outs, err)
	}
	if e.status(t, e.key) != "Inactive" {
		t.Errorf("key %s after the resume", e.status(t, e.key))
	}
	e.userRevocation(t) // fails the test when the revocation policy is missing
}
