// Package remediate carries out remediation actions in a real AWS account: it is the
// investigate.Remediator that the remediation runner (and through it `keypivot
// deactivate`, `keypivot reactivate` and the workbench's remediation screen) acts with.
//
// It makes exactly the calls an action lists (iam:UpdateAccessKey always with the user
// name, iam:PutUserPolicy or iam:PutRolePolicy of the revocation policy, ec2:StopInstances
// after its DryRun), reads the target's state back from AWS (IAM's key list and last use,
// the inline policy, the instances' states), and returns AWS's request ids. Independently
// of the plan and the runner, it refuses to deactivate the key it signs with and to act
// in an account its session is not in. --read-only is enforced by the session's clients.
//
// Like every aws/ package it imports investigate (the interfaces it implements, the
// types it fills) and the AWS SDK, never tui, cmd or internal.
package remediate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
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
	return st, fmt.Errorf("NoSuchEntity: access key %s is not one of user %s's keys in account %s", key, st.user, r.Session.Identity.Account)
}

// inlinePolicy is the revocation policy of a user or role ("" when it has none). IAM
// returns documents URL-encoded.
func (r *Remediator) inlinePolicy(ctx context.Context, kind, name string) (string, error) {
	c := iam.NewFromConfig(r.Session.Config)
	var doc *string
	var err error
	if kind == "user" {
		var out *iam.GetUserPolicyOutput
		if out, err = c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String(investigate.RevokePolicyName)}); err == nil {
			doc = out.PolicyDocument
		}
	} else {
		var out *iam.GetRolePolicyOutput
		if out, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(investigate.RevokePolicyName)}); err == nil {
			doc = out.PolicyDocument
		}
	}
	if err != nil {
		var nse *iamtypes.NoSuchEntityException
		if errors.As(err, &nse) && policyMissing(err) {
			return "", nil
		}
		return "", err
	}
	s := aws.ToString(doc)
	if dec, err := url.QueryUnescape(s); err == nil {
		s = dec
	}
	return s, nil
}

// policyMissing tells "the user has no such policy" from "there is no such user".
func policyMissing(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "policy") && !strings.Contains(msg, "user with name") && !strings.Contains(msg, "role with name")
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
