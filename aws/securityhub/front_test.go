package securityhub

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/internal/testserver/moto"
)

// front stands before moto for what moto 5 cannot do: it answers Security Hub's
// finding-aggregator operations itself (moto has no /findingAggregator route: 404), in
// Security Hub's REST-JSON shapes, and reverse-proxies every other request to moto
// unchanged. It logs every request (operation path, signing region, body), so that a
// test can see what went on the wire, GetFindings filters included, which moto ignores.
type front struct {
	URL string

	mu      sync.Mutex
	agg     *frontAggregator // nil: the account has no finding aggregator
	listErr *frontError      // answer ListFindingAggregators with this error
	log     []frontRequest
}

// frontAggregator is an aggregator as GetFindingAggregator describes it.
type frontAggregator struct {
	Region  string // FindingAggregationRegion
	Mode    string // RegionLinkingMode
	Regions []string
}

func (a *frontAggregator) arn() string {
	return "arn:aws:securityhub:" + a.Region + ":" + moto.Account + ":finding-aggregator/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
}

type frontError struct {
	Status        int
	Code, Message string
}

type frontRequest struct {
	Method, Path, Region string
	Body                 []byte
}

// signingRegion reads the region of a SigV4 Authorization header's credential scope.
var signingRegion = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/`)

func startFront(t *testing.T, srv *moto.Server) *front {
	t.Helper()
	target, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	f := &front{}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		region := ""
		if m := signingRegion.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			region = m[1]
		}
		f.mu.Lock()
		f.log = append(f.log, frontRequest{Method: r.Method, Path: r.URL.Path, Region: region, Body: body})
		agg, listErr := f.agg, f.listErr
		f.mu.Unlock()
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/findingAggregator/list":
			if listErr != nil {
				writeError(w, *listErr)
				return
			}
			list := []map[string]string{}
			if agg != nil {
				list = append(list, map[string]string{"FindingAggregatorArn": agg.arn()})
			}
			writeJSON(w, map[string]any{"FindingAggregators": list})
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/findingAggregator/get/"):
			arn := strings.TrimPrefix(r.URL.Path, "/findingAggregator/get/")
			if agg == nil || arn != agg.arn() {
				writeError(w, frontError{http.StatusNotFound, "ResourceNotFoundException", "Finding aggregator " + arn + " not found"})
				return
			}
			out := map[string]any{"FindingAggregatorArn": agg.arn(), "FindingAggregationRegion": agg.Region, "RegionLinkingMode": agg.Mode}
			if len(agg.Regions) > 0 {
				out["Regions"] = agg.Regions
			}
			writeJSON(w, out)
		default:
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(hs.Close)
	f.URL = hs.URL
	return f
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers in the REST-JSON error shape: X-Amzn-ErrorType and {Code, Message}.
func writeError(w http.ResponseWriter, e frontError) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Code": e.Code, "Message": e.Message})
}

// requests returns the logged requests of one method and path (prefix).
func (f *front) requests(method, pathPrefix string) []frontRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []frontRequest
	for _, r := range f.log {
		if r.Method == method && strings.HasPrefix(r.Path, pathPrefix) {
			out = append(out, r)
		}
	}
	return out
}

// findingsRegions are the regions GetFindings was sent to, sorted, each once.
func (f *front) findingsRegions() []string {
	var rs []string
	for _, r := range f.requests(http.MethodPost, "/findings") {
		if r.Path == "/findings" && !slices.Contains(rs, r.Region) {
			rs = append(rs, r.Region)
		}
	}
	slices.Sort(rs)
	return rs
}

// wantSearched checks that GetFindings went to regions (sorted), and to no other.
func (f *front) wantSearched(t *testing.T, regions ...string) {
	t.Helper()
	if rs := f.findingsRegions(); !slices.Equal(rs, regions) {
		t.Errorf("GetFindings sent to %v, want %v", rs, regions)
	}
}

// frontSession is a read-only session (identity from moto's STS) whose calls go
// through the front.
func frontSession(t *testing.T, srv *moto.Server, f *front) *awsconfig.Session {
	t.Helper()
	sess := session(t, srv)
	sess.Config.BaseEndpoint = aws.String(f.URL)
	return sess
}
