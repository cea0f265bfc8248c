package simaccount

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/keypivot/keypivot/investigate"
)

// State implements investigate.Remediator: the target's state in words and whether the
// action is in effect. An action's targets are read from its calls, so that the undo of
// an action (ActUndo) reads the original's state, inverted.
func (a *Account) State(_ context.Context, act investigate.Action) (string, bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state(act)
}

func (a *Account) state(act investigate.Action) (string, bool, error) {
	switch act.Kind {
	case investigate.ActUndo:
		orig, ok := act.Undone()
		if !ok {
			return "", false, fmt.Errorf("undo %s: it names no action it undoes", act.ID)
		}
		st, applied, err := a.state(orig)
		return st, !applied, err
	case investigate.ActDeactivateKey, investigate.ActReactivateKey:
		k := a.keys[act.Key]
		if k == nil {
			return "", false, fmt.Errorf("NoSuchEntity: the access key %s does not exist in this account", act.Key)
		}
		want := "Inactive"
		if act.Kind == investigate.ActReactivateKey {
			want = "Active"
		}
		return k.status, k.status == want, nil
	case investigate.ActRevokeUserSessions:
		doc := a.inlineDoc(kindUser, act.User, investigate.RevokePolicyName)
		st, ok := investigate.RevocationState(doc, act.IssuedBefore)
		return st, ok, nil
	case investigate.ActRevokeRoleSessions:
		return investigate.RolesRevocationState(act.Roles, act.IssuedBefore, func(role string) (string, error) {
			return a.inlineDoc(kindRole, role, investigate.RevokePolicyName), nil
		})
	case investigate.ActStopInstances:
		return a.instancesState(act)
	}
	if check, ok := checks[act.Kind]; ok {
		call, ok := firstCall(act, check.ops...)
		if !ok {
			return "", false, fmt.Errorf("%s %s: no %s call to read its target from", act.Kind, act.ID, strings.Join(check.ops, " or "))
		}
		st, applied, err := check.state(a, call)
		if act.Kind == investigate.ActRestoreTrustPolicy && err == nil && !applied {
			return a.trustOverwrite(act, call, st)
		}
		return st, applied, err
	}
	return "", false, fmt.Errorf("unknown action %q", act.Kind)
}

// inlineDoc is a principal's inline policy document ("" when absent).
func (a *Account) inlineDoc(kind, name, policy string) string {
	if p := a.principals[principalID(kind, name)]; p != nil {
		return p.inline[policy]
	}
	return ""
}

func (a *Account) instancesState(act investigate.Action) (string, bool, error) {
	var states []string
	applied := true
	for _, region := range slices.Sorted(maps.Keys(act.Instances)) {
		for _, id := range act.Instances[region] {
			s, ok := a.instances[id]
			if !ok {
				s = "not-found"
			}
			states = append(states, id+" "+s)
			if s != "stopped" && s != "stopping" && s != "terminated" && s != "not-found" {
				applied = false
			}
		}
	}
	return strings.Join(states, ", "), applied, nil
}

// firstCall is the action's first call of one of ops.
func firstCall(act investigate.Action, ops ...string) (investigate.APICall, bool) {
	for _, c := range act.Calls {
		if slices.Contains(ops, c.Operation) {
			return c, true
		}
	}
	return investigate.APICall{}, false
}

// check reads the state of one kind of containment action from its call.
type check struct {
	ops   []string
	state func(a *Account, call investigate.APICall) (string, bool, error)
}

// checks are the containment actions' states (investigate's semantics: applied = in
// effect), worded as aws/remediate words them. A principal that no longer exists leaves
// nothing in place: every such action is in effect.
var checks = map[string]check{
	// The child key is Inactive, or no longer exists.
	investigate.ActDeactivateChildKey: {[]string{"UpdateAccessKey"}, func(a *Account, c investigate.APICall) (string, bool, error) {
		id := c.Param("AccessKeyId")
		k := a.keys[id]
		if k == nil {
			return "deleted: " + id + " is not one of user " + c.Param("UserName") + "'s keys", true, nil
		}
		return k.status, k.status == "Inactive", nil
	}},
	// The policy is not attached to the principal.
	investigate.ActDetachPolicy: {[]string{"DetachUserPolicy", "DetachRolePolicy", "DetachGroupPolicy"}, func(a *Account, c investigate.APICall) (string, bool, error) {
		kind, name, p := a.principalOf(c)
		switch {
		case p == nil:
			return gone(kind, name)
		case p.attached[c.Param("PolicyArn")]:
			return "attached to " + kind + " " + name, false, nil
		}
		return "not attached to " + kind + " " + name, true, nil
	}},
	// The inline policy is absent.
	investigate.ActDeleteInlinePolicy: {[]string{"DeleteUserPolicy", "DeleteRolePolicy", "DeleteGroupPolicy"}, func(a *Account, c investigate.APICall) (string, bool, error) {
		kind, name, p := a.principalOf(c)
		policy := c.Param("PolicyName")
		if p == nil {
			return gone(kind, name)
		}
		if _, ok := p.inline[policy]; ok {
			return "inline policy " + policy + " on " + kind + " " + name, false, nil
		}
		return "no inline policy " + policy + " on " + kind + " " + name, true, nil
	}},
	// The role's trust policy is the document the restore puts back.
	investigate.ActRestoreTrustPolicy: {[]string{"UpdateAssumeRolePolicy"}, func(a *Account, c investigate.APICall) (string, bool, error) {
		kind, name, p := a.principalOf(c)
		switch {
		case p == nil:
			return gone(kind, name)
		case investigate.SamePolicy(p.trust, c.Param("PolicyDocument")):
			return "trust policy = earlier document", true, nil
		}
		return "trust policy = another document", false, nil
	}},
	// The user is not in the group.
	investigate.ActRemoveFromGroup: {[]string{"RemoveUserFromGroup"}, func(a *Account, c investigate.APICall) (string, bool, error) {
		user, group := c.Param("UserName"), c.Param("GroupName")
		p := a.principals[principalID(kindUser, user)]
		switch {
		case p == nil:
			return gone(kindUser, user)
		case p.groups[group]:
			return "user " + user + " in group " + group, false, nil
		}
		return "user " + user + " not in group " + group, true, nil
	}},
	// The deny-all policy is on the user, with the deny-all document.
	investigate.ActDenyAllUser: {[]string{"PutUserPolicy"}, denyAllState},
	// The deny-all policy is on the role, with the deny-all document.
	investigate.ActDenyAllRole: {[]string{"PutRolePolicy"}, denyAllState},
	// The function's reserved concurrency is the call's (0), or the function no longer
	// exists.
	investigate.ActThrottleFunction: {[]string{"PutFunctionConcurrency"}, func(a *Account, c investigate.APICall) (string, bool, error) {
		name := c.Param("FunctionName")
		want, ok := c.ParamInt("ReservedConcurrentExecutions")
		f := a.functions[c.Region+"/"+name]
		switch {
		case !ok:
			return "", false, fmt.Errorf("PutFunctionConcurrency of %s: no whole ReservedConcurrentExecutions", name)
		case f == nil:
			return "function " + name + " no longer exists in " + c.Region, true, nil
		case f.reserved == nil:
			return "no reserved concurrency: the function runs", false, nil
		}
		return "reserved concurrency " + strconv.Itoa(*f.reserved), *f.reserved == want, nil
	}},
	// The user has no login profile (or no longer exists).
	investigate.ActDeleteLoginProfile: {[]string{"DeleteLoginProfile"}, func(a *Account, c investigate.APICall) (string, bool, error) {
		user := c.Param("UserName")
		p := a.principals[principalID(kindUser, user)]
		switch {
		case p == nil:
			return gone(kindUser, user)
		case p.login:
			return "login profile", false, nil
		}
		return "no login profile", true, nil
	}},
	// The key pair does not exist in the region.
	investigate.ActDeleteKeyPair: {[]string{"DeleteKeyPair"}, func(a *Account, c investigate.APICall) (string, bool, error) {
		name := c.Param("KeyName")
		if a.keyPairs[c.Region+"/"+name] {
			return "key pair " + name + " exists in " + c.Region, false, nil
		}
		return "no key pair " + name + " in " + c.Region, true, nil
	}},
}

// denyAllState: the deny-all policy is on the principal, with the call's document.
func denyAllState(a *Account, c investigate.APICall) (string, bool, error) {
	kind, name, p := a.principalOf(c)
	policy := c.Param("PolicyName")
	if p == nil {
		return gone(kind, name)
	}
	doc, ok := p.inline[policy]
	switch {
	case !ok:
		return "no " + policy + " policy on " + kind + " " + name, false, nil
	case !investigate.SamePolicy(doc, c.Param("PolicyDocument")):
		return policy + " on " + kind + " " + name + " has another document than keypivot's", false, nil
	}
	return policy + " in place on " + kind + " " + name, true, nil
}

// gone is the state of an action on a principal that no longer exists: in effect.
func gone(kind, name string) (string, bool, error) {
	return kind + " " + name + " no longer exists", true, nil
}

// principalOf is the user, role or group a call acts on, and the principal (nil when it
// does not exist).
func (a *Account) principalOf(c investigate.APICall) (kind, name string, p *principal) {
	kind = kindUser
	switch {
	case c.Param("RoleName") != "":
		kind = kindRole
	case c.Param("GroupName") != "" && c.Param("UserName") == "":
		kind = kindGroup
	}
	name = principalName(kind, c)
	return kind, name, a.principals[principalID(kind, name)]
}

// principalName is the user, role or group a call names.
func principalName(kind string, c investigate.APICall) string {
	return c.Param(strings.ToUpper(kind[:1]) + kind[1:] + "Name")
}

// trustOverwrite tells, for a restore not in effect, the attacker's document (restore it)
// from one someone set since (never overwritten: it may be a responder's fix).
func (a *Account) trustOverwrite(act investigate.Action, call investigate.APICall, st string) (string, bool, error) {
	_, name, p := a.principalOf(call)
	for _, u := range act.UndoCalls {
		if u.Operation == "UpdateAssumeRolePolicy" && p != nil && investigate.SamePolicy(p.trust, u.Param("PolicyDocument")) {
			return "trust policy = attacker's document", false, nil
		}
	}
	return st, false, fmt.Errorf("refused: the trust policy of role %s is neither the attacker's document nor the one to restore: it changed since; review it and change it by hand", name)
}
