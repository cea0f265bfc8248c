package simaccount_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/journal"
	"github.com/keypivot/keypivot/internal/demo"
	"github.com/keypivot/keypivot/internal/simaccount"
	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/investigate"
)

var (
	demoOnce sync.Once
	demoDS   *demo.Dataset
	demoC    *investigate.Case
)

// demoCase is the demo's case built from its whole trail, so that the backdoored trust
// policy has its earlier document and every containment action is planned.
func demoCase(t *testing.T) (*demo.Dataset, *investigate.Case) {
	t.Helper()
	demoOnce.Do(func() {
		ds := demo.Generate(demo.DefaultAnchor())
		_, events, err := sourcetest.Events(context.Background(), demo.TrailSource(ds), investigate.EventQuery{})
		if err != nil {
			panic(err)
		}
		all := make([]*investigate.Event, len(events))
		for i := range events {
			all[i] = &events[i]
		}
		demoDS = ds
		demoC = investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(ds.CompromisedKey), Events: all, Now: ds.Anchor, Demo: true})
	})
	return demoDS, demoC
}

// responder is who acts in the simulated account: not the key's user.
func responder(c *investigate.Case) investigate.Caller {
	return investigate.Caller{ARN: "arn:aws:iam::" + c.Owner.Account + ":user/incident-responder", Account: c.Owner.Account,
		UserName: "incident-responder", AccessKeyID: "AKIADEMORESPONDER001"}
}

func plan(t *testing.T) (*demo.Dataset, *investigate.Case, []investigate.Action) {
	ds, c := demoCase(t)
	caller := responder(c)
	return ds, c, investigate.PlanRemediation(c, &caller, ds.Anchor).Actions
}

func runner(t *testing.T, c *investigate.Case, now time.Time) (*investigate.Runner, *simaccount.Account, *journal.File) {
	t.Helper()
	acct := simaccount.FromCase(c, responder(c))
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return &investigate.Runner{Remediator: acct, Journal: j, Now: func() time.Time { return now }}, acct, j
}

// inEffect reads, through the account's own readers, whether what a makes true is true:
// an account-side view independent of State.
func inEffect(acct *simaccount.Account, a investigate.Action) bool {
	c := a.Calls[len(a.Calls)-1]
	switch a.Kind {
	case investigate.ActDeactivateKey:
		return acct.KeyStatus(a.Key) == "Inactive"
	case investigate.ActDeactivateChildKey:
		return acct.KeyStatus(c.Param("AccessKeyId")) == "Inactive"
	case investigate.ActRevokeUserSessions:
		return acct.UserPolicy(a.User, investigate.RevokePolicyName) != ""
	case investigate.ActStopInstances:
		for _, ids := range a.Instances {
			for _, id := range ids {
				if acct.InstanceState(id) != "stopped" {
					return false
				}
			}
		}
		return true
	case investigate.ActDetachPolicy:
		kind := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(c.Operation, "Detach"), "Policy"))
		return !slices.Contains(acct.Attached(kind, c.Param(strings.ToUpper(kind[:1])+kind[1:]+"Name")), c.Param("PolicyArn"))
	case investigate.ActDeleteInlinePolicy:
		if c.Operation == "DeleteRolePolicy" {
			return acct.RolePolicy(c.Param("RoleName"), c.Param("PolicyName")) == ""
		}
		return acct.UserPolicy(c.Param("UserName"), c.Param("PolicyName")) == ""
	case investigate.ActRestoreTrustPolicy:
		return investigate.SamePolicy(acct.TrustPolicy(c.Param("RoleName")), c.Param("PolicyDocument"))
	case investigate.ActRemoveFromGroup:
		return !acct.InGroup(c.Param("UserName"), c.Param("GroupName"))
	case investigate.ActDenyAllUser:
		return acct.UserPolicy(c.Param("UserName"), investigate.DenyAllPolicyName) == investigate.DenyAllPolicy
	case investigate.ActDenyAllRole:
		return acct.RolePolicy(c.Param("RoleName"), investigate.DenyAllPolicyName) == investigate.DenyAllPolicy
	case investigate.ActThrottleFunction:
		n, set, exists := acct.FunctionConcurrency(c.Region, c.Param("FunctionName"))
		return exists && set && n == 0
	case investigate.ActDeleteLoginProfile:
		return !acct.HasLoginProfile(c.Param("UserName"))
	case investigate.ActDeleteKeyPair:
		return !acct.KeyPairExists(c.Region, c.Param("KeyName"))
	}
	panic("no effect known for " + a.Kind)
}

// The account starts as the demo's trail left it: every artifact the attacker made is in
// place, so no action of the plan is in effect yet.
func TestFromCaseHoldsWhatTheTrailSays(t *testing.T) {
	ds, c, actions := plan(t)
	f := &ds.Facts
	acct := simaccount.FromCase(c, responder(c))
	if !acct.HasUser(f.BackdoorUser) || !acct.HasLoginProfile(f.BackdoorUser) || acct.KeyStatus(f.BackdoorKey) != "Active" ||
		!slices.Contains(acct.Attached("user", f.BackdoorUser), "arn:aws:iam::aws:policy/AdministratorAccess") {
		t.Errorf("backdoor user %s: exists %v, login profile %v, key %q, attached %v", f.BackdoorUser, acct.HasUser(f.BackdoorUser),
			acct.HasLoginProfile(f.BackdoorUser), acct.KeyStatus(f.BackdoorKey), acct.Attached("user", f.BackdoorUser))
	}
	if trust := acct.TrustPolicy(f.TrustRole); trust == "" || investigate.SamePolicy(trust, f.TrustPolicyBefore) {
		t.Errorf("role %s: trust policy %q, want the attacker's document", f.TrustRole, trust)
	}
	region, name, _ := strings.Cut(f.Function, "/")
	if _, set, exists := acct.FunctionConcurrency(region, name); !exists || set {
		t.Errorf("function %s: exists %v, reserved concurrency set %v", f.Function, exists, set)
	}
	for _, kp := range f.KeyPairs {
		if !acct.KeyPairExists(kp.Region, kp.Name) {
			t.Errorf("key pair %s/%s missing", kp.Region, kp.Name)
		}
	}
	kinds := map[string]bool{}
	for _, a := range actions {
		if a.Refusal != "" {
			continue
		}
		kinds[a.Kind] = true
		st, applied, err := acct.State(context.Background(), a)
		if err != nil || applied || inEffect(acct, a) {
			t.Errorf("%s: state %q, in effect %v, %v: the trail's artifacts should be in place", a.ID, st, applied, err)
		}
	}
	for _, k := range []string{investigate.ActDeactivateChildKey, investigate.ActDetachPolicy, investigate.ActDeleteInlinePolicy, investigate.ActRestoreTrustPolicy,
		investigate.ActRemoveFromGroup, investigate.ActDenyAllUser, investigate.ActDenyAllRole, investigate.ActThrottleFunction,
		investigate.ActDeleteLoginProfile, investigate.ActDeleteKeyPair} {
		if !kinds[k] {
			t.Errorf("the demo's plan has no %s action", k)
		}
	}
	if acct.Writes() != 0 {
		t.Errorf("reading state wrote %d times", acct.Writes())
	}
}

// Each reversible action runs through the Runner, is in effect, is not repeated, and its
// undo (a.UndoAction) puts back what it changed; the undo's state is the original's,
// inverted.
func TestReversibleActionsApplyAndUndo(t *testing.T) {
	ds, c, actions := plan(t)
	ctx := context.Background()
	key := c.Key.String()
	ran := 0
	for _, a := range actions {
		if a.Refusal != "" || a.Irreversible {
			continue
		}
		t.Run(a.ID, func(t *testing.T) {
			r, acct, j := runner(t, c, ds.Anchor)
			out := r.Run(ctx, a, key, "")
			_, applied, err := acct.State(ctx, a)
			if out.Err != nil || out.Skipped || !applied || err != nil || !inEffect(acct, a) || out.StateAfter == out.StateBefore {
				t.Fatalf("run: %+v; in effect %v (%v), effect %v", out, applied, err, inEffect(acct, a))
			}
			writes := acct.Writes()
			if again := r.Run(ctx, a, key, ""); !again.Skipped || acct.Writes() != writes {
				t.Fatalf("second run %+v: writes %d, then %d", again, writes, acct.Writes())
			}

			u, ok := a.UndoAction()
			if !ok || u.Kind != investigate.ActUndo || u.Undoes != a.Kind {
				t.Fatalf("undo of %s: %+v %v", a.ID, u, ok)
			}
			if _, uApplied, err := acct.State(ctx, u); uApplied || err != nil {
				t.Fatalf("the undo is in effect before it ran (%v)", err)
			}
			uo := r.Run(ctx, u, key, "")
			_, uApplied, uErr := acct.State(ctx, u)
			_, oApplied, _ := acct.State(ctx, a)
			if uo.Err != nil || uo.Skipped || !uApplied || uErr != nil || oApplied || inEffect(acct, a) {
				t.Fatalf("undo: %+v; undo in effect %v (%v), original in effect %v, effect %v", uo, uApplied, uErr, oApplied, inEffect(acct, a))
			}
			if again := r.Run(ctx, u, key, ""); !again.Skipped {
				t.Fatalf("the undo ran twice: %+v", again)
			}
			entries, err := j.Entries()
			var phases []string
			for _, e := range entries {
				phases = append(phases, e.Phase+" "+e.Action)
			}
			want := []string{
				investigate.PhaseIntent + " " + a.Kind, investigate.PhaseDone + " " + a.Kind, investigate.PhaseSkipped + " " + a.Kind,
				investigate.PhaseIntent + " " + investigate.ActUndo, investigate.PhaseDone + " " + investigate.ActUndo, investigate.PhaseSkipped + " " + investigate.ActUndo,
			}
			if err != nil || !slices.Equal(phases, want) {
				t.Fatalf("journal %v, want %v (%v)", phases, want, err)
			}
		})
		ran++
	}
	if ran < 12 {
		t.Errorf("%d reversible actions ran", ran)
	}
}

// An irreversible action is refused without its resource's name typed, whatever else was
// typed; with the name it runs; it has no undo.
func TestIrreversibleActionsNeedTheTypedName(t *testing.T) {
	ds, c, actions := plan(t)
	ctx := context.Background()
	key := c.Key.String()
	ran := 0
	for _, a := range actions {
		if !a.Irreversible || a.Refusal != "" {
			continue
		}
		t.Run(a.ID, func(t *testing.T) {
			if _, ok := a.UndoAction(); ok {
				t.Fatal("an irreversible action has an undo")
			}
			r, acct, j := runner(t, c, ds.Anchor)
			for _, typed := range []string{"", key, strings.ToUpper(a.ConfirmName) + "x", a.ConfirmName + "-"} {
				out := r.RunAll(ctx, []investigate.Confirmed{{Action: a, Typed: key, TypedName: typed}})[0]
				if out.Err == nil || !strings.Contains(out.Err.Error(), "irreversible") || acct.Writes() != 0 || inEffect(acct, a) {
					t.Fatalf("typed name %q: %+v, writes %d", typed, out, acct.Writes())
				}
			}
			if out := r.Run(ctx, a, key, key); out.Err == nil || acct.Writes() != 0 {
				t.Fatalf("Run without a typed name: %+v", out)
			}
			if entries, _ := j.Entries(); len(entries) != 0 {
				t.Fatalf("refusals were journalled: %+v", entries)
			}
			out := r.RunAll(ctx, []investigate.Confirmed{{Action: a, Typed: key, TypedName: " " + a.ConfirmName + " "}})[0]
			_, applied, err := acct.State(ctx, a)
			if out.Err != nil || out.Skipped || !applied || err != nil || !inEffect(acct, a) || acct.Writes() != 1 {
				t.Fatalf("confirmed by name: %+v; in effect %v (%v), writes %d", out, applied, err, acct.Writes())
			}
		})
		ran++
	}
	if ran != 3 {
		t.Errorf("%d irreversible actions, want the login profile and two key pairs", ran)
	}
}

// What a later event of the trail removed is not in the account: its action finds
// nothing to do and calls nothing. A deleted user takes with it what was on it.
func TestRemovedArtifactIsNotSeeded(t *testing.T) {
	ds, c, actions := plan(t)
	ctx := context.Background()
	for _, tc := range []struct {
		kind    string
		skipped []string // the actions then in effect
	}{
		{investigate.ArtGroupMembership, []string{investigate.ActRemoveFromGroup}},
		{investigate.ArtUser, []string{investigate.ActDenyAllUser, investigate.ActDeactivateChildKey, investigate.ActRemoveFromGroup,
			investigate.ActDeleteInlinePolicy, investigate.ActDeleteLoginProfile}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			removed := *c
			removed.Artifacts = slices.Clone(c.Artifacts)
			i := slices.IndexFunc(removed.Artifacts, func(a investigate.Artifact) bool { return a.Kind == tc.kind })
			if i < 0 {
				t.Fatalf("no %s in the demo", tc.kind)
			}
			removed.Artifacts[i].RemovedBy = "11111111-2222-4333-8444-555555555555"
			r, acct, _ := runner(t, &removed, ds.Anchor)
			for _, kind := range tc.skipped {
				a := actions[slices.IndexFunc(actions, func(a investigate.Action) bool { return a.Kind == kind })]
				out := r.RunAll(ctx, []investigate.Confirmed{{Action: a, Typed: c.Key.String(), TypedName: a.ConfirmName}})[0]
				if out.Err != nil || !out.Skipped || acct.Writes() != 0 {
					t.Errorf("%s: %+v, writes %d", a.ID, out, acct.Writes())
				}
			}
			// What was not on the removed artifact is still in place.
			a := actions[slices.IndexFunc(actions, func(a investigate.Action) bool { return a.Kind == investigate.ActThrottleFunction })]
			if _, applied, err := acct.State(ctx, a); applied || err != nil {
				t.Errorf("the function was throttled by the removal (%v)", err)
			}
		})
	}
}

// An action read back from the journal (its JSON: numbers as float64, lists as []any)
// applies as planned.
func TestJournalledActionApplies(t *testing.T) {
	ds, c, actions := plan(t)
	ctx := context.Background()
	for _, kind := range []string{investigate.ActThrottleFunction, investigate.ActStopInstances} {
		a := actions[slices.IndexFunc(actions, func(a investigate.Action) bool { return a.Kind == kind })]
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var back investigate.Action
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		r, acct, _ := runner(t, c, ds.Anchor)
		if out := r.Run(ctx, back, c.Key.String(), ""); out.Err != nil || !inEffect(acct, a) {
			t.Fatalf("%s from the journal: %+v", kind, out)
		}
	}
}

// The account answers as AWS does for what does not exist, and a failed call stops the
// action there.
func TestCallsOnWhatDoesNotExistFail(t *testing.T) {
	_, c := demoCase(t)
	acct := simaccount.FromCase(c, responder(c))
	ctx := context.Background()
	for _, tc := range []struct {
		call investigate.APICall
		want string
	}{
		{investigate.APICall{Service: "iam", Operation: "DetachUserPolicy", Params: map[string]any{"UserName": "nobody", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}, "NoSuchEntity: The user with name nobody"},
		{investigate.APICall{Service: "iam", Operation: "DetachUserPolicy", Params: map[string]any{"UserName": c.Owner.User, "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}, "NoSuchEntity: Policy arn:aws:iam::aws:policy/ReadOnlyAccess was not found"},
		{investigate.APICall{Service: "iam", Operation: "DeleteUserPolicy", Params: map[string]any{"UserName": c.Owner.User, "PolicyName": "none"}}, "NoSuchEntity: The user policy with name none"},
		{investigate.APICall{Service: "iam", Operation: "DeleteLoginProfile", Params: map[string]any{"UserName": c.Owner.User}}, "NoSuchEntity: Login Profile for User " + c.Owner.User},
		{investigate.APICall{Service: "iam", Operation: "UpdateAssumeRolePolicy", Params: map[string]any{"RoleName": "nobody", "PolicyDocument": "{}"}}, "NoSuchEntity: The role with name nobody"},
		{investigate.APICall{Service: "iam", Operation: "AddUserToGroup", Params: map[string]any{"UserName": c.Owner.User, "GroupName": "nogroup"}}, "NoSuchEntity: The group with name nogroup"},
		{investigate.APICall{Service: "lambda", Operation: "PutFunctionConcurrency", Region: "eu-west-1", Params: map[string]any{"FunctionName": "none", "ReservedConcurrentExecutions": 0}}, "ResourceNotFoundException: Function not found"},
	} {
		a := investigate.Action{Kind: "test", Calls: []investigate.APICall{tc.call, {Service: "iam", Operation: "AttachUserPolicy", Params: map[string]any{"UserName": c.Owner.User, "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}}}
		ids, err := acct.Apply(ctx, a)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || len(ids) != 0 || acct.Writes() != 0 {
			t.Errorf("%s: %v, ids %v, writes %d; want %q", tc.call.Operation, err, ids, acct.Writes(), tc.want)
		}
	}
	if got := acct.Attached("user", c.Owner.User); len(got) != 0 {
		t.Errorf("a call after a failed one ran: %v", got)
	}
	// Deleting a key pair that does not exist succeeds, as EC2 answers.
	if _, err := acct.Apply(ctx, investigate.Action{Calls: []investigate.APICall{{Service: "ec2", Operation: "DeleteKeyPair", Region: "eu-west-1", Params: map[string]any{"KeyName": "none"}}}}); err != nil {
		t.Errorf("DeleteKeyPair of a missing key pair: %v", err)
	}
}
