// Package securityhub reads AWS Security Hub findings about IAM access keys as an
// investigate.AlertSource: GetFindings filtered on ResourceType AwsIamAccessKey (and
// ResourceId, for the keys of a case) and RecordState ACTIVE, in the region that
// aggregates the account's findings, or in every region when none does. Findings are
// mapped by alertdoc.FromASFF with their native severities.
package securityhub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	sh "github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/sync/errgroup"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/alertdoc"
)

// resourcePrefix prefixes the key in an AwsIamAccessKey resource's Id (facts §4).
const resourcePrefix = "AWS::IAM::AccessKey:"

// maxResults is GetFindings' largest page.
const maxResults = 100

// Source reads Security Hub findings. It implements investigate.AlertSource.
type Source struct {
	Session *awsconfig.Session
	// Regions, when set, are searched as they are. Otherwise the source asks the home
	// region for a finding aggregator and searches its aggregation region alone, or,
	// without one, every region ListRegions names.
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
	return sh.NewFromConfig(s.Session.ForRegion(region), func(o *sh.Options) {
		o.APIOptions = append(o.APIOptions, nameOperation)
	})
}

// nameOperation puts the service and operation names where awsconfig's read-only guard
// reads them (aws middleware metadata), ahead of it. This client registers them only
// after the guard has run, which then refuses every call, reads included, under
// --read-only. To be removed once the guard also reads smithy-go's names.
func nameOperation(s *middleware.Stack) error {
	return s.Initialize.Add(middleware.InitializeMiddlewareFunc("keypivot.NameOperation", func(
		ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
	) (middleware.InitializeOutput, middleware.Metadata, error) {
		if awsmiddleware.GetServiceID(ctx) == "" {
			ctx = awsmiddleware.SetServiceID(ctx, middleware.GetServiceID(ctx))
		}
		if awsmiddleware.GetOperationName(ctx) == "" {
			ctx = awsmiddleware.SetOperationName(ctx, middleware.GetOperationName(ctx))
		}
		return next.HandleInitialize(ctx, in)
	}), middleware.Before)
}

// regions decides, once, where to search.
func (s *Source) regions(ctx context.Context) regionPlan {
	s.once.Do(func() {
		if len(s.Regions) > 0 {
			s.plan = regionPlan{regions: s.Regions}
			return
		}
		home := s.Session.Region
		agg, err := aggregationRegion(ctx, s.clientFor(home))
		switch {
		case err == nil && agg != "":
			s.plan = regionPlan{regions: []string{agg}, note: "findings aggregated in " + agg + ": searched there only"}
			return
		case err != nil:
			s.plan.note = fmt.Sprintf("cannot tell whether findings are aggregated (%v): searching every region", err)
		default:
			s.plan.note = "no finding aggregator: searching every region"
		}
		if s.ListRegions == nil {
			s.plan.regions = []string{home}
			s.plan.note = "no finding aggregator and no region list: searched " + home + " only"
			return
		}
		rs, lerr := s.ListRegions(ctx)
		if lerr != nil {
			s.plan.regions = []string{home}
			s.plan.note = fmt.Sprintf("cannot list the account's regions (%v): searched %s only; name them with --regions or securityhub:REGION,...", lerr, home)
			return
		}
		s.plan.regions = rs
	})
	return s.plan
}

// aggregationRegion is the region a finding aggregator gathers findings into, "" when
// there is none.
func aggregationRegion(ctx context.Context, c *sh.Client) (string, error) {
	out, err := c.ListFindingAggregators(ctx, &sh.ListFindingAggregatorsInput{})
	if err != nil {
		return "", err
	}
	for _, fa := range out.FindingAggregators {
		got, err := c.GetFindingAggregator(ctx, &sh.GetFindingAggregatorInput{FindingAggregatorArn: fa.FindingAggregatorArn})
		if err != nil {
			return "", err
		}
		if r := aws.ToString(got.FindingAggregationRegion); r != "" {
			return r, nil
		}
	}
	return "", nil
}

// Alerts implements investigate.AlertSource.
func (s *Source) Alerts(ctx context.Context, q investigate.AlertQuery, sink func([]investigate.Alert)) (investigate.SourceReport, error) {
	start := time.Now()
	rep := investigate.SourceReport{Source: s.Name(), Kind: "securityhub"}
	plan := s.regions(ctx)
	if plan.note != "" {
		rep.Notes = append(rep.Notes, plan.note)
	}
	statuses := make([]investigate.RegionStatus, len(plan.regions))
	counts := make([][2]int64, len(plan.regions))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	workers := s.Workers
	if workers <= 0 {
		workers = 4
	}
	g.SetLimit(workers)
	for i, region := range plan.regions {
		g.Go(func() error {
			st, read, kept := s.searchRegion(gctx, region, q, func(b []investigate.Alert) {
				mu.Lock()
				defer mu.Unlock()
				sink(b)
			})
			statuses[i], counts[i] = st, [2]int64{read, kept}
			return nil
		})
	}
	_ = g.Wait()
	failed := 0
	for i, st := range statuses {
		st.Account = s.Session.Identity.Account
		rep.Regions = append(rep.Regions, st)
		rep.Records += counts[i][0]
		rep.Matched += counts[i][1]
		if st.Status == investigate.RegionFailed {
			failed++
			rep.Problems = append(rep.Problems, investigate.Problem{Where: "securityhub " + st.Region, Message: st.Error})
		}
	}
	rep.Elapsed = time.Since(start)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	if failed > 0 && failed == len(statuses) {
		return rep, fmt.Errorf("Security Hub could not be read in any region: %s", statuses[0].Error)
	}
	return rep, nil
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
		f.ResourceId = append(f.ResourceId, eq(resourcePrefix+k), eq(k))
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
// not depend on how strictly an endpoint applies the filters.
func (s *Source) searchRegion(ctx context.Context, region string, q investigate.AlertQuery, sink func([]investigate.Alert)) (st investigate.RegionStatus, read, kept int64) {
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
			a, ok := toAlert(f, q)
			if !ok {
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

// toAlert maps a finding and checks it against q.
func toAlert(f types.AwsSecurityFinding, q investigate.AlertQuery) (investigate.Alert, bool) {
	if f.RecordState == types.RecordStateArchived {
		return investigate.Alert{}, false
	}
	doc, err := asDoc(f)
	if err != nil {
		return investigate.Alert{}, false
	}
	a, err := alertdoc.FromASFF(doc)
	if err != nil || a.AccessKeyID == "" {
		return investigate.Alert{}, false
	}
	if len(q.AccessKeys) > 0 && !slices.Contains(q.AccessKeys, a.AccessKeyID) {
		return investigate.Alert{}, false
	}
	if !q.Window.Contains(a.Time) {
		return investigate.Alert{}, false
	}
	return a, true
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
