// Package cloudtrail is a CloudTrail LookupEvents server for tests. moto does not implement
// LookupEvents, so this server speaks its real wire protocol (AWS JSON 1.1: POST /,
// X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents, or
// the short form CloudTrail_20131101.LookupEvents that the Go SDK sends) well
// enough that the aws-sdk-go-v2 service/cloudtrail client works against it unchanged, and
// it enforces the limits of the real API:
//
//   - one account and one region per call: the region is read from the SigV4 credential
//     scope of the Authorization header, the account from the signing key (BindKey), so
//     one server stands for every region of one or several accounts. Region names are
//     not validated (the corpus's anonymised regions such as ap-isob-east-1r work);
//   - at most one lookup attribute, of the eight keys AWS allows; MaxResults 1..50
//     (default 50); StartTime not after EndTime; a NextToken only with the parameters it
//     was issued for. Violations answer HTTP 400 with AWS's exception names, which the SDK
//     turns into its typed errors (types.InvalidLookupAttributesException, ...);
//   - management events of the last 90 days only (relative to a settable clock), newest
//     first, paginated with an opaque NextToken;
//   - 2 requests per second per account and region (a token bucket, burst 2), beyond which
//     it answers HTTP 400 ThrottlingException "Rate exceeded". AWS documents the rate but
//     not the burst; 2 is this server's choice.
//
// Tests feed it real records (AddRecords, LoadDir), inject faults per region (SetFault:
// HTTP 500, UnrecognizedClientException, AccessDeniedException, delays) and assert on the
// per-region counters (Counts).
//
// What it does not do: verify signatures (any secret works), derive Resources from request
// parameters (only a record's own resources array is used), or implement any operation but
// LookupEvents.
//
// As a test server it imports only the standard library, the AWS SDK where it signs or
// models requests, and its sibling test-server packages; no keypivot adapter or domain
// package, so that what it checks is the wire protocol, not keypivot's own types.
package cloudtrail

import (
	"crypto/rand"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/keypivot/keypivot/internal/testserver/httpkit"
)

// Target is the X-Amz-Target of LookupEvents as the service model names it (botocore and
// the AWS CLI send it). The Go SDK sends the short form, ShortTarget; AWS accepts both.
const (
	Target      = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
	ShortTarget = "CloudTrail_20131101.LookupEvents"
)

// Limits of the real API.
const (
	// DefaultRate is LookupEvents' documented rate per account and region.
	DefaultRate rate.Limit = 2
	// DefaultBurst is the bucket size. AWS does not document it; 2 lets one second's
	// worth of requests arrive together.
	DefaultBurst = 2
	// MaxResults is the largest page LookupEvents returns, and the default.
	MaxResults = 50
	// Retention is how far back LookupEvents sees.
	Retention = 90 * 24 * time.Hour
)

// Options configure a Server. The zero value is the real API's behaviour.
type Options struct {
	// Rate is the number of requests per second allowed per account and region;
	// 0 means DefaultRate, rate.Inf means unlimited.
	Rate rate.Limit
	// Burst is the token bucket's size; 0 means DefaultBurst.
	Burst int
	// Now is the clock the 90-day window and the default EndTime are measured against;
	// nil means time.Now. SetNow changes it later.
	Now func() time.Time
	// Account is the account a request belongs to when its signing key was not bound
	// with BindKey. Empty means every account: such requests see the records of all
	// accounts in the region (and share one rate limit per region), which suits tests
	// that do not care about accounts.
	Account string
}

// Server is a LookupEvents server, an http.Handler that New runs on a loopback port.
type Server struct {
	*httpkit.Server // URL (for BaseEndpoint), Close

	opts   Options
	secret []byte // signs NextTokens

	mu       sync.Mutex
	now      func() time.Time
	stores   map[scope]*store
	keys     map[string]string // signing access key id -> account
	limiters map[scope]*rate.Limiter
	faults   map[string]*Fault // by region
	counts   map[string]*Counts
}

// scope is one account's region; account "" is the all-accounts view.
type scope struct{ account, region string }

// Counts are what the server answered in one region, over all accounts.
type Counts struct {
	// Requests is every LookupEvents request signed for the region.
	Requests int
	// Throttled is how many were answered with ThrottlingException.
	Throttled int
	// Faulted is how many were answered with an injected fault (SetFault).
	Faulted int
	// Invalid is how many were rejected by request validation.
	Invalid int
	// Served is how many returned a page of events (possibly empty).
	Served int
}

// Fault makes a region misbehave (SetFault).
type Fault struct {
	// Delay holds each request this long before it is processed (a slow region).
	Delay time.Duration
	// Status, when not 0, answers each request with this HTTP status and the error Code
	// and Message instead of processing it.
	Status  int
	Code    string
	Message string
	// Times limits the fault to the next Times requests of the region; 0 means until
	// ClearFault.
	Times int
}

// Faults as AWS answers them.
var (
	// FaultInternalError is a server-side failure; the SDK retries it.
	FaultInternalError = Fault{Status: http.StatusInternalServerError, Code: "InternalFailure",
		Message: "The request processing has failed because of an unknown error, exception or failure."}
	// FaultUnrecognizedClient is what a region that is not enabled for the account answers.
	FaultUnrecognizedClient = Fault{Status: http.StatusBadRequest, Code: "UnrecognizedClientException",
		Message: "The security token included in the request is invalid."}
	// FaultAccessDenied is a caller without cloudtrail:LookupEvents.
	FaultAccessDenied = Fault{Status: http.StatusBadRequest, Code: "AccessDeniedException",
		Message: "User is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action"}
)

// New runs a Server on a loopback port until the test ends.
func New(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Rate == 0 {
		o.Rate = DefaultRate
	}
	if o.Burst == 0 {
		o.Burst = DefaultBurst
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	s := &Server{
		opts:     o,
		secret:   secret,
		now:      now,
		stores:   map[scope]*store{},
		keys:     map[string]string{},
		limiters: map[scope]*rate.Limiter{},
		faults:   map[string]*Fault{},
		counts:   map[string]*Counts{},
	}
	s.Server = httpkit.Listen(t, s)
	return s
}

// SetNow fixes the server's clock at t.
func (s *Server) SetNow(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = func() time.Time { return t }
}

// BindKey makes requests signed with accessKeyID belong to account: they see that
// account's records only, and share its rate limit.
func (s *Server) BindKey(accessKeyID, account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[accessKeyID] = account
}

// SetFault makes region misbehave until ClearFault (or for f.Times requests). Faults
// apply to every account.
func (s *Server) SetFault(region string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[region] = &f
}

// ClearFault makes region behave again.
func (s *Server) ClearFault(region string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults, region)
}

// Counts reports what the server answered in region; region "" sums all regions.
func (s *Server) Counts(region string) Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	if region != "" {
		if c := s.counts[region]; c != nil {
			return *c
		}
		return Counts{}
	}
	var sum Counts
	for _, c := range s.counts {
		sum.Requests += c.Requests
		sum.Throttled += c.Throttled
		sum.Faulted += c.Faulted
		sum.Invalid += c.Invalid
		sum.Served += c.Served
	}
	return sum
}

// ServeHTTP answers one AWS JSON 1.1 request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-amzn-RequestId", httpkit.UUID())
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		writeError(w, http.StatusNotFound, "UnknownOperationException", "LookupEvents is served by POST /")
		return
	}
	if target := r.Header.Get("X-Amz-Target"); target != Target && target != ShortTarget {
		writeError(w, http.StatusBadRequest, "UnknownOperationException",
			fmt.Sprintf("this test server implements only %s, not %q", Target, target))
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-amz-json-1.1" {
		writeError(w, http.StatusBadRequest, "SerializationException",
			fmt.Sprintf("Content-Type %q is not application/x-amz-json-1.1", r.Header.Get("Content-Type")))
		return
	}
	keyID, region, aerr := parseAuthorization(r.Header.Get("Authorization"))
	if aerr != nil {
		writeError(w, aerr.status, aerr.code, aerr.message)
		return
	}

	s.mu.Lock()
	sc := scope{s.opts.Account, region}
	if a, ok := s.keys[keyID]; ok {
		sc.account = a
	}
	c := s.countsFor(region)
	c.Requests++
	fault := s.takeFault(region)
	s.mu.Unlock()

	if !s.Sleep(r.Context(), fault.Delay) {
		return // the client gave up or the server is closing
	}
	if fault.Status != 0 {
		s.count(region, func(c *Counts) { c.Faulted++ })
		writeError(w, fault.Status, fault.Code, fault.Message)
		return
	}
	if !s.limiter(sc).Allow() {
		s.count(region, func(c *Counts) { c.Throttled++ })
		writeError(w, http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
		return
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "cannot read the request body: "+err.Error())
		return
	}
	out, lerr := s.lookup(sc, body)
	if lerr != nil {
		s.count(region, func(c *Counts) { c.Invalid++ })
		writeError(w, lerr.status, lerr.code, lerr.message)
		return
	}
	s.count(region, func(c *Counts) { c.Served++ })
	httpkit.WriteJSON(w, http.StatusOK, "application/x-amz-json-1.1", out)
}

// takeFault returns the fault of region (zero when none), using up one of its Times.
// s.mu must be held.
func (s *Server) takeFault(region string) Fault {
	f := s.faults[region]
	if f == nil {
		return Fault{}
	}
	out := *f
	if f.Times > 0 {
		if f.Times--; f.Times == 0 {
			delete(s.faults, region)
		}
	}
	return out
}

func (s *Server) limiter(sc scope) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.limiters[sc]
	if l == nil {
		l = rate.NewLimiter(s.opts.Rate, s.opts.Burst)
		s.limiters[sc] = l
	}
	return l
}

// countsFor is region's counters; s.mu must be held.
func (s *Server) countsFor(region string) *Counts {
	c := s.counts[region]
	if c == nil {
		c = &Counts{}
		s.counts[region] = c
	}
	return c
}

func (s *Server) count(region string, f func(*Counts)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.countsFor(region))
}

// apiError is an error answer: HTTP status, AWS error code, message.
type apiError struct {
	status        int
	code, message string
}

func badRequest(code, format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, code, fmt.Sprintf(format, args...)}
}

// writeError answers the way AWS JSON 1.1 services do: the code in X-Amzn-ErrorType and
// in the body's __type, the message in the body.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("X-Amzn-ErrorType", code)
	httpkit.WriteJSON(w, status, "application/x-amz-json-1.1", struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{code, message})
}

// parseAuthorization reads the access key id and region from a SigV4 Authorization
// header: "AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/cloudtrail/aws4_request,
// SignedHeaders=..., Signature=...". The signature itself is not checked.
func parseAuthorization(h string) (keyID, region string, _ *apiError) {
	if h == "" {
		return "", "", badRequest("MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	a := httpkit.ParseSigV4(h)
	if a.Algorithm != httpkit.SigV4Algorithm {
		return "", "", badRequest("IncompleteSignatureException", "Unsupported Authorization algorithm %q", a.Algorithm)
	}
	if !a.Scoped() {
		return "", "", badRequest("IncompleteSignatureException",
			"Authorization header requires a Credential of the form <key>/<date>/<region>/<service>/aws4_request, got %q", a.Credential)
	}
	if a.Service != "cloudtrail" {
		return "", "", badRequest("InvalidSignatureException", "Credential should be scoped to correct service: 'cloudtrail'.")
	}
	return a.KeyID, a.Region, nil
}
