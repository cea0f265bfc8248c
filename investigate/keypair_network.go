package investigate

import (
	"fmt"
	"slices"
	"time"
)

// The rule one of keypivot's detections is built around (facts §1): an EC2 CreateKeyPair
// by a principal that never created one before, from a network whose autonomous system
// is not a major cloud provider's.
const (
	KeyPairRuleID   = "c8e4f1a2-9b3d-4c5e-a6f7-8b9c0d1e2f3a"
	KeyPairRuleName = "AWS EC2 CreateKeyPair by New Principal from Non-Cloud AS Organization"
)

// KeyPair.Rule: whether the call raises the rule's finding.
const (
	// RuleFires: a successful CreateKeyPair, the principal's first in the events
	// searched, from a known network that is no cloud provider's.
	RuleFires = "fires"
	// RuleNo: one of the conditions does not hold (RuleReason says which).
	RuleNo = "no"
	// RuleUnknown: the other conditions hold but no source could tell the network: the
	// rule cannot be evaluated (never read as "not from a non-cloud network").
	RuleUnknown = "unknown-network"
	// RuleNotApplicable: an ImportKeyPair. The rule is on CreateKeyPair; an imported key
	// gives the same access, and its persistence finding says so.
	RuleNotApplicable = "not-applicable"
)

// principalOf is who made a call, as the rule's "new principal" counts them:
// userIdentity.arn, else its principalId, else the signing key. A session's events
// carry the session's ARN (assumed-role/ROLE/SESSION); sessions of GetSessionToken carry
// the user's.
func principalOf(e *Event) string {
	return firstNonEmpty(e.Identity.ARN, e.Identity.PrincipalID, e.Signer())
}

// evaluateKeyPairs gives each key pair of the case its caller's address and network,
// says whether the call was its principal's first of its name (CreateKeyPair,
// ImportKeyPair) in the events searched, evaluates the CreateKeyPair rule on it, and
// adds the rule's finding where it fires. events are the events searched, oldest first.
func (c *Case) evaluateKeyPairs(events []*Event, r *networkResolver) {
	kps := c.FollowUps.KeyPairs
	if len(kps) == 0 {
		return
	}
	// The principal's successful calls of each name, oldest first: a key pair is its
	// principal's first when no earlier successful call of its name precedes it.
	type call struct{ principal, name string }
	earliest := map[call]*Event{}
	for _, e := range events {
		if e.Source != "ec2.amazonaws.com" || (e.Name != "CreateKeyPair" && e.Name != "ImportKeyPair") || e.Failed() {
			continue
		}
		k := call{principalOf(e), e.Name}
		if earliest[k] == nil {
			earliest[k] = e
		}
	}
	within := searchedWindow(c.Window, events)
	for i := range kps {
		kp := &kps[i]
		kp.Network = r.network(kp.SourceIP)
		kp.FirstIn = within
		if first := earliest[call{kp.Principal, kp.EventName}]; kp.ErrorCode == "" && first != nil {
			kp.FirstByPrincipal = first.ID == kp.EventID
			if !kp.FirstByPrincipal {
				kp.EarlierEvent = first.ID
			}
		}
		kp.Rule, kp.RuleReason = keyPairRule(kp)
		if kp.Rule == RuleFires {
			c.Findings = append(c.Findings, c.keyPairRuleFinding(kp))
		}
	}
	slices.SortStableFunc(c.Findings, func(a, b Finding) int { return a.Time.Compare(b.Time) })
}

// keyPairRule evaluates the rule on one key pair call, and says why.
func keyPairRule(kp *KeyPair) (verdict, reason string) {
	switch {
	case kp.EventName == "ImportKeyPair":
		return RuleNotApplicable, "the rule is on CreateKeyPair; an imported key gives the same access"
	case kp.ErrorCode != "":
		return RuleNo, "the call failed (" + kp.ErrorCode + "): no key pair was made"
	case !kp.FirstByPrincipal:
		return RuleNo, "not the principal's first CreateKeyPair in the data searched"
	}
	switch n := kp.Network; n.Class {
	case NetNonCloud:
		return RuleFires, "the principal's first CreateKeyPair, from " + n.Describe()
	case NetCloud:
		return RuleNo, "from a cloud provider's network: " + n.Describe()
	case NetAWSService:
		return RuleNo, "called through an AWS service (" + n.AWSService + "), not from a network"
	case NetPrivate:
		return RuleNo, "from a private address: no autonomous system"
	default:
		return RuleUnknown, "network unknown: " + n.UnknownReason()
	}
}

// keyPairRuleFinding is the rule's finding on a key pair call it fires on.
func (c *Case) keyPairRuleFinding(kp *KeyPair) Finding {
	detail := fmt.Sprintf("key pair %s in %s by %s from %s, %s; the principal's first CreateKeyPair in the data searched (%s); rule %s",
		kp.Name, kp.Region, kp.Principal, kp.SourceIP, kp.Network.Describe(), kp.FirstIn, KeyPairRuleID)
	for _, s := range c.Siblings {
		if s.RuleID == KeyPairRuleID && s.EventID == kp.EventID && s.EventID != "" {
			detail += "; Elastic raised it too: alert " + s.AlertID
			break
		}
	}
	return Finding{
		Category: CatPersistence, Severity: SeverityHigh, Title: KeyPairRuleName, Detail: detail,
		Time: kp.Time, EventIDs: []string{kp.EventID}, Action: "ec2:CreateKeyPair", Signer: kp.Signer,
		Region: kp.Region, Target: kp.Name,
	}
}

// keyPairRuleGaps names the key pair calls the rule could not be evaluated on for want
// of a network.
func (c *Case) keyPairRuleGaps() []string {
	var gaps []string
	for _, kp := range c.FollowUps.KeyPairs {
		if kp.Rule == RuleUnknown {
			gaps = append(gaps, fmt.Sprintf("%s: CreateKeyPair %s in %s from %s: %s", KeyPairRuleName, kp.Name, kp.Region, kp.SourceIP, kp.RuleReason))
		}
	}
	return gaps
}

// searchedWindow says which events a first-ness was judged in: the case's window, its
// open ends closed by the first and last event read.
func searchedWindow(w Window, events []*Event) string {
	at := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	if len(events) == 0 {
		return "window " + orOpen(w.Since, at) + " to " + orOpen(w.Until, at)
	}
	first, last := events[0].Time, events[len(events)-1].Time
	switch {
	case w.Since.IsZero() && w.Until.IsZero():
		return "window " + at(first) + " to " + at(last) + ", the events read"
	case w.Since.IsZero():
		return "window " + at(first) + " (the first event read) to " + at(w.Until)
	case w.Until.IsZero():
		return "window " + at(w.Since) + " to " + at(last) + " (the last event read)"
	}
	return "window " + at(w.Since) + " to " + at(w.Until)
}

// orOpen writes t, or "open" for a zero t.
func orOpen(t time.Time, at func(time.Time) string) string {
	if t.IsZero() {
		return "open"
	}
	return at(t)
}

// OriginText says where the call came from: "from 198.51.100.23: AS64501 Vectrolink
// Broadband LLC [non-cloud] (alert, elastic-event)".
func (kp *KeyPair) OriginText() string {
	if kp.SourceIP == "" {
		return "no source address recorded"
	}
	return "from " + kp.SourceIP + ": " + kp.Network.Summary()
}

// FirstText says whether the call was its principal's first of its name in the data
// searched, and which data that was.
func (kp *KeyPair) FirstText() string {
	switch {
	case kp.ErrorCode != "":
		return "failed: not counted as the principal's first " + kp.EventName
	case kp.FirstByPrincipal:
		return "first " + kp.EventName + " by " + kp.Principal + " in the data searched (" + kp.FirstIn + ")"
	case kp.EarlierEvent != "":
		return "not the first " + kp.EventName + " by " + kp.Principal + " in the data searched (earlier: event " + kp.EarlierEvent + "; " + kp.FirstIn + ")"
	}
	return "first-ness not judged"
}

// RuleText says what the CreateKeyPair rule makes of the call, and why.
func (kp *KeyPair) RuleText() string {
	verdict := map[string]string{RuleFires: "fires", RuleNo: "does not fire", RuleUnknown: "not evaluated", RuleNotApplicable: "not applicable"}[kp.Rule]
	if verdict == "" {
		return "rule not evaluated"
	}
	return "rule \"" + KeyPairRuleName + "\" " + verdict + ": " + kp.RuleReason
}
