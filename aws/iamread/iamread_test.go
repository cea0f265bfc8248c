package iamread

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keypivot/keypivot/internal/testserver/moto"
)

const allowS3 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`

// Each kind of principal exists or does not, as IAM says; a refusal or an unknown kind
// is an error, never "gone".
func TestExists(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := moto.Start(t)
	seed := srv.Seed(t, "")
	seed.User("alice")
	seed.Role("ops", moto.LambdaTrust)
	seed.Group("admins")
	c := iam.NewFromConfig(seed.Config("us-east-1"))
	for _, tc := range []struct {
		kind, name string
		want       bool
	}{
		{"user", "alice", true}, {"user", "bob", false},
		{"role", "ops", true}, {"role", "gone", false},
		{"group", "admins", true}, {"group", "nobody", false},
	} {
		got, err := Exists(ctx, c, tc.kind, tc.name)
		if err != nil || got != tc.want {
			t.Errorf("%s %s: %v, %v; want %v", tc.kind, tc.name, got, err, tc.want)
		}
	}
	if _, err := Exists(ctx, c, "policy", "x"); err == nil {
		t.Error("an unknown kind is no error")
	}
}

// NoSuchEntity tells IAM's "not there" from other failures.
func TestNoSuchEntity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := moto.Start(t)
	c := iam.NewFromConfig(srv.AWSConfig(t, "us-east-1"))
	_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
	if !NoSuchEntity(err) {
		t.Errorf("GetUser of no user: %v is not NoSuchEntity", err)
	}
	if NoSuchEntity(nil) || NoSuchEntity(errors.New("NoSuchEntity")) {
		t.Error("no error, or a plain one, is NoSuchEntity")
	}
}

// The attached policies of each kind, every page; a principal without any has none.
func TestAttachedPolicyARNs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := moto.Start(t)
	seed := srv.Seed(t, "")
	seed.User("alice")
	seed.User("bob")
	arn := seed.ManagedPolicy("s3", allowS3)
	seed.Attach(moto.UserPrincipal, "alice", arn)
	c := iam.NewFromConfig(seed.Config("us-east-1"))
	if got, err := AttachedPolicyARNs(ctx, c, "user", "alice"); err != nil || !slices.Equal(got, []string{arn}) {
		t.Errorf("alice: %v, %v", got, err)
	}
	if got, err := AttachedPolicyARNs(ctx, c, "user", "bob"); err != nil || len(got) != 0 {
		t.Errorf("bob: %v, %v", got, err)
	}
	if _, err := AttachedPolicyARNs(ctx, c, "user", "nobody"); !NoSuchEntity(err) {
		t.Errorf("no such user: %v", err)
	}
}

// A document is decoded once; one that is not URL-encoded is kept as it is.
func TestDocument(t *testing.T) {
	if got := Document("%7B%22a%22%3A1%7D"); got != `{"a":1}` {
		t.Errorf("encoded: %q", got)
	}
	if got := Document("%zz"); got != "%zz" {
		t.Errorf("not encoded: %q", got)
	}
}
