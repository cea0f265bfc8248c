package main

import (
	"regexp"
	"strings"
)

// AWSFlags configure the AWS adapters. Credentials come from aws-sdk-go-v2's default
// chain (profiles, SSO, assume-role with MFA, environment), resolved before any screen
// opens. The SDK itself reads AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL[_<SERVICE>] and
// AWS_CA_BUNDLE: they are not bound to the flags, so that a shell that merely has
// AWS_REGION set does not make a local-files investigation call AWS (docs/aws.md).
type AWSFlags struct {
	Profile         string            `name:"profile" placeholder:"NAME" help:"AWS profile (default: AWS_PROFILE, then the default chain)."`
	Region          string            `name:"region" placeholder:"REGION" help:"AWS region for global calls (default: AWS_REGION, the profile's, then us-east-1)."`
	Regions         string            `name:"regions" placeholder:"all|r1,r2" default:"all" help:"Regions searched by CloudTrail lookups, GuardDuty and Security Hub, and read in trail archives (all: every enabled region; Security Hub then follows its finding aggregator; us-east-1 is always searched by lookups)."`
	Live            bool              `name:"live" help:"Look up the key's owner and the follow-ups' live state in AWS even when no AWS source is used (deactivate, reactivate, undo and journal --resume always do, unless --demo)."`
	AccountProfiles map[string]string `name:"account-profile" placeholder:"ACCOUNT=PROFILE" help:"Profile for another account (repeatable): keys, sessions and instances of that account are read and acted on with it."`
}

var regionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// regionList is --regions as a list; nil means every enabled region.
func (f *AWSFlags) regionList() ([]string, error) {
	return allOrList("--regions", f.Regions, regionName, "a region name (like eu-west-1)")
}

// accountProfiles checks --account-profile: twelve-digit account ids, named profiles.
func (f *AWSFlags) accountProfiles() (map[string]string, error) {
	for acct, p := range f.AccountProfiles {
		if !accountID.MatchString(acct) {
			return nil, usageErr("--account-profile %s=%s: %q is not a 12-digit account id", acct, p, acct)
		}
		if strings.TrimSpace(p) == "" {
			return nil, usageErr("--account-profile %s=: name a profile", acct)
		}
	}
	return f.AccountProfiles, nil
}

// awsRequested reports whether the command uses AWS: an AWS source, --profile, --region,
// --account-profile or --live.
func (g *Globals) awsRequested() bool {
	return g.Profile != "" || g.Region != "" || g.Live || len(g.AccountProfiles) > 0 ||
		trailSources.usesAWS(g.Trail) || alertSources.usesAWS(g.Alerts)
}

// actInAWS makes a command that writes to AWS read AWS as --live does. deactivate,
// reactivate, undo and journal --resume act on nothing but AWS (or, with --demo, the
// demo's simulated account): like the AWS CLI, they take the default credential chain
// and look the key's owner up live, with no --live to remember. Without it a shell
// holding AWS credentials but naming no source would get the demo's workspace, which
// knows nothing of a real key, and a deactivation refused for want of the key's user.
func (g *Globals) actInAWS() {
	if !g.Demo {
		g.Live = true
	}
}
