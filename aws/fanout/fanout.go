// Package fanout searches an AWS findings service (GuardDuty, Security Hub) region by
// region, a few regions at once: it decides once where the service is searched, keeps
// of each page of findings the alerts that answer the query (Findings), says what the
// error that ended a region's search means for the region (Classify, which the
// CloudTrail lookup shares), and folds the regions' outcomes into one source report.
// Besides investigate it imports only the AWS SDK and x/sync: no other aws/ package.
package fanout

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/keypivot/keypivot/investigate"
)

// Workers is how many regions are searched at once.
const Workers = 4

// Service names the searched service and its account.
type Service struct {
	ID      string // "guardduty": the source's name and kind, and where its problems are
	Name    string // "GuardDuty": in the error when no region could be read
	Account string
	// Unsearchable are the error codes by which the service says a region cannot be
	// searched: such a region is skipped, not failed.
	Unsearchable []Unsearchable
}

// Plan is where a service is searched, and the note that says why there ("" for none).
type Plan struct {
	Regions []string
	Note    string
}

// Planned keeps a source's plan: decided at its first search, the same at every
// search after. A plan decided under a context that ended meanwhile is not kept: its
// lookups may have failed for want of time (a workbench the analyst left), not because
// the account refused them, so the next search decides again. The zero value is ready.
type Planned struct {
	mu      sync.Mutex
	decided bool
	plan    Plan
}

// Get is the plan, decided by decide at the first call whose ctx is still live when
// decide returns.
func (p *Planned) Get(ctx context.Context, decide func(context.Context) Plan) Plan {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.decided {
		return p.plan
	}
	plan := decide(ctx)
	if ctx.Err() == nil {
		p.plan, p.decided = plan, true
	}
	return plan
}

// Region is one region's search as it goes: its status (pages read, alerts kept), the
// findings read, and where its alerts are sent.
type Region struct {
	Status investigate.RegionStatus
	Read   int64
	sink   func([]investigate.Alert)
}

// Skip records that the region is not searched, and why.
func (r *Region) Skip(why string) {
	r.Status.Status, r.Status.Error = investigate.RegionSkipped, why
}

// send counts a batch of alerts kept in the region and sends it on.
func (r *Region) send(batch []investigate.Alert) {
	if len(batch) == 0 {
		return
	}
	r.Status.Events += len(batch)
	r.sink(batch)
}

// Reporter adds to a source's report what its search left out.
type Reporter interface {
	Report(rep *investigate.SourceReport)
}

// Search searches svc in the regions plan names for findings of window (the query's),
// Workers at once, passing each search a Region whose alerts go to sink, never
// concurrently. An error that ends a region's search is classified (Classify, with
// svc.Unsearchable). The report has the window as its span (none for an open window),
// the plan's note, every region with its status and account (a failed or throttled one
// also as a problem), the findings read and alerts kept, what skipped reports, and the
// time it all took. Search returns an error when every region failed or was throttled,
// or ctx ended.
func Search(ctx context.Context, svc Service, window investigate.Window, plan func(context.Context) Plan, skipped Reporter, sink func([]investigate.Alert),
	search func(ctx context.Context, region string, r *Region) error,
) (investigate.SourceReport, error) {
	start := time.Now()
	rep := investigate.SourceReport{Source: svc.ID, Kind: svc.ID, Span: window}
	p := plan(ctx)
	if p.Note != "" {
		rep.Notes = append(rep.Notes, p.Note)
	}
	err := searchRegions(ctx, &rep, svc, p.Regions, sink, search)
	skipped.Report(&rep)
	rep.Elapsed = time.Since(start)
	return rep, err
}

// searchRegions runs search in every region and adds each region's outcome to rep.
func searchRegions(ctx context.Context, rep *investigate.SourceReport, svc Service, regions []string, sink func([]investigate.Alert),
	search func(ctx context.Context, region string, r *Region) error,
) error {
	var mu sync.Mutex
	locked := func(b []investigate.Alert) {
		mu.Lock()
		defer mu.Unlock()
		sink(b)
	}
	results := make([]Region, len(regions))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(Workers)
	for i, region := range regions {
		g.Go(func() error {
			r := &results[i]
			*r = Region{Status: investigate.RegionStatus{Region: region, Status: investigate.RegionSearched}, sink: locked}
			if err := search(gctx, region, r); err != nil {
				r.Status.Status, r.Status.Error = Classify(gctx, err, svc.Unsearchable...)
			}
			return nil
		})
	}
	_ = g.Wait()
	failed := 0 // failed or throttled: not read, as LookupEvents counts them
	for _, r := range results {
		st := r.Status
		st.Account = svc.Account
		rep.Regions = append(rep.Regions, st)
		rep.Records += r.Read
		rep.Matched += int64(st.Events)
		if st.Status == investigate.RegionFailed || st.Status == investigate.RegionThrottled {
			failed++
			rep.Problems = append(rep.Problems, investigate.Problem{Where: svc.ID + " " + st.Region, Message: st.Error})
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if failed > 0 && failed == len(results) {
		return fmt.Errorf("%s could not be read in any region: %s", svc.Name, results[0].Status.Error)
	}
	return nil
}
