package remediate

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/internal/testserver/loopback"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// What the trail shows made but is gone from the account by the time keypivot acts (the
// attacker or another responder deleted the user, role, function or key pair) is in
// effect: IAM confirms the principal no longer exists, and nothing is called.
func TestArtifactsAlreadyGoneAreInEffect(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := &env{srv: moto.Start(t), wire: &wire{next: loopback.HTTPClient()}, journalPath: filepath.Join(t.TempDir(), "journal.jsonl")}
	e.srv.Seed(t, leakAccount).User("leaky") // the key's own user; nothing the trail shows made exists
	tr := leakTrail(t)
	tr.iam("CreateUser", map[string]any{"userName": "ghost"}, nil)
	tr.iam("CreateLoginProfile", map[string]any{"userName": "ghost"}, nil)
	tr.iam("CreateAccessKey", map[string]any{"userName": "ghost"}, map[string]any{"accessKey": map[string]any{"accessKeyId": "AKIAEXAMPLEGHOST0001", "status": "Active", "userName": "ghost"}})
	tr.iam("AttachUserPolicy", map[string]any{"userName": "ghost", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}, nil)
	tr.iam("PutUserPolicy", map[string]any{"userName": "ghost", "policyName": "persist", "policyDocument": adminDoc}, nil)
	tr.iam("AddUserToGroup", map[string]any{"userName": "ghost", "groupName": "Admins"}, nil)
	tr.iam("CreateRole", map[string]any{"roleName": "ghost-role", "assumeRolePolicyDocument": moto.LambdaTrust}, nil)
	// A role an administrator made, whose trust policy the key then backdoored.
	admin := &trail{t: t, account: leakAccount, user: "admin", key: "AKIAQQQQQQQQQQQQQQQ4", at: tr.at.Add(-3 * time.Hour), n: 100}
	admin.iam("CreateRole", map[string]any{"roleName": "ghost-trust", "assumeRolePolicyDocument": moto.LambdaTrust}, nil)
	tr.events = append(admin.events, tr.events...)
	tr.iam("UpdateAssumeRolePolicy", map[string]any{"roleName": "ghost-trust", "policyDocument": attackTrust}, nil)
	tr.iam("AttachRolePolicy", map[string]any{"roleName": "ghost-role", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}, nil)
	tr.add("lambda.amazonaws.com", "CreateFunction20150331", "eu-west-1", map[string]any{"functionName": "ghost-fn"}, nil)
	tr.add("ec2.amazonaws.com", "CreateKeyPair", "eu-west-1", map[string]any{"keyName": "ghost-key"}, map[string]any{"keyName": "ghost-key"})

	rem := &Remediator{Session: e.sessionIn(t, leakAccount, "responder")}
	caller, err := rem.Caller(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(leakKey), Events: tr.events, Now: clock})
	var batch []investigate.Confirmed
	kinds := map[string]bool{}
	for _, a := range investigate.PlanRemediation(cs, &caller, clock).Actions {
		if _, ok := containStates[a.Kind]; !ok {
			continue
		}
		kinds[a.Kind] = true
		s, applied, err := rem.State(ctx, a)
		if err != nil || !applied || !strings.Contains(s, "no longer exists") && !strings.HasPrefix(s, "no key pair") {
			t.Errorf("%s: %q applied %v, %v", a.Title, s, applied, err)
		}
		if u, ok := a.UndoAction(); ok {
			if _, applied, err := rem.State(ctx, u); err != nil || applied {
				t.Errorf("undo of %s: applied %v, %v", a.Title, applied, err)
			}
		}
		batch = append(batch, investigate.Confirmed{Action: a, Typed: a.ConfirmToken, TypedName: a.ConfirmName})
	}
	if len(kinds) != len(containStates) {
		t.Fatalf("planned kinds %v, want every containment kind", kinds)
	}
	for _, o := range (&investigate.Runner{Remediator: rem, Journal: e.openJournal(t), Now: fixed}).RunAll(ctx, batch) {
		if !o.Skipped || o.Err != nil {
			t.Errorf("%s: %+v", o.Action.Title, o)
		}
	}
	e.wire.mu.Lock()
	defer e.wire.mu.Unlock()
	for op := range e.wire.n {
		if !slices.ContainsFunc([]string{"Get", "List", "Describe"}, func(p string) bool { return strings.HasPrefix(op, p) }) {
			t.Errorf("%s was called", op)
		}
	}
}

// An error that does not say the target is gone is an error, not "in effect": the
// corpus's Lambda backdoor lives in an anonymised region, which moto does not serve
// (it answers 500), so its state cannot be read and nothing is written.
func TestUnreadableStateIsAnErrorNotGone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := &env{srv: moto.Start(t), wire: &wire{next: loopback.HTTPClient()}, journalPath: filepath.Join(t.TempDir(), "journal.jsonl")}
	const acct = "880896431042"
	rem := &Remediator{Session: e.sessionIn(t, acct, "responder")}
	caller, err := rem.Caller(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID("AKIAYALJGCQ7J893JO5I"), Events: corpusEvents(t, "aws.persistence.lambda-backdoor-function.json"), Now: clock})
	a := action(t, investigate.PlanRemediation(cs, &caller, clock), investigate.ActThrottleFunction)
	if a.Calls[0].Region != "ca-centralnorth-1r" {
		t.Fatalf("call: %+v", a.Calls[0])
	}
	if s, applied, err := rem.State(ctx, a); err == nil || applied {
		t.Fatalf("state %q applied %v, err %v: want an error", s, applied, err)
	}
	o := (&investigate.Runner{Remediator: rem, Journal: e.openJournal(t), Now: fixed}).Run(ctx, a, a.ConfirmToken, "")
	if o.Err == nil || o.Skipped || e.wire.count("PutFunctionConcurrency") != 0 {
		t.Errorf("outcome %+v, %d PutFunctionConcurrency", o, e.wire.count("PutFunctionConcurrency"))
	}
}
