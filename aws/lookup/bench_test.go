package lookup

import (
	"context"
	"testing"
	"time"

	cttest "github.com/keypivot/keypivot/internal/testserver/cloudtrail"
	"github.com/keypivot/keypivot/investigate"
)

// BenchmarkLookupFanOut measures how close the region fan-out comes to LookupEvents'
// ceiling (regions x 2 requests per second) against the test server enforcing the real
// limits, next to a region-by-region sequential loop over the same events in the same
// run. Each region holds benchPages pages of one key's events.
//
// Reported: requests per second, and the fraction of the ceiling, counted after each
// region's first request (the bucket starts with one token, so a short run would
// otherwise seem to beat the limit); throttled is what the server refused (want 0).
//
//	go test -run XXX -bench LookupFanOut -benchtime 1x ./aws/lookup
func BenchmarkLookupFanOut(b *testing.B) {
	const benchRegions, benchPages = 8, 12
	f := newFixture(b, cttest.Options{}) // the real limits: 2/s per region
	recs := corpusRecords(b, "aws.execution.ssm-send-command.json", "AKIAW9X2Q2U25SK79UCX")
	now := latest(b, recs)
	f.ct.SetNow(now)
	regions := []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1", "ap-southeast-1"}[:benchRegions]
	copies := (benchPages*PageSize - 1) / len(recs) // just under benchPages full pages
	for _, r := range regions {
		if err := f.ct.AddRecords("", inRegion(b, recs, r, copies)); err != nil {
			b.Fatal(err)
		}
	}
	perRegion := copies * len(recs)
	pages := (perRegion + PageSize - 1) / PageSize
	ceiling := float64(len(regions)) * float64(Rate)
	q := investigate.EventQuery{AccessKeys: investigate.KeyIDs("AKIAW9X2Q2U25SK79UCX")}

	limiters := NewLimiters(Rate, 1) // one per process, as in keypivot: both runs share it
	run := func(name string, per, total int) (rate, frac float64) {
		before := f.ct.Counts("")
		src := f.source(now, regions[1:]...)
		src.Limiters = limiters
		src.PerRegion, src.Concurrency = per, total
		start := time.Now()
		rep, err := src.Events(context.Background(), q, func([]investigate.Event) {})
		elapsed := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		after := f.ct.Counts("")
		reqs := after.Requests - before.Requests
		if rep.Matched != int64(perRegion*len(regions)) {
			b.Fatalf("%s: %d events, want %d", name, rep.Matched, perRegion*len(regions))
		}
		if th := after.Throttled - before.Throttled; th != 0 {
			b.Errorf("%s: the server throttled %d requests", name, th)
		}
		rate = float64(reqs) / elapsed.Seconds()
		frac = float64(reqs-len(regions)) / (elapsed.Seconds() * ceiling)
		b.Logf("%s: %d requests (%d pages x %d regions) in %v: %.2f req/s = %.0f%% of the %.0f req/s ceiling",
			name, reqs, pages, len(regions), elapsed.Round(time.Millisecond), rate, 100*frac, ceiling)
		return rate, frac
	}
	for range b.N {
		fr, ff := run("fan-out", 2, 64)
		sr, sf := run("sequential", 1, 1)
		b.ReportMetric(fr, "fanout_req/s")
		b.ReportMetric(ff, "fanout_of_ceiling")
		b.ReportMetric(sr, "sequential_req/s")
		b.ReportMetric(sf, "sequential_of_ceiling")
		b.ReportMetric(fr/sr, "speedup")
		if ff < 0.9 {
			b.Errorf("fan-out reached %.0f%% of the ceiling, want at least 90%%", 100*ff)
		}
	}
	b.ReportMetric(0, "ns/op")
}
