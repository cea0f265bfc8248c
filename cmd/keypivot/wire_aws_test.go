package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keypivot/keypivot/internal/demo"
	cttest "github.com/keypivot/keypivot/internal/testserver/cloudtrail"
	estest "github.com/keypivot/keypivot/internal/testserver/elasticsearch"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// awsEnv is what an analyst's shell would hold to point keypivot at moto: the endpoint,
// static credentials, empty shared files (never the developer's ~/.aws), no IMDS.
func awsEnv(t *testing.T, srv *moto.Server, keyID string, extra ...string) []string {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config"), nil, 0o600)
	return append([]string{
		"AWS_ENDPOINT_URL=" + srv.URL(), "AWS_ACCESS_KEY_ID=" + keyID, "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "config"),
		"AWS_EC2_METADATA_DISABLED=true", "KEYPIVOT_JOURNAL=" + filepath.Join(dir, "journal.jsonl"),
	}, extra...)
}

// lookupServer is a LookupEvents server holding recs in eu-west-1, an hour apart up to an
// hour ago: within LookupEvents' 90 days, in a real region.
func lookupServer(t *testing.T, recs []map[string]any) *cttest.Server {
	t.Helper()
	ct := cttest.New(t, cttest.Options{})
	var raw [][]byte
	for i, r := range recs {
		r["eventTime"] = time.Now().UTC().Add(-time.Duration(len(recs)-i) * time.Hour).Format(time.RFC3339)
		r["awsRegion"] = "eu-west-1"
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b)
	}
	if err := ct.AddRecords("", raw); err != nil {
		t.Fatal(err)
	}
	return ct
}

// keypivot deactivate against AWS (moto), the way an analyst runs it: it refuses without
// a terminal or --yes, writes nothing under --read-only, deactivates with --yes (the
// journal holds the call, caller and request id), reactivates, and refuses to deactivate
// the key it signs with.
func TestDeactivateAgainstAWS(t *testing.T) {
	srv := moto.Start(t)
	key := srv.NewAccessKey(t, "alice")
	env := awsEnv(t, srv, moto.AccessKeyID)
	journalPath := strings.TrimPrefix(env[len(env)-1], "KEYPIVOT_JOURNAL=")

	r := kp(t, env, "deactivate", key, "--live")
	if r.code != exitRefused || !strings.Contains(r.stderr, "no terminal to confirm on") || srv.AccessKeyStatus(t, "alice", key) != "Active" {
		t.Fatalf("no terminal, no --yes: exit %d, key %s, stderr %q", r.code, srv.AccessKeyStatus(t, "alice", key), r.stderr)
	}
	if strings.Contains(r.stderr, "DEMO") {
		t.Fatalf("--live must act on AWS, not the demo: %q", r.stderr)
	}
	r = kp(t, env, "deactivate", key, "--live", "--yes", "--read-only")
	if r.code != exitRefused || !strings.Contains(r.stderr, "read-only") || srv.AccessKeyStatus(t, "alice", key) != "Active" {
		t.Fatalf("--read-only: exit %d, key %s, stderr %q", r.code, srv.AccessKeyStatus(t, "alice", key), r.stderr)
	}
	r = kp(t, env, "deactivate", key, "--live", "--yes")
	if r.code != 0 || srv.AccessKeyStatus(t, "alice", key) != "Inactive" {
		t.Fatalf("--yes: exit %d, key %s, stderr %q", r.code, srv.AccessKeyStatus(t, "alice", key), r.stderr)
	}
	for _, want := range []string{"Acting as arn:aws:sts::" + moto.Account, "aws iam update-access-key --access-key-id " + key + " --status Inactive --user-name alice", "done: Active", "-> Inactive", "(request "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	b, err := os.ReadFile(journalPath)
	if err != nil {
		t.Fatal(err)
	}
	var done investigate.JournalEntry
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e investigate.JournalEntry
		if json.Unmarshal([]byte(line), &e) == nil && e.Phase == investigate.PhaseDone {
			done = e
		}
	}
	if done.Key != key || len(done.RequestIDs) != 1 || done.Profile != "environment" || done.Region != "us-east-1" || !strings.HasPrefix(done.StateAfter, "Inactive") {
		t.Errorf("journalled outcome: %+v", done)
	}

	r = kp(t, env, "reactivate", key, "--live", "--yes")
	if r.code != 0 || srv.AccessKeyStatus(t, "alice", key) != "Active" {
		t.Fatalf("reactivate: exit %d, key %s, stderr %q", r.code, srv.AccessKeyStatus(t, "alice", key), r.stderr)
	}
	r = kp(t, env, "journal")
	if r.code != 0 || !strings.Contains(r.stdout, "reactivate-key") || !strings.Contains(r.stdout, "deactivate-key") {
		t.Errorf("journal: exit %d %q", r.code, r.stdout)
	}

	// Signing with the key itself: refused, nothing written.
	r = kp(t, awsEnv(t, srv, key), "deactivate", key, "--live", "--yes")
	if r.code != exitRefused || !strings.Contains(r.stderr, "signing with this very key") || srv.AccessKeyStatus(t, "alice", key) != "Active" {
		t.Errorf("self-lockout: exit %d, key %s, stderr %q", r.code, srv.AccessKeyStatus(t, "alice", key), r.stderr)
	}
}

// keypivot pivot --trail lookup against moto (STS, EC2 DescribeRegions, IAM) and the
// LookupEvents server (AWS_ENDPOINT_URL_CLOUDTRAIL): the key's and its derived session's
// events, the owner, every region's status; a failing region makes the exit code 3.
func TestPivotThroughLookup(t *testing.T) {
	srv := moto.Start(t)
	ct := lookupServer(t, corpusRecords(t, "../../../shared/corpus/stratus-detonation-logs/aws.persistence.sts-federation-token.json"))
	env := awsEnv(t, srv, moto.AccessKeyID, "AWS_ENDPOINT_URL_CLOUDTRAIL="+ct.URL())

	r := kp(t, env, "pivot", "AKIA6V1GNZTT65XQH36M", "--trail", "lookup", "--regions", "eu-west-1,eu-north-1", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var c investigate.Case
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatal(err)
	}
	if c.EventCount != 1 || c.SessionEventCount != 1 || len(c.Sessions) != 1 || c.Sessions[0].AccessKeyID != "ASIASTJKC5GCM7ZE6LUP" {
		t.Errorf("case: %d events, %d session events, sessions %+v", c.EventCount, c.SessionEventCount, c.Sessions)
	}
	if len(c.Coverage.Sources) != 1 || c.Coverage.Sources[0].Kind != "cloudtrail-lookup" {
		t.Fatalf("sources: %+v", c.Coverage.Sources)
	}
	got := map[string]string{}
	for _, rs := range c.Coverage.Sources[0].Regions {
		got[rs.Region] = rs.Status
	}
	if len(got) != 3 || got["us-east-1"] != "searched" || got["eu-west-1"] != "searched" || got["eu-north-1"] != "searched" {
		t.Errorf("regions: %v, want us-east-1, eu-west-1, eu-north-1 searched", got)
	}
	if !strings.Contains(strings.Join(c.Owner.Sources, ","), "sts") {
		t.Errorf("owner not looked up live: %+v", c.Owner)
	}

	ct.SetFault("eu-north-1", cttest.FaultAccessDenied)
	r = kp(t, env, "pivot", "AKIA6V1GNZTT65XQH36M", "--trail", "lookup", "--regions", "eu-west-1,eu-north-1", "--format", "text", "--width", "120")
	if r.code != exitPartial || !strings.Contains(r.stdout, "eu-north-1 failed") || !strings.Contains(r.stdout, "cloudtrail:LookupEvents") {
		t.Errorf("a denied region: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestAWSFlagsAreChecked(t *testing.T) {
	for _, args := range [][]string{
		{"pivot", "AKIA6V1GNZTT65XQH36M", "--trail", "lookup", "--regions", "eu-west-1,Mars"},
		{"deactivate", "AKIA6V1GNZTT65XQH36M", "--account-profile", "12345=prod"},
	} {
		r := kp(t, []string{"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=x", "AWS_EC2_METADATA_DISABLED=true"}, args...)
		if r.code != exitUsage {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// A bad value of an AWS source is a usage error before any credential is looked for:
// without AWS credentials it still exits 2 naming the value, not 1 for no credentials.
func TestBadAWSSourceValueIsAUsageErrorWithoutCredentials(t *testing.T) {
	for _, args := range [][]string{
		{"--trail", "athena://nodot"},
		{"--trail", "s3://"},
		{"--alerts", "guardduty:bad"},
	} {
		r := kp(t, []string{"AWS_EC2_METADATA_DISABLED=true"}, append([]string{"pivot", "AKIA6V1GNZTT65XQH36M"}, args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, args[1]) || strings.Contains(r.stderr, "credentials") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming the value", args, r.code, r.stderr)
		}
	}
}

// keypivot pivot --trail s3://BUCKET/PREFIX, the demo's archive uploaded to moto's S3:
// the case equals the one built from the same files on disk, and --read-only still reads.
func TestPivotThroughS3Archive(t *testing.T) {
	srv := moto.Start(t)
	ctx := context.Background()
	ds := demo.Generate(demo.DefaultAnchor())
	c := s3.NewFromConfig(srv.AWSConfig(t, "us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("org-trail")}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, b := range ds.Files {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("org-trail"), Key: aws.String("o-1/" + name), Body: bytes.NewReader(b)}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, b, 0o644)
	}
	env := awsEnv(t, srv, moto.AccessKeyID)
	fromS3 := kp(t, env, "pivot", ds.CompromisedKey, "--trail", "s3://org-trail/o-1/", "--read-only", "--format", "json")
	if fromS3.code != 0 {
		t.Fatalf("exit %d: %s", fromS3.code, fromS3.stderr)
	}
	fromDisk := kp(t, nil, "pivot", ds.CompromisedKey, "--trail", dir, "--format", "json")
	if fromDisk.code != 0 {
		t.Fatalf("from disk: exit %d: %s", fromDisk.code, fromDisk.stderr)
	}
	var a, b investigate.Case
	if err := json.Unmarshal([]byte(fromS3.stdout), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(fromDisk.stdout), &b); err != nil {
		t.Fatal(err)
	}
	if a.EventCount == 0 || a.EventCount != b.EventCount || a.SessionEventCount != b.SessionEventCount ||
		len(a.Sessions) != len(b.Sessions) || len(a.FollowUps.Launches) != len(b.FollowUps.Launches) {
		t.Errorf("S3: %d events, %d session events, %d sessions, %d launches; disk: %d, %d, %d, %d",
			a.EventCount, a.SessionEventCount, len(a.Sessions), len(a.FollowUps.Launches),
			b.EventCount, b.SessionEventCount, len(b.Sessions), len(b.FollowUps.Launches))
	}
	if len(a.Coverage.Sources) != 1 || a.Coverage.Sources[0].Kind == b.Coverage.Sources[0].Kind {
		t.Errorf("sources: %+v", a.Coverage.Sources)
	}
}

// Every kind of source wired at once: the case says where it came from in the order the
// sources are opened (--trail's and --alerts', then the Elasticsearch cluster, then the
// AWS session), and --alerts elastic with --elastic reads the alerts index once.
func TestSourcesAreWiredAndDescribedInOrder(t *testing.T) {
	srv := moto.Start(t)
	es := estest.New(t)
	ds := demo.Generate(demo.DefaultAnchor())
	if _, err := es.LoadNDJSON(estest.AlertsIndex("default"), bytes.NewReader(ds.Alerts)); err != nil {
		t.Fatal(err)
	}
	trail, alerts := t.TempDir(), t.TempDir()
	for name, b := range ds.Files {
		p := filepath.Join(trail, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, b, 0o644)
	}
	os.WriteFile(filepath.Join(alerts, "alerts.ndjson"), ds.Alerts, 0o644)
	env := awsEnv(t, srv, moto.AccessKeyID, "KEYPIVOT_ELASTIC_API_KEY="+es.APIKey())

	pivot := []string{"pivot", ds.CompromisedKey, "--trail", trail, "--alerts", alerts, "--elastic", es.URL(), "--live", "--format", "json"}
	r := kp(t, env, pivot...)
	searches := es.Requests(estest.EndpointOpenPIT)
	if r.code != 0 || searches == 0 {
		t.Fatalf("without --alerts elastic: exit %d, %d searches of the alerts index: %s", r.code, searches, r.stderr)
	}
	r = kp(t, env, append(pivot, "--alerts", "elastic")...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if again := es.Requests(estest.EndpointOpenPIT) - searches; again != searches {
		t.Errorf("--alerts elastic with --elastic: %d searches of the alerts index, want %d as without it", again, searches)
	}
	var c investigate.Case
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatal(err)
	}
	want := "trail " + trail + ", alerts " + alerts + ", alerts elastic; Elastic " + es.URL()
	if !strings.HasPrefix(c.Context, want) || !strings.Contains(c.Context, ", alerts .alerts-security.alerts-default; AWS profile environment, region us-east-1") ||
		!strings.HasSuffix(c.Context, ", as arn:aws:sts::"+moto.Account+":user/moto") {
		t.Errorf("context %q, want it to start %q, then the alerts index, then the AWS session", c.Context, want)
	}
}
