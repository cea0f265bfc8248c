package main

import (
	"context"
	"fmt"
	"maps"

	"sort"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/aws/ec2live"
	"github.com/keypivot/keypivot/aws/owner"
	"github.com/keypivot/keypivot/aws/remediate"
	"github.com/keypivot/keypivot/files/journal"
	"github.com/keypivot/keypivot/investigate"
)

// Keys of env.shared.
const (
	sharedAWSSession  = "aws:session"
	sharedAWSAccounts = "aws:accounts"
)

func init() {
	// Before any AWS source opens, load the one AWS session of the process, so that every
	// AWS adapter signs with the same credentials and goes through the same read-only guard.
	trailOpeners = append([]trailOpener{func(e *env, spec string) (investigate.EventSource, bool, error) {
		if isAWSTrail(spec) {
			if _, err := awsSession(e); err != nil {
				return nil, true, err
			}
		}
		return nil, false, nil
	}}, trailOpeners...)
	alertOpeners = append([]alertOpener{func(e *env, spec string) (investigate.AlertSource, bool, error) {
		if isAWSAlerts(spec) {
			if _, err := awsSession(e); err != nil {
				return nil, true, err
			}
		}
		return nil, false, nil
	}}, alertOpeners...)
	wiringHooks = append(wiringHooks, wireAWS)
}

// awsSession is the process's AWS session: --profile and --region (else the SDK's
// environment and shared config), credentials resolved now (an MFA code asked for now,
// before any screen takes the terminal), the caller identity, and --read-only enforced in
// every client made from it.
func awsSession(e *env) (*awsconfig.Session, error) {
	if s, ok := e.shared[sharedAWSSession].(*awsconfig.Session); ok {
		return s, nil
	}
	// Bad flags are usage errors, found before any network call.
	if _, err := e.g.regionList(); err != nil {
		return nil, err
	}
	if _, err := e.g.accountProfiles(); err != nil {
		return nil, err
	}
	s, err := awsconfig.Load(e.ctx, awsconfig.Options{Profile: e.g.Profile, Region: e.g.Region, ReadOnly: e.g.ReadOnly})
	if err != nil {
		return nil, withCode(exitError, err)
	}
	e.shared[sharedAWSSession] = s
	return s, nil
}

// awsAccounts are the sessions of --account-profile, each checked to be in the account it
// is given for.
func awsAccounts(e *env) (map[string]*awsconfig.Session, error) {
	if m, ok := e.shared[sharedAWSAccounts].(map[string]*awsconfig.Session); ok {
		return m, nil
	}
	profiles, err := e.g.accountProfiles()
	if err != nil {
		return nil, err
	}
	accts := make([]string, 0, len(profiles))
	for a := range profiles {
		accts = append(accts, a)
	}
	sort.Strings(accts)
	out := map[string]*awsconfig.Session{}
	for _, acct := range accts {
		p := profiles[acct]
		s, err := awsconfig.Load(e.ctx, awsconfig.Options{Profile: p, Region: e.g.Region, ReadOnly: e.g.ReadOnly})
		if err != nil {
			return nil, withCode(exitError, fmt.Errorf("--account-profile %s=%s: %w", acct, p, err))
		}
		if s.Identity.Account != acct {
			return nil, usageErr("--account-profile %s=%s: profile %s is account %s (%s), not %s", acct, p, p, s.Identity.Account, s.Identity.ARN, acct)
		}
		out[acct] = s
	}
	e.shared[sharedAWSAccounts] = out
	return out, nil
}

// wireAWS completes a wiring that uses AWS: the key's owner and the follow-ups' live state
// read live, remediation in AWS, and the header naming profile, region and caller.
func wireAWS(e *env) error {
	if !e.g.awsRequested() {
		return nil
	}
	s, err := awsSession(e)
	if err != nil {
		return err
	}
	accounts, err := awsAccounts(e)
	if err != nil {
		return err
	}
	ws := e.w.Workspace
	if ws.Owner == nil {
		ws.Owner = &owner.Lookup{Session: s, Accounts: accounts}
	}
	if ws.Live == nil {
		ws.Live = &ec2live.Lookup{Session: s, Accounts: accounts}
	}
	if e.w.Remediator == nil {
		// Every account keypivot has a session for: the profile's and --account-profile's.
		all := map[string]*awsconfig.Session{s.Identity.Account: s}
		maps.Copy(all, accounts)
		e.w.Remediator = func(_ context.Context, c *investigate.Case) (investigate.Remediator, error) {
			// Act with the session of the key's own account when there is one; actions on
			// other accounts (a role the key assumed there) use theirs.
			if o := accounts[c.Owner.Account]; o != nil {
				return &remediate.Remediator{Session: o, Accounts: all}, nil
			}
			return &remediate.Remediator{Session: s, Accounts: all}, nil
		}
	}
	desc := s.Describe()
	if len(accounts) > 0 {
		desc += fmt.Sprintf(" (+%d account profiles)", len(accounts))
	}
	if ws.Describe == "" {
		ws.Describe = desc
	} else {
		ws.Describe += "; " + desc
	}
	return nil
}

// wireAct is the wiring of the commands that act. With AWS requested and no source at
// all, it is AWS alone (the owner lookup names the key's user), not the demo that wire
// would fall back to.
func wireAct(ctx context.Context, g *Globals) (*Wiring, error) {
	if g.Demo || len(g.Trail) > 0 || len(g.Alerts) > 0 || g.Elastic != "" || !g.awsRequested() {
		return wire(ctx, g)
	}
	jp := g.JournalPath
	if jp == "" {
		jp = journal.DefaultPath()
	}
	w := &Wiring{JournalPath: jp, ReadOnly: g.ReadOnly}
	w.Workspace = &investigate.Workspace{Correlation: g.Correlation(), Window: g.Window()}
	e := &env{ctx: ctx, g: g, w: w, shared: map[string]any{}}
	for _, h := range wiringHooks {
		if err := h(e); err != nil {
			w.Close()
			return nil, err
		}
	}
	return w, nil
}
