package investigate

import (
	"fmt"
	"strings"
	"time"
)

// Console access from an access key. Two ways lead from a key to the AWS console:
//   - GetFederationToken issues a federated user's session; the federation endpoint
//     turns it into a sign-in token (GetSigninToken, signin.amazonaws.com) and the token
//     into a console session (ConsoleLogin as the federated user). Tools such as
//     aws_consoler do it in seconds; Elastic raises "AWS GetFederationToken Followed by
//     Console Login via Federation Exchange" (065a9a1b-9e48-45a1-8fa5-72373245847c).
//   - CreateLoginProfile (or UpdateLoginProfile) gives an IAM user a password; the
//     attacker then signs in as that user (ConsoleLogin as the IAM user).
// A ConsoleLogin carries no access key: a search by key does not return it. The case
// ties it when it is among the events read (by the federated user's ARN or the user's
// name), and says it was not found otherwise.

// maxFederationSession is the longest a GetFederationToken session lasts (36 hours).
const maxFederationSession = 36 * time.Hour

func ownsSignin(e *Event) bool {
	return (e.Name == "ConsoleLogin" || e.Name == "GetSigninToken") && e.Service() == "signin"
}

// consoleChain is one way to the console the key opened, and the sign-in events that
// used it.
type consoleChain struct {
	start   *Event // GetFederationToken, CreateLoginProfile or UpdateLoginProfile
	who     string // the federated user's or the IAM user's name
	signins []*Event
}

// consoleChains finds the federation tokens and login profiles the case's keys made,
// and the sign-ins of all that used them, after them.
func consoleChains(own, all []*Event) []consoleChain {
	var signins []*Event
	for _, e := range all {
		if ownsSignin(e) {
			signins = append(signins, e)
		}
	}
	var chains []consoleChain
	for _, e := range own {
		if e.Failed() {
			continue
		}
		var match func(*Event) bool
		c := consoleChain{start: e}
		switch e.Name {
		case "GetFederationToken":
			s, ok := IssuedSession(e)
			if !ok {
				continue
			}
			fedARN := responseOf(e).str("federatedUser.arn")
			c.who = firstNonEmpty(s.FederatedUser, requestOf(e).str("name"))
			until := s.Expiration
			if until.IsZero() {
				until = e.Time.Add(maxFederationSession)
			}
			match = func(x *Event) bool {
				return !x.Time.After(until) && (x.Signer() == s.AccessKeyID || fedARN != "" && strings.EqualFold(x.Identity.ARN, fedARN))
			}
		case "CreateLoginProfile", "UpdateLoginProfile":
			c.who = requestOf(e).str("userName")
			acct := e.Account()
			if c.who == "" {
				continue
			}
			match = func(x *Event) bool {
				return x.Name == "ConsoleLogin" && x.Identity.Type == "IAMUser" && strings.EqualFold(x.Identity.UserName, c.who) &&
					(acct == "" || x.Account() == "" || x.Account() == acct)
			}
		default:
			continue
		}
		for _, x := range signins {
			if !x.Time.Before(e.Time) && match(x) {
				c.signins = append(c.signins, x)
			}
		}
		chains = append(chains, c)
	}
	return chains
}

// consoleFindings raises a finding for each way to the console that was used, and one
// for each sign-in event of the case's own keys that none explains.
func consoleFindings(in *patternInput) []Finding {
	var out []Finding
	explained := map[string]bool{}
	for _, c := range in.chains {
		if len(c.signins) == 0 {
			continue
		}
		for _, x := range c.signins {
			explained[x.ID] = true
		}
		out = append(out, chainFinding(c))
	}
	for _, e := range in.own {
		if !ownsSignin(e) || explained[e.ID] {
			continue
		}
		f := Finding{Category: CatInitialAccess, Severity: SeverityHigh, Time: e.Time, EventIDs: []string{e.ID}, Action: e.Action(),
			Signer: e.Signer(), Region: e.Region, ErrorCode: e.ErrorCode, Title: e.Name}
		if e.Name == "GetSigninToken" {
			f.Title = "GetSigninToken (a console sign-in token)"
		}
		f.Detail = signinText(e)
		out = append(out, f)
	}
	return out
}

func chainFinding(c consoleChain) Finding {
	var logins, failedLogins, tokens tally
	var lines []string
	for _, x := range c.signins {
		switch {
		case x.Name == "GetSigninToken":
			tokens.add(x)
		case consoleLoginFailed(x):
			failedLogins.add(x)
		default:
			logins.add(x)
		}
		if len(lines) < 3 {
			lines = append(lines, x.Name+" "+signinText(x))
		}
	}
	via := c.start.Name
	f := Finding{Category: CatInitialAccess, Signer: c.start.Signer(), Action: "signin:ConsoleLogin", Target: c.who}
	switch {
	case logins.calls > 0:
		f.Severity = SeverityCritical
		f.Title = fmt.Sprintf("console access via %s: %s as %s", via, Plural(logins.calls, "ConsoleLogin"), c.who)
	case tokens.ok() > 0:
		f.Severity, f.Action = SeverityHigh, "signin:GetSigninToken"
		f.Title = fmt.Sprintf("console sign-in token via %s for %s", via, c.who)
	default:
		f.Severity = SeverityHigh
		f.Title = fmt.Sprintf("console sign-in via %s attempted as %s, failed", via, c.who)
	}
	if len(c.signins) > len(lines) {
		lines = append(lines, fmt.Sprintf("and %d more sign-in events", len(c.signins)-len(lines)))
	}
	f.Detail = strings.Join(lines, "; ")
	f.EventIDs = []string{c.start.ID}
	merge(&f, &logins, &tokens, &failedLogins)
	f.Time = c.start.Time
	return f
}

// consoleLoginFailed reports whether a ConsoleLogin was refused.
func consoleLoginFailed(e *Event) bool {
	return e.Failed() || strings.EqualFold(responseOf(e).str("ConsoleLogin"), "Failure")
}

// signinText says where a sign-in event came from and, for a ConsoleLogin, whether MFA
// was used and whether it failed: "from 203.0.113.9 at 2026-03-11T13:03:05Z, MFA No".
func signinText(e *Event) string {
	s := "from " + firstNonEmpty(e.SourceIP, "an unknown address") + " at " + e.Time.UTC().Format(time.RFC3339)
	if e.Name != "ConsoleLogin" {
		return s
	}
	if mfa := additionalOf(e).str("MFAUsed"); mfa != "" {
		s += ", MFA " + mfa
	}
	if consoleLoginFailed(e) {
		s += ", failed"
		if m := e.ErrorMessage; m != "" {
			s += " (" + m + ")"
		}
	}
	return s
}

// consoleSignins counts, for each successful GetFederationToken, CreateLoginProfile or
// UpdateLoginProfile of the case's keys (its chains, consoleChains), the sign-ins that
// used it among the events read.
func consoleSignins(chains []consoleChain) map[string]int {
	out := map[string]int{}
	for _, c := range chains {
		out[c.start.ID] = len(c.signins)
	}
	return out
}

// noSigninText says that no sign-in used a federation token or login profile, and what
// was searched.
func noSigninText(e *Event) string {
	who := requestOf(e).str("userName")
	if e.Name == "GetFederationToken" {
		who = "federated user " + requestOf(e).str("name")
	}
	return "no console sign-in as " + who + " in the events read (a ConsoleLogin carries no access key: a search by key does not return it)"
}
