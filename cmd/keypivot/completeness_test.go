package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cttest "github.com/keypivot/keypivot/internal/testserver/cloudtrail"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// The rule of negatives, through the built binary: "0 events" is an answer only with
// what was searched, every face says the same, and the exit code follows.

const backdoorCorpus = "../../../shared/corpus/stratus-detonation-logs/aws.persistence.iam-backdoor-user.json"

// backdoorKey signed the records of backdoorCorpus.
const backdoorKey = "AKIA30BEZSJBVKOFKZW0"

func corpusRecords(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	var recs []map[string]any
	if err := json.Unmarshal(b, &recs); err != nil {
		t.Fatal(err)
	}
	return recs
}

func ndjson(t *testing.T, recs []map[string]any) []byte {
	t.Helper()
	var b strings.Builder
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// faces runs pivot in the three formats and checks that they agree on what was searched.
func faces(t *testing.T, env []string, args ...string) (investigate.Case, result) {
	t.Helper()
	js := kp(t, env, append(append([]string{"pivot"}, args...), "--format", "json")...)
	var c investigate.Case
	if err := json.Unmarshal([]byte(js.stdout), &c); err != nil {
		t.Fatalf("pivot %v: exit %d, not JSON: %v\n%s\n%s", args, js.code, err, js.stdout, js.stderr)
	}
	head := c.Completeness.Headline
	if head == "" {
		t.Fatalf("pivot %v: no completeness headline in JSON: %+v", args, c.Completeness)
	}
	for _, format := range []string{"text", "md"} {
		r := kp(t, env, append(append([]string{"pivot"}, args...), "--format", format, "--width", "100")...)
		if r.code != js.code {
			t.Errorf("pivot %v --format %s: exit %d, JSON's was %d", args, format, r.code, js.code)
		}
		if !strings.Contains(flat(r.stdout), flat(head)) {
			t.Errorf("pivot %v --format %s does not say %q:\n%s", args, format, head, r.stdout)
		}
		if regexp.MustCompile(`(?m)Activity +0 events`).MatchString(r.stdout) {
			t.Errorf("pivot %v --format %s prints a bare 0 events:\n%s", args, format, r.stdout)
		}
	}
	return c, js
}

// flat folds the line breaks and runs of spaces of wrapped text, and Markdown's escapes.
func flat(s string) string {
	s = strings.NewReplacer("\\", "", "`", "").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

func TestEmptyTrailIsNoAnswer(t *testing.T) {
	empty := t.TempDir()
	notLogs := t.TempDir()
	os.WriteFile(filepath.Join(notLogs, "notes.txt"), []byte("incident notes\n"), 0o644)
	os.WriteFile(filepath.Join(notLogs, "iocs.csv"), []byte("ip,asn\n198.51.100.23,64500\n"), 0o644)
	for _, dir := range []string{empty, notLogs} {
		c, r := faces(t, nil, backdoorKey, "--trail", dir)
		if r.code != exitError {
			t.Errorf("%s: exit %d, want 1 (nothing was searched)", dir, r.code)
		}
		if c.Completeness.Status != investigate.SearchNothing || c.Completeness.Events.Status != investigate.SearchNothing {
			t.Errorf("%s: completeness %+v", dir, c.Completeness)
		}
		if !strings.Contains(c.Completeness.Headline, "NO EVENTS SEARCHED") || !strings.Contains(r.stderr, "no answer") {
			t.Errorf("%s: headline %q, stderr %q", dir, c.Completeness.Headline, r.stderr)
		}
		if len(c.Coverage.Gaps) == 0 {
			t.Errorf("%s: no gap line", dir)
		}
	}
	c, _ := faces(t, nil, backdoorKey, "--trail", notLogs)
	var skipped int
	for _, s := range c.Coverage.Sources[0].Skips {
		if s.Reason == investigate.SkipNotLog {
			skipped = s.Count
		}
	}
	if skipped != 2 || !strings.Contains(c.Completeness.Headline, "2 files not logs") {
		t.Errorf("the .txt and .csv files are not counted as not logs: %+v; %q", c.Coverage.Sources[0].Skips, c.Completeness.Headline)
	}
}

func TestLogFilesInADirectoryAreRead(t *testing.T) {
	recs := corpusRecords(t, backdoorCorpus)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "filebeat-2024.07.30.log"), ndjson(t, recs), 0o644)
	c, r := faces(t, nil, backdoorKey, "--trail", dir)
	if r.code != 0 || c.EventCount != len(recs) || c.Coverage.Sources[0].Files != 1 {
		t.Fatalf("exit %d, %d events (want %d), %d files: %s", r.code, c.EventCount, len(recs), c.Coverage.Sources[0].Files, r.stderr)
	}
	if c.Completeness.Status != investigate.SearchComplete || !strings.Contains(c.Completeness.Headline, "in 1 file covering 2024-07-30") {
		t.Errorf("completeness %+v", c.Completeness)
	}
}

func TestKeyNotSeenSaysWhereItWasLookedFor(t *testing.T) {
	recs := corpusRecords(t, backdoorCorpus)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "trail.json"), ndjson(t, recs), 0o644)
	other := "AKIAIOSFODNN7EXAMPLE"
	c, r := faces(t, nil, other, "--trail", dir)
	if r.code != 0 || len(c.Events) != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if len(c.Assessment) == 0 || !strings.Contains(c.Assessment[0], "not seen in 1 file covering 2024-07-30") {
		t.Errorf("assessment %q", c.Assessment)
	}
	if !strings.HasPrefix(c.Completeness.Headline, "0 events in 1 file covering 2024-07-30") {
		t.Errorf("headline %q", c.Completeness.Headline)
	}
}

func TestKeyIsTrimmedOnceAndTheTrimmedKeyFlowsOn(t *testing.T) {
	r := kp(t, nil, "pivot", "  AKIAHA4AFLKGIJDAVJ5C ", "--demo", "--format", "json")
	var c investigate.Case
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatalf("exit %d: %v\n%s", r.code, err, r.stderr)
	}
	if c.Key.String() != "AKIAHA4AFLKGIJDAVJ5C" || c.EventCount == 0 || len(c.Siblings) == 0 || c.Owner.User == "" {
		t.Errorf("key %q: %d events, %d siblings, owner %q", c.Key, c.EventCount, len(c.Siblings), c.Owner.User)
	}
	for _, bad := range []string{"akiaha4aflkgijdavj5c", "AKIAHA4AFLKGIJDAVJ5", "XKIAHA4AFLKGIJDAVJ5C"} {
		if r := kp(t, nil, "pivot", bad, "--demo"); r.code != exitUsage || !strings.Contains(r.stderr, "access key id") {
			t.Errorf("%q: exit %d, %q", bad, r.code, r.stderr)
		}
	}
}

func TestLookupFailingEverywhereIsNoAnswer(t *testing.T) {
	t.Parallel() // LookupEvents' retries take a while: let the other tests run meanwhile
	srv := moto.Start(t)
	recs := corpusRecords(t, backdoorCorpus)
	ct := lookupServer(t, recs)
	for _, region := range []string{"us-east-1", "eu-west-1", "eu-north-1"} {
		ct.SetFault(region, cttest.FaultInternalError)
	}
	env := awsEnv(t, srv, moto.AccessKeyID, "AWS_ENDPOINT_URL_CLOUDTRAIL="+ct.URL(), "AWS_MAX_ATTEMPTS=1")
	// A window fixed once (its end before now, so LookupEvents is not clamped to the clock):
	// the three faces' runs must search the same window to say the same words.
	until := time.Now().UTC().Truncate(time.Hour)
	window := []string{"--since", until.Add(-24 * time.Hour).Format(time.RFC3339), "--until", until.Format(time.RFC3339)}
	c, r := faces(t, env, append([]string{backdoorKey, "--trail", "lookup", "--regions", "eu-west-1,eu-north-1"}, window...)...)
	if r.code != exitError {
		t.Errorf("exit %d, want 1: %s", r.code, r.stderr)
	}
	if c.Completeness.Events.Status != investigate.SearchFailed || !strings.HasPrefix(c.Completeness.Headline, "NO EVENTS SEARCHED") ||
		!strings.Contains(c.Completeness.Headline, "every region") {
		t.Errorf("completeness %+v", c.Completeness)
	}

	// One region answering is a partial search: exit 3, said in the headline.
	ct.ClearFault("eu-west-1")
	c, r = faces(t, env, append([]string{backdoorKey, "--trail", "lookup", "--regions", "eu-west-1,eu-north-1"}, window...)...)
	if r.code != exitPartial || c.Completeness.Status != investigate.SearchPartial || !strings.Contains(c.Completeness.Headline, "PARTIAL") {
		t.Errorf("exit %d, completeness %+v", r.code, c.Completeness)
	}
	if c.EventCount != len(recs) {
		t.Errorf("%d events, want %d from eu-west-1", c.EventCount, len(recs))
	}
}

func TestEmptyAlertDirectoryIsNoAnswer(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "README.txt"), []byte("exports go here\n"), 0o644)
	r := kp(t, nil, "keys", "--alerts", dir, "--format", "json")
	var rk investigate.Ranking
	if err := json.Unmarshal([]byte(r.stdout), &rk); err != nil {
		t.Fatalf("exit %d: %v\n%s", r.code, err, r.stderr)
	}
	if r.code != exitError || rk.Completeness.Alerts.Status != investigate.SearchNothing {
		t.Errorf("exit %d, completeness %+v", r.code, rk.Completeness)
	}
	text := kp(t, nil, "keys", "--alerts", dir, "--format", "text", "--width", "100")
	if text.code != exitError || !strings.Contains(flat(text.stdout), flat(rk.Completeness.Headline)) {
		t.Errorf("exit %d:\n%s", text.code, text.stdout)
	}
}

// The same records, one of them twice, read as NDJSON, as a bare array and as a gzipped
// file of the S3 layout: every reader counts the duplicate alike.
func TestDuplicatesCountedAlikeByEveryReader(t *testing.T) {
	recs := corpusRecords(t, backdoorCorpus)
	recs = append(recs, recs[0])
	arr, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	wrapped, _ := json.Marshal(map[string]any{"Records": recs})
	layout := filepath.Join("AWSLogs", "946986569305", "CloudTrail", "us-east-1", "2024", "07", "30", "946986569305_CloudTrail_us-east-1_20240730T2155Z_abcdefgh12345678.json.gz")
	for name, body := range map[string][]byte{
		"trail.ndjson": ndjson(t, recs),
		"trail.json":   arr,
		layout:         gzipBytes(wrapped),
	} {
		dir := t.TempDir()
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, body, 0o644)
		r := kp(t, nil, "pivot", backdoorKey, "--trail", dir, "--format", "json")
		var c investigate.Case
		if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
			t.Fatalf("%s: exit %d: %v %s", name, r.code, err, r.stderr)
		}
		if c.Coverage.Duplicates != 1 || c.EventCount != len(recs)-1 {
			t.Errorf("%s: %d duplicates, %d events; want 1 and %d", name, c.Coverage.Duplicates, c.EventCount, len(recs)-1)
		}
	}
}

// A record over --max-record-size is reported with its file and line, and the records
// after it still load: a partial search, exit 3.
func TestRecordOverTheLimitIsReportedAndSkipped(t *testing.T) {
	recs := corpusRecords(t, backdoorCorpus)
	big := map[string]any{"eventID": "big", "eventName": "Huge", "eventTime": "2024-07-30T21:00:00Z", "padding": strings.Repeat("x", 8<<10)}
	body := ndjson(t, append([]map[string]any{big}, recs...))
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "trail.ndjson"), body, 0o644)
	c, r := faces(t, nil, backdoorKey, "--trail", dir, "--max-record-size", "4KiB")
	if r.code != exitPartial || c.EventCount != len(recs) {
		t.Fatalf("exit %d, %d events (want %d): %s", r.code, c.EventCount, len(recs), r.stderr)
	}
	found := false
	for _, p := range c.Coverage.Problems {
		if strings.HasSuffix(p.Where, "trail.ndjson:1") && strings.Contains(p.Message, "--max-record-size") {
			found = true
		}
	}
	if !found || c.Completeness.Status != investigate.SearchPartial {
		t.Errorf("problems %+v, completeness %q", c.Coverage.Problems, c.Completeness.Status)
	}
	if r := kp(t, nil, "pivot", backdoorKey, "--trail", dir, "--max-record-size", "lots"); r.code != exitUsage {
		t.Errorf("--max-record-size lots: exit %d", r.code)
	}
}

// A wrong-typed alert field is a reported problem naming the file, line and field, not a
// silent zero: the alert is kept without it, and the run says it was partial.
func TestWrongTypedAlertFieldsAreReported(t *testing.T) {
	line := func(id, risk, ts string) string {
		return `{"@timestamp":` + ts + `,"kibana.alert.uuid":"` + id + `","kibana.alert.rule.rule_id":"9f8e3c5e-f72e-4e91-93f6-e98a4fae3e4f",` +
			`"kibana.alert.rule.name":"AWS IAM Long-Term Access Key First Seen from Source IP","kibana.alert.risk_score":` + risk +
			`,"kibana.alert.severity":"medium","kibana.alert.workflow_status":"open","event.kind":"signal","source.ip":"198.51.100.23",` +
			`"aws.cloudtrail.user_identity.access_key_id":"` + backdoorKey + `"}` + "\n"
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "alerts.ndjson")
	os.WriteFile(f, []byte(line("a1", `47`, `"2024-07-30T21:50:00Z"`)+line("a2", `"high"`, `"2024-07-30T21:51:00Z"`)+line("a3", `47`, `1722376320000`)), 0o644)
	r := kp(t, nil, "pivot", backdoorKey, "--alerts", f, "--format", "json")
	var c investigate.Case
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatalf("exit %d: %v %s", r.code, err, r.stderr)
	}
	if r.code != exitPartial {
		t.Errorf("exit %d, want 3", r.code)
	}
	var risk string
	for _, p := range c.Coverage.Problems {
		if strings.HasSuffix(p.Where, "alerts.ndjson:2") && strings.Contains(p.Message, "kibana.alert.risk_score") {
			risk = p.Message
		}
	}
	if risk == "" {
		t.Errorf("no problem names alerts.ndjson:2 and kibana.alert.risk_score: %+v", c.Coverage.Problems)
	}
	// A numeric @timestamp is epoch milliseconds, as Elasticsearch reads it, never 1970.
	for _, s := range c.Siblings {
		if s.AlertID == "a3" && !s.Time.Equal(time.UnixMilli(1722376320000)) {
			t.Errorf("a3's time is %v", s.Time)
		}
		if s.AlertID == "a2" && s.RiskScore != 0 {
			t.Errorf("a2 kept a risk score %v", s.RiskScore)
		}
	}
	if len(c.Siblings) != 3 {
		t.Errorf("%d siblings, want 3 (the wrong field is dropped, not the alert)", len(c.Siblings))
	}
}

// Every "none" of the text report says what was searched: a padded key over an empty
// trail, and pivot without a key over alerts that hold nothing to search.
func TestNegativesSayWhatWasSearched(t *testing.T) {
	empty := t.TempDir()
	r := kp(t, nil, "pivot", "  "+backdoorKey+" ", "--trail", empty, "--format", "text", "--width", "200")
	if r.code != exitError || !strings.Contains(r.stdout, "keypivot case "+backdoorKey) {
		t.Fatalf("exit %d:\n%s", r.code, r.stdout)
	}
	for _, l := range strings.Split(r.stdout, "\n") {
		s := strings.TrimSpace(l)
		if s == "none" || strings.HasPrefix(s, "none ") || strings.HasSuffix(s, "  0") || strings.Contains(s, "in the data") {
			// a bare negative or count
			r.stderr += "\nbare: " + l
		}
	}
	if strings.Contains(r.stderr, "bare: ") {
		t.Errorf("bare negatives:%s", r.stderr[strings.Index(r.stderr, "\nbare: "):])
	}
	if n := strings.Count(r.stdout, "NO EVENTS SEARCHED"); n < 5 {
		t.Errorf("%d sections say nothing was searched:\n%s", n, r.stdout)
	}
	alerts := t.TempDir()
	os.WriteFile(filepath.Join(alerts, "notes.txt"), []byte("x\n"), 0o644)
	r = kp(t, nil, "pivot", "--alerts", alerts)
	if r.code != exitError || !strings.Contains(r.stderr, "NO ALERTS SEARCHED") {
		t.Errorf("pivot without a key over an empty alert folder: exit %d, %q", r.code, r.stderr)
	}
}
