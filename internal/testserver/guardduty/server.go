package guardduty

import (
	"bytes"
	"cmp"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"golang.org/x/time/rate"

	"github.com/keypivot/keypivot/internal/testserver/httpkit"
)

// Operation names used by the request counters and by Fault.Operation.
const (
	OpListDetectors = "ListDetectors"
	OpListFindings  = "ListFindings"
	OpGetFindings   = "GetFindings"
	OpUnknown       = "Unknown"
)

// Limits of the GuardDuty API.
const (
	MaxResults       = 50 // ListDetectors / ListFindings maxResults
	MaxGetFindingIDs = 50 // GetFindings findingIds
)

// Server is a GuardDuty test server. Create it with New.
type Server struct {
	httpkit.Plumbing[Request, Fault] // URL, Close, Requests, RequestLog, ResetCounters, InjectFault, ClearFaults

	mu    sync.Mutex
	clock func() time.Time

	accountID string
	creds     map[string]string // access key id -> secret; empty accepts any signer
	rps       float64
	burst     int
	regions   map[string]*region
	optedOut  map[string]bool
}

type region struct {
	name      string
	detectors []*detector
	limiter   *rate.Limiter
}

type detector struct {
	id       string
	findings []map[string]any
	byID     map[string]map[string]any
}

// Option configures a Server.
type Option func(*Server)

// WithAccountID sets the account the findings belong to (default 123456789012).
func WithAccountID(id string) Option { return func(s *Server) { s.accountID = id } }

// WithCredentials makes the server verify SigV4 signatures: only this access key is
// known (others get UnrecognizedClientException) and a signature made with another
// secret gets InvalidSignatureException. Without it any signed request is accepted.
func WithCredentials(accessKeyID, secretAccessKey string) Option {
	return func(s *Server) { s.creds[accessKeyID] = secretAccessKey }
}

// WithRateLimit limits each region to perSecond requests a second with bursts of
// burst; beyond it the server answers 429 TooManyRequestsException. Off by default.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(s *Server) { s.rps, s.burst = perSecond, burst }
}

// WithClock sets the clock used to fill createdAt/updatedAt of added findings.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.clock = now } }

// New starts a server on a loopback port; it is closed when the test ends. Point the
// SDK at it with BaseEndpoint (guardduty.Options.BaseEndpoint or AWS_ENDPOINT_URL).
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{
		clock:     time.Now,
		accountID: "123456789012",
		creds:     map[string]string{},
		regions:   map[string]*region{},
		optedOut:  map[string]bool{},
	}
	for _, o := range opts {
		o(s)
	}
	s.Server = httpkit.Listen(tb, http.HandlerFunc(s.serveHTTP))
	return s
}

// AccountID is the account findings are filled in with.
func (s *Server) AccountID() string { return s.accountID }

func (s *Server) region(name string) *region {
	r := s.regions[name]
	if r == nil {
		r = &region{name: name}
		if s.rps > 0 {
			r.limiter = rate.NewLimiter(rate.Limit(s.rps), max(s.burst, 1))
		}
		s.regions[name] = r
	}
	return r
}

// DetectorID is the id AddDetector gives the n-th detector (from 0) of a region: 32
// hex characters, like a real detector id.
func (s *Server) DetectorID(regionName string, n int) string {
	h := md5.Sum([]byte(fmt.Sprintf("%s/%s/%d", s.accountID, regionName, n)))
	return hex.EncodeToString(h[:])
}

// AddDetector creates a detector in a region and returns its id.
func (s *Server) AddDetector(regionName string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addDetector(regionName).id
}

func (s *Server) addDetector(regionName string) *detector {
	r := s.region(regionName)
	d := &detector{id: s.DetectorID(regionName, len(r.detectors)), byID: map[string]map[string]any{}}
	r.detectors = append(r.detectors, d)
	return d
}

// AddFindings stores findings, in the wire form (camelCase JSON names; see FromCLI for
// the form the AWS CLI prints), under the first detector of region, creating one if
// the region has none. Missing members are filled in as GuardDuty would: id, arn,
// accountId, region, partition, schemaVersion, createdAt/updatedAt,
// service.detectorId, service.archived (false). A finding is copied; re-adding an id
// replaces it. A finding without severity or type is an error.
func (s *Server) AddFindings(regionName string, findings ...map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.region(regionName)
	var d *detector
	if len(r.detectors) == 0 {
		d = s.addDetector(regionName)
	} else {
		d = r.detectors[0]
	}
	now := s.clock().UTC().Format("2006-01-02T15:04:05.000Z")
	for i, raw := range findings {
		f, err := normalize(raw)
		if err != nil {
			return fmt.Errorf("guardduty testserver: finding %d: %w", i, err)
		}
		if _, ok := f["severity"]; !ok {
			return fmt.Errorf("guardduty testserver: finding %d has no severity", i)
		}
		if _, ok := f["type"].(string); !ok {
			return fmt.Errorf("guardduty testserver: finding %d has no type", i)
		}
		id, _ := f["id"].(string)
		if id == "" {
			id = randomHex(32)
			f["id"] = id
		}
		setDefault(f, "accountId", s.accountID)
		f["region"] = regionName
		setDefault(f, "partition", "aws")
		setDefault(f, "schemaVersion", "2.0")
		setDefault(f, "createdAt", now)
		setDefault(f, "updatedAt", f["createdAt"])
		f["arn"] = fmt.Sprintf("arn:aws:guardduty:%s:%s:detector/%s/finding/%s", regionName, f["accountId"], d.id, id)
		svc, _ := f["service"].(map[string]any)
		if svc == nil {
			svc = map[string]any{}
			f["service"] = svc
		}
		svc["detectorId"] = d.id
		setDefault(svc, "archived", false)
		setDefault(svc, "serviceName", "guardduty")
		if _, dup := d.byID[id]; dup {
			for j, old := range d.findings {
				if old["id"] == id {
					d.findings = append(d.findings[:j], d.findings[j+1:]...)
					break
				}
			}
		}
		d.findings = append(d.findings, f)
		d.byID[id] = f
	}
	return nil
}

// SetArchived archives or unarchives a finding, as ArchiveFindings would.
func (s *Server) SetArchived(regionName, findingID string, archived bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.region(regionName).detectors {
		if f, ok := d.byID[findingID]; ok {
			f["service"].(map[string]any)["archived"] = archived
			return true
		}
	}
	return false
}

// Findings returns copies of a region's findings in the order they were added.
func (s *Server) Findings(regionName string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, d := range s.region(regionName).detectors {
		for _, f := range d.findings {
			c, _ := normalize(f)
			out = append(out, c)
		}
	}
	return out
}

// DisableRegion makes a region answer like an opt-in region that is not enabled for
// the account: 403 UnrecognizedClientException.
func (s *Server) DisableRegion(regionName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.optedOut[regionName] = true
}

func setDefault(m map[string]any, k string, v any) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

func normalize(f map[string]any) (map[string]any, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	return httpkit.DecodeJSON[map[string]any](bytes.NewReader(b))
}

func randomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Request is a request the server received, kept for assertions.
type Request struct {
	Operation       string
	Region          string
	httpkit.Request // Method, Path, Query, Header, Body
}

// RequestsIn returns how many requests reached an operation in one region (Requests
// counts them in every region, throttled and faulted ones included).
func (s *Server) RequestsIn(regionName, op string) int {
	return s.Requests(regionName + "/" + op)
}

// Fault makes requests fail or slow down.
type Fault struct {
	Region    string        // "" matches every region
	Operation string        // an Op* name; "" matches every operation
	Status    int           // HTTP status; 0 with a Delay only delays
	Code      string        // error code (X-Amzn-ErrorType); default by status
	Message   string        // error message; a default is provided
	Times     int           // how many matching requests fail; 0 means 1; -1 until ClearFaults
	Delay     time.Duration // wait before answering
}

// Uses is how many matching requests f applies to (Times), for reqlog.Faults.
func (f Fault) Uses() int { return f.Times }

func (s *Server) takeFault(regionName, op string) *Fault {
	return s.TakeFault(func(f *Fault) bool {
		return (f.Region == "" || f.Region == regionName) && (f.Operation == "" || f.Operation == op)
	})
}

// faultCodes are the error codes GuardDuty answers a status with, for faults that name
// none; other statuses are InternalServerErrorException.
var faultCodes = map[int]string{
	http.StatusTooManyRequests:     "TooManyRequestsException",
	http.StatusBadRequest:          "BadRequestException",
	http.StatusForbidden:           "AccessDeniedException",
	http.StatusInternalServerError: "InternalServerErrorException",
	http.StatusServiceUnavailable:  "ServiceUnavailableException",
}

func faultError(f *Fault) *apiError {
	return &apiError{status: f.Status, code: cmp.Or(f.Code, faultCodes[f.Status], "InternalServerErrorException"),
		message: cmp.Or(f.Message, "injected fault")}
}

// apiError is an error answer in the rest-json shape the SDK decodes.
type apiError struct {
	status  int
	code    string
	message string
	typ     string // the body's "type"/"__type" member, when it differs from code
}

func badRequest(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "BadRequestException", message: msg, typ: "InvalidInputException"}
}

var errInvalidInput = "The request is rejected because an invalid or out-of-range value is specified as an input parameter."

func (e *apiError) write(w http.ResponseWriter) {
	body := map[string]any{"message": e.message}
	if e.typ != "" {
		body["__type"] = e.typ
		body["type"] = e.typ
	}
	w.Header().Set("X-Amzn-ErrorType", e.code)
	httpkit.WriteJSON(w, e.status, "application/json", body)
}

// authenticate reads the region from the SigV4 credential scope and, with
// WithCredentials, verifies the signature by signing the received request again with
// the SDK's signer.
func (s *Server) authenticate(r *http.Request, body []byte) (string, *apiError) {
	auth := httpkit.ParseSigV4(r.Header.Get("Authorization"))
	if auth.Algorithm != httpkit.SigV4Algorithm || !auth.Scoped() {
		return "", &apiError{status: http.StatusForbidden, code: "MissingAuthenticationTokenException", message: "Missing Authentication Token"}
	}
	keyID, regionName := auth.KeyID, auth.Region
	if auth.Service != "guardduty" {
		return regionName, &apiError{status: http.StatusForbidden, code: "InvalidSignatureException",
			message: fmt.Sprintf("Credential should be scoped to correct service: 'guardduty'. ")}
	}
	if len(s.creds) == 0 {
		return regionName, nil
	}
	secret, ok := s.creds[keyID]
	if !ok {
		return regionName, &apiError{status: http.StatusForbidden, code: "UnrecognizedClientException",
			message: "The security token included in the request is invalid."}
	}
	signedAt, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return regionName, &apiError{status: http.StatusBadRequest, code: "IncompleteSignatureException",
			message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."}
	}
	again, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	if err != nil {
		return regionName, &apiError{status: http.StatusBadRequest, code: "InvalidSignatureException", message: err.Error()}
	}
	again.Host = r.Host
	for _, h := range auth.SignedHeaders {
		switch h {
		case "host":
		case "content-length":
			again.ContentLength = int64(len(body))
		default:
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: r.Header.Get("X-Amz-Security-Token")}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, again, hex.EncodeToString(sum[:]), "guardduty", regionName, signedAt); err != nil {
		return regionName, &apiError{status: http.StatusBadRequest, code: "InvalidSignatureException", message: err.Error()}
	}
	if want := httpkit.ParseSigV4(again.Header.Get("Authorization")).Signature; want == "" || want != auth.Signature {
		return regionName, &apiError{status: http.StatusForbidden, code: "InvalidSignatureException",
			message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
	}
	return regionName, nil
}

var (
	detectorsPath = regexp.MustCompile(`^/detector$`)
	findingsPath  = regexp.MustCompile(`^/detector/([^/]+)/findings$`)
	getPath       = regexp.MustCompile(`^/detector/([^/]+)/findings/get$`)
)

func route(method, p string) (op, detectorID string) {
	switch {
	case method == http.MethodGet && detectorsPath.MatchString(p):
		return OpListDetectors, ""
	case method == http.MethodPost && findingsPath.MatchString(p):
		return OpListFindings, findingsPath.FindStringSubmatch(p)[1]
	case method == http.MethodPost && getPath.MatchString(p):
		return OpGetFindings, getPath.FindStringSubmatch(p)[1]
	}
	return OpUnknown, ""
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-RequestId", httpkit.UUID())
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	op, detectorID := route(r.Method, r.URL.Path)
	regionName, authErr := s.authenticate(r, body)

	s.Record(Request{Operation: op, Region: regionName, Request: httpkit.Received(r, body)}, op, regionName+"/"+op)
	s.mu.Lock()
	optedOut := s.optedOut[regionName]
	var limited bool
	var f *Fault
	if authErr == nil && !optedOut {
		rg := s.region(regionName)
		limited = rg.limiter != nil && !rg.limiter.Allow()
		if !limited {
			f = s.takeFault(regionName, op)
		}
	}
	s.mu.Unlock()

	switch {
	case authErr != nil:
		authErr.write(w)
		return
	case optedOut:
		(&apiError{status: http.StatusForbidden, code: "UnrecognizedClientException", message: "The security token included in the request is invalid."}).write(w)
		return
	case limited:
		(&apiError{status: http.StatusTooManyRequests, code: "TooManyRequestsException", message: "Rate exceeded"}).write(w)
		return
	}
	if f != nil {
		if !s.Sleep(r.Context(), f.Delay) {
			return
		}
		if f.Status != 0 {
			faultError(f).write(w)
			return
		}
	}

	var out any
	var apiErr *apiError
	switch op {
	case OpListDetectors:
		out, apiErr = s.listDetectors(regionName, r)
	case OpListFindings:
		out, apiErr = s.listFindings(regionName, detectorID, body)
	case OpGetFindings:
		out, apiErr = s.getFindings(regionName, detectorID, body)
	default:
		apiErr = &apiError{status: http.StatusNotFound, code: "UnknownOperationException",
			message: "The guardduty test server does not implement " + r.Method + " " + r.URL.Path}
	}
	if apiErr != nil {
		apiErr.write(w)
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, "application/json", out)
}

func parseMaxResults(v any) (int, *apiError) {
	if v == nil {
		return MaxResults, nil
	}
	var n int
	switch t := v.(type) {
	case json.Number:
		i, err := t.Int64()
		if err != nil {
			return 0, badRequest(errInvalidInput)
		}
		n = int(i)
	case string:
		i, err := strconv.Atoi(t)
		if err != nil {
			return 0, badRequest(errInvalidInput)
		}
		n = i
	default:
		return 0, badRequest(errInvalidInput)
	}
	if n < 1 || n > MaxResults {
		return 0, badRequest(errInvalidInput)
	}
	return n, nil
}

// pageToken is the opaque nextToken: where the next page starts and what the listing
// was asked for (a token replayed with other criteria is refused).
type pageToken struct {
	Offset int    `json:"o"`
	Query  string `json:"q"`
}

func encodeToken(offset int, query string) string {
	b, _ := json.Marshal(pageToken{Offset: offset, Query: query})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(tok, query string) (int, *apiError) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	var pt pageToken
	if err != nil || json.Unmarshal(b, &pt) != nil || pt.Offset < 0 {
		return 0, badRequest("The request is rejected because the input nextToken is not valid.")
	}
	if pt.Query != query {
		return 0, badRequest("The request is rejected because the nextToken was issued for a different request.")
	}
	return pt.Offset, nil
}

func (s *Server) listDetectors(regionName string, r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	var mr any
	if v := q.Get("maxResults"); v != "" {
		mr = v
	}
	n, e := parseMaxResults(mr)
	if e != nil {
		return nil, e
	}
	off, e := decodeToken(q.Get("nextToken"), "detectors")
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []any
	for _, d := range s.region(regionName).detectors {
		ids = append(ids, d.id)
	}
	return page(ids, off, n, "detectorIds", "detectors"), nil
}

func page(items []any, off, n int, key, query string) map[string]any {
	start := min(off, len(items))
	end := min(start+n, len(items))
	out := map[string]any{key: append([]any{}, items[start:end]...), "nextToken": ""}
	if end < len(items) {
		out["nextToken"] = encodeToken(end, query)
	}
	return out
}

// inDetector answers what read returns of a region's detector, read under the server's
// lock; a detector the region does not have is refused.
func (s *Server) inDetector(regionName, id string, read func(*detector) any) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.region(regionName).detectors {
		if d.id == id {
			return read(d), nil
		}
	}
	return nil, badRequest("The request is rejected because the input detectorId is not owned by the current account.")
}

func decodeBody(body []byte) (map[string]any, *apiError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	m, err := httpkit.DecodeJSON[map[string]any](bytes.NewReader(body))
	if err != nil {
		return nil, &apiError{status: http.StatusBadRequest, code: "SerializationException", message: "The request body could not be read: " + err.Error()}
	}
	return m, nil
}

func (s *Server) listFindings(regionName, detectorID string, body []byte) (any, *apiError) {
	req, e := decodeBody(body)
	if e != nil {
		return nil, e
	}
	n, e := parseMaxResults(req["maxResults"])
	if e != nil {
		return nil, e
	}
	crit, e := parseCriteria(req["findingCriteria"])
	if e != nil {
		return nil, e
	}
	sortBy, e := parseSort(req["sortCriteria"])
	if e != nil {
		return nil, e
	}
	qb, _ := json.Marshal([]any{req["findingCriteria"], req["sortCriteria"], detectorID})
	off, e := decodeToken(stringOf(req["nextToken"]), string(qb))
	if e != nil {
		return nil, e
	}
	return s.inDetector(regionName, detectorID, func(d *detector) any {
		var matched []map[string]any
		for _, f := range d.findings {
			if crit.match(f) {
				matched = append(matched, f)
			}
		}
		sortBy.apply(matched)
		ids := make([]any, len(matched))
		for i, f := range matched {
			ids[i] = f["id"]
		}
		return page(ids, off, n, "findingIds", string(qb))
	})
}

func (s *Server) getFindings(regionName, detectorID string, body []byte) (any, *apiError) {
	req, e := decodeBody(body)
	if e != nil {
		return nil, e
	}
	raw, ok := req["findingIds"].([]any)
	if !ok {
		return nil, badRequest("The request is rejected because the input findingIds is missing.")
	}
	if len(raw) > MaxGetFindingIDs {
		return nil, badRequest(errInvalidInput)
	}
	sortBy, e := parseSort(req["sortCriteria"])
	if e != nil {
		return nil, e
	}
	return s.inDetector(regionName, detectorID, func(d *detector) any {
		var found []map[string]any
		seen := map[string]bool{}
		for _, v := range raw {
			id := stringOf(v)
			if f, ok := d.byID[id]; ok && !seen[id] {
				seen[id] = true
				found = append(found, f)
			}
		}
		sortBy.apply(found)
		out := make([]any, len(found))
		for i, f := range found {
			out[i] = f
		}
		return map[string]any{"findings": out}
	})
}

func stringOf(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return ""
	case json.Number:
		return t.String()
	}
	return fmt.Sprint(v)
}

// sortSpec is a parsed sortCriteria.
type sortSpec struct {
	attr string
	desc bool
}

func parseSort(v any) (*sortSpec, *apiError) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest(errInvalidInput)
	}
	s := &sortSpec{attr: stringOf(m["attributeName"])}
	switch stringOf(m["orderBy"]) {
	case "", "ASC":
	case "DESC":
		s.desc = true
	default:
		return nil, badRequest(errInvalidInput)
	}
	if s.attr == "" {
		return nil, badRequest(errInvalidInput)
	}
	return s, nil
}

func (s *sortSpec) apply(list []map[string]any) {
	if s == nil {
		return
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := valuesAt(list[i], s.attr), valuesAt(list[j], s.attr)
		if len(a) == 0 || len(b) == 0 {
			return len(a) > len(b)
		}
		c := compareValues(s.attr, a[0], b[0])
		if s.desc {
			return c > 0
		}
		return c < 0
	})
}
