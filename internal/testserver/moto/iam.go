package moto

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// NewAccessKey creates an access key for the IAM user, creating the user first when moto
// does not have it yet, and returns the key's id. Like AccessKeyStatus it acts in the
// default account (Account) with AWSConfig's credentials, and fails the test when IAM
// does not answer.
func (s *Server) NewAccessKey(t testing.TB, user string) string {
	t.Helper()
	ctx := context.Background()
	c := s.iam(t)
	if _, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(user)}); err != nil {
		var missing *iamtypes.NoSuchEntityException
		if !errors.As(err, &missing) {
			t.Fatalf("moto: GetUser %s: %v", user, err)
		}
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
			t.Fatalf("moto: CreateUser %s: %v", user, err)
		}
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatalf("moto: CreateAccessKey for %s: %v", user, err)
	}
	return aws.ToString(k.AccessKey.AccessKeyId)
}

// AccessKeyStatus is the status moto holds for the user's access key ("Active",
// "Inactive"), or "missing" when the user has no such key: what a test of a
// deactivation reads back.
func (s *Server) AccessKeyStatus(t testing.TB, user, key string) string {
	t.Helper()
	out, err := s.iam(t).ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatalf("moto: ListAccessKeys of %s: %v", user, err)
	}
	for _, k := range out.AccessKeyMetadata {
		if aws.ToString(k.AccessKeyId) == key {
			return string(k.Status)
		}
	}
	return "missing"
}

// iam is an IAM client of the default account.
func (s *Server) iam(t testing.TB) *iam.Client {
	t.Helper()
	return iam.NewFromConfig(s.AWSConfig(t, "us-east-1"))
}
