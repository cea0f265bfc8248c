package artifactlive

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

const (
	trustEC2     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	trustOutside = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}`
	allowAll     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	allowS3      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
)

// Every IAM artifact kind, present and gone, read from moto for the artifacts the domain
// reads from the trail, through a --read-only session. IAM is made what it is after the
// attacker and a partial clean-up: some of what the trail shows made is still there,
// some was removed, some changed since.
func TestIAMArtifactsPresentAndGone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := moto.Start(t)
	seed := srv.Seed(t, "")
	c := iam.NewFromConfig(seed.Config("us-east-1"))
	do := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("moto: %s: %v", what, err)
		}
	}
	str := aws.String

	// Users: backdoor and ops stay; ghost is deleted at the end.
	for _, u := range []string{"backdoor", "ops", "ghost"} {
		seed.User(u)
	}
	seed.LoginProfile("backdoor")
	deleted := seed.AccessKey("backdoor") // IAM allows two keys a user: this one goes first
	_, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: str("backdoor"), AccessKeyId: str(deleted)})
	do("DeleteAccessKey", err)
	active, inactive := seed.AccessKey("backdoor"), seed.AccessKey("backdoor")
	_, err = c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: str("backdoor"), AccessKeyId: str(inactive), Status: "Inactive"})
	do("UpdateAccessKey", err)
	ghostKey := seed.AccessKey("ghost")
	_, err = c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: str("ghost"), AccessKeyId: str(ghostKey)})
	do("DeleteAccessKey", err)

	// Roles: persist keeps the attacker's trust policy, changed got another one since,
	// gone-role is deleted.
	for role, doc := range map[string]string{"persist": trustOutside, "changed": trustEC2, "gone-role": trustOutside} {
		seed.Role(role, doc)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: str("gone-role")})
	do("DeleteRole", err)

	// Groups and managed policies.
	for _, g := range []string{"admins", "ops-team"} {
		seed.Group(g)
	}
	arn := seed.ManagedPolicy("Escalate", allowAll)
	seed.Attach(moto.UserPrincipal, "backdoor", arn)
	seed.Attach(moto.RolePrincipal, "persist", arn)
	// admins had it detached; ops-team still has it.
	seed.Attach(moto.GroupPrincipal, "ops-team", arn)

	// Inline policies: backdoor's as put, persist's rewritten since, ops-team's deleted.
	seed.InlinePolicy(moto.UserPrincipal, "backdoor", "inline-all", allowAll)
	seed.InlinePolicy(moto.RolePrincipal, "persist", "inline-all", allowS3)
	seed.InlinePolicy(moto.GroupPrincipal, "admins", "inline-all", allowAll)

	// Memberships: backdoor stays in admins; ops was removed.
	seed.AddToGroup("backdoor", "admins")

	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: str("ghost")})
	do("DeleteUser", err)

	// The trail: what the attacker did, as CloudTrail recorded it.
	tr := &trail{t: t}
	for _, u := range []string{"backdoor", "ghost"} {
		tr.iam("CreateUser", map[string]any{"userName": u})
	}
	for _, u := range []string{"backdoor", "ops", "ghost"} {
		tr.iam("CreateLoginProfile", map[string]any{"userName": u, "passwordResetRequired": false})
	}
	for _, k := range []struct{ user, id string }{{"backdoor", active}, {"backdoor", inactive}, {"backdoor", deleted}, {"ghost", ghostKey}} {
		tr.add("iam", "CreateAccessKey", "us-east-1", map[string]any{"userName": k.user},
			map[string]any{"accessKey": map[string]any{"userName": k.user, "accessKeyId": k.id, "status": "Active"}})
	}
	tr.iam("CreateRole", map[string]any{"roleName": "persist", "assumeRolePolicyDocument": trustOutside})
	tr.iam("CreateRole", map[string]any{"roleName": "gone-role", "assumeRolePolicyDocument": trustOutside})
	tr.iam("UpdateAssumeRolePolicy", map[string]any{"roleName": "persist", "policyDocument": trustOutside})
	tr.iam("UpdateAssumeRolePolicy", map[string]any{"roleName": "changed", "policyDocument": trustOutside})
	tr.iam("UpdateAssumeRolePolicy", map[string]any{"roleName": "gone-role", "policyDocument": trustOutside})
	tr.iam("AttachUserPolicy", map[string]any{"userName": "backdoor", "policyArn": arn})
	tr.iam("AttachUserPolicy", map[string]any{"userName": "ghost", "policyArn": arn})
	tr.iam("AttachRolePolicy", map[string]any{"roleName": "persist", "policyArn": arn})
	tr.iam("AttachRolePolicy", map[string]any{"roleName": "gone-role", "policyArn": arn})
	tr.iam("AttachGroupPolicy", map[string]any{"groupName": "admins", "policyArn": arn})
	tr.iam("AttachGroupPolicy", map[string]any{"groupName": "ops-team", "policyArn": arn})
	tr.iam("PutUserPolicy", map[string]any{"userName": "backdoor", "policyName": "inline-all", "policyDocument": allowAll})
	tr.iam("PutUserPolicy", map[string]any{"userName": "ops", "policyName": "inline-all", "policyDocument": allowAll})
	tr.iam("PutRolePolicy", map[string]any{"roleName": "persist", "policyName": "inline-all", "policyDocument": allowAll})
	tr.iam("PutGroupPolicy", map[string]any{"groupName": "admins", "policyName": "inline-all", "policyDocument": allowAll})
	tr.iam("PutGroupPolicy", map[string]any{"groupName": "ops-team", "policyName": "inline-all", "policyDocument": allowAll})
	tr.iam("PutRolePolicy", map[string]any{"roleName": "gone-role", "policyName": "inline-all", "policyDocument": allowAll})
	tr.iam("AddUserToGroup", map[string]any{"userName": "backdoor", "groupName": "admins"})
	tr.iam("AddUserToGroup", map[string]any{"userName": "ops", "groupName": "admins"})
	tr.iam("AddUserToGroup", map[string]any{"userName": "ghost", "groupName": "admins"})
	arts := tr.artifacts()

	got, err := (&Lookup{Session: readOnly(t, srv.AWSConfig(t, "us-east-1"))}).LookupArtifacts(ctx, arts)
	if err != nil {
		t.Fatal(err)
	}
	check(t, arts, got, map[string]string{
		"user:backdoor": "present: exists",
		"user:ghost":    "gone: deleted",

		"login-profile:backdoor": "present: exists",
		"login-profile:ops":      "gone: no login profile",
		"login-profile:ghost":    "gone: user deleted",

		"access-key:" + active:   "present: Active",
		"access-key:" + inactive: "gone: Inactive",
		"access-key:" + deleted:  "gone: deleted",
		"access-key:" + ghostKey: "gone: user deleted",

		"role:persist":   "present: exists",
		"role:gone-role": "gone: deleted",

		"trust-policy:persist":   "present: attacker's document",
		"trust-policy:changed":   "gone: changed since",
		"trust-policy:gone-role": "gone: role deleted",

		"attached-policy:user/backdoor:" + arn:  "present: attached",
		"attached-policy:user/ghost:" + arn:     "gone: user deleted",
		"attached-policy:role/persist:" + arn:   "present: attached",
		"attached-policy:role/gone-role:" + arn: "gone: role deleted",
		"attached-policy:group/admins:" + arn:   "gone: detached",
		"attached-policy:group/ops-team:" + arn: "present: attached",

		"inline-policy:user/backdoor:inline-all":  "present: present",
		"inline-policy:user/ops:inline-all":       "gone: deleted",
		"inline-policy:role/persist:inline-all":   "present: present, document changed since",
		"inline-policy:group/admins:inline-all":   "present: present",
		"inline-policy:group/ops-team:inline-all": "gone: deleted",
		"inline-policy:role/gone-role:inline-all": "gone: role deleted",

		"group-membership:admins/backdoor": "present: member",
		"group-membership:admins/ops":      "gone: removed from group",
		"group-membership:admins/ghost":    "gone: user deleted",
	})
	if l := got["trust-policy:changed"]; !investigate.SamePolicy(l.Document, trustEC2) {
		t.Errorf("the changed role's current trust policy = %q, want %s", l.Document, trustEC2)
	}
	if l := got["trust-policy:persist"]; !investigate.SamePolicy(l.Document, trustOutside) {
		t.Errorf("persist's current trust policy = %q", l.Document)
	}

	// Folded into the case, the plan leaves what is gone alone.
	c2 := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(leaked), Events: tr.events, Now: start.Add(24 * time.Hour), Artifacts: got})
	for _, a := range c2.Artifacts {
		if a.Live == nil || a.Live.Present != got[a.ID].Present {
			t.Errorf("case artifact %s: live %+v", a.ID, a.Live)
		}
	}
}

// A key whose user the artifact does not name is placed by iam:GetAccessKeyLastUsed.
func TestAccessKeyWithoutItsUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := moto.Start(t)
	s := session(t, srv.AWSConfig(t, "us-east-1"))
	key := srv.NewAccessKey(t, "builder")
	got, err := (&Lookup{Session: s}).LookupArtifacts(ctx, []investigate.Artifact{
		{ID: "access-key:" + key, Kind: investigate.ArtAccessKey, AccessKeyID: key},
		{ID: "access-key:AKIAUNKNOWNUNKNOWN01", Kind: investigate.ArtAccessKey, AccessKeyID: "AKIAUNKNOWNUNKNOWN01"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if l := got["access-key:"+key]; !l.Present || l.State != "Active" || l.Error != "" {
		t.Errorf("the key of builder: %+v", l)
	}
	if l := got["access-key:AKIAUNKNOWNUNKNOWN01"]; l.Present || l.State != "deleted" || l.Error != "" {
		t.Errorf("a key IAM does not know: %+v", l)
	}
}
