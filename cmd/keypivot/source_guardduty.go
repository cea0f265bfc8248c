package main

import (
	"context"

	"github.com/keypivot/keypivot/aws/guardduty"
	"github.com/keypivot/keypivot/aws/lookup"
	"github.com/keypivot/keypivot/investigate"
)

// --alerts guardduty: GuardDuty findings about access keys in every region of --regions
// (all enabled regions by default); --alerts guardduty:REGION,... searches those.
func init() {
	alertOpeners = append(alertOpeners, func(e *env, spec string) (investigate.AlertSource, bool, error) {
		regions, ok, err := awsAlertRegions(e, spec, "guardduty")
		if !ok || err != nil {
			return nil, ok, err
		}
		s, err := awsSession(e)
		if err != nil {
			return nil, true, err
		}
		return &guardduty.Source{Session: s, Regions: regions, ListRegions: func(ctx context.Context) ([]string, error) {
			return lookup.EnabledRegions(ctx, s)
		}}, true, nil
	})
}
