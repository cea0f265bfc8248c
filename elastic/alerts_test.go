package elastic

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/alertdoc"
	"github.com/keypivot/keypivot/internal/sourcetest"
	estest "github.com/keypivot/keypivot/internal/testserver/elasticsearch"
	"github.com/keypivot/keypivot/investigate"
)

// Keys of the test server's sample alerts (real Stratus Red Team detonations).
const (
	keyBackdoor = "AKIA30BEZSJBVKOFKZW0" // first seen + CreateAccessKey for another user (+ a closed sibling)
	keyStopLog  = "AKIAGGWFBBHBE7D3M9WI" // first seen + StopLogging
	keyLowOnly  = "AKIAMJ2320ZAXACWCPJI" // a low-severity discovery alert only
)

func sampleServer(t *testing.T, opts ...estest.Option) *estest.Server {
	t.Helper()
	s := estest.New(t, opts...)
	if _, err := s.LoadSampleAlerts("default"); err != nil {
		t.Fatal(err)
	}
	return s
}

func connect(t *testing.T, s *estest.Server, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{URL: s.URL(), APIKey: s.APIKey()}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := Connect(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return c
}

// collect reads every alert of q.
func collect(t *testing.T, src investigate.AlertSource, q investigate.AlertQuery) ([]investigate.Alert, investigate.SourceReport) {
	t.Helper()
	rep, out, err := sourcetest.Alerts(context.Background(), src, q)
	if err != nil {
		t.Fatalf("Alerts: %v (report %+v)", err, rep)
	}
	return out, rep
}

func TestRankingFromElasticsearchCorrelatesByKey(t *testing.T) {
	s := sampleServer(t)
	c := connect(t, s)
	ws := &investigate.Workspace{Alerts: []investigate.AlertSource{c.AlertSource()}, Correlation: investigate.DefaultCorrelationOptions()}
	rk, err := ws.Rank(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range rk.Keys {
		if k.Correlated {
			keys = append(keys, k.Key.String())
		}
	}
	slices.Sort(keys)
	if want := []string{keyBackdoor, keyStopLog}; !slices.Equal(keys, want) {
		t.Fatalf("correlated keys = %v, want %v", keys, want)
	}
	if rk.Stats.Alerts != 6 || rk.Stats.Ineligible[investigate.ReasonNotOpen] != 1 || rk.Stats.Ineligible[investigate.ReasonNotElevated] != 1 {
		t.Errorf("stats = %+v: want 6 alerts, one closed, one low", rk.Stats)
	}
	for _, k := range rk.Keys {
		if k.Key.String() == keyBackdoor && (k.SiblingCount != 1 || k.FirstSeenCount != 1 || k.User != "christophe" || k.Account != "946986569305") {
			t.Errorf("%s: %+v", keyBackdoor, k)
		}
	}
	if len(rk.Sources) != 1 || rk.Sources[0].Records != 6 || rk.Sources[0].Kind != "elasticsearch" {
		t.Errorf("source report = %+v", rk.Sources)
	}
}

func TestAlertsArePagedWithAPointInTimeAndSearchAfter(t *testing.T) {
	s := sampleServer(t)
	c := connect(t, s, func(c *Config) { c.PageSize = 2 })
	s.ResetCounters()
	alerts, rep := collect(t, c.AlertSource(), investigate.AlertQuery{})
	if len(alerts) != 6 || rep.Records != 6 || rep.Matched != 6 {
		t.Fatalf("read %d alerts, report %+v", len(alerts), rep)
	}
	for i := 1; i < len(alerts); i++ {
		if alerts[i].Time.Before(alerts[i-1].Time) {
			t.Errorf("alerts not oldest first: %v after %v", alerts[i].Time, alerts[i-1].Time)
		}
	}
	if n := s.Requests(estest.EndpointOpenPIT); n != 1 {
		t.Errorf("opened %d points in time, want 1", n)
	}
	// 6 alerts in pages of 2: three full pages, then an empty one that ends the scan.
	if n := s.Requests(estest.EndpointSearch); n != 4 {
		t.Errorf("%d search requests, want 4", n)
	}
	if s.OpenPITs() != 0 || s.Requests(estest.EndpointClosePIT) != 1 {
		t.Errorf("point in time not closed: %d open, %d closes", s.OpenPITs(), s.Requests(estest.EndpointClosePIT))
	}
	searches := 0
	for _, r := range s.RequestLog() {
		if r.Endpoint != estest.EndpointSearch {
			continue
		}
		searches++
		var body map[string]any
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		if r.Path != "/_search" {
			t.Errorf("a search with a point in time must not name an index: %s", r.Path)
		}
		if _, ok := body["pit"]; !ok {
			t.Errorf("search %d without pit: %s", searches, r.Body)
		}
		if _, ok := body["search_after"]; ok != (searches > 1) {
			t.Errorf("search %d: search_after present = %v", searches, ok)
		}
		if body["size"] != float64(2) {
			t.Errorf("size = %v", body["size"])
		}
	}
}

func TestAlertsOfKeysReadTheUnindexedKeyFromSource(t *testing.T) {
	s := sampleServer(t)
	// A first-seen alert whose copied event lacks aws.cloudtrail (the key only in
	// kibana.alert.new_terms), and a higher-order alert grouped by source.ip.
	fs := estest.SampleAlerts()[2]
	delete(fs, "aws")
	fs["kibana.alert.uuid"] = "fs-only-new-terms"
	fs["kibana.alert.new_terms"] = []any{keyBackdoor, "203.0.113.9"}
	fs["source"] = map[string]any{"ip": "203.0.113.9"}
	if err := s.Index(estest.AlertsIndex("default"), "fs-only-new-terms", fs); err != nil {
		t.Fatal(err)
	}
	ho := higherOrderAlert("ho-1", "211.9.16.253", "2024-07-30T22:00:00Z")
	if err := s.Index(estest.AlertsIndex("default"), "ho-1", ho); err != nil {
		t.Fatal(err)
	}
	c := connect(t, s)
	s.ResetCounters()
	alerts, _ := collect(t, c.AlertSource(), investigate.AlertQuery{AccessKeys: investigate.KeyIDs(keyBackdoor)})
	var ids []string
	for _, a := range alerts {
		ids = append(ids, a.ID)
		if a.AccessKeyID != keyBackdoor && !a.HigherOrder {
			t.Errorf("alert %s of key %q returned for %s", a.ID, a.AccessKeyID, keyBackdoor)
		}
	}
	// Three alerts carry the key in _source (one closed), one only in new_terms, plus the higher-order one.
	if len(alerts) != 5 || !slices.Contains(ids, "fs-only-new-terms") || !slices.Contains(ids, "ho-1") {
		t.Fatalf("alerts of %s: %v", keyBackdoor, ids)
	}
	var body map[string]any
	for _, r := range s.RequestLog() {
		if r.Endpoint == estest.EndpointSearch {
			_ = json.Unmarshal(r.Body, &body)
			break
		}
	}
	rm, _ := body["runtime_mappings"].(map[string]any)
	if _, ok := rm[accessKeyField]; !ok {
		t.Errorf("the key query does not read the key through a runtime field: %v", body)
	}
}

// higherOrderAlert is an alert of Elastic's ES|QL correlation rule, as Kibana writes it:
// the rule's output columns flat, grouped by source.ip.
// higherOrderAlert is an alert of Elastic's higher-order rule as its current ES|QL
// query writes it (elastic/detection-rules, updated 2026/09/17): grouped by source.ip,
// with the columns its keep lists; Esql.user_entity_id_values holds the user.entity.id
// values of the alerts it grouped, and is null (absent) when they have none (the samples
// predate the field).
func higherOrderAlert(id, ip, ts string, entities ...any) map[string]any {
	doc := map[string]any{
		"@timestamp":                     ts,
		"kibana.alert.uuid":              id,
		"kibana.alert.rule.name":         "AWS IAM Long-Term Access Key Correlated with Elevated Detection Alerts",
		"kibana.alert.rule.rule_id":      investigate.CorrelatedKeyRuleID,
		"kibana.alert.rule.type":         "esql",
		"kibana.alert.rule.category":     "ES|QL Rule",
		"kibana.alert.rule.rule_type_id": "siem.esqlRule",
		"kibana.alert.rule.tags": []any{"Domain: Cloud", "Data Source: AWS", "Data Source: Amazon Web Services", "Data Source: AWS CloudTrail",
			"Data Source: AWS IAM", "Use Case: Threat Detection", "Tactic: Credential Access", "Tactic: Initial Access",
			"Resources: Investigation Guide", "Rule Type: Higher-Order Rule", "Noise: Low", "Performance: Normal"},
		"kibana.alert.severity":                      "high",
		"kibana.alert.risk_score":                    73,
		"kibana.alert.workflow_status":               "open",
		"event.kind":                                 "signal",
		"source.ip":                                  ip,
		"Esql.alert_count_long_term_key_new_ip_rule": 1,
		"Esql.alert_count_other_elevated_rule":       1,
		"Esql.kibana_alert_rule_name_values":         []any{"AWS IAM Long-Term Access Key First Seen from Source IP", "AWS IAM User Created Access Keys For Another User"},
		"Esql.kibana_alert_rule_id_values":           []any{investigate.FirstSeenRuleID, "696015ef-718e-40ff-ac4a-cc2ba88dbeeb"},
		"Esql.kibana_alert_risk_score_values":        []any{47, 73},
		"Esql.kibana_alert_severity_values":          []any{"medium", "high"},
		"Esql.timestamp_min":                         ts,
		"Esql.timestamp_max":                         ts,
	}
	if len(entities) > 0 {
		doc["Esql.user_entity_id_values"] = entities
	}
	return doc
}

// rankWith ranks the sample alerts and extra, read through the server.
func rankWith(t *testing.T, extra ...map[string]any) *investigate.Ranking {
	t.Helper()
	s := sampleServer(t)
	for _, a := range extra {
		if err := s.Index(estest.AlertsIndex("default"), a["kibana.alert.uuid"].(string), a); err != nil {
			t.Fatal(err)
		}
	}
	c := connect(t, s)
	ws := &investigate.Workspace{Alerts: []investigate.AlertSource{c.AlertSource()}}
	rk, err := ws.Rank(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	return rk
}

func TestHigherOrderAlertIsMappedBackToItsKey(t *testing.T) {
	rk := rankWith(t,
		higherOrderAlert("ho-mapped", "211.9.16.253", "2024-07-30T22:04:00Z"),
		higherOrderAlert("ho-unmapped", "198.51.100.7", "2024-07-30T22:05:00Z"),
	)
	found := false
	for _, k := range rk.Keys {
		if k.Key.String() == keyBackdoor {
			found = slices.Equal(k.HigherOrderAlerts, []string{"ho-mapped"})
		}
	}
	if !found || !slices.Equal(rk.Unmapped, []string{"ho-unmapped"}) || rk.Stats.HigherOrder != 2 {
		t.Errorf("keys %+v unmapped %v stats %+v", rk.Keys, rk.Unmapped, rk.Stats)
	}
}

// A higher-order alert whose address matches no first-seen alert is still tied to a key
// when its user entities name the key's user: through the server, by ARN.
func TestHigherOrderAlertIsTiedByUserEntity(t *testing.T) {
	rk := rankWith(t,
		higherOrderAlert("ho-entity", "198.51.100.7", "2024-07-30T22:04:00Z", "arn:aws:iam::946986569305:user/christophe"),
		higherOrderAlert("ho-stranger", "198.51.100.8", "2024-07-30T22:05:00Z", "arn:aws:iam::946986569305:user/someone-else"),
	)
	var got []string
	for _, k := range rk.Keys {
		if k.Key.String() == keyBackdoor {
			got = k.HigherOrderAlerts
		}
	}
	if !slices.Equal(got, []string{"ho-entity"}) || !slices.Equal(rk.Unmapped, []string{"ho-stranger"}) {
		t.Errorf("key's higher-order alerts %v, unmapped %v", got, rk.Unmapped)
	}
}

func TestWindowIsAppliedByTheServer(t *testing.T) {
	s := sampleServer(t)
	c := connect(t, s)
	since := time.Date(2024, 7, 31, 0, 0, 0, 0, time.UTC)
	until := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	alerts, rep := collect(t, c.AlertSource(), investigate.AlertQuery{Window: investigate.Window{Since: since, Until: until}})
	if len(alerts) != 2 || rep.Records != 2 {
		t.Fatalf("%d alerts in the window, want the two of %s", len(alerts), keyStopLog)
	}
	for _, a := range alerts {
		if a.AccessKeyID != keyStopLog {
			t.Errorf("alert %s of %s is outside the window", a.ID, a.AccessKeyID)
		}
	}
}

// A ranking's _source include list must keep every field alertdoc.FromElastic reads,
// but the rule's description and ATT&CK mapping, which only an alert's detail shows.
func TestSourceFilteringKeepsEveryMappedField(t *testing.T) {
	s := sampleServer(t)
	if err := s.Index(estest.AlertsIndex("default"), "ho-1", higherOrderAlert("ho-1", "211.9.16.253", "2024-07-30T22:00:00Z")); err != nil {
		t.Fatal(err)
	}
	detail := withRuleDetail(t)
	if err := s.Index(estest.AlertsIndex("default"), "fs-with-detail", detail); err != nil {
		t.Fatal(err)
	}
	c := connect(t, s)
	got, _ := collect(t, c.AlertSource(), investigate.AlertQuery{})
	full := append(estest.SampleAlerts(), higherOrderAlert("ho-1", "211.9.16.253", "2024-07-30T22:00:00Z"), detail)
	want := map[string]investigate.Alert{}
	for _, d := range full {
		// Round-trip through JSON as the server does (numbers become float64).
		b, _ := json.Marshal(d)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		a, err := alertdoc.FromElastic(m, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if a.ID == "fs-with-detail" && (a.RuleDescription == "" || len(a.Threats) == 0 || a.EventID == "") {
			t.Fatal("the whole document maps no rule detail: the test checks nothing")
		}
		a.RuleDescription, a.Threats, a.EventID = "", nil, ""
		want[a.ID] = a
	}
	if len(got) != len(want) {
		t.Fatalf("got %d alerts, want %d", len(got), len(want))
	}
	for _, a := range got {
		w := want[a.ID]
		a.Origin, a.Index = "", ""
		ga, _ := json.Marshal(a)
		wa, _ := json.Marshal(w)
		if string(ga) != string(wa) {
			t.Errorf("alert %s differs when read through the include list:\n got %s\nwant %s", a.ID, ga, wa)
		}
	}
}

func TestNotAnAlertIsAProblemAndTheRestLoads(t *testing.T) {
	s := sampleServer(t)
	if err := s.Index(estest.AlertsIndex("default"), "junk", map[string]any{"@timestamp": "2024-07-30T22:00:00Z", "message": "hello"}); err != nil {
		t.Fatal(err)
	}
	c := connect(t, s)
	alerts, rep := collect(t, c.AlertSource(), investigate.AlertQuery{})
	if len(alerts) != 6 || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Where, "junk") {
		t.Fatalf("%d alerts, problems %+v", len(alerts), rep.Problems)
	}
}

func TestWrongSpaceNamesTheIndexAndTheFlag(t *testing.T) {
	s := sampleServer(t)
	c := connect(t, s, func(c *Config) { c.Space = "soc" })
	_, err := c.AlertSource().Alerts(context.Background(), investigate.AlertQuery{}, func([]investigate.Alert) {})
	if !errors.Is(err, ErrNoIndex) || !strings.Contains(err.Error(), ".alerts-security.alerts-soc") || !strings.Contains(err.Error(), "--kibana-space") {
		t.Fatalf("err = %v", err)
	}
}

func TestBadCredentialsAreNamed(t *testing.T) {
	s := estest.New(t, estest.WithAPIKey("kp", "right"))
	_, err := Connect(context.Background(), Config{URL: s.URL(), APIKey: "kp:wrong"})
	var ee *Error
	if !errors.As(err, &ee) || ee.Status != http.StatusUnauthorized || !strings.Contains(err.Error(), "--elastic-api-key") {
		t.Fatalf("err = %v", err)
	}
	// id:key is accepted as well as its base64 form.
	if _, err := Connect(context.Background(), Config{URL: s.URL(), APIKey: "kp:right"}); err != nil {
		t.Fatalf("id:key form refused: %v", err)
	}
	b := estest.New(t, estest.WithBasicAuth("analyst", "pw"))
	if _, err := Connect(context.Background(), Config{URL: b.URL(), Username: "analyst", Password: "pw"}); err != nil {
		t.Fatalf("basic auth refused: %v", err)
	}
}

func TestServerMajorsAreProbed(t *testing.T) {
	for _, v := range []string{"8.19.7", "9.1.5"} {
		t.Run(v, func(t *testing.T) {
			s := sampleServer(t, estest.WithVersion(v))
			c := connect(t, s)
			if c.Version != v {
				t.Errorf("version = %q", c.Version)
			}
			s.ResetCounters()
			alerts, _ := collect(t, c.AlertSource(), investigate.AlertQuery{})
			if len(alerts) != 6 {
				t.Fatalf("%d alerts", len(alerts))
			}
			for _, r := range s.RequestLog() {
				accept := r.Header.Get("Accept")
				compat := strings.Contains(accept, "compatible-with=8")
				if compat != strings.HasPrefix(v, "9.") {
					t.Errorf("%s %s: Accept %q", r.Method, r.Path, accept)
				}
			}
		})
	}
	s := estest.New(t, estest.WithVersion("7.17.20"))
	if _, err := Connect(context.Background(), Config{URL: s.URL(), APIKey: s.APIKey()}); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("7.x: err = %v", err)
	}
}

func TestForbiddenVersionProbeIsNotFatal(t *testing.T) {
	s := sampleServer(t)
	s.InjectFault(estest.Fault{Endpoint: estest.EndpointInfo, Status: http.StatusForbidden})
	c := connect(t, s)
	if c.Version != "" || len(c.Notes) == 0 {
		t.Errorf("version %q notes %v", c.Version, c.Notes)
	}
	if alerts, _ := collect(t, c.AlertSource(), investigate.AlertQuery{}); len(alerts) != 6 {
		t.Errorf("%d alerts", len(alerts))
	}
}

func TestRejectedSearchIsRetried(t *testing.T) {
	s := sampleServer(t)
	c := connect(t, s)
	s.ResetCounters()
	s.InjectFault(estest.Fault{Endpoint: estest.EndpointSearch, Status: http.StatusTooManyRequests})
	alerts, _ := collect(t, c.AlertSource(), investigate.AlertQuery{})
	if len(alerts) != 6 || s.Requests(estest.EndpointSearch) != 2 {
		t.Errorf("%d alerts after %d searches", len(alerts), s.Requests(estest.EndpointSearch))
	}
}

func TestCancelledScanClosesItsPointInTime(t *testing.T) {
	s := sampleServer(t)
	c := connect(t, s, func(c *Config) { c.PageSize = 1 })
	ctx, cancel := context.WithCancel(context.Background())
	pages := 0
	_, err := c.AlertSource().Alerts(ctx, investigate.AlertQuery{}, func([]investigate.Alert) {
		pages++
		cancel()
	})
	if !errors.Is(err, context.Canceled) || pages != 1 {
		t.Fatalf("err %v after %d pages", err, pages)
	}
	if s.OpenPITs() != 0 {
		t.Errorf("%d points in time left open", s.OpenPITs())
	}
}

// withRuleDetail is a sample alert of keyBackdoor with its rule's description and MITRE
// ATT&CK mapping, as Kibana copies them from the rule into every alert.
func withRuleDetail(t *testing.T) map[string]any {
	t.Helper()
	for _, d := range estest.SampleAlerts() {
		b, _ := json.Marshal(d)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if a, err := alertdoc.FromElastic(m, "", ""); err == nil && a.AccessKeyID == keyBackdoor && a.RuleID == investigate.FirstSeenRuleID {
			m["kibana.alert.uuid"] = "fs-with-detail"
			m["kibana.alert.original_event.id"] = "9d1c5c2e-5a43-4bd4-9a0a-6f8d1f0c2b11"
			m["kibana.alert.rule.description"] = "Identifies the first time that a long-term IAM access key ID (prefix AKIA) is used successfully from a given source.ip in AWS CloudTrail."
			m["kibana.alert.rule.threat"] = []any{
				map[string]any{"framework": "MITRE ATT&CK",
					"tactic":    map[string]any{"id": "TA0006", "name": "Credential Access", "reference": "https://attack.mitre.org/tactics/TA0006/"},
					"technique": []any{map[string]any{"id": "T1552", "name": "Unsecured Credentials", "reference": "https://attack.mitre.org/techniques/T1552/"}}},
				map[string]any{"framework": "MITRE ATT&CK",
					"tactic": map[string]any{"id": "TA0001", "name": "Initial Access", "reference": "https://attack.mitre.org/tactics/TA0001/"},
					"technique": []any{map[string]any{"id": "T1078", "name": "Valid Accounts", "reference": "https://attack.mitre.org/techniques/T1078/",
						"subtechnique": []any{map[string]any{"id": "T1078.004", "name": "Cloud Accounts", "reference": "https://attack.mitre.org/techniques/T1078/004/"}}}}},
			}
			return m
		}
	}
	t.Fatalf("no first-seen sample alert of %s", keyBackdoor)
	return nil
}

// A case's search fetches whole documents: each alert keeps its _source (Raw), its
// rule's description and ATT&CK mapping. A ranking's search leaves the detail out and
// keeps no document.
func TestCaseAlertsKeepTheirDocumentAndRuleDetail(t *testing.T) {
	s := sampleServer(t)
	doc := withRuleDetail(t)
	if err := s.Index(estest.AlertsIndex("default"), "fs-with-detail", doc); err != nil {
		t.Fatal(err)
	}
	c := connect(t, s)
	find := func(alerts []investigate.Alert) investigate.Alert {
		for _, a := range alerts {
			if a.ID == "fs-with-detail" {
				return a
			}
		}
		t.Fatal("the alert was not read")
		return investigate.Alert{}
	}
	searchBody := func() map[string]any {
		for _, r := range s.RequestLog() {
			if r.Endpoint == estest.EndpointSearch {
				var body map[string]any
				if err := json.Unmarshal(r.Body, &body); err != nil {
					t.Fatal(err)
				}
				return body
			}
		}
		t.Fatal("no search")
		return nil
	}

	s.ResetCounters()
	rankAlerts, _ := collect(t, c.AlertSource(), investigate.AlertQuery{})
	ra := find(rankAlerts)
	if ra.RuleDescription != "" || ra.Threats != nil || ra.Raw != nil || ra.EventID != "" {
		t.Errorf("a ranking's alert carries its detail: %q %v %q %d bytes", ra.RuleDescription, ra.Threats, ra.EventID, len(ra.Raw))
	}
	includes, _ := searchBody()["_source"].(map[string]any)["includes"].([]any)
	for _, f := range includes {
		if slices.Contains(alertdoc.ElasticDetailFields(), f.(string)) {
			t.Errorf("a ranking's search fetches %s", f)
		}
	}

	s.ResetCounters()
	caseAlerts, _ := collect(t, c.AlertSource(), investigate.AlertQuery{AccessKeys: investigate.KeyIDs(keyBackdoor)})
	if src := searchBody()["_source"]; src != true {
		t.Errorf("a case's search asks for _source %v, want the whole document", src)
	}
	a := find(caseAlerts)
	if a.RuleDescription != doc["kibana.alert.rule.description"] || a.EventID != doc["kibana.alert.original_event.id"] {
		t.Errorf("description = %q, event id = %q", a.RuleDescription, a.EventID)
	}
	if got := investigate.ThreatIDs(a.Threats); !slices.Equal(got, []string{"TA0006", "TA0001", "T1552", "T1078.004"}) ||
		a.Threats[1].String() != "Initial Access (TA0001): Valid Accounts (T1078) > Cloud Accounts (T1078.004)" ||
		a.Threats[1].Techniques[0].Subtechniques[0].Reference != "https://attack.mitre.org/techniques/T1078/004/" {
		t.Errorf("threats = %+v", a.Threats)
	}
	var raw map[string]any
	if err := json.Unmarshal(a.Raw, &raw); err != nil || a.RawSize != len(a.Raw) {
		t.Fatalf("raw document %q (%d bytes of %d): %v", a.Raw, len(a.Raw), a.RawSize, err)
	}
	// The document is the _source as indexed, the copied event included: not keypivot's alert.
	b, _ := json.Marshal(doc)
	var want map[string]any
	_ = json.Unmarshal(b, &want)
	if !reflect.DeepEqual(raw, want) {
		t.Errorf("raw document differs from the indexed _source:\n got %s\nwant %s", a.Raw, b)
	}
	if _, ok := raw["aws"]; !ok {
		t.Errorf("raw document lacks the copied event: %s", a.Raw)
	}
}
