package moto

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestIAMUserAndKeyAreGoneAfterReset(t *testing.T) {
	srv := Start(t)
	ctx := context.Background()
	cfg := srv.AWSConfig(t, "us-east-1")
	iamc := iam.NewFromConfig(cfg)

	if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	keyID := aws.ToString(key.AccessKey.AccessKeyId)
	if !strings.HasPrefix(keyID, "AKIA") || key.AccessKey.Status != iamtypes.StatusTypeActive {
		t.Fatalf("CreateAccessKey returned %q, status %q; want an active AKIA key", keyID, key.AccessKey.Status)
	}
	keys, err := iamc.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatalf("ListAccessKeys: %v", err)
	}
	if len(keys.AccessKeyMetadata) != 1 || aws.ToString(keys.AccessKeyMetadata[0].AccessKeyId) != keyID {
		t.Fatalf("ListAccessKeys = %+v, want the one key %s", keys.AccessKeyMetadata, keyID)
	}

	// The new key signs requests as alice: moto maps keys it created to their user.
	asAlice := cfg.Copy()
	asAlice.Credentials = credentials.NewStaticCredentialsProvider(keyID, aws.ToString(key.AccessKey.SecretAccessKey), "")
	who, err := sts.NewFromConfig(asAlice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity as alice: %v", err)
	}
	if got, want := aws.ToString(who.Arn), "arn:aws:iam::"+Account+":user/alice"; got != want {
		t.Errorf("GetCallerIdentity as alice: Arn = %s, want %s", got, want)
	}

	srv.Reset(t)

	_, err = iamc.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("GetUser after Reset: err = %v, want NoSuchEntityException", err)
	}
	users, err := iamc.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil {
		t.Fatalf("ListUsers after Reset: %v", err)
	}
	if len(users.Users) != 0 {
		t.Errorf("ListUsers after Reset = %d users, want none", len(users.Users))
	}
}

// NewAccessKey makes the user once and a new key each time; AccessKeyStatus reads back
// what IAM holds: Active, Inactive after an update, and "missing" for a key the user does
// not have.
func TestNewAccessKeyAndItsStatus(t *testing.T) {
	srv := Start(t)
	first, second := srv.NewAccessKey(t, "alice"), srv.NewAccessKey(t, "alice")
	if !strings.HasPrefix(first, "AKIA") || first == second {
		t.Fatalf("keys %s and %s: want two AKIA keys", first, second)
	}
	if got := srv.AccessKeyStatus(t, "alice", first); got != "Active" {
		t.Errorf("new key: %s, want Active", got)
	}
	iamc := iam.NewFromConfig(srv.AWSConfig(t, "us-east-1"))
	if _, err := iamc.UpdateAccessKey(context.Background(), &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(first), Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	if got := srv.AccessKeyStatus(t, "alice", first); got != "Inactive" {
		t.Errorf("deactivated key: %s, want Inactive", got)
	}
	if got := srv.AccessKeyStatus(t, "alice", second); got != "Active" {
		t.Errorf("the other key: %s, want Active", got)
	}
	if got := srv.AccessKeyStatus(t, "alice", AccessKeyID); got != "missing" {
		t.Errorf("a key alice does not have: %s, want missing", got)
	}
}

func TestSTSGetCallerIdentity(t *testing.T) {
	srv := Start(t)
	out, err := sts.NewFromConfig(srv.AWSConfig(t, "eu-west-1")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if got := aws.ToString(out.Account); got != Account {
		t.Errorf("Account = %s, want %s", got, Account)
	}
	if aws.ToString(out.Arn) == "" || aws.ToString(out.UserId) == "" {
		t.Errorf("GetCallerIdentity = %+v, want an Arn and a UserId", out)
	}
}

func TestAWSConfigForKeepsAccountsApart(t *testing.T) {
	srv := Start(t)
	ctx := context.Background()
	const other = "111122223333"
	otherIAM := iam.NewFromConfig(srv.AWSConfigFor(t, "us-east-1", other))
	if _, err := otherIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mallory")}); err != nil {
		t.Fatalf("CreateUser in %s: %v", other, err)
	}
	who, err := sts.NewFromConfig(srv.AWSConfigFor(t, "us-east-1", other)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if got := aws.ToString(who.Account); got != other {
		t.Errorf("GetCallerIdentity Account = %s, want %s", got, other)
	}
	_, err = iam.NewFromConfig(srv.AWSConfig(t, "us-east-1")).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("mallory")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Errorf("GetUser in the default account: err = %v, want NoSuchEntityException", err)
	}
}

func TestS3PathStyle(t *testing.T) {
	srv := Start(t)
	ctx := context.Background()
	s3c := s3.NewFromConfig(srv.AWSConfig(t, "us-east-1"), S3Options)
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("trail-archive")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	body := []byte(`{"Records":[]}`)
	key := "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/23/x.json"
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("trail-archive"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	got, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("trail-archive"), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	defer got.Body.Close()
	b, err := io.ReadAll(got.Body)
	if err != nil || !bytes.Equal(b, body) {
		t.Fatalf("GetObject body = %q, %v; want %q", b, err, body)
	}
}

// Parallel tests get processes of their own; state never crosses between them.
func TestParallelTestsGetTheirOwnMoto(t *testing.T) {
	lookPath(t) // without moto_server the subtests would skip, leaving nothing to compare
	urls := make(chan string, 2)
	t.Run("group", func(t *testing.T) {
		for i := range 2 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				srv := Start(t)
				urls <- srv.URL()
				ctx := context.Background()
				iamc := iam.NewFromConfig(srv.AWSConfig(t, "us-east-1"))
				name := fmt.Sprintf("user-%d", i)
				if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
					t.Fatalf("CreateUser: %v", err)
				}
				users, err := iamc.ListUsers(ctx, &iam.ListUsersInput{})
				if err != nil {
					t.Fatalf("ListUsers: %v", err)
				}
				if len(users.Users) != 1 || aws.ToString(users.Users[0].UserName) != name {
					t.Errorf("ListUsers = %d users, want only %s", len(users.Users), name)
				}
			})
		}
	})
	close(urls)
	a, b := <-urls, <-urls
	if a == "" || a == b {
		t.Errorf("parallel tests got %q and %q, want two distinct servers", a, b)
	}
}

func TestLaunchReportsMotoOutputWhenItExits(t *testing.T) {
	script := filepath.Join(t.TempDir(), "moto_server")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho 'OSError: [Errno 98] Address already in use' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := launch(script)
	if !errors.Is(err, errExited) {
		t.Fatalf("launch a failing command: err = %v, want errExited", err)
	}
	if !strings.Contains(err.Error(), "Address already in use") {
		t.Errorf("error does not carry moto's output: %v", err)
	}
}

// recorder stands in for testing.TB to observe lookPath's skip-or-fail decision.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }
func (r *recorder) Skipf(format string, args ...any)  { r.skip = fmt.Sprintf(format, args...) }

func TestMissingMotoFailsInCIAndSkipsElsewhere(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, tc := range []struct {
		ci       string
		wantFail bool
	}{
		{"true", true},
		{"1", true},
		{"yes", true},
		{"", false},
		{"false", false},
		{"0", false},
	} {
		t.Setenv("CI", tc.ci)
		r := &recorder{TB: t}
		var warned []string
		lookPathCounting(r, &skipReport{warn: func(m string) { warned = append(warned, m) }})
		if tc.wantFail == (len(warned) > 0) {
			t.Errorf("CI=%q: warnings %q", tc.ci, warned)
		}
		switch {
		case tc.wantFail && (r.fatal == "" || r.skip != ""):
			t.Errorf("CI=%q: fatal=%q skip=%q, want a failure only", tc.ci, r.fatal, r.skip)
		case !tc.wantFail && (r.skip == "" || r.fatal != ""):
			t.Errorf("CI=%q: fatal=%q skip=%q, want a skip only", tc.ci, r.fatal, r.skip)
		}
		if msg := r.fatal + r.skip; !strings.Contains(msg, "moto_server is not on PATH") {
			t.Errorf("CI=%q: message %q does not say what is missing", tc.ci, msg)
		}
	}
}
