package fanout

import (
	"context"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

func TestSearchFoldsRegionsAndFailsOnlyWhenEveryRegionFailed(t *testing.T) {
	svc := Service{ID: "guardduty", Name: "GuardDuty", Account: "123456789012"}
	var got int
	var rep investigate.SourceReport
	err := Search(context.Background(), &rep, svc, []string{"eu-west-1", "us-east-1"}, func(b []investigate.Alert) { got += len(b) },
		func(_ context.Context, region string, sink func([]investigate.Alert)) Region {
			if region == "us-east-1" {
				return Region{Status: investigate.RegionStatus{Region: region, Status: investigate.RegionFailed, Error: "AccessDenied"}}
			}
			sink(make([]investigate.Alert, 3))
			return Region{Status: investigate.RegionStatus{Region: region, Status: investigate.RegionSearched, Events: 3}, Read: 5, Kept: 3}
		})
	if err != nil || got != 3 || rep.Records != 5 || rep.Matched != 3 || len(rep.Regions) != 2 || rep.Regions[0].Account != svc.Account {
		t.Fatalf("err %v, %d alerts, report %+v", err, got, rep)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Where != "guardduty us-east-1" {
		t.Fatalf("problems %+v", rep.Problems)
	}
	var all investigate.SourceReport
	err = Search(context.Background(), &all, svc, []string{"eu-west-1"}, func([]investigate.Alert) {},
		func(_ context.Context, region string, _ func([]investigate.Alert)) Region {
			return Region{Status: investigate.RegionStatus{Region: region, Status: investigate.RegionFailed, Error: "AccessDenied"}}
		})
	if err == nil || !strings.Contains(err.Error(), "GuardDuty could not be read in any region: AccessDenied") {
		t.Fatalf("every region failed: %v", err)
	}
}
