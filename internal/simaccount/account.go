// Package simaccount is an in-memory AWS account that remediation can act on: the demo's
// simulated account, and a faithful stand-in for the remediation runner's tests. It keeps
// the state the actions change (key status, users and their login profiles, groups,
// policies attached and put, roles and their trust policies, Lambda functions, key
// pairs, instance states), answers every call an action makes as AWS would (NoSuchEntity
// for what does not exist), and counts every write, so tests can prove nothing was done
// twice.
//
// It imports investigate only; cmd uses it for the demo and tests for the runner.
package simaccount

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/keypivot/keypivot/investigate"
)

// Account is a simulated account.
type Account struct {
	mu     sync.Mutex
	caller investigate.Caller
	keys   map[string]*key
	// principals are IAM users, roles and groups by principalID ("user/NAME").
	principals map[string]*principal
	instances  map[string]string    // id -> state
	functions  map[string]*function // region/name
	keyPairs   map[string]bool      // region/name
	writes     int
	seq        int
	// FailApply makes the next Apply fail with this error (once).
	FailApply error
}

type key struct {
	user   string
	status string
}

// principal is an IAM user, role or group.
type principal struct {
	attached map[string]bool   // managed policy ARNs
	inline   map[string]string // inline policy name -> document
	groups   map[string]bool   // a user's groups
	login    bool              // a user's login profile
	trust    string            // a role's trust policy
}

// function is a Lambda function; reserved is its reserved concurrency, nil when unset.
type function struct {
	reserved *int
}

// Principal kinds, as IAM's operations name them (PutUserPolicy, AttachRolePolicy, ...).
const (
	kindUser  = "user"
	kindRole  = "role"
	kindGroup = "group"
)

func principalID(kind, name string) string { return kind + "/" + name }

// New returns an empty account acting as caller.
func New(caller investigate.Caller) *Account {
	return &Account{
		caller:     caller,
		keys:       map[string]*key{},
		principals: map[string]*principal{},
		instances:  map[string]string{},
		functions:  map[string]*function{},
		keyPairs:   map[string]bool{},
	}
}

// Caller implements investigate.Remediator.
func (a *Account) Caller(context.Context) (investigate.Caller, error) { return a.caller, nil }

// AddKey adds an access key of user (and the user, when new).
func (a *Account) AddKey(id, user, status string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.keys[id] = &key{user: user, status: status}
	if user != "" {
		a.ensure(kindUser, user)
	}
}

// ensure returns the principal, adding it when new.
func (a *Account) ensure(kind, name string) *principal {
	id := principalID(kind, name)
	p := a.principals[id]
	if p == nil {
		p = &principal{attached: map[string]bool{}, inline: map[string]string{}, groups: map[string]bool{}}
		a.principals[id] = p
	}
	return p
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

// UserPolicy returns a user's inline policy document ("" when absent).
func (a *Account) UserPolicy(user, name string) string { return a.inline(kindUser, user, name) }

// RolePolicy returns a role's inline policy document ("" when absent).
func (a *Account) RolePolicy(role, name string) string { return a.inline(kindRole, role, name) }

func (a *Account) inline(kind, name, policy string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p := a.principals[principalID(kind, name)]; p != nil {
		return p.inline[policy]
	}
	return ""
}

// HasUser reports whether the user exists.
func (a *Account) HasUser(user string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.principals[principalID(kindUser, user)] != nil
}

// HasLoginProfile reports whether the user has a console password.
func (a *Account) HasLoginProfile(user string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.principals[principalID(kindUser, user)]
	return p != nil && p.login
}

// Attached returns the managed policies attached to a user, role or group ("user",
// "role", "group"), sorted.
func (a *Account) Attached(kind, name string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p := a.principals[principalID(kind, name)]; p != nil {
		return slices.Sorted(maps.Keys(p.attached))
	}
	return nil
}

// InGroup reports whether the user is in the group.
func (a *Account) InGroup(user, group string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.principals[principalID(kindUser, user)]
	return p != nil && p.groups[group]
}

// TrustPolicy returns a role's trust policy ("" when the role does not exist).
func (a *Account) TrustPolicy(role string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p := a.principals[principalID(kindRole, role)]; p != nil {
		return p.trust
	}
	return ""
}

// FunctionConcurrency returns a Lambda function's reserved concurrency: set is false when
// none is reserved, exists false when there is no such function.
func (a *Account) FunctionConcurrency(region, name string) (reserved int, set, exists bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.functions[region+"/"+name]
	if f == nil {
		return 0, false, false
	}
	if f.reserved == nil {
		return 0, false, true
	}
	return *f.reserved, true, true
}

// KeyPairExists reports whether the EC2 key pair exists in the region.
func (a *Account) KeyPairExists(region, name string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.keyPairs[region+"/"+name]
}

// Writes counts the write calls made.
func (a *Account) Writes() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.writes
}
