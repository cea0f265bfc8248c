package investigate

import (
	"context"
	"encoding/json"
	"errors"
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
)

// RevokePolicyName is the inline policy that revokes sessions issued before a time, the
// name the IAM console uses.
const RevokePolicyName = "AWSRevokeOlderSessions"

// APICall is one AWS call an action makes, shown to the analyst before it runs.
type APICall struct {
	Service   string         `json:"service"`   // iam, ec2
	Operation string         `json:"operation"` // UpdateAccessKey
	Region    string         `json:"region,omitempty"`
	Params    map[string]any `json:"params"`
}

// Param reads a string parameter ("" when absent or not a string).
func (c APICall) Param(name string) string {
	s, _ := c.Params[name].(string)
	return s
}

// ParamList reads a list of strings, as planned ([]string) or as read back from the
// journal's JSON ([]any); a lone string is a list of one.
func (c APICall) ParamList(name string) []string {
	switch x := c.Params[name].(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		return []string{x}
	}
	return nil
}

// String renders the call as the AWS CLI would spell it.
func (c APICall) String() string {
	var b strings.Builder
	b.WriteString("aws " + c.Service + " " + kebab(c.Operation))
	keys := make([]string, 0, len(c.Params))
	for k := range c.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := c.Params[k]
		switch x := v.(type) {
		case string:
			if strings.ContainsAny(x, " {\"") {
				x = "'" + x + "'"
			}
			fmt.Fprintf(&b, " --%s %s", kebab(k), x)
		case []string:
			fmt.Fprintf(&b, " --%s %s", kebab(k), strings.Join(x, " "))
		case bool:
			if x {
				fmt.Fprintf(&b, " --%s", kebab(k))
			} else {
				fmt.Fprintf(&b, " --no-%s", kebab(k))
			}
		default:
			fmt.Fprintf(&b, " --%s %v", kebab(k), x)
		}
	}
	if c.Region != "" {
		b.WriteString(" --region " + c.Region)
	}
	return b.String()
}

func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Action is one remediation step: what it does, the exact calls, what it affects, and
// how to undo it. It runs only after the analyst types ConfirmToken.
type Action struct {
	ID      string    `json:"id"` // stable: kind:target
	Kind    string    `json:"kind"`
	Title   string    `json:"title"`
	Key     string    `json:"key"`
	User    string    `json:"user,omitempty"`
	Account string    `json:"account,omitempty"`
	Calls   []APICall `json:"calls"`
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

// Caller is the identity remediation calls are made with.
type Caller struct {
	ARN         string `json:"arn"`
	Account     string `json:"account"`
	UserName    string `json:"user,omitempty"`
	AccessKeyID string `json:"access_key_id,omitempty"`
	Profile     string `json:"profile,omitempty"`
	Region      string `json:"region,omitempty"`
	// OtherAccounts are accounts the remediator can also act in (--account-profile).
	OtherAccounts []string `json:"other_accounts,omitempty"`
}

// CanActIn says whether the caller can act in account (its own, or one of OtherAccounts).
func (c *Caller) CanActIn(account string) bool {
	return c == nil || account == "" || c.Account == "" || account == c.Account || slices.Contains(c.OtherAccounts, account)
}

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

	deact := Action{
		ID: ActDeactivateKey + ":" + key, Kind: ActDeactivateKey, Key: key, User: user, Account: acct, ConfirmToken: key,
		Title:     fmt.Sprintf("Deactivate access key %s of %s", key, orUnknown(user)),
		Calls:     []APICall{{Service: "iam", Operation: "UpdateAccessKey", Params: map[string]any{"AccessKeyId": key, "UserName": user, "Status": "Inactive"}}},
		Undo:      "reactivate the key: keypivot reactivate " + key,
		UndoCalls: []APICall{{Service: "iam", Operation: "UpdateAccessKey", Params: map[string]any{"AccessKeyId": key, "UserName": user, "Status": "Active"}}},
	}
	deact.Affects = append(deact.Affects, "every caller using "+key+" gets InvalidClientTokenId from now on (the key is kept, not deleted)")
	if c.Owner.LastUsed != nil && !c.Owner.LastUsed.Date.IsZero() {
		deact.Affects = append(deact.Affects, fmt.Sprintf("last used %s by %s in %s", c.Owner.LastUsed.Date.Format(time.RFC3339), c.Owner.LastUsed.Service, c.Owner.LastUsed.Region))
	}
	for _, k := range c.Owner.OtherKeys {
		if k.AccessKeyID != key {
			deact.Untouched = append(deact.Untouched, fmt.Sprintf("the user's other key %s (%s) stays usable", k.AccessKeyID, k.Status))
		}
	}
	for _, k := range c.CreatedAccessKeys {
		deact.Untouched = append(deact.Untouched, fmt.Sprintf("key %s, created by this key for %s, stays usable", k.AccessKeyID, k.User))
	}
	valid := 0
	for _, s := range c.Sessions {
		if s.ValidAtGeneration {
			valid++
		}
	}
	if valid > 0 {
		deact.Untouched = append(deact.Untouched, fmt.Sprintf("%d derived sessions stay valid until they expire (up to 36 h): revoke them separately", valid))
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
		policy := RevocationPolicy(now)
		a := Action{
			ID: ActRevokeUserSessions + ":" + user, Kind: ActRevokeUserSessions, Key: key, User: user, Account: acct, ConfirmToken: key,
			IssuedBefore: now,
			Title:        revokeTitle(ActRevokeUserSessions, user, now),
			Calls:        []APICall{{Service: "iam", Operation: "PutUserPolicy", Params: map[string]any{"UserName": user, "PolicyName": RevokePolicyName, "PolicyDocument": policy}}},
			Undo:         "delete the inline policy " + RevokePolicyName + " from the user",
			UndoCalls:    []APICall{{Service: "iam", Operation: "DeleteUserPolicy", Params: map[string]any{"UserName": user, "PolicyName": RevokePolicyName}}},
			Affects: []string{
				"denies every action to sessions issued to " + user + " before the cut-off (GetSessionToken, GetFederationToken)",
				"also ends the user's legitimate sessions issued before the cut-off",
				cutOffNote(now),
			},
		}
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
		name := role[strings.LastIndex(role, "/")+1:]
		a := Action{
			ID: ActRevokeRoleSessions + ":" + role, Kind: ActRevokeRoleSessions, Key: key, Account: arnAccount(role), ConfirmToken: key,
			Roles: []string{role}, IssuedBefore: now,
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
			ID: ActStopInstances + ":" + key, Kind: ActStopInstances, Key: key, Account: acct, ConfirmToken: key, Instances: byRegion,
			Title: fmt.Sprintf("Stop %d instances launched through the key's follow-ups", countIDs(byRegion)),
			Undo:  "start the instances again (aws ec2 start-instances); their disks and addresses are kept, public IPs may change",
			Affects: []string{"stops the instances (not terminate: disks stay for forensics)",
				"each call is tried with DryRun first"},
		}
		// Every region's DryRun comes before any stop: a region whose stop would fail
		// stops nothing anywhere.
		for _, r := range sortedKeys(byRegion) {
			a.Calls = append(a.Calls, APICall{Service: "ec2", Operation: "StopInstances", Region: r, Params: map[string]any{"InstanceIds": byRegion[r], "DryRun": true}})
		}
		for _, r := range sortedKeys(byRegion) {
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
	if len(c.CreatedAccessKeys) > 0 {
		p.Notes = append(p.Notes, "keys created by this key stay active: investigate and deactivate them as their own cases")
	}
	return p
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
		a.Refusal = fmt.Sprintf("the key belongs to account %s but the caller is in %s: use a profile for account %s (--profile, or --account-profile %s=PROFILE)", c.Owner.Account, caller.Account, c.Owner.Account, c.Owner.Account)
		return
	}
	if caller.UserName != "" && caller.UserName == c.Owner.User {
		a.Warnings = append(a.Warnings, "you are signed in as the key's own user "+caller.UserName)
		a.SecondConfirm = "you act as the same IAM user as the key (" + caller.UserName + "): type the key id again to proceed"
	}
}

// revokeTitle names a revocation of user's or role's sessions issued before t.
func revokeTitle(kind, name string, t time.Time) string {
	what := "user"
	if kind == ActRevokeRoleSessions {
		what = "role"
	}
	return fmt.Sprintf("Revoke sessions of %s %s issued before %s", what, name, t.UTC().Format(time.RFC3339))
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
		name = a.Roles[0][strings.LastIndex(a.Roles[0], "/")+1:]
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

// RevocationPolicy is the inline policy denying every action to sessions issued before t.
func RevocationPolicy(t time.Time) string {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Deny",
			"Action":    []string{"*"},
			"Resource":  []string{"*"},
			"Condition": map[string]any{"DateLessThan": map[string]string{"aws:TokenIssueTime": t.UTC().Format("2006-01-02T15:04:05Z")}},
		}},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// RevocationState reads an AWSRevokeOlderSessions policy document: the state to show,
// and whether it revokes at least the sessions issued before cut. Remediators use it to
// tell an applied revocation from a missing or older one.
func RevocationState(doc string, cut time.Time) (string, bool) {
	if doc == "" {
		return "no revocation policy", false
	}
	var d struct {
		Statement []struct {
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return "unreadable " + RevokePolicyName + " policy", false
	}
	for _, s := range d.Statement {
		v, _ := s.Condition["DateLessThan"]["aws:TokenIssueTime"].(string)
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return "sessions issued before " + v + " revoked", !t.Before(cut.UTC().Truncate(time.Second))
		}
	}
	return RevokePolicyName + " policy without a TokenIssueTime condition", false
}

func countIDs(m map[string][]string) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown user"
	}
	return s
}

// ReactivateAction is the undo of a deactivation, as its own confirmed action.
func ReactivateAction(key, user, account string) Action {
	return Action{
		ID: ActReactivateKey + ":" + key, Kind: ActReactivateKey, Key: key, User: user, Account: account, ConfirmToken: key,
		Title:     fmt.Sprintf("Reactivate access key %s of %s", key, orUnknown(user)),
		Calls:     []APICall{{Service: "iam", Operation: "UpdateAccessKey", Params: map[string]any{"AccessKeyId": key, "UserName": user, "Status": "Active"}}},
		Undo:      "deactivate the key again: keypivot deactivate " + key,
		UndoCalls: []APICall{{Service: "iam", Operation: "UpdateAccessKey", Params: map[string]any{"AccessKeyId": key, "UserName": user, "Status": "Inactive"}}},
		Affects:   []string{"the key works again for whoever holds it"},
	}
}

// Remediator performs actions against an account (AWS, or the demo's simulation).
type Remediator interface {
	// Caller is who the calls are made as.
	Caller(ctx context.Context) (Caller, error)
	// State reads the target's current state and whether the action is already in effect.
	State(ctx context.Context, a Action) (state string, applied bool, err error)
	// Apply makes the action's calls and returns the request ids.
	Apply(ctx context.Context, a Action) (requestIDs []string, err error)
}

// JournalEntry is one line of the remediation journal.
type JournalEntry struct {
	Time      time.Time `json:"time"`
	Phase     string    `json:"phase"` // planned, intent, done, failed, skipped, cancelled
	ActionID  string    `json:"action_id"`
	Action    string    `json:"action"`
	Key       string    `json:"key"`
	CallerARN string    `json:"caller_arn"`
	// CallerAccount is the account of the caller the action was planned or made by;
	// Account the account it acts in (the key's, or a role's). A resume checks that
	// its caller can act there, whatever its profile is called.
	CallerAccount string    `json:"caller_account,omitempty"`
	Account       string    `json:"account,omitempty"`
	Profile       string    `json:"profile,omitempty"`
	Region        string    `json:"region,omitempty"`
	Calls         []APICall `json:"calls"`
	RequestIDs    []string  `json:"request_ids,omitempty"`
	StateBefore   string    `json:"state_before,omitempty"`
	StateAfter    string    `json:"state_after,omitempty"`
	Result        string    `json:"result,omitempty"`
	Undo          string    `json:"undo,omitempty"`
	// Spec is the whole action, so that an interrupted run can be completed as planned.
	Spec *Action `json:"spec,omitempty"`
}

// Journal phases. Planned and intent open an action; the others are its outcome.
const (
	// PhasePlanned is written for every confirmed action of a batch before the first
	// one runs: nothing of it has been called yet.
	PhasePlanned = "planned"
	// PhaseIntent is written right before an action's first call.
	PhaseIntent  = "intent"
	PhaseDone    = "done"
	PhaseFailed  = "failed"
	PhaseSkipped = "skipped"
	// PhaseCancelled closes a planned action that was not run after all (a journal
	// failure before the first call): nothing of it was called.
	PhaseCancelled = "cancelled"
)

// IsOutcome reports whether phase closes an action (done, failed, skipped, cancelled).
func IsOutcome(phase string) bool {
	switch phase {
	case PhaseDone, PhaseFailed, PhaseSkipped, PhaseCancelled:
		return true
	}
	return false
}

// PendingEntries returns the actions of a journal that were planned or started and have
// no outcome since: for each, its latest planned or intent record, in the order they
// were first journalled. A phase it does not know neither opens nor closes an action.
func PendingEntries(entries []JournalEntry) []JournalEntry {
	open := map[string]int{}
	listed := map[string]bool{}
	var order []string
	for i, e := range entries {
		switch {
		case e.Phase == PhasePlanned || e.Phase == PhaseIntent:
			if !listed[e.ActionID] {
				listed[e.ActionID] = true
				order = append(order, e.ActionID)
			}
			open[e.ActionID] = i
		case IsOutcome(e.Phase):
			delete(open, e.ActionID)
		}
	}
	var out []JournalEntry
	for _, id := range order {
		if i, ok := open[id]; ok {
			out = append(out, entries[i])
		}
	}
	return out
}

// Journal is an append-only, durable record of remediation.
type Journal interface {
	Append(e JournalEntry) error
	// Pending returns the actions planned or started that have no outcome (a crash
	// mid-batch or mid-action): PendingEntries of the journal.
	Pending() ([]JournalEntry, error)
}

// ErrReadOnly is returned for every write when read-only mode is on.
var ErrReadOnly = errors.New("read-only mode: no write is made (remove --read-only to act)")

// ErrWrongAccount is wrapped by the refusal to resume an action with a caller that cannot
// act in the account it was planned for.
var ErrWrongAccount = errors.New("wrong account")

// WrongAccountError refuses to resume an action in another account than planned (or,
// for a Kibana action, against another Kibana).
type WrongAccountError struct {
	Action   string // the action's title
	Planned  string // the account the action was planned for (a Kibana URL for Kibana)
	PlanBy   string // the caller that planned it
	Current  string // the resuming caller's account (Kibana URL)
	CallerBy string // the resuming caller
	Kibana   bool
}

func (e *WrongAccountError) Error() string {
	if e.Kibana {
		return fmt.Sprintf("refused: %s was planned against Kibana %s (by %s) but this run writes to Kibana %s (%s): resume it with --kibana %s",
			e.Action, e.Planned, orDash(e.PlanBy), e.Current, orDash(e.CallerBy), e.Planned)
	}
	return fmt.Sprintf("refused: %s was planned for account %s (by %s) but the caller is in account %s (%s): resume it with credentials of account %s (--profile, or --account-profile %s=PROFILE)",
		e.Action, e.Planned, orDash(e.PlanBy), e.Current, orDash(e.CallerBy), e.Planned, e.Planned)
}

func (e *WrongAccountError) Unwrap() error { return ErrWrongAccount }

// Runner executes confirmed actions: it refuses in read-only mode, journals intent
// before and outcome after each write, re-reads state, and never repeats an action found
// already in effect. A batch (RunAll) is journalled as planned before its first call.
type Runner struct {
	Remediator Remediator
	Journal    Journal
	ReadOnly   bool
	// Now is the clock of revocation cut-offs and journal times (time.Now when nil).
	Now func() time.Time
}

// Outcome is what running an action did.
type Outcome struct {
	Action      Action   `json:"action"`
	StateBefore string   `json:"state_before"`
	StateAfter  string   `json:"state_after"`
	RequestIDs  []string `json:"request_ids"`
	Skipped     bool     `json:"skipped"` // already in effect: nothing was called
	Err         error    `json:"-"`
	Error       string   `json:"error,omitempty"`
}

func (o *Outcome) fail(err error) Outcome {
	o.Err, o.Error = err, err.Error()
	return *o
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// check is what must hold before a confirmed action is run (or planned).
func (r *Runner) check(a Action, typed, typedAgain string) error {
	switch {
	case r.ReadOnly:
		return ErrReadOnly
	case a.Refusal != "":
		return errors.New("refused: " + a.Refusal)
	case !a.Confirmed(typed):
		return errors.New("not confirmed: type the key id " + a.ConfirmToken + " to confirm")
	case a.SecondConfirm != "" && !a.Confirmed(typedAgain):
		return errors.New("not confirmed twice: " + a.SecondConfirm)
	case r.Journal == nil:
		return errors.New("no journal: refusing to write without a record")
	}
	return nil
}

// checkCaller refuses what the acting caller must not do: deactivate its own key.
func checkCaller(a Action, caller Caller) error {
	if a.Kind == ActDeactivateKey && caller.AccessKeyID != "" && caller.AccessKeyID == a.Key {
		return errors.New("refused: keypivot is signing with this very key")
	}
	return nil
}

// Run executes a once typed confirms it (and typedAgain, when the action asks for a
// second confirmation).
func (r *Runner) Run(ctx context.Context, a Action, typed, typedAgain string) Outcome {
	return r.RunAll(ctx, []Confirmed{{Action: a, Typed: typed, TypedAgain: typedAgain}})[0]
}

// Confirmed is an action of a batch with what the analyst typed to confirm it.
type Confirmed struct {
	Action     Action
	Typed      string
	TypedAgain string
}

// RunAll runs a batch of confirmed actions in order, each as Run does, after journalling
// every one that passes Run's checks as planned: a crash at any point leaves each action
// that did not finish pending, so that a resume offers exactly the rest. An action that
// fails the checks (refused, not confirmed) is never planned; its outcome says why. A
// batch of one is not planned: its intent, written before its first call, is its plan.
// When ctx ends between actions, the ones not started stay planned (pending).
func (r *Runner) RunAll(ctx context.Context, batch []Confirmed) []Outcome {
	outs := make([]Outcome, len(batch))
	var run []int
	for i, c := range batch {
		outs[i] = Outcome{Action: c.Action}
		if err := r.check(c.Action, c.Typed, c.TypedAgain); err != nil {
			outs[i].fail(err)
			continue
		}
		run = append(run, i)
	}
	if len(run) == 0 {
		return outs
	}
	caller, err := r.Remediator.Caller(ctx)
	if err != nil {
		for _, i := range run {
			outs[i].fail(fmt.Errorf("cannot tell who is acting: %w", err))
		}
		return outs
	}
	run = slices.DeleteFunc(run, func(i int) bool {
		err := checkCaller(batch[i].Action, caller)
		if err != nil {
			outs[i].fail(err)
		}
		return err != nil
	})
	if len(run) > 1 {
		for n, i := range run {
			a := batch[i].Action
			e := r.entry(a, caller)
			e.Time, e.Phase, e.Spec = r.now(), PhasePlanned, &a
			if err := r.Journal.Append(e); err != nil {
				// Nothing was called: close what was planned, and run nothing.
				for _, k := range run[:n] {
					c := r.entry(batch[k].Action, caller)
					c.Time, c.Phase, c.Result = r.now(), PhaseCancelled, "the journal failed while planning: nothing was called"
					_ = r.Journal.Append(c)
				}
				for _, k := range run {
					outs[k].fail(fmt.Errorf("journal: %w (nothing was called)", err))
				}
				return outs
			}
		}
	}
	for n, i := range run {
		if err := ctx.Err(); err != nil {
			for _, k := range run[n:] {
				outs[k].fail(fmt.Errorf("interrupted before it started (%w): it stays planned; keypivot journal --resume offers it", err))
			}
			break
		}
		outs[i] = r.execute(ctx, batch[i].Action.AtConfirmation(r.now()), caller)
	}
	return outs
}

// entry is the journal record of a made by caller, without its phase.
func (r *Runner) entry(a Action, caller Caller) JournalEntry {
	acct := a.Account
	if acct == "" {
		acct = caller.Account
	}
	return JournalEntry{ActionID: a.ID, Action: a.Kind, Key: a.Key, CallerARN: caller.ARN, CallerAccount: caller.Account, Account: acct,
		Profile: caller.Profile, Region: caller.Region, Calls: a.Calls, Undo: a.Undo}
}

func (r *Runner) execute(ctx context.Context, a Action, caller Caller) Outcome {
	out := Outcome{Action: a}
	entry := r.entry(a, caller)
	before, applied, err := r.Remediator.State(ctx, a)
	out.StateBefore = before
	if err != nil {
		out.Err, out.Error = err, err.Error()
		entry.Time, entry.Phase, entry.Result, entry.StateBefore = r.now(), PhaseFailed, "cannot read state: "+err.Error(), before
		_ = r.Journal.Append(entry)
		return out
	}
	if applied {
		out.Skipped, out.StateAfter = true, before
		entry.Time, entry.Phase, entry.StateBefore, entry.StateAfter, entry.Result = r.now(), PhaseSkipped, before, before, "already in effect: nothing called"
		if err := r.Journal.Append(entry); err != nil {
			out.Err, out.Error = err, err.Error()
		}
		return out
	}
	intent := entry
	spec := a
	intent.Time, intent.Phase, intent.StateBefore, intent.Spec = r.now(), PhaseIntent, before, &spec
	if err := r.Journal.Append(intent); err != nil {
		out.Err, out.Error = fmt.Errorf("journal: %w (nothing was called)", err), "journal: "+err.Error()
		return out
	}
	ids, applyErr := r.Remediator.Apply(ctx, a)
	out.RequestIDs = ids
	after, _, stErr := r.Remediator.State(ctx, a)
	out.StateAfter = after
	entry.Time, entry.RequestIDs, entry.StateBefore, entry.StateAfter = r.now(), ids, before, after
	if applyErr != nil {
		entry.Phase, entry.Result = PhaseFailed, applyErr.Error()
		out.Err, out.Error = applyErr, applyErr.Error()
	} else {
		entry.Phase, entry.Result = PhaseDone, "ok"
		if stErr != nil {
			entry.Result = "ok; re-reading state failed: " + stErr.Error()
		}
	}
	if err := r.Journal.Append(entry); err != nil && out.Err == nil {
		out.Err, out.Error = fmt.Errorf("journal: %w", err), "journal: "+err.Error()
	}
	return out
}

// PlannedAccount is the account a journalled action was planned to act in: the one it
// names, else its planner's (an older journal names it only in the caller's ARN).
func PlannedAccount(e JournalEntry) string {
	switch {
	case e.Account != "":
		return e.Account
	case e.Spec != nil && e.Spec.Account != "":
		return e.Spec.Account
	case e.CallerAccount != "":
		return e.CallerAccount
	}
	return arnAccount(e.CallerARN)
}

// CheckResume says whether caller may complete the journalled action e: it must be able
// to act in the account e was planned for (its own, or through --account-profile),
// whatever its profile is called. The error wraps ErrWrongAccount.
// A Kibana action must be resumed against the Kibana it was planned against (its
// caller's Profile names it: "kibana URL").
func CheckResume(e JournalEntry, caller Caller) error {
	title := e.Action + " " + e.Key
	if e.Spec != nil && e.Spec.Title != "" {
		title = e.Spec.Title
	}
	if strings.HasPrefix(e.Action, "kibana-") {
		planned, ok := strings.CutPrefix(e.Profile, "kibana ")
		current, ok2 := strings.CutPrefix(caller.Profile, "kibana ")
		if ok && ok2 && strings.TrimSuffix(planned, "/") != strings.TrimSuffix(current, "/") {
			return &WrongAccountError{Action: title, Planned: planned, PlanBy: e.CallerARN, Current: current, CallerBy: caller.ARN, Kibana: true}
		}
		return nil
	}
	acct := PlannedAccount(e)
	if caller.CanActIn(acct) {
		return nil
	}
	by := caller.ARN
	if caller.Profile != "" {
		by += ", profile " + caller.Profile
	}
	return &WrongAccountError{Action: title, Planned: acct, PlanBy: e.CallerARN, Current: caller.Account, CallerBy: by}
}

// Resume completes the actions a crash left planned or half done: for each journalled
// action without an outcome, it checks that the caller can act in the account it was
// planned for (an outcome wrapping ErrWrongAccount when not, before any question), asks
// confirm, then re-reads the state and calls only if the action is not in effect.
// confirm sees each pending action and must ask the analyst again (a resume is a write
// like any other); a declined action stays pending. An action only planned (never
// started) is confirmed now: a revocation's cut-off moves to now. With keys, only
// actions on those keys are considered.
func (r *Runner) Resume(ctx context.Context, confirm func(Action) bool, keys ...string) ([]Outcome, error) {
	if r.ReadOnly {
		return nil, ErrReadOnly
	}
	if r.Journal == nil {
		return nil, nil
	}
	pending, err := r.Journal.Pending()
	if err != nil || len(pending) == 0 {
		return nil, err
	}
	caller, err := r.Remediator.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var outs []Outcome
	for _, p := range pending {
		if p.Spec == nil || (len(keys) > 0 && !slices.Contains(keys, p.Key)) {
			continue
		}
		a := *p.Spec
		o := Outcome{Action: a}
		if err := CheckResume(p, caller); err != nil {
			outs = append(outs, o.fail(err))
			continue
		}
		if err := checkCaller(a, caller); err != nil {
			outs = append(outs, o.fail(err))
			continue
		}
		if confirm == nil || !confirm(a) {
			continue
		}
		if p.Phase == PhasePlanned {
			a = a.AtConfirmation(r.now())
		}
		outs = append(outs, r.execute(ctx, a, caller))
	}
	return outs, nil
}
