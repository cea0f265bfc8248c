package elasticsearch

import (
	"cmp"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keypivot/keypivot/internal/testserver/httpkit"
)

const nodeID = "kp-testserver-node-0"

// Endpoint names used by the request counters and by Fault.Endpoint.
const (
	EndpointInfo         = "info"         // GET|HEAD /
	EndpointAuthenticate = "authenticate" // GET /_security/_authenticate
	EndpointSearch       = "search"       // GET|POST [/<target>]/_search
	EndpointOpenPIT      = "pit.open"     // POST /<target>/_pit
	EndpointClosePIT     = "pit.close"    // DELETE /_pit
	EndpointESQL         = "esql"         // POST /_query
	EndpointCount        = "count"        // GET|POST [/<target>]/_count
	EndpointGet          = "get"          // GET /<index>/_doc/<id>
	EndpointRefresh      = "refresh"      // POST [/<target>]/_refresh
	EndpointUnknown      = "unknown"      // anything else (answered like Elasticsearch: no handler)
)

// Server is an Elasticsearch test server. Create it with New.
type Server struct {
	httpkit.Plumbing[Request, Fault] // URL, Close, Requests, RequestLog, ResetCounters, InjectFault, ClearFaults

	mu    sync.Mutex
	clock func() time.Time

	version     string
	clusterName string
	clusterUUID string
	creds       httpkit.Credentials
	noAuth      bool

	maxResultWindow  int
	esqlDefaultLimit int
	esqlMaxLimit     int
	maxKeepAlive     time.Duration

	indices   map[string]*index
	aliases   map[string]*alias
	templates []template
	seq       int64

	pits   map[string]*pit
	pitSeq uint64
}

// Option configures a Server.
type Option func(*Server)

// WithVersion sets the version GET / reports (default "8.19.7"); it also decides which
// compatible-with media types the server accepts (its major and the one before), so a
// go-elasticsearch v9 typed client needs a 9.x server, as with a real cluster.
func WithVersion(v string) Option { return func(s *Server) { s.version = v } }

// WithAPIKey accepts "Authorization: ApiKey base64(id:key)". Configuring any
// credential replaces the generated default API key.
func WithAPIKey(id, key string) Option {
	return func(s *Server) { s.creds.APIKeys[id] = key }
}

// WithBasicAuth accepts a user and password.
func WithBasicAuth(user, password string) Option {
	return func(s *Server) { s.creds.Users[user] = password }
}

// WithoutAuth serves every request without credentials (security disabled).
func WithoutAuth() Option { return func(s *Server) { s.noAuth = true } }

// WithClock sets the clock for point-in-time expiry, date math ("now-1d") and NOW().
func WithClock(now func() time.Time) Option { return func(s *Server) { s.clock = now } }

// WithMaxResultWindow sets index.max_result_window (default 10,000).
func WithMaxResultWindow(n int) Option { return func(s *Server) { s.maxResultWindow = n } }

// WithESQLLimits sets ES|QL's implicit LIMIT (default 1,000) and its maximum
// (esql.query.result_truncation_max_size, default 10,000).
func WithESQLLimits(defaultLimit, maxLimit int) Option {
	return func(s *Server) { s.esqlDefaultLimit, s.esqlMaxLimit = defaultLimit, maxLimit }
}

// New starts a server on a loopback port; it is closed when the test ends.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{
		clock:            time.Now,
		version:          "8.19.7",
		clusterName:      "keypivot-test",
		clusterUUID:      randomID(22),
		creds:            httpkit.NewCredentials(),
		maxResultWindow:  10000,
		esqlDefaultLimit: 1000,
		esqlMaxLimit:     10000,
		maxKeepAlive:     24 * time.Hour,
		indices:          map[string]*index{},
		aliases:          map[string]*alias{},
		pits:             map[string]*pit{},
	}
	for _, o := range opts {
		o(s)
	}
	if !s.noAuth && s.creds.Empty() {
		s.creds.APIKeys["kp-test-key"] = randomID(22)
	}
	s.Server = httpkit.Listen(tb, http.HandlerFunc(s.serveHTTP))
	return s
}

// Version is the version the server reports.
func (s *Server) Version() string { return s.version }

// APIKey returns an accepted API key encoded as go-elasticsearch's Config.APIKey and
// the "Authorization: ApiKey" header expect: base64("id:key"). It is "" when only
// basic auth is configured or auth is off.
func (s *Server) APIKey() string {
	for _, id := range sortedKeys(s.creds.APIKeys) {
		return base64.StdEncoding.EncodeToString([]byte(id + ":" + s.creds.APIKeys[id]))
	}
	return ""
}

func (s *Server) now() time.Time { return s.clock() }

func (s *Server) major() int {
	n, _ := strconv.Atoi(strings.SplitN(s.version, ".", 2)[0])
	return n
}

// Authenticate checks an Authorization header value the way this server does and
// returns the authenticated principal. The Kibana test server uses it to accept the
// same credentials.
func (s *Server) Authenticate(authorization string) (principal string, ok bool) {
	if s.noAuth {
		return "_anonymous", true
	}
	scheme, name, ok := s.creds.Check(authorization)
	if scheme == httpkit.APIKey {
		name = "api_key:" + name
	}
	return name, ok
}

// Request is a request the server received, kept for assertions.
type Request struct {
	Endpoint        string
	httpkit.Request // Method, Path, Query, Header, Body
}

// OpenPITs returns how many points in time are open (expired ones not counted).
func (s *Server) OpenPITs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	n := 0
	for _, p := range s.pits {
		if !now.After(p.expires) {
			n++
		}
	}
	return n
}

// ExpirePITs ends every open point in time, as if their keep_alive had run out.
func (s *Server) ExpirePITs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pits = map[string]*pit{}
}

// Fault makes requests fail or slow down.
type Fault struct {
	Endpoint string        // an Endpoint* name; "" matches every endpoint
	Status   int           // HTTP status to answer; 0 with a Delay only delays
	Type     string        // exception type; default by status (429 es_rejected_execution_exception, ...)
	Reason   string        // exception reason; a default is provided
	Times    int           // how many matching requests fail; 0 means 1; -1 until ClearFaults
	Delay    time.Duration // wait before answering
}

// Uses is how many matching requests f applies to (Times), for reqlog.Faults.
func (f Fault) Uses() int { return f.Times }

// faultDefaults are the exception type and reason Elasticsearch answers a status with,
// for faults that name neither; other statuses are an "exception", "injected fault".
var faultDefaults = map[int]struct{ typ, reason string }{
	http.StatusTooManyRequests: {"es_rejected_execution_exception",
		"rejected execution of coordinating operation [shard_detail=[search], coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=0, max_coordinating_and_primary_bytes=0]"},
	http.StatusServiceUnavailable: {"cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE/2/no master];"},
	http.StatusGatewayTimeout:     {"timeout_exception", ""},
	http.StatusBadGateway:         {"timeout_exception", ""},
	http.StatusUnauthorized:       {"security_exception", ""},
	http.StatusForbidden: {"security_exception",
		"action [indices:data/read/search] is unauthorized for API key id [kp-test-key] of user [kp-test], this action is granted by the index privileges [read,all]"},
}

func faultError(f *Fault) *Error {
	d := faultDefaults[f.Status]
	return &Error{Status: f.Status, Type: cmp.Or(f.Type, d.typ, "exception"), Reason: cmp.Or(f.Reason, d.reason, "injected fault")}
}

func (s *Server) route(method, path string) (endpoint, target string, hasTarget bool, id string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if path == "/" || path == "" {
		return EndpointInfo, "", false, ""
	}
	switch {
	case len(parts) == 2 && parts[0] == "_security" && parts[1] == "_authenticate":
		return EndpointAuthenticate, "", false, ""
	case len(parts) == 1 && parts[0] == "_search":
		return EndpointSearch, "", false, ""
	case len(parts) == 2 && parts[1] == "_search" && !strings.HasPrefix(parts[0], "_"):
		return EndpointSearch, parts[0], true, ""
	case len(parts) == 2 && parts[1] == "_pit" && method == http.MethodPost:
		return EndpointOpenPIT, parts[0], true, ""
	case len(parts) == 1 && parts[0] == "_pit" && method == http.MethodDelete:
		return EndpointClosePIT, "", false, ""
	case len(parts) == 1 && parts[0] == "_query":
		return EndpointESQL, "", false, ""
	case len(parts) == 1 && parts[0] == "_count":
		return EndpointCount, "", false, ""
	case len(parts) == 2 && parts[1] == "_count":
		return EndpointCount, parts[0], true, ""
	case len(parts) == 1 && parts[0] == "_refresh":
		return EndpointRefresh, "", false, ""
	case len(parts) == 2 && parts[1] == "_refresh":
		return EndpointRefresh, parts[0], true, ""
	case len(parts) == 3 && parts[1] == "_doc" && method == http.MethodGet:
		return EndpointGet, parts[0], true, parts[2]
	}
	return EndpointUnknown, "", false, ""
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	body, err := readBody(r)
	endpoint, target, hasTarget, id := s.route(r.Method, r.URL.Path)
	s.Record(Request{Endpoint: endpoint, Request: httpkit.Received(r, body)}, endpoint)

	mediaType, mtErr := s.checkMediaType(r)
	reply := func(code int, v any) { httpkit.WriteJSON(w, code, mediaType, v) }
	if err != nil {
		reply(errorReply(badRequest("parse_exception", "request body is required or invalid: %v", err)))
		return
	}
	if mtErr != nil {
		reply(errorReply(mtErr))
		return
	}
	if principal, ok := s.Authenticate(r.Header.Get("Authorization")); !ok || principal == "" {
		s.unauthorized(w, r, reply)
		return
	}
	if f := s.TakeFault(func(f *Fault) bool { return f.Endpoint == "" || f.Endpoint == endpoint }); f != nil {
		if !s.Sleep(r.Context(), f.Delay) {
			return
		}
		if f.Status != 0 {
			reply(errorReply(faultError(f)))
			return
		}
	}
	var parsed map[string]any
	if len(strings.TrimSpace(string(body))) > 0 {
		v, err := decodeJSON(body)
		obj, isObj := v.(map[string]any)
		if err != nil || !isObj {
			reply(errorReply(badRequest("x_content_parse_exception", "[1:1] request body must be a JSON object: %v", err)))
			return
		}
		parsed = obj
	}
	if parsed == nil {
		parsed = map[string]any{}
	}
	params := r.URL.Query()
	// locked answers what f returns under the store's lock.
	locked := func(f func() (int, any)) {
		s.mu.Lock()
		code, v := f()
		s.mu.Unlock()
		reply(code, v)
	}
	switch endpoint {
	case EndpointInfo:
		reply(http.StatusOK, s.info())
	case EndpointAuthenticate:
		p, _ := s.Authenticate(r.Header.Get("Authorization"))
		reply(http.StatusOK, s.authenticateBody(p))
	case EndpointSearch:
		locked(func() (int, any) {
			code, v := s.search(target, hasTarget, parsed, params)
			return filterPath(code, v, params.Get("filter_path"))
		})
	case EndpointOpenPIT:
		locked(func() (int, any) { return s.openPIT(target, params) })
	case EndpointClosePIT:
		locked(func() (int, any) { return s.closePIT(parsed) })
	case EndpointESQL:
		if r.Method != http.MethodPost {
			reply(errorReply(badRequest("illegal_argument_exception", "Incorrect HTTP method for uri [/_query] and method [%s], allowed: [POST]", r.Method)))
			return
		}
		code, v, warnings := s.esql(parsed, params)
		for _, wmsg := range warnings {
			w.Header().Add("Warning", fmt.Sprintf("299 Elasticsearch-%s-%s %q", s.version, buildHash, wmsg))
		}
		reply(code, v)
	case EndpointCount:
		locked(func() (int, any) { return s.count(target, parsed, params) })
	case EndpointGet:
		locked(func() (int, any) { return s.getDoc(target, id) })
	case EndpointRefresh:
		locked(func() (int, any) {
			ixs, err := s.resolve(target, resolveParams(params))
			if err != nil {
				return errorReply(err)
			}
			return http.StatusOK, map[string]any{"_shards": map[string]any{"total": len(ixs), "successful": len(ixs), "failed": 0}}
		})
	default:
		reply(http.StatusBadRequest, map[string]any{
			"error":  fmt.Sprintf("no handler found for uri [%s] and method [%s]", r.URL.RequestURI(), r.Method),
			"status": http.StatusBadRequest,
		})
	}
}

const buildHash = "c4f5e4a2b1e7f6d8a9b0c1d2e3f4a5b6c7d8e9f0"

func (s *Server) info() map[string]any {
	lucene := "9.12.2"
	wire, idx := "7.17.0", "7.0.0"
	if s.major() >= 9 {
		lucene, wire, idx = "10.2.2", "8.19.0", "8.0.0"
	}
	return map[string]any{
		"name":         nodeID,
		"cluster_name": s.clusterName,
		"cluster_uuid": s.clusterUUID,
		"version": map[string]any{
			"number":                              s.version,
			"build_flavor":                        "default",
			"build_type":                          "docker",
			"build_hash":                          buildHash,
			"build_date":                          "2025-10-01T10:00:00.000Z",
			"build_snapshot":                      false,
			"lucene_version":                      lucene,
			"minimum_wire_compatibility_version":  wire,
			"minimum_index_compatibility_version": idx,
		},
		"tagline": "You Know, for Search",
	}
}

func (s *Server) authenticateBody(principal string) map[string]any {
	authType, user := "realm", principal
	realm := map[string]any{"name": "reserved", "type": "reserved"}
	out := map[string]any{}
	if id, ok := strings.CutPrefix(principal, "api_key:"); ok {
		authType, user = "api_key", "kp-test"
		realm = map[string]any{"name": "_es_api_key", "type": "_es_api_key"}
		out["api_key"] = map[string]any{"id": id, "name": "keypivot"}
	}
	out["username"] = user
	out["roles"] = []string{"superuser"}
	out["full_name"] = nil
	out["email"] = nil
	out["metadata"] = map[string]any{}
	out["enabled"] = true
	out["authentication_realm"] = realm
	out["lookup_realm"] = realm
	out["authentication_type"] = authType
	return out
}

func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request, reply func(int, any)) {
	challenges := []string{`Basic realm="security", charset="UTF-8"`, `Bearer realm="security"`, "ApiKey"}
	for _, c := range challenges {
		w.Header().Add("WWW-Authenticate", c)
	}
	e := &Error{Status: http.StatusUnauthorized, Type: "security_exception",
		Extra: map[string]any{"header": map[string]any{"WWW-Authenticate": challenges}}}
	if r.Header.Get("Authorization") == "" {
		e.Reason = "missing authentication credentials for REST request [" + r.URL.RequestURI() + "]"
	} else {
		e.Reason = "unable to authenticate with provided credentials and anonymous access is not allowed for this request"
		scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if strings.EqualFold(scheme, "ApiKey") {
			e.Extra["additional_unsuccessful_credentials"] = "API key: unable to find apikey with id or the api key secret is invalid"
		}
	}
	reply(errorReply(e))
}

// checkMediaType validates compatible-with media types: a server accepts its own major
// and the one before (REST API compatibility); anything else is the
// media_type_header_exception a real cluster answers. It returns the response
// content type.
func (s *Server) checkMediaType(r *http.Request) (string, error) {
	out := "application/json"
	var versions []int
	for _, h := range []string{"Accept", "Content-Type"} {
		v := r.Header.Get(h)
		i := strings.Index(v, "compatible-with=")
		if i < 0 {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(v[i+len("compatible-with="):], ";", 2)[0]))
		if err != nil {
			return out, badRequest("media_type_header_exception", "Invalid media-type value on headers [%s]", h)
		}
		versions = append(versions, n)
	}
	if len(versions) == 0 {
		return out, nil
	}
	major := s.major()
	for _, v := range versions {
		if v != major && v != major-1 {
			e := badRequest("media_type_header_exception", "Invalid media-type value on headers [Accept, Content-Type]")
			e.CausedBy = badRequest("status_exception",
				"Accept version must be either version %d or %d, but found %d. Accept=%s", major, major-1, v, r.Header.Get("Accept"))
			return out, e
		}
	}
	if len(versions) == 2 && versions[0] != versions[1] {
		return out, badRequest("media_type_header_exception",
			"A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version and the compatible versions must match.")
	}
	return fmt.Sprintf("application/vnd.elasticsearch+json;compatible-with=%d", versions[0]), nil
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	var rd io.Reader = r.Body
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, err
		}
		defer gz.Close()
		rd = gz
	}
	return io.ReadAll(io.LimitReader(rd, 256<<20))
}

// filterPath applies the filter_path response filter (dotted paths with * wildcards;
// ** is not supported).
func filterPath(code int, v any, fp string) (int, any) {
	if fp == "" || code >= 300 {
		return code, v
	}
	m, ok := v.(map[string]any)
	if !ok {
		return code, v
	}
	// Round-trip so that typed values ([]any of maps) are uniform.
	var generic any
	b, _ := json.Marshal(m)
	_ = json.Unmarshal(b, &generic)
	var paths [][]string
	for _, p := range splitList(fp) {
		paths = append(paths, strings.Split(p, "."))
	}
	out := filterPaths(generic, paths)
	if out == nil {
		out = map[string]any{}
	}
	return code, out
}

func filterPaths(v any, paths [][]string) any {
	switch t := v.(type) {
	case []any:
		var out []any
		for _, x := range t {
			if r := filterPaths(x, paths); r != nil {
				out = append(out, r)
			}
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			var sub [][]string
			whole := false
			for _, p := range paths {
				if len(p) == 0 || !globMatch(p[0], k) {
					continue
				}
				if len(p) == 1 {
					whole = true
				} else {
					sub = append(sub, p[1:])
				}
			}
			switch {
			case whole:
				out[k] = x
			case len(sub) > 0:
				if r := filterPaths(x, sub); r != nil {
					out[k] = r
				}
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return nil
}

func randomID(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
