package main

import (
	"context"
	"strings"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/aws/guardduty"
	"github.com/keypivot/keypivot/aws/lookup"
	"github.com/keypivot/keypivot/aws/securityhub"
	"github.com/keypivot/keypivot/investigate"
)

// openSecurityHub opens --alerts securityhub: Security Hub findings about access keys.
// Named regions (--regions r1,r2 or --alerts securityhub:REGION,...) are searched
// exactly; with --regions all the account's finding aggregator decides (docs/sources.md).
func openSecurityHub(b *builder, spec string) (investigate.AlertSource, error) {
	s, regions, err := b.findingScope(spec, "securityhub")
	if err != nil {
		return nil, err
	}
	return &securityhub.Source{Session: s, Regions: regions, ListRegions: enabledRegions(s)}, nil
}

// openGuardDuty opens --alerts guardduty: GuardDuty findings about access keys in every
// region of --regions (all enabled regions by default); --alerts guardduty:REGION,...
// searches those.
func openGuardDuty(b *builder, spec string) (investigate.AlertSource, error) {
	s, regions, err := b.findingScope(spec, "guardduty")
	if err != nil {
		return nil, err
	}
	return &guardduty.Source{Session: s, Regions: regions, ListRegions: enabledRegions(s)}, nil
}

// findingScope is the session and the regions of an AWS findings source: spec is "kind"
// (the regions of --regions, nil for all) or "kind:REGION,...".
func (b *builder) findingScope(spec, kind string) (*awsconfig.Session, []string, error) {
	regions, err := findingRegions(b.g, spec, kind)
	if err != nil {
		return nil, nil, err
	}
	s, err := b.awsSession()
	return s, regions, err
}

func findingRegions(g *Globals, spec, kind string) ([]string, error) {
	list, named := strings.CutPrefix(spec, kind+":")
	if !named {
		return g.regionList()
	}
	regions, bad := splitList(list, regionName)
	if bad != "" {
		return nil, usageErr("--alerts %s: %q is not a region name (like eu-west-1)", spec, bad)
	}
	if len(regions) == 0 {
		return nil, usageErr("--alerts %s: name at least one region after %s:", spec, kind)
	}
	return regions, nil
}

// enabledRegions lists the regions enabled in the session's account.
func enabledRegions(s *awsconfig.Session) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) { return lookup.EnabledRegions(ctx, s) }
}
