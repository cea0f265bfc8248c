package fanout

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// noSkips reports nothing: these searches read no findings.
type noSkips struct{}

func (noSkips) Report(*investigate.SourceReport) {}

func TestSearchFoldsRegionsAndFailsOnlyWhenEveryRegionFailed(t *testing.T) {
	svc := Service{ID: "guardduty", Name: "GuardDuty", Account: "123456789012"}
	plan := func(context.Context) Plan {
		return Plan{Regions: []string{"eu-west-1", "us-east-1"}, Note: "searched two regions"}
	}
	var got int
	rep, err := Search(context.Background(), svc, investigate.Window{}, plan, noSkips{}, func(b []investigate.Alert) { got += len(b) },
		func(_ context.Context, region string, r *Region) error {
			if region == "us-east-1" {
				return coded("AccessDeniedException", "User is not authorized to perform: guardduty:ListFindings")
			}
			r.Read += 5
			r.send(make([]investigate.Alert, 3))
			return nil
		})
	if err != nil || got != 3 || rep.Records != 5 || rep.Matched != 3 || len(rep.Regions) != 2 || rep.Regions[0].Account != svc.Account {
		t.Fatalf("err %v, %d alerts, report %+v", err, got, rep)
	}
	if rep.Source != "guardduty" || rep.Kind != "guardduty" || len(rep.Notes) != 1 || rep.Notes[0] != "searched two regions" {
		t.Errorf("report %+v", rep)
	}
	if st := rep.Regions[0]; st.Status != investigate.RegionSearched || st.Events != 3 {
		t.Errorf("eu-west-1 %+v", st)
	}
	if st := rep.Regions[1]; st.Status != investigate.RegionFailed || !strings.Contains(st.Error, "guardduty:ListFindings") {
		t.Errorf("us-east-1 %+v", st)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Where != "guardduty us-east-1" {
		t.Fatalf("problems %+v", rep.Problems)
	}
	one := func(context.Context) Plan { return Plan{Regions: []string{"eu-west-1"}} }
	_, err = Search(context.Background(), svc, investigate.Window{}, one, noSkips{}, func([]investigate.Alert) {},
		func(context.Context, string, *Region) error { return errors.New("AccessDenied") })
	if err == nil || !strings.Contains(err.Error(), "GuardDuty could not be read in any region: AccessDenied") {
		t.Fatalf("every region failed: %v", err)
	}
}

// A region the service says cannot be searched is skipped with the service's words, and
// is no problem; the plan is decided once.
func TestSearchSkipsUnsearchableRegionsAndPlansOnce(t *testing.T) {
	svc := Service{ID: "securityhub", Name: "Security Hub", Unsearchable: []Unsearchable{{Code: "InvalidAccessException", Why: "Security Hub is not enabled in this region"}}}
	var planned Planned
	decided := 0
	plan := func(ctx context.Context) Plan {
		return planned.Get(ctx, func(context.Context) Plan {
			decided++
			return Plan{Regions: []string{"eu-west-1"}}
		})
	}
	for range 2 {
		rep, err := Search(context.Background(), svc, investigate.Window{}, plan, noSkips{}, func([]investigate.Alert) {},
			func(context.Context, string, *Region) error { return coded("InvalidAccessException", "not subscribed") })
		if err != nil || len(rep.Problems) != 0 || rep.Regions[0].Status != investigate.RegionSkipped || rep.Regions[0].Error != "Security Hub is not enabled in this region" {
			t.Fatalf("err %v, report %+v", err, rep)
		}
	}
	if decided != 1 {
		t.Errorf("plan decided %d times", decided)
	}
}

// A plan decided under a context that ended (the analyst left the key while the regions
// were being listed) is not kept: the next search decides again, and keeps a plan
// decided under a live context.
func TestPlanDecidedUnderACancelledContextIsNotKept(t *testing.T) {
	var planned Planned
	decided := 0
	decide := func(ctx context.Context) Plan {
		decided++
		if err := ctx.Err(); err != nil {
			return Plan{Regions: []string{"us-east-1"}, Note: "cannot list the account's regions (" + err.Error() + ")"}
		}
		return Plan{Regions: []string{"eu-west-1", "us-east-1"}}
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if p := planned.Get(cancelled, decide); p.Note == "" {
		t.Fatalf("under a cancelled context: %+v", p)
	}
	for range 2 {
		if p := planned.Get(context.Background(), decide); len(p.Regions) != 2 || p.Note != "" {
			t.Errorf("after the cancelled search: %+v", p)
		}
	}
	if decided != 2 {
		t.Errorf("plan decided %d times, want 2 (the cancelled one, then once)", decided)
	}
}

// A region throttled beyond its retries was not read, as a failed one: it is a problem,
// and when every region was throttled or failed the search is an error.
func TestThrottledRegionsCountAsNotRead(t *testing.T) {
	svc := Service{ID: "guardduty", Name: "GuardDuty"}
	throttled := coded("TooManyRequestsException", "Rate exceeded")
	plan := func(context.Context) Plan { return Plan{Regions: []string{"eu-west-1", "us-east-1"}} }
	rep, err := Search(context.Background(), svc, investigate.Window{}, plan, noSkips{}, func([]investigate.Alert) {},
		func(_ context.Context, region string, _ *Region) error {
			if region == "eu-west-1" {
				return throttled
			}
			return coded("AccessDeniedException", "not authorized")
		})
	if err == nil || !strings.Contains(err.Error(), "GuardDuty could not be read in any region: "+throttled.Error()) {
		t.Errorf("every region throttled or failed: %v", err)
	}
	if len(rep.Problems) != 2 || rep.Problems[0].Where != "guardduty eu-west-1" || rep.Problems[0].Message != throttled.Error() {
		t.Errorf("problems %+v", rep.Problems)
	}
	rep, err = Search(context.Background(), svc, investigate.Window{}, plan, noSkips{}, func([]investigate.Alert) {},
		func(context.Context, string, *Region) error { return throttled })
	if err == nil || len(rep.Problems) != 2 || rep.Regions[1].Status != investigate.RegionThrottled {
		t.Errorf("every region throttled: %v, %+v", err, rep)
	}
}

// The report's span is the window the findings were asked for, so that a negative says
// what time it covers; an open window is left unsaid.
func TestReportSpansTheQuerysWindow(t *testing.T) {
	svc := Service{ID: "securityhub", Name: "Security Hub", Account: "123456789012"}
	plan := func(context.Context) Plan { return Plan{Regions: []string{"eu-west-1"}} }
	search := func(_ context.Context, _ string, r *Region) error { r.Read += 4; return nil }
	w := investigate.Window{Since: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Until: time.Date(2026, 3, 2, 17, 30, 0, 0, time.UTC)}
	rep, err := Search(context.Background(), svc, w, plan, noSkips{}, func([]investigate.Alert) {}, search)
	if err != nil || rep.Span != w {
		t.Fatalf("err %v, span %+v, want %+v", err, rep.Span, w)
	}
	none := investigate.AssessKind([]investigate.SourceReport{rep}, w, "alert", 0, "alert").NoneIn("no alert")
	if !strings.Contains(none, "4 findings in 1 region covering 2026-03-02 09:00–17:30 UTC") {
		t.Errorf("negative %q", none)
	}
	rep, _ = Search(context.Background(), svc, investigate.Window{}, plan, noSkips{}, func([]investigate.Alert) {}, search)
	none = investigate.AssessKind([]investigate.SourceReport{rep}, investigate.Window{}, "alert", 0, "alert").NoneIn("no alert")
	if !rep.Span.IsZero() || strings.Contains(none, "covering") {
		t.Errorf("an open window: span %+v, negative %q", rep.Span, none)
	}
}
