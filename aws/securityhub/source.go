// Package securityhub reads AWS Security Hub findings about IAM access keys as an
// investigate.AlertSource: GetFindings filtered on ResourceType AwsIamAccessKey (and
// ResourceId, for the keys of a case) and RecordState ACTIVE. Without named regions it
// follows the account's finding aggregator: the aggregation region, plus every region
// the aggregator does not link (RegionLinkingMode and Regions), or every region when
// there is no aggregator. Findings are mapped by alertdoc.FromASFF with their native
// severities; findings that cannot be mapped are reported as problems.
package securityhub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	sh "github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/aws/fanout"
	"github.com/keypivot/keypivot/files/alertdoc"
	"github.com/keypivot/keypivot/investigate"
)

// resourcePrefix prefixes the key in an AwsIamAccessKey resource's Id (facts §4).
const resourcePrefix = "AWS::IAM::AccessKey:"

// maxResults is GetFindings' largest page.
const maxResults = 100

// Source reads Security Hub findings. It implements investigate.AlertSource.
type Source struct {
	Session *awsconfig.Session
	// Regions, when set, are searched as they are, and no other. Otherwise the source
	// asks the home region for a finding aggregator and searches its aggregation region
	// and every region the aggregator does not link (ListRegions names them all), or,
	// without an aggregator, every region ListRegions names.
	Regions     []string
	ListRegions func(ctx context.Context) ([]string, error)
	// Workers bounds the regions searched at once (default 4).
	Workers int

	once sync.Once
	plan regionPlan
}

type regionPlan struct {
	regions []string
	note    string
	err     error
}

// Name names the source in reports.
func (s *Source) Name() string { return "securityhub" }

func (s *Source) clientFor(region string) *sh.Client {
	return sh.NewFromConfig(s.Session.ForRegion(region))
}

// regions decides, once, where to search.
func (s *Source) regions(ctx context.Context) regionPlan {
	s.once.Do(func() { s.plan = s.decide(ctx) })
	return s.plan
}

// Region linking modes of a finding aggregator (GetFindingAggregator's RegionLinkingMode).
const (
	linkAll           = "ALL_REGIONS"                  // every region is linked
	linkAllExcept     = "ALL_REGIONS_EXCEPT_SPECIFIED" // every region but Regions is linked
	linkSpecifiedOnly = "SPECIFIED_REGIONS"            // only Regions are linked
	linkNone          = "NO_REGIONS"                   // no region is linked
)

// aggregator is the account's cross-region aggregation: the region findings are
// gathered in, how other regions are linked to it, and the regions that mode names.
type aggregator struct {
	region  string
	mode    string
	regions []string
}

// decide works out where findings must be read so that none is missed. Regions the
// analyst names are searched as they are. Otherwise the finding aggregator, if any,
// decides: its aggregation region holds its own findings and those of the linked
// regions, and every region that is not linked is searched directly.
func (s *Source) decide(ctx context.Context) regionPlan {
	if len(s.Regions) > 0 {
		return regionPlan{regions: s.Regions, note: "searched the regions named (" + strings.Join(s.Regions, ", ") + ") and no other; the finding aggregator was not consulted"}
	}
	home := s.Session.Region
	agg, err := s.findAggregator(ctx, home)
	switch {
	case err != nil:
		return s.everyRegion(ctx, "", fmt.Sprintf("cannot tell whether findings are aggregated (%v)", err))
	case agg == nil:
		return s.everyRegion(ctx, "", "no finding aggregator")
	}
	others := without(agg.regions, agg.region)
	switch agg.mode {
	case linkAll:
		return regionPlan{regions: []string{agg.region}, note: fmt.Sprintf(
			"findings of every region are aggregated in %s (%s): searched %s only", agg.region, agg.mode, agg.region)}
	case linkAllExcept:
		if len(others) == 0 {
			return regionPlan{regions: []string{agg.region}, note: fmt.Sprintf(
				"findings of every region are aggregated in %s (%s, no region excepted): searched %s only", agg.region, agg.mode, agg.region)}
		}
		return regionPlan{regions: append([]string{agg.region}, others...), note: fmt.Sprintf(
			"findings are aggregated in %s from every region except %s (%s): searched %s, and %s directly",
			agg.region, strings.Join(others, ", "), agg.mode, agg.region, strings.Join(others, ", "))}
	case linkSpecifiedOnly:
		linked := fmt.Sprintf("findings of %s only are aggregated in %s (%s)", strings.Join(append([]string{agg.region}, others...), ", "), agg.region, agg.mode)
		all, why := s.listRegions(ctx)
		if why != "" {
			direct := []string{agg.region}
			if home != agg.region && !slices.Contains(others, home) {
				direct = append(direct, home)
			}
			return regionPlan{regions: direct, note: fmt.Sprintf(
				"%s, and %s: searched %s only; findings of the other regions that are not linked are missing, name them with --regions or securityhub:REGION,...",
				linked, why, strings.Join(direct, ", "))}
		}
		direct := without(all, append([]string{agg.region}, others...)...)
		if len(direct) == 0 {
			return regionPlan{regions: []string{agg.region}, note: fmt.Sprintf(
				"%s, and every enabled region is linked: searched %s only", linked, agg.region)}
		}
		return regionPlan{regions: append([]string{agg.region}, direct...), note: fmt.Sprintf(
			"%s: searched %s, and the regions not linked (%s) directly", linked, agg.region, strings.Join(direct, ", "))}
	case linkNone:
		return s.everyRegion(ctx, agg.region, fmt.Sprintf("the finding aggregator in %s links no region (%s)", agg.region, agg.mode))
	default:
		return s.everyRegion(ctx, agg.region, fmt.Sprintf("the finding aggregator in %s links regions in a way keypivot does not know (%q)", agg.region, agg.mode))
	}
}

// everyRegion searches every region ListRegions names (first among them), or the home
// region alone when they cannot be listed. why says why.
func (s *Source) everyRegion(ctx context.Context, first, why string) regionPlan {
	home := s.Session.Region
	rs, problem := s.listRegions(ctx)
	if problem != "" {
		searched := []string{home}
		if first != "" && first != home {
			searched = []string{first, home}
		}
		return regionPlan{regions: searched, note: fmt.Sprintf(
			"%s, and %s: searched %s only; name the regions with --regions or securityhub:REGION,...", why, problem, strings.Join(searched, ", "))}
	}
	if first != "" {
		rs = append([]string{first}, without(rs, first)...)
	}
	return regionPlan{regions: rs, note: fmt.Sprintf("%s: searching every region (%s)", why, strings.Join(rs, ", "))}
}

// listRegions is the account's regions, or why they are unknown.
func (s *Source) listRegions(ctx context.Context) ([]string, string) {
	if s.ListRegions == nil {
		return nil, "no region list"
	}
	rs, err := s.ListRegions(ctx)
	if err != nil {
		return nil, fmt.Sprintf("cannot list the account's regions (%v)", err)
	}
	if len(rs) == 0 {
		return nil, "the region list is empty"
	}
	return rs, ""
}

// without is list less the drop regions, in order, each once.
func without(list []string, drop ...string) []string {
	var out []string
	for _, r := range list {
		if r != "" && !slices.Contains(drop, r) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// findAggregator reads the account's finding aggregator (there is at most one), nil
// when there is none. ListFindingAggregators answers in any region; the aggregator is
// read in the region of its ARN, where it lives.
func (s *Source) findAggregator(ctx context.Context, home string) (*aggregator, error) {
	p := sh.NewListFindingAggregatorsPaginator(s.clientFor(home), &sh.ListFindingAggregatorsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, fa := range out.FindingAggregators {
			region := home
			if a, err := arn.Parse(aws.ToString(fa.FindingAggregatorArn)); err == nil && a.Region != "" {
				region = a.Region
			}
			got, err := s.clientFor(region).GetFindingAggregator(ctx, &sh.GetFindingAggregatorInput{FindingAggregatorArn: fa.FindingAggregatorArn})
			if err != nil {
				return nil, err
			}
			agg := &aggregator{region: aws.ToString(got.FindingAggregationRegion), mode: aws.ToString(got.RegionLinkingMode), regions: got.Regions}
			if agg.region == "" {
				return nil, fmt.Errorf("finding aggregator %s names no aggregation region", aws.ToString(fa.FindingAggregatorArn))
			}
			return agg, nil
		}
	}
	return nil, nil
}

// Alerts implements investigate.AlertSource.
func (s *Source) Alerts(ctx context.Context, q investigate.AlertQuery, sink func([]investigate.Alert)) (investigate.SourceReport, error) {
	start := time.Now()
	rep := investigate.SourceReport{Source: s.Name(), Kind: "securityhub"}
	plan := s.regions(ctx)
	if plan.note != "" {
		rep.Notes = append(rep.Notes, plan.note)
	}
	skips := &alertdoc.Skips{Where: "securityhub", What: "Security Hub (ASFF) findings", NoKey: "no AwsIamAccessKey resource with a key id"}
	err := fanout.Search(ctx, &rep, fanout.Service{ID: "securityhub", Name: "Security Hub", Account: s.Session.Identity.Account, Workers: s.Workers}, plan.regions, sink,
		func(ctx context.Context, region string, sink func([]investigate.Alert)) fanout.Region {
			st, read, kept := s.searchRegion(ctx, region, q, skips, sink)
			return fanout.Region{Status: st, Read: read, Kept: kept}
		})
	skips.Report(&rep)
	rep.Elapsed = time.Since(start)
	return rep, err
}

// filters are the GetFindings filters of q.
func filters(q investigate.AlertQuery) *types.AwsSecurityFindingFilters {
	eq := func(v string) types.StringFilter {
		return types.StringFilter{Comparison: types.StringFilterComparisonEquals, Value: aws.String(v)}
	}
	f := &types.AwsSecurityFindingFilters{
		ResourceType: []types.StringFilter{eq("AwsIamAccessKey")},
		RecordState:  []types.StringFilter{eq("ACTIVE")},
	}
	for _, k := range q.AccessKeys {
		f.ResourceId = append(f.ResourceId, eq(resourcePrefix+k.String()), eq(k.String()))
	}
	if !q.Window.IsZero() {
		df := types.DateFilter{}
		if !q.Window.Since.IsZero() {
			df.Start = aws.String(q.Window.Since.UTC().Format(time.RFC3339))
		}
		if !q.Window.Until.IsZero() {
			df.End = aws.String(q.Window.Until.UTC().Format(time.RFC3339))
		}
		f.UpdatedAt = []types.DateFilter{df}
	}
	return f
}

// searchRegion pages through the region's findings. Findings are checked against the
// query again after mapping (a finding with no access-key resource, another key, an
// archived record or a time outside the window is left out), so that the result does
// not depend on how strictly an endpoint applies the filters. A finding that cannot be
// mapped is recorded in skips, never dropped unsaid.
func (s *Source) searchRegion(ctx context.Context, region string, q investigate.AlertQuery, skips *alertdoc.Skips, sink func([]investigate.Alert)) (st investigate.RegionStatus, read, kept int64) {
	st = investigate.RegionStatus{Region: region, Status: investigate.RegionSearched}
	p := sh.NewGetFindingsPaginator(s.clientFor(region), &sh.GetFindingsInput{Filters: filters(q), MaxResults: aws.Int32(maxResults)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			classify(&st, err)
			return st, read, kept
		}
		st.Pages++
		batch := make([]investigate.Alert, 0, len(out.Findings))
		for _, f := range out.Findings {
			read++
			a, probs, verdict, err := toAlert(f, q)
			skips.FieldProblems("securityhub "+region+" finding "+aws.ToString(f.Id), probs)
			switch verdict {
			case unreadable:
				skips.Unreadable("securityhub "+region+" finding "+aws.ToString(f.Id), err)
				continue
			case noAccessKey:
				skips.NoAccessKey()
				continue
			case leftOut:
				continue
			}
			a.Origin = "securityhub " + region
			batch = append(batch, a)
		}
		if len(batch) > 0 {
			kept += int64(len(batch))
			st.Events += len(batch)
			sink(batch)
		}
	}
	return st, read, kept
}

// verdict is what became of a finding read.
type verdict int

const (
	keep        verdict = iota
	unreadable          // the finding could not be mapped: a problem to report
	noAccessKey         // the finding names no access key: not about a key, skipped
	leftOut             // archived, another key or outside the window
)

// toAlert maps a finding and checks it against q.
func toAlert(f types.AwsSecurityFinding, q investigate.AlertQuery) (investigate.Alert, []alertdoc.FieldProblem, verdict, error) {
	if f.RecordState == types.RecordStateArchived {
		return investigate.Alert{}, nil, leftOut, nil
	}
	doc, err := asDoc(f)
	if err != nil {
		return investigate.Alert{}, nil, unreadable, err
	}
	a, probs, err := alertdoc.MapASFF(doc)
	if err != nil {
		return investigate.Alert{}, probs, unreadable, err
	}
	if a.AccessKeyID == "" {
		return investigate.Alert{}, probs, noAccessKey, nil
	}
	if !q.Matches(&a) {
		return investigate.Alert{}, probs, leftOut, nil
	}
	return a, probs, keep, nil
}

// asDoc turns an SDK finding into the ASFF document alertdoc reads: the SDK's field
// names are ASFF's.
func asDoc(f types.AwsSecurityFinding) (map[string]any, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

// classify records why a region could not be searched.
func classify(st *investigate.RegionStatus, err error) {
	st.Error = err.Error()
	switch awsconfig.ErrorCode(err) {
	case "InvalidAccessException":
		st.Status, st.Error = investigate.RegionSkipped, "Security Hub is not enabled in this region"
	case "UnrecognizedClientException":
		st.Status, st.Error = investigate.RegionSkipped, "the region is not enabled for the account"
	case "TooManyRequestsException", "ThrottlingException", "LimitExceededException":
		st.Status = investigate.RegionThrottled
	default:
		st.Status = investigate.RegionFailed
		if errors.Is(err, context.Canceled) {
			st.Error = "cancelled"
		}
	}
}
