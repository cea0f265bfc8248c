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
	"testing"
	"time"

	"github.com/keypivot/keypivot/internal/sourcetest"
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
	rep, events, err := sourcetest.Events(context.Background(), &FileSource{Paths: []string{dir}}, q)
	if err != nil {
		t.Fatal(err)
	}
	s := scan{events: events, rep: rep}
	for _, p := range rep.Problems {
		s.problems = append(s.problems, strings.TrimPrefix(p.Where, dir+"/")+": "+p.Message)
	}
	return s
}

func q(keys ...string) investigate.EventQuery {
	return investigate.EventQuery{AccessKeys: investigate.KeyIDs(keys...)}
}

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
	s := scanDir(t, files, investigate.EventQuery{AccessKeys: investigate.KeyIDs(testKey), Window: w})
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
		`bad-time.json#record 1: eventTime "yesterday" is not an RFC 3339 time`,
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
	if len(s.events) != 1 || len(s.problems) > 0 || len(s.events[0].Request()) < 6<<20 {
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

// TestDamagedFilesWithoutTheKeyAreReported: a file the token pre-scan rules out is never
// decoded, yet a file that is not CloudTrail, or that was cut short, must still be
// reported (naming the file, and the line or byte where it can), never read as "0
// records". None of these fixtures holds the key queried.
func TestDamagedFilesWithoutTheKeyAreReported(t *testing.T) {
	other := "AKIAOTHERKEY00000001"
	r := func(id string) string { return record(id, other) }
	full := `{"Records":[` + r("x1") + `,` + r("x2") + `,` + r("x3") + `]}`
	lookup, _ := json.Marshal(map[string]any{"Events": []any{
		map[string]any{"EventId": "l1", "EventName": "ListUsers", "CloudTrailEvent": r("l1")},
		map[string]any{"EventId": "l2", "EventName": "ListUsers", "CloudTrailEvent": r("l2")},
	}})
	files := map[string][]byte{
		"cut.json":          []byte(full[:len(full)/2]),
		"cut-between.json":  []byte(`{"Records":[` + r("y1") + `,`),
		"cut.json.gz":       gz(t, []byte(full[:len(full)-40])),
		"cut-lookup.json":   lookup[:len(lookup)-30],
		"cut.ndjson":        []byte(r("n1") + "\n" + r("n2") + "\n" + r("n3")[:50]),
		"bad-line.ndjson":   []byte(r("b1") + "\n{broken\n" + r("b3") + "\n"),
		"not-json.json":     []byte("{not json at all"),
		"foo.json":          []byte(`{"foo":"bar"}`),
		"array.json":        []byte(`[{"a":1}]`),
		"trailing.json":     []byte(`{"Records":[` + r("z1") + `]}}`),
		"alerts.ndjson":     []byte(`{"kibana.alert.rule.name":"x","event":{"original":"{\"eventTime\":\"2026-11-20T09:00:00Z\"}"},"aws":{"cloudtrail":{"user_identity":{"access_key_id":"` + other + `"}}}}` + "\n" + `{"kibana.alert.rule.name":"y"}` + "\n"),
		"records-of-x.json": []byte(`{"Records":[{"a":1},{"b":2}]}`),
	}
	// The messages, by file: what is wrong and where.
	want := map[string]string{
		"cut.json:1":         fmt.Sprintf("truncated at byte %d", len(full)/2),
		"cut-between.json:1": "truncated at byte",
		"cut.json.gz:1":      fmt.Sprintf("truncated at byte %d", len(full)-40),
		"cut-lookup.json:1":  "truncated at byte",
		"cut.ndjson:3":       "truncated at byte",
		"bad-line.ndjson:2":  "invalid JSON line",
		"not-json.json:1":    "invalid JSON at byte 1: invalid character 'n'",
		"foo.json":           `not CloudTrail (no records with eventID/eventTime): file starts with "{\"foo\":\"bar\"}"`,
		"array.json":         "not CloudTrail (no records with eventID/eventTime)",
		"trailing.json:1":    "invalid JSON at byte",
		"alerts.ndjson":      "not CloudTrail (no records with eventID/eventTime)",
		"records-of-x.json":  "not CloudTrail (no records with eventID/eventTime)",
	}
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := &FileSource{Paths: []string{dir}}
	check := func(pass string, rep investigate.SourceReport) {
		t.Helper()
		got := map[string]string{}
		for _, p := range rep.Problems {
			where := strings.TrimPrefix(p.Where, dir+"/")
			if _, dup := got[where]; dup {
				t.Errorf("%s: %s reported twice", pass, where)
			}
			got[where] = p.Message
		}
		for where, msg := range want {
			if !strings.Contains(got[where], msg) {
				t.Errorf("%s: %s: got %q, want %q", pass, where, got[where], msg)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d problems, want %d: %v", pass, len(got), len(want), got)
		}
		if rep.Records != 0 || rep.Matched != 0 {
			t.Errorf("%s: records %d matched %d: the files must not be decoded", pass, rep.Records, rep.Matched)
		}
	}
	rep, err := src.Events(context.Background(), q(testKey), func([]investigate.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	check("read", rep)
	// A later query the index answers without reading the files reports them the same way.
	rep, err = src.Events(context.Background(), q("AKIAANOTHERKEY000002"), func([]investigate.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "answered from the index") {
		t.Fatalf("second pass not answered from the index: %q", rep.Notes)
	}
	check("from the index", rep)
}

// TestWholeFilesWithoutTheKeyAreNotReported: the shape check must not cry wolf. Every
// shape the parser reads, empty record lists, digests, strings holding unbalanced
// brackets, CRLF and trailing space: none is reported when the key is not in it.
func TestWholeFilesWithoutTheKeyAreNotReported(t *testing.T) {
	other := "AKIAOTHERKEY00000001"
	r1 := record("a1", other)
	odd := record("o1", other, `"userAgent":"curl/8 {{[[ \"}\" \\"`, `"requestParameters":{"policy":"{\"Statement\":[{"}`)
	lookup, _ := json.Marshal(map[string]any{"Events": []any{map[string]any{"EventId": "a1", "CloudTrailEvent": r1}}, "NextToken": "x"})
	files := map[string][]byte{
		"records.json":        []byte(`{"Records":[` + r1 + `,` + r1 + `]}` + "\n"),
		"array.json":          []byte("[\n" + r1 + ",\r\n" + r1 + "\r\n]\r\n"),
		"lines.ndjson":        []byte(r1 + "\n" + r1 + "\n\n"),
		"lines-no-eol.ndjson": []byte(r1 + "\n" + r1),
		"lookup-events.json":  lookup,
		"gzipped.json.gz":     gz(t, []byte(`{"Records":[`+r1+`]}`)),
		"pretty-single.json":  []byte("{\n  \"eventVersion\": \"1.09\"," + strings.TrimPrefix(r1, `{"eventVersion":"1.09",`) + "\n"),
		"ndjson-of-docs.json": []byte(`{"Records":[` + r1 + "]}\n" + `{"Records":[` + r1 + "]}\n"),
		"odd-strings.json":    []byte(`{"Records":[` + odd + `,` + odd + `]}`),
		"odd-strings.ndjson":  []byte(odd + "\n" + odd + "\n"),
		"no-records.json":     []byte(`{"Records": [ ]}`),
		"no-events.json":      []byte(`{"Events":[],"NextToken":null}`),
		"empty-array.json":    []byte(`[]`),
		"digest.json":         []byte(`{"awsAccountId":"111122223333","digestStartTime":"2026-11-20T08:00:00Z","digestEndTime":"2026-11-20T09:00:00Z","logFiles":[]}`),
		"bom.json":            append([]byte{0xef, 0xbb, 0xbf}, []byte(`{"Records":[`+r1+`]}`)...),
	}
	if !json.Valid([]byte(odd)) {
		t.Fatalf("fixture is not JSON: %s", odd)
	}
	s := scanDir(t, files, q(testKey))
	if len(s.problems) > 0 || len(s.events) > 0 {
		t.Fatalf("problems %v events %d", s.problems, len(s.events))
	}
}

func TestCheckShape(t *testing.T) {
	for in, want := range map[string]string{
		`{"Records":[{"eventID":"a"}]}`:               "",
		`{"Records":[{"eventID":"a"}]`:                "truncated at byte 28",
		`{"Records":[{"eventID":"a`:                   "truncated at byte 25",
		`{"Records":[{"eventID":"a"}]}]`:              `invalid JSON at byte 29: "]" after the end of the document`,
		"{\"eventID\":\"a\"}\n{\"eventID\":\"b\"":     "truncated at byte 30",
		"{\"eventID\":\"a\"}\n{x\n{\"eventID\":1}":    "invalid JSON line",
		`[{"eventID":"a"},`:                           "truncated at byte 17",
		`[{"x":"}"}]`:                                 "not CloudTrail",
		`{"Records":[{"eventID":"a"},{"eventID":"b"}`: "truncated at byte 43",
		`[{"eventID":"a"},{"eventID":"b"}`:            "truncated at byte 32",
		`{"Records":[{"eventID":"a"}]},`:              `invalid JSON at byte 29: ","`,
		`{"Records":[{"eventID":"a"}]}` + "\n\n":      "",
		`{"Events":[],"NextToken":"x"}`:               "",
		`{"Records":[{"eventID":"{"}]}`:               "",
	} {
		// The same, whether the file came out of a whole gzip file (ending checked) or
		// not (ending and braces counted).
		for _, whole := range []bool{false, true} {
			p := checkShape([]byte(in), whole)
			got := ""
			if p != nil {
				got = p.message
			}
			if (want == "") != (got == "") || !strings.Contains(got, want) {
				t.Errorf("%s (whole %v): got %q, want %q", in, whole, got, want)
			}
		}
	}
}
