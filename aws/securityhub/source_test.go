package securityhub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sh "github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/files/alertdoc"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

const (
	gdKey    = "AKIA4XQJ7ZK3PEXAMPLE" // the GuardDuty finding of the ASFF sample
	otherKey = "AKIAGGWFBBHBE7D3M9WI"
)

// asffSamples are real ASFF findings: the sample of `aws securityhub get-findings`
// output in alertdoc's testdata (a GuardDuty finding about an access key, a Security Hub
// control finding about a user), plus variants of the first: another finding type for
// another key, and an archived one.
func asffSamples(t *testing.T) []map[string]any {
	t.Helper()
	b, err := os.ReadFile("../../files/alertdoc/testdata/securityhub-get-findings.json")
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Findings []map[string]any }
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	clone := func(m map[string]any) map[string]any {
		b, _ := json.Marshal(m)
		var c map[string]any
		_ = json.Unmarshal(b, &c)
		return c
	}
	second := clone(out.Findings[0])
	second["Id"] = "arn:aws:guardduty:us-east-1:210987654321:detector/5ec7a1b2c3d4e5f60718293a4b5c6d/finding/second"
	second["Types"] = []any{"TTPs/Defense Evasion/Stealth:IAMUser-CloudTrailLoggingDisabled"}
	second["Title"] = "CloudTrail logging disabled"
	second["Severity"] = map[string]any{"Label": "HIGH", "Normalized": 70}
	second["Resources"].([]any)[0].(map[string]any)["Id"] = "AWS::IAM::AccessKey:" + otherKey
	archived := clone(out.Findings[0])
	archived["Id"] = archived["Id"].(string) + "/archived"
	archived["RecordState"] = "ARCHIVED"
	return append(out.Findings, second, archived)
}

func session(t *testing.T, srv *moto.Server) *awsconfig.Session {
	t.Helper()
	s, err := awsconfig.FromConfig(context.Background(), srv.AWSConfig(t, "us-east-1"), awsconfig.Options{Profile: "test", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// importFindings puts findings into moto's Security Hub in region.
func importFindings(t *testing.T, srv *moto.Server, region string, findings []map[string]any) {
	t.Helper()
	b, _ := json.Marshal(findings)
	var asff []types.AwsSecurityFinding
	if err := json.Unmarshal(b, &asff); err != nil {
		t.Fatalf("the samples are not ASFF the SDK reads: %v", err)
	}
	c := sh.NewFromConfig(srv.AWSConfig(t, region))
	out, err := c.BatchImportFindings(context.Background(), &sh.BatchImportFindingsInput{Findings: asff})
	if err != nil || aws.ToInt32(out.FailedCount) != 0 {
		t.Fatalf("BatchImportFindings: %v %+v", err, out)
	}
}

func read(t *testing.T, src *Source, q investigate.AlertQuery) ([]investigate.Alert, investigate.SourceReport) {
	t.Helper()
	var mu sync.Mutex
	var got []investigate.Alert
	rep, err := src.Alerts(context.Background(), q, func(b []investigate.Alert) {
		mu.Lock()
		got = append(got, b...)
		mu.Unlock()
	})
	if err != nil {
		t.Fatalf("Alerts: %v (%+v)", err, rep)
	}
	return got, rep
}

func TestFindingsImportedInMotoAreReadBackAsAlerts(t *testing.T) {
	srv := moto.Start(t)
	samples := asffSamples(t)
	importFindings(t, srv, "us-east-1", samples)
	src := &Source{Session: session(t, srv), Regions: []string{"us-east-1"}}
	got, rep := read(t, src, investigate.AlertQuery{})

	// The user finding has no access key and the archived one is not ACTIVE.
	if len(got) != 2 || rep.Records < 2 || rep.Matched != 2 {
		t.Fatalf("%d alerts, report %+v", len(got), rep)
	}
	want, err := alertdoc.FromASFF(samples[0])
	if err != nil {
		t.Fatal(err)
	}
	var first investigate.Alert
	for _, a := range got {
		if a.ID == want.ID {
			first = a
		}
	}
	first.Origin = ""
	gj, _ := json.Marshal(first)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Errorf("read back through keypivot:\n got %s\nwant %s", gj, wj)
	}
	if first.AccessKeyID != gdKey || first.Provider != investigate.ProviderSecurityHub || first.Severity != investigate.SeverityMedium || first.RiskScore != 50 {
		t.Errorf("mapped %+v", first)
	}
	if len(rep.Regions) != 1 || rep.Regions[0].Status != investigate.RegionSearched || rep.Regions[0].Account != "123456789012" {
		t.Errorf("regions %+v", rep.Regions)
	}
}

func TestKeyQueryKeepsOnlyThatKey(t *testing.T) {
	srv := moto.Start(t)
	importFindings(t, srv, "us-east-1", asffSamples(t))
	src := &Source{Session: session(t, srv), Regions: []string{"us-east-1"}}
	got, _ := read(t, src, investigate.AlertQuery{AccessKeys: investigate.KeyIDs(otherKey)})
	if len(got) != 1 || got[0].AccessKeyID != otherKey || got[0].Severity != investigate.SeverityHigh {
		t.Fatalf("%+v", got)
	}
	f := filters(investigate.AlertQuery{AccessKeys: investigate.KeyIDs(otherKey)})
	var ids []string
	for _, r := range f.ResourceId {
		ids = append(ids, aws.ToString(r.Value))
	}
	if !slices.Contains(ids, "AWS::IAM::AccessKey:"+otherKey) || aws.ToString(f.ResourceType[0].Value) != "AwsIamAccessKey" || aws.ToString(f.RecordState[0].Value) != "ACTIVE" {
		t.Errorf("filters %+v", f)
	}
}

func TestEveryRegionWithoutAnAggregator(t *testing.T) {
	srv := moto.Start(t)
	importFindings(t, srv, "eu-west-1", asffSamples(t)[:1])
	sess := session(t, srv)
	src := &Source{Session: sess, ListRegions: func(context.Context) ([]string, error) {
		return []string{"us-east-1", "eu-west-1"}, nil
	}}
	got, rep := read(t, src, investigate.AlertQuery{})
	if len(got) != 1 || got[0].AccessKeyID != gdKey || !strings.HasSuffix(got[0].Origin, "eu-west-1") {
		t.Fatalf("%+v", got)
	}
	if len(rep.Regions) != 2 || len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "every region") {
		t.Errorf("report %+v", rep)
	}
}

// The session is read-only: reads go through, and a write is still refused before it
// leaves the process.
func TestReadOnlySessionReadsButNeverWrites(t *testing.T) {
	srv := moto.Start(t)
	c := (&Source{Session: session(t, srv)}).clientFor("us-east-1")
	if _, err := c.GetFindings(context.Background(), &sh.GetFindingsInput{}); err != nil {
		t.Fatalf("read refused: %v", err)
	}
	_, err := c.BatchImportFindings(context.Background(), &sh.BatchImportFindingsInput{Findings: []types.AwsSecurityFinding{{Id: aws.String("x")}}})
	if !errors.Is(err, investigate.ErrReadOnly) || !strings.Contains(err.Error(), "BatchImportFindings") {
		t.Fatalf("write under --read-only: %v", err)
	}
}

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

// frontSession is a read-only session (identity from moto's STS) whose calls go
// through the front.
func frontSession(t *testing.T, srv *moto.Server, f *front) *awsconfig.Session {
	t.Helper()
	sess := session(t, srv)
	sess.Config.BaseEndpoint = aws.String(f.URL)
	return sess
}

// regionalFinding is the first sample finding as raised in region: its own id, region
// and key.
func regionalFinding(t *testing.T, region string) map[string]any {
	t.Helper()
	b, _ := json.Marshal(asffSamples(t)[0])
	var f map[string]any
	_ = json.Unmarshal(b, &f)
	f["Id"] = f["Id"].(string) + "/" + region
	f["Region"] = region
	return f
}

var accountRegions = []string{"us-east-1", "eu-west-1", "us-west-2", "ap-south-1"}

// Each region raises a finding of its own. The aggregation region (eu-west-1) holds,
// besides its own, copies of the findings of the regions its aggregator links, as
// Security Hub replicates them; moto does not replicate, so the test does. Every
// finding must be read, and no linked region searched again.
func TestAggregatorDecidesWhichRegionsAreSearched(t *testing.T) {
	cases := []struct {
		agg          frontAggregator
		linked       []string // besides eu-west-1 itself
		wantSearched []string
		noteHas      []string
	}{
		{frontAggregator{"eu-west-1", "ALL_REGIONS", nil}, []string{"us-east-1", "us-west-2", "ap-south-1"},
			[]string{"eu-west-1"}, []string{"ALL_REGIONS", "searched eu-west-1 only"}},
		{frontAggregator{"eu-west-1", "ALL_REGIONS_EXCEPT_SPECIFIED", []string{"ap-south-1"}}, []string{"us-east-1", "us-west-2"},
			[]string{"ap-south-1", "eu-west-1"}, []string{"ALL_REGIONS_EXCEPT_SPECIFIED", "except ap-south-1", "ap-south-1 directly"}},
		{frontAggregator{"eu-west-1", "SPECIFIED_REGIONS", []string{"us-west-2"}}, []string{"us-west-2"},
			[]string{"ap-south-1", "eu-west-1", "us-east-1"}, []string{"SPECIFIED_REGIONS", "not linked (us-east-1, ap-south-1) directly"}},
		{frontAggregator{"eu-west-1", "NO_REGIONS", nil}, nil,
			[]string{"ap-south-1", "eu-west-1", "us-east-1", "us-west-2"}, []string{"NO_REGIONS", "every region"}},
	}
	for _, c := range cases {
		t.Run(c.agg.Mode, func(t *testing.T) {
			srv := moto.Start(t)
			f := startFront(t, srv)
			f.agg = &c.agg
			want := map[string]bool{}
			for _, r := range accountRegions {
				own := regionalFinding(t, r)
				want[own["Id"].(string)] = true
				importFindings(t, srv, r, []map[string]any{own})
				if slices.Contains(c.linked, r) {
					importFindings(t, srv, c.agg.Region, []map[string]any{own})
				}
			}
			src := &Source{Session: frontSession(t, srv, f), ListRegions: func(context.Context) ([]string, error) {
				return accountRegions, nil
			}}
			got, rep := read(t, src, investigate.AlertQuery{})

			seen := map[string]int{}
			for _, a := range got {
				seen[a.ID]++
			}
			for id := range want {
				if seen[id] != 1 {
					t.Errorf("finding %s read %d times", id, seen[id])
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d alerts for %d findings", len(got), len(want))
			}
			if rs := f.findingsRegions(); !slices.Equal(rs, c.wantSearched) {
				t.Errorf("GetFindings sent to %v, want %v", rs, c.wantSearched)
			}
			var reported []string
			for _, r := range rep.Regions {
				reported = append(reported, r.Region)
			}
			if slices.Sort(reported); !slices.Equal(reported, c.wantSearched) {
				t.Errorf("report lists %v", reported)
			}
			if len(rep.Notes) == 0 {
				t.Fatalf("no note says why: %+v", rep)
			}
			for _, s := range c.noteHas {
				if !strings.Contains(rep.Notes[0], s) {
					t.Errorf("note %q lacks %q", rep.Notes[0], s)
				}
			}
			// The aggregator is read in its own region, after being listed in the home one.
			if l := f.requests(http.MethodGet, "/findingAggregator/list"); len(l) != 1 || l[0].Region != "us-east-1" {
				t.Errorf("ListFindingAggregators %+v", l)
			}
			if g := f.requests(http.MethodGet, "/findingAggregator/get/"); len(g) != 1 || g[0].Region != "eu-west-1" {
				t.Errorf("GetFindingAggregator %+v", g)
			}
		})
	}
}

// With SPECIFIED_REGIONS the unlinked regions can only be found by listing the
// account's regions; when that fails the report says findings may be missing.
func TestSpecifiedRegionsWithoutARegionListSaysWhatIsMissing(t *testing.T) {
	srv := moto.Start(t)
	f := startFront(t, srv)
	f.agg = &frontAggregator{"eu-west-1", "SPECIFIED_REGIONS", []string{"us-west-2"}}
	src := &Source{Session: frontSession(t, srv, f), ListRegions: func(context.Context) ([]string, error) {
		return nil, errors.New("UnauthorizedOperation: ec2:DescribeRegions")
	}}
	_, rep := read(t, src, investigate.AlertQuery{})
	if rs := f.findingsRegions(); !slices.Equal(rs, []string{"eu-west-1", "us-east-1"}) {
		t.Errorf("GetFindings sent to %v", rs)
	}
	if len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "missing") || !strings.Contains(rep.Notes[0], "ec2:DescribeRegions") {
		t.Errorf("notes %q", rep.Notes)
	}
}

// Regions the analyst names are searched exactly: no aggregator look-up, no other region.
func TestNamedRegionsAreSearchedExactly(t *testing.T) {
	srv := moto.Start(t)
	f := startFront(t, srv)
	f.agg = &frontAggregator{"eu-west-1", "ALL_REGIONS", nil}
	importFindings(t, srv, "ap-south-1", []map[string]any{regionalFinding(t, "ap-south-1")})
	got, rep := read(t, &Source{Session: frontSession(t, srv, f), Regions: []string{"ap-south-1"}}, investigate.AlertQuery{})
	if len(got) != 1 {
		t.Errorf("%d alerts", len(got))
	}
	if n := len(f.requests(http.MethodGet, "/findingAggregator/")); n != 0 {
		t.Errorf("%d aggregator requests", n)
	}
	if rs := f.findingsRegions(); !slices.Equal(rs, []string{"ap-south-1"}) {
		t.Errorf("GetFindings sent to %v", rs)
	}
	if len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "not consulted") {
		t.Errorf("notes %q", rep.Notes)
	}
}

// When the aggregator cannot be read, every region is searched and the note says why.
func TestUnreadableAggregatorMeansEveryRegion(t *testing.T) {
	srv := moto.Start(t)
	f := startFront(t, srv)
	f.listErr = &frontError{http.StatusForbidden, "AccessDeniedException", "User is not authorized to perform: securityhub:ListFindingAggregators"}
	src := &Source{Session: frontSession(t, srv, f), ListRegions: func(context.Context) ([]string, error) { return accountRegions, nil }}
	_, rep := read(t, src, investigate.AlertQuery{})
	want := slices.Sorted(slices.Values(accountRegions))
	if rs := f.findingsRegions(); !slices.Equal(rs, want) {
		t.Errorf("GetFindings sent to %v", rs)
	}
	if len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "cannot tell") || !strings.Contains(rep.Notes[0], "securityhub:ListFindingAggregators") {
		t.Errorf("notes %q", rep.Notes)
	}
}

// The filters keypivot relies on Security Hub to apply, as sent on the wire.
func TestGetFindingsFiltersOnTheWire(t *testing.T) {
	srv := moto.Start(t)
	f := startFront(t, srv)
	src := &Source{Session: frontSession(t, srv, f), Regions: []string{"us-east-1"}}
	since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	read(t, src, investigate.AlertQuery{AccessKeys: investigate.KeyIDs(gdKey, otherKey), Window: investigate.Window{Since: since, Until: since.Add(48 * time.Hour)}})
	read(t, src, investigate.AlertQuery{})

	type strFilter struct{ Comparison, Value string }
	type getFindings struct {
		Filters struct {
			ResourceType, RecordState, ResourceId []strFilter
			UpdatedAt                             []struct{ Start, End string }
		}
		MaxResults int
	}
	var sent []getFindings
	for _, r := range f.requests(http.MethodPost, "/findings") {
		if r.Path != "/findings" {
			continue
		}
		var in getFindings
		if err := json.Unmarshal(r.Body, &in); err != nil {
			t.Fatalf("GetFindings body %s: %v", r.Body, err)
		}
		sent = append(sent, in)
	}
	if len(sent) != 2 {
		t.Fatalf("%d GetFindings requests", len(sent))
	}
	for i, in := range sent {
		if !slices.Equal(in.Filters.ResourceType, []strFilter{{"EQUALS", "AwsIamAccessKey"}}) ||
			!slices.Equal(in.Filters.RecordState, []strFilter{{"EQUALS", "ACTIVE"}}) || in.MaxResults != 100 {
			t.Errorf("request %d: %+v", i, in)
		}
	}
	wantIDs := []strFilter{{"EQUALS", "AWS::IAM::AccessKey:" + gdKey}, {"EQUALS", gdKey}, {"EQUALS", "AWS::IAM::AccessKey:" + otherKey}, {"EQUALS", otherKey}}
	if !slices.Equal(sent[0].Filters.ResourceId, wantIDs) {
		t.Errorf("case query ResourceId %+v", sent[0].Filters.ResourceId)
	}
	if u := sent[0].Filters.UpdatedAt; len(u) != 1 || u[0].Start != "2026-03-01T00:00:00Z" || u[0].End != "2026-03-03T00:00:00Z" {
		t.Errorf("UpdatedAt %+v", u)
	}
	if len(sent[1].Filters.ResourceId) != 0 || len(sent[1].Filters.UpdatedAt) != 0 {
		t.Errorf("ranking query narrowed: %+v", sent[1].Filters)
	}
}

// A finding that cannot be mapped is a problem (the first ten one by one, then a
// count), kept apart from findings that simply name no access key (a note).
func TestUnreadableFindingsAreProblems(t *testing.T) {
	srv := moto.Start(t)
	samples := asffSamples(t) // two access-key findings, one user finding, one archived
	var bad []map[string]any
	for i := range investigate.DefaultMaxProblems + 3 {
		b := regionalFinding(t, "us-east-1")
		b["Id"] = fmt.Sprintf("%s/unreadable-%02d", b["Id"], i)
		b["GeneratorId"] = "" // Security Hub requires it; neither it nor Types: not ASFF keypivot can read
		delete(b, "Types")
		delete(b, "FindingProviderFields")
		bad = append(bad, b)
	}
	importFindings(t, srv, "us-east-1", append(samples, bad...))
	got, rep := read(t, &Source{Session: session(t, srv), Regions: []string{"us-east-1"}}, investigate.AlertQuery{})
	if len(got) != 2 || rep.Matched != 2 || rep.Records != int64(len(samples)+len(bad)) {
		t.Fatalf("%d alerts, report %+v", len(got), rep)
	}
	if len(rep.Problems) != investigate.DefaultMaxProblems+1 {
		t.Fatalf("%d problems: %+v", len(rep.Problems), rep.Problems)
	}
	for _, p := range rep.Problems[:investigate.DefaultMaxProblems] {
		if !strings.HasPrefix(p.Where, "securityhub us-east-1 finding ") || !strings.Contains(p.Where, "/unreadable-") || !strings.Contains(p.Message, "GeneratorId") {
			t.Errorf("problem %+v", p)
		}
	}
	if last := rep.Problems[investigate.DefaultMaxProblems]; !strings.Contains(last.Message, "3 more findings") {
		t.Errorf("last problem %+v", last)
	}
	if !slices.ContainsFunc(rep.Notes, func(n string) bool { return strings.HasPrefix(n, "1 finding names no access key") }) {
		t.Errorf("notes %q", rep.Notes)
	}
	if rep.Regions[0].Status != investigate.RegionSearched {
		t.Errorf("region %+v", rep.Regions[0])
	}
}
