package elasticsearch_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v9/typedapi/types"

	estest "github.com/keypivot/keypivot/internal/testserver/elasticsearch"
)

func esql(t *testing.T, s *estest.Server, req map[string]any, want int) (map[string]any, http.Header) {
	t.Helper()
	es := v8Client(t, s)
	res, err := es.EsqlQuery(body(req))
	if err != nil {
		t.Fatal(err)
	}
	h := res.Header
	return decode(t, res, err, want), h
}

func columns(m map[string]any) []string {
	var out []string
	for _, c := range m["columns"].([]any) {
		cm := c.(map[string]any)
		out = append(out, cm["name"].(string)+":"+cm["type"].(string))
	}
	return out
}

func rows(m map[string]any) [][]any {
	var out [][]any
	for _, r := range m["values"].([]any) {
		out = append(out, r.([]any))
	}
	return out
}

func TestESQLLimits(t *testing.T) {
	t.Parallel()
	s := estest.New(t)
	loadAlerts(t, s, 12000)

	m, h := esql(t, s, map[string]any{"query": "FROM .alerts-security.alerts-* METADATA _id | KEEP _id"}, http.StatusOK)
	if n := len(rows(m)); n != 1000 {
		t.Errorf("no LIMIT: %d rows, want the implicit 1000", n)
	}
	if !strings.Contains(strings.Join(h.Values("Warning"), "\n"), "No limit defined, adding default limit of [1000]") {
		t.Errorf("warning headers = %v", h.Values("Warning"))
	}
	m, _ = esql(t, s, map[string]any{"query": "FROM .alerts-security.alerts-* METADATA _id | KEEP _id | LIMIT 20000"}, http.StatusOK)
	if n := len(rows(m)); n != 10000 {
		t.Errorf("LIMIT 20000: %d rows, want the 10000 maximum", n)
	}

	m, _ = esql(t, s, map[string]any{
		"query": `FROM .alerts-security.alerts-default METADATA _id, _index
| WHERE kibana.alert.workflow_status == "open" AND kibana.alert.rule.rule_id == ?rule AND @timestamp >= ?start
| KEEP _id, _index, @timestamp, kibana.alert.rule.name, kibana.alert.risk_score
| SORT @timestamp DESC
| LIMIT 10000`,
		"params": []any{map[string]any{"rule": "1aa8fa52-44a7-4dae-b058-f3333b91c8d7"}, map[string]any{"start": "2024-07-31T14:00:00.000Z"}},
	}, http.StatusOK)
	want := []string{"_id:keyword", "_index:keyword", "@timestamp:date", "kibana.alert.rule.name:keyword", "kibana.alert.risk_score:double"}
	if strings.Join(columns(m), ",") != strings.Join(want, ",") {
		t.Errorf("columns = %v", columns(m))
	}
	r := rows(m)
	if len(r) != 200 {
		t.Fatalf("%d rows, want 200", len(r))
	}
	if r[0][0] != "alert-11997" || r[0][1] != ".internal.alerts-security.alerts-default-000001" ||
		r[0][2] != "2024-07-31T14:06:39.000Z" || r[0][3] != "AWS CloudTrail Log Suspended" || r[0][4] != float64(73) {
		t.Errorf("first row = %v", r[0])
	}

	// The DSL filter narrows what FROM reads.
	m, _ = esql(t, s, map[string]any{
		"query":  "FROM .alerts-security.alerts-default | KEEP @timestamp | LIMIT 10000",
		"filter": map[string]any{"range": map[string]any{"@timestamp": map[string]any{"lt": "2024-07-31T13:00:10.000Z"}}},
	}, http.StatusOK)
	if n := len(rows(m)); n != 30 {
		t.Errorf("filtered rows = %d, want 30", n)
	}
}

// TestESQLUnmappedFields pins facts §2 for ES|QL: the alerts index does not map
// aws.cloudtrail.*, so ES|QL does not know the column.
func TestESQLUnmappedFields(t *testing.T) {
	s := estest.New(t)
	if _, err := s.LoadSampleAlerts("default"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`FROM .alerts-security.alerts-default | WHERE aws.cloudtrail.user_identity.access_key_id == "AKIAGGWFBBHBE7D3M9WI"`,
		`FROM .alerts-security.alerts-default | KEEP aws.cloudtrail.user_identity.access_key_id`,
	} {
		m, _ := esql(t, s, map[string]any{"query": q}, http.StatusBadRequest)
		reason, _ := path(m, "error.reason").(string)
		if errorType(m) != "verification_exception" || !strings.Contains(reason, "Unknown column [aws.cloudtrail.user_identity.access_key_id]") {
			t.Errorf("%s: %v", q, m)
		}
	}
	m, _ := esql(t, s, map[string]any{"query": "FROM .alerts-security.alerts-default | LIMIT 1"}, http.StatusOK)
	for _, c := range columns(m) {
		if strings.HasPrefix(c, "aws.") {
			t.Errorf("unmapped column %s listed", c)
		}
	}
	if !strings.Contains(strings.Join(columns(m), ","), "source.ip:ip") {
		t.Errorf("columns = %v", columns(m))
	}
}

func TestESQLExpressions(t *testing.T) {
	s := estest.New(t)
	if _, err := s.LoadSampleAlerts("default"); err != nil {
		t.Fatal(err)
	}
	count := func(where string) int {
		t.Helper()
		m, _ := esql(t, s, map[string]any{"query": "FROM .alerts-security.alerts-default METADATA _id | WHERE " + where + " | KEEP _id | LIMIT 100"}, http.StatusOK)
		return len(rows(m))
	}
	cases := []struct {
		where string
		want  int
	}{
		{`kibana.alert.workflow_status == "open"`, 5},
		{`kibana.alert.workflow_status != "open"`, 1},
		{`kibana.alert.risk_score >= 47`, 5},
		{`kibana.alert.risk_score > 47 OR kibana.alert.severity == "low"`, 4},
		{`kibana.alert.rule.name LIKE "AWS IAM*" AND NOT kibana.alert.severity == "medium"`, 2},
		{`STARTS_WITH(kibana.alert.rule.name, "AWS CloudTrail")`, 1},
		{`kibana.alert.new_terms IS NOT NULL`, 2},
		{`kibana.alert.new_terms IS NULL`, 4},
		{`MV_COUNT(kibana.alert.new_terms) == 2`, 2},
		{`kibana.alert.severity IN ("high", "low")`, 4},
		{`@timestamp >= "2024-07-31T13:00:00Z" AND @timestamp < "2024-07-31T14:00:00Z"`, 2},
		{`source.ip == "86.245.153.234"`, 2},
		{`TO_LOWER(kibana.alert.severity) == "high"`, 3},
	}
	for _, c := range cases {
		if got := count(c.where); got != c.want {
			t.Errorf("WHERE %s: %d rows, want %d", c.where, got, c.want)
		}
	}

	// A multi-valued field in a comparison is null, with Elasticsearch's warning.
	m, h := esql(t, s, map[string]any{"query": `FROM .alerts-security.alerts-default | WHERE kibana.alert.new_terms == "AKIAGGWFBBHBE7D3M9WI" | LIMIT 10`}, http.StatusOK)
	if len(rows(m)) != 0 || !strings.Contains(strings.Join(h.Values("Warning"), "\n"), "single-value function encountered multi-value") {
		t.Errorf("multi-value comparison: %d rows, warnings %v", len(rows(m)), h.Values("Warning"))
	}
	// Multi-valued keywords come back sorted, as doc values are.
	m, _ = esql(t, s, map[string]any{"query": `FROM .alerts-security.alerts-default | WHERE source.ip == "86.245.153.234" AND kibana.alert.new_terms IS NOT NULL | KEEP kibana.alert.new_terms | LIMIT 1`}, http.StatusOK)
	if got := rows(m)[0][0].([]any); got[0] != "86.245.153.234" || got[1] != "AKIAGGWFBBHBE7D3M9WI" {
		t.Errorf("new_terms = %v", got)
	}

	for _, q := range []string{
		`FROM .alerts-security.alerts-default | WHERE kibana.alert.risk_score == "high"`,
		`FROM .alerts-security.alerts-default | WHERE kibana.alert.severity = "high"`,
		`FROM .alerts-security.alerts-default | STATS count = COUNT(*) BY source.ip`,
		`FROM no-such-index`,
		`FROM .alerts-security.alerts-default | WHERE kibana.alert.severity == ?missing`,
	} {
		m, _ := esql(t, s, map[string]any{"query": q}, http.StatusBadRequest)
		if m["error"] == nil {
			t.Errorf("%s: %v", q, m)
		}
	}
}

func TestESQLV9Typed(t *testing.T) {
	s := estest.New(t, estest.WithVersion("9.1.5"))
	if _, err := s.LoadSampleAlerts("default"); err != nil {
		t.Fatal(err)
	}
	tc := v9Typed(t, s)
	raw, err := tc.Esql.Query().Query(`FROM .alerts-security.alerts-* METADATA _id | WHERE kibana.alert.severity == "high" | KEEP _id, kibana.alert.rule.rule_id | SORT _id | LIMIT 10`).Do(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if len(rows(m)) != 3 || m["documents_found"] == nil {
		t.Errorf("v9 ES|QL = %v", m)
	}
	_, err = tc.Esql.Query().Query(`FROM .alerts-security.alerts-* | KEEP aws.cloudtrail.user_identity.access_key_id`).Do(context.Background())
	var ee *types.ElasticsearchError
	if !errors.As(err, &ee) || ee.ErrorCause.Type != "verification_exception" {
		t.Errorf("unknown column via typed client: %v", err)
	}
}
