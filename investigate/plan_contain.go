package investigate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DenyAllPolicyName is the inline policy keypivot puts on users and roles the attacker
// created: it denies everything and keeps them (and their evidence) in place.
const DenyAllPolicyName = "KeypivotDenyAll"

// DenyAllPolicy is its document.
const DenyAllPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"KeypivotContainment","Effect":"Deny","Action":"*","Resource":"*"}]}`

// containmentActions proposes an action for each child key and each artifact still in
// place (or whose state is unknown), reversible ones first and irreversible ones last.
// Notes say what is left to the analyst.
func containmentActions(c *Case, caller *Caller) (actions, irreversible []Action, notes []string) {
	key := c.Key.String()
	acct := c.Owner.Account
	base := func(kind, group, resource string, art *Artifact) Action {
		account := acct
		if art != nil && art.Account != "" {
			account = art.Account
		}
		id := kind + ":" + resource
		if account != acct && account != "" {
			id = kind + ":" + account + ":" + resource
		}
		a := Action{ID: id, Kind: kind, Key: key, Group: group, Resource: resource,
			Target: Target{System: SystemAWS, Account: account}, ConfirmToken: key}
		if art != nil {
			a.Artifact = art.ID
			a.Affects = append(a.Affects, fmt.Sprintf("%s, made by %s at %s (event %s)", art.Resource, madeBy(art), art.Time.UTC().Format("2006-01-02 15:04:05"), art.EventID))
			if art.RemovedBy != "" && !art.Live.Known() {
				a.Warnings = append(a.Warnings, "the trail shows it removed by event "+art.RemovedBy+": keypivot reads its state before acting and calls nothing if it is gone")
			}
			if art.Live.Known() {
				a.Affects = append(a.Affects, "live: "+art.Live.State)
			}
		}
		if !caller.CanActIn(account) {
			a.Refusal = otherAccountRefusal(account, caller)
		}
		return a
	}
	seen := map[string]bool{}
	add := func(a Action) {
		if seen[a.ID] {
			return
		}
		seen[a.ID] = true
		if len(a.UndoCalls) > 0 {
			a.Undo += " (keypivot undo " + a.ID + ")"
		}
		if a.Irreversible {
			irreversible = append(irreversible, a)
		} else {
			actions = append(actions, a)
		}
	}
	for i := range c.Artifacts {
		art := &c.Artifacts[i]
		if art.Gone() {
			notes = append(notes, fmt.Sprintf("%s is no longer in place (live: %s): nothing to do", art.Resource, art.Live.State))
			continue
		}
		switch art.Kind {
		case ArtAccessKey:
			call := func(status string) []APICall {
				return []APICall{{Service: "iam", Operation: "UpdateAccessKey", Params: map[string]any{"AccessKeyId": art.AccessKeyID, "UserName": art.User, "Status": status}}}
			}
			a := base(ActDeactivateChildKey, GroupChildren, art.AccessKeyID, art)
			a.User = art.User
			a.Title = fmt.Sprintf("Deactivate access key %s of %s, created by the key's lineage", art.AccessKeyID, art.User)
			a.Calls, a.UndoCalls = call("Inactive"), call("Active")
			a.Undo = "set the key Active again"
			a.Affects = append(a.Affects, "every caller using "+art.AccessKeyID+" gets InvalidClientTokenId (the key is kept, not deleted)")
			add(a)
		case ArtAttachedPolicy:
			what, name := art.Principal()
			op := "Detach" + strings.ToUpper(what[:1]) + what[1:] + "Policy"
			params := map[string]any{principalParam(what): name, "PolicyArn": art.PolicyARN}
			a := base(ActDetachPolicy, GroupPersistence, what+"/"+name+":"+art.PolicyARN, art)
			a.Title = fmt.Sprintf("Detach policy %s from %s %s", ARNName(art.PolicyARN), what, name)
			a.Calls = []APICall{{Service: "iam", Operation: op, Params: params}}
			a.UndoCalls = []APICall{{Service: "iam", Operation: "Attach" + strings.TrimPrefix(op, "Detach"), Params: params}}
			a.Undo = "attach the policy again (" + a.UndoCalls[0].String() + ")"
			a.Untouched = []string{"the policy itself is kept; only this attachment goes"}
			add(a)
		case ArtInlinePolicy:
			what, name := art.Principal()
			suffix := strings.ToUpper(what[:1]) + what[1:] + "Policy"
			params := map[string]any{principalParam(what): name, "PolicyName": art.PolicyName}
			a := base(ActDeleteInlinePolicy, GroupPersistence, what+"/"+name+":"+art.PolicyName, art)
			a.Title = fmt.Sprintf("Delete inline policy %s of %s %s", art.PolicyName, what, name)
			a.Calls = []APICall{{Service: "iam", Operation: "Delete" + suffix, Params: params}}
			if art.Document != "" {
				put := map[string]any{principalParam(what): name, "PolicyName": art.PolicyName, "PolicyDocument": art.Document}
				a.UndoCalls = []APICall{{Service: "iam", Operation: "Put" + suffix, Params: put}}
				a.Undo = "put the policy back with the attacker's document, kept in the journal (iam Put" + suffix + ")"
			} else {
				a.Irreversible, a.ConfirmName = true, art.PolicyName
				a.Undo = "none: the trail does not hold the policy's document"
				a.Group = GroupPersistence
			}
			add(a)
		case ArtTrustPolicy:
			if art.PreviousDocument == "" {
				doc, removed, ok := WithoutOutsiders(art.Document, art.Account)
				if !ok {
					notes = append(notes, fmt.Sprintf("the trust policy of role %s was changed by event %s but its earlier document is not in the sources: review it (aws iam get-role --role-name %s) and restore it by hand", art.Role, art.EventID, art.Role))
					continue
				}
				a := base(ActRestoreTrustPolicy, GroupPersistence, art.Role, art)
				a.Title = fmt.Sprintf("Remove the principals of other accounts from the trust policy of role %s", art.Role)
				a.Calls = []APICall{{Service: "iam", Operation: "UpdateAssumeRolePolicy", Params: map[string]any{"RoleName": art.Role, "PolicyDocument": doc}}}
				a.UndoCalls = []APICall{{Service: "iam", Operation: "UpdateAssumeRolePolicy", Params: map[string]any{"RoleName": art.Role, "PolicyDocument": art.Document}}}
				a.Undo = "put the attacker's trust policy back (both documents are in the journal)"
				a.Affects = append(a.Affects, "removes from the trust policy: "+strings.Join(removed, ", "))
				a.Warnings = append(a.Warnings, "the document before the attacker's edit is not in the sources: this keeps what trusts account "+art.Account+", its services and identity providers, and removes every other account; read the call's document before confirming")
				add(a)
				continue
			}
			a := base(ActRestoreTrustPolicy, GroupPersistence, art.Role, art)
			a.Title = fmt.Sprintf("Restore the trust policy of role %s to its document before the attacker's edit", art.Role)
			a.Calls = []APICall{{Service: "iam", Operation: "UpdateAssumeRolePolicy", Params: map[string]any{"RoleName": art.Role, "PolicyDocument": art.PreviousDocument}}}
			a.UndoCalls = []APICall{{Service: "iam", Operation: "UpdateAssumeRolePolicy", Params: map[string]any{"RoleName": art.Role, "PolicyDocument": art.Document}}}
			a.Undo = "put the attacker's trust policy back (both documents are in the journal)"
			a.Affects = append(a.Affects, "the earlier document comes from event "+art.PreviousEvent)
			if art.Live.Known() && art.Live.Document != "" && !SamePolicy(art.Live.Document, art.Document) {
				a.Warnings = append(a.Warnings, "the role's trust policy changed again after the attacker's edit: review the live document before restoring")
			}
			add(a)
		case ArtGroupMembership:
			params := map[string]any{"GroupName": art.Group, "UserName": art.User}
			a := base(ActRemoveFromGroup, GroupPersistence, art.Group+"/"+art.User, art)
			a.Title = fmt.Sprintf("Remove user %s from group %s", art.User, art.Group)
			a.Calls = []APICall{{Service: "iam", Operation: "RemoveUserFromGroup", Params: params}}
			a.UndoCalls = []APICall{{Service: "iam", Operation: "AddUserToGroup", Params: params}}
			a.Undo = "add the user to the group again"
			add(a)
		case ArtUser, ArtRole:
			what, name := art.Principal()
			kind, op := ActDenyAllUser, "UserPolicy"
			if what == "role" {
				kind, op = ActDenyAllRole, "RolePolicy"
			}
			param := principalParam(what)
			a := base(kind, GroupPersistence, name, art)
			a.Title = fmt.Sprintf("Deny everything to %s %s, created by the attacker (kept as evidence)", what, name)
			a.Calls = []APICall{{Service: "iam", Operation: "Put" + op, Params: map[string]any{param: name, "PolicyName": DenyAllPolicyName, "PolicyDocument": DenyAllPolicy}}}
			a.UndoCalls = []APICall{{Service: "iam", Operation: "Delete" + op, Params: map[string]any{param: name, "PolicyName": DenyAllPolicyName}}}
			a.Undo = "delete the inline policy " + DenyAllPolicyName + " from the " + what
			a.Untouched = []string{"the " + what + " is not deleted: its keys, policies and history stay for the investigation"}
			if what == "role" {
				a.Affects = append(a.Affects, "every session of the role, issued before or after, is denied everything while the policy stays")
			}
			add(a)
		case ArtLambdaFunction:
			a := base(ActThrottleFunction, GroupPersistence, art.Region+"/"+art.FunctionName, art)
			a.Title = fmt.Sprintf("Stop Lambda function %s in %s from running (reserved concurrency 0)", art.FunctionName, art.Region)
			a.Calls = []APICall{{Service: "lambda", Operation: "PutFunctionConcurrency", Region: art.Region, Params: map[string]any{"FunctionName": art.FunctionName, "ReservedConcurrentExecutions": 0}}}
			a.UndoCalls = []APICall{{Service: "lambda", Operation: "DeleteFunctionConcurrency", Region: art.Region, Params: map[string]any{"FunctionName": art.FunctionName}}}
			a.Undo = "remove the function's reserved concurrency (a reserved concurrency it had before is not restored)"
			a.Untouched = []string{"the function, its code and its permissions are kept for the investigation"}
			add(a)
		case ArtLoginProfile:
			a := base(ActDeleteLoginProfile, GroupLoginProfiles, art.User, art)
			a.Title = fmt.Sprintf("Delete the console password of user %s (IRREVERSIBLE)", art.User)
			a.User = art.User
			a.Calls = []APICall{{Service: "iam", Operation: "DeleteLoginProfile", Params: map[string]any{"UserName": art.User}}}
			a.Irreversible, a.ConfirmName = true, art.User
			a.Undo = "none: the password cannot be restored (a new one can be set with create-login-profile)"
			a.Affects = append(a.Affects, "the user can no longer sign in to the console with a password")
			add(a)
		case ArtKeyPair:
			a := base(ActDeleteKeyPair, GroupKeyPairs, art.Region+"/"+art.KeyPairName, art)
			a.Title = fmt.Sprintf("Delete EC2 key pair %s in %s (IRREVERSIBLE)", art.KeyPairName, art.Region)
			a.Calls = []APICall{{Service: "ec2", Operation: "DeleteKeyPair", Region: art.Region, Params: map[string]any{"KeyName": art.KeyPairName}}}
			a.Irreversible, a.ConfirmName = true, art.KeyPairName
			a.Undo = "none: the key pair cannot be restored"
			a.Untouched = []string{"instances already launched with the key keep it in their authorized_keys: stop or rebuild them"}
			add(a)
		case ArtInstanceProfile:
			notes = append(notes, fmt.Sprintf("%s (event %s): review the role it gives the instance; keypivot does not change instance profiles", art.Resource, art.EventID))
		}
	}
	return actions, irreversible, notes
}

// madeBy names who made an artifact: the key itself, one of its sessions, or a child.
func madeBy(a *Artifact) string {
	switch {
	case a.ByChild:
		return "child key lineage " + a.Signer
	case IsSessionKey(a.Signer):
		return "session " + a.Signer
	}
	return a.Signer
}

// Principal is the kind (user, role, group) and name of the principal an artifact is
// on: its role, its group (a membership is on its user), else its user.
func (a *Artifact) Principal() (kind, name string) {
	switch {
	case a.Role != "":
		return "role", a.Role
	case a.Group != "" && a.Kind != ArtGroupMembership:
		return "group", a.Group
	}
	return "user", a.User
}

// principalParam is the API parameter naming a principal of that kind.
func principalParam(what string) string {
	return map[string]string{"user": "UserName", "role": "RoleName", "group": "GroupName"}[what]
}

// childSessionActions revokes the sessions issued to the users of child keys (their
// GetSessionToken and GetFederationToken sessions), which the key's own user's
// revocation does not reach.
func childSessionActions(c *Case, caller *Caller, owner string, now time.Time) []Action {
	type user struct{ name, account string }
	var users []user
	for _, k := range c.CreatedAccessKeys {
		acct := cmp.Or(k.Account, c.Owner.Account)
		if k.User == "" || k.User == owner && acct == c.Owner.Account {
			continue
		}
		for _, s := range c.Sessions {
			if u := (user{k.User, acct}); s.ParentKey == k.AccessKeyID && s.RoleARN == "" && !slices.Contains(users, u) {
				users = append(users, u)
			}
		}
	}
	var out []Action
	for _, u := range users {
		a := userRevocation(c, u.name, u.account, caller, now)
		if u.account != c.Owner.Account {
			a.ID = ActRevokeUserSessions + ":" + u.account + ":" + u.name
		}
		a.Group = GroupChildren
		out = append(out, a)
	}
	return out
}

// SamePolicy reports whether two policy documents say the same (whitespace and URL
// encoding aside).
func SamePolicy(a, b string) bool {
	norm := func(s string) string {
		s = decodedDoc(s)
		return strings.Join(strings.Fields(s), "")
	}
	return norm(a) == norm(b)
}

// PlanStep is one action of a plan as the case's JSON carries it (docs/case-schema.md).
type PlanStep struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Group      string    `json:"group"`
	Title      string    `json:"title"`
	Target     string    `json:"target"`
	Account    string    `json:"account"`
	Artifact   string    `json:"artifact"`
	Calls      []APICall `json:"calls"`
	Reversible bool      `json:"reversible"`
	Undo       string    `json:"undo"`
	UndoCalls  []APICall `json:"undo_calls"`
	Affects    []string  `json:"affects"`
	Untouched  []string  `json:"untouched"`
	Warnings   []string  `json:"warnings"`
	Refusal    string    `json:"refusal"`
}

// Steps is the plan as the case's JSON carries it.
func (p Plan) Steps() []PlanStep {
	out := make([]PlanStep, 0, len(p.Actions))
	for _, a := range p.Actions {
		out = append(out, PlanStep{
			ID: a.ID, Kind: a.Kind, Group: a.Group, Title: a.Title, Target: a.Resource, Account: a.Account, Artifact: a.Artifact,
			Calls: nonNil(a.Calls), Reversible: !a.Irreversible, Undo: a.Undo, UndoCalls: nonNil(a.UndoCalls),
			Affects: nonNil(a.Affects), Untouched: nonNil(a.Untouched), Warnings: nonNil(a.Warnings), Refusal: a.Refusal,
		})
	}
	return out
}

func nonNil[S ~[]E, E any](s S) S {
	if s == nil {
		return S{}
	}
	return slices.Clip(s)
}
