package main

import (
	"context"
	"strings"

	"github.com/keypivot/keypivot/aws/lookup"
	"github.com/keypivot/keypivot/aws/securityhub"
	"github.com/keypivot/keypivot/investigate"
)

// --alerts securityhub: Security Hub findings about access keys. Named regions (--regions
// r1,r2 or --alerts securityhub:REGION,...) are searched exactly; with --regions all the
// account's finding aggregator decides (docs/sources.md).
func init() {
	alertOpeners = append(alertOpeners, func(e *env, spec string) (investigate.AlertSource, bool, error) {
		regions, ok, err := awsAlertRegions(e, spec, "securityhub")
		if !ok || err != nil {
			return nil, ok, err
		}
		s, err := awsSession(e)
		if err != nil {
			return nil, true, err
		}
		return &securityhub.Source{Session: s, Regions: regions, ListRegions: func(ctx context.Context) ([]string, error) {
			return lookup.EnabledRegions(ctx, s)
		}}, true, nil
	})
}

// awsAlertRegions reads an AWS alert source's spec: "kind" (the regions of --regions,
// nil for all) or "kind:REGION,...". ok is false when spec is another kind.
func awsAlertRegions(e *env, spec, kind string) (regions []string, ok bool, err error) {
	if spec == kind {
		regions, err = e.g.regionList()
		return regions, true, err
	}
	list, found := strings.CutPrefix(spec, kind+":")
	if !found {
		return nil, false, nil
	}
	for _, r := range strings.Split(list, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if !regionName.MatchString(r) {
			return nil, true, usageErr("--alerts %s: %q is not a region name (like eu-west-1)", spec, r)
		}
		regions = append(regions, r)
	}
	if len(regions) == 0 {
		return nil, true, usageErr("--alerts %s: name at least one region after %s:", spec, kind)
	}
	return regions, true, nil
}
