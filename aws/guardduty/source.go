// Package guardduty reads Amazon GuardDuty findings about IAM access keys as an
// investigate.AlertSource: in each region, ListDetectors, then ListFindings with the
// criterion resource.accessKeyDetails.accessKeyId (the keys of a case) or
// resource.resourceType AccessKey (every access-key finding, for the ranking), then
// GetFindings in batches of 50. Findings are mapped by alertdoc.FromGuardDuty with
// GuardDuty's own severity (4-6.9 medium, 7-8.9 high, 9+ critical).
//
// Attack sequences (GuardDuty Extended Threat Detection: AttackSequence:IAM/
// CompromisedCredentials and its kin) name their keys in their actors' credentials
// (Service.Detection.Sequence.Actors[].User.CredentialUid), which no ListFindings
// criterion reaches, and their resource is the sequence: neither criterion above finds
// them. So each detector is listed a second time, by type (the attack-sequence types,
// investigate.AttackSequenceTypes) in the window, and of those the sequences whose
// actors used one of the keys asked for are kept (all of them for the ranking). The
// report's notes say so, with what that second listing read and kept.
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
		Skips: &alertdoc.Skips{Where: "guardduty", What: "GuardDuty findings",
			NoKey: "resource.accessKeyDetails.accessKeyId is empty, or an attack sequence's actors used no access key"},
		IsSequence: isSequenceType,
		Sequences:  &investigate.SequenceListing{},
	}
	svc := fanout.Service{ID: "guardduty", Name: "GuardDuty", Account: s.Session.Identity.Account,
		Unsearchable: []fanout.Unsearchable{fanout.RegionNotEnabled}}
	rep, err := fanout.Search(ctx, svc, q.Window, s.plan, found, sink, func(ctx context.Context, region string, r *fanout.Region) error {
		return s.searchRegion(ctx, region, found, r)
	})
	rep.Notes = append(rep.Notes, found.Sequences.Note(sequenceHow(), q))
	return rep, err
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
	addWindow(c, q.Window)
	return &types.FindingCriteria{Criterion: c}
}

// addWindow adds the window's criterion on updatedAt (epoch milliseconds) to c.
func addWindow(c map[string]types.Condition, w investigate.Window) {
	if w.IsZero() {
		return
	}
	cond := types.Condition{}
	if !w.Since.IsZero() {
		cond.GreaterThanOrEqual = aws.Int64(w.Since.UnixMilli())
	}
	if !w.Until.IsZero() {
		cond.LessThan = aws.Int64(w.Until.UnixMilli())
	}
	c["updatedAt"] = cond
}

// searchRegion reads the findings of every detector of the region, a page of ids and
// their findings at a time, into r: those the key criteria find, then the attack
// sequences (listed by type), each finding in one of the two listings only.
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
		origin := "guardduty " + region + " detector " + det
		err := listAndGet(ctx, c, det, criteria(found.Query), r, func(page []types.Finding) { found.KeyPage(r, origin, page) })
		if err != nil {
			return err
		}
		err = listAndGet(ctx, c, det, sequenceCriteria(found.Query), r, func(page []types.Finding) { found.SequencePage(r, origin, page) })
		if err != nil {
			return err
		}
	}
	return nil
}

// listAndGet lists the findings of detector det that meet crit, a page of ids at a time,
// and passes their findings to page.
func listAndGet(ctx context.Context, c *gd.Client, det string, crit *types.FindingCriteria, r *fanout.Region, page func([]types.Finding)) error {
	fp := gd.NewListFindingsPaginator(c, &gd.ListFindingsInput{DetectorId: aws.String(det), FindingCriteria: crit, MaxResults: aws.Int32(batchSize)})
	for fp.HasMorePages() {
		out, err := fp.NextPage(ctx)
		if err != nil {
			return err
		}
		r.Status.Pages++
		for ids := range slices.Chunk(out.FindingIds, batchSize) {
			got, err := c.GetFindings(ctx, &gd.GetFindingsInput{DetectorId: aws.String(det), FindingIds: ids})
			if err != nil {
				return err
			}
			page(got.Findings)
		}
	}
	return nil
}
