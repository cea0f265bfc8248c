package investigate

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// QuarantinePolicyPrefix starts the names of AWS's compromised-key quarantine policies
// (AWSCompromisedKeyQuarantine, V2, V3, V4 and any later version).
const QuarantinePolicyPrefix = "AWSCompromisedKeyQuarantine"

// Quarantine is AWS's compromised-key quarantine policy on the key's user: AWS attaches
// it when it finds the key exposed. It denies a fixed list of actions; everything else
// stays allowed to whoever holds the key.
type Quarantine struct {
	PolicyARN string `json:"policy_arn"`
	// Version is V1 for the first policy, else the suffix of its name (V2, V3, V4...).
	Version string `json:"version"`
	// Sources say how it is known: cloudtrail (its AttachUserPolicy event), iam (the
	// user's attached policies, live).
	Sources []string  `json:"sources"`
	EventID string    `json:"event_id"`
	Time    time.Time `json:"time,omitzero"`
	// Attached is what a live lookup said (nil without one): false when it was detached
	// since.
	Attached *bool `json:"attached"`
	// RemovedBy is a DetachUserPolicy event of the trail that removed it.
	RemovedBy string `json:"removed_by_event"`
	// Denies are the actions it denies: read from the policy's default version when a
	// live lookup could (DeniesFromPolicy), otherwise those known to every version (at
	// least these).
	Denies           []string `json:"denies"`
	DeniesFromPolicy bool     `json:"denies_from_policy"`
	// StillAllows says what the key can still do under it.
	StillAllows string `json:"still_allows"`
}

// InEffect reports whether the quarantine is (as far as the sources tell) still attached.
func (q *Quarantine) InEffect() bool {
	if q == nil {
		return false
	}
	if q.Attached != nil {
		return *q.Attached
	}
	return q.RemovedBy == ""
}

// Summary is one line for headers and plans.
func (q *Quarantine) Summary() string {
	if q == nil {
		return ""
	}
	state := "attached"
	switch {
	case q.Attached != nil && !*q.Attached:
		state = "was attached, detached since (live)"
	case q.Attached == nil && q.RemovedBy != "":
		state = "was attached, detached by event " + q.RemovedBy
	}
	return fmt.Sprintf("AWS quarantine policy %s (%s) %s: %s", ShortTarget(q.PolicyARN), q.Version, state, q.StillAllows)
}

// quarantineKnownDenies are actions every version of the quarantine policy denies
// (facts §3); V2 and later also deny cloudtrail:LookupEvents.
var quarantineKnownDenies = []string{
	"ec2:RunInstances", "ec2:StartInstances", "iam:CreateAccessKey", "iam:CreateUser", "iam:CreateLoginProfile",
	"iam:Attach*Policy", "iam:Put*Policy", "iam:UpdateAssumeRolePolicy", "lambda:CreateFunction",
}

// stillAllowedExamples are actions an attacker wants after the quarantine: the ones its
// policy does not deny are named as still allowed.
var stillAllowedExamples = []string{
	"s3:GetObject", "secretsmanager:GetSecretValue", "ssm:GetParameter", "sts:AssumeRole", "sts:GetSessionToken",
	"sts:GetFederationToken", "ec2:DescribeInstances", "iam:ListUsers", "bedrock:InvokeModel", "ses:SendEmail",
}

// QuarantineVersion names the version of a quarantine policy from its ARN or name.
func QuarantineVersion(arn string) string {
	v := strings.TrimPrefix(ARNName(arn), QuarantinePolicyPrefix)
	if v == "" {
		return "V1"
	}
	return v
}

// IsQuarantinePolicy reports whether a policy ARN is one of AWS's quarantine policies:
// an AWS-managed policy (arn:PARTITION:iam::aws:policy/...), never a customer's policy of
// the same name (an attacker may name one so).
func IsQuarantinePolicy(arn string) bool {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || parts[4] != "aws" || !strings.HasPrefix(parts[5], "policy/") {
		return false
	}
	return strings.HasPrefix(ARNName(arn), QuarantinePolicyPrefix)
}

// buildQuarantine finds AWS's quarantine policy on user: from the trail (any signer: it
// is AWS that attaches it), then from a live lookup, which wins.
func buildQuarantine(all []*Event, user string, live *OwnerInfo) *Quarantine {
	var q *Quarantine
	for _, e := range all {
		if e.Name != "AttachUserPolicy" || e.Source != "iam.amazonaws.com" || e.Failed() || user == "" {
			continue
		}
		req := decodeObject(e.Request())
		arn := req.str("policyArn")
		if !IsQuarantinePolicy(arn) || req.str("userName") != user {
			continue
		}
		q = &Quarantine{PolicyARN: arn, Version: QuarantineVersion(arn), Sources: []string{"cloudtrail"}, EventID: e.ID, Time: e.Time}
	}
	if q != nil {
		for _, e := range all {
			if e.Name == "DetachUserPolicy" && e.Source == "iam.amazonaws.com" && !e.Failed() && e.Time.After(q.Time) {
				req := decodeObject(e.Request())
				if req.str("policyArn") == q.PolicyARN && req.str("userName") == user {
					q.RemovedBy = e.ID
				}
			}
		}
	}
	if live != nil && live.AttachedPolicies != nil {
		var found string
		for _, p := range live.AttachedPolicies {
			if IsQuarantinePolicy(p) {
				found = p
			}
		}
		switch {
		case found != "" && q == nil:
			q = &Quarantine{PolicyARN: found, Version: QuarantineVersion(found)}
		case found != "" && q.PolicyARN != found:
			q.PolicyARN, q.Version = found, QuarantineVersion(found)
		}
		if q != nil {
			attached := found != ""
			q.Attached = &attached
			q.Sources = appendUnique(q.Sources, "iam")
			if d, ok := live.PolicyDenies[q.PolicyARN]; ok && attached {
				q.Denies, q.DeniesFromPolicy = slices.Clone(d), true
			}
		}
	}
	if q == nil {
		return nil
	}
	if !q.DeniesFromPolicy {
		q.Denies = slices.Clone(quarantineKnownDenies)
		if q.Version != "V1" {
			q.Denies = append(q.Denies, "cloudtrail:LookupEvents")
		}
	}
	q.StillAllows = stillAllows(q)
	return q
}

// stillAllows says what the key can do under the quarantine.
func stillAllows(q *Quarantine) string {
	var open []string
	for _, a := range stillAllowedExamples {
		if !actionMatchesAny(a, q.Denies) {
			open = append(open, a)
		}
	}
	denies := "it denies " + Plural(len(q.Denies), "action") + " (" + strings.Join(q.Denies, ", ") + ")"
	if !q.DeniesFromPolicy {
		denies = "it denies at least " + strings.Join(q.Denies, ", ") + " (read its default version, iam:GetPolicyVersion, for the whole list)"
	}
	return denies + "; every other action stays allowed to whoever holds the key, e.g. " + strings.Join(open, ", ") + ": deactivate the key"
}

// actionMatchesAny reports whether action matches one of the IAM action patterns (case
// does not matter; * and ? are wildcards).
func actionMatchesAny(action string, patterns []string) bool {
	action = strings.ToLower(action)
	for _, p := range patterns {
		if ok, _ := path.Match(strings.ToLower(p), action); ok || p == "*" {
			return true
		}
	}
	return false
}
