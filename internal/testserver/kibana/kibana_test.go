package kibana_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	estest "github.com/keypivot/keypivot/internal/testserver/elasticsearch"
	kbtest "github.com/keypivot/keypivot/internal/testserver/kibana"
)

type client struct {
	t    *testing.T
	base string
	auth string
}

func (c client) do(method, path string, body any, xsrf bool) (int, map[string]any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	if xsrf {
		req.Header.Set("kbn-xsrf", "true")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	data, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("%s %s: bad JSON %q", method, path, data)
	}
	return res.StatusCode, m
}

func setup(t *testing.T) (*estest.Server, *kbtest.Server, client, []map[string]any) {
	t.Helper()
	es := estest.New(t)
	alerts, err := es.LoadSampleAlerts("default")
	if err != nil {
		t.Fatal(err)
	}
	kb := kbtest.New(t, es)
	return es, kb, client{t: t, base: kb.URL(), auth: "ApiKey " + es.APIKey()}, alerts
}

func status(t *testing.T, es *estest.Server, id string) map[string]any {
	t.Helper()
	d, ok := es.Get(".alerts-security.alerts-default", id)
	if !ok {
		t.Fatalf("alert %s not found", id)
	}
	return d.Source
}

func TestSignalsStatus(t *testing.T) {
	es, kb, c, alerts := setup(t)
	id0, id1 := alerts[0]["kibana.alert.uuid"].(string), alerts[1]["kibana.alert.uuid"].(string)
	const p = "/api/detection_engine/signals/status"

	code, m := c.do(http.MethodPost, p, map[string]any{"signal_ids": []string{id0}, "status": "closed"}, false)
	if code != http.StatusBadRequest || m["message"] != "Request must contain a kbn-xsrf header." || m["error"] != "Bad Request" {
		t.Fatalf("no kbn-xsrf: %d %v", code, m)
	}
	code, _ = client{t: t, base: kb.URL(), auth: "ApiKey " + base64.StdEncoding.EncodeToString([]byte("x:y"))}.
		do(http.MethodPost, p, map[string]any{"signal_ids": []string{id0}, "status": "closed"}, true)
	if code != http.StatusUnauthorized {
		t.Fatalf("bad credentials: %d", code)
	}
	if status(t, es, id0)["kibana.alert.workflow_status"] != "open" {
		t.Fatal("a rejected request changed an alert")
	}

	code, m = c.do(http.MethodPost, p, map[string]any{"signal_ids": []string{id0, id1, "no-such-alert"}, "status": "closed", "reason": "false_positive"}, true)
	if code != http.StatusOK || m["updated"] != float64(2) || m["total"] != float64(2) || m["requests_per_second"] != float64(-1) {
		t.Fatalf("close by ids: %d %v", code, m)
	}
	for _, id := range []string{id0, id1} {
		src := status(t, es, id)
		if src["kibana.alert.workflow_status"] != "closed" || src["kibana.alert.workflow_reason"] != "false_positive" || src["kibana.alert.workflow_status_updated_at"] == nil {
			t.Errorf("alert %s after close: %v %v", id, src["kibana.alert.workflow_status"], src["kibana.alert.workflow_reason"])
		}
	}
	if status(t, es, alerts[2]["kibana.alert.uuid"].(string))["kibana.alert.workflow_status"] != "open" {
		t.Error("an alert not named was changed")
	}

	// By query: mapped fields match, the unmapped aws.cloudtrail.* fields do not.
	code, m = c.do(http.MethodPost, p, map[string]any{
		"query":  map[string]any{"term": map[string]any{"aws.cloudtrail.user_identity.access_key_id": "AKIAGGWFBBHBE7D3M9WI"}},
		"status": "acknowledged",
	}, true)
	if code != http.StatusOK || m["updated"] != float64(0) {
		t.Fatalf("query on unmapped field: %d %v", code, m)
	}
	code, m = c.do(http.MethodPost, p, map[string]any{
		"query":  map[string]any{"terms": map[string]any{"kibana.alert.new_terms": []string{"AKIAGGWFBBHBE7D3M9WI"}}},
		"status": "in-progress",
	}, true)
	if code != http.StatusOK || m["updated"] != float64(1) {
		t.Fatalf("query on new_terms: %d %v", code, m)
	}
	if got := status(t, es, alerts[2]["kibana.alert.uuid"].(string))["kibana.alert.workflow_status"]; got != "acknowledged" {
		t.Errorf("in-progress stored as %v", got)
	}
	// Re-opening drops the closing reason.
	c.do(http.MethodPost, p, map[string]any{"signal_ids": []string{id0}, "status": "open"}, true)
	if src := status(t, es, id0); src["kibana.alert.workflow_status"] != "open" || src["kibana.alert.workflow_reason"] != nil {
		t.Errorf("reopened: %v", src)
	}

	bad := []map[string]any{
		{"signal_ids": []string{id0}, "status": "resolved"},
		{"signal_ids": []string{id0}, "query": map[string]any{}, "status": "open"},
		{"status": "open"},
		{"signal_ids": []string{}, "status": "open"},
		{"signal_ids": []string{id0}, "status": "closed", "reason": "because"},
	}
	for _, b := range bad {
		if code, m := c.do(http.MethodPost, p, b, true); code != http.StatusBadRequest {
			t.Errorf("%v: %d %v", b, code, m)
		}
	}

	// Spaces: /s/<space>/ works on that space's alerts index only.
	if err := es.Index(".alerts-security.alerts-secops", "sec-1", map[string]any{"kibana.alert.uuid": "sec-1", "kibana.alert.workflow_status": "open", "event.kind": "signal"}); err != nil {
		t.Fatal(err)
	}
	code, m = c.do(http.MethodPost, "/s/secops"+p, map[string]any{"signal_ids": []string{"sec-1", id1}, "status": "closed"}, true)
	if code != http.StatusOK || m["updated"] != float64(1) {
		t.Fatalf("space: %d %v", code, m)
	}
	if d, _ := es.Get(".alerts-security.alerts-secops", "sec-1"); d.Source["kibana.alert.workflow_status"] != "closed" {
		t.Error("space alert not closed")
	}
	if kb.Requests(kbtest.EndpointSignalsStatus) != 12 {
		t.Errorf("signals.status requests = %d", kb.Requests(kbtest.EndpointSignalsStatus))
	}
}

func TestCases(t *testing.T) {
	es, kb, c, alerts := setup(t)
	newCase := map[string]any{
		"title":       "AKIAGGWFBBHBE7D3M9WI used from 86.245.153.234",
		"description": "Long-term key first seen from a new IP, followed by StopLogging.",
		"tags":        []string{"keypivot", "AKIAGGWFBBHBE7D3M9WI"},
		"connector":   map[string]any{"id": "none", "name": "none", "type": ".none", "fields": nil},
		"settings":    map[string]any{"syncAlerts": true},
	}
	code, m := c.do(http.MethodPost, "/api/cases", newCase, true)
	if code != http.StatusBadRequest || m["message"] != `Invalid value "undefined" supplied to "owner"` {
		t.Fatalf("missing owner: %d %v", code, m)
	}
	newCase["owner"] = "securitySolution"
	if code, _ := c.do(http.MethodPost, "/api/cases", newCase, false); code != http.StatusBadRequest {
		t.Fatalf("no kbn-xsrf: %d", code)
	}
	code, created := c.do(http.MethodPost, "/api/cases", newCase, true)
	if code != http.StatusOK || created["id"] == nil || created["version"] == nil || created["status"] != "open" || created["totalComment"] != float64(0) {
		t.Fatalf("create: %d %v", code, created)
	}
	id := created["id"].(string)

	code, m = c.do(http.MethodPost, "/api/cases/"+id+"/comments", map[string]any{
		"type": "user", "comment": "Deactivated the key; see journal.", "owner": "securitySolution"}, true)
	if code != http.StatusOK || m["totalComment"] != float64(1) || m["version"] == created["version"] {
		t.Fatalf("user comment: %d %v", code, m)
	}

	// The alert to attach, found as an adapter would: its _index is the backing index.
	alert := alerts[3]
	alertID := alert["kibana.alert.uuid"].(string)
	doc, _ := es.Get(".alerts-security.alerts-default", alertID)
	// Acknowledge it first: attaching it to an open case that syncs alerts reopens it.
	if _, err := es.UpdateByQuery(".alerts-security.alerts-default", map[string]any{"ids": map[string]any{"values": []any{alertID}}},
		func(_ string, s map[string]any) bool { s["kibana.alert.workflow_status"] = "acknowledged"; return true }); err != nil {
		t.Fatal(err)
	}
	code, m = c.do(http.MethodPost, "/api/cases/"+id+"/comments", map[string]any{
		"type": "alert", "alertId": alertID, "index": doc.Index, "owner": "securitySolution",
		"rule": map[string]any{"id": alert["kibana.alert.rule.uuid"], "name": alert["kibana.alert.rule.name"]},
	}, true)
	if code != http.StatusOK || m["totalAlerts"] != float64(1) || len(m["comments"].([]any)) != 2 {
		t.Fatalf("alert comment: %d %v", code, m)
	}
	after, _ := es.Get(".alerts-security.alerts-default", alertID)
	if ids, _ := after.Source["kibana.alert.case_ids"].([]any); len(ids) != 1 || ids[0] != id {
		t.Errorf("case_ids = %v", after.Source["kibana.alert.case_ids"])
	}
	if after.Source["kibana.alert.workflow_status"] != "open" {
		t.Errorf("synced status = %v", after.Source["kibana.alert.workflow_status"])
	}

	bad := []map[string]any{
		{"type": "alert", "alertId": alertID, "index": doc.Index, "owner": "securitySolution"}, // no rule
		{"type": "alert", "alertId": []string{alertID, "x"}, "index": doc.Index, "owner": "securitySolution", "rule": map[string]any{"id": nil, "name": nil}},
		{"type": "user", "comment": "x", "owner": "observability"}, // owner mismatch
		{"type": "user", "comment": "  ", "owner": "securitySolution"},
		{"type": "note", "comment": "x", "owner": "securitySolution"},
	}
	for _, b := range bad {
		if code, m := c.do(http.MethodPost, "/api/cases/"+id+"/comments", b, true); code != http.StatusBadRequest {
			t.Errorf("%v: %d %v", b, code, m)
		}
	}
	if code, _ := c.do(http.MethodPost, "/api/cases/no-such-case/comments", map[string]any{"type": "user", "comment": "x", "owner": "securitySolution"}, true); code != http.StatusNotFound {
		t.Errorf("unknown case: %d", code)
	}

	code, m = c.do(http.MethodGet, "/api/cases/"+id, nil, false)
	if code != http.StatusOK || len(m["comments"].([]any)) != 2 || m["title"] != newCase["title"] {
		t.Fatalf("get: %d %v", code, m)
	}
	other := map[string]any{}
	for k, v := range newCase {
		other[k] = v
	}
	other["title"] = "Another case"
	other["tags"] = []string{"other"}
	c.do(http.MethodPost, "/api/cases", other, true)

	code, m = c.do(http.MethodGet, "/api/cases/_find?owner=securitySolution&tags=keypivot", nil, false)
	if code != http.StatusOK || m["total"] != float64(1) || m["count_open_cases"] != float64(1) {
		t.Fatalf("find by tag: %d %v", code, m)
	}
	found := m["cases"].([]any)[0].(map[string]any)
	if found["id"] != id || len(found["comments"].([]any)) != 0 || found["totalComment"] != float64(1) {
		t.Errorf("find result: %v", found)
	}
	code, m = c.do(http.MethodGet, "/api/cases/_find?sortField=title&sortOrder=asc", nil, false)
	if code != http.StatusOK || m["total"] != float64(2) || m["cases"].([]any)[0].(map[string]any)["title"] != "AKIAGGWFBBHBE7D3M9WI used from 86.245.153.234" {
		t.Errorf("find sorted: %v", m)
	}
	if code, _ := c.do(http.MethodGet, "/api/cases/_find?perPage=101", nil, false); code != http.StatusBadRequest {
		t.Errorf("perPage 101: %d", code)
	}
	if len(kb.Cases("default")) != 2 || len(kb.Cases("other-space")) != 0 {
		t.Error("Cases() does not reflect the API")
	}
	// Cases live in their space.
	if code, _ := c.do(http.MethodGet, "/s/other-space/api/cases/"+id, nil, false); code != http.StatusNotFound {
		t.Errorf("case visible from another space: %d", code)
	}
	if !strings.HasPrefix(created["created_by"].(map[string]any)["username"].(string), "kp-test") {
		t.Errorf("created_by = %v", created["created_by"])
	}
}

func TestFaultsAndStatus(t *testing.T) {
	_, kb, c, _ := setup(t)
	code, m := c.do(http.MethodGet, "/api/status", nil, false)
	if code != http.StatusOK || m["version"].(map[string]any)["number"] != "8.19.7" {
		t.Fatalf("status: %d %v", code, m)
	}
	kb.InjectFault(kbtest.Fault{Endpoint: kbtest.EndpointCreateCase, Status: http.StatusServiceUnavailable, Times: 1})
	if code, m := c.do(http.MethodPost, "/api/cases", map[string]any{}, true); code != http.StatusServiceUnavailable || m["statusCode"] != float64(503) {
		t.Errorf("fault: %d %v", code, m)
	}
	if code, _ := c.do(http.MethodPost, "/api/cases", map[string]any{}, true); code != http.StatusBadRequest {
		t.Errorf("after the fault: %d", code)
	}
}
