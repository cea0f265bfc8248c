package fanout

import (
	"context"
	"errors"
	"strings"
	"testing"

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
	rep, err := Search(context.Background(), svc, plan, noSkips{}, func(b []investigate.Alert) { got += len(b) },
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
	_, err = Search(context.Background(), svc, one, noSkips{}, func([]investigate.Alert) {},
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
		rep, err := Search(context.Background(), svc, plan, noSkips{}, func([]investigate.Alert) {},
			func(context.Context, string, *Region) error { return coded("InvalidAccessException", "not subscribed") })
		if err != nil || len(rep.Problems) != 0 || rep.Regions[0].Status != investigate.RegionSkipped || rep.Regions[0].Error != "Security Hub is not enabled in this region" {
			t.Fatalf("err %v, report %+v", err, rep)
		}
	}
	if decided != 1 {
		t.Errorf("plan decided %d times", decided)
	}
}
