package owner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/internal/testserver/moto"
)

func session(t *testing.T, cfg aws.Config, profile string) *awsconfig.Session {
	t.Helper()
	s, err := awsconfig.FromConfig(context.Background(), cfg, awsconfig.Options{Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// createKey makes a user (with a path) and an access key in the account cfg acts in.
func createKey(t *testing.T, c *iam.Client, user string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(user)}); err != nil {
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user), Path: aws.String("/ops/")}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(k.AccessKey.AccessKeyId)
}

// The owner of a key in the caller's account: account from STS, user and last use from
// IAM, status and creation date, and the user's other keys (an attacker's second key).
func TestOwnerOfAKeyInTheCallersAccount(t *testing.T) {
	t.Parallel()
	srv := moto.Start(t)
	ctx := context.Background()
	s := session(t, srv.AWSConfig(t, "us-east-1"), "prod")
	admin := iam.NewFromConfig(s.Config)
	leaked := createKey(t, admin, "alice")
	second := createKey(t, admin, "alice")
	if _, err := admin.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(second), UserName: aws.String("alice"), Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	createKey(t, admin, "bob") // someone else's key must not show up

	info, err := (&Lookup{Session: s}).LookupOwner(ctx, leaked)
	if err != nil {
		t.Fatal(err)
	}
	if info.Account != moto.Account || info.User != "alice" || info.ARN != "arn:aws:iam::"+moto.Account+":user/ops/alice" {
		t.Errorf("owner = %+v", info)
	}
	if info.Status != "Active" || info.Created.IsZero() || time.Since(info.Created) > time.Hour {
		t.Errorf("status %q created %v", info.Status, info.Created)
	}
	if info.LastUsed == nil || !info.LastUsed.Date.IsZero() || info.LastUsed.Service != NeverUsed || info.LastUsed.Region != NeverUsed {
		t.Errorf("a key never used: LastUsed = %+v, want N/A", info.LastUsed)
	}
	if len(info.OtherKeys) != 1 || info.OtherKeys[0].AccessKeyID != second || info.OtherKeys[0].Status != "Inactive" {
		t.Errorf("other keys = %+v, want only alice's second key, Inactive", info.OtherKeys)
	}
	if strings.Join(info.Sources, ",") != "sts,iam" || info.Error != "" {
		t.Errorf("sources %v error %q", info.Sources, info.Error)
	}

	// After the key signs a request, IAM reports its last use.
	use := srv.AWSConfig(t, "us-east-1")
	use.Credentials = credentials.NewStaticCredentialsProvider(leaked, "any", "")
	if _, err := sts.NewFromConfig(use).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := iam.NewFromConfig(use).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
	info, err = (&Lookup{Session: s}).LookupOwner(ctx, leaked)
	if err != nil {
		t.Fatal(err)
	}
	lu := info.LastUsed
	if lu == nil || lu.Date.IsZero() || time.Since(lu.Date) > time.Hour || lu.Service != "iam" || lu.Region != "us-east-1" {
		t.Errorf("after a ListUsers signed by the key: LastUsed = %+v, want now, iam, us-east-1", lu)
	}
}

// moto answers GetAccessKeyInfo with 123456789012 for a key it does not know (facts §5);
// IAM then does not know the key, and the lookup says so rather than inventing a user.
func TestUnknownKeyIsExplained(t *testing.T) {
	t.Parallel()
	srv := moto.Start(t)
	s := session(t, srv.AWSConfig(t, "us-east-1"), "prod")
	info, err := (&Lookup{Session: s}).LookupOwner(context.Background(), "AKIAUNKNOWNUNKNOWN01")
	if err != nil {
		t.Fatal(err)
	}
	if info.User != "" || info.Status != "" || !strings.Contains(info.Error, "does not know AKIAUNKNOWNUNKNOWN01") {
		t.Errorf("unknown key: %+v", info)
	}
}

// A key of another account: without a profile for it, the lookup names the account and
// the flag; with one, it reads the owner there.
func TestKeyOfAnotherAccountNeedsItsProfile(t *testing.T) {
	t.Parallel()
	srv := moto.Start(t)
	ctx := context.Background()
	const other = "210987654321"
	ocfg := srv.AWSConfigFor(t, "us-east-1", other)
	ocfg.Credentials = credentials.NewStaticCredentialsProvider("AKIAOTHERACCOUNT0001", "secret", "")
	osess := session(t, ocfg, "other")
	if osess.Identity.Account != other {
		t.Fatalf("the other session is in %s", osess.Identity.Account)
	}
	key := createKey(t, iam.NewFromConfig(osess.Config), "deploy")

	s := session(t, srv.AWSConfig(t, "us-east-1"), "prod")
	info, err := (&Lookup{Session: s}).LookupOwner(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if info.Account != other || info.User != "" {
		t.Errorf("owner = %+v, want account %s and no user", info, other)
	}
	for _, want := range []string{"account " + other, "--account-profile " + other + "=PROFILE", s.Identity.ARN} {
		if !strings.Contains(info.Error, want) {
			t.Errorf("error %q lacks %q", info.Error, want)
		}
	}

	info, err = (&Lookup{Session: s, Accounts: map[string]*awsconfig.Session{other: osess}}).LookupOwner(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if info.User != "deploy" || info.Status != "Active" || info.ARN != "arn:aws:iam::"+other+":user/ops/deploy" || info.Error != "" {
		t.Errorf("with the other account's profile: %+v", info)
	}
}
