package cloudtrail

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

const testKey = "AKIASHAPETEST0000001"

func record(id, key string, extra ...string) string {
	ex := ""
	for _, e := range extra {
		ex += "," + e
	}
	return fmt.Sprintf(`{"eventVersion":"1.09","eventID":%q,"eventTime":"2026-11-20T09:00:00Z","eventName":"ListUsers","eventSource":"iam.amazonaws.com","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","readOnly":true,"userIdentity":{"type":"IAMUser","accessKeyId":%q,"accountId":"111122223333"}%s}`, id, key, ex)
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

type scan struct {
	events   []investigate.Event
	rep      investigate.SourceReport
	problems []string
}

func scanDir(t *testing.T, files map[string][]byte, q investigate.EventQuery) scan {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var s scan
	rep, err := (&FileSource{Paths: []string{dir}}).Events(context.Background(), q, func(b []investigate.Event) {
		mu.Lock()
		s.events = append(s.events, b...)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	s.rep = rep
	for _, p := range rep.Problems {
		s.problems = append(s.problems, strings.TrimPrefix(p.Where, dir+"/")+": "+p.Message)
	}
	return s
}

func q(keys ...string) investigate.EventQuery { return investigate.EventQuery{AccessKeys: keys} }

func TestEveryShapeIsRead(t *testing.T) {
	r1, r2 := record("a1", testKey), record("a2", testKey)
	lookup, _ := json.Marshal(map[string]any{"Events": []any{
		map[string]any{"EventId": "a1", "EventName": "ListUsers", "ReadOnly": "true", "EventTime": 1.7636e9, "CloudTrailEvent": record("b1", testKey)},
	}, "NextToken": "x"})
	files := map[string][]byte{
		"records.json":        []byte(`{"Records":[` + r1 + `,` + r2 + `]}`),
		"array.json":          []byte("[\n" + strings.ReplaceAll(r1, "a1", "c1") + ",\n" + strings.ReplaceAll(r2, "a2", "c2") + "\n]"),
		"lines.ndjson":        []byte(strings.ReplaceAll(r1, "a1", "d1") + "\n" + strings.ReplaceAll(r2, "a2", "d2") + "\n"),
		"lookup-events.json":  lookup,
		"gzipped.json.gz":     gz(t, []byte(`{"Records":[`+strings.ReplaceAll(r1, "a1", "e1")+`]}`)),
		"misnamed.json":       gz(t, []byte(`{"Records":[`+strings.ReplaceAll(r1, "a1", "f1")+`]}`)),
		"pretty-single.json":  []byte("{\n  \"eventVersion\": \"1.09\"," + strings.TrimPrefix(strings.ReplaceAll(r1, "a1", "g1"), `{"eventVersion":"1.09",`)),
		"ndjson-of-docs.json": []byte(`{"Records":[` + strings.ReplaceAll(r1, "a1", "h1") + "]}\n" + `{"Records":[` + strings.ReplaceAll(r1, "a1", "h2") + "]}\n"),
	}
	s := scanDir(t, files, q(testKey))
	if len(s.problems) > 0 {
		t.Fatalf("problems: %v", s.problems)
	}
	got := map[string]bool{}
	for _, e := range s.events {
		got[e.ID] = true
	}
	for _, id := range []string{"a1", "a2", "c1", "c2", "d1", "d2", "b1", "e1", "f1", "g1", "h1", "h2"} {
		if !got[id] {
			t.Errorf("event %s not read (got %v)", id, got)
		}
	}
}

func TestS3LayoutDigestsMarkersAndWindow(t *testing.T) {
	base := "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/"
	doc := func(id string) []byte { return gz(t, []byte(`{"Records":[`+record(id, testKey)+`]}`)) }
	files := map[string][]byte{
		base + "20/111122223333_CloudTrail_us-east-1_20261120T0905Z_abc.json.gz":                  doc("in"),
		base + "01/111122223333_CloudTrail_us-east-1_20261101T0905Z_abc.json.gz":                  doc("too-old"),
		"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/20/x_CloudTrail-Digest.json.gz": []byte(`{"digest":true}`),
		base + "20/marker.json": {},
		"AWSLogs/o-abc123def4/222233334444/CloudTrail/eu-west-1/2026/11/21/222233334444_CloudTrail_eu-west-1_20261121T0005Z_x.json.gz": doc("org"),
	}
	w := investigate.Window{Since: time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)}
	s := scanDir(t, files, investigate.EventQuery{AccessKeys: []string{testKey}, Window: w})
	ids := map[string]bool{}
	for _, e := range s.events {
		ids[e.ID] = true
	}
	if !ids["in"] || !ids["org"] || ids["too-old"] || len(s.problems) > 0 {
		t.Fatalf("ids %v problems %v", ids, s.problems)
	}
	if s.rep.Files != 2 || s.rep.Skipped != 3 {
		t.Fatalf("files %d skipped %d, want 2 read and 3 skipped (old day, digest, marker)", s.rep.Files, s.rep.Skipped)
	}
	lf, ok := ParseLayout("s3://b/AWSLogs/o-abc123def4/222233334444/CloudTrail/eu-west-1/2026/11/21/222233334444_CloudTrail_eu-west-1_20261121T0005Z_x.json.gz")
	if !ok || lf.Org != "o-abc123def4" || lf.Account != "222233334444" || lf.Region != "eu-west-1" || lf.Delivery.Format(time.RFC3339) != "2026-11-21T00:05:00Z" {
		t.Fatalf("layout = %+v %v", lf, ok)
	}
}

func TestBadInputIsReportedAndTheRestLoads(t *testing.T) {
	good := record("ok1", testKey)
	full := gz(t, []byte(`{"Records":[`+good+`,`+strings.ReplaceAll(good, "ok1", "ok2")+`,`+strings.ReplaceAll(good, "ok1", "ok3")+`]}`))
	files := map[string][]byte{
		"good.json":           []byte(`{"Records":[` + strings.ReplaceAll(good, "ok1", "g1") + `]}`),
		"truncated.json.gz":   full[:len(full)-30],
		"empty.json":          []byte("  \n"),
		"not-json.json":       []byte("hello world"),
		"alerts.ndjson":       []byte(`{"kibana.alert.rule.name":"x","aws":{"cloudtrail":{"user_identity":{"access_key_id":"` + testKey + `"}}}}` + "\n"),
		"bad-line.ndjson":     []byte(strings.ReplaceAll(good, "ok1", "n1") + "\n{broken " + testKey + "\n" + strings.ReplaceAll(good, "ok1", "n3") + "\n"),
		"bad-time.json":       []byte(`[` + strings.Replace(strings.ReplaceAll(good, "ok1", "t1"), "2026-11-20T09:00:00Z", "yesterday", 1) + `]`),
		"corrupt-header.json": append([]byte{0x1f, 0x8b, 0, 0}, []byte("garbage")...),
	}
	s := scanDir(t, files, q(testKey))
	ids := map[string]bool{}
	for _, e := range s.events {
		ids[e.ID] = true
	}
	if !ids["g1"] || !ids["n1"] || !ids["n3"] {
		t.Fatalf("good records lost: %v (problems %v)", ids, s.problems)
	}
	all := strings.Join(s.problems, "\n")
	for _, want := range []string{
		"truncated.json.gz: truncated gzip",
		"empty.json: empty file",
		"not-json.json:1: not JSON",
		"alerts.ndjson:1: not a CloudTrail record: no eventTime, eventName, eventSource",
		"bad-line.ndjson:2: invalid JSON line",
		`bad-time.json:1: eventTime "yesterday" is not an RFC 3339 time`,
		"corrupt-header.json: not a readable gzip file",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing problem %q in:\n%s", want, all)
		}
	}
}

func TestLargeRecordsAndLargeFiles(t *testing.T) {
	big := strings.Repeat("x", 6<<20) // a 6 MB request parameter
	rec := record("big", testKey, `"requestParameters":{"policyDocument":"`+big+`"}`)
	s := scanDir(t, map[string][]byte{"big.json": []byte(`{"Records":[` + rec + `]}`)}, q(testKey))
	if len(s.events) != 1 || len(s.problems) > 0 || len(s.events[0].Request) < 6<<20 {
		t.Fatalf("events %d problems %v", len(s.events), s.problems)
	}
}

func TestFilesWithoutTheKeyAreSkippedWhole(t *testing.T) {
	s := scanDir(t, map[string][]byte{
		"other.json": []byte(`{"Records":[` + record("o1", "AKIAOTHERKEY00000001") + `]}`),
		"mine.json":  []byte(`{"Records":[` + record("m1", testKey) + `,` + record("m2", "AKIAOTHERKEY00000001") + `]}`),
	}, q(testKey))
	if len(s.events) != 1 || s.events[0].ID != "m1" || s.rep.Records != 2 {
		t.Fatalf("events %v records %d (the other file must not be decoded)", s.events, s.rep.Records)
	}
}

func TestKeyPairQueryFindsOtherSignersLaunches(t *testing.T) {
	launch := func(id, keyName, region string) string {
		return strings.Replace(strings.Replace(record(id, "AKIAOTHERKEY00000001",
			`"requestParameters":{"instanceType":"g5.xlarge","instancesSet":{"items":[{"imageId":"ami-1","minCount":1,"maxCount":1,"keyName":"`+keyName+`"}]}}`),
			`"eventName":"ListUsers","eventSource":"iam.amazonaws.com","awsRegion":"us-east-1"`, `"eventName":"RunInstances","eventSource":"ec2.amazonaws.com","awsRegion":"`+region+`"`, 1), `"readOnly":true`, `"readOnly":false`, 1)
	}
	s := scanDir(t, map[string][]byte{"l.json": []byte("[" + launch("hit", "kp1", "eu-west-1") + "," + launch("other-region", "kp1", "us-east-1") + "," + launch("other-name", "kp2", "eu-west-1") + "]")},
		investigate.EventQuery{KeyPairs: []investigate.KeyPairRef{{Name: "kp1", Region: "eu-west-1"}}})
	if len(s.events) != 1 || s.events[0].ID != "hit" {
		t.Fatalf("events = %v problems %v", s.events, s.problems)
	}
}
