package main

import (
	"github.com/keypivot/keypivot/aws/lookup"
	"github.com/keypivot/keypivot/investigate"
)

// openLookup opens --trail lookup: CloudTrail LookupEvents in every enabled region (or
// --regions) of the key's account, the last 90 days at most (docs/aws.md).
func openLookup(b *builder, _ string) (investigate.EventSource, error) {
	regions, err := b.g.regionList()
	if err != nil {
		return nil, err
	}
	s, err := b.awsSession()
	if err != nil {
		return nil, err
	}
	accounts, err := b.awsAccounts()
	if err != nil {
		return nil, err
	}
	return &lookup.Source{Session: s, Accounts: accounts, Regions: regions, Limiters: lookup.Shared}, nil
}
