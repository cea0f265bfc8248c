// Package guardduty reads Amazon GuardDuty findings about IAM access keys as an
// investigate.AlertSource: in each region, ListDetectors, then ListFindings with the
// criterion resource.accessKeyDetails.accessKeyId (the keys of a case) or
// resource.resourceType AccessKey (every access-key finding, for the ranking), then
// GetFindings in batches of 50. Findings are mapped by alertdoc.FromGuardDuty with
// GuardDuty's own severity (4-6.9 medium, 7-8.9 high, 9+ critical).
package guardduty

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	gd "github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/aws/fanout"
	"github.com/keypivot/keypivot/files/alertdoc"
	"github.com/keypivot/keypivot/investigate"
)

// batchSize is the most finding ids ListFindings returns a page and GetFindings takes.
const batchSize = 50

// Source reads GuardDuty findings. It implements investigate.AlertSource.
type Source struct {
	Session *awsconfig.Session
	// Regions are searched when set; otherwise every region ListRegions names, or the
	// session's region when there is no ListRegions.
	Regions     []string
	ListRegions func(ctx context.Context) ([]string, error)
	// Workers bounds the regions searched at once (default 4).
	Workers int

	once    sync.Once
	regions []string
	note    string
}

// Name names the source in reports.
func (s *Source) Name() string { return "guardduty" }

func (s *Source) client(region string) *gd.Client {
	return gd.NewFromConfig(s.Session.ForRegion(region))
}

func (s *Source) regionList(ctx context.Context) ([]string, string) {
	s.once.Do(func() {
		switch {
		case len(s.Regions) > 0:
			s.regions = s.Regions
		case s.ListRegions == nil:
			s.regions = []string{s.Session.Region}
		default:
			rs, err := s.ListRegions(ctx)
			if err != nil {
				s.regions = []string{s.Session.Region}
				s.note = fmt.Sprintf("cannot list the account's regions (%v): searched %s only; name them with --regions or guardduty:REGION,...", err, s.Session.Region)
				return
			}
			s.regions = rs
		}
	})
	return s.regions, s.note
}

// Alerts implements investigate.AlertSource.
func (s *Source) Alerts(ctx context.Context, q investigate.AlertQuery, sink func([]investigate.Alert)) (investigate.SourceReport, error) {
	start := time.Now()
	rep := investigate.SourceReport{Source: s.Name(), Kind: "guardduty"}
	regions, note := s.regionList(ctx)
	if note != "" {
		rep.Notes = append(rep.Notes, note)
	}
	skips := &alertdoc.Skips{Where: "guardduty", What: "GuardDuty findings", NoKey: "resource.accessKeyDetails.accessKeyId is empty"}
	err := fanout.Search(ctx, &rep, fanout.Service{ID: "guardduty", Name: "GuardDuty", Account: s.Session.Identity.Account, Workers: s.Workers}, regions, sink,
		func(ctx context.Context, region string, sink func([]investigate.Alert)) fanout.Region {
			st, read := s.searchRegion(ctx, region, q, skips, sink)
			return fanout.Region{Status: st, Read: read, Kept: int64(st.Events)}
		})
	skips.Report(&rep)
	rep.Elapsed = time.Since(start)
	return rep, err
}

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
// their findings at a time. A finding that cannot be mapped is recorded in skips,
// never dropped unsaid.
func (s *Source) searchRegion(ctx context.Context, region string, q investigate.AlertQuery, skips *alertdoc.Skips, sink func([]investigate.Alert)) (st investigate.RegionStatus, read int64) {
	st = investigate.RegionStatus{Region: region, Status: investigate.RegionSearched}
	c := s.client(region)
	var detectors []string
	dp := gd.NewListDetectorsPaginator(c, &gd.ListDetectorsInput{})
	for dp.HasMorePages() {
		out, err := dp.NextPage(ctx)
		if err != nil {
			classify(&st, err)
			return st, read
		}
		detectors = append(detectors, out.DetectorIds...)
	}
	if len(detectors) == 0 {
		st.Status, st.Error = investigate.RegionSkipped, "GuardDuty is not enabled in this region (no detector)"
		return st, read
	}
	for _, det := range detectors {
		fp := gd.NewListFindingsPaginator(c, &gd.ListFindingsInput{DetectorId: aws.String(det), FindingCriteria: criteria(q), MaxResults: aws.Int32(batchSize)})
		for fp.HasMorePages() {
			page, err := fp.NextPage(ctx)
			if err != nil {
				classify(&st, err)
				return st, read
			}
			st.Pages++
			if len(page.FindingIds) == 0 {
				continue
			}
			for ids := range slices.Chunk(page.FindingIds, batchSize) {
				out, err := c.GetFindings(ctx, &gd.GetFindingsInput{DetectorId: aws.String(det), FindingIds: ids})
				if err != nil {
					classify(&st, err)
					return st, read
				}
				batch := make([]investigate.Alert, 0, len(out.Findings))
				for _, f := range out.Findings {
					read++
					a, probs, verdict, err := toAlert(f, q)
					skips.FieldProblems("guardduty "+region+" detector "+det+" finding "+aws.ToString(f.Id), probs)
					switch verdict {
					case unreadable:
						skips.Unreadable("guardduty "+region+" detector "+det+" finding "+aws.ToString(f.Id), err)
					case noAccessKey:
						skips.NoAccessKey()
					case keep:
						a.Origin = "guardduty " + region + " detector " + det
						batch = append(batch, a)
					}
				}
				if len(batch) > 0 {
					st.Events += len(batch)
					sink(batch)
				}
			}
		}
	}
	return st, read
}

// verdict is what became of a finding read.
type verdict int

const (
	keep        verdict = iota
	unreadable          // the finding could not be mapped: a problem to report
	noAccessKey         // the finding names no access key: not about a key, skipped
	leftOut             // another key or outside the window
)

// toAlert maps a finding and checks it against q: an access key, one of q's keys, in
// the window.
func toAlert(f types.Finding, q investigate.AlertQuery) (investigate.Alert, []alertdoc.FieldProblem, verdict, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return investigate.Alert{}, nil, unreadable, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return investigate.Alert{}, nil, unreadable, err
	}
	a, probs, err := alertdoc.MapGuardDuty(doc)
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

// classify records why a region could not be searched.
func classify(st *investigate.RegionStatus, err error) {
	st.Error = err.Error()
	switch awsconfig.ErrorCode(err) {
	case "UnrecognizedClientException":
		st.Status, st.Error = investigate.RegionSkipped, "the region is not enabled for the account"
	case "TooManyRequestsException", "ThrottlingException":
		st.Status = investigate.RegionThrottled
	default:
		st.Status = investigate.RegionFailed
	}
}
