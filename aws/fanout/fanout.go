// Package fanout searches an AWS findings service (GuardDuty, Security Hub) region by
// region, a few regions at once, and folds the regions' outcomes into one source report.
package fanout

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/keypivot/keypivot/investigate"
)

// DefaultWorkers is how many regions are searched at once by default.
const DefaultWorkers = 4

// Region is what searching one region gave: its status, the findings read and those kept.
type Region struct {
	Status     investigate.RegionStatus
	Read, Kept int64
}

// Service names the searched service and its account.
type Service struct {
	ID      string // "guardduty": where failed regions are reported
	Name    string // "GuardDuty": in the error when no region could be read
	Account string
	Workers int // regions searched at once (DefaultWorkers when 0)
}

// Search runs search in every region, a few at once, passing each a sink that is never
// called concurrently. It adds each region to rep (its status with the account, what it
// read and kept; a failed region also as a problem), and returns an error when every
// region failed or ctx ended.
func Search(ctx context.Context, rep *investigate.SourceReport, svc Service, regions []string,
	sink func([]investigate.Alert), search func(ctx context.Context, region string, sink func([]investigate.Alert)) Region,
) error {
	workers := svc.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	results := make([]Region, len(regions))
	var mu sync.Mutex
	locked := func(b []investigate.Alert) {
		mu.Lock()
		defer mu.Unlock()
		sink(b)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i, region := range regions {
		g.Go(func() error {
			results[i] = search(gctx, region, locked)
			return nil
		})
	}
	_ = g.Wait()
	failed := 0
	for _, r := range results {
		st := r.Status
		st.Account = svc.Account
		rep.Regions = append(rep.Regions, st)
		rep.Records += r.Read
		rep.Matched += r.Kept
		if st.Status == investigate.RegionFailed {
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
