// Package remediate carries out remediation actions in a real AWS account: it is the
// investigate.Remediator that the remediation runner (and through it `keypivot
// deactivate`, `keypivot reactivate` and the workbench's remediation screen) acts with.
//
// It makes exactly the calls an action lists, and no other (operations.go):
//   - the key: iam:UpdateAccessKey, always with the user name (the leaked key, and the
//     keys its lineage created);
//   - sessions: iam:PutUserPolicy or iam:PutRolePolicy of the revocation policy;
//   - instances: ec2:StopInstances after its DryRun, ec2:StartInstances to undo it;
//   - persistence: iam:Detach/Attach User/Role/Group Policy, iam:Delete/Put
//     User/Role/Group Policy (the attacker's inline policies, keypivot's deny-all
//     policy), iam:UpdateAssumeRolePolicy, iam:RemoveUserFromGroup and AddUserToGroup,
//     lambda:PutFunctionConcurrency (0: the function no longer runs) and
//     DeleteFunctionConcurrency, in the function's region;
//   - irreversible: iam:DeleteLoginProfile, ec2:DeleteKeyPair in the key pair's region.
//
// A call missing a parameter it needs (a user name, a region, a number of executions) is
// refused before it is made, rather than letting AWS act on the caller or in the
// session's region. Each write returns AWS's request id, a refused write's too.
//
// State reads each action's target back from AWS (state_contain.go): IAM's key list and
// last use, inline policies (decoded from IAM's URL encoding before they are compared),
// attached managed policies and group memberships (every page), a role's trust policy,
// login profiles, a function's reserved concurrency, key pairs, the instances' states.
// Something the trail shows made whose user, role, group, function or key pair no longer
// exists is in effect for the actions that remove it: IAM is asked whether the principal
// exists rather than trusting NoSuchEntity's wording, and any other error is an error.
// An undo (investigate.ActUndo) is in effect when the action it undoes is not.
//
// Independently of the plan and the runner, it refuses to deactivate the key it signs
// with and to act in an account its session is not in. --read-only is enforced by the
// session's clients.
//
// Like every aws/ package it imports investigate (the interfaces it implements, the
// types it fills) and the AWS SDK, never tui, cmd or internal.
package remediate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/investigate"
)

// Remediator acts in the account of its session.
type Remediator struct {
	Session *awsconfig.Session
	// Accounts are sessions of other accounts (--account-profile ACCOUNT=PROFILE): an
	// action on one of them (a role of another account) is made with its session.
	Accounts map[string]*awsconfig.Session
}

var _ investigate.Remediator = (*Remediator)(nil)

// Caller implements investigate.Remediator: the session's identity, resolved when it was
// loaded (sts:GetCallerIdentity and the signing key).
func (r *Remediator) Caller(context.Context) (investigate.Caller, error) {
	if r.Session == nil {
		return investigate.Caller{}, errors.New("no AWS session")
	}
	c := r.Session.Caller()
	for acct, s := range r.Accounts {
		if s != nil && acct != c.Account {
			c.OtherAccounts = append(c.OtherAccounts, acct)
		}
	}
	slices.Sort(c.OtherAccounts)
	return c, nil
}

// forAction is the remediator of a's account: r itself, or one made with the session of
// a's account from Accounts. An account without a session is refused (checkAccount).
func (r *Remediator) forAction(a investigate.Action) (*Remediator, error) {
	if a.Account != "" && a.Account != r.Session.Identity.Account {
		if s := r.Accounts[a.Account]; s != nil && s.Identity.Account == a.Account {
			return &Remediator{Session: s, Accounts: r.Accounts}, nil
		}
	}
	if err := r.checkAccount(a); err != nil {
		return nil, err
	}
	return r, nil
}

// checkAccount refuses an action on another account than the session's.
func (r *Remediator) checkAccount(a investigate.Action) error {
	if a.Account != "" && a.Account != r.Session.Identity.Account {
		return fmt.Errorf("refused: %s is in account %s but profile %s acts in account %s: run with a profile of account %s (--profile, or --account-profile %s=PROFILE)",
			a.Title, a.Account, r.Session.Profile, r.Session.Identity.Account, a.Account, a.Account)
	}
	return nil
}

// State implements investigate.Remediator: it reads the target's state from AWS.
func (r *Remediator) State(ctx context.Context, a investigate.Action) (string, bool, error) {
	if r.Session == nil {
		return "", false, errors.New("no AWS session")
	}
	r, err := r.forAction(a)
	if err != nil {
		return "", false, err
	}
	switch a.Kind {
	case investigate.ActDeactivateKey, investigate.ActReactivateKey:
		want := "Inactive"
		if a.Kind == investigate.ActReactivateKey {
			want = "Active"
		}
		st, err := r.keyState(ctx, a.Key, a.User)
		if err != nil {
			return "", false, err
		}
		return st.describe(), st.status == want, nil
	case investigate.ActRevokeUserSessions:
		doc, err := r.inlinePolicy(ctx, "user", a.User)
		if err != nil {
			return "", false, err
		}
		s, ok := investigate.RevocationState(doc, a.IssuedBefore)
		return s, ok, nil
	case investigate.ActRevokeRoleSessions:
		return investigate.RolesRevocationState(a.Roles, a.IssuedBefore, func(role string) (string, error) {
			return r.inlinePolicy(ctx, "role", role)
		})
	case investigate.ActStopInstances:
		var states []string
		applied := true
		for _, region := range slices.Sorted(maps.Keys(a.Instances)) {
			got, err := r.instanceStates(ctx, region, a.Instances[region])
			if err != nil {
				return "", false, err
			}
			for _, id := range a.Instances[region] {
				s, ok := got[id]
				if !ok {
					s = "not-found"
				}
				states = append(states, id+" "+s)
				switch s {
				case "stopped", "stopping", "terminated", "shutting-down", "not-found":
				default:
					applied = false
				}
			}
		}
		return strings.Join(states, ", "), applied, nil
	case investigate.ActUndo:
		return r.undoState(ctx, a)
	}
	if s, applied, ok, err := r.containState(ctx, a); ok {
		return s, applied, err
	}
	return "", false, fmt.Errorf("unknown action %q", a.Kind)
}

// keyState is an access key as IAM lists it.
type keyState struct {
	user, status string
	lastUsed     *iamtypes.AccessKeyLastUsed
}

func (k keyState) describe() string {
	s := k.status
	if lu := k.lastUsed; lu != nil {
		if lu.LastUsedDate != nil {
			s += fmt.Sprintf("; last used %s (%s, %s)", lu.LastUsedDate.UTC().Format(time.RFC3339), aws.ToString(lu.ServiceName), aws.ToString(lu.Region))
		} else {
			s += "; never used"
		}
	}
	return s
}

// keyState reads a key's user and last use (iam:GetAccessKeyLastUsed) and its status in
// its user's key list (iam:ListAccessKeys).
func (r *Remediator) keyState(ctx context.Context, key, user string) (keyState, error) {
	c := iam.NewFromConfig(r.Session.Config)
	st := keyState{user: user}
	lu, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(key)})
	switch {
	case err == nil:
		st.lastUsed = lu.AccessKeyLastUsed
		if u := aws.ToString(lu.UserName); u != "" {
			if user != "" && u != user {
				return st, fmt.Errorf("access key %s belongs to user %s, not %s", key, u, user)
			}
			st.user = u
		}
	case user == "":
		return st, err
	}
	if st.user == "" {
		return st, fmt.Errorf("the user of access key %s is unknown", key)
	}
	p := iam.NewListAccessKeysPaginator(c, &iam.ListAccessKeysInput{UserName: aws.String(st.user)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return st, err
		}
		for _, k := range page.AccessKeyMetadata {
			if aws.ToString(k.AccessKeyId) == key {
				st.status = string(k.Status)
				return st, nil
			}
		}
	}
	return st, fmt.Errorf("%w: access key %s is not one of user %s's keys in account %s", errKeyNotListed, key, st.user, r.Session.Identity.Account)
}

// errKeyNotListed is wrapped by keyState's error for a key its user does not have.
var errKeyNotListed = errors.New("NoSuchEntity")

// inlinePolicy is the revocation policy of a user or role ("" when it has none), its
// document decoded. A principal that no longer exists is an error: there is nothing to
// revoke sessions of.
func (r *Remediator) inlinePolicy(ctx context.Context, kind, name string) (string, error) {
	doc, got, err := r.inline(ctx, kind, name, investigate.RevokePolicyName)
	switch {
	case err != nil:
		return "", err
	case got == absentPrincipal:
		return "", fmt.Errorf("NoSuchEntity: %s %s does not exist in account %s", kind, name, r.Session.Identity.Account)
	}
	return doc, nil
}

func (r *Remediator) instanceStates(ctx context.Context, region string, ids []string) (map[string]string, error) {
	c := ec2.NewFromConfig(r.Session.ForRegion(region))
	out := map[string]string{}
	for chunk := range slices.Chunk(ids, 200) {
		p := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("instance-id"), Values: chunk}}})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", region, err)
			}
			for _, res := range page.Reservations {
				for _, in := range res.Instances {
					if in.State != nil {
						out[aws.ToString(in.InstanceId)] = string(in.State.Name)
					}
				}
			}
		}
	}
	return out, nil
}
