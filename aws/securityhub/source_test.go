package securityhub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sh "github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/aws/fanout/fanouttest"
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
	second := fanouttest.Copy(t, out.Findings[0])
	second["Id"] = "arn:aws:guardduty:us-east-1:210987654321:detector/5ec7a1b2c3d4e5f60718293a4b5c6d/finding/second"
	second["Types"] = []any{"TTPs/Defense Evasion/Stealth:IAMUser-CloudTrailLoggingDisabled"}
	second["Title"] = "CloudTrail logging disabled"
	second["Severity"] = map[string]any{"Label": "HIGH", "Normalized": 70}
	second["Resources"].([]any)[0].(map[string]any)["Id"] = "AWS::IAM::AccessKey:" + otherKey
	archived := fanouttest.Copy(t, out.Findings[0])
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

func TestFindingsImportedInMotoAreReadBackAsAlerts(t *testing.T) {
	srv := moto.Start(t)
	samples := asffSamples(t)
	importFindings(t, srv, "us-east-1", samples)
	src := &Source{Session: session(t, srv), Regions: []string{"us-east-1"}}
	got, rep := fanouttest.Read(t, src, investigate.AlertQuery{})

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
	got, _ := fanouttest.Read(t, src, investigate.AlertQuery{AccessKeys: investigate.KeyIDs(otherKey)})
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
	got, rep := fanouttest.Read(t, src, investigate.AlertQuery{})
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

// wantNote checks that the report's first note (why these regions) says each of parts.
func wantNote(t *testing.T, rep investigate.SourceReport, parts ...string) {
	t.Helper()
	if len(rep.Notes) == 0 {
		t.Fatalf("no note says why: %+v", rep)
	}
	for _, p := range parts {
		if !strings.Contains(rep.Notes[0], p) {
			t.Errorf("note %q lacks %q", rep.Notes[0], p)
		}
	}
}

// regionalFinding is the first sample finding as raised in region: its own id, region
// and key.
func regionalFinding(t *testing.T, region string) map[string]any {
	t.Helper()
	f := fanouttest.Copy(t, asffSamples(t)[0])
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
			got, rep := fanouttest.Read(t, src, investigate.AlertQuery{})

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
			f.wantSearched(t, c.wantSearched...)
			var reported []string
			for _, r := range rep.Regions {
				reported = append(reported, r.Region)
			}
			if slices.Sort(reported); !slices.Equal(reported, c.wantSearched) {
				t.Errorf("report lists %v", reported)
			}
			wantNote(t, rep, c.noteHas...)
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
	_, rep := fanouttest.Read(t, src, investigate.AlertQuery{})
	f.wantSearched(t, "eu-west-1", "us-east-1")
	wantNote(t, rep, "missing", "ec2:DescribeRegions")
}

// Regions the analyst names are searched exactly: no aggregator look-up, no other region.
func TestNamedRegionsAreSearchedExactly(t *testing.T) {
	srv := moto.Start(t)
	f := startFront(t, srv)
	f.agg = &frontAggregator{"eu-west-1", "ALL_REGIONS", nil}
	importFindings(t, srv, "ap-south-1", []map[string]any{regionalFinding(t, "ap-south-1")})
	got, rep := fanouttest.Read(t, &Source{Session: frontSession(t, srv, f), Regions: []string{"ap-south-1"}}, investigate.AlertQuery{})
	if len(got) != 1 {
		t.Errorf("%d alerts", len(got))
	}
	if n := len(f.requests(http.MethodGet, "/findingAggregator/")); n != 0 {
		t.Errorf("%d aggregator requests", n)
	}
	f.wantSearched(t, "ap-south-1")
	wantNote(t, rep, "not consulted")
}

// When the aggregator cannot be read, every region is searched and the note says why.
func TestUnreadableAggregatorMeansEveryRegion(t *testing.T) {
	srv := moto.Start(t)
	f := startFront(t, srv)
	f.listErr = &frontError{http.StatusForbidden, "AccessDeniedException", "User is not authorized to perform: securityhub:ListFindingAggregators"}
	src := &Source{Session: frontSession(t, srv, f), ListRegions: func(context.Context) ([]string, error) { return accountRegions, nil }}
	_, rep := fanouttest.Read(t, src, investigate.AlertQuery{})
	f.wantSearched(t, slices.Sorted(slices.Values(accountRegions))...)
	wantNote(t, rep, "cannot tell", "securityhub:ListFindingAggregators")
}

// The filters keypivot relies on Security Hub to apply, as sent on the wire.
func TestGetFindingsFiltersOnTheWire(t *testing.T) {
	srv := moto.Start(t)
	f := startFront(t, srv)
	src := &Source{Session: frontSession(t, srv, f), Regions: []string{"us-east-1"}}
	since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	window := investigate.Window{Since: since, Until: since.Add(48 * time.Hour)}
	if _, rep := fanouttest.Read(t, src, investigate.AlertQuery{AccessKeys: investigate.KeyIDs(gdKey, otherKey), Window: window}); rep.Span != window {
		t.Errorf("span %+v, want the window asked %+v", rep.Span, window)
	}
	fanouttest.Read(t, src, investigate.AlertQuery{})

	type strFilter struct{ Comparison, Value string }
	type getFindings struct {
		Filters struct {
			ResourceType, RecordState, ResourceId, Type []strFilter
			UpdatedAt                                   []struct{ Start, End string }
		}
		MaxResults int
	}
	var sent, sequences []getFindings
	for _, r := range f.requests(http.MethodPost, "/findings") {
		if r.Path != "/findings" {
			continue
		}
		var in getFindings
		if err := json.Unmarshal(r.Body, &in); err != nil {
			t.Fatalf("GetFindings body %s: %v", r.Body, err)
		}
		if len(in.Filters.Type) > 0 {
			sequences = append(sequences, in)
			continue
		}
		sent = append(sent, in)
	}
	if len(sent) != 2 || len(sequences) != 2 {
		t.Fatalf("%d GetFindings requests by key, %d for attack sequences", len(sent), len(sequences))
	}
	// Attack sequences, which name their keys in their actors: by type, in the window.
	for i, in := range sequences {
		if !slices.Equal(in.Filters.Type, []strFilter{{"CONTAINS", "AttackSequence:"}}) || !slices.Equal(in.Filters.RecordState, []strFilter{{"EQUALS", "ACTIVE"}}) ||
			len(in.Filters.ResourceType) != 0 || len(in.Filters.ResourceId) != 0 {
			t.Errorf("attack-sequence request %d: %+v", i, in.Filters)
		}
	}
	if u := sequences[0].Filters.UpdatedAt; len(u) != 1 || u[0].Start != "2026-03-01T00:00:00Z" || len(sequences[1].Filters.UpdatedAt) != 0 {
		t.Errorf("attack-sequence windows %+v, %+v", u, sequences[1].Filters.UpdatedAt)
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
	got, rep := fanouttest.Read(t, &Source{Session: session(t, srv), Regions: []string{"us-east-1"}}, investigate.AlertQuery{})
	if len(got) != 2 || rep.Matched != 2 || rep.Records != int64(len(samples)+len(bad)) {
		t.Fatalf("%d alerts, report %+v", len(got), rep)
	}
	fanouttest.CheckSkipped(t, rep, func(p investigate.Problem) bool {
		return strings.HasPrefix(p.Where, "securityhub us-east-1 finding ") && strings.Contains(p.Where, "/unreadable-") && strings.Contains(p.Message, "GeneratorId")
	})
}
