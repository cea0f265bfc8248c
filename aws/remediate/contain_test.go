package remediate

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/journal"
	"github.com/keypivot/keypivot/internal/testserver/loopback"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// containment is one action that contains what a key left behind, run against moto from
// the plan of a case built from a trail: the corpus's real records where it has a
// detonation of the artifact, records written as CloudTrail writes them otherwise.
type containment struct {
	name, kind string
	// account and key are the case's: the key that left the artifact, in its account.
	account, key string
	// plant puts in moto what the attacker left and returns the trail that shows it made.
	plant func(t *testing.T, d *moto.Seed) []*investigate.Event
	// replant puts an irreversible action's artifact back, for the resume.
	replant func(t *testing.T, d *moto.Seed)
	// inPlace reads moto, as an administrator: is the attacker's artifact in place (not
	// contained)?
	inPlace func(t *testing.T, d *moto.Seed) bool
	// write and undo are the operations of the action's call and of its undo's.
	write, undo string
	// before and after are what State says of the artifact in place and contained.
	before, after string
}

// The trail of a key leaked in account leakAccount, for the artifacts the corpus has no
// detonation of.
const (
	leakAccount = "366104839219"
	leakKey     = "AKIAEXAMPLELEAKY0001"
)

func leakTrail(t *testing.T) *trail {
	return &trail{t: t, account: leakAccount, user: "leaky", key: leakKey, at: time.Date(2026, time.March, 10, 9, 0, 0, 0, time.UTC)}
}

const (
	adminDoc    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	attackTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole"}]}`
)

// principalParam is the request parameter naming a principal in CloudTrail.
var principalParam = map[string]string{moto.UserPrincipal: "userName", moto.RolePrincipal: "roleName", moto.GroupPrincipal: "groupName"}

// capital is "User", "Role" or "Group".
func capital(kind string) string { return strings.ToUpper(kind[:1]) + kind[1:] }

// makePrincipal creates a user, role or group named name.
func makePrincipal(d *moto.Seed, kind, name string) {
	switch kind {
	case moto.UserPrincipal:
		d.User(name)
	case moto.RolePrincipal:
		d.Role(name, attackTrust)
	default:
		d.Group(name)
	}
}

func detachPolicy(kind string) containment {
	name := "backdoor-" + kind
	var arn string
	return containment{
		name: "detach-policy from a " + kind, kind: investigate.ActDetachPolicy, account: leakAccount, key: leakKey,
		plant: func(t *testing.T, d *moto.Seed) []*investigate.Event {
			makePrincipal(d, kind, name)
			arn = d.ManagedPolicy("AttackerAdmin", adminDoc)
			d.Attach(kind, name, arn)
			tr := leakTrail(t)
			tr.iam("Attach"+capital(kind)+"Policy", map[string]any{principalParam[kind]: name, "policyArn": arn}, nil)
			return tr.events
		},
		inPlace: func(t *testing.T, d *moto.Seed) bool { return attached(t, d, kind, name, arn) },
		write:   "Detach" + capital(kind) + "Policy", undo: "Attach" + capital(kind) + "Policy",
		before: "attached to " + kind + " " + name, after: "not attached to " + kind + " " + name,
	}
}

func deleteInlinePolicy(kind string, withDocument bool) containment {
	name := "backdoor-" + kind
	c := containment{
		name: "delete-inline-policy of a " + kind, kind: investigate.ActDeleteInlinePolicy, account: leakAccount, key: leakKey,
		plant: func(t *testing.T, d *moto.Seed) []*investigate.Event {
			makePrincipal(d, kind, name)
			d.InlinePolicy(kind, name, "persist", adminDoc)
			req := map[string]any{principalParam[kind]: name, "policyName": "persist", "policyDocument": adminDoc}
			if !withDocument {
				delete(req, "policyDocument")
			}
			tr := leakTrail(t)
			tr.iam("Put"+capital(kind)+"Policy", req, nil)
			return tr.events
		},
		inPlace: func(t *testing.T, d *moto.Seed) bool { return hasInline(t, d, kind, name, "persist") },
		write:   "Delete" + capital(kind) + "Policy", undo: "Put" + capital(kind) + "Policy",
		before: "inline policy persist on " + kind + " " + name, after: "no inline policy persist on " + kind + " " + name,
	}
	if !withDocument {
		c.name += " the trail kept no document of (irreversible)"
		c.undo = ""
		c.replant = func(t *testing.T, d *moto.Seed) { d.InlinePolicy(kind, name, "persist", adminDoc) }
	}
	return c
}

// containments are the cases of TestContainmentAgainstMoto.
func containments() []containment {
	cs := []containment{
		{
			name: "deny-all-user (corpus: iam-create-admin-user)", kind: investigate.ActDenyAllUser, account: "229654561268", key: "AKIAOZUDECYXYM4ONAN4",
			plant: func(t *testing.T, d *moto.Seed) []*investigate.Event {
				d.User("malicious-iam-user")
				return corpusEvents(t, "aws.persistence.iam-create-admin-user.json")
			},
			inPlace: func(t *testing.T, d *moto.Seed) bool {
				return !hasInline(t, d, moto.UserPrincipal, "malicious-iam-user", investigate.DenyAllPolicyName)
			},
			write: "PutUserPolicy", undo: "DeleteUserPolicy",
			before: "no KeypivotDenyAll policy on user malicious-iam-user", after: "KeypivotDenyAll in place on user malicious-iam-user",
		},
		{
			name: "deny-all-role (corpus: iam-create-backdoor-role)", kind: investigate.ActDenyAllRole, account: "609418236337", key: "AKIA0W5KI69TY8X86BGT",
			plant: func(t *testing.T, d *moto.Seed) []*investigate.Event {
				evs := corpusEvents(t, "aws.persistence.iam-create-backdoor-role.json")
				d.Role("stratus-red-team-malicious-iam-role", requestParam(t, evs, "CreateRole", "assumeRolePolicyDocument"))
				return evs
			},
			inPlace: func(t *testing.T, d *moto.Seed) bool {
				return !hasInline(t, d, moto.RolePrincipal, "stratus-red-team-malicious-iam-role", investigate.DenyAllPolicyName)
			},
			write: "PutRolePolicy", undo: "DeleteRolePolicy",
			before: "no KeypivotDenyAll policy on role", after: "KeypivotDenyAll in place on role stratus-red-team-malicious-iam-role",
		},
		{
			name: "delete-login-profile (corpus: iam-create-user-login-profile)", kind: investigate.ActDeleteLoginProfile, account: "070411556318", key: "AKIAE18PGYHCY2CYMTFK",
			plant: func(t *testing.T, d *moto.Seed) []*investigate.Event {
				d.User("stratus-red-team-login-profile-user")
				d.LoginProfile("stratus-red-team-login-profile-user")
				return corpusEvents(t, "aws.persistence.iam-create-user-login-profile.json")
			},
			replant: func(t *testing.T, d *moto.Seed) { d.LoginProfile("stratus-red-team-login-profile-user") },
			inPlace: func(t *testing.T, d *moto.Seed) bool {
				return hasLoginProfile(t, d, "stratus-red-team-login-profile-user")
			},
			write:  "DeleteLoginProfile",
			before: "login profile created", after: "no login profile",
		},
		{
			name: "deactivate-child-key (corpus: iam-backdoor-user)", kind: investigate.ActDeactivateChildKey, account: "946986569305", key: "AKIA30BEZSJBVKOFKZW0",
			plant: func(t *testing.T, d *moto.Seed) []*investigate.Event {
				d.User("stratus-red-team-backdoor-u-user")
				child := d.AccessKey("stratus-red-team-backdoor-u-user")
				return corpusEvents(t, "aws.persistence.iam-backdoor-user.json", "AKIAL80DWDVKKM0UXEER", child)
			},
			inPlace: func(t *testing.T, d *moto.Seed) bool { return activeKeys(t, d, "stratus-red-team-backdoor-u-user") > 0 },
			write:   "UpdateAccessKey", undo: "UpdateAccessKey",
			before: "Active", after: "Inactive",
		},
		{
			name: "restore-trust-policy (corpus CreateRole, then another key's edit)", kind: investigate.ActRestoreTrustPolicy, account: "609418236337", key: "AKIAQQQQQQQQQQQQQQQ3",
			plant: func(t *testing.T, d *moto.Seed) []*investigate.Event {
				evs := corpusEvents(t, "aws.persistence.iam-create-backdoor-role.json")
				const role = "stratus-red-team-malicious-iam-role"
				d.Role(role, requestParam(t, evs, "CreateRole", "assumeRolePolicyDocument"))
				d.TrustPolicy(role, attackTrust)
				// The edit is the leaked key's; the role was made before by its creator (the
				// corpus key), whose document is the one to restore.
				tr := &trail{t: t, account: "609418236337", user: "mallory", key: "AKIAQQQQQQQQQQQQQQQ3", at: time.Date(2024, time.August, 1, 13, 40, 0, 0, time.UTC)}
				tr.iam("UpdateAssumeRolePolicy", map[string]any{"roleName": role, "policyDocument": attackTrust}, nil)
				return append(evs, tr.events...)
			},
			inPlace: func(t *testing.T, d *moto.Seed) bool {
				return investigate.SamePolicy(trustOf(t, d, "stratus-red-team-malicious-iam-role"), attackTrust)
			},
			write: "UpdateAssumeRolePolicy", undo: "UpdateAssumeRolePolicy",
			before: "trust policy = attacker's document", after: "trust policy = earlier document",
		},
		{
			name: "remove-from-group", kind: investigate.ActRemoveFromGroup, account: leakAccount, key: leakKey,
			plant: func(t *testing.T, d *moto.Seed) []*investigate.Event {
				d.User("backdoor-user")
				d.Group("Admins")
				d.AddToGroup("backdoor-user", "Admins")
				tr := leakTrail(t)
				tr.iam("AddUserToGroup", map[string]any{"groupName": "Admins", "userName": "backdoor-user"}, nil)
				return tr.events
			},
			inPlace: func(t *testing.T, d *moto.Seed) bool { return inGroup(t, d, "backdoor-user", "Admins") },
			write:   "RemoveUserFromGroup", undo: "AddUserToGroup",
			before: "user backdoor-user in group Admins", after: "user backdoor-user not in group Admins",
		},
		{
			// The corpus's Lambda detonations are in anonymised regions, which moto refuses.
			name: "throttle-function", kind: investigate.ActThrottleFunction, account: leakAccount, key: leakKey,
			plant: func(t *testing.T, d *moto.Seed) []*investigate.Event {
				arn := d.Function("eu-west-1", "backdoor-fn")
				tr := leakTrail(t)
				tr.add("lambda.amazonaws.com", "CreateFunction20150331", "eu-west-1",
					map[string]any{"functionName": "backdoor-fn", "runtime": "python3.12", "handler": "index.handler"},
					map[string]any{"functionName": "backdoor-fn", "functionArn": arn})
				return tr.events
			},
			inPlace: func(t *testing.T, d *moto.Seed) bool { return !throttled(t, d, "eu-west-1", "backdoor-fn") },
			write:   "PutFunctionConcurrency", undo: "DeleteFunctionConcurrency",
			before: "no reserved concurrency", after: "reserved concurrency 0",
		},
		{
			name: "delete-key-pair", kind: investigate.ActDeleteKeyPair, account: leakAccount, key: leakKey,
			plant: func(t *testing.T, d *moto.Seed) []*investigate.Event {
				d.KeyPair("eu-west-1", "attacker-key")
				tr := leakTrail(t)
				tr.add("ec2.amazonaws.com", "CreateKeyPair", "eu-west-1", map[string]any{"keyName": "attacker-key"},
					map[string]any{"keyName": "attacker-key", "keyFingerprint": "1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca:9f:f5:f1:6f", "keyPairId": "key-0123456789abcdef0"})
				return tr.events
			},
			replant: func(t *testing.T, d *moto.Seed) { d.KeyPair("eu-west-1", "attacker-key") },
			inPlace: func(t *testing.T, d *moto.Seed) bool { return keyPairExists(t, d, "eu-west-1", "attacker-key") },
			write:   "DeleteKeyPair",
			before:  "key pair attacker-key exists in eu-west-1", after: "no key pair attacker-key in eu-west-1",
		},
	}
	for _, kind := range []string{moto.UserPrincipal, moto.RolePrincipal, moto.GroupPrincipal} {
		cs = append(cs, detachPolicy(kind), deleteInlinePolicy(kind, true))
	}
	return append(cs, deleteInlinePolicy(moto.UserPrincipal, false))
}

// Each containment action, planned from its case, against moto: refused unconfirmed
// (and, when irreversible, without its resource's name), made once confirmed, read back,
// journalled with its calls and documents, skipped when repeated, undone through its undo
// action, and completed exactly once by a resume after a crash on either side of its call.
func TestContainmentAgainstMoto(t *testing.T) {
	t.Parallel()
	for _, sc := range containments() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.run(t)
		})
	}
}

func (sc containment) run(t *testing.T) {
	ctx := context.Background()
	e := &env{srv: moto.Start(t), wire: &wire{next: loopback.HTTPClient()}, journalPath: filepath.Join(t.TempDir(), "journal.jsonl")}
	d := e.srv.Seed(t, sc.account)
	events := sc.plant(t, d)
	rem := &Remediator{Session: e.sessionIn(t, sc.account, "responder")}
	caller, err := rem.Caller(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(sc.key), Events: events, Now: clock})
	a := action(t, investigate.PlanRemediation(cs, &caller, clock), sc.kind)
	if a.Refusal != "" || a.Account != sc.account || a.Artifact == "" {
		t.Fatalf("planned: %+v", a)
	}
	irreversible := sc.undo == ""
	if a.Irreversible != irreversible {
		t.Fatalf("irreversible %v, want %v: %+v", a.Irreversible, irreversible, a)
	}
	j := e.openJournal(t)
	run := &investigate.Runner{Remediator: rem, Journal: j, Now: fixed}
	writes := func() int { return e.wire.count(sc.write) }
	if !sc.inPlace(t, d) {
		t.Fatal("the artifact is not in place before the action")
	}

	// Refused: without the key id; an irreversible one, also without its name.
	refusals := []investigate.Confirmed{{Action: a, TypedName: a.ConfirmName}}
	if irreversible {
		refusals = append(refusals, investigate.Confirmed{Action: a, Typed: a.ConfirmToken}, investigate.Confirmed{Action: a, Typed: a.ConfirmToken, TypedName: "not-" + a.ConfirmName})
	}
	for _, c := range refusals {
		o := run.RunAll(ctx, []investigate.Confirmed{c})[0]
		if o.Err == nil || !strings.Contains(o.Error, "not confirmed") {
			t.Fatalf("typed %q / name %q: %+v", c.Typed, c.TypedName, o)
		}
	}
	if irreversible && !strings.Contains(run.RunAll(ctx, []investigate.Confirmed{refusals[1]})[0].Error, "irreversible") {
		t.Error("the refusal of an irreversible action without its name does not say why")
	}
	if writes() != 0 || !sc.inPlace(t, d) {
		t.Fatalf("written unconfirmed: %d %s", writes(), sc.write)
	}

	// Confirmed: one call, read back.
	o := run.RunAll(ctx, []investigate.Confirmed{{Action: a, Typed: a.ConfirmToken, TypedName: a.ConfirmName}})[0]
	if o.Err != nil || o.Skipped {
		t.Fatalf("run: %+v", o)
	}
	if writes() != 1 || sc.inPlace(t, d) {
		t.Fatalf("after the run: %d %s, still in place %v", writes(), sc.write, sc.inPlace(t, d))
	}
	if !strings.Contains(o.StateBefore, sc.before) || !strings.Contains(o.StateAfter, sc.after) {
		t.Errorf("state %q -> %q, want %q -> %q", o.StateBefore, o.StateAfter, sc.before, sc.after)
	}
	if len(o.RequestIDs) != len(a.Calls) || o.RequestIDs[0] == "" {
		t.Errorf("request ids %v for %d calls", o.RequestIDs, len(a.Calls))
	}
	if s, applied, err := rem.State(ctx, a); err != nil || !applied || s != o.StateAfter {
		t.Errorf("state read again: %q %v %v", s, applied, err)
	}
	t.Logf("%s: %s -> %s %v", a.Title, o.StateBefore, o.StateAfter, o.RequestIDs)
	wantJournal(t, j, a, o)

	// Repeated: in effect, nothing called.
	if o := run.RunAll(ctx, []investigate.Confirmed{{Action: a, Typed: a.ConfirmToken, TypedName: a.ConfirmName}})[0]; !o.Skipped || o.Err != nil {
		t.Errorf("repeat: %+v", o)
	}
	if writes() != 1 {
		t.Fatalf("%d %s after a repeat", writes(), sc.write)
	}

	// Undone by its undo action, or put back by hand when there is none.
	if u, ok := a.UndoAction(); ok == irreversible {
		t.Fatalf("undo offered %v for an irreversible action: %v", ok, irreversible)
	} else if ok {
		undos := e.wire.count(sc.undo)
		if o := run.Run(ctx, u, "", ""); o.Err == nil {
			t.Fatalf("an unconfirmed undo ran: %+v", o)
		}
		o := run.Run(ctx, u, u.ConfirmToken, "")
		if o.Err != nil || o.Skipped || e.wire.count(sc.undo) != undos+1 || !sc.inPlace(t, d) {
			t.Fatalf("undo: %+v; %d %s; in place %v", o, e.wire.count(sc.undo)-undos, sc.undo, sc.inPlace(t, d))
		}
		if !strings.Contains(o.StateBefore, sc.after) || !strings.Contains(o.StateAfter, sc.before) {
			t.Errorf("undo state %q -> %q", o.StateBefore, o.StateAfter)
		}
		if _, applied, err := rem.State(ctx, u); err != nil || !applied {
			t.Errorf("undo state: %v %v", applied, err)
		}
		if _, applied, err := rem.State(ctx, a); err != nil || applied {
			t.Errorf("the undone action still reads in effect: %v %v", applied, err)
		}
		if entries, _ := j.Entries(); entries[len(entries)-1].Action != investigate.ActUndo || entries[len(entries)-1].Phase != investigate.PhaseDone {
			t.Errorf("undo journal entry: %+v", entries[len(entries)-1])
		}
	} else {
		sc.replant(t, d)
	}

	// A crash between the intent and the call: the resume reads the state and calls.
	base := writes()
	crashAt(t, j, a)
	outs := resumeAll(t, run, sc.kind)
	if len(outs) != 1 || outs[0].Err != nil || outs[0].Skipped || writes() != base+1 || sc.inPlace(t, d) {
		t.Fatalf("resume before the call: %+v; %d more %s", outs, writes()-base, sc.write)
	}
	// A crash after the call: the resume reads it in effect and calls nothing.
	crashAt(t, j, a)
	for _, o := range resumeAll(t, run, sc.kind) {
		if !o.Skipped || o.Err != nil {
			t.Errorf("resume after the call: %+v", o)
		}
	}
	if writes() != base+1 {
		t.Errorf("%d %s calls after the resume, want %d", writes(), sc.write, base+1)
	}
	if p, _ := j.Pending(); len(p) != 0 {
		t.Errorf("pending after the resumes: %+v", p)
	}
}

// wantJournal checks what running a journalled: its intent, with the whole action as
// planned (calls, undo calls and their documents, through JSON as on disk), then its
// outcome with AWS's request ids.
func wantJournal(t *testing.T, j *journal.File, a investigate.Action, o investigate.Outcome) {
	t.Helper()
	entries, err := j.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Phase != investigate.PhaseIntent || entries[1].Phase != investigate.PhaseDone || entries[0].Spec == nil {
		t.Fatalf("journal: %+v", entries)
	}
	spec := entries[0].Spec
	if got, want := jsonOf(t, spec.Calls), jsonOf(t, a.Calls); got != want {
		t.Errorf("journalled calls %s, want %s", got, want)
	}
	if got, want := jsonOf(t, spec.UndoCalls), jsonOf(t, a.UndoCalls); got != want {
		t.Errorf("journalled undo calls %s, want %s", got, want)
	}
	if spec.Kind != a.Kind || spec.Artifact != a.Artifact || spec.Irreversible != a.Irreversible || spec.ConfirmName != a.ConfirmName {
		t.Errorf("journalled spec %+v", spec)
	}
	done := entries[1]
	if strings.Join(done.RequestIDs, ",") != strings.Join(o.RequestIDs, ",") || done.StateAfter != o.StateAfter || done.StateBefore != o.StateBefore {
		t.Errorf("journalled outcome %+v, want %+v", done, o)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// crashAt journals a's intent with no outcome after it, as a crash leaves it.
func crashAt(t *testing.T, j *journal.File, a investigate.Action) {
	t.Helper()
	spec := a
	if err := j.Append(investigate.JournalEntry{Time: clock, Phase: investigate.PhaseIntent, ActionID: a.ID, Action: a.Kind, Key: a.Key, Account: a.Account, Calls: a.Calls, Spec: &spec}); err != nil {
		t.Fatal(err)
	}
}

// resumeAll resumes every pending action, each confirmed, and checks that only actions
// of kind were offered.
func resumeAll(t *testing.T, run *investigate.Runner, kind string) []investigate.Outcome {
	t.Helper()
	outs, err := run.Resume(context.Background(), func(a investigate.Action) bool {
		if a.Kind != kind {
			t.Errorf("resume offered %s", a.Kind)
		}
		return true
	})
	if err != nil || len(outs) == 0 {
		t.Fatalf("resume: %+v %v", outs, err)
	}
	return outs
}
