// Package guardduty reads Amazon GuardDuty findings about IAM access keys as an
// investigate.AlertSource: in each region, ListDetectors, then ListFindings with the
// criterion resource.accessKeyDetails.accessKeyId (the keys of a case) or
// resource.resourceType AccessKey (every access-key finding, for the ranking), then
// GetFindings in batches of 50. Findings are mapped by alertdoc.FromGuardDuty with
// GuardDuty's own severity (4-6.9 medium, 7-8.9 high, 9+ critical).
//
// Like every aws/ package it imports investigate (the interfaces it implements, the
// types it fills) and the AWS SDK, never tui, cmd or internal.
package guardduty

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	gd "github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/aws/fanout"
	"github.com/keypivot/keypivot/files/alertdoc"
	"github.com/keypivot/keypivot/investigate"
)

// Source reads GuardDuty findings. It implements investigate.AlertSource.
type Source struct {
	Session *awsconfig.Session
	// Regions are searched when set; otherwise every region ListRegions names, or the
	// session's region when there is no ListRegions.
	Regions     []string
	ListRegions func(ctx context.Context) ([]string, error)

	planned fanout.Planned
}

// plan is where GuardDuty is searched, decided at the first search.
func (s *Source) plan(ctx context.Context) fanout.Plan {
	return s.planned.Get(ctx, func(ctx context.Context) fanout.Plan {
		switch {
		case len(s.Regions) > 0:
			return fanout.Plan{Regions: s.Regions}
		case s.ListRegions == nil:
			return fanout.Plan{Regions: []string{s.Session.Region}}
		}
		rs, err := s.ListRegions(ctx)
		if err != nil {
			return fanout.Plan{Regions: []string{s.Session.Region}, Note: fmt.Sprintf(
				"cannot list the account's regions (%v): searched %s only; name them with --regions or guardduty:REGION,...", err, s.Session.Region)}
		}
		return fanout.Plan{Regions: rs}
	})
}

// Name names the source in reports.
func (s *Source) Name() string { return "guardduty" }

// Alerts implements investigate.AlertSource.
func (s *Source) Alerts(ctx context.Context, q investigate.AlertQuery, sink func([]investigate.Alert)) (investigate.SourceReport, error) {
	found := fanout.Findings[types.Finding, alertdoc.FieldProblem]{
		Query: q,
		ID:    func(f types.Finding) string { return aws.ToString(f.Id) },
		Map:   alertdoc.MapGuardDuty,
		Skips: &alertdoc.Skips{Where: "guardduty", What: "GuardDuty findings", NoKey: "resource.accessKeyDetails.accessKeyId is empty"},
	}
	svc := fanout.Service{ID: "guardduty", Name: "GuardDuty", Account: s.Session.Identity.Account,
		Unsearchable: []fanout.Unsearchable{fanout.RegionNotEnabled}}
	return fanout.Search(ctx, svc, q.Window, s.plan, found, sink, func(ctx context.Context, region string, r *fanout.Region) error {
		return s.searchRegion(ctx, region, found, r)
	})
}

// batchSize is the most finding ids ListFindings returns a page and GetFindings takes.
const batchSize = 50

// criteria are the ListFindings criteria of q.
func criteria(q investigate.AlertQuery) *types.FindingCriteria {
	c := map[string]types.Condition{}
	if len(q.AccessKeys) > 0 {
		c["resource.accessKeyDetails.accessKeyId"] = types.Condition{Equals: investigate.KeyStrings(q.AccessKeys)}
	} else {
		c["resource.resourceType"] = types.Condition{Equals: []string{"AccessKey"}}
	}
	if !q.Window.IsZero() {
		cond := types.Condition{}
		if !q.Window.Since.IsZero() {
			cond.GreaterThanOrEqual = aws.Int64(q.Window.Since.UnixMilli())
		}
		if !q.Window.Until.IsZero() {
			cond.LessThan = aws.Int64(q.Window.Until.UnixMilli())
		}
		c["updatedAt"] = cond
	}
	return &types.FindingCriteria{Criterion: c}
}

// searchRegion reads the findings of every detector of the region, a page of ids and
// their findings at a time, into r.
func (s *Source) searchRegion(ctx context.Context, region string, found fanout.Findings[types.Finding, alertdoc.FieldProblem], r *fanout.Region) error {
	c := gd.NewFromConfig(s.Session.ForRegion(region))
	var detectors []string
	dp := gd.NewListDetectorsPaginator(c, &gd.ListDetectorsInput{})
	for dp.HasMorePages() {
		out, err := dp.NextPage(ctx)
		if err != nil {
			return err
		}
		detectors = append(detectors, out.DetectorIds...)
	}
	if len(detectors) == 0 {
		r.Skip("GuardDuty is not enabled in this region (no detector)")
		return nil
	}
	for _, det := range detectors {
		fp := gd.NewListFindingsPaginator(c, &gd.ListFindingsInput{DetectorId: aws.String(det), FindingCriteria: criteria(found.Query), MaxResults: aws.Int32(batchSize)})
		for fp.HasMorePages() {
			page, err := fp.NextPage(ctx)
			if err != nil {
				return err
			}
			r.Status.Pages++
			for ids := range slices.Chunk(page.FindingIds, batchSize) {
				out, err := c.GetFindings(ctx, &gd.GetFindingsInput{DetectorId: aws.String(det), FindingIds: ids})
				if err != nil {
					return err
				}
				found.Page(r, "guardduty "+region+" detector "+det, out.Findings)
			}
		}
	}
	return nil
}
