package kibana

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keypivot/keypivot/internal/testserver/elasticsearch"
	"github.com/keypivot/keypivot/internal/testserver/httpkit"
)

// Endpoint names used by the request counters and by Fault.Endpoint.
const (
	EndpointStatus        = "status"         // GET /api/status
	EndpointSignalsStatus = "signals.status" // POST /api/detection_engine/signals/status
	EndpointCreateCase    = "cases.create"   // POST /api/cases
	EndpointAddComment    = "cases.comment"  // POST /api/cases/{id}/comments
	EndpointGetCase       = "cases.get"      // GET /api/cases/{id}
	EndpointFindCases     = "cases.find"     // GET /api/cases/_find
	EndpointUnknown       = "unknown"
)

// Server is a Kibana test server backed by an Elasticsearch test server. Create it
// with New.
type Server struct {
	httpkit.Plumbing[Request, Fault] // URL, Close, Requests, RequestLog, ResetCounters, InjectFault, ClearFaults

	mu    sync.Mutex
	es    *elasticsearch.Server
	clock func() time.Time

	version      string
	creds        httpkit.Credentials
	closeReasons map[string]bool

	cases   map[string]map[string]*kcase // space -> id -> case
	caseSeq int
}

// Option configures a Server.
type Option func(*Server)

// WithVersion sets the version /api/status reports (default "8.19.7").
func WithVersion(v string) Option { return func(s *Server) { s.version = v } }

// WithAPIKey accepts "Authorization: ApiKey base64(id:key)". Without WithAPIKey or
// WithBasicAuth the server accepts exactly what the linked Elasticsearch server
// accepts, as Kibana authenticates against its cluster.
func WithAPIKey(id, key string) Option { return func(s *Server) { s.creds.APIKeys[id] = key } }

// WithBasicAuth accepts a user and password.
func WithBasicAuth(user, password string) Option {
	return func(s *Server) { s.creds.Users[user] = password }
}

// WithClock sets the clock used for timestamps (created_at, workflow_status_updated_at).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.clock = now } }

// WithCloseReasons adds custom closing reasons (the securitySolution:closeReasons
// advanced setting) to the built-in ones.
func WithCloseReasons(reasons ...string) Option {
	return func(s *Server) {
		for _, r := range reasons {
			s.closeReasons[r] = true
		}
	}
}

// defaultCloseReasons are the closing reasons Kibana accepts without configuration:
// the 8.x/9.x built-in list and the older schema's list.
var defaultCloseReasons = []string{
	"false_positive", "duplicate", "true_positive", "benign_positive", "automated_closure", "other",
	"issue_resolved", "acceptable_risk", "expected_activity", "low_severity", "investigation_required",
}

// New starts a Kibana server on a loopback port whose alert and case operations read
// and write es; it is closed when the test ends.
func New(tb testing.TB, es *elasticsearch.Server, opts ...Option) *Server {
	tb.Helper()
	s := &Server{
		es:           es,
		clock:        time.Now,
		version:      "8.19.7",
		creds:        httpkit.NewCredentials(),
		closeReasons: map[string]bool{},
		cases:        map[string]map[string]*kcase{},
	}
	for _, r := range defaultCloseReasons {
		s.closeReasons[r] = true
	}
	for _, o := range opts {
		o(s)
	}
	s.Server = httpkit.Listen(tb, http.HandlerFunc(s.serveHTTP))
	return s
}

// Request is a request the server received, kept for assertions.
type Request struct {
	Endpoint        string
	Space           string
	httpkit.Request // Method, Path, Query, Header, Body
}

// Fault makes requests fail or slow down.
type Fault struct {
	Endpoint string        // an Endpoint* name; "" matches every endpoint
	Status   int           // HTTP status to answer; 0 with a Delay only delays
	Message  string        // error message; a default is provided
	Times    int           // how many matching requests fail; 0 means 1; -1 until ClearFaults
	Delay    time.Duration // wait before answering
}

// Uses is how many matching requests f applies to (Times), for reqlog.Faults.
func (f Fault) Uses() int { return f.Times }

// user is the authenticated caller, as Kibana records it on cases and alerts.
type user struct {
	Username   string
	ProfileUID string
}

func (s *Server) authenticate(header string) (user, bool) {
	var name string
	var apiKey, ok bool
	if s.creds.Empty() {
		name, ok = s.es.Authenticate(header)
		apiKey = strings.HasPrefix(name, "api_key:")
	} else {
		var scheme httpkit.Scheme
		scheme, name, ok = s.creds.Check(header)
		apiKey = scheme == httpkit.APIKey
	}
	switch {
	case !ok:
		return user{}, false
	case apiKey:
		return user{Username: "kp-test"}, true
	}
	return user{Username: name, ProfileUID: profileUID(name)}, true
}

func profileUID(name string) string {
	h := sha256.Sum256([]byte(name))
	return "u_" + base64.RawURLEncoding.EncodeToString(h[:16]) + "_0"
}

// route splits a path into the space, the endpoint and a case id.
func route(method, p string) (space, endpoint, caseID string) {
	space = "default"
	if rest, ok := strings.CutPrefix(p, "/s/"); ok {
		sp, tail, _ := strings.Cut(rest, "/")
		space, p = sp, "/"+tail
	}
	parts := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case p == "/api/status" && method == http.MethodGet:
		return space, EndpointStatus, ""
	case p == "/api/detection_engine/signals/status" && method == http.MethodPost:
		return space, EndpointSignalsStatus, ""
	case p == "/api/cases" && method == http.MethodPost:
		return space, EndpointCreateCase, ""
	case p == "/api/cases/_find" && method == http.MethodGet:
		return space, EndpointFindCases, ""
	case len(parts) == 4 && parts[0] == "api" && parts[1] == "cases" && parts[3] == "comments" && method == http.MethodPost:
		return space, EndpointAddComment, parts[2]
	case len(parts) == 3 && parts[0] == "api" && parts[1] == "cases" && method == http.MethodGet:
		return space, EndpointGetCase, parts[2]
	}
	return space, EndpointUnknown, ""
}

// kibanaError is the error body Kibana's HTTP layer produces.
func kibanaError(status int, msg string) (int, any) {
	return status, map[string]any{"statusCode": status, "error": http.StatusText(status), "message": msg}
}

// siemError is the error body the security solution's routes produce.
func siemError(status int, msg string) (int, any) {
	return status, map[string]any{"message": msg, "status_code": status}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	space, endpoint, caseID := route(r.Method, r.URL.Path)
	s.Record(Request{Endpoint: endpoint, Space: space, Request: httpkit.Received(r, body)}, endpoint)

	w.Header().Set("kbn-name", "kibana")
	reply := func(code int, v any) { httpkit.WriteJSON(w, code, "application/json; charset=utf-8", v) }
	u, ok := s.authenticate(r.Header.Get("Authorization"))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="kibana"`)
		reply(kibanaError(http.StatusUnauthorized, "Unauthorized"))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get("kbn-xsrf") == "" {
		reply(kibanaError(http.StatusBadRequest, "Request must contain a kbn-xsrf header."))
		return
	}
	if f := s.TakeFault(func(f *Fault) bool { return f.Endpoint == "" || f.Endpoint == endpoint }); f != nil {
		if !s.Sleep(r.Context(), f.Delay) {
			return
		}
		if f.Status != 0 {
			reply(kibanaError(f.Status, cmp.Or(f.Message, "injected fault")))
			return
		}
	}
	var parsed map[string]any
	if r.Method == http.MethodPost {
		v, err := httpkit.DecodeJSON[any](bytes.NewReader(body))
		if err != nil {
			reply(kibanaError(http.StatusBadRequest, "[request body]: expected a plain object value, but found [null] instead."))
			return
		}
		obj, isObj := v.(map[string]any)
		if !isObj {
			reply(kibanaError(http.StatusBadRequest, fmt.Sprintf("[request body]: expected a plain object value, but found [%s] instead.", jsonKind(v))))
			return
		}
		parsed = obj
	}
	switch endpoint {
	case EndpointStatus:
		reply(http.StatusOK, map[string]any{
			"name":    "kibana",
			"uuid":    "5b2de169-2785-441b-ae8c-186a1936b17d",
			"version": map[string]any{"number": s.version, "build_flavor": "traditional", "build_snapshot": false},
			"status":  map[string]any{"overall": map[string]any{"level": "available", "summary": "All services and plugins are available"}},
		})
	case EndpointSignalsStatus:
		reply(s.setSignalsStatus(space, u, parsed))
	case EndpointCreateCase:
		reply(s.createCase(space, u, parsed))
	case EndpointAddComment:
		reply(s.addComment(space, u, caseID, parsed))
	case EndpointGetCase:
		reply(s.getCase(space, caseID))
	case EndpointFindCases:
		reply(s.findCases(space, r.URL.Query()))
	default:
		reply(kibanaError(http.StatusNotFound, "Not Found"))
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

// setSignalsStatus implements POST /api/detection_engine/signals/status: it rewrites
// kibana.alert.workflow_status in the space's alerts index the way Kibana's painless
// script does and answers with the _update_by_query response.
func (s *Server) setSignalsStatus(space string, u user, body map[string]any) (int, any) {
	status, _ := body["status"].(string)
	switch status {
	case "open", "closed", "acknowledged", "in-progress":
	default:
		got := "undefined"
		if v, ok := body["status"]; ok {
			got = fmt.Sprint(v)
		}
		return kibanaError(http.StatusBadRequest,
			fmt.Sprintf("[request body]: status: Invalid enum value. Expected 'open' | 'closed' | 'acknowledged' | 'in-progress', received '%s'", got))
	}
	ids, hasIDs := body["signal_ids"]
	query, hasQuery := body["query"]
	if hasIDs == hasQuery {
		return kibanaError(http.StatusBadRequest, "[request body]: Invalid input: exactly one of signal_ids or query is required")
	}
	for k := range body {
		switch k {
		case "status", "signal_ids", "query", "reason", "conflicts", "runtime_fields":
		default:
			return kibanaError(http.StatusBadRequest, fmt.Sprintf("[request body]: Unrecognized key(s) in object: '%s'", k))
		}
	}
	var reason any
	if r, ok := body["reason"]; ok {
		rs, isStr := r.(string)
		if !isStr {
			return kibanaError(http.StatusBadRequest, "[request body]: reason: Expected string")
		}
		if status == "closed" {
			if !s.closeReasons[rs] {
				return siemError(http.StatusBadRequest, fmt.Sprintf("Reason %q is not a valid closing reason", rs))
			}
			reason = rs
		}
	}
	var q map[string]any
	if hasIDs {
		list, isList := ids.([]any)
		if !isList || len(list) == 0 {
			return kibanaError(http.StatusBadRequest, "[request body]: signal_ids: Array must contain at least 1 element(s)")
		}
		for _, id := range list {
			if s, ok := id.(string); !ok || s == "" {
				return kibanaError(http.StatusBadRequest, "[request body]: signal_ids: String must contain at least 1 character(s)")
			}
		}
		q = map[string]any{"bool": map[string]any{"filter": map[string]any{"terms": map[string]any{"_id": list}}}}
	} else {
		qo, isObj := query.(map[string]any)
		if !isObj {
			return kibanaError(http.StatusBadRequest, "[request body]: query: Expected object")
		}
		q = map[string]any{"bool": map[string]any{"filter": qo}}
	}
	stored := status
	if stored == "in-progress" {
		stored = "acknowledged"
	}
	now := s.clock().UTC().Format("2006-01-02T15:04:05.000Z")
	var workflowUser any
	if u.ProfileUID != "" {
		workflowUser = u.ProfileUID
	}
	start := time.Now()
	res, err := s.es.UpdateByQuery(elasticsearch.AlertsIndex(space), q, func(_ string, src map[string]any) bool {
		if cur, ok := alertField(src, "kibana.alert.workflow_status"); ok && cur != nil && cur != stored {
			src["kibana.alert.workflow_status"] = stored
			src["kibana.alert.workflow_user"] = workflowUser
			src["kibana.alert.workflow_status_updated_at"] = now
			if reason != nil {
				src["kibana.alert.workflow_reason"] = reason
			} else {
				delete(src, "kibana.alert.workflow_reason")
			}
		}
		if sig, ok := src["signal"].(map[string]any); ok && sig["status"] != nil {
			sig["status"] = stored
		}
		return true
	})
	if err != nil {
		if e, ok := err.(*elasticsearch.Error); ok {
			return siemError(e.Status, e.Reason)
		}
		return siemError(http.StatusInternalServerError, err.Error())
	}
	batches := 0
	if res.Total > 0 {
		batches = 1
	}
	return http.StatusOK, map[string]any{
		"took": time.Since(start).Milliseconds(), "timed_out": false, "total": res.Total, "updated": res.Updated,
		"deleted": 0, "batches": batches, "version_conflicts": 0, "noops": res.Noops,
		"retries": map[string]any{"bulk": 0, "search": 0}, "throttled_millis": 0,
		"requests_per_second": -1, "throttled_until_millis": 0, "failures": []any{},
	}
}

// alertField reads a field of an alert's _source, as a flat dotted key or nested.
func alertField(src map[string]any, field string) (any, bool) {
	if v, ok := src[field]; ok {
		return v, true
	}
	var cur any = src
	for _, part := range strings.Split(field, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])[:12]
}
