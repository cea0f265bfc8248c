package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// adminPolicy is the policy the attacker attaches (moto holds no AWS-managed policy).
var adminPolicy = "arn:aws:iam::" + moto.Account + ":policy/AttackerAdmin"

// attackTrail writes a trail file in which key made a backdoor user with an admin
// policy, a second access key and a console password: what moto holds too.
func attackTrail(t *testing.T, key, user, child string) string {
	t.Helper()
	at := time.Now().UTC().Add(-2 * time.Hour)
	rec := func(i int, name string, req, resp map[string]any) map[string]any {
		return map[string]any{
			"eventVersion": "1.09", "eventID": "evt-" + name, "eventTime": at.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
			"eventSource": "iam.amazonaws.com", "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.9",
			"userAgent": "aws-cli/2", "requestParameters": req, "responseElements": resp, "readOnly": false,
			"recipientAccountId": moto.Account,
			"userIdentity":       map[string]any{"type": "IAMUser", "arn": "arn:aws:iam::" + moto.Account + ":user/" + user, "accountId": moto.Account, "accessKeyId": key, "userName": user},
		}
	}
	recs := []map[string]any{
		rec(0, "CreateUser", map[string]any{"userName": "backdoor"}, map[string]any{"user": map[string]any{"userName": "backdoor"}}),
		rec(1, "AttachUserPolicy", map[string]any{"userName": "backdoor", "policyArn": adminPolicy}, nil),
		rec(2, "CreateAccessKey", map[string]any{"userName": "backdoor"}, map[string]any{"accessKey": map[string]any{"accessKeyId": child, "userName": "backdoor", "status": "Active"}}),
		rec(3, "CreateLoginProfile", map[string]any{"userName": "backdoor", "passwordResetRequired": false}, map[string]any{"loginProfile": map[string]any{"userName": "backdoor"}}),
	}
	b, err := json.Marshal(map[string]any{"Records": recs})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "trail.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// keypivot deactivate contains the blast radius against AWS (moto): each group runs only
// when its flag picks it; the child key is deactivated, the admin policy detached, the
// backdoor user denied everything; the irreversible login-profile deletion is never
// confirmed by --yes; and keypivot undo re-attaches the policy from the journal.
func TestContainBlastRadiusAgainstAWSAndUndo(t *testing.T) {
	srv := moto.Start(t)
	key := srv.NewAccessKey(t, "alice")
	child := srv.NewAccessKey(t, "backdoor")
	ctx := context.Background()
	c := iam.NewFromConfig(srv.AWSConfig(t, "us-east-1"))
	admin := adminPolicy
	if _, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("AttackerAdmin"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("backdoor"), PolicyArn: aws.String(admin)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("backdoor"), Password: aws.String("Attacker-Pass-123!")}); err != nil {
		t.Fatal(err)
	}
	attached := func() bool {
		out, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("backdoor")})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.AttachedPolicies {
			if aws.ToString(p.PolicyArn) == admin {
				return true
			}
		}
		return false
	}
	loginProfile := func() bool {
		_, err := c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("backdoor")})
		return err == nil
	}
	trail := attackTrail(t, key, "alice", child)
	env := awsEnv(t, srv, moto.AccessKeyID)

	// The plan without any flag: only the key's own deactivation runs.
	r := kp(t, env, "deactivate", key, "--trail", trail, "--live", "--yes")
	if r.code != 0 || srv.AccessKeyStatus(t, "alice", key) != "Inactive" || srv.AccessKeyStatus(t, "backdoor", child) != "Active" || !attached() {
		t.Fatalf("key only: exit %d, child %s, attached %v\n%s", r.code, srv.AccessKeyStatus(t, "backdoor", child), attached(), r.stderr)
	}
	for _, want := range []string{"add --contain-children", "add --remove-persistence", "add --delete-login-profiles"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("unpicked groups not named: %q missing\n%s", want, r.stderr)
		}
	}

	// Children and persistence: the child key, the attachment, the deny-all.
	r = kp(t, env, "deactivate", key, "--trail", trail, "--live", "--yes", "--contain-children", "--remove-persistence")
	if r.code != 0 || srv.AccessKeyStatus(t, "backdoor", child) != "Inactive" || attached() {
		t.Fatalf("contain: exit %d, child %s, attached %v\n%s", r.code, srv.AccessKeyStatus(t, "backdoor", child), attached(), r.stderr)
	}
	deny, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("backdoor"), PolicyName: aws.String(investigate.DenyAllPolicyName)})
	if err != nil || !strings.Contains(aws.ToString(deny.PolicyDocument), "Deny") {
		t.Fatalf("deny-all on the backdoor user: %v", err)
	}
	if !loginProfile() {
		t.Fatal("the login profile went without being picked")
	}

	// The irreversible deletion: --yes answers the key id, never the user's name.
	r = kp(t, env, "deactivate", key, "--trail", trail, "--live", "--yes", "--delete-login-profiles")
	if r.code != exitRefused || !strings.Contains(r.stderr, "never by --yes") || !loginProfile() {
		t.Fatalf("irreversible with --yes: exit %d, login profile %v\n%s", r.code, loginProfile(), r.stderr)
	}

	// The undo: the journal names it; keypivot undo re-attaches the policy.
	r = kp(t, env, "journal")
	m := regexp.MustCompile(`keypivot undo (detach-policy:[^\s)]+)\)`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("journal names no undo of the detachment: exit %d\n%s", r.code, r.stdout)
	}
	if r := kp(t, env, "undo", m[1], "--trail", trail, "--live", "--yes"); r.code != exitUsage || attached() {
		t.Fatalf("undo --yes without the key: exit %d\n%s", r.code, r.stderr)
	}
	r = kp(t, env, "undo", m[1], key, "--trail", trail, "--live", "--yes")
	if r.code != 0 || !attached() || !strings.Contains(r.stderr, "aws iam attach-user-policy") {
		t.Fatalf("undo: exit %d, attached %v\n%s", r.code, attached(), r.stderr)
	}
	if r := kp(t, env, "undo", "delete-login-profile:backdoor", "--trail", trail, "--live", "--yes"); r.code != exitUsage {
		t.Errorf("undo of an action never done: exit %d %s", r.code, r.stderr)
	}
}

// Without an AWS account the plan is still computed and shown (plan only), and the
// case's JSON carries it.
func TestPlanOnlyWithoutAWS(t *testing.T) {
	trail := attackTrail(t, "AKIAQQQQQQQQQQQQQQQ1", "alice", "AKIAQQQQQQQQQQQQQQQ2")
	r := kp(t, nil, "deactivate", "AKIAQQQQQQQQQQQQQQQ1", "--trail", trail, "--plan")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"Plan only", "Deactivate access key AKIAQQQQQQQQQQQQQQQ2 of backdoor", "picked by: --contain-children",
		"Detach policy AttackerAdmin from user backdoor", "Delete the console password of user backdoor (IRREVERSIBLE)", "picked by: --delete-login-profiles"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stderr)
		}
	}
	j := kp(t, nil, "pivot", "AKIAQQQQQQQQQQQQQQQ1", "--trail", trail, "--format", "json")
	var cs investigate.Case
	if err := json.Unmarshal([]byte(j.stdout), &cs); err != nil {
		t.Fatalf("exit %d: %v\n%s", j.code, err, j.stderr)
	}
	last := cs.Plan[len(cs.Plan)-1]
	if len(cs.Artifacts) != 4 || last.Kind != investigate.ActDeleteLoginProfile || last.Reversible || len(last.Calls) != 1 || last.Target != "backdoor" {
		t.Fatalf("artifacts %d, last step %+v", len(cs.Artifacts), last)
	}
}
