package alertdoc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/keypivot/keypivot/investigate"
)

type parsed struct {
	alerts []investigate.Alert
	rep    investigate.SourceReport
}

func (p parsed) ids() []string {
	var out []string
	for _, a := range p.alerts {
		out = append(out, a.ID)
	}
	return out
}

// wantIDs fails the test unless the alerts read are ids, in order.
func (p parsed) wantIDs(t testing.TB, ids ...string) {
	t.Helper()
	if got := p.ids(); !slices.Equal(got, ids) {
		t.Errorf("ids = %v, want %v", got, ids)
	}
}

func (p parsed) origins() []string {
	var out []string
	for _, a := range p.alerts {
		out = append(out, a.Origin)
	}
	return out
}

// parseLimited parses data with a record limit of limit bytes.
func parseLimited(t testing.TB, name string, data []byte, limit int) parsed {
	t.Helper()
	var out parsed
	out.rep, _ = parseFile(context.Background(), name, bytes.NewReader(data), investigate.AlertQuery{}, func(b []investigate.Alert) {
		out.alerts = append(out.alerts, b...)
	}, limit)
	if out.rep.Matched != int64(len(out.alerts)) {
		t.Errorf("Matched = %d, sink got %d alerts", out.rep.Matched, len(out.alerts))
	}
	return out
}

func parseBytes(t testing.TB, name string, data []byte, q investigate.AlertQuery) parsed {
	t.Helper()
	var out parsed
	out.rep = Parse(name, bytes.NewReader(data), q, func(b []investigate.Alert) {
		out.alerts = append(out.alerts, b...)
	})
	if out.rep.Matched != int64(len(out.alerts)) {
		t.Errorf("Matched = %d, sink got %d alerts", out.rep.Matched, len(out.alerts))
	}
	return out
}

// noProblems fails when the report has problems.
func noProblems(t *testing.T, rep investigate.SourceReport) {
	t.Helper()
	for _, p := range rep.Problems {
		t.Errorf("unexpected problem at %s: %s", p.Where, p.Message)
	}
}

// hasProblem fails unless a problem is reported at where whose message contains msg.
func hasProblem(t *testing.T, rep investigate.SourceReport, where, msg string) {
	t.Helper()
	for _, p := range rep.Problems {
		if p.Where == where && strings.Contains(p.Message, msg) {
			return
		}
	}
	t.Errorf("no problem at %q containing %q; problems: %+v", where, msg, rep.Problems)
}

func compact(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func pretty(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// alertDocs are the three Elastic fixtures: first-seen, sibling, higher-order.
func alertDocs(t testing.TB) []map[string]any {
	return []map[string]any{
		fixture(t, "alert-first-seen.json"),
		fixture(t, "alert-sibling.json"),
		fixture(t, "alert-higher-order.json"),
	}
}

var alertIDs = []string{firstSeenUUID, siblingUUID, higherUUID}

func hit(doc map[string]any, id string) map[string]any {
	return map[string]any{"_index": ".internal.alerts-security.alerts-default-000003", "_id": id, "_score": 1.0, "_source": doc}
}

func ndjson(t testing.TB, vs ...any) []byte {
	var b bytes.Buffer
	for _, v := range vs {
		b.Write(compact(t, v))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Every export shape of the same three alerts reads as the same three alerts.
func TestParseElasticShapes(t *testing.T) {
	docs := alertDocs(t)
	var hits []any
	for i, d := range docs {
		hits = append(hits, hit(d, alertIDs[i]))
	}
	search := map[string]any{
		"took": 12, "timed_out": false,
		"_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0},
		"hits":    map[string]any{"total": map[string]any{"value": 3, "relation": "eq"}, "max_score": 1.0, "hits": hits},
	}
	var bulk bytes.Buffer
	for i, d := range docs {
		// The bulk body's documents have no kibana.alert.uuid: _id must come from the action line.
		d2 := map[string]any{}
		for k, v := range d {
			if k != "kibana.alert.uuid" {
				d2[k] = v
			}
		}
		bulk.Write(ndjson(t, map[string]any{"index": map[string]any{"_index": "restore", "_id": alertIDs[i]}}, d2))
	}
	var concatenated bytes.Buffer
	for _, d := range docs {
		concatenated.Write(pretty(t, d))
		concatenated.WriteByte('\n')
	}
	tests := []struct {
		name      string
		data      []byte
		origins   []string
		container string
	}{
		{"NDJSON of _source documents", ndjson(t, docs[0], docs[1], docs[2]), []string{"f:1", "f:2", "f:3"}, "NDJSON: 3 Elastic alert documents"},
		{"NDJSON with CRLF and blank lines", bytes.ReplaceAll(ndjson(t, docs[0], docs[1], docs[2]), []byte("\n"), []byte("\r\n\r\n")), []string{"f:1", "f:3", "f:5"}, "NDJSON"},
		{"NDJSON of hits (elasticdump)", ndjson(t, hits...), []string{"f:1", "f:2", "f:3"}, "NDJSON: 3 Elastic hits"},
		{"NDJSON bulk body", bulk.Bytes(), []string{"f:2", "f:4", "f:6"}, "NDJSON: 3 Elastic alert documents"},
		{"_search response, pretty", pretty(t, search), []string{"f#record 1", "f#record 2", "f#record 3"}, "JSON document: 3 Elastic hits"},
		{"_search response, one line, no newline", compact(t, search), []string{"f#record 1", "f#record 2", "f#record 3"}, "JSON document: 3 Elastic hits"},
		{"_search response, one line and a newline", append(compact(t, search), '\n'), []string{"f:1#record 1", "f:1#record 2", "f:1#record 3"}, "NDJSON: 3 Elastic hits"},
		{"bare array of _source documents", pretty(t, docs), []string{"f#record 1", "f#record 2", "f#record 3"}, "JSON array: 3 Elastic alert documents"},
		{"bare array of hits", compact(t, hits), []string{"f#record 1", "f#record 2", "f#record 3"}, "JSON array: 3 Elastic hits"},
		{"array of _search responses (pages)", pretty(t, []any{search}), []string{"f#record 1#record 1", "f#record 1#record 2", "f#record 1#record 3"}, "JSON array: 3 Elastic hits"},
		{"concatenated pretty documents (jq . output)", concatenated.Bytes(), []string{"f", "f#record 2", "f#record 3"}, "concatenated JSON documents: 3 Elastic alert documents"},
		{"UTF-8 BOM and leading space", append([]byte("\ufeff \n"), ndjson(t, docs[0], docs[1], docs[2])...), []string{"f:2", "f:3", "f:4"}, "NDJSON"}, // the records start on line 2
		{"gzip, whatever the name", gz(t, ndjson(t, docs[0], docs[1], docs[2])), []string{"f:1", "f:2", "f:3"}, "NDJSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseBytes(t, "f", tt.data, investigate.AlertQuery{})
			noProblems(t, got.rep)
			got.wantIDs(t, alertIDs...)
			if !slices.Equal(got.origins(), tt.origins) {
				t.Errorf("origins = %v, want %v", got.origins(), tt.origins)
			}
			if got.rep.Records != 3 || got.rep.Matched != 3 {
				t.Errorf("Records, Matched = %d, %d", got.rep.Records, got.rep.Matched)
			}
			if len(got.rep.Notes) != 1 || !strings.HasPrefix(got.rep.Notes[0], "f: "+tt.container) {
				t.Errorf("notes = %q, want f: %s...", got.rep.Notes, tt.container)
			}
			if len(got.alerts) == 3 {
				if a := got.alerts[2]; !a.HigherOrder || len(a.SiblingRuleIDs) != 3 {
					t.Errorf("higher-order alert lost its columns: %+v", a)
				}
				if a := got.alerts[0]; a.AccessKeyID != testKey || a.SourceIP != testIP || a.Time.IsZero() {
					t.Errorf("first-seen alert: %+v", a)
				}
			}
			if got.rep.Bytes <= 0 || got.rep.Files != 1 || got.rep.Kind != "alert-files" {
				t.Errorf("report: %+v", got.rep)
			}
		})
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseOtherSources(t *testing.T) {
	gdEvent := `{"version":"0","id":"ev1","detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"210987654321","time":"2026-03-02T09:16:05Z","region":"us-east-1","resources":[],
		"detail":{"schemaVersion":"2.0","accountId":"210987654321","region":"us-east-1","id":"gd-event-1","type":"UnauthorizedAccess:IAMUser/TorIPCaller","severity":5,
		"resource":{"resourceType":"AccessKey","accessKeyDetails":{"accessKeyId":"AKIA4XQJ7ZK3PEXAMPLE"}},"service":{"eventLastSeen":"2026-03-02T09:15:40Z"}}}`
	shEvent := `{"version":"0","id":"ev2","detail-type":"Security Hub Findings - Imported","source":"aws.securityhub","account":"210987654321","region":"us-east-1","resources":[],
		"detail":{"findings":[` + string(compact(t, findings(t, "securityhub-get-findings.json")[0])) + `]}}`
	tests := []struct {
		name    string
		data    []byte
		ids     []string
		origins []string
	}{
		{"ES|QL response", readTestdata(t, "esql-response.json"), []string{firstSeenUUID, siblingUUID, "c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4"}, []string{"f#record 1", "f#record 2", "f#record 3"}},
		{"GuardDuty get-findings", readTestdata(t, "guardduty-get-findings.json"), []string{"a2c7e1f0b9d84c3e8f6a5b4c3d2e1f09", "7d3e5f1a9b2c4d6e8f0a1b3c5d7e9f12", "1f2e3d4c5b6a79880a1b2c3d4e5f6071"}, []string{"f#record 1", "f#record 2", "f#record 3"}},
		{"GuardDuty REST (camelCase)", readTestdata(t, "guardduty-rest.json"), []string{"b4d6f8a0c2e4f6a8b0c2d4e6f8a0b2c4"}, []string{"f:1#record 1"}}, // one line and a newline: NDJSON
		{"Security Hub get-findings", readTestdata(t, "securityhub-get-findings.json"), []string{
			"arn:aws:guardduty:us-east-1:210987654321:detector/5ec7a1b2c3d4e5f60718293a4b5c6d7e/finding/a2c7e1f0b9d84c3e8f6a5b4c3d2e1f09",
			"arn:aws:securityhub:us-east-1:210987654321:security-control/IAM.3/finding/5b1c9e7a-3d2f-4a6b-8c0e-1f2a3b4c5d6e"}, []string{"f#record 1", "f#record 2"}},
		{"bare array of GuardDuty findings", compact(t, findings(t, "guardduty-get-findings.json")[:2]), []string{"a2c7e1f0b9d84c3e8f6a5b4c3d2e1f09", "7d3e5f1a9b2c4d6e8f0a1b3c5d7e9f12"}, []string{"f#record 1", "f#record 2"}},
		{"EventBridge events, NDJSON", []byte(strings.ReplaceAll(gdEvent, "\n", "") + "\n" + strings.ReplaceAll(shEvent, "\n", "") + "\n"), []string{"gd-event-1",
			"arn:aws:guardduty:us-east-1:210987654321:detector/5ec7a1b2c3d4e5f60718293a4b5c6d7e/finding/a2c7e1f0b9d84c3e8f6a5b4c3d2e1f09"}, []string{"f:1", "f:2#record 1"}},
		{"mixed sources in one array", []byte(`[` + string(compact(t, fixture(t, "alert-sibling.json"))) + `,` + string(compact(t, findings(t, "guardduty-get-findings.json")[0])) + `,` +
			string(compact(t, findings(t, "securityhub-get-findings.json")[1])) + `]`), []string{siblingUUID, "a2c7e1f0b9d84c3e8f6a5b4c3d2e1f09",
			"arn:aws:securityhub:us-east-1:210987654321:security-control/IAM.3/finding/5b1c9e7a-3d2f-4a6b-8c0e-1f2a3b4c5d6e"}, []string{"f#record 1", "f#record 2", "f#record 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseBytes(t, "f", tt.data, investigate.AlertQuery{})
			noProblems(t, got.rep)
			if !slices.Equal(got.ids(), tt.ids) {
				t.Errorf("ids = %v, want %v", got.ids(), tt.ids)
			}
			if !slices.Equal(got.origins(), tt.origins) {
				t.Errorf("origins = %v, want %v", got.origins(), tt.origins)
			}
		})
	}
	t.Run("providers and kinds are told apart", func(t *testing.T) {
		data := []byte(`{"Findings":[` + string(compact(t, findings(t, "guardduty-get-findings.json")[0])) + `,` + string(compact(t, findings(t, "securityhub-get-findings.json")[0])) + `]}`)
		got := parseBytes(t, "f", data, investigate.AlertQuery{})
		if len(got.alerts) != 2 || got.alerts[0].Provider != "guardduty" || got.alerts[1].Provider != "securityhub" {
			t.Fatalf("alerts = %+v", got.alerts)
		}
		if !strings.Contains(got.rep.Notes[0], "1 GuardDuty findings, 1 Security Hub findings") {
			t.Errorf("notes = %q", got.rep.Notes)
		}
	})
}

func TestParseFilters(t *testing.T) {
	docs := alertDocs(t)
	other := fixture(t, "alert-sibling.json")
	other["kibana.alert.uuid"] = "other-key-alert"
	other["aws"] = map[string]any{"cloudtrail": map[string]any{"user_identity": map[string]any{"access_key_id": "AKIAOTHERKEY00000000"}}}
	data := ndjson(t, docs[0], docs[1], docs[2], other)

	t.Run("access keys keep their alerts and every higher-order alert", func(t *testing.T) {
		got := parseBytes(t, "f", data, investigate.AlertQuery{AccessKeys: investigate.KeyIDs("AKIAOTHERKEY00000000")})
		got.wantIDs(t, higherUUID, "other-key-alert")
		if got.rep.Records != 4 || got.rep.Matched != 2 {
			t.Errorf("Records, Matched = %d, %d", got.rep.Records, got.rep.Matched)
		}
	})
	t.Run("window on alert time, until exclusive", func(t *testing.T) {
		w := investigate.Window{Since: mustTime(t, "2026-03-02T09:20:00Z"), Until: mustTime(t, "2026-03-02T09:25:00.117Z")}
		got := parseBytes(t, "f", data, investigate.AlertQuery{Window: w})
		got.wantIDs(t, siblingUUID, "other-key-alert")
	})
	t.Run("no sink is fine", func(t *testing.T) {
		rep := Parse("f", bytes.NewReader(data), investigate.AlertQuery{}, nil)
		if rep.Matched != 4 {
			t.Errorf("Matched = %d", rep.Matched)
		}
	})
}

// Batches are bounded, so that a consumer never holds a whole file.
func TestParseBatches(t *testing.T) {
	doc := fixture(t, "alert-sibling.json")
	var b bytes.Buffer
	for i := 0; i < 3*batchSize+7; i++ {
		doc["kibana.alert.uuid"] = fmt.Sprint("id-", i)
		b.Write(ndjson(t, doc))
	}
	var sizes []int
	rep := Parse("f", &b, investigate.AlertQuery{}, func(a []investigate.Alert) { sizes = append(sizes, len(a)) })
	if !slices.Equal(sizes, []int{batchSize, batchSize, batchSize, 7}) || rep.Matched != 3*batchSize+7 {
		t.Errorf("batches %v, matched %d", sizes, rep.Matched)
	}
}

func TestParseMalformed(t *testing.T) {
	docs := alertDocs(t)
	good := ndjson(t, docs[0], docs[1], docs[2])
	lines := bytes.SplitAfter(good, []byte("\n"))
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

	t.Run("bad NDJSON line in the middle: named by line, the rest loads", func(t *testing.T) {
		got := parseBytes(t, "a.ndjson", join(lines[0], []byte("{\"kibana.alert.rule.name\": oops}\n"), lines[1], lines[2]), investigate.AlertQuery{})
		got.wantIDs(t, alertIDs...)
		hasProblem(t, got.rep, "a.ndjson:2", "invalid JSON: invalid character 'o'")
		if len(got.rep.Problems) != 1 || got.rep.Truncated {
			t.Errorf("problems %+v, truncated %v", got.rep.Problems, got.rep.Truncated)
		}
		if got.alerts[1].Origin != "a.ndjson:3" {
			t.Errorf("origin after the bad line = %s", got.alerts[1].Origin)
		}
	})
	t.Run("blank lines before the first record count in line numbers", func(t *testing.T) {
		got := parseBytes(t, "a.ndjson", join([]byte("\n\n\n"), lines[0], []byte("{\"kibana.alert.rule.name\": oops}\n"), lines[1], lines[2]), investigate.AlertQuery{})
		hasProblem(t, got.rep, "a.ndjson:5", "invalid JSON")
		if len(got.alerts) != 3 || got.alerts[0].Origin != "a.ndjson:4" {
			t.Errorf("alerts %d, first origin %q", len(got.alerts), got.alerts[0].Origin)
		}
	})
	t.Run("bad first NDJSON line does not hide the NDJSON", func(t *testing.T) {
		got := parseBytes(t, "a.ndjson", join([]byte("{\"truncated\": \n"), good), investigate.AlertQuery{})
		got.wantIDs(t, alertIDs...)
		hasProblem(t, got.rep, "a.ndjson:1", "invalid JSON")
	})
	t.Run("last NDJSON line cut short", func(t *testing.T) {
		got := parseBytes(t, "a.ndjson", join(lines[0], lines[1], lines[2][:100]), investigate.AlertQuery{})
		got.wantIDs(t, alertIDs[:2]...)
		hasProblem(t, got.rep, "a.ndjson:3", "the last line is cut short")
	})
	t.Run("a line that is valid JSON but no object", func(t *testing.T) {
		got := parseBytes(t, "a.ndjson", join(lines[0], []byte("42\n"), []byte("\"text\"\n"), lines[1]), investigate.AlertQuery{})
		got.wantIDs(t, alertIDs[:2]...)
		hasProblem(t, got.rep, "a.ndjson:2", "a JSON number, not an alert document")
		hasProblem(t, got.rep, "a.ndjson:3", "a JSON string, not an alert document")
	})
	t.Run("array element with a syntax error: named by index, the rest loads", func(t *testing.T) {
		first := string(compact(t, docs[0]))
		data := []byte("[" + first + ",\n {\"kibana.alert.rule.name\": tru},\n" + string(compact(t, docs[1])) + "]")
		got := parseBytes(t, "a.json", data, investigate.AlertQuery{})
		got.wantIDs(t, alertIDs[:2]...)
		// The offset is the file's, counted as encoding/json counts it (the bytes read up
		// to and including the bad one): the element starts after "[", the first
		// document and ",\n ".
		at := 1 + len(first) + 3 + len(`{"kibana.alert.rule.name": tru}`)
		hasProblem(t, got.rep, "a.json#record 2", fmt.Sprintf("invalid JSON: invalid character '}' in literal true (expecting 'e') (at byte %d)", at))
		if len(got.rep.Problems) != 1 {
			t.Errorf("problems: %+v", got.rep.Problems)
		}
	})
	t.Run("array with a broken separator: the rest of the document is not read", func(t *testing.T) {
		data := []byte("[" + string(compact(t, docs[0])) + " x " + string(compact(t, docs[1])) + "]")
		got := parseBytes(t, "a.json", data, investigate.AlertQuery{})
		got.wantIDs(t, alertIDs[:1]...)
		hasProblem(t, got.rep, "a.json#record 2", "invalid character 'x' after an array element")
	})
	t.Run("array element that is not an object: the rest loads", func(t *testing.T) {
		data := []byte("[" + string(compact(t, docs[0])) + ", 7, null, " + string(compact(t, docs[1])) + "]")
		got := parseBytes(t, "a.json", data, investigate.AlertQuery{})
		got.wantIDs(t, alertIDs[:2]...)
		hasProblem(t, got.rep, "a.json#record 2", "a JSON number")
		hasProblem(t, got.rep, "a.json#record 3", "a JSON null")
	})
	t.Run("document cut short", func(t *testing.T) {
		data := pretty(t, map[string]any{"hits": map[string]any{"hits": []any{hit(docs[0], "x"), hit(docs[1], "y")}}})
		cut := bytes.Index(data, []byte(`"_id": "y"`)) + 20 // inside the second hit
		got := parseBytes(t, "s.json", data[:cut], investigate.AlertQuery{})
		if len(got.alerts) != 1 {
			t.Errorf("ids = %v", got.ids())
		}
		hasProblem(t, got.rep, "s.json#record 2", "the document ends early")
	})
	t.Run("truncated gzip keeps what was read before the damage", func(t *testing.T) {
		var big bytes.Buffer
		for i := 0; i < 400; i++ {
			d := fixture(t, "alert-sibling.json")
			d["kibana.alert.uuid"] = fmt.Sprint("id-", i)
			d["padding"] = strings.Repeat(fmt.Sprint(i), 200) // defeat compression a little
			big.Write(ndjson(t, d))
		}
		z := gz(t, big.Bytes())
		got := parseBytes(t, "a.ndjson.gz", z[:len(z)/2], investigate.AlertQuery{})
		if len(got.alerts) == 0 || len(got.alerts) >= 400 {
			t.Fatalf("%d alerts read from half a gzip file", len(got.alerts))
		}
		for i, a := range got.alerts {
			if a.ID != fmt.Sprint("id-", i) {
				t.Fatalf("alert %d is %s", i, a.ID)
			}
		}
		if !got.rep.Truncated {
			t.Error("report not marked truncated")
		}
		hasProblem(t, got.rep, "a.ndjson.gz", fmt.Sprintf("truncated gzip (unexpected end of data) after %s: kept the %s", investigate.Plural(int(got.rep.Bytes), "byte"), investigate.Plural(len(got.alerts), "alert")))
		if len(got.rep.Problems) != 1 {
			t.Errorf("the cut line was reported too: %+v", got.rep.Problems)
		}
	})
	t.Run("truncated gzip of a JSON document", func(t *testing.T) {
		var hs []any
		for i := 0; i < 300; i++ {
			d := fixture(t, "alert-sibling.json")
			d["padding"] = strings.Repeat(fmt.Sprint(i), 200)
			hs = append(hs, hit(d, fmt.Sprint("id-", i)))
		}
		z := gz(t, pretty(t, map[string]any{"hits": map[string]any{"hits": hs}}))
		got := parseBytes(t, "s.json.gz", z[:len(z)/2], investigate.AlertQuery{})
		if len(got.alerts) == 0 || len(got.alerts) >= 300 || !got.rep.Truncated {
			t.Fatalf("%d alerts, truncated %v", len(got.alerts), got.rep.Truncated)
		}
		hasProblem(t, got.rep, "s.json.gz", "truncated gzip")
		if len(got.rep.Problems) != 1 {
			t.Errorf("problems: %+v", got.rep.Problems)
		}
	})
	t.Run("plain file cut short is no truncated gzip", func(t *testing.T) {
		// A read that ends early (a download or copy cut short) of a file that is not
		// gzip: the alerts before the cut are kept, and gzip is not blamed.
		docs := alertDocs(t)
		cut := io.MultiReader(bytes.NewReader(ndjson(t, docs[0], docs[1])), iotest.ErrReader(io.ErrUnexpectedEOF))
		var alerts []investigate.Alert
		rep := Parse("a.ndjson", cut, investigate.AlertQuery{}, func(b []investigate.Alert) { alerts = append(alerts, b...) })
		if len(alerts) != 2 || !rep.Truncated {
			t.Fatalf("%d alerts, truncated %v", len(alerts), rep.Truncated)
		}
		hasProblem(t, rep, "a.ndjson", "read cut short (unexpected end of data) after")
		for _, p := range rep.Problems {
			if strings.Contains(p.Message, "gzip") {
				t.Errorf("gzip blamed for a plain file: %+v", p)
			}
		}
	})
	t.Run("gzip magic and garbage", func(t *testing.T) {
		got := parseBytes(t, "x.gz", []byte{0x1f, 0x8b, 0, 1, 2, 3}, investigate.AlertQuery{})
		hasProblem(t, got.rep, "x.gz", "not a readable gzip file")
	})
	t.Run("gzip with a corrupted body", func(t *testing.T) {
		z := gz(t, good)
		z[len(z)/2] ^= 0xff
		got := parseBytes(t, "x.gz", z, investigate.AlertQuery{})
		if len(got.rep.Problems) == 0 || !got.rep.Truncated {
			t.Errorf("problems %+v, truncated %v", got.rep.Problems, got.rep.Truncated)
		}
	})
	t.Run("empty file", func(t *testing.T) {
		got := parseBytes(t, "e.json", nil, investigate.AlertQuery{})
		hasProblem(t, got.rep, "e.json", "empty file")
	})
	t.Run("whitespace only", func(t *testing.T) {
		got := parseBytes(t, "e.json", []byte(" \n\t\r\n"), investigate.AlertQuery{})
		hasProblem(t, got.rep, "e.json", "empty file")
	})
	t.Run("empty gzip", func(t *testing.T) {
		got := parseBytes(t, "e.json.gz", gz(t, nil), investigate.AlertQuery{})
		hasProblem(t, got.rep, "e.json.gz", "empty file")
	})
	t.Run("not JSON", func(t *testing.T) {
		got := parseBytes(t, "notes.json", []byte("alert\tid\n\x1b[31mred\n"), investigate.AlertQuery{})
		hasProblem(t, got.rep, "notes.json:1", `not JSON: the file starts with "alert\tid\n\x1b[31mre"`)
	})
	t.Run("empty array and empty object", func(t *testing.T) {
		for _, s := range []string{"[]", "{}", `{"hits":{"total":{"value":0},"hits":[]}}`} {
			got := parseBytes(t, "e.json", []byte(s), investigate.AlertQuery{})
			if got.rep.Records != 0 {
				t.Errorf("%s: %d records", s, got.rep.Records)
			}
			if s == "{}" {
				hasProblem(t, got.rep, "e.json", "no alerts in this file")
			} else {
				noProblems(t, got.rep)
			}
		}
	})
	t.Run("ES|QL row of the wrong length", func(t *testing.T) {
		data := []byte(`{"columns":[{"name":"kibana.alert.rule.name","type":"keyword"},{"name":"_id","type":"keyword"}],"values":[["R","a"],["R"],"x",["R","c"]]}`)
		got := parseBytes(t, "q.json", data, investigate.AlertQuery{})
		got.wantIDs(t, "a", "c")
		hasProblem(t, got.rep, "q.json#record 2", "ES|QL row has 1 value for 2 columns")
		hasProblem(t, got.rep, "q.json#record 3", "ES|QL row is not an array")
	})
	t.Run("ES|QL values before columns", func(t *testing.T) {
		data := []byte(`{"values":[["R","a"]],"columns":[{"name":"kibana.alert.rule.name","type":"keyword"},{"name":"_id","type":"keyword"}]}`)
		got := parseBytes(t, "q.json", data, investigate.AlertQuery{})
		noProblems(t, got.rep)
		got.wantIDs(t, "a")
	})
	t.Run("line over the record limit", func(t *testing.T) {
		long := map[string]any{"kibana.alert.rule.name": "R", "kibana.alert.uuid": "long", "x": strings.Repeat("y", 2*peekBytes)}
		data := join(lines[0], ndjson(t, long), lines[1])
		got := parseLimited(t, "l.ndjson", data, peekBytes+10)
		got.wantIDs(t, alertIDs[:2]...)
		size := len(ndjson(t, long)) - 1
		hasProblem(t, got.rep, "l.ndjson:2", fmt.Sprintf("record of %s is larger than the 1 MiB limit: skipped, not read (raise the limit with --max-record-size)", sizeString(int64(size))))
		if len(got.rep.Problems) != 1 {
			t.Errorf("problems: %+v", got.rep.Problems)
		}
	})
	t.Run("long lines under the cap are read", func(t *testing.T) {
		long := map[string]any{"kibana.alert.rule.name": "R", "kibana.alert.uuid": "long", "x": strings.Repeat("y", 3*peekBytes)}
		got := parseBytes(t, "l.ndjson", join(lines[0], ndjson(t, long), lines[1]), investigate.AlertQuery{})
		noProblems(t, got.rep)
		got.wantIDs(t, firstSeenUUID, "long", siblingUUID)
	})
}

func TestParseNotAlerts(t *testing.T) {
	ct := `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","accessKeyId":"AKIA4XQJ7ZK3PEXAMPLE"},"eventTime":"2026-03-02T09:09:12Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","awsRegion":"us-east-1","sourceIPAddress":"185.220.101.47"}`
	t.Run("CloudTrail log file", func(t *testing.T) {
		got := parseBytes(t, "trail.json", []byte(`{"Records":[`+ct+`,`+ct+`]}`), investigate.AlertQuery{})
		if len(got.rep.Problems) != 1 {
			t.Fatalf("problems: %+v", got.rep.Problems)
		}
		hasProblem(t, got.rep, "trail.json", "a CloudTrail log file")
	})
	t.Run("CloudTrail records as NDJSON: one problem", func(t *testing.T) {
		got := parseBytes(t, "trail.ndjson", []byte(strings.Repeat(ct+"\n", 20)), investigate.AlertQuery{})
		if len(got.rep.Problems) != 1 {
			t.Fatalf("problems: %+v", got.rep.Problems)
		}
		hasProblem(t, got.rep, "trail.ndjson", "a CloudTrail log, not an alert export: its 20 records are CloudTrail events")
	})
	t.Run("a long CloudTrail file is recognised and not read to the end", func(t *testing.T) {
		got := parseBytes(t, "trail.json", []byte("["+strings.TrimSuffix(strings.Repeat(ct+",", 5000), ",")+"]"), investigate.AlertQuery{})
		if len(got.rep.Problems) != 1 {
			t.Fatalf("problems: %+v", got.rep.Problems)
		}
		hasProblem(t, got.rep, "trail.json", fmt.Sprintf("its first %d records are CloudTrail events (reading stopped there)", cloudTrailStopAfter))
	})
	t.Run("Stratus Red Team CloudTrail corpus file", func(t *testing.T) {
		path := "../../../shared/corpus/stratus-detonation-logs/aws.execution.ssm-send-command.json"
		b, err := os.ReadFile(path)
		if err != nil {
			t.Skipf("corpus not present: %v", err)
		}
		got := parseBytes(t, path, b, investigate.AlertQuery{})
		if len(got.rep.Problems) != 1 || got.rep.Records != 0 {
			t.Fatalf("problems: %+v", got.rep.Problems)
		}
		hasProblem(t, got.rep, path, "its 56 records are CloudTrail events")
	})
	t.Run("unrelated JSON: one problem naming the fields looked for", func(t *testing.T) {
		got := parseBytes(t, "x.ndjson", []byte(strings.Repeat(`{"name":"n","value":1}`+"\n", 10)), investigate.AlertQuery{})
		if len(got.rep.Problems) != 1 {
			t.Fatalf("problems: %+v", got.rep.Problems)
		}
		hasProblem(t, got.rep, "x.ndjson", "none of its 10 records is an alert or finding (the first, x.ndjson:1: not an Elastic alert: no kibana.alert.rule.name")
	})
	t.Run("a few stray documents among alerts: each named", func(t *testing.T) {
		docs := alertDocs(t)
		got := parseBytes(t, "m.ndjson", ndjson(t, docs[0], json.RawMessage(ct), docs[1], map[string]any{"x": 1}), investigate.AlertQuery{})
		got.wantIDs(t, alertIDs[:2]...)
		hasProblem(t, got.rep, "m.ndjson:2", "a CloudTrail event, not an alert")
		hasProblem(t, got.rep, "m.ndjson:4", "not an Elastic alert")
	})
	t.Run("EventBridge event of another service", func(t *testing.T) {
		got := parseBytes(t, "e.json", []byte(`{"detail-type":"AWS API Call via CloudTrail","source":"aws.iam","detail":{"eventName":"CreateUser"}}`), investigate.AlertQuery{})
		hasProblem(t, got.rep, "e.json", `an EventBridge event of "aws.iam"`)
	})
}

func TestParseProblemCap(t *testing.T) {
	docs := alertDocs(t)
	var b bytes.Buffer
	b.Write(ndjson(t, docs[0]))
	for i := 0; i < 20; i++ {
		b.WriteString("{bad\n")
	}
	b.Write(ndjson(t, docs[1]))
	got := parseBytes(t, "c.ndjson", b.Bytes(), investigate.AlertQuery{})
	got.wantIDs(t, alertIDs[:2]...)
	if len(got.rep.Problems) != MaxProblemsPerFile+1 {
		t.Fatalf("%d problems: %+v", len(got.rep.Problems), got.rep.Problems)
	}
	for i := 0; i < MaxProblemsPerFile; i++ {
		if want := fmt.Sprintf("c.ndjson:%d", i+2); got.rep.Problems[i].Where != want {
			t.Errorf("problem %d at %s, want %s", i, got.rep.Problems[i].Where, want)
		}
	}
	hasProblem(t, got.rep, "c.ndjson", fmt.Sprintf("%d more problems in this file", 20-MaxProblemsPerFile))
}

// Parse keeps reading while the sink is slow: no data race with batches handed over.
func TestParseSinkOwnsBatches(t *testing.T) {
	doc := fixture(t, "alert-sibling.json")
	var b bytes.Buffer
	for i := 0; i < 2*batchSize; i++ {
		doc["kibana.alert.uuid"] = fmt.Sprint(i)
		b.Write(ndjson(t, doc))
	}
	var kept [][]investigate.Alert
	Parse("f", &b, investigate.AlertQuery{}, func(a []investigate.Alert) { kept = append(kept, a) })
	if len(kept) != 2 || kept[0][0].ID != "0" || kept[1][0].ID != fmt.Sprint(batchSize) {
		t.Errorf("a batch was reused after the sink got it")
	}
}

func TestParseElapsed(t *testing.T) {
	got := parseBytes(t, "f", ndjson(t, alertDocs(t)[0]), investigate.AlertQuery{})
	if got.rep.Elapsed <= 0 || got.rep.Elapsed > time.Minute {
		t.Errorf("Elapsed = %v", got.rep.Elapsed)
	}
}

// A record over the limit is reported by file and line or index, with its size and the
// limit, and skipped; the records after it load, whatever the shape of the file.
func TestParseRecordLimit(t *testing.T) {
	const limit = 4 << 10
	huge := fixture(t, "alert-sibling.json")
	huge["kibana.alert.uuid"] = "huge"
	huge["padding"] = strings.Repeat("p", 3*limit)
	hugeLen := len(compact(t, huge))
	small := func(id string) map[string]any {
		return map[string]any{"kibana.alert.rule.name": "R", "kibana.alert.uuid": id, "@timestamp": "2026-03-02T09:14:47Z"}
	}
	hitsOf := func(ds ...map[string]any) []any {
		var hs []any
		for i, d := range ds {
			hs = append(hs, hit(d, fmt.Sprint("h", i)))
		}
		return hs
	}
	arr := compact(t, []any{small("a"), huge, small("b")})
	search := compact(t, map[string]any{"took": 1, "hits": map[string]any{"hits": hitsOf(small("a"), huge, small("b"))}})
	tests := []struct {
		name  string
		data  []byte
		where string
		msg   string
		ids   []string
	}{
		{"NDJSON line", ndjson(t, small("a"), huge, small("b")), "f:2", fmt.Sprintf("record of %s is larger than the 4 KiB limit", sizeString(int64(hugeLen))), []string{"a", "b"}},
		{"first NDJSON line too long to tell NDJSON by: still named by line", ndjson(t, huge, small("a"), small("b")), "f:1", "is larger than the 4 KiB limit", []string{"a", "b"}},
		{"one-line array", arr, "f#record 2", fmt.Sprintf("record of %s at byte %d is larger", sizeString(int64(hugeLen)), bytes.Index(arr, []byte(`,{"@timestamp":"2026-03-02T09:21`))+1), []string{"a", "b"}},
		{"_search response hit", search, "f#record 2", "is larger than the 4 KiB limit", []string{"a", "b"}},
		{"findings", compact(t, map[string]any{"Findings": []any{findingWith(t, "g1", ""), findingWith(t, "g2", strings.Repeat("x", 2*limit)), findingWith(t, "g3", "")}}), "f#record 2", "is larger", []string{"g1", "g3"}},
		{"ES|QL row", []byte(`{"columns":[{"name":"kibana.alert.rule.name","type":"keyword"},{"name":"_id","type":"keyword"}],"values":[["R","a"],["` + strings.Repeat("R", 2*limit) + `","x"],["R","b"]]}`), "f#record 2", "is larger", []string{"a", "b"}},
		{"pretty document, then another", append(append(pretty(t, huge), '\n'), pretty(t, small("b"))...), "f", "at byte 0 is larger", []string{"b"}},
		{"a key over the limit", append([]byte(`{"`+strings.Repeat("k", 2*limit)+`":1,"kibana.alert.rule.name":"R"}`+"\n"), ndjson(t, small("b"))...), "f:1", "is larger", []string{"b"}},
		{"gzip", gz(t, ndjson(t, small("a"), huge, small("b"))), "f:2", "is larger", []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseLimited(t, "f", tt.data, limit)
			if !slices.Equal(got.ids(), tt.ids) {
				t.Errorf("ids = %v, want %v", got.ids(), tt.ids)
			}
			hasProblem(t, got.rep, tt.where, tt.msg)
			hasProblem(t, got.rep, tt.where, "skipped, not read (raise the limit with --max-record-size)")
			if len(got.rep.Problems) != 1 {
				t.Errorf("problems: %+v", got.rep.Problems)
			}
		})
	}
}

// findingWith is a GuardDuty finding with id, padded with a description.
func findingWith(t *testing.T, id, desc string) map[string]any {
	f := findings(t, "guardduty-get-findings.json")[0]
	f["Id"] = id
	if desc != "" {
		f["Description"] = desc
	}
	return f
}
