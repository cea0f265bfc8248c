package demo

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/investigate"
)

// actionFor is the plan step each kind of artifact must get.
var actionFor = map[string]string{
	investigate.ArtUser:            investigate.ActDenyAllUser,
	investigate.ArtLoginProfile:    investigate.ActDeleteLoginProfile,
	investigate.ArtAccessKey:       investigate.ActDeactivateChildKey,
	investigate.ArtAttachedPolicy:  investigate.ActDetachPolicy,
	investigate.ArtInlinePolicy:    investigate.ActDeleteInlinePolicy,
	investigate.ArtGroupMembership: investigate.ActRemoveFromGroup,
	investigate.ArtRole:            investigate.ActDenyAllRole,
	investigate.ArtTrustPolicy:     investigate.ActRestoreTrustPolicy,
	investigate.ArtLambdaFunction:  investigate.ActThrottleFunction,
	investigate.ArtKeyPair:         investigate.ActDeleteKeyPair,
}

// irreversibleKinds are the artifacts whose removal cannot be undone.
var irreversibleKinds = map[string]bool{investigate.ArtLoginProfile: true, investigate.ArtKeyPair: true}

// checkBlastRadius holds the case to what the scenario planted: every artifact, with its
// event, its signer and whether a child key made it, nothing else; and for each, the
// plan step that removes it, irreversible ones last. collected are the events the case
// was built from: they must hold the trust policy's earlier document (the
// administrators' CreateRole, which Collect's role round finds), so that the plan
// restores it.
func checkBlastRadius(t *testing.T, ds *Dataset, c *investigate.Case, collected []*investigate.Event) {
	t.Helper()
	f := &ds.Facts
	kinds := map[string]bool{}
	for _, p := range f.Artifacts {
		kinds[p.Kind] = true
	}
	// Issue 11 §6: a child key that acts, a login profile, an admin policy attachment, a
	// trust-policy backdoor, a Lambda function; and an inline policy, a group, a role.
	for k := range actionFor {
		if !kinds[k] {
			t.Errorf("the scenario plants no %s", k)
		}
	}
	if len(c.Artifacts) != len(f.Artifacts) {
		t.Errorf("%d artifacts, the scenario planted %d: %+v", len(c.Artifacts), len(f.Artifacts), c.Artifacts)
	}
	if !slices.ContainsFunc(collected, func(e *investigate.Event) bool { return e.ID == f.TrustRoleCreated }) {
		t.Errorf("the administrators' CreateRole %s of %s (the trust policy before the backdoor) is not among the events", f.TrustRoleCreated, f.TrustRole)
	}
	checkRestoresTrustPolicy(t, ds, c)
	byChild := 0
	for _, p := range f.Artifacts {
		i := slices.IndexFunc(c.Artifacts, func(a investigate.Artifact) bool { return a.EventID == p.EventID })
		if i < 0 {
			t.Errorf("planted %s %s (event %s) is not an artifact of the case", p.Kind, p.Name, p.EventID)
			continue
		}
		art := c.Artifacts[i]
		child := p.Signer == f.BackdoorKey
		if art.Kind != p.Kind || art.Signer != p.Signer || art.ByChild != child || art.Time.IsZero() || !strings.Contains(art.ID, p.Name) {
			t.Errorf("artifact %+v, planted %+v (by the child key: %v)", art, p, child)
		}
		if !slices.ContainsFunc(c.Events, func(e *investigate.Event) bool { return e.ID == art.EventID }) {
			t.Errorf("artifact %s: its event %s is not in the case's events", art.ID, art.EventID)
		}
		if child {
			byChild++
		}
		want := actionFor[p.Kind]
		j := slices.IndexFunc(c.Plan, func(s investigate.PlanStep) bool { return s.Artifact == art.ID })
		if j < 0 {
			t.Errorf("no plan step for %s", art.ID)
			continue
		}
		step := c.Plan[j]
		if step.Kind != want || step.Reversible == irreversibleKinds[p.Kind] || len(step.Calls) == 0 || (step.Reversible && len(step.UndoCalls) == 0) {
			t.Errorf("step for %s: %+v, want %s (irreversible %v)", art.ID, step, want, irreversibleKinds[p.Kind])
		}
		if irreversibleKinds[p.Kind] && slices.ContainsFunc(c.Plan[j+1:], func(s investigate.PlanStep) bool { return s.Reversible }) {
			t.Errorf("a reversible step comes after the irreversible %s", step.ID)
		}
	}
	if byChild < 6 {
		t.Errorf("%d artifacts made by the child key", byChild)
	}
}

// completeCase is the case built, as BuildCase allows, from every event of the trail:
// what a source that also returns the history of the roles the key touched gives.
func completeCase(t *testing.T, ds *Dataset) (*investigate.Case, []*investigate.Event) {
	t.Helper()
	ctx := context.Background()
	rep, events, err := sourcetest.Events(ctx, TrailSource(ds), investigate.EventQuery{})
	if err != nil || len(rep.Problems) > 0 {
		t.Fatal(err, rep.Problems)
	}
	_, alerts, err := sourcetest.Alerts(ctx, AlertSource(ds), investigate.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	all := make([]*investigate.Event, len(events))
	for i := range events {
		all[i] = &events[i]
	}
	c := investigate.BuildCase(investigate.CaseInput{
		Key: investigate.MustParseAccessKeyID(ds.CompromisedKey), Events: all, Alerts: alerts,
		Correlation: investigate.DefaultCorrelationOptions(), Now: ds.Anchor, Demo: true,
	})
	return c, all
}

// With the whole trail, the backdoored trust policy has its earlier document (the
// administrators' CreateRole, a day before the leak) and the plan restores it.
func TestCompleteTrailRestoresTheTrustPolicy(t *testing.T) {
	ds := dataset(t)
	f := &ds.Facts
	c, all := completeCase(t, ds)
	if c.EventCount+c.SessionEventCount+c.ChildEventCount+c.OtherEventCount != f.CaseRecords {
		t.Errorf("complete case: %d+%d+%d+%d events, want %d", c.EventCount, c.SessionEventCount, c.ChildEventCount, c.OtherEventCount, f.CaseRecords)
	}
	checkBlastRadius(t, ds, c, all)
}

// checkRestoresTrustPolicy: the trust-policy artifact has the administrators' document
// as its earlier one, and the plan puts it back (undo: the attacker's document).
func checkRestoresTrustPolicy(t *testing.T, ds *Dataset, c *investigate.Case) {
	t.Helper()
	f := &ds.Facts
	i := slices.IndexFunc(c.Artifacts, func(a investigate.Artifact) bool { return a.Kind == investigate.ArtTrustPolicy })
	if i < 0 {
		t.Error("no trust-policy artifact")
		return
	}
	art := c.Artifacts[i]
	if art.Role != f.TrustRole || art.PreviousEvent != f.TrustRoleCreated || !investigate.SamePolicy(art.PreviousDocument, f.TrustPolicyBefore) ||
		!strings.Contains(art.Document, attackerAccount) || strings.Contains(art.PreviousDocument, attackerAccount) {
		t.Errorf("trust policy %+v: want role %s, earlier document from %s without the attacker's account", art, f.TrustRole, f.TrustRoleCreated)
		return
	}
	j := slices.IndexFunc(c.Plan, func(s investigate.PlanStep) bool { return s.Kind == investigate.ActRestoreTrustPolicy })
	if j < 0 {
		t.Errorf("no restore-trust-policy step in %+v", c.Plan)
		return
	}
	step := c.Plan[j]
	if step.Artifact != art.ID || step.Target != f.TrustRole || step.Calls[0].Operation != "UpdateAssumeRolePolicy" || step.Calls[0].Params["PolicyDocument"] != f.TrustPolicyBefore ||
		step.UndoCalls[0].Params["PolicyDocument"] != art.Document || step.Calls[0].Params["RoleName"] != f.TrustRole {
		t.Errorf("restore step %+v", step)
	}
}

// The administrators' CreateRole is signed by Terraform's key, no key of the case: only
// the role round, which asks for the history of the role the child key backdoored,
// brings it into the case.
func TestRoleRoundFindsTheEarlierTrustPolicy(t *testing.T) {
	ds := dataset(t)
	f := &ds.Facts
	inv := investigateKey(t, ds, ds.CompromisedKey)
	if !slices.Equal(inv.col.Roles, []string{f.TrustRole}) {
		t.Fatalf("role round asked for %v, want [%s]", inv.col.Roles, f.TrustRole)
	}
	// The key rounds alone (every key and key pair of the case) do not hold it.
	var pairs []investigate.KeyPairRef
	for _, kp := range f.KeyPairs {
		pairs = append(pairs, investigate.KeyPairRef{Name: kp.Name, Region: kp.Region})
	}
	_, keyed, err := sourcetest.Events(context.Background(), TrailSource(ds), investigate.EventQuery{AccessKeys: inv.col.Keys, KeyPairs: pairs})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(keyed, func(e investigate.Event) bool { return e.ID == f.TrustRoleCreated }) {
		t.Fatal("the keys' own query returns the CreateRole: the test proves nothing")
	}
	rounds := inv.col.Rounds[0]
	roleRound := rounds[len(rounds)-1]
	if roleRound.Matched == 0 || roleRound.Files == 0 {
		t.Errorf("role round report %+v", roleRound)
	}
	var found *investigate.Event
	for _, e := range inv.col.Set.Events() {
		if e.ID == f.TrustRoleCreated {
			found = e
		}
	}
	switch {
	case found == nil:
		t.Fatalf("the CreateRole %s of %s was not collected", f.TrustRoleCreated, f.TrustRole)
	case found.Name != "CreateRole" || investigate.RoleHistoryRole(found) != f.TrustRole || slices.ContainsFunc(inv.col.Keys, func(k investigate.AccessKeyID) bool { return k.String() == found.Signer() }):
		t.Errorf("collected %s of %q signed by %s (case keys %v)", found.Name, investigate.RoleHistoryRole(found), found.Signer(), inv.col.Keys)
	}
	// Events of others stay out of the case's own events and counts.
	if slices.ContainsFunc(inv.c.Events, func(e *investigate.Event) bool { return e.ID == f.TrustRoleCreated }) {
		t.Error("the administrators' CreateRole is counted among the case's events")
	}
	checkRestoresTrustPolicy(t, ds, inv.c)
}

// The Lambda function is recorded as CloudTrail records it: the versioned event name,
// the function's name in the request and its ARN in the response; the first attempt,
// before the new role could be assumed, failed and made nothing.
func TestLambdaFunctionHasItsRealShape(t *testing.T) {
	ds := dataset(t)
	_, events, err := sourcetest.Events(context.Background(), TrailSource(ds), investigate.EventQuery{AccessKeys: investigate.KeyIDs(ds.Facts.BackdoorKey)})
	if err != nil {
		t.Fatal(err)
	}
	var ok, failed int
	for i := range events {
		e := &events[i]
		if e.Name != "CreateFunction20150331" {
			continue
		}
		if e.Source != "lambda.amazonaws.com" || e.Region+"/"+lambdaFunction != ds.Facts.Function || !strings.Contains(string(e.Request()), `"functionName":"`+lambdaFunction+`"`) {
			t.Errorf("CreateFunction20150331 %s in %s: %s", e.Source, e.Region, e.Request())
		}
		if e.Failed() {
			failed++
			continue
		}
		if !strings.Contains(string(e.Response()), `"functionArn":"arn:aws:lambda:`+lambdaRegion+`:`+prodAccount+`:function:`+lambdaFunction+`"`) {
			t.Errorf("response %s", e.Response())
		}
		ok++
	}
	if ok != 1 || failed != 1 {
		t.Errorf("%d successful and %d failed CreateFunction20150331, want 1 and 1", ok, failed)
	}
}
