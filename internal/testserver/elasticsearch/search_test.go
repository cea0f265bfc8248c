package elasticsearch_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	es8 "github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v9/typedapi/core/search"
	"github.com/elastic/go-elasticsearch/v9/typedapi/types"
	"github.com/elastic/go-elasticsearch/v9/typedapi/types/enums/sortorder"

	estest "github.com/keypivot/keypivot/internal/testserver/elasticsearch"
)

func TestClientsAcceptServer(t *testing.T) {
	s8 := estest.New(t, estest.WithVersion("8.19.7"))
	res, err := v8Client(t, s8).Info()
	info := decode(t, res, err, http.StatusOK)
	if got := path(info, "version.number"); got != "8.19.7" {
		t.Errorf("v8 info version = %v", got)
	}
	if res.Header.Get("X-Elastic-Product") != "Elasticsearch" {
		t.Error("no X-Elastic-Product header")
	}

	s9 := estest.New(t, estest.WithVersion("9.1.5"))
	tc := v9Typed(t, s9)
	r, err := tc.Info().Do(context.Background())
	if err != nil {
		t.Fatalf("v9 typed client refused the server: %v", err)
	}
	if r.Version.Int != "9.1.5" {
		t.Errorf("v9 info version = %q", r.Version.Int)
	}
	// The v8 client talks to a 9.x server too (9.x accepts compatible-with=8).
	res, err = v8Client(t, s9).Info()
	decode(t, res, err, http.StatusOK)
}

func TestV9TypedClientAgainst8xIsRefusedLikeARealCluster(t *testing.T) {
	s := estest.New(t, estest.WithVersion("8.19.7"))
	_, err := v9Typed(t, s).Info().Do(context.Background())
	if err == nil {
		t.Fatal("a v9 typed client (compatible-with=9) was accepted by an 8.x server")
	}
	var ee *types.ElasticsearchError
	if !errors.As(err, &ee) || ee.ErrorCause.Type != "media_type_header_exception" {
		t.Fatalf("err = %v, want media_type_header_exception", err)
	}
}

func TestAuthentication(t *testing.T) {
	s := estest.New(t, estest.WithAPIKey("key-id", "key-secret"), estest.WithBasicAuth("elastic", "pw"))

	res, m := rawDo(t, s, http.MethodGet, "/_search", nil, nil)
	if res.StatusCode != http.StatusUnauthorized || errorType(m) != "security_exception" || rootCause(m) != "security_exception" {
		t.Fatalf("no credentials: %d %v", res.StatusCode, m)
	}
	if !strings.Contains(path(m, "error.reason").(string), "missing authentication credentials") {
		t.Errorf("reason = %v", path(m, "error.reason"))
	}
	if len(res.Header.Values("WWW-Authenticate")) != 3 || res.Header.Get("X-Elastic-Product") != "Elasticsearch" {
		t.Errorf("headers = %v", res.Header)
	}

	bad, _ := es8.NewClient(es8.Config{Addresses: []string{s.URL()}, APIKey: "a2V5LWlkOndyb25n"}) // key-id:wrong
	r, err := bad.Search()
	m = decode(t, r, err, http.StatusUnauthorized)
	if !strings.Contains(path(m, "error.reason").(string), "unable to authenticate") {
		t.Errorf("wrong key: %v", m)
	}

	basic, _ := es8.NewClient(es8.Config{Addresses: []string{s.URL()}, Username: "elastic", Password: "pw"})
	r, err = basic.Security.Authenticate()
	m = decode(t, r, err, http.StatusOK)
	if m["username"] != "elastic" {
		t.Errorf("authenticate = %v", m)
	}
	r, err = v8Client(t, s).Security.Authenticate()
	m = decode(t, r, err, http.StatusOK)
	if m["authentication_type"] != "api_key" {
		t.Errorf("api key authenticate = %v", m)
	}
}

// TestPITPaging pages 25,000 alerts with a point in time and search_after, first with
// the v9 typed client (newest first), then with the v8 client's raw API (oldest
// first): every alert comes back exactly once, in order, and the point in time does
// not see writes made after it was opened.
func TestPITPaging(t *testing.T) {
	t.Parallel()
	s := estest.New(t, estest.WithVersion("9.1.5"))
	loadAlerts(t, s, 25000)
	t.Run("v9 typed", func(t *testing.T) { pageV9Typed(t, s) })
	t.Run("v8 raw", func(t *testing.T) { pageV8(t, s) })
}

func pageV9Typed(t *testing.T, s *estest.Server) {
	tc := v9Typed(t, s)
	ctx := context.Background()
	pit, err := tc.OpenPointInTime(alertsIndex).KeepAlive("1m").Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := pit.Id
	seen := map[string]bool{}
	var after []types.FieldValue
	size := 5000
	for {
		res, err := tc.Search().Request(&search.Request{
			Pit:         &types.PointInTimeReference{Id: id, KeepAlive: "1m"},
			Size:        &size,
			Sort:        []types.SortCombinations{types.SortOptions{SortOptions: map[string]types.FieldSort{"@timestamp": {Order: &sortorder.Desc}}}},
			SearchAfter: after,
			Source_:     types.SourceFilter{Includes: []string{"kibana.alert.uuid"}},
		}).Do(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.PitId != nil {
			id = *res.PitId
		}
		if len(res.Hits.Hits) == 0 {
			break
		}
		for _, h := range res.Hits.Hits {
			if seen[*h.Id_] {
				t.Fatalf("%s returned twice", *h.Id_)
			}
			seen[*h.Id_] = true
		}
		after = res.Hits.Hits[len(res.Hits.Hits)-1].Sort
	}
	if len(seen) != 25000 {
		t.Fatalf("saw %d alerts", len(seen))
	}
	if _, err := tc.ClosePointInTime().Id(id).Do(ctx); err != nil {
		t.Fatal(err)
	}
}

func pageV8(t *testing.T, s *estest.Server) {
	s.ResetCounters()
	es := v8Client(t, s)
	res, err := es.OpenPointInTime([]string{".alerts-security.alerts-*"}, "1m")
	pitID := decode(t, res, err, http.StatusOK)["id"].(string)

	seen := map[string]int{}
	var after []any
	var last string
	pages := 0
	for {
		req := map[string]any{
			"size":             1000,
			"pit":              map[string]any{"id": pitID, "keep_alive": "1m"},
			"sort":             []any{map[string]any{"@timestamp": "asc"}},
			"track_total_hits": true,
			"_source":          []string{"kibana.alert.uuid", "@timestamp", "kibana.alert.workflow_status"},
			"query":            map[string]any{"bool": map[string]any{"filter": []any{map[string]any{"term": map[string]any{"event.kind": "signal"}}}}},
		}
		if after != nil {
			req["search_after"] = after
		}
		res, err := es.Search(es.Search.WithBody(body(req)))
		m := decode(t, res, err, http.StatusOK)
		if pages == 0 {
			if v := path(m, "hits.total.value"); v != float64(25000) {
				t.Fatalf("total = %v", v)
			}
			// Written after the point in time opened: must stay invisible, and an update
			// must not change what the point in time returns.
			if err := s.Index(alertsIndex, "late-arrival", estest.SampleAlerts()[0]); err != nil {
				t.Fatal(err)
			}
			if _, err := s.UpdateByQuery(alertsIndex, map[string]any{"ids": map[string]any{"values": []any{"alert-24999"}}},
				func(_ string, src map[string]any) bool { src["kibana.alert.workflow_status"] = "closed"; return true }); err != nil {
				t.Fatal(err)
			}
		}
		if id, ok := m["pit_id"].(string); ok {
			pitID = id
		}
		hits := hitsOf(t, m)
		if len(hits) == 0 {
			break
		}
		pages++
		for _, h := range hits {
			id := h["_id"].(string)
			seen[id]++
			ts := path(h, "_source.@timestamp").(string)
			if ts < last {
				t.Fatalf("out of order: %s after %s", ts, last)
			}
			last = ts
			if h["_index"] != ".internal.alerts-security.alerts-default-000001" {
				t.Fatalf("_index = %v", h["_index"])
			}
			if id == "alert-24999" && h["_source"].(map[string]any)["kibana.alert.workflow_status"] != "open" {
				t.Error("the point in time saw an update made after it opened")
			}
			if len(h["sort"].([]any)) != 2 {
				t.Fatalf("sort = %v (want @timestamp and the implicit _shard_doc)", h["sort"])
			}
		}
		after = hits[len(hits)-1]["sort"].([]any)
	}
	if len(seen) != 25000 || pages != 25 {
		t.Fatalf("saw %d distinct alerts in %d pages", len(seen), pages)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s returned %d times", id, n)
		}
	}
	if seen["late-arrival"] != 0 {
		t.Error("a document written after the point in time opened was returned")
	}
	if d, _ := s.Get(alertsIndex, "alert-24999"); d.Source["kibana.alert.workflow_status"] != "closed" || d.Version != 2 {
		t.Errorf("the update itself was lost: %+v", d)
	}

	res, err = es.ClosePointInTime(es.ClosePointInTime.WithBody(body(map[string]any{"id": pitID})))
	if m := decode(t, res, err, http.StatusOK); m["num_freed"] != float64(1) {
		t.Errorf("close = %v", m)
	}
	res, err = es.Search(es.Search.WithBody(body(map[string]any{"pit": map[string]any{"id": pitID}})))
	m := decode(t, res, err, http.StatusNotFound)
	if errorType(m) != "search_phase_execution_exception" || rootCause(m) != "search_context_missing_exception" {
		t.Errorf("closed PIT: %v", m)
	}
	if s.Requests(estest.EndpointSearch) != 27 || s.Requests(estest.EndpointOpenPIT) != 1 {
		t.Errorf("counters: search %d, pit.open %d", s.Requests(estest.EndpointSearch), s.Requests(estest.EndpointOpenPIT))
	}
}

func TestResultWindow(t *testing.T) {
	s := estest.New(t)
	loadAlerts(t, s, 300)
	es := v8Client(t, s)
	for _, tc := range []struct{ from, size int }{{9990, 11}, {0, 10001}} {
		res, err := es.Search(es.Search.WithIndex(alertsIndex), es.Search.WithFrom(tc.from), es.Search.WithSize(tc.size))
		m := decode(t, res, err, http.StatusBadRequest)
		reason, _ := path(m, "error.root_cause.0.reason").(string)
		if errorType(m) != "search_phase_execution_exception" || rootCause(m) != "illegal_argument_exception" ||
			!strings.Contains(reason, "Result window is too large, from + size must be less than or equal to: [10000]") {
			t.Errorf("from %d size %d: %v", tc.from, tc.size, m)
		}
	}
	res, err := es.Search(es.Search.WithIndex(alertsIndex), es.Search.WithFrom(9990), es.Search.WithSize(10))
	if m := decode(t, res, err, http.StatusOK); len(hitsOf(t, m)) != 0 {
		t.Error("from 9990 on 300 documents returned hits")
	}
	// search_after with from > 0 is refused.
	res, err = es.Search(es.Search.WithIndex(alertsIndex), es.Search.WithBody(body(map[string]any{
		"from": 5, "sort": []any{"@timestamp"}, "search_after": []any{0},
	})))
	decode(t, res, err, http.StatusBadRequest)
}

// TestUnmappedAlertFields pins facts §2: the alerts index is dynamic:false, so the
// access key is in _source but not searchable, except through a runtime field; the
// fields API returns it only with include_unmapped.
func TestUnmappedAlertFields(t *testing.T) {
	s := estest.New(t)
	if _, err := s.LoadSampleAlerts("default"); err != nil {
		t.Fatal(err)
	}
	key := "AKIAGGWFBBHBE7D3M9WI"
	// The same document in the CloudTrail data stream, which maps the field.
	if err := s.Index("logs-aws.cloudtrail-default", "ct-1", map[string]any{
		"@timestamp": "2024-07-31T13:06:24Z",
		"aws":        map[string]any{"cloudtrail": map[string]any{"user_identity": map[string]any{"access_key_id": key}}},
	}); err != nil {
		t.Fatal(err)
	}
	es := v8Client(t, s)
	search := func(idx string, req map[string]any) map[string]any {
		res, err := es.Search(es.Search.WithIndex(idx), es.Search.WithBody(body(req)))
		return decode(t, res, err, http.StatusOK)
	}
	term := map[string]any{"term": map[string]any{"aws.cloudtrail.user_identity.access_key_id": key}}

	if n := len(hitsOf(t, search(alertsIndex, map[string]any{"query": term}))); n != 0 {
		t.Errorf("term on an unmapped alert field matched %d alerts", n)
	}
	if n := len(hitsOf(t, search(alertsIndex, map[string]any{"query": map[string]any{"exists": map[string]any{"field": "aws.cloudtrail.user_identity.access_key_id"}}}))); n != 0 {
		t.Errorf("exists on an unmapped alert field matched %d alerts", n)
	}
	ds := hitsOf(t, search("logs-aws.cloudtrail-*", map[string]any{"query": term}))
	if len(ds) != 1 || !strings.HasPrefix(ds[0]["_index"].(string), ".ds-logs-aws.cloudtrail-default-") {
		t.Errorf("data stream term: %v", ds)
	}

	rt := search(alertsIndex, map[string]any{
		"runtime_mappings": map[string]any{"aws.cloudtrail.user_identity.access_key_id": map[string]any{"type": "keyword"}},
		"query":            term,
		"fields":           []any{"aws.cloudtrail.user_identity.access_key_id"},
	})
	hits := hitsOf(t, rt)
	if len(hits) != 2 {
		t.Fatalf("runtime field matched %d alerts, want 2", len(hits))
	}
	// The fields object uses the dotted name as one key.
	if got, _ := hits[0]["fields"].(map[string]any)["aws.cloudtrail.user_identity.access_key_id"].([]any); len(got) != 1 || got[0] != key {
		t.Errorf("runtime field value = %v", hits[0]["fields"])
	}

	withUnmapped := search(alertsIndex, map[string]any{
		"query":   map[string]any{"term": map[string]any{"kibana.alert.new_terms": key}},
		"fields":  []any{map[string]any{"field": "aws.cloudtrail.*", "include_unmapped": true}, "source.ip"},
		"_source": false,
	})
	hits = hitsOf(t, withUnmapped)
	if len(hits) != 1 {
		t.Fatalf("new_terms term matched %d alerts, want the one first-seen alert", len(hits))
	}
	f := hits[0]["fields"].(map[string]any)
	if got, _ := f["aws.cloudtrail.user_identity.access_key_id"].([]any); len(got) != 1 || got[0] != key {
		t.Errorf("include_unmapped fields = %v", f)
	}
	if got, _ := f["source.ip"].([]any); len(got) != 1 || got[0] != "86.245.153.234" {
		t.Errorf("source.ip field = %v", f["source.ip"])
	}
	if _, ok := hits[0]["_source"]; ok {
		t.Error("_source returned although disabled")
	}
	without := search(alertsIndex, map[string]any{"fields": []any{"aws.cloudtrail.*"}, "size": 1})
	if _, ok := hitsOf(t, without)[0]["fields"]; ok {
		t.Error("unmapped fields returned without include_unmapped")
	}

	// Sorting on an unmapped field is refused as in Elasticsearch.
	res, err := es.Search(es.Search.WithIndex(alertsIndex), es.Search.WithBody(body(map[string]any{
		"sort": []any{"aws.cloudtrail.user_identity.access_key_id"},
	})))
	m := decode(t, res, err, http.StatusBadRequest)
	if rootCause(m) != "query_shard_exception" {
		t.Errorf("sort on unmapped: %v", m)
	}
}

func TestQueryDSL(t *testing.T) {
	s := estest.New(t)
	if _, err := s.LoadSampleAlerts("default"); err != nil {
		t.Fatal(err)
	}
	es := v8Client(t, s)
	count := func(q map[string]any) int {
		t.Helper()
		res, err := es.Search(es.Search.WithIndex(".alerts-security.alerts-*"), es.Search.WithBody(body(map[string]any{"query": q, "size": 100})))
		return len(hitsOf(t, decode(t, res, err, http.StatusOK)))
	}
	term := func(f string, v any) map[string]any { return map[string]any{"term": map[string]any{f: v}} }
	boolQ := func(kind string, qs ...map[string]any) map[string]any {
		l := make([]any, len(qs))
		for i, q := range qs {
			l[i] = q
		}
		return map[string]any{"bool": map[string]any{kind: l}}
	}
	cases := []struct {
		name string
		q    map[string]any
		want int
	}{
		{"match_all", map[string]any{"match_all": map[string]any{}}, 6},
		{"term open", term("kibana.alert.workflow_status", "open"), 5},
		{"must_not closed", boolQ("must_not", term("kibana.alert.workflow_status", "closed")), 5},
		{"terms rule ids", map[string]any{"terms": map[string]any{"kibana.alert.rule.rule_id": []any{"696015ef-718e-40ff-ac4a-cc2ba88dbeeb", "1aa8fa52-44a7-4dae-b058-f3333b91c8d7"}}}, 3},
		{"range risk >= 47", map[string]any{"range": map[string]any{"kibana.alert.risk_score": map[string]any{"gte": 47}}}, 5},
		{"range date iso", map[string]any{"range": map[string]any{"@timestamp": map[string]any{"gte": "2024-07-31T13:00:00Z", "lt": "2024-07-31T14:00:00Z", "format": "strict_date_optional_time"}}}, 2},
		{"range date epoch_millis", map[string]any{"range": map[string]any{"@timestamp": map[string]any{"gt": time.Date(2024, 7, 31, 13, 0, 0, 0, time.UTC).UnixMilli(), "format": "epoch_millis"}}}, 3},
		{"match_phrase rule name", map[string]any{"match_phrase": map[string]any{"kibana.alert.rule.name": "AWS CloudTrail Log Suspended"}}, 1},
		{"exists new_terms", map[string]any{"exists": map[string]any{"field": "kibana.alert.new_terms"}}, 2},
		{"exists object source", map[string]any{"exists": map[string]any{"field": "source"}}, 6},
		{"term ip cidr", term("source.ip", "86.245.0.0/16"), 2},
		{"should msm 2", map[string]any{"bool": map[string]any{
			"should":               []any{term("kibana.alert.severity", "high"), term("source.ip", "211.9.16.253"), term("kibana.alert.workflow_status", "open")},
			"minimum_should_match": 2,
		}}, 4},
		{"should alone needs one", boolQ("should", term("kibana.alert.severity", "low"), term("kibana.alert.severity", "critical")), 1},
		{"filter + should optional", map[string]any{"bool": map[string]any{
			"filter": []any{term("event.kind", "signal")},
			"should": []any{term("kibana.alert.severity", "nope")},
		}}, 6},
		{"must_not prefix", boolQ("must_not", map[string]any{"prefix": map[string]any{"kibana.alert.rule.name": "AWS IAM"}}), 2},
		{"wildcard", map[string]any{"wildcard": map[string]any{"kibana.alert.rule.name": map[string]any{"value": "*first seen*", "case_insensitive": true}}}, 2},
		{"date math", map[string]any{"range": map[string]any{"@timestamp": map[string]any{"gte": "2024-07-31||/d", "lte": "2024-07-31||/d"}}}, 3},
		{"ids", map[string]any{"ids": map[string]any{"values": []any{estest.SampleAlerts()[0]["kibana.alert.uuid"]}}}, 1},
	}
	for _, c := range cases {
		if got := count(c.q); got != c.want {
			t.Errorf("%s: %d hits, want %d", c.name, got, c.want)
		}
	}

	res, err := es.Search(es.Search.WithIndex(alertsIndex), es.Search.WithBody(body(map[string]any{"query": map[string]any{"frobnicate": map[string]any{}}})))
	if m := decode(t, res, err, http.StatusBadRequest); errorType(m) != "parsing_exception" {
		t.Errorf("unknown query: %v", m)
	}
	res, err = es.Search(es.Search.WithIndex(alertsIndex), es.Search.WithBody(body(map[string]any{"aggs": map[string]any{}})))
	if m := decode(t, res, err, http.StatusBadRequest); !strings.Contains(path(m, "error.reason").(string), "does not implement") {
		t.Errorf("aggs: %v", m)
	}

	// _source includes, both dotted keys and nested objects.
	res, err = es.Search(es.Search.WithIndex(alertsIndex), es.Search.WithBody(body(map[string]any{
		"size": 1, "_source": map[string]any{"includes": []any{"kibana.alert.rule.*", "aws.cloudtrail.user_identity.access_key_id"}},
	})))
	src := hitsOf(t, decode(t, res, err, http.StatusOK))[0]["_source"].(map[string]any)
	if _, ok := src["kibana.alert.rule.name"]; !ok {
		t.Errorf("_source lost the dotted key: %v", src)
	}
	if _, ok := src["kibana.alert.uuid"]; ok {
		t.Errorf("_source kept a field not included: %v", src)
	}
	if path(src, "aws.cloudtrail.user_identity.access_key_id") == nil || path(src, "aws.cloudtrail.request_id") != nil {
		t.Errorf("nested _source filtering: %v", src["aws"])
	}

	// _count, filter_path and _refresh.
	res, err = es.Count(es.Count.WithIndex(".alerts-security.alerts-*"), es.Count.WithBody(body(map[string]any{
		"query": term("kibana.alert.severity", "high")})))
	if m := decode(t, res, err, http.StatusOK); m["count"] != float64(3) {
		t.Errorf("_count = %v", m)
	}
	res, err = es.Search(es.Search.WithIndex(alertsIndex), es.Search.WithFilterPath("hits.hits._id"), es.Search.WithSize(2))
	if b, _ := json.Marshal(decode(t, res, err, http.StatusOK)); !strings.HasPrefix(string(b), `{"hits":{"hits":[{"_id":`) || strings.Contains(string(b), "_source") {
		t.Errorf("filter_path: %s", b)
	}
	res, err = es.Indices.Refresh(es.Indices.Refresh.WithIndex(alertsIndex))
	decode(t, res, err, http.StatusOK)

	// Missing concrete index vs. empty wildcard.
	res, err = es.Search(es.Search.WithIndex("no-such-index"))
	if m := decode(t, res, err, http.StatusNotFound); errorType(m) != "index_not_found_exception" {
		t.Errorf("missing index: %v", m)
	}
	res, err = es.Search(es.Search.WithIndex("nothing-*"))
	decode(t, res, err, http.StatusOK)
	// A plain * does not reach the hidden alerts indices.
	res, err = es.Search(es.Search.WithIndex("*"))
	if n := len(hitsOf(t, decode(t, res, err, http.StatusOK))); n != 0 {
		t.Errorf("* matched %d hidden alerts", n)
	}
}

func TestPITErrors(t *testing.T) {
	now := time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)
	s := estest.New(t, estest.WithClock(func() time.Time { return now }))
	if _, err := s.LoadSampleAlerts("default"); err != nil {
		t.Fatal(err)
	}
	es := v8Client(t, s)
	res, err := es.OpenPointInTime([]string{alertsIndex}, "30s")
	pitID := decode(t, res, err, http.StatusOK)["id"].(string)

	// An index in the path is refused with a PIT.
	res, err = es.Search(es.Search.WithIndex(alertsIndex), es.Search.WithBody(body(map[string]any{"pit": map[string]any{"id": pitID}})))
	decode(t, res, err, http.StatusBadRequest)
	// _shard_doc needs a PIT.
	res, err = es.Search(es.Search.WithIndex(alertsIndex), es.Search.WithBody(body(map[string]any{"sort": []any{"_shard_doc"}})))
	decode(t, res, err, http.StatusBadRequest)
	// search_after must match the sort.
	res, err = es.Search(es.Search.WithBody(body(map[string]any{
		"pit": map[string]any{"id": pitID}, "sort": []any{"@timestamp"}, "search_after": []any{1},
	})))
	if m := decode(t, res, err, http.StatusBadRequest); !strings.Contains(path(m, "error.reason").(string), "search_after has 1 value(s) but sort has 2") {
		t.Errorf("search_after length: %v", m)
	}
	// Too long a keep_alive.
	res, err = es.OpenPointInTime([]string{alertsIndex}, "2d")
	decode(t, res, err, http.StatusBadRequest)

	now = now.Add(31 * time.Second)
	res, err = es.Search(es.Search.WithBody(body(map[string]any{"pit": map[string]any{"id": pitID}})))
	m := decode(t, res, err, http.StatusNotFound)
	if rootCause(m) != "search_context_missing_exception" || path(m, "error.failed_shards.0.reason.type") != "search_context_missing_exception" {
		t.Errorf("expired PIT: %v", m)
	}
	if s.OpenPITs() != 0 {
		t.Error("expired PIT still counted open")
	}
	res, err = es.ClosePointInTime(es.ClosePointInTime.WithBody(body(map[string]any{"id": pitID})))
	if m := decode(t, res, err, http.StatusNotFound); m["num_freed"] != float64(0) {
		t.Errorf("close unknown: %v", m)
	}
}

func TestFaultsAndCounters(t *testing.T) {
	s := estest.New(t)
	es := v8Client(t, s)
	s.InjectFault(estest.Fault{Endpoint: estest.EndpointSearch, Status: http.StatusTooManyRequests, Times: 2})
	for i := 0; i < 2; i++ {
		res, err := es.Search()
		if m := decode(t, res, err, http.StatusTooManyRequests); errorType(m) != "es_rejected_execution_exception" {
			t.Errorf("fault body: %v", m)
		}
	}
	res, err := es.Search()
	decode(t, res, err, http.StatusOK)
	if s.Requests(estest.EndpointSearch) != 3 {
		t.Errorf("search requests = %d", s.Requests(estest.EndpointSearch))
	}
	log := s.RequestLog()
	if len(log) == 0 || log[len(log)-1].Endpoint != estest.EndpointSearch {
		t.Errorf("request log = %v", log)
	}

	// The client retries 503 by default: the server sees every attempt.
	s.ResetCounters()
	s.InjectFault(estest.Fault{Endpoint: estest.EndpointSearch, Status: http.StatusServiceUnavailable, Times: 1})
	retrying, _ := es8.NewClient(es8.Config{Addresses: []string{s.URL()}, APIKey: s.APIKey(), RetryBackoff: func(int) time.Duration { return 0 }})
	res, err = retrying.Search()
	decode(t, res, err, http.StatusOK)
	if s.Requests(estest.EndpointSearch) != 2 {
		t.Errorf("retried search requests = %d", s.Requests(estest.EndpointSearch))
	}
}

func TestLoadNDJSON(t *testing.T) {
	s := estest.New(t)
	hits := `{"_index":".alerts-security.alerts-default","_id":"a1","_source":{"kibana.alert.uuid":"a1","@timestamp":"2024-01-01T00:00:00Z"}}
{"index":{"_id":"b1"}}
{"kibana.alert.uuid":"ignored-uuid","@timestamp":"2024-01-02T00:00:00Z"}

{"kibana.alert.uuid":"c1","@timestamp":"2024-01-03T00:00:00Z"}
`
	n, err := s.LoadNDJSON(alertsIndex, strings.NewReader(hits))
	if err != nil || n != 3 {
		t.Fatalf("loaded %d: %v", n, err)
	}
	for _, id := range []string{"a1", "b1", "c1"} {
		d, ok := s.Get(alertsIndex, id)
		if !ok || d.Index != ".internal.alerts-security.alerts-default-000001" {
			t.Errorf("%s: %+v %v", id, d, ok)
		}
	}
	_, err = s.LoadNDJSON(alertsIndex, strings.NewReader("{\"a\":1}\n{broken\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("malformed line error = %v", err)
	}
	if s.Count(".alerts-security.alerts-*") != 4 {
		t.Errorf("count = %d", s.Count(".alerts-security.alerts-*"))
	}

	res, err := v8Client(t, s).Get(alertsIndex, "b1")
	m := decode(t, res, err, http.StatusOK)
	if m["found"] != true || path(m, "_source.@timestamp") != "2024-01-02T00:00:00Z" {
		t.Errorf("GET _doc = %v", m)
	}
	b, _ := json.Marshal(m)
	if !strings.Contains(string(b), `"_index":".internal.alerts-security.alerts-default-000001"`) {
		t.Errorf("GET _doc index: %s", b)
	}
}
