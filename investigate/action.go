package investigate

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Remediation action kinds.
const (
	ActDeactivateKey      = "deactivate-key"
	ActReactivateKey      = "reactivate-key"
	ActRevokeUserSessions = "revoke-user-sessions"
	ActRevokeRoleSessions = "revoke-role-sessions"
	ActStopInstances      = "stop-instances"

	// Containing the blast radius (the artifacts the key left behind).
	ActDeactivateChildKey = "deactivate-child-key"
	ActDetachPolicy       = "detach-policy"
	ActDeleteInlinePolicy = "delete-inline-policy"
	ActRestoreTrustPolicy = "restore-trust-policy"
	ActRemoveFromGroup    = "remove-from-group"
	ActDenyAllUser        = "deny-all-user"
	ActDenyAllRole        = "deny-all-role"
	ActThrottleFunction   = "throttle-function"
	ActDeleteLoginProfile = "delete-login-profile"
	ActDeleteKeyPair      = "delete-key-pair"
)

// Groups of actions: the analyst picks groups (a flag each on the command line, or in
// the workbench); nothing runs that was not picked.
const (
	GroupKey           = "key"            // deactivate the key (always offered)
	GroupSessions      = "sessions"       // --revoke-sessions
	GroupInstances     = "instances"      // --stop-instances
	GroupChildren      = "children"       // --contain-children
	GroupPersistence   = "persistence"    // --remove-persistence
	GroupLoginProfiles = "login-profiles" // --delete-login-profiles (irreversible)
	GroupKeyPairs      = "key-pairs"      // --delete-key-pairs (irreversible)
	GroupKibana        = "kibana"         // keypivot alerts ack|close|open|case
)

// groupFlags are how an analyst picks each group on the command line.
var groupFlags = map[string]string{
	GroupKey:           "always offered",
	GroupSessions:      "--revoke-sessions",
	GroupInstances:     "--stop-instances",
	GroupChildren:      "--contain-children",
	GroupPersistence:   "--remove-persistence",
	GroupLoginProfiles: "--delete-login-profiles",
	GroupKeyPairs:      "--delete-key-pairs",
	GroupKibana:        "keypivot alerts ack|close|open|case",
}

// GroupFlag names how an analyst picks a group of actions on the command line: its
// flag, "always offered" for the key's own, the commands for Kibana's; a group it does
// not know is named as it is.
func GroupFlag(group string) string {
	if flag := groupFlags[group]; flag != "" {
		return flag
	}
	return group
}

// System is what an action writes to.
type System string

const (
	SystemAWS    System = "aws"
	SystemKibana System = "kibana"
)

// Target is where an action acts: an AWS account, or a space of one Kibana.
type Target struct {
	System System `json:"system,omitempty"`
	// Account is the AWS account acted in (the key's, or a role's). A Kibana action
	// keeps the key's account here, for the record.
	Account string `json:"account,omitempty"`
	// Kibana is the URL of the Kibana a Kibana action writes to; Space its space.
	Kibana string `json:"kibana,omitempty"`
	Space  string `json:"space,omitempty"`
}

// OnKibana reports whether the action writes to Kibana. An action journalled before
// actions named their system is a Kibana one when its kind is.
func (a *Action) OnKibana() bool {
	if a.System != "" {
		return a.System == SystemKibana
	}
	return a.Kind == ActKibanaSetStatus || a.Kind == ActKibanaCreateCase
}

// Action is one remediation step: what it does, the exact calls, what it affects, and
// how to undo it. It runs only after the analyst types ConfirmToken.
type Action struct {
	ID    string `json:"id"` // stable: kind:target
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Key   string `json:"key"`
	User  string `json:"user,omitempty"`
	// Target is where the action writes: an AWS account, or a Kibana space (its JSON
	// fields sit beside the others: system, account, kibana, space).
	Target
	Calls []APICall `json:"calls"`
	// Affects lists what the action touches beyond its target; Untouched what it
	// deliberately leaves alone (other keys, live sessions) so the analyst plans for it.
	Affects   []string `json:"affects"`
	Untouched []string `json:"untouched,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
	// Refusal, when set, explains why the action cannot run at all.
	Refusal string `json:"refusal,omitempty"`
	// SecondConfirm is set when the analyst must confirm twice (acting on their own user).
	SecondConfirm string    `json:"second_confirm,omitempty"`
	Undo          string    `json:"undo"`
	UndoCalls     []APICall `json:"undo_calls,omitempty"`
	// ConfirmToken is what the analyst types to confirm: the key id.
	ConfirmToken string `json:"confirm_token"`
	// Group is what the analyst picks to run it (GroupKey, GroupSessions, ...).
	Group string `json:"group,omitempty"`
	// Resource names what the action acts on (the key, a user, a policy attachment).
	Resource string `json:"resource,omitempty"`
	// Artifact is the id of the case's artifact the action removes, when it removes one.
	Artifact string `json:"artifact,omitempty"`
	// Undoes is the kind of the action an undo (ActUndo) reverses.
	Undoes string `json:"undoes,omitempty"`
	// Irreversible actions have no undo: they are listed last and confirmed separately,
	// by typing ConfirmName (the resource's name), which --yes never answers.
	Irreversible bool   `json:"irreversible,omitempty"`
	ConfirmName  string `json:"confirm_name,omitempty"`
	// Target: role ARNs (revoke-role-sessions), instance ids by region (stop-instances).
	Roles     []string            `json:"roles,omitempty"`
	Instances map[string][]string `json:"instances,omitempty"`
	// IssuedBefore is the cut-off of a session revocation.
	IssuedBefore time.Time `json:"issued_before,omitzero"`
}

// Confirmed reports whether typed confirms the action: the exact token, surrounding
// spaces ignored. An empty answer (Enter alone) never confirms.
func (a *Action) Confirmed(typed string) bool {
	t := strings.TrimSpace(typed)
	return t != "" && a.ConfirmToken != "" && t == a.ConfirmToken
}

// revokeTitle names a revocation of user's or role's sessions issued before t.
func revokeTitle(kind, name string, t time.Time) string {
	what := "user"
	if kind == ActRevokeRoleSessions {
		what = "role"
	}
	return fmt.Sprintf("Revoke sessions of %s %s issued before %s", what, name, t.UTC().Format(time.RFC3339))
}

// AtConfirmation is a as it runs when confirmed at t: a session revocation's cut-off
// moves to t (never earlier than planned), in its policy document, title and
// IssuedBefore, so that a session issued while the analyst read the plan is revoked too.
// Other actions are returned unchanged.
func (a Action) AtConfirmation(t time.Time) Action {
	if a.Kind != ActRevokeUserSessions && a.Kind != ActRevokeRoleSessions {
		return a
	}
	t = t.UTC().Truncate(time.Second)
	if !t.After(a.IssuedBefore) {
		return a
	}
	a.IssuedBefore = t
	name := a.User
	if a.Kind == ActRevokeRoleSessions && len(a.Roles) > 0 {
		name = ARNName(a.Roles[0])
	}
	a.Title = revokeTitle(a.Kind, name, t)
	calls := slices.Clone(a.Calls)
	for i, c := range calls {
		if _, ok := c.Params["PolicyDocument"]; ok {
			params := maps.Clone(c.Params)
			params["PolicyDocument"] = RevocationPolicy(t)
			calls[i].Params = params
		}
	}
	a.Calls = calls
	return a
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown user"
	}
	return s
}

// ReactivateAction is the undo of a deactivation, as its own confirmed action. caller,
// when known, must be able to act in the key's account, as for every action.
func ReactivateAction(key, user, account string, caller *Caller) Action {
	a := keyStatusAction(key, user, account, "Active")
	a.Affects = []string{"the key works again for whoever holds it"}
	if !caller.CanActIn(account) {
		a.Refusal = otherAccountRefusal(account, caller)
	}
	return a
}

// otherAccountRefusal refuses an action on a key of account to a caller that cannot act
// there.
func otherAccountRefusal(account string, caller *Caller) string {
	return fmt.Sprintf("the key belongs to account %s but the caller is in %s: use a profile for account %s (--profile, or --account-profile %s=PROFILE)", account, caller.Account, account, account)
}

// keyStatusAction sets key's status (Inactive deactivates, Active reactivates) with
// iam:UpdateAccessKey; its undo sets the other status.
func keyStatusAction(key, user, account, status string) Action {
	kind, verb, other, undo := ActDeactivateKey, "Deactivate", "Active", "reactivate the key: keypivot reactivate "+key
	if status == "Active" {
		kind, verb, other, undo = ActReactivateKey, "Reactivate", "Inactive", "deactivate the key again: keypivot deactivate "+key
	}
	call := func(status string) []APICall {
		return []APICall{{Service: "iam", Operation: "UpdateAccessKey", Params: map[string]any{"AccessKeyId": key, "UserName": user, "Status": status}}}
	}
	return Action{
		ID: kind + ":" + key, Kind: kind, Key: key, User: user, Target: Target{System: SystemAWS, Account: account}, ConfirmToken: key,
		Title: fmt.Sprintf("%s access key %s of %s", verb, key, orUnknown(user)),
		Calls: call(status), Undo: undo, UndoCalls: call(other),
	}
}

// ActUndo is the undo of a journalled action, run as its own confirmed action.
const ActUndo = "undo"

// UndoAction is the action that undoes a: its undo calls, confirmed like any other
// action (the key id), journalled with Undoes naming a's kind. ok is false when a has no
// undo calls (an irreversible action, or one undone by another command).
func (a Action) UndoAction() (Action, bool) {
	if len(a.UndoCalls) == 0 || a.Irreversible {
		return Action{}, false
	}
	u := Action{
		ID: ActUndo + ":" + a.ID, Kind: ActUndo, Undoes: a.Kind, Title: "Undo: " + a.Title, Key: a.Key, User: a.User,
		Target: a.Target, Group: a.Group, Resource: a.Resource, Artifact: a.Artifact, ConfirmToken: a.ConfirmToken,
		Calls: a.UndoCalls, UndoCalls: a.Calls, Undo: "run the original action again: " + a.Title,
		Roles: a.Roles, Instances: a.Instances, IssuedBefore: a.IssuedBefore,
		Affects: []string{"puts back what the action changed: " + a.Resource},
	}
	return u, true
}

// Undone is the action an undo undoes, for reading its state: the undo is in effect when
// the original is not. ok is false for an action that is not an undo.
func (a Action) Undone() (Action, bool) {
	if a.Kind != ActUndo || a.Undoes == "" {
		return Action{}, false
	}
	o := a
	o.Kind, o.Undoes, o.ID = a.Undoes, "", a.Undoes+":"+a.Resource
	o.Calls, o.UndoCalls = a.UndoCalls, a.Calls
	return o, true
}
