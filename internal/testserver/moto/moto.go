// Package moto runs the real moto_server (https://github.com/getmoto/moto) for tests of
// the AWS adapters: IAM, STS, EC2, S3, Security Hub, Athena and Lambda answer on a
// loopback port and the aws-sdk-go-v2 clients talk to it unchanged.
//
// A test calls Start, builds its clients from AWSConfig and works against a clean moto:
//
//	srv := moto.Start(t)
//	cfg := srv.AWSConfig(t, "us-east-1")
//	iamc := iam.NewFromConfig(cfg)
//	s3c := s3.NewFromConfig(cfg, moto.S3Options) // S3 needs path-style addressing
//
// NewAccessKey and AccessKeyStatus make and read back the IAM keys a remediation test
// acts on; Seed puts in any account what an attacker left behind (users, roles, groups,
// managed and inline policies, login profiles, key pairs, Lambda functions).
//
// Starting moto costs one to two seconds, so processes are pooled per test binary: Start
// hands out an idle process after resetting it (POST /moto-api/reset), or launches a new
// one when every pooled process is in use by a parallel test. t.Cleanup gives the process
// back to the pool, or kills it when the pool is full. Pooled processes are killed when the
// test binary exits (Linux: parent-death signal; elsewhere call Shutdown from TestMain).
// Each test therefore owns a moto of its own for its whole run, parallel or not.
//
// When moto_server is not on PATH, Start skips the test, unless the environment says it
// runs in CI (CI=true, as GitHub Actions and GitLab set it): there it fails, so a broken CI
// image cannot turn the AWS adapter tests into silent skips. Outside CI the skip is loud
// (missing.go): a warning on stderr and on the terminal, once per test binary, with the
// number of tests skipped when TestMain runs the tests through Main.
//
// moto accepts any credentials. It keeps state per account: a request belongs to the account
// named by the x-moto-account-id header (AWSConfigFor), else to the account of an access key
// created in moto that signed it, else to Account (123456789012).
//
// It imports the standard library, the AWS SDK and golang.org/x/term; it runs moto_server
// as a process.
package moto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/keypivot/keypivot/internal/testserver/loopback"
)

// Credentials every config from AWSConfig signs with. moto accepts any credentials; these
// are AWS's documentation example key, not a real one.
const (
	AccessKeyID     = "AKIAIOSFODNN7EXAMPLE"
	SecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	// Account is the account moto serves requests in unless told otherwise.
	Account = "123456789012"
)

// Command is the executable Start runs.
const Command = "moto_server"

// StartTimeout bounds how long Start waits for a new moto_server to answer: about a second
// on an idle machine, over ten on a loaded two-core CI runner.
const StartTimeout = 60 * time.Second

// maxIdle is how many idle processes the pool keeps; more are killed in t.Cleanup.
const maxIdle = 4

// Server is one running moto_server.
type Server struct {
	url    string
	port   int
	proc   *process
	client *http.Client
}

var pool struct {
	mu   sync.Mutex
	idle []*Server
}

// Start returns a moto_server that the calling test owns until it ends, with all state
// reset. It skips the test (fails it in CI) when moto_server is not installed, and fails
// it, with moto's output, when moto does not start.
func Start(t testing.TB) *Server {
	t.Helper()
	path := lookPath(t)
	s := takeIdle(t)
	if s == nil {
		var err error
		if s, err = launch(path); err != nil {
			t.Fatalf("moto: %v", err)
		}
	}
	t.Cleanup(func() { release(s) })
	return s
}

// StartWithManagedPolicies returns a moto_server of the test's own (not pooled) that
// holds AWS's managed policies (arn:aws:iam::aws:policy/..., AWSCompromisedKeyQuarantineV3
// among them), which pooled servers leave out because loading them slows every reset.
func StartWithManagedPolicies(t testing.TB) *Server {
	t.Helper()
	path := lookPath(t)
	s, err := launch(path, "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	if err != nil {
		t.Fatalf("moto: %v", err)
	}
	t.Cleanup(s.kill)
	return s
}

// takeIdle pops a live idle server from the pool and resets it; nil when none is left.
func takeIdle(t testing.TB) *Server {
	t.Helper()
	for {
		pool.mu.Lock()
		n := len(pool.idle)
		if n == 0 {
			pool.mu.Unlock()
			return nil
		}
		s := pool.idle[n-1]
		pool.idle = pool.idle[:n-1]
		pool.mu.Unlock()
		if err := s.reset(); err != nil {
			// It died between tests: say so, and start another.
			t.Logf("moto: discarding pooled moto_server on port %d: %v", s.port, err)
			s.kill()
			continue
		}
		return s
	}
}

func release(s *Server) {
	if s.proc.exited() {
		return
	}
	pool.mu.Lock()
	if len(pool.idle) < maxIdle {
		pool.idle = append(pool.idle, s)
		pool.mu.Unlock()
		return
	}
	pool.mu.Unlock()
	s.kill()
}

// Shutdown kills every idle pooled moto_server. On Linux they die with the test binary
// anyway; elsewhere call it from TestMain after m.Run.
func Shutdown() {
	pool.mu.Lock()
	idle := pool.idle
	pool.idle = nil
	pool.mu.Unlock()
	for _, s := range idle {
		s.kill()
	}
}

// URL is moto's base URL, http://127.0.0.1:PORT.
func (s *Server) URL() string { return s.url }

// Reset clears all of moto's state (every account and region), as POST /moto-api/reset does.
// Start already returns a reset server; call Reset to start over within a test.
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	if err := s.reset(); err != nil {
		t.Fatalf("moto: %v", err)
	}
}

func (s *Server) reset() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/moto-api/reset", nil)
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("reset: %v%s", err, s.proc.describe())
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reset: HTTP %d: %s%s", resp.StatusCode, body, s.proc.describe())
	}
	return nil
}

// AWSConfig is an aws-sdk-go-v2 configuration for moto: static test credentials
// (AccessKeyID), the region, BaseEndpoint at moto, a standard retryer of three attempts
// with short back-off and no client-side retry quota (tests reset far more often than a
// real client errs), and an HTTP client that avoids a smithy-go/net/http race which
// loopback servers trigger (see cloudtrail.HTTPClient). Pass S3Options to s3.NewFromConfig. The configuration reads nothing
// from the environment or ~/.aws, so a developer's own profile can never leak into a test.
func (s *Server) AWSConfig(t testing.TB, region string) aws.Config {
	t.Helper()
	if region == "" {
		t.Fatal("moto: AWSConfig needs a region")
	}
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint: aws.String(s.url),
		HTTPClient:   loopback.HTTPClient(),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.MaxBackoff = 200 * time.Millisecond
				o.RateLimiter = ratelimit.None
			})
		},
	}
}

// AWSConfigFor is AWSConfig with every request placed in the given account (moto's
// x-moto-account-id header), for tests that span accounts, such as a key owned by one
// account and looked up from another.
func (s *Server) AWSConfigFor(t testing.TB, region, account string) aws.Config {
	t.Helper()
	cfg := s.AWSConfig(t, region)
	cfg.APIOptions = append(cfg.APIOptions, smithyhttp.SetHeaderValue("x-moto-account-id", account))
	return cfg
}

// S3Options makes an S3 client use path-style addressing, which moto needs
// (virtual-hosted buckets would resolve to <bucket>.127.0.0.1):
//
//	s3.NewFromConfig(cfg, moto.S3Options)
func S3Options(o *s3.Options) { o.UsePathStyle = true }

// lookPath finds moto_server. When it is missing the test fails in CI, and is skipped,
// loudly, elsewhere.
func lookPath(t testing.TB) string {
	t.Helper()
	return lookPathCounting(t, skips)
}

// lookPathCounting is lookPath counting the skip in r.
func lookPathCounting(t testing.TB, r *skipReport) string {
	t.Helper()
	path, err := exec.LookPath(Command)
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("%s is not on PATH (install it with: pip install 'moto[server]')", Command)
	if inCI() {
		t.Fatalf("moto: %s; CI=%s, so this is a failure, not a skip", msg, os.Getenv("CI"))
		return ""
	}
	r.skip()
	t.Skipf("moto: %s; skipping (with CI=true this fails)", msg)
	return ""
}

func inCI() bool {
	v := strings.TrimSpace(os.Getenv("CI"))
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	return err != nil || b // any value that is not a false boolean counts
}

// launch starts a moto_server on a loopback port it binds itself (-p 0) and waits until
// it answers on the port it printed. Picking a free port first and handing it over would
// leave a gap in which another test process could take it, and the two would then share
// one moto without knowing.
func launch(path string, env ...string) (*Server, error) {
	p, err := startProcess(path, env, "-H", "127.0.0.1", "-p", "0")
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	port, err := p.boundPort(StartTimeout)
	if err != nil {
		p.kill()
		return nil, err
	}
	s := &Server{
		url:    "http://127.0.0.1:" + strconv.Itoa(port),
		port:   port,
		proc:   p,
		client: &http.Client{Timeout: 10 * time.Second},
	}
	if err := s.waitReady(StartTimeout); err != nil {
		s.kill()
		return nil, err
	}
	return s, nil
}

// waitReady polls GET /moto-api/ until moto answers 200.
func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-s.proc.done:
			return fmt.Errorf("%w (port %d)%s", errExited, s.port, s.proc.describe())
		default:
		}
		resp, err := s.client.Get(s.url + "/moto-api/")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = "HTTP " + resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("moto_server on port %d did not answer GET /moto-api/ within %v (last: %s)%s",
		s.port, timeout, last, s.proc.describe())
}

func (s *Server) kill() {
	s.proc.kill()
	s.client.CloseIdleConnections()
}

var errExited = errors.New("moto_server exited before it answered")

// runningOn is the line werkzeug prints once moto listens: " * Running on http://127.0.0.1:PORT".
var runningOn = regexp.MustCompile(`Running on http://127\.0\.0\.1:(\d+)`)

// boundPort waits for moto to say which port it bound.
func (p *process) boundPort(timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if m := runningOn.FindStringSubmatch(p.out.String()); m != nil {
			return strconv.Atoi(m[1])
		}
		if p.exited() {
			return 0, fmt.Errorf("%w%s", errExited, p.describe())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, fmt.Errorf("moto_server did not say which port it bound within %v%s", timeout, p.describe())
}

// process is a running moto_server and the tail of its output.
type process struct {
	cmd     *exec.Cmd
	out     *tail
	done    chan struct{} // closed when the process has exited
	waitErr error
}

// startProcess starts the command in its own process group, with moto's account override
// removed from its environment (it would defeat x-moto-account-id). On Linux the child
// gets SIGKILL when the thread that started it exits; that thread is locked to a goroutine
// that lives exactly as long as the child, so the child dies with the test binary.
func startProcess(path string, env []string, args ...string) (*process, error) {
	p := &process{out: &tail{max: 64 << 10}, done: make(chan struct{})}
	cmd := exec.Command(path, args...)
	cmd.Stdout = p.out
	cmd.Stderr = p.out
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MOTO_ACCOUNT_ID=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.SysProcAttr = sysProcAttr()
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	p.cmd = cmd
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *process) kill() {
	if p.exited() {
		return
	}
	killTree(p.cmd)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

// describe is the process state and the tail of its output, for error messages.
func (p *process) describe() string {
	var b strings.Builder
	if p.exited() {
		fmt.Fprintf(&b, "\nmoto_server exited: %v", p.waitErr)
	}
	if out := strings.TrimSpace(p.out.String()); out != "" {
		fmt.Fprintf(&b, "\nmoto_server output (last %d bytes):\n%s", len(out), out)
	}
	return b.String()
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (w *tail) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(p), nil
}

func (w *tail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}
