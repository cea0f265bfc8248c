package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/internal/demo"
	estest "github.com/keypivot/keypivot/internal/testserver/elasticsearch"
	kbtest "github.com/keypivot/keypivot/internal/testserver/kibana"
	"github.com/keypivot/keypivot/internal/testserver/moto"
)

// The secrets keypivot is given or reads, each a marker: a password in the --elastic and
// --kibana URLs, an Elasticsearch API key, a basic-auth password, the AWS secret key and
// session token of the environment, and the session token (and a secret key) in the
// responseElements.credentials of a CloudTrail GetSessionToken record.
const (
	marker         = "MARKER" // begins every secret: the leak check looks for it
	markerPassword = marker + "pw123"
	markerAPIKey   = marker + "apikey"
	markerSecret   = marker + "secret"
	markerToken    = marker + "token"
	markerSession  = marker + "session"
	markerSAK      = marker + "sak"
)

// Secrets never leave: every command that could print one runs on inputs full of markers,
// against a reachable and an unreachable Elasticsearch, Kibana and AWS (moto), and no
// marker (nor the base64 of a credential pair, as an Authorization header holds it)
// appears in stdout, stderr, or any file written (outputs, the journal, the state
// directory).
func TestSecretsNeverLeave(t *testing.T) {
	dir := t.TempDir()
	es := estest.New(t, estest.WithBasicAuth("elastic", markerPassword), estest.WithAPIKey("kp", markerAPIKey))
	ds := demo.Generate(demo.DefaultAnchor())
	if _, err := es.LoadNDJSON(estest.AlertsIndex("default"), bytes.NewReader(ds.Alerts)); err != nil {
		t.Fatal(err)
	}
	kb := kbtest.New(t, es)
	srv := moto.Start(t)
	key := srv.NewAccessKey(t, "alice")

	// The trail: GetSessionToken by the key, its answer carrying the session's secrets.
	trail := filepath.Join(dir, "trail", "records.json")
	os.MkdirAll(filepath.Dir(trail), 0o700)
	rec := fmt.Sprintf(`{"Records":[{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAQWERTYUIOPASDFGH","arn":"arn:aws:iam::%[1]s:user/alice","accountId":"%[1]s","accessKeyId":"%[2]s","userName":"alice"},`+
		`"eventTime":"2026-01-10T11:45:00Z","eventSource":"sts.amazonaws.com","eventName":"GetSessionToken","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.0",`+
		`"requestParameters":{"durationSeconds":43200},"responseElements":{"credentials":{"accessKeyId":"ASIAQWERTYSESSION001","sessionToken":"%[3]s","secretAccessKey":"%[4]s","expiration":"Jan 10, 2026, 11:45:00 PM"}},`+
		`"requestID":"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0","eventID":"1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"%[1]s","eventCategory":"Management"}]}`,
		moto.Account, key, markerSession, markerSAK)
	if err := os.WriteFile(trail, []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}

	home := filepath.Join(dir, "home")
	journal := filepath.Join(dir, "journal.jsonl")
	awsDir := t.TempDir()
	os.WriteFile(filepath.Join(awsDir, "config"), nil, 0o600)
	env := []string{
		"HOME=" + home, "XDG_STATE_HOME=" + filepath.Join(home, "state"), "XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"AWS_ENDPOINT_URL=" + srv.URL(), "AWS_ACCESS_KEY_ID=" + moto.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + markerSecret, "AWS_SESSION_TOKEN=" + markerToken,
		"AWS_CONFIG_FILE=" + filepath.Join(awsDir, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(awsDir, "config"),
		"AWS_EC2_METADATA_DISABLED=true", "KEYPIVOT_JOURNAL=" + journal,
	}
	withPassword := func(u string) string {
		return strings.Replace(u, "http://", "http://elastic:"+markerPassword+"@", 1)
	}
	unreachable := withPassword("http://127.0.0.1:9")
	esPW, kbPW := withPassword(es.URL()), withPassword(kb.URL())
	apiKey := "KEYPIVOT_ELASTIC_API_KEY=kp:" + markerAPIKey
	out := func(name string) string { return filepath.Join(dir, "out", name) }
	os.MkdirAll(filepath.Join(dir, "out"), 0o700)

	type run struct {
		env  []string
		args []string
		// codes the run may end with; ok says what must be in its output.
		codes []int
		ok    string
	}
	runs := []run{
		{nil, []string{"keys", "--elastic", unreachable}, []int{exitError}, "cannot reach Elasticsearch"},
		{nil, []string{"keys", "--elastic", withPassword("http://[::1]:9/")}, []int{exitError}, "cannot reach Elasticsearch"},
		{nil, []string{"keys", "--elastic", withPassword("http://h:port")}, []int{exitError}, "Elasticsearch URL"},
		{nil, []string{"keys", "--elastic", unreachable, "--elastic-api-key", "kp:" + markerAPIKey}, []int{exitError}, "give one"},
		{nil, []string{"keys", "--elastic-api-key=" + markerAPIKey, "--since", "last tuesday"}, []int{exitUsage}, "is not a time"},
		{[]string{apiKey}, []string{"keys", "--elastic", "http://127.0.0.1:9"}, []int{exitError}, "cannot reach"},
		{nil, []string{"keys", "--elastic", esPW}, []int{0}, ds.CompromisedKey},
		{nil, []string{"keys", "--elastic", esPW, "--format", "json", "-o", out("keys.json")}, []int{0}, ""},
		{[]string{apiKey}, []string{"keys", "--elastic", es.URL(), "--format", "md"}, []int{0}, ds.CompromisedKey},
		{nil, []string{"keys", "--elastic", es.URL(), "--elastic-user", "elastic", "--elastic-password", markerPassword}, []int{0}, ds.CompromisedKey},
		{[]string{apiKey}, []string{"keys", "--elastic", es.URL(), "--elastic-api-key", "kp:wrong-" + markerAPIKey}, []int{exitError}, "401"},
	}
	for _, f := range []string{"text", "md", "json"} {
		runs = append(runs,
			run{nil, []string{"pivot", key, "--elastic", unreachable, "--trail", trail, "--format", f}, []int{exitError}, "cannot reach Elasticsearch"},
			run{nil, []string{"pivot", ds.CompromisedKey, "--elastic", esPW, "--format", f}, []int{0, exitPartial}, ds.CompromisedKey},
			run{nil, []string{"pivot", key, "--elastic", esPW, "--trail", trail, "--live", "--format", f}, []int{0, exitPartial}, "ASIAQWERTYSESSION001"},
			run{nil, []string{"pivot", key, "--elastic", esPW, "--trail", trail, "--live", "--format", f, "-o", out("case." + f)}, []int{0, exitPartial}, ""},
		)
	}
	// Actions and the journal, in order: each depends on the one before.
	chain := []run{
		{nil, []string{"deactivate", key, "--trail", trail, "--live", "--plan", "--journal", journal}, []int{0}, "update-access-key"},
		{nil, []string{"deactivate", key, "--trail", trail, "--live", "--yes", "--journal", journal}, []int{0}, "done: Active"},
		{nil, []string{"journal", "--journal", journal}, []int{0}, key},
		{nil, []string{"alerts", "ack", ds.CompromisedKey, "--elastic", esPW, "--kibana", kbPW, "--plan"}, []int{0}, "signals/status"},
		{nil, []string{"alerts", "ack", ds.CompromisedKey, "--elastic", esPW, "--kibana", kbPW, "--yes"}, []int{0}, "acknowledged"},
		{nil, []string{"journal", "--journal", journal}, []int{0}, "acknowledged"},
	}
	runs = append(runs, run{nil, []string{"alerts", "ack", ds.CompromisedKey, "--elastic", unreachable, "--kibana", withPassword("http://127.0.0.1:9"), "--yes"}, []int{exitError}, "cannot reach"})

	forbidden := []string{marker}
	for _, pair := range []string{"elastic:" + markerPassword, "kp:" + markerAPIKey, "kp:wrong-" + markerAPIKey} {
		forbidden = append(forbidden, base64.StdEncoding.EncodeToString([]byte(pair)))
	}
	leaks := func(t *testing.T, where, text string) {
		t.Helper()
		for _, f := range forbidden {
			if i := strings.Index(text, f); i >= 0 {
				t.Errorf("%s holds %q: ...%s...", where, f, text[max(0, i-120):min(len(text), i+80)])
			}
		}
	}
	check := func(t *testing.T, r run) {
		name := strings.Join(r.args, " ")
		got := kp(t, append(append([]string{}, env...), r.env...), r.args...)
		codeOK := false
		for _, c := range r.codes {
			codeOK = codeOK || got.code == c
		}
		if !codeOK || !strings.Contains(got.stdout+got.stderr, r.ok) {
			t.Errorf("%s: exit %d (want %v), output without %q:\n%s\n%s", name, got.code, r.codes, r.ok, got.stdout, got.stderr)
		}
		leaks(t, name+": stdout", got.stdout)
		leaks(t, name+": stderr", got.stderr)
	}
	// The independent runs side by side (an unreachable Elasticsearch is retried for seconds).
	t.Run("reads", func(t *testing.T) {
		for i, r := range runs {
			t.Run(fmt.Sprintf("%02d-%s", i, r.args[0]), func(t *testing.T) {
				t.Parallel()
				check(t, r)
			})
		}
	})
	for _, r := range chain {
		check(t, r)
	}

	// Every file written: outputs, the journal, the state and configuration directories.
	written := map[string]bool{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == trail {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		written[filepath.Base(p)] = true
		leaks(t, p, string(b))
		return nil
	})
	for _, want := range []string{"journal.jsonl", "keys.json", "case.text", "case.md", "case.json"} {
		if !written[want] {
			t.Errorf("%s was not written: the test checked less than it should (%v)", want, written)
		}
	}
	if b, _ := os.ReadFile(journal); !bytes.Contains(b, []byte("UpdateAccessKey")) || !bytes.Contains(b, []byte("acknowledged")) {
		t.Errorf("the journal holds neither action:\n%s", b)
	}
}
