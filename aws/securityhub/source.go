// Package securityhub reads AWS Security Hub findings about IAM access keys as an
// investigate.AlertSource: GetFindings filtered on ResourceType AwsIamAccessKey (and
// ResourceId, for the keys of a case) and RecordState ACTIVE. Without named regions it
// follows the account's finding aggregator: the aggregation region, plus every region
// the aggregator does not link (RegionLinkingMode and Regions), or every region when
// there is no aggregator. Findings are mapped by alertdoc.FromASFF with their native
// severities; findings that cannot be mapped are reported as problems.
//
// GuardDuty's attack sequences (Detection.Sequence) name their keys in their actors'
// credentials (Actors[].User.CredentialUid), and their resource is not an
// AwsIamAccessKey: the filters above do not find them. So each region is read a second
// time for findings whose Type contains "AttackSequence:", and of those the sequences
// whose actors used one of the keys asked for are kept (all of them for the ranking).
// The report's notes say so, with what that second reading read and kept.
//
// Like every aws/ package it imports investigate (the interfaces it implements, the
// types it fills) and the AWS SDK, never tui, cmd or internal.
package securityhub

import (
	"context"
	"fmt"
	"slices"
	"strings"
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

	planned fanout.Planned
}

func (s *Source) clientFor(region string) *sh.Client {
	return sh.NewFromConfig(s.Session.ForRegion(region))
}

// plan is where Security Hub is searched, decided at the first search.
func (s *Source) plan(ctx context.Context) fanout.Plan { return s.planned.Get(ctx, s.decide) }

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
func (s *Source) decide(ctx context.Context) fanout.Plan {
	if len(s.Regions) > 0 {
		return fanout.Plan{Regions: s.Regions, Note: "searched the regions named (" + strings.Join(s.Regions, ", ") + ") and no other; the finding aggregator was not consulted"}
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
		return fanout.Plan{Regions: []string{agg.region}, Note: fmt.Sprintf(
			"findings of every region are aggregated in %s (%s): searched %s only", agg.region, agg.mode, agg.region)}
	case linkAllExcept:
		if len(others) == 0 {
			return fanout.Plan{Regions: []string{agg.region}, Note: fmt.Sprintf(
				"findings of every region are aggregated in %s (%s, no region excepted): searched %s only", agg.region, agg.mode, agg.region)}
		}
		return fanout.Plan{Regions: append([]string{agg.region}, others...), Note: fmt.Sprintf(
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
			return fanout.Plan{Regions: direct, Note: fmt.Sprintf(
				"%s, and %s: searched %s only; findings of the other regions that are not linked are missing, name them with --regions or securityhub:REGION,...",
				linked, why, strings.Join(direct, ", "))}
		}
		direct := without(all, append([]string{agg.region}, others...)...)
		if len(direct) == 0 {
			return fanout.Plan{Regions: []string{agg.region}, Note: fmt.Sprintf(
				"%s, and every enabled region is linked: searched %s only", linked, agg.region)}
		}
		return fanout.Plan{Regions: append([]string{agg.region}, direct...), Note: fmt.Sprintf(
			"%s: searched %s, and the regions not linked (%s) directly", linked, agg.region, strings.Join(direct, ", "))}
	case linkNone:
		return s.everyRegion(ctx, agg.region, fmt.Sprintf("the finding aggregator in %s links no region (%s)", agg.region, agg.mode))
	default:
		return s.everyRegion(ctx, agg.region, fmt.Sprintf("the finding aggregator in %s links regions in a way keypivot does not know (%q)", agg.region, agg.mode))
	}
}

// everyRegion searches every region ListRegions names (first among them), or the home
// region alone when they cannot be listed. why says why.
func (s *Source) everyRegion(ctx context.Context, first, why string) fanout.Plan {
	home := s.Session.Region
	rs, problem := s.listRegions(ctx)
	if problem != "" {
		searched := []string{home}
		if first != "" && first != home {
			searched = []string{first, home}
		}
		return fanout.Plan{Regions: searched, Note: fmt.Sprintf(
			"%s, and %s: searched %s only; name the regions with --regions or securityhub:REGION,...", why, problem, strings.Join(searched, ", "))}
	}
	if first != "" {
		rs = append([]string{first}, without(rs, first)...)
	}
	return fanout.Plan{Regions: rs, Note: fmt.Sprintf("%s: searching every region (%s)", why, strings.Join(rs, ", "))}
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

// Name names the source in reports.
func (s *Source) Name() string { return "securityhub" }

// Alerts implements investigate.AlertSource.
func (s *Source) Alerts(ctx context.Context, q investigate.AlertQuery, sink func([]investigate.Alert)) (investigate.SourceReport, error) {
	found := fanout.Findings[types.AwsSecurityFinding, alertdoc.FieldProblem]{
		Query:   q,
		ID:      func(f types.AwsSecurityFinding) string { return aws.ToString(f.Id) },
		LeftOut: func(f types.AwsSecurityFinding) bool { return f.RecordState == types.RecordStateArchived },
		Map:     alertdoc.MapASFF,
		Skips: &alertdoc.Skips{Where: "securityhub", What: "Security Hub (ASFF) findings",
			NoKey: "no AwsIamAccessKey resource with a key id, or an attack sequence whose actors used no access key"},
		IsSequence: isSequenceType,
		Sequences:  &investigate.SequenceListing{},
	}
	svc := fanout.Service{ID: "securityhub", Name: "Security Hub", Account: s.Session.Identity.Account,
		Unsearchable: []fanout.Unsearchable{{Code: "InvalidAccessException", Why: "Security Hub is not enabled in this region"}, fanout.RegionNotEnabled}}
	rep, err := fanout.Search(ctx, svc, q.Window, s.plan, found, sink, func(ctx context.Context, region string, r *fanout.Region) error {
		return s.searchRegion(ctx, region, found, r)
	})
	rep.Notes = append(rep.Notes, found.Sequences.Note(sequenceHow(), q))
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
	f.UpdatedAt = windowFilter(q.Window)
	return f
}

// windowFilter is the UpdatedAt filter of the window (none for an open one).
func windowFilter(w investigate.Window) []types.DateFilter {
	if w.IsZero() {
		return nil
	}
	df := types.DateFilter{}
	if !w.Since.IsZero() {
		df.Start = aws.String(w.Since.UTC().Format(time.RFC3339))
	}
	if !w.Until.IsZero() {
		df.End = aws.String(w.Until.UTC().Format(time.RFC3339))
	}
	return []types.DateFilter{df}
}

// searchRegion pages through the region's findings into r: those of the access-key
// filters, then the attack sequences, each finding in one of the two readings only (a
// reading drops, unread and uncounted, what the other reads, should an endpoint return
// more than its filters select).
// Findings are checked against the query again after mapping (an archived record, a
// finding with no access-key resource, another key or a time outside the window is left
// out), so that the result does not depend on how strictly an endpoint applies the
// filters.
func (s *Source) searchRegion(ctx context.Context, region string, found fanout.Findings[types.AwsSecurityFinding, alertdoc.FieldProblem], r *fanout.Region) error {
	origin := "securityhub " + region
	err := s.read(ctx, region, filters(found.Query), r, func(page []types.AwsSecurityFinding) { found.KeyPage(r, origin, page) })
	if err != nil {
		return err
	}
	return s.read(ctx, region, sequenceFilters(found.Query), r, func(page []types.AwsSecurityFinding) { found.SequencePage(r, origin, page) })
}

// read pages through the region's findings of filters, passing each page to page.
func (s *Source) read(ctx context.Context, region string, filters *types.AwsSecurityFindingFilters, r *fanout.Region, page func([]types.AwsSecurityFinding)) error {
	p := sh.NewGetFindingsPaginator(s.clientFor(region), &sh.GetFindingsInput{Filters: filters, MaxResults: aws.Int32(maxResults)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		r.Status.Pages++
		page(out.Findings)
	}
	return nil
}
