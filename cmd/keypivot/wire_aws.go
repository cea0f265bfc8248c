package main

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/keypivot/keypivot/aws/artifactlive"
	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/aws/ec2live"
	"github.com/keypivot/keypivot/aws/owner"
	"github.com/keypivot/keypivot/aws/remediate"
	"github.com/keypivot/keypivot/investigate"
)

// awsSession is the process's AWS session: --profile and --region (else the SDK's
// environment and shared config), credentials resolved now (an MFA code asked for now,
// before any screen takes the terminal), the caller identity, and --read-only enforced in
// every client made from it.
func (b *builder) awsSession() (*awsconfig.Session, error) {
	if b.session != nil {
		return b.session, nil
	}
	// Bad flags are usage errors, found before any network call.
	if _, err := b.g.regionList(); err != nil {
		return nil, err
	}
	if _, err := b.g.accountProfiles(); err != nil {
		return nil, err
	}
	s, err := awsconfig.Load(b.ctx, awsconfig.Options{Profile: b.g.Profile, Region: b.g.Region, ReadOnly: b.g.ReadOnly})
	if err != nil {
		return nil, withCode(exitError, err)
	}
	b.session = s
	return s, nil
}

// awsAccounts are the sessions of --account-profile, each checked to be in the account it
// is given for.
func (b *builder) awsAccounts() (map[string]*awsconfig.Session, error) {
	if b.accounts != nil {
		return b.accounts, nil
	}
	profiles, err := b.g.accountProfiles()
	if err != nil {
		return nil, err
	}
	out := map[string]*awsconfig.Session{}
	for _, acct := range slices.Sorted(maps.Keys(profiles)) {
		p := profiles[acct]
		s, err := awsconfig.Load(b.ctx, awsconfig.Options{Profile: p, Region: b.g.Region, ReadOnly: b.g.ReadOnly})
		if err != nil {
			return nil, withCode(exitError, fmt.Errorf("--account-profile %s=%s: %w", acct, p, err))
		}
		if s.Identity.Account != acct {
			return nil, usageErr("--account-profile %s=%s: profile %s is account %s (%s), not %s", acct, p, p, s.Identity.Account, s.Identity.ARN, acct)
		}
		out[acct] = s
	}
	b.accounts = out
	return out, nil
}

// addAWS completes a wiring that uses AWS: the key's owner and the follow-ups' live state
// read live, and remediation in AWS. It describes profile, region and caller.
func (b *builder) addAWS() (string, error) {
	if !b.g.awsRequested() {
		return "", nil
	}
	s, err := b.awsSession()
	if err != nil {
		return "", err
	}
	accounts, err := b.awsAccounts()
	if err != nil {
		return "", err
	}
	ws := b.w.Workspace
	ws.Owner = &owner.Lookup{Session: s, Accounts: accounts}
	ws.Live = &ec2live.Lookup{Session: s, Accounts: accounts}
	ws.Artifacts = &artifactlive.Lookup{Session: s, Accounts: accounts}
	// Every account keypivot has a session for: the profile's and --account-profile's.
	all := map[string]*awsconfig.Session{s.Identity.Account: s}
	maps.Copy(all, accounts)
	b.w.Remediator = func(_ context.Context, c *investigate.Case) (investigate.Remediator, error) {
		// Act with the session of the key's own account when there is one; actions on
		// other accounts (a role the key assumed there) use theirs.
		if o := accounts[c.Owner.Account]; o != nil {
			return &remediate.Remediator{Session: o, Accounts: all}, nil
		}
		return &remediate.Remediator{Session: s, Accounts: all}, nil
	}
	desc := s.Describe()
	if len(accounts) > 0 {
		desc += " (+" + investigate.Plural(len(accounts), "account profile") + ")"
	}
	return desc, nil
}
