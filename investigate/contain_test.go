package investigate_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

var t0 = time.Date(2026, 3, 11, 12, 0, 0, 0, time.UTC)

// ev is a successful (or, with errorCode, failed) event signed by signer.
func ev(id string, minute int, signer, source, name string, req, resp map[string]any, errorCode string) *investigate.Event {
	r, _ := json.Marshal(req)
	s, _ := json.Marshal(resp)
	e := &investigate.Event{ID: id, Time: t0.Add(time.Duration(minute) * time.Minute), Source: source, Name: name, Region: "us-east-1",
		ErrorCode: errorCode}
	e.SetParameters(r, s)
	e.Identity = &investigate.Identity{AccessKeyID: signer, AccountID: "111122223333", UserName: "alice", Type: "IAMUser"}
	return e
}

const (
	keyA = "AKIAAAAAAAAAAAAAAAAA"
	keyB = "AKIABBBBBBBBBBBBBBBB"
	keyC = "AKIACCCCCCCCCCCCCCCC"
	sesS = "ASIASSSSSSSSSSSSSSSS"
)

func createKey(id string, minute int, signer, user, child string) *investigate.Event {
	return ev(id, minute, signer, "iam.amazonaws.com", "CreateAccessKey", map[string]any{"userName": user},
		map[string]any{"accessKey": map[string]any{"accessKeyId": child, "userName": user, "status": "Active"}}, "")
}

// Child keys are followed like sessions, transitively and loop-safe, each attributed,
// and the case counts the key's own events apart from its children's.
func TestChildKeysAreFollowedTransitively(t *testing.T) {
	events := []*investigate.Event{
		createKey("e1", 1, keyA, "bob", keyB),
		ev("e2", 2, keyB, "sts.amazonaws.com", "GetCallerIdentity", nil, nil, ""),
		createKey("e3", 3, keyB, "carol", keyC),
		ev("e4", 4, keyC, "sts.amazonaws.com", "GetSessionToken", nil, map[string]any{"credentials": map[string]any{"accessKeyId": sesS, "expiration": t0.Add(36 * time.Hour).Format(time.RFC3339)}}, ""),
		// A loop: the session "creates" the case key again.
		createKey("e5", 5, sesS, "alice", keyA),
		ev("e6", 6, sesS, "s3.amazonaws.com", "ListBuckets", nil, nil, ""),
		ev("e7", 7, keyA, "sts.amazonaws.com", "GetCallerIdentity", nil, nil, ""),
		ev("e8", 8, "AKIAZZZZZZZZZZZZZZZZ", "s3.amazonaws.com", "ListBuckets", nil, nil, ""),
	}
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(keyA), Events: events, Now: t0.Add(time.Hour)})
	if len(c.CreatedAccessKeys) != 2 || c.CreatedAccessKeys[0].AccessKeyID != keyB || c.CreatedAccessKeys[1].AccessKeyID != keyC {
		t.Fatalf("children = %+v", c.CreatedAccessKeys)
	}
	b, cc := c.CreatedAccessKeys[0], c.CreatedAccessKeys[1]
	if b.Signer != keyA || b.EventID != "e1" || b.User != "bob" || b.Depth != 1 || b.EventCount != 2 {
		t.Fatalf("child B = %+v", b)
	}
	if cc.Signer != keyB || cc.EventID != "e3" || cc.Depth != 2 || cc.EventCount != 1 {
		t.Fatalf("child C = %+v", cc)
	}
	if len(c.Sessions) != 1 || c.Sessions[0].ParentKey != keyC {
		t.Fatalf("sessions = %+v", c.Sessions)
	}
	// A: e1, e7; children and their session: e2..e6.
	if c.EventCount != 2 || c.SessionEventCount != 0 || c.ChildEventCount != 5 || len(c.Events) != 7 {
		t.Fatalf("counts: key %d sessions %d children %d events %d", c.EventCount, c.SessionEventCount, c.ChildEventCount, len(c.Events))
	}
	for _, e := range c.Timeline {
		if e.Child != (e.Signer() != keyA) {
			t.Fatalf("timeline entry %s child=%v", e.ID, e.Child)
		}
	}
	got := investigate.DerivedKeys(keyA, events)
	if !slices.Equal(got, []string{sesS, keyB, keyC}) {
		t.Fatalf("derived keys = %v", got)
	}
	// The plan deactivates each child, in the children group.
	p := investigate.PlanRemediation(c, nil, t0.Add(time.Hour))
	var children []string
	for _, a := range p.Actions {
		if a.Kind == investigate.ActDeactivateChildKey {
			children = append(children, a.Calls[0].Param("AccessKeyId")+"/"+a.Calls[0].Param("UserName")+"/"+a.Group)
		}
	}
	if !slices.Equal(children, []string{keyB + "/bob/children", keyC + "/carol/children"}) {
		t.Fatalf("child deactivations = %v", children)
	}
}

// A backdoored trust policy is restored to the document before the edit, taken from the
// role's CreateRole by another principal; the undo puts the attacker's back.
func TestTrustPolicyRestoredToTheEarlierDocument(t *testing.T) {
	before := `{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	after := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}`
	events := []*investigate.Event{
		ev("c1", 1, "AKIAADMINADMINADMIN1", "iam.amazonaws.com", "CreateRole", map[string]any{"roleName": "ops", "assumeRolePolicyDocument": before}, nil, ""),
		ev("u1", 5, keyA, "iam.amazonaws.com", "UpdateAssumeRolePolicy", map[string]any{"roleName": "ops", "policyDocument": after}, nil, ""),
	}
	// A role of the same name in another account of an organisation trail lends no document.
	other := ev("c2", 3, "AKIAADMINADMINADMIN2", "iam.amazonaws.com", "CreateRole", map[string]any{"roleName": "ops", "assumeRolePolicyDocument": `{"other":1}`}, nil, "")
	other.Identity.AccountID, other.RecipientAccount = "444455556666", "444455556666"
	events = append(events, other)
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(keyA), Events: events, Now: t0.Add(time.Hour)})
	if len(c.Artifacts) != 1 || c.Artifacts[0].PreviousEvent != "c1" || c.Artifacts[0].PreviousDocument != before || c.Artifacts[0].Document != after {
		t.Fatalf("artifacts = %+v", c.Artifacts)
	}
	p := investigate.PlanRemediation(c, nil, t0.Add(time.Hour))
	i := slices.IndexFunc(p.Actions, func(a investigate.Action) bool { return a.Kind == investigate.ActRestoreTrustPolicy })
	if i < 0 {
		t.Fatalf("no restore in %+v", p.Actions)
	}
	a := p.Actions[i]
	if a.Calls[0].Param("PolicyDocument") != before || a.UndoCalls[0].Param("PolicyDocument") != after || a.Irreversible {
		t.Fatalf("restore = %+v", a)
	}
	u, ok := a.UndoAction()
	if !ok || u.Calls[0].Param("PolicyDocument") != after {
		t.Fatalf("undo = %+v", u)
	}
	if o, ok := u.Undone(); !ok || o.Kind != investigate.ActRestoreTrustPolicy || o.Calls[0].Param("PolicyDocument") != before {
		t.Fatalf("undone = %+v", o)
	}
}

// AWS's quarantine policy is attached by AWS, not by the key: it is found in the trail
// whoever signed it, and a live read of its document says exactly what it denies.
func TestQuarantineFromTheTrailAndLive(t *testing.T) {
	attach := ev("q1", 3, "ASIAAWSINTERNAL00001", "iam.amazonaws.com", "AttachUserPolicy",
		map[string]any{"userName": "alice", "policyArn": "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3"}, nil, "")
	use := ev("k1", 1, keyA, "sts.amazonaws.com", "GetCallerIdentity", nil, nil, "")
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(keyA), Events: []*investigate.Event{use, attach}, Now: t0.Add(time.Hour)})
	q := c.Quarantine
	if q == nil || q.Version != "V3" || q.EventID != "q1" || !c.Quarantined || q.DeniesFromPolicy || !slices.Contains(q.Denies, "cloudtrail:LookupEvents") {
		t.Fatalf("quarantine = %+v", q)
	}
	if _, allowed, _ := strings.Cut(q.StillAllows, "e.g."); !strings.Contains(allowed, "s3:GetObject") || strings.Contains(allowed, "ec2:RunInstances") {
		t.Fatalf("still allows: %s", q.StillAllows)
	}
	if len(c.Artifacts) != 0 {
		t.Fatalf("AWS's quarantine is not an attacker's artifact: %+v", c.Artifacts)
	}
	// Live: detached since.
	c = investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(keyA), Events: []*investigate.Event{use, attach}, Now: t0.Add(time.Hour),
		Owner: &investigate.OwnerInfo{User: "alice", AttachedPolicies: []string{}}})
	if c.Quarantine == nil || c.Quarantined || *c.Quarantine.Attached {
		t.Fatalf("detached live: %+v", c.Quarantine)
	}
	// Live, with its document: s3:GetObject denied there is not named as allowed.
	arn := "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV4"
	c = investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(keyA), Events: []*investigate.Event{use}, Now: t0.Add(time.Hour),
		Owner: &investigate.OwnerInfo{User: "alice", AttachedPolicies: []string{arn}, PolicyDenies: map[string][]string{arn: {"s3:Get*", "ec2:RunInstances"}}}})
	q = c.Quarantine
	if q == nil || q.Version != "V4" || !q.DeniesFromPolicy || strings.Contains(q.StillAllows, "s3:GetObject") || !strings.Contains(q.StillAllows, "sts:AssumeRole") {
		t.Fatalf("live quarantine = %+v", q)
	}
	p := investigate.PlanRemediation(c, nil, t0.Add(time.Hour))
	if !slices.ContainsFunc(p.Actions[0].Affects, func(s string) bool { return strings.Contains(s, "AWSCompromisedKeyQuarantineV4") }) {
		t.Fatalf("the deactivation does not say the quarantine: %q", p.Actions[0].Affects)
	}
}

// An irreversible action is confirmed by typing the resource's name: --yes never
// answers it, a wrong name cancels, and the runner refuses it without the name.
func TestIrreversibleActionsNeedTheResourceName(t *testing.T) {
	events := []*investigate.Event{
		ev("l1", 1, keyA, "iam.amazonaws.com", "CreateLoginProfile", map[string]any{"userName": "backdoor"}, map[string]any{"loginProfile": map[string]any{"userName": "backdoor"}}, ""),
		ev("p1", 2, keyA, "iam.amazonaws.com", "AttachUserPolicy", map[string]any{"userName": "backdoor", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}, nil, ""),
	}
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(keyA), Events: events, Now: t0.Add(time.Hour)})
	p := investigate.PlanRemediation(c, nil, t0.Add(time.Hour))
	last := p.Actions[len(p.Actions)-1]
	if last.Kind != investigate.ActDeleteLoginProfile || !last.Irreversible || last.ConfirmName != "backdoor" || len(last.UndoCalls) != 0 {
		t.Fatalf("last action = %+v", last)
	}
	if _, ok := last.UndoAction(); ok {
		t.Fatal("an irreversible action has an undo")
	}
	qs := last.Questions()
	if len(qs) != 2 || !qs[1].Irreversible || qs[1].Token != "backdoor" {
		t.Fatalf("questions = %+v", qs)
	}
	// --yes alone, no terminal: refused, naming why.
	none := investigate.Answers{}
	if _, err := investigate.Confirm(last, true, &none); !errors.Is(err, investigate.ErrNotConfirmed) || !strings.Contains(err.Error(), "never by --yes") {
		t.Fatalf("--yes alone: %v", err)
	}
	// --yes and a wrong name: cancelled.
	wrong := investigate.Answers{"backdoor2"}
	if _, err := investigate.Confirm(last, true, &wrong); !errors.Is(err, investigate.ErrNotConfirmed) {
		t.Fatalf("wrong name: %v", err)
	}
	right := investigate.Answers{"backdoor"}
	conf, err := investigate.Confirm(last, true, &right)
	if err != nil || conf.TypedName != "backdoor" || conf.Typed != keyA {
		t.Fatalf("right name: %+v %v", conf, err)
	}
	// The runner refuses it without the name, before any call.
	r := &investigate.Runner{Journal: nopJournal{}}
	o := r.Run(t.Context(), last, keyA, "")
	if o.Err == nil || !strings.Contains(o.Error, "irreversible") {
		t.Fatalf("run without the name: %+v", o)
	}
}

type nopJournal struct{}

func (nopJournal) Append(investigate.JournalEntry) error        { return nil }
func (nopJournal) Pending() ([]investigate.JournalEntry, error) { return nil, nil }

// A trust policy the key edited twice is one artifact: the latest document is what is in
// place, and the one to restore is from before the first edit, never the key's own.
func TestTrustPolicyEditedTwiceRestoresTheDocumentBeforeTheFirstEdit(t *testing.T) {
	d0, d1, d2 := `{"Statement":[{"Sid":"d0"}]}`, `{"Statement":[{"Sid":"d1"}]}`, `{"Statement":[{"Sid":"d2"}]}`
	events := []*investigate.Event{
		ev("c0", 1, "AKIAADMINADMINADMIN1", "iam.amazonaws.com", "CreateRole", map[string]any{"roleName": "ops", "assumeRolePolicyDocument": d0}, nil, ""),
		ev("u1", 2, keyA, "iam.amazonaws.com", "UpdateAssumeRolePolicy", map[string]any{"roleName": "ops", "policyDocument": d1}, nil, ""),
		ev("u2", 3, keyA, "iam.amazonaws.com", "UpdateAssumeRolePolicy", map[string]any{"roleName": "ops", "policyDocument": d2}, nil, ""),
	}
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(keyA), Events: events, Now: t0.Add(time.Hour)})
	if len(c.Artifacts) != 1 || c.Artifacts[0].Document != d2 || c.Artifacts[0].PreviousDocument != d0 || c.Artifacts[0].EventID != "u2" {
		t.Fatalf("artifacts = %+v", c.Artifacts)
	}
}

// A policy named like AWS's quarantine but made by the attacker is the attacker's: an
// artifact with its action, never "AWS found this key exposed".
func TestLookalikeQuarantinePolicyIsTheAttackers(t *testing.T) {
	fake := "arn:aws:iam::111122223333:policy/AWSCompromisedKeyQuarantineV9"
	events := []*investigate.Event{
		ev("p1", 1, keyA, "iam.amazonaws.com", "AttachUserPolicy", map[string]any{"userName": "alice", "policyArn": fake}, nil, ""),
		ev("p2", 2, keyA, "iam.amazonaws.com", "PutUserPolicy", map[string]any{"userName": "alice", "policyName": investigate.DenyAllPolicyName, "policyDocument": `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}, nil, ""),
	}
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(keyA), Events: events, Now: t0.Add(time.Hour)})
	if c.Quarantine != nil || c.Quarantined || len(c.Artifacts) != 2 {
		t.Fatalf("quarantine %+v, artifacts %+v", c.Quarantine, c.Artifacts)
	}
	if slices.ContainsFunc(c.Findings, func(f investigate.Finding) bool { return f.Category == investigate.CatQuarantine }) {
		t.Fatalf("findings call the attacker's policy AWS's quarantine: %+v", c.Findings)
	}
}

// The same user name made in two accounts is two artifacts, each contained in its own
// account.
func TestArtifactsOfTwoAccountsStayApart(t *testing.T) {
	home := ev("h1", 1, keyA, "iam.amazonaws.com", "CreateUser", map[string]any{"userName": "backup"}, nil, "")
	away := ev("a1", 2, keyA, "iam.amazonaws.com", "CreateUser", map[string]any{"userName": "backup"}, nil, "")
	away.RecipientAccount = "444455556666"
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(keyA), Events: []*investigate.Event{home, away}, Now: t0.Add(time.Hour)})
	if len(c.Artifacts) != 2 || c.Artifacts[0].ID == c.Artifacts[1].ID {
		t.Fatalf("artifacts = %+v", c.Artifacts)
	}
	var accounts []string
	for _, s := range c.Plan {
		if s.Kind == investigate.ActDenyAllUser {
			accounts = append(accounts, s.Account)
		}
	}
	if !slices.Equal(accounts, []string{"111122223333", "444455556666"}) {
		t.Fatalf("deny-all in accounts %v (plan %+v)", accounts, c.Plan)
	}
}
