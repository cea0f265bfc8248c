package artifactlive

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// An artifact of another account is read with that account's session; without one it
// carries an error naming the flag, and the caller's own artifacts are read as usual.
func TestArtifactsOfAnotherAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := moto.Start(t)
	const other = "210987654321"
	ocfg := srv.AWSConfigFor(t, "us-east-1", other)
	ocfg.Credentials = credentials.NewStaticCredentialsProvider("AKIAOTHERACCOUNT0001", "secret", "")
	osess := session(t, ocfg)
	if osess.Identity.Account != other {
		t.Fatalf("the other session is in %s", osess.Identity.Account)
	}
	srv.Seed(t, other).User("deploy")
	s := session(t, srv.AWSConfig(t, "us-east-1"))
	srv.Seed(t, "").User("local")
	arts := []investigate.Artifact{
		{ID: "user:deploy", Kind: investigate.ArtUser, User: "deploy", Account: other, Resource: "user deploy"},
		{ID: "user:local", Kind: investigate.ArtUser, User: "local", Account: moto.Account, Resource: "user local"},
		{ID: "user:unnamed-account", Kind: investigate.ArtUser, User: "local", Resource: "user local"},
	}

	got, err := (&Lookup{Session: s}).LookupArtifacts(ctx, arts)
	if err != nil {
		t.Fatal(err)
	}
	e := got["user:deploy"].Error
	for _, want := range []string{"account " + other, "--account-profile " + other + "=PROFILE", "user deploy"} {
		if !strings.Contains(e, want) {
			t.Errorf("error %q lacks %q", e, want)
		}
	}
	for _, id := range []string{"user:local", "user:unnamed-account"} {
		if l := got[id]; !l.Present || l.Error != "" {
			t.Errorf("%s in the caller's account: %+v", id, l)
		}
	}

	got, err = (&Lookup{Session: s, Accounts: map[string]*awsconfig.Session{other: osess}}).LookupArtifacts(ctx, arts)
	if err != nil {
		t.Fatal(err)
	}
	if l := got["user:deploy"]; !l.Present || l.State != "exists" || l.Error != "" {
		t.Errorf("with the other account's session: %+v", l)
	}
}

// A permission the caller lacks fails only the artifacts that need it, each with an
// error naming the call; the others are read.
func TestAccessDeniedIsPerArtifact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := moto.Start(t)
	admin := iam.NewFromConfig(srv.AWSConfig(t, "us-east-1"))
	str := aws.String
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: str("backdoor")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: str("backdoor"), Password: str("Pa55word!x")}); err != nil {
		t.Fatal(err)
	}
	// The responder may read users and roles, not login profiles.
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: str("responder")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: str("responder"), PolicyName: str("read"),
		PolicyDocument: str(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:GetRole","sts:GetCallerIdentity"],"Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	k, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: str("responder")})
	if err != nil {
		t.Fatal(err)
	}
	srv.EnforceIAM(t)
	cfg := srv.AWSConfig(t, "us-east-1")
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), "")
	s := session(t, cfg)

	got, err := (&Lookup{Session: s}).LookupArtifacts(ctx, []investigate.Artifact{
		{ID: "user:backdoor", Kind: investigate.ArtUser, User: "backdoor"},
		{ID: "login-profile:backdoor", Kind: investigate.ArtLoginProfile, User: "backdoor"},
		{ID: "role:gone", Kind: investigate.ArtRole, Role: "gone"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if l := got["user:backdoor"]; !l.Present || l.Error != "" {
		t.Errorf("user (allowed): %+v", l)
	}
	if l := got["role:gone"]; l.Present || l.State != "deleted" || l.Error != "" {
		t.Errorf("role (allowed, missing): %+v", l)
	}
	// moto wraps its AccessDenied in another envelope than IAM's, so the SDK reads the
	// code as UnknownError: the operation and the 403 are what this test can rely on.
	if l := got["login-profile:backdoor"]; !strings.Contains(l.Error, "GetLoginProfile") || !strings.Contains(l.Error, "403") || l.State != "" || l.Present {
		t.Errorf("login profile (denied): %+v, want an error naming GetLoginProfile and the 403", l)
	}
}

// inFlight counts the requests an HTTP client has open at once.
type inFlight struct {
	inner aws.HTTPClient
	mu    sync.Mutex
	now   int
	max   int
	total int
}

func (c *inFlight) Do(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.now++
	c.total++
	c.max = max(c.max, c.now)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.now--
		c.mu.Unlock()
	}()
	return c.inner.Do(r)
}

// No more artifacts are read at once than Concurrency, each ID is read once, and every
// artifact is answered.
func TestConcurrencyIsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := moto.Start(t)
	cfg := srv.AWSConfig(t, "us-east-1")
	count := &inFlight{inner: cfg.HTTPClient}
	cfg.HTTPClient = count
	s := session(t, cfg)
	var arts []investigate.Artifact
	for _, u := range []string{"u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "u0", "u1"} {
		arts = append(arts, investigate.Artifact{ID: "user:" + u, Kind: investigate.ArtUser, User: u})
	}
	count.mu.Lock()
	count.total = 0
	count.mu.Unlock()
	got, err := (&Lookup{Session: s, Concurrency: 2}).LookupArtifacts(ctx, arts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 {
		t.Errorf("%d states, want 10 (one an ID)", len(got))
	}
	for id, l := range got {
		if l.Present || l.State != "deleted" || l.Error != "" {
			t.Errorf("%s: %+v", id, l)
		}
	}
	if count.max > 2 {
		t.Errorf("%d requests at once, Concurrency is 2", count.max)
	}
	if count.total != 10 {
		t.Errorf("%d requests, want one GetUser per distinct user (10)", count.total)
	}
}

// A cancelled lookup says so, and every artifact it was asked about still has an entry.
func TestCancelledLookup(t *testing.T) {
	t.Parallel()
	srv := moto.Start(t)
	s := session(t, srv.AWSConfig(t, "us-east-1"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := (&Lookup{Session: s}).LookupArtifacts(ctx, []investigate.Artifact{
		{ID: "user:a", Kind: investigate.ArtUser, User: "a"},
		{ID: "role:b", Kind: investigate.ArtRole, Role: "b"},
	})
	if err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	for _, id := range []string{"user:a", "role:b"} {
		if l, ok := got[id]; !ok || l.Error == "" {
			t.Errorf("%s: %+v, want an error", id, l)
		}
	}
	if _, err := (&Lookup{}).LookupArtifacts(context.Background(), nil); err == nil {
		t.Error("a lookup without a session did not fail")
	}
}
