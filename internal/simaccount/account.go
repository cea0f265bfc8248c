// Package simaccount is an in-memory AWS account that remediation can act on: the demo's
// simulated account, and a faithful stand-in for the remediation runner's tests. It keeps
// the state the actions change (key status, inline policies, instance states) and counts
// every write, so tests can prove nothing was done twice.
//
// It imports investigate only; cmd uses it for the demo and tests for the runner.
package simaccount

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/keypivot/keypivot/investigate"
)

// Account is a simulated account.
type Account struct {
	mu           sync.Mutex
	caller       investigate.Caller
	keys         map[string]*key
	userPolicies map[string]map[string]string // user -> policy name -> document
	rolePolicies map[string]map[string]string
	instances    map[string]string // id -> state
	writes       int
	seq          int
	// FailApply makes the next Apply fail with this error (once).
	FailApply error
}

type key struct {
	user   string
	status string
}

// New returns an empty account acting as caller.
func New(caller investigate.Caller) *Account {
	return &Account{
		caller:       caller,
		keys:         map[string]*key{},
		userPolicies: map[string]map[string]string{},
		rolePolicies: map[string]map[string]string{},
		instances:    map[string]string{},
	}
}

// FromCase seeds an account with what a case shows: the key (Active unless the case
// knows better), the user's other keys, keys the key created, and the launched instances
// (running unless the case has live state).
func FromCase(c *investigate.Case, caller investigate.Caller) *Account {
	a := New(caller)
	st := c.Owner.Status
	if st == "" {
		st = "Active"
	}
	a.AddKey(c.Key.String(), c.Owner.User, st)
	for _, k := range c.Owner.OtherKeys {
		a.AddKey(k.AccessKeyID, c.Owner.User, k.Status)
	}
	for _, k := range c.CreatedAccessKeys {
		a.AddKey(k.AccessKeyID, k.User, "Active")
	}
	for _, i := range c.FollowUps.Instances {
		s := i.State
		if s == "" {
			s = "running"
		}
		a.instances[i.InstanceID] = s
	}
	return a
}

// AddKey adds an access key.
func (a *Account) AddKey(id, user, status string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.keys[id] = &key{user: user, status: status}
}

// KeyStatus returns a key's status ("" when unknown).
func (a *Account) KeyStatus(id string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if k := a.keys[id]; k != nil {
		return k.status
	}
	return ""
}

// InstanceState returns an instance's state.
func (a *Account) InstanceState(id string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.instances[id]
}

// UserPolicy returns a user's inline policy document.
func (a *Account) UserPolicy(user, name string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.userPolicies[user][name]
}

// RolePolicy returns a role's inline policy document.
func (a *Account) RolePolicy(role, name string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rolePolicies[role][name]
}

// Writes counts the write calls made.
func (a *Account) Writes() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.writes
}

// Caller implements investigate.Remediator.
func (a *Account) Caller(context.Context) (investigate.Caller, error) { return a.caller, nil }

// State implements investigate.Remediator.
func (a *Account) State(_ context.Context, act investigate.Action) (string, bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch act.Kind {
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
		doc := a.userPolicies[act.User][investigate.RevokePolicyName]
		st, ok := investigate.RevocationState(doc, act.IssuedBefore)
		return st, ok, nil
	case investigate.ActRevokeRoleSessions:
		return investigate.RolesRevocationState(act.Roles, act.IssuedBefore, func(role string) (string, error) {
			return a.rolePolicies[role][investigate.RevokePolicyName], nil
		})
	case investigate.ActStopInstances:
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
	return "", false, fmt.Errorf("unknown action %q", act.Kind)
}

// Apply implements investigate.Remediator.
func (a *Account) Apply(_ context.Context, act investigate.Action) ([]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.FailApply; err != nil {
		a.FailApply = nil
		return nil, err
	}
	var ids []string
	req := func() {
		a.seq++
		a.writes++
		ids = append(ids, fmt.Sprintf("sim-%06d", a.seq))
	}
	for _, call := range act.Calls {
		if dry, _ := call.Params["DryRun"].(bool); dry {
			continue // a DryRun answers DryRunOperation and changes nothing
		}
		switch call.Service + ":" + call.Operation {
		case "iam:UpdateAccessKey":
			id, _ := call.Params["AccessKeyId"].(string)
			k := a.keys[id]
			if k == nil {
				return ids, fmt.Errorf("NoSuchEntity: the access key %s does not exist", id)
			}
			if u, _ := call.Params["UserName"].(string); u != "" && u != k.user {
				return ids, fmt.Errorf("NoSuchEntity: the access key %s does not belong to user %s", id, u)
			}
			k.status, _ = call.Params["Status"].(string)
			req()
		case "iam:PutUserPolicy":
			u, _ := call.Params["UserName"].(string)
			put(a.userPolicies, u, call)
			req()
		case "iam:PutRolePolicy":
			r, _ := call.Params["RoleName"].(string)
			put(a.rolePolicies, r, call)
			req()
		case "ec2:StopInstances":
			// As planned ([]string) or as read back from the journal ([]any).
			idsParam := call.ParamList("InstanceIds")
			if len(idsParam) == 0 {
				return ids, errors.New("InvalidParameterCombination: no instance ids")
			}
			for _, id := range idsParam {
				if _, ok := a.instances[id]; !ok {
					return ids, fmt.Errorf("InvalidInstanceID.NotFound: %s", id)
				}
				if a.instances[id] != "terminated" {
					a.instances[id] = "stopped"
				}
			}
			req()
		default:
			return ids, errors.New("simulated account does not implement " + call.Service + ":" + call.Operation)
		}
	}
	return ids, nil
}

func put(m map[string]map[string]string, owner string, call investigate.APICall) {
	name, _ := call.Params["PolicyName"].(string)
	doc, _ := call.Params["PolicyDocument"].(string)
	if m[owner] == nil {
		m[owner] = map[string]string{}
	}
	m[owner][name] = doc
}
