package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// crashProxy stands between keypivot and moto and lets the test kill keypivot in the
// middle of one AWS call: the first request of action crashAt is forwarded to moto (when
// forward is set: the call reaches AWS) or not, and is never answered; reached is closed
// when it arrives. Every action that passes is counted.
type crashProxy struct {
	rp      *httputil.ReverseProxy
	crashAt string
	forward bool
	reached chan struct{}
	mu      sync.Mutex
	n       map[string]int
	crashed bool
}

func newCrashProxy(t *testing.T, srv *moto.Server, crashAt string, forward bool) (*crashProxy, string) {
	t.Helper()
	target, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	p := &crashProxy{rp: httputil.NewSingleHostReverseProxy(target), crashAt: crashAt, forward: forward, reached: make(chan struct{}), n: map[string]int{}}
	hs := httptest.NewServer(p)
	t.Cleanup(hs.Close)
	return p, hs.URL
}

func (p *crashProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	action := ""
	if v, err := url.ParseQuery(string(b)); err == nil {
		action = v.Get("Action")
	}
	p.mu.Lock()
	p.n[action]++
	crash := action == p.crashAt && !p.crashed
	p.crashed = p.crashed || crash
	p.mu.Unlock()
	if !crash {
		p.rp.ServeHTTP(w, r)
		return
	}
	if p.forward {
		p.rp.ServeHTTP(httptest.NewRecorder(), r) // AWS makes the change; the answer is lost
	}
	close(p.reached)
	<-r.Context().Done() // until keypivot is killed
}

func (p *crashProxy) count(action string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n[action]
}

// actEnv is an analyst's shell for keypivot against moto, with its own home, journal and
// (empty unless written) AWS config files.
type actEnv struct {
	home, journal, awsDir string
}

func newActEnv(t *testing.T) *actEnv {
	home := t.TempDir()
	e := &actEnv{home: home, journal: filepath.Join(home, "journal.jsonl"), awsDir: filepath.Join(home, "aws")}
	os.MkdirAll(e.awsDir, 0o700)
	e.credentials(t, nil)
	return e
}

// credentials writes the shared credentials file: profile name -> access key id.
func (e *actEnv) credentials(t *testing.T, profiles map[string]string) {
	t.Helper()
	var b strings.Builder
	for name, key := range profiles {
		fmt.Fprintf(&b, "[%s]\naws_access_key_id = %s\naws_secret_access_key = secret\n\n", name, key)
	}
	if err := os.WriteFile(filepath.Join(e.awsDir, "credentials"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.awsDir, "config"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
}

// env points keypivot at endpoint; envKey, when set, is the environment's access key.
func (e *actEnv) env(endpoint, envKey string) []string {
	env := []string{
		"HOME=" + e.home, "XDG_STATE_HOME=" + filepath.Join(e.home, "state"), "XDG_CONFIG_HOME=" + filepath.Join(e.home, "config"),
		"KEYPIVOT_DEMO_ANCHOR=fixed", "PATH=" + os.Getenv("PATH"), "KEYPIVOT_JOURNAL=" + e.journal,
		"AWS_ENDPOINT_URL=" + endpoint, "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(e.awsDir, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(e.awsDir, "credentials"),
	}
	if envKey != "" {
		env = append(env, "AWS_ACCESS_KEY_ID="+envKey, "AWS_SECRET_ACCESS_KEY=secret")
	}
	return env
}

func (e *actEnv) run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, so.String(), se.String()}
}

// killDuring runs keypivot and kills it (SIGKILL: no deferred code, no outcome written)
// once the proxy holds the call it crashes at.
func (e *actEnv) killDuring(t *testing.T, p *crashProxy, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-p.reached:
		cmd.Process.Kill()
		<-exited
	case err := <-exited:
		t.Fatalf("keypivot ended (%v) before the call it was to be killed in:\n%s", err, out.String())
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("the call was never made:\n%s", out.String())
	}
}

// phases reads the journal's records as "phase action".
func (e *actEnv) phases(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(e.journal)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var j investigate.JournalEntry
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("journal line %q: %v", line, err)
		}
		out = append(out, j.Phase+" "+j.Action)
	}
	return out
}

func revocationPolicy(t *testing.T, srv *moto.Server, user string) (string, bool) {
	t.Helper()
	out, err := iam.NewFromConfig(srv.AWSConfig(t, "us-east-1")).GetUserPolicy(context.Background(),
		&iam.GetUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String(investigate.RevokePolicyName)})
	if err != nil {
		return err.Error(), false
	}
	doc, _ := url.QueryUnescape(aws.ToString(out.PolicyDocument))
	return doc, true
}

// keypivot deactivate --revoke-sessions killed during UpdateAccessKey (the call reached
// AWS; its answer never came back): both actions were journalled as planned before the
// first call, so keypivot journal lists both as interrupted and journal --resume offers
// the revocation too, completes it, and does not deactivate twice.
func TestDeactivateRevokeSessionsKilledMidCallIsResumed(t *testing.T) {
	t.Parallel()
	srv := moto.Start(t)
	key := srv.NewAccessKey(t, "alice")
	proxy, endpoint := newCrashProxy(t, srv, "UpdateAccessKey", true)
	e := newActEnv(t)
	env := e.env(endpoint, moto.AccessKeyID)

	e.killDuring(t, proxy, env, "deactivate", key, "--live", "--revoke-sessions", "--yes")
	want := []string{"planned deactivate-key", "planned revoke-user-sessions", "intent deactivate-key"}
	if got := e.phases(t); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("journal after the kill: %v, want %v", got, want)
	}
	if st := srv.AccessKeyStatus(t, "alice", key); st != "Inactive" {
		t.Fatalf("the UpdateAccessKey that was cut off did not reach moto: key %s", st)
	}
	if _, ok := revocationPolicy(t, srv, "alice"); ok {
		t.Fatal("the revocation ran before the crash")
	}

	list := e.run(t, env, "journal")
	if list.code != 0 || !strings.Contains(list.stdout, "2 interrupted actions (1 planned, never started)") {
		t.Fatalf("journal: exit %d\n%s\n%s", list.code, list.stdout, list.stderr)
	}
	plan := e.run(t, env, "deactivate", key, "--live", "--revoke-sessions", "--plan")
	if !strings.Contains(plan.stderr, "planned earlier, never started: revoke-user-sessions "+key) || !strings.Contains(plan.stderr, "interrupted earlier: deactivate-key "+key) {
		t.Errorf("deactivate --plan does not name the pending actions:\n%s", plan.stderr)
	}

	res := e.run(t, env, "journal", "--resume", "--yes", "--live")
	if res.code != 0 {
		t.Fatalf("resume: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	for _, s := range []string{"resumed Deactivate access key " + key, "already in effect", "resumed Revoke sessions of user alice"} {
		if !strings.Contains(res.stdout, s) {
			t.Errorf("resume output lacks %q:\n%s", s, res.stdout)
		}
	}
	if doc, ok := revocationPolicy(t, srv, "alice"); !ok || !strings.Contains(doc, "aws:TokenIssueTime") {
		t.Fatalf("no revocation policy in moto after the resume: %s", doc)
	}
	if n := proxy.count("UpdateAccessKey"); n != 1 {
		t.Errorf("%d UpdateAccessKey calls, want 1: the resume deactivated again", n)
	}
	if after := e.run(t, env, "journal"); strings.Contains(after.stdout, "interrupted actions") || after.code != 0 {
		t.Errorf("still pending after the resume: exit %d\n%s", after.code, after.stdout)
	}
}

// An action planned with environment credentials of one account is not resumed with
// credentials of another account, whatever the profile is called: exit 4, both accounts
// named, nothing written, still pending. A profile of the planned account (another name
// than "environment") completes it.
func TestResumeWithAnotherAccountIsRefused(t *testing.T) {
	t.Parallel()
	srv := moto.Start(t)
	key := srv.NewAccessKey(t, "alice")
	const other = "210987654321"
	otherIAM := iam.NewFromConfig(srv.AWSConfigFor(t, "us-east-1", other))
	ctx := context.Background()
	if _, err := otherIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("responder")}); err != nil {
		t.Fatal(err)
	}
	ok, err := otherIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("responder")})
	if err != nil {
		t.Fatal(err)
	}
	otherKey := aws.ToString(ok.AccessKey.AccessKeyId) // signs in account 210987654321
	proxy, endpoint := newCrashProxy(t, srv, "UpdateAccessKey", false)
	e := newActEnv(t)

	e.killDuring(t, proxy, e.env(endpoint, moto.AccessKeyID), "deactivate", key, "--live", "--revoke-sessions", "--yes")
	if got := e.phases(t); len(got) != 3 {
		t.Fatalf("journal after the kill: %v", got)
	}

	e.credentials(t, map[string]string{"ir": otherKey, "prod": moto.AccessKeyID})
	refused := e.run(t, e.env(endpoint, ""), "journal", "--resume", "--yes", "--profile", "ir")
	if refused.code != exitRefused {
		t.Fatalf("resume with another account: exit %d\n%s\n%s", refused.code, refused.stdout, refused.stderr)
	}
	all := refused.stdout + refused.stderr
	for _, s := range []string{"planned for account " + moto.Account, "the caller is in account " + other, "REFUSED"} {
		if !strings.Contains(all, s) {
			t.Errorf("the refusal lacks %q:\n%s", s, all)
		}
	}
	if strings.Contains(refused.stdout, "interrupted:") {
		t.Errorf("an action of another account was offered for confirmation:\n%s", refused.stdout)
	}
	if st := srv.AccessKeyStatus(t, "alice", key); st != "Active" || proxy.count("PutUserPolicy") != 0 || proxy.count("UpdateAccessKey") != 1 {
		t.Fatalf("written from the wrong account: key %s, %d PutUserPolicy, %d UpdateAccessKey", st, proxy.count("PutUserPolicy"), proxy.count("UpdateAccessKey"))
	}
	if list := e.run(t, e.env(endpoint, ""), "journal"); !strings.Contains(list.stdout, "2 interrupted actions") {
		t.Fatalf("a refused resume must leave both pending:\n%s", list.stdout)
	}

	done := e.run(t, e.env(endpoint, ""), "journal", "--resume", "--yes", "--profile", "prod")
	if done.code != 0 || !strings.Contains(done.stdout, "resumed Revoke sessions of user alice") {
		t.Fatalf("resume with the planned account's profile: exit %d\n%s\n%s", done.code, done.stdout, done.stderr)
	}
	if st := srv.AccessKeyStatus(t, "alice", key); st != "Inactive" {
		t.Errorf("key %s after the resume", st)
	}
	if _, ok := revocationPolicy(t, srv, "alice"); !ok {
		t.Error("no revocation policy after the resume")
	}
}
