package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keypivot/keypivot/internal/testserver/moto"
)

// deactivate, reactivate and journal --resume act in AWS with the credentials of the
// environment, as the AWS CLI would, without --live and without any source: the key's
// owner is looked up live (UpdateAccessKey needs the user's name), and the demo is never
// taken for the target.
func TestActingCommandsUseAWSWithoutLive(t *testing.T) {
	srv := moto.Start(t)
	key := srv.NewAccessKey(t, "alice")
	env := awsEnv(t, srv, moto.AccessKeyID)
	journalPath := strings.TrimPrefix(env[len(env)-1], "KEYPIVOT_JOURNAL=")

	r := kp(t, env, "deactivate", key, "--yes")
	if r.code != 0 || srv.AccessKeyStatus(t, "alice", key) != "Inactive" {
		t.Fatalf("deactivate --yes: exit %d, key %s\n%s", r.code, srv.AccessKeyStatus(t, "alice", key), r.stderr)
	}
	for _, want := range []string{"Acting as arn:aws:sts::" + moto.Account, "--user-name alice", "done: Active"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("deactivate: stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "DEMO") {
		t.Errorf("deactivate acted on the demo:\n%s", r.stderr)
	}

	r = kp(t, env, "reactivate", key, "--yes")
	if r.code != 0 || srv.AccessKeyStatus(t, "alice", key) != "Active" {
		t.Fatalf("reactivate --yes: exit %d, key %s\n%s", r.code, srv.AccessKeyStatus(t, "alice", key), r.stderr)
	}

	// A deactivation a crash interrupted after its intent was journalled, before the call.
	before, err := os.ReadFile(journalPath)
	if err != nil {
		t.Fatal(err)
	}
	if r := kp(t, env, "deactivate", key, "--yes"); r.code != 0 {
		t.Fatalf("second deactivate: exit %d\n%s", r.code, r.stderr)
	}
	after, _ := os.ReadFile(journalPath)
	added := strings.SplitAfter(strings.TrimSuffix(string(after[len(before):]), "\n"), "\n")
	if len(added) != 2 || !strings.Contains(added[0], `"phase":"intent"`) {
		t.Fatalf("journalled by the second deactivate: %q", added)
	}
	os.WriteFile(journalPath, append(before, added[0]...), 0o600)
	if _, err := iam.NewFromConfig(srv.AWSConfig(t, "us-east-1")).UpdateAccessKey(context.Background(), &iam.UpdateAccessKeyInput{
		UserName: aws.String("alice"), AccessKeyId: aws.String(key), Status: iamtypes.StatusTypeActive}); err != nil {
		t.Fatal(err)
	}
	r = kp(t, env, "journal", "--resume", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "resumed Deactivate access key "+key) || srv.AccessKeyStatus(t, "alice", key) != "Inactive" {
		t.Fatalf("journal --resume --yes: exit %d, key %s\n%s\n%s", r.code, srv.AccessKeyStatus(t, "alice", key), r.stdout, r.stderr)
	}
}
