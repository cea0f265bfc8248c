package owner

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// quarantineV1 and quarantineV2 are two versions of a quarantine policy: Action as a list
// and as a single string, an Allow statement that denies nothing.
const (
	quarantineV1 = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["iam:CreateAccessKey"],"Resource":"*"}]}`
	quarantineV2 = `{"Version":"2012-10-17","Statement":[
		{"Sid":"Deny","Effect":"Deny","Action":["ec2:RunInstances","iam:CreateAccessKey","iam:Attach*Policy","lambda:CreateFunction"],"Resource":"*"},
		{"Effect":"Deny","Action":"cloudtrail:LookupEvents","Resource":"*"},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
		{"Effect":"Deny","Action":"iam:CreateAccessKey","Resource":"*"}]}`
)

// awsQuarantineV3 is AWS's managed quarantine policy, as moto holds it when it loads
// AWS's managed policies (moto.StartWithManagedPolicies).
const awsQuarantineV3 = "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3"

// quarantine attaches AWS's quarantine policy, a customer policy named like it (an
// attacker's lookalike, never taken for AWS's) and another policy to user.
func quarantine(t *testing.T, c *iam.Client, user string) (quarantineARN, lookalikeARN, otherARN string) {
	t.Helper()
	ctx := context.Background()
	lookalikeARN = twoVersionPolicy(t, c)
	o, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("ReadOnly"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	otherARN = aws.ToString(o.Policy.Arn)
	for _, arn := range []string{otherARN, lookalikeARN, awsQuarantineV3} {
		if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(user), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	return awsQuarantineV3, lookalikeARN, otherARN
}

// twoVersionPolicy creates a customer policy named like AWS's quarantine with two
// versions, the second the default.
func twoVersionPolicy(t *testing.T, c *iam.Client) string {
	t.Helper()
	ctx := context.Background()
	q, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(investigate.QuarantinePolicyPrefix + "V3"), PolicyDocument: aws.String(quarantineV1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: q.Policy.Arn, PolicyDocument: aws.String(quarantineV2), SetAsDefault: true}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(q.Policy.Arn)
}

// The default version of a policy is the one whose denies are read.
func TestDeniedActionsOfTheDefaultVersion(t *testing.T) {
	t.Parallel()
	srv := moto.Start(t)
	c := iam.NewFromConfig(srv.AWSConfig(t, "us-east-1"))
	got, err := deniedActions(context.Background(), c, twoVersionPolicy(t, c))
	want := []string{"ec2:RunInstances", "iam:CreateAccessKey", "iam:Attach*Policy", "lambda:CreateFunction", "cloudtrail:LookupEvents"}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("denies %v, %v; want %v (the default version, each action once)", got, err, want)
	}
}

// The user's attached policies, and the actions the default version of AWS's quarantine
// policy denies, are read and make the case's quarantine.
func TestQuarantinePolicyIsRead(t *testing.T) {
	t.Parallel()
	srv := moto.StartWithManagedPolicies(t)
	ctx := context.Background()
	s := session(t, srv.AWSConfig(t, "us-east-1"), "prod")
	admin := iam.NewFromConfig(s.Config)
	leaked := createKey(t, admin, "alice")

	info, err := (&Lookup{Session: s}).LookupOwner(ctx, leaked)
	if err != nil {
		t.Fatal(err)
	}
	if info.AttachedPolicies == nil || len(info.AttachedPolicies) != 0 || info.PolicyDenies != nil || info.Error != "" {
		t.Errorf("no policy attached: AttachedPolicies %#v, PolicyDenies %v, error %q; want read and empty", info.AttachedPolicies, info.PolicyDenies, info.Error)
	}

	qarn, lookalike, other := quarantine(t, admin, "alice")
	info, err = (&Lookup{Session: s}).LookupOwner(ctx, leaked)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(slices.Values(info.AttachedPolicies)); !slices.Equal(got, slices.Sorted(slices.Values([]string{qarn, lookalike, other}))) {
		t.Errorf("attached policies %v, want %s, %s and %s", info.AttachedPolicies, qarn, lookalike, other)
	}
	// Only AWS's own policy is read (the customer's lookalike is not AWS's quarantine).
	want := info.PolicyDenies[qarn]
	if len(info.PolicyDenies) != 1 || len(want) < 20 || !slices.Contains(want, "ec2:RunInstances") || !slices.Contains(want, "cloudtrail:LookupEvents") || slices.Contains(want, "secretsmanager:GetSecretValue") {
		t.Errorf("policy denies %v, want only AWS's %s", info.PolicyDenies, qarn)
	}
	if info.Error != "" {
		t.Errorf("error %q", info.Error)
	}

	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(leaked), Owner: &info, Now: info.Created})
	q := c.Quarantine
	if q == nil || q.PolicyARN != qarn || q.Version != "V3" || !q.DeniesFromPolicy || !slices.Equal(q.Denies, want) || q.Attached == nil || !*q.Attached {
		t.Fatalf("case quarantine %+v", q)
	}
	// V3 denies s3:GetObject but not secretsmanager:GetSecretValue: what the key can still
	// do comes from the document read, not from a guess.
	_, allowed, _ := strings.Cut(q.StillAllows, "e.g.")
	if strings.Contains(allowed, "s3:GetObject") || !strings.Contains(allowed, "secretsmanager:GetSecretValue") || strings.Contains(q.StillAllows, "at least") {
		t.Errorf("still allows: %q", q.StillAllows)
	}
}

// Policies the caller may not read leave the owner lookup whole: an unreadable list
// leaves AttachedPolicies nil (not read), an unreadable quarantine document leaves its
// denies unknown; each says so in Error.
func TestUnreadablePoliciesDoNotFailTheOwner(t *testing.T) {
	t.Parallel()
	srv := moto.StartWithManagedPolicies(t)
	ctx := context.Background()
	admin := iam.NewFromConfig(srv.AWSConfig(t, "us-east-1"))
	leaked := createKey(t, admin, "alice")
	qarn, _, _ := quarantine(t, admin, "alice")
	ownerActions := `"sts:GetCallerIdentity","sts:GetAccessKeyInfo","iam:GetAccessKeyLastUsed","iam:GetUser","iam:ListAccessKeys"`
	responder := func(name, extra string) *Lookup {
		t.Helper()
		if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[` + ownerActions + extra + `],"Resource":"*"}]}`
		if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("read"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
		k, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		cfg := srv.AWSConfig(t, "us-east-1")
		cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), "")
		return &Lookup{Session: session(t, cfg, name)}
	}
	noList := responder("no-list", "")
	noVersion := responder("no-version", `,"iam:ListAttachedUserPolicies","iam:GetPolicy"`)
	srv.EnforceIAM(t)

	info, err := noList.LookupOwner(ctx, leaked)
	if err != nil {
		t.Fatal(err)
	}
	if info.User != "alice" || info.Status != "Active" {
		t.Errorf("the owner is lost: %+v", info)
	}
	if info.AttachedPolicies != nil || info.PolicyDenies != nil || !strings.Contains(info.Error, "attached policies are unknown") || !strings.Contains(info.Error, "ListAttachedUserPolicies") {
		t.Errorf("list denied: AttachedPolicies %#v, PolicyDenies %v, error %q", info.AttachedPolicies, info.PolicyDenies, info.Error)
	}

	info, err = noVersion.LookupOwner(ctx, leaked)
	if err != nil {
		t.Fatal(err)
	}
	if info.User != "alice" || info.Status != "Active" || !slices.Contains(info.AttachedPolicies, qarn) {
		t.Errorf("owner %+v", info)
	}
	if _, ok := info.PolicyDenies[qarn]; ok || !strings.Contains(info.Error, "quarantine policy "+qarn+" denies are unknown") || !strings.Contains(info.Error, "GetPolicyVersion") {
		t.Errorf("version denied: PolicyDenies %v, error %q", info.PolicyDenies, info.Error)
	}
}

// The deny list of documents as IAM returns them: URL-encoded, one statement not in a list.
func TestDenyActionsOfADocument(t *testing.T) {
	doc := url.QueryEscape(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}}`)
	dec, err := url.QueryUnescape(doc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := denyActions(dec)
	if err != nil || !slices.Equal(got, []string{"iam:CreateUser"}) {
		t.Errorf("denyActions = %v, %v", got, err)
	}
	if _, err := denyActions(`{"Statement": 3}`); err == nil {
		t.Error("a statement that is a number was accepted")
	}
	if got, err := denyActions(`{"Statement":[{"Effect":"Deny","NotAction":"iam:*","Resource":"*"}]}`); err != nil || len(got) != 0 || got == nil {
		t.Errorf("a NotAction statement: %#v, %v; want an empty list", got, err)
	}
}
