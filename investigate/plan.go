package investigate

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Plan is the remediation proposed for a case.
type Plan struct {
	Key     string   `json:"key"`
	Actions []Action `json:"actions"`
	Notes   []string `json:"notes"`
}

// PlanRemediation proposes the actions for a case: deactivate the key, revoke the
// sessions derived from it (the user's and each assumed role's), stop instances launched
// through the follow-ups. caller, when known, drives the self-lockout checks. now is the
// revocation cut-off.
func PlanRemediation(c *Case, caller *Caller, now time.Time) Plan {
	key := c.Key.String()
	now = now.UTC().Truncate(time.Second)
	p := Plan{Key: key, Notes: []string{}}
	user := c.Owner.User
	acct := c.Owner.Account

	deact := keyStatusAction(key, user, acct, "Inactive")
	deact.Group, deact.Resource = GroupKey, key
	deact.Affects = append(deact.Affects, "every caller using "+key+" gets InvalidClientTokenId from now on (the key is kept, not deleted)")
	if c.Owner.LastUsed != nil && !c.Owner.LastUsed.Date.IsZero() {
		deact.Affects = append(deact.Affects, LastUsedText(c.Owner.LastUsed))
	}
	for _, k := range c.Owner.OtherKeys {
		if k.AccessKeyID != key {
			deact.Untouched = append(deact.Untouched, fmt.Sprintf("the user's other key %s (%s) stays usable", k.AccessKeyID, k.Status))
		}
	}
	for _, k := range c.CreatedAccessKeys {
		deact.Untouched = append(deact.Untouched, fmt.Sprintf("key %s, created by this key's lineage for %s, stays usable: deactivate it too (--contain-children)", k.AccessKeyID, k.User))
	}
	if q := c.Quarantine; q.InEffect() {
		deact.Affects = append(deact.Affects, "AWS's quarantine policy "+ShortTarget(q.PolicyARN)+" ("+q.Version+") stays attached; until this runs, "+q.StillAllows)
	}
	valid := 0
	for _, s := range c.Sessions {
		if s.ValidAtGeneration {
			valid++
		}
	}
	if valid > 0 {
		deact.Untouched = append(deact.Untouched, Plural(valid, "derived session")+" "+pluralVerb(valid, "stays", "stay")+" valid until "+pluralVerb(valid, "it expires", "they expire")+" (up to 36 h): revoke "+pluralVerb(valid, "it", "them")+" separately")
	}
	switch {
	case user == "" && !c.Owner.Root:
		deact.Refusal = "the key's user name is unknown: UpdateAccessKey needs it (configure a live owner lookup or a trail source)"
		if len(c.Events) == 0 {
			deact.Refusal += "; " + c.Completeness.Events.NoneIn("the key was not seen")
		}
	case c.Owner.Root:
		deact.Refusal = "a root access key cannot be deactivated through IAM UpdateAccessKey by another principal: sign in as root and delete it"
	case c.Owner.Status == "Inactive":
		deact.Warnings = append(deact.Warnings, "the key is already Inactive")
	}
	applyCallerChecks(&deact, c, caller)
	p.Actions = append(p.Actions, deact)

	if user != "" && !c.Owner.Root {
		// Offered whether or not sessions were seen: GetSessionToken and
		// GetFederationToken sessions may exist that the sources did not cover.
		a := userRevocation(c, user, acct, caller, now)
		if n := userSessions(c); n == 0 {
			a.Warnings = append(a.Warnings, "no session issued to the user was seen in the sources: revoke anyway if their coverage is incomplete"+gapsNote(c))
		}
		applyCallerChecks(&a, c, caller)
		p.Actions = append(p.Actions, a)
	}
	var roles []string
	for _, s := range c.Sessions {
		if s.RoleARN != "" && !slices.Contains(roles, s.RoleARN) {
			roles = append(roles, s.RoleARN)
		}
	}
	for _, role := range roles {
		name := ARNName(role)
		a := Action{
			ID: ActRevokeRoleSessions + ":" + role, Kind: ActRevokeRoleSessions, Key: key, Target: Target{System: SystemAWS, Account: arnAccount(role)}, ConfirmToken: key,
			Roles: []string{role}, IssuedBefore: now, Group: GroupSessions, Resource: role,
			Title:     revokeTitle(ActRevokeRoleSessions, name, now),
			Calls:     []APICall{{Service: "iam", Operation: "PutRolePolicy", Params: map[string]any{"RoleName": name, "PolicyName": RevokePolicyName, "PolicyDocument": RevocationPolicy(now)}}},
			Undo:      "delete the inline policy " + RevokePolicyName + " from the role",
			UndoCalls: []APICall{{Service: "iam", Operation: "DeleteRolePolicy", Params: map[string]any{"RoleName": name, "PolicyName": RevokePolicyName}}},
			Affects:   []string{"ends EVERY session of role " + role + " issued before the cut-off, not only the attacker's: workloads assuming it must assume it again", cutOffNote(now)},
			Warnings:  []string{"this hits every session of the role"},
		}
		switch {
		case !caller.CanActIn(a.Account):
			a.Refusal = fmt.Sprintf("the role lives in account %s but the caller is in %s: add --account-profile %s=PROFILE (a profile of that account)", a.Account, caller.Account, a.Account)
		case acct != "" && a.Account != "" && a.Account != acct:
			who := "a profile of that account"
			if caller != nil && caller.Account != a.Account {
				who = "its --account-profile"
			}
			a.Warnings = append(a.Warnings, fmt.Sprintf("the role lives in account %s, not the key's: acted on with %s", a.Account, who))
		}
		p.Actions = append(p.Actions, a)
	}
	byRegion := map[string][]string{}
	for _, i := range c.FollowUps.Instances {
		switch i.State {
		case "terminated", "shutting-down", "stopped", "stopping", "not-found":
			continue // already going or gone: nothing to stop
		}
		byRegion[i.Region] = append(byRegion[i.Region], i.InstanceID)
	}
	if len(byRegion) > 0 {
		a := Action{
			ID: ActStopInstances + ":" + key, Kind: ActStopInstances, Key: key, Target: Target{System: SystemAWS, Account: acct}, ConfirmToken: key, Instances: byRegion,
			Group: GroupInstances, Resource: Plural(countIDs(byRegion), "instance"),
			Title: "Stop " + Plural(countIDs(byRegion), "instance") + " launched through the key's follow-ups",
			Undo:  "start the instances again (aws ec2 start-instances); their disks and addresses are kept, public IPs may change",
			Affects: []string{"stops the instances (not terminate: disks stay for forensics)",
				"each call is tried with DryRun first"},
		}
		// Every region's DryRun comes before any stop: a region whose stop would fail
		// stops nothing anywhere.
		for _, r := range slices.Sorted(maps.Keys(byRegion)) {
			a.Calls = append(a.Calls, APICall{Service: "ec2", Operation: "StopInstances", Region: r, Params: map[string]any{"InstanceIds": byRegion[r], "DryRun": true}})
		}
		for _, r := range slices.Sorted(maps.Keys(byRegion)) {
			a.Calls = append(a.Calls, APICall{Service: "ec2", Operation: "StopInstances", Region: r, Params: map[string]any{"InstanceIds": byRegion[r]}})
			a.UndoCalls = append(a.UndoCalls, APICall{Service: "ec2", Operation: "StartInstances", Region: r, Params: map[string]any{"InstanceIds": byRegion[r]}})
		}
		for _, i := range c.FollowUps.Instances {
			if i.Account != "" && acct != "" && i.Account != acct {
				a.Warnings = appendUnique(a.Warnings, fmt.Sprintf("instance %s is in account %s: it needs a profile of that account", i.InstanceID, i.Account))
			}
		}
		p.Actions = append(p.Actions, a)
	}
	p.Actions = append(p.Actions, childSessionActions(c, caller, user, now)...)
	contain, irreversible, notes := containmentActions(c, caller)
	p.Actions = append(append(p.Actions, contain...), irreversible...)
	p.Notes = append(p.Notes, notes...)
	return p
}

// userRevocation revokes the sessions issued to user before now (an inline policy on
// the user denying everything to older tokens).
func userRevocation(c *Case, user, acct string, caller *Caller, now time.Time) Action {
	now = now.UTC().Truncate(time.Second)
	a := Action{
		ID: ActRevokeUserSessions + ":" + user, Kind: ActRevokeUserSessions, Key: c.Key.String(), User: user, Target: Target{System: SystemAWS, Account: acct}, ConfirmToken: c.Key.String(),
		IssuedBefore: now, Group: GroupSessions, Resource: user,
		Title:     revokeTitle(ActRevokeUserSessions, user, now),
		Calls:     []APICall{{Service: "iam", Operation: "PutUserPolicy", Params: map[string]any{"UserName": user, "PolicyName": RevokePolicyName, "PolicyDocument": RevocationPolicy(now)}}},
		Undo:      "delete the inline policy " + RevokePolicyName + " from the user",
		UndoCalls: []APICall{{Service: "iam", Operation: "DeleteUserPolicy", Params: map[string]any{"UserName": user, "PolicyName": RevokePolicyName}}},
		Affects: []string{
			"denies every action to sessions issued to " + user + " before the cut-off (GetSessionToken, GetFederationToken)",
			"also ends the user's legitimate sessions issued before the cut-off",
			cutOffNote(now),
		},
	}
	if !caller.CanActIn(acct) {
		a.Refusal = otherAccountRefusal(acct, caller)
	}
	return a
}

func applyCallerChecks(a *Action, c *Case, caller *Caller) {
	if caller == nil {
		return
	}
	if caller.AccessKeyID != "" && caller.AccessKeyID == c.Key.String() && a.Kind == ActDeactivateKey {
		a.Refusal = "keypivot is signing with this very key: deactivating it would lock this session out; use another principal"
		return
	}
	if !caller.CanActIn(c.Owner.Account) {
		a.Refusal = otherAccountRefusal(c.Owner.Account, caller)
		return
	}
	if caller.UserName != "" && caller.UserName == c.Owner.User {
		a.Warnings = append(a.Warnings, "you are signed in as the key's own user "+caller.UserName)
		a.SecondConfirm = "you act as the same IAM user as the key (" + caller.UserName + "): type the key id again to proceed"
	}
}

func cutOffNote(planned time.Time) string {
	return "the cut-off is the moment you confirm (planned at " + planned.UTC().Format(time.RFC3339) + "), so sessions issued while you read this are revoked too"
}

// userSessions counts the sessions issued to the key's user itself (not role sessions).
func userSessions(c *Case) int {
	n := 0
	for _, s := range c.Sessions {
		if s.RoleARN == "" {
			n++
		}
	}
	return n
}

// gapsNote names the case's coverage gaps, for warnings that depend on coverage.
func gapsNote(c *Case) string {
	if len(c.Coverage.Gaps) == 0 {
		return ""
	}
	return " (coverage: " + strings.Join(c.Coverage.Gaps, "; ") + ")"
}

func countIDs(m map[string][]string) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}
