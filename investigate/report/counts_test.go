package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/alertdoc"
	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/internal/demo"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// The counts of issue 12: the keys list and the case once disagreed (SIB 5 against "6
// elevated siblings counted"; 12 alerts listed against "11"), because each face counted
// for itself. Now every face prints investigate.CaseCounts and SummaryCounts. These tests
// count again, independently, from the case's JSON arrays, and check that the ranking,
// the case and what the text, Markdown and JSON reports print all say the same.

// recount counts a case from its JSON report's arrays, as a script would, without
// investigate's help: the independent side of every comparison.
type recount struct {
	key, lineage             investigate.CorrelationCounts
	alerts, open, elevated   int
	events, keyEvents        int
	keyPairs, launches, inst int
}

func recountJSON(t *testing.T, doc map[string]any) recount {
	t.Helper()
	var r recount
	arr := func(v any) []map[string]any {
		var out []map[string]any
		for _, e := range v.([]any) {
			out = append(out, e.(map[string]any))
		}
		return out
	}
	group := func(s map[string]any) *investigate.CorrelationCounts {
		if s["via_key"] == "" {
			return &r.key
		}
		return &r.lineage
	}
	status := func(s map[string]any) {
		r.alerts++
		if s["status"] == investigate.WorkflowOpen {
			r.open++
		}
		if s["elevated"] == true {
			r.elevated++
		}
	}
	for _, s := range arr(doc["siblings"]) {
		status(s)
		switch {
		case s["eligible"] != true:
		case s["first_seen"] == true:
			group(s).FirstSeen++
		default:
			group(s).Siblings++
		}
	}
	for _, s := range arr(doc["higher_order_alerts"]) {
		status(s)
		group(s).HigherOrder++
	}
	r.events = len(doc["timeline"].([]any))
	r.keyEvents = int(doc["event_count"].(float64))
	fu := doc["followups"].(map[string]any)
	r.keyPairs, r.launches, r.inst = len(fu["key_pairs"].([]any)), len(fu["launches"].([]any)), len(fu["instances"].([]any))
	return r
}

// printed are the numbers a text or Markdown report prints, read back from it.
var (
	keyLine     = regexp.MustCompile(`The key itself: ([\d,]+) first-seen alerts?, ([\d,]+) counted siblings?, ([\d,]+) higher-order alerts?`)
	lineageLine = regexp.MustCompile(`Its sessions and child keys: ([\d,]+) first-seen alerts?, ([\d,]+) counted siblings?, ([\d,]+) higher-order alerts?`)
	alertsLine  = regexp.MustCompile(`([\d,]+) alerts?(?: \(([\d,]+) higher-order\))?, ([\d,]+) open, ([\d,]+) elevated, ([\d,]+) counted`)
	eventsLine  = regexp.MustCompile(`([\d,]+) events? by the key`)
	followLine  = regexp.MustCompile(`([\d,]+) key pairs?, ([\d,]+) launch(?:es)?(?: \([\d,]+ failed\))?, ([\d,]+) instances?`)
)

func atoi(t *testing.T, s string) int {
	t.Helper()
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func printedGroup(t *testing.T, re *regexp.Regexp, out, what string) (investigate.CorrelationCounts, bool) {
	t.Helper()
	m := re.FindStringSubmatch(out)
	if m == nil {
		return investigate.CorrelationCounts{}, false
	}
	return investigate.CorrelationCounts{FirstSeen: atoi(t, m[1]), Siblings: atoi(t, m[2]), HigherOrder: atoi(t, m[3])}, true
}

// checkCountsAgree checks one key: its ranking entry (nil when the ranking does not
// list it), its case, and the three reports of the case, against the recount and
// against want (the case's Key and Lineage, as the scenario planted them).
func checkCountsAgree(t *testing.T, c *investigate.Case, r *investigate.Ranking, want investigate.Counts) {
	t.Helper()
	key := c.Key.String()
	n := investigate.CaseCounts(c)

	// JSON: its arrays, recounted, and its counts object.
	var jb bytes.Buffer
	if err := report.CaseJSON(&jb, c); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(jb.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	rc := recountJSON(t, doc)
	if rc.key != want.Key || rc.lineage != want.Lineage {
		t.Errorf("%s: the JSON's alerts count key %+v, lineage %+v; the scenario planted key %+v, lineage %+v", key, rc.key, rc.lineage, want.Key, want.Lineage)
	}
	if n.Key != rc.key || n.Lineage != rc.lineage || n.Alerts != rc.alerts || n.OpenAlerts != rc.open || n.ElevatedAlerts != rc.elevated ||
		n.Events != rc.events || n.KeyEvents != rc.keyEvents || n.KeyPairs != rc.keyPairs || n.Launches != rc.launches || n.Instances != rc.inst {
		t.Errorf("%s: CaseCounts %+v, recounted from the JSON %+v", key, n, rc)
	}
	if n.CountedAlerts != rc.key.Counted()+rc.lineage.Counted() {
		t.Errorf("%s: %d counted alerts, the recount %d", key, n.CountedAlerts, rc.key.Counted()+rc.lineage.Counted())
	}
	var jc investigate.Counts
	if raw, err := json.Marshal(doc["counts"]); err != nil || json.Unmarshal(raw, &jc) != nil {
		t.Fatalf("%s: the JSON has no counts object: %v", key, doc["counts"])
	}
	if jc != n {
		t.Errorf("%s: the JSON's counts %+v, CaseCounts %+v", key, jc, n)
	}
	if int(doc["completeness"].(map[string]any)["alerts"].(map[string]any)["found"].(float64)) != rc.alerts {
		t.Errorf("%s: completeness found %v alerts, the case lists %d", key, doc["completeness"].(map[string]any)["alerts"], rc.alerts)
	}

	// The ranking: its summary, its JSON and its text table say the key's own counts.
	var sum *investigate.KeySummary
	for i := range r.Keys {
		if r.Keys[i].Key.String() == key {
			sum = &r.Keys[i]
		}
	}
	if sum == nil {
		t.Fatalf("%s is not in the ranking", key)
	}
	if got := investigate.SummaryCounts(sum); got != rc.key {
		t.Errorf("%s: the ranking counts %+v, the case's key %+v", key, got, rc.key)
	}
	var rj bytes.Buffer
	if err := report.JSON(&rj, r); err != nil {
		t.Fatal(err)
	}
	var rdoc struct {
		Keys []struct {
			Key          string   `json:"key"`
			SiblingCount int      `json:"sibling_count"`
			FirstSeen    int      `json:"first_seen_count"`
			HigherOrder  []string `json:"higher_order_alerts"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(rj.Bytes(), &rdoc); err != nil {
		t.Fatal(err)
	}
	for _, k := range rdoc.Keys {
		if k.Key == key && (k.SiblingCount != rc.key.Siblings || k.FirstSeen != rc.key.FirstSeen || len(k.HigherOrder) != rc.key.HigherOrder) {
			t.Errorf("%s: the ranking's JSON says %d siblings, %d first-seen, %d higher-order; the case %+v", key, k.SiblingCount, k.FirstSeen, len(k.HigherOrder), rc.key)
		}
	}
	var kt bytes.Buffer
	if err := report.KeysText(&kt, r, report.Options{Width: 120}); err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^` + key + `\s+\S+\s+(\d+)\s`).FindStringSubmatch(kt.String())
	if row == nil || atoi(t, row[1]) != rc.key.Siblings {
		t.Errorf("%s: the keys list's SIBL column %v, the case's key has %d counted siblings:\n%s", key, row, rc.key.Siblings, kt.String())
	}

	// Text and Markdown: what they print, read back.
	var tb, mb bytes.Buffer
	if err := report.Text(&tb, c, report.Options{Width: 200, Timeline: report.TimelineNone}); err != nil {
		t.Fatal(err)
	}
	if err := report.Markdown(&mb, c, report.Options{Timeline: report.TimelineNone}); err != nil {
		t.Fatal(err)
	}
	for face, out := range map[string]string{"text": tb.String(), "markdown": mb.String()} {
		if got, ok := printedGroup(t, keyLine, out, "key"); !ok || got != rc.key {
			t.Errorf("%s %s report: the key's counts printed %+v (found %v), the case's %+v", key, face, got, ok, rc.key)
		}
		got, ok := printedGroup(t, lineageLine, out, "lineage")
		if ok != !rc.lineage.IsZero() || got != rc.lineage {
			t.Errorf("%s %s report: the lineage's counts printed %+v (found %v), the case's %+v", key, face, got, ok, rc.lineage)
		}
		m := alertsLine.FindStringSubmatch(out)
		if m == nil || atoi(t, m[1]) != rc.alerts || atoi(t, m[2]) != len(doc["higher_order_alerts"].([]any)) || atoi(t, m[3]) != rc.open ||
			atoi(t, m[4]) != rc.elevated || atoi(t, m[5]) != rc.key.Counted()+rc.lineage.Counted() {
			t.Errorf("%s %s report: alerts printed %q, recounted %+v", key, face, m, rc)
		}
		if m := eventsLine.FindStringSubmatch(out); len(c.Events) > 0 && (m == nil || atoi(t, m[1]) != rc.keyEvents) {
			t.Errorf("%s %s report: events by the key printed %q, the JSON's event_count %d", key, face, m, rc.keyEvents)
		}
	}
	if m := followLine.FindStringSubmatch(tb.String()); m == nil || atoi(t, m[1]) != rc.keyPairs || atoi(t, m[2]) != rc.launches || atoi(t, m[3]) != rc.inst {
		t.Errorf("%s text report: follow-ups printed %q, the JSON has %d key pairs, %d launches, %d instances", key, m, rc.keyPairs, rc.launches, rc.inst)
	}
}

// On the demo, the counts the analyst saw disagree (issue 12) agree: the keys list's
// SIBL for the leaked key is its case's "the key itself" count, and the case's alert
// count includes the higher-order alerts the Alerts list shows.
func TestDemoCountsAgreeAcrossFaces(t *testing.T) {
	c, r := theDemo(t)
	f := demo.Generate(demo.DefaultAnchor()).Facts.Alerts
	want := investigate.Counts{
		Key: investigate.CorrelationCounts{FirstSeen: 1, Siblings: len(f.Eligible), HigherOrder: 1},
		// The session's alert, the child key's first-seen alert and its sibling, and the
		// higher-order alert of the child key's address.
		Lineage: investigate.CorrelationCounts{FirstSeen: 1, Siblings: len(f.ViaSession) + len(f.ViaChild) - 1, HigherOrder: 1},
	}
	if f.FirstSeen == "" || f.BackdoorFirstSeen == "" || f.ChildHigherOrder == "" || len(f.ViaSession) == 0 {
		t.Fatalf("the demo no longer plants what this test counts: %+v", f)
	}
	checkCountsAgree(t, c, r, want)
	if n := investigate.CaseCounts(c); n.Alerts != len(c.Siblings)+len(c.HigherOrderAlerts) || n.Alerts != c.Completeness.Alerts.Found {
		t.Errorf("%d alerts counted; the case lists %d and %d higher-order, and found %d", n.Alerts, len(c.Siblings), len(c.HigherOrderAlerts), c.Completeness.Alerts.Found)
	}
}

// corpusDir holds real CloudTrail records (stratus-red-team detonations).
const corpusDir = "../../../shared/corpus/stratus-detonation-logs"

// corpusAlerts is an alert source over alert documents made for one corpus file's
// events, read through the real alert-export parser.
type corpusAlerts struct{ ndjson []byte }

func (s *corpusAlerts) Name() string { return "corpus-alerts.ndjson" }

func (s *corpusAlerts) Alerts(ctx context.Context, q investigate.AlertQuery, sink func([]investigate.Alert)) (investigate.SourceReport, error) {
	rep := alertdoc.Parse(s.Name(), bytes.NewReader(s.ndjson), q, sink)
	return rep, ctx.Err()
}

// corpusRecord is what the alerts are made from: one CloudTrail record's fields.
type corpusRecord struct {
	EventID      string    `json:"eventID"`
	EventName    string    `json:"eventName"`
	EventTime    time.Time `json:"eventTime"`
	SourceIP     string    `json:"sourceIPAddress"`
	AWSRegion    string    `json:"awsRegion"`
	UserIdentity struct {
		AccessKeyID string `json:"accessKeyId"`
	} `json:"userIdentity"`
}

// plantedAlert is an Elastic alert document about one corpus record.
func plantedAlert(id, ruleID, ruleName, severity string, risk int, status, key, ip string, at time.Time, extra map[string]any) map[string]any {
	d := map[string]any{
		"@timestamp": at.UTC().Format(time.RFC3339Nano), "kibana.alert.uuid": id,
		"kibana.alert.rule.rule_id": ruleID, "kibana.alert.rule.name": ruleName, "kibana.alert.rule.type": "query",
		"kibana.alert.severity": severity, "kibana.alert.risk_score": risk, "kibana.alert.workflow_status": status,
		"event": map[string]any{"kind": "signal"}, "source": map[string]any{"ip": ip},
	}
	if key != "" {
		d["aws"] = map[string]any{"cloudtrail": map[string]any{"user_identity": map[string]any{"access_key_id": key}}}
	}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

// On real records, a case's counts agree with the ranking of the same alerts and with
// every report, for a key with a derived session (AssumeRole), one with a child key
// (CreateAccessKey), and one with neither. The alerts are made for each file's events:
// a first-seen alert, counted and uncounted siblings of the key, a sibling of its
// session or child key, and the higher-order alert of its address.
func TestCorpusCountsAgreeAcrossFaces(t *testing.T) {
	for _, tc := range []struct {
		file, key, lineageKey string
	}{
		{"aws.credential-access.ec2-get-password-data.json", "AKIAWOGXN38MFN92ING5", "ASIANQQHHS551LWULIWD"},
		{"aws.persistence.iam-backdoor-user.json", "AKIA30BEZSJBVKOFKZW0", "AKIAL80DWDVKKM0UXEER"},
		{"aws.execution.ssm-send-command.json", "AKIAW9X2Q2U25SK79UCX", ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(corpusDir, tc.file)
			raw, err := os.ReadFile(path)
			if err != nil {
				if os.Getenv("CI") != "" {
					t.Fatalf("corpus not present (CI is set, so it must be): %v", err)
				}
				t.Skipf("corpus not present: %v", err)
			}
			var records []corpusRecord // the corpus's files are arrays of records
			if err := json.Unmarshal(raw, &records); err != nil {
				t.Fatal(err)
			}
			var first *corpusRecord
			for i := range records {
				if r := &records[i]; r.UserIdentity.AccessKeyID == tc.key && (first == nil || r.EventTime.Before(first.EventTime)) {
					first = r
				}
			}
			if first == nil {
				t.Fatalf("no event of %s in %s", tc.key, tc.file)
			}
			// The records' addresses are anonymised and not always valid: the alerts use
			// a documentation address when the record's is none.
			ip := first.SourceIP
			if strings.Count(ip, ".") != 3 || strings.Contains(ip, ".0") {
				ip = "203.0.113.9"
			}
			at := first.EventTime.Add(time.Minute)
			docs := []map[string]any{
				plantedAlert("fs-1", investigate.FirstSeenRuleID, "AWS IAM Long-Term Access Key First Seen from Source IP", "medium", 47, "open", tc.key, ip, at, nil),
				plantedAlert("sib-high", "rule-high", "High sibling", "high", 73, "open", tc.key, ip, at.Add(time.Minute), nil),
				plantedAlert("sib-medium", "rule-medium", "Medium sibling", "medium", 47, "open", tc.key, ip, at.Add(2*time.Minute), nil),
				plantedAlert("sib-closed", "rule-high", "High sibling", "high", 73, "closed", tc.key, ip, at.Add(3*time.Minute), nil),
				plantedAlert("sib-low", "rule-low", "Low sibling", "low", 21, "open", tc.key, ip, at.Add(4*time.Minute), nil),
				plantedAlert("ho-1", investigate.CorrelatedKeyRuleID, "AWS IAM Long-Term Access Key Correlated with Elevated Detection Alerts", "high", 73, "open", "", ip, at.Add(5*time.Minute),
					map[string]any{"kibana.alert.rule.tags": []any{investigate.HigherOrderRuleTag}}),
			}
			want := investigate.Counts{Key: investigate.CorrelationCounts{FirstSeen: 1, Siblings: 2, HigherOrder: 1}}
			if tc.lineageKey != "" {
				docs = append(docs, plantedAlert("lineage-1", "rule-high", "High sibling", "high", 73, "open", tc.lineageKey, ip, at.Add(6*time.Minute), nil))
				want.Lineage.Siblings = 1
			}
			var nd bytes.Buffer
			for _, d := range docs {
				b, err := json.Marshal(d)
				if err != nil {
					t.Fatal(err)
				}
				nd.Write(append(b, '\n'))
			}
			now := first.EventTime.Add(24 * time.Hour)
			w := &investigate.Workspace{
				Alerts:      []investigate.AlertSource{&corpusAlerts{ndjson: nd.Bytes()}},
				Trails:      []investigate.EventSource{&cloudtrail.FileSource{Paths: []string{path}}},
				Correlation: investigate.DefaultCorrelationOptions(),
				Now:         func() time.Time { return now },
			}
			ctx := context.Background()
			r, err := w.Rank(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			c, err := w.Investigate(ctx, investigate.MustParseAccessKeyID(tc.key), 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.lineageKey != "" && !lineageHas(c, tc.lineageKey) {
				t.Fatalf("%s is not in the case's lineage: sessions %v, children %v", tc.lineageKey, c.Sessions, c.CreatedAccessKeys)
			}
			checkCountsAgree(t, c, r, want)
			// The alerts keep their documents, as the file held them.
			for _, s := range c.Siblings {
				if len(s.Raw) == 0 || !strings.Contains(investigate.RawDocumentText(s.Raw, s.RawSize), fmt.Sprintf("%q", s.AlertID)) {
					t.Errorf("alert %s keeps no document: %q", s.AlertID, s.Raw)
				}
			}
		})
	}
}

func lineageHas(c *investigate.Case, key string) bool {
	for _, s := range c.Sessions {
		if s.AccessKeyID == key {
			return true
		}
	}
	for _, k := range c.CreatedAccessKeys {
		if k.AccessKeyID == key {
			return true
		}
	}
	return false
}
