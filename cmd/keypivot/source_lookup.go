package main

import (
	"github.com/keypivot/keypivot/aws/lookup"
	"github.com/keypivot/keypivot/investigate"
)

// --trail lookup: CloudTrail LookupEvents in every enabled region (or --regions) of the
// key's account, the last 90 days at most (docs/aws.md).
func init() {
	trailOpeners = append(trailOpeners, func(e *env, spec string) (investigate.EventSource, bool, error) {
		if spec != "lookup" {
			return nil, false, nil
		}
		regions, err := e.g.regionList()
		if err != nil {
			return nil, true, err
		}
		s, err := awsSession(e)
		if err != nil {
			return nil, true, err
		}
		accounts, err := awsAccounts(e)
		if err != nil {
			return nil, true, err
		}
		return &lookup.Source{Session: s, Accounts: accounts, Regions: regions, Limiters: lookup.Shared}, true, nil
	})
}
