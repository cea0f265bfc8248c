package moto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
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

// EnforceIAM makes moto check every call against the caller's IAM policies, as AWS does
// (POST /moto-api/reset-auth 0), until the test ends. A pooled server's reset does not
// undo it, so the cleanup turns it off again.
func (s *Server) EnforceIAM(t testing.TB) {
	t.Helper()
	post := func(count string) error {
		resp, err := http.Post(s.URL()+"/moto-api/reset-auth", "text/plain", strings.NewReader(count))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("moto reset-auth %s: HTTP %d %s", count, resp.StatusCode, body)
		}
		return nil
	}
	if err := post("0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := post("inf"); err != nil {
			t.Errorf("moto keeps enforcing IAM: %v", err)
		}
	})
}
