package remediate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/aws/iamread"
	"github.com/keypivot/keypivot/investigate"
)

// containStates say, for each kind of containment action, the operations its first call
// may be and how its state is read from AWS. applied is true when the action is in effect
// (investigate's State semantics): what the attacker left is no longer in place, or the
// principal it was on no longer exists.
var containStates = map[string]struct {
	ops  []string
	read func(r *Remediator, ctx context.Context, a investigate.Action, c investigate.APICall) (string, bool, error)
}{
	investigate.ActDeactivateChildKey: {[]string{"iam:UpdateAccessKey"}, (*Remediator).childKeyState},
	investigate.ActDetachPolicy:       {[]string{"iam:DetachUserPolicy", "iam:DetachRolePolicy", "iam:DetachGroupPolicy"}, (*Remediator).attachmentState},
	investigate.ActDeleteInlinePolicy: {[]string{"iam:DeleteUserPolicy", "iam:DeleteRolePolicy", "iam:DeleteGroupPolicy"}, (*Remediator).inlineState},
	investigate.ActRestoreTrustPolicy: {[]string{"iam:UpdateAssumeRolePolicy"}, (*Remediator).trustState},
	investigate.ActRemoveFromGroup:    {[]string{"iam:RemoveUserFromGroup"}, (*Remediator).membershipState},
	investigate.ActDenyAllUser:        {[]string{"iam:PutUserPolicy"}, (*Remediator).denyAllState},
	investigate.ActDenyAllRole:        {[]string{"iam:PutRolePolicy"}, (*Remediator).denyAllState},
	investigate.ActThrottleFunction:   {[]string{"lambda:PutFunctionConcurrency"}, (*Remediator).concurrencyState},
	investigate.ActDeleteLoginProfile: {[]string{"iam:DeleteLoginProfile"}, (*Remediator).loginProfileState},
	investigate.ActDeleteKeyPair:      {[]string{"ec2:DeleteKeyPair"}, (*Remediator).keyPairState},
}

// containState reads the state of a containment action from its first call, which
// names what it acts on; ok is false for another kind of action.
func (r *Remediator) containState(ctx context.Context, a investigate.Action) (state string, applied, ok bool, err error) {
	k, ok := containStates[a.Kind]
	if !ok {
		return "", false, false, nil
	}
	if len(a.Calls) == 0 {
		return "", false, true, fmt.Errorf("%s has no call to read its target from", a.Title)
	}
	c := a.Calls[0]
	name := c.Service + ":" + c.Operation
	if !slices.Contains(k.ops, name) {
		return "", false, true, fmt.Errorf("%s: a %s action does not make %s", a.Title, a.Kind, name)
	}
	if err := operations[name].check(c); err != nil {
		return "", false, true, err
	}
	state, applied, err = k.read(r, ctx, a, c)
	return state, applied, true, err
}

// undoState is the state of an undo: the state of the action it undoes, in effect when
// that action is not.
func (r *Remediator) undoState(ctx context.Context, u investigate.Action) (string, bool, error) {
	o, ok := u.Undone()
	if !ok {
		return "", false, fmt.Errorf("%s does not say which action it undoes", u.Title)
	}
	s, applied, err := r.State(ctx, o)
	if err != nil {
		return s, false, err
	}
	return s, !applied, nil
}

func (r *Remediator) iam() *iam.Client { return iam.NewFromConfig(r.Session.Config) }

// childKeyState: the key is Inactive, or no longer exists.
func (r *Remediator) childKeyState(ctx context.Context, _ investigate.Action, c investigate.APICall) (string, bool, error) {
	key, user := c.Param("AccessKeyId"), c.Param("UserName")
	st, err := r.keyState(ctx, key, user)
	switch {
	case errors.Is(err, errKeyNotListed):
		return "deleted: " + key + " is not one of user " + user + "'s keys", true, nil
	case err != nil:
		return r.goneOr(ctx, "user", user, err)
	}
	return st.describe(), st.status == "Inactive", nil
}

// attachmentState: the managed policy is not attached to the principal.
func (r *Remediator) attachmentState(ctx context.Context, _ investigate.Action, c investigate.APICall) (string, bool, error) {
	kind, name := principal(c)
	arns, err := iamread.AttachedPolicyARNs(ctx, r.iam(), kind, name)
	if err != nil {
		return r.goneOr(ctx, kind, name, err)
	}
	if slices.Contains(arns, c.Param("PolicyArn")) {
		return "attached to " + kind + " " + name, false, nil
	}
	return "not attached to " + kind + " " + name, true, nil
}

// inlineState: the inline policy is absent.
func (r *Remediator) inlineState(ctx context.Context, _ investigate.Action, c investigate.APICall) (string, bool, error) {
	kind, name := principal(c)
	policy := c.Param("PolicyName")
	_, got, err := r.inline(ctx, kind, name, policy)
	switch {
	case err != nil:
		return "", false, err
	case got == absentPrincipal:
		return kind + " " + name + " no longer exists", true, nil
	case got == present:
		return "inline policy " + policy + " on " + kind + " " + name, false, nil
	}
	return "no inline policy " + policy + " on " + kind + " " + name, true, nil
}

// denyAllState: the deny-all policy is on the principal, with the deny-all document.
func (r *Remediator) denyAllState(ctx context.Context, _ investigate.Action, c investigate.APICall) (string, bool, error) {
	kind, name := principal(c)
	policy := c.Param("PolicyName")
	doc, got, err := r.inline(ctx, kind, name, policy)
	switch {
	case err != nil:
		return "", false, err
	case got == absentPrincipal:
		return kind + " " + name + " no longer exists", true, nil
	case got == absentPolicy:
		return "no " + policy + " policy on " + kind + " " + name, false, nil
	case !investigate.SamePolicy(doc, c.Param("PolicyDocument")):
		return policy + " on " + kind + " " + name + " has another document than keypivot's", false, nil
	}
	return policy + " in place on " + kind + " " + name, true, nil
}

// trustState: the role's trust policy is the document the restore puts back.
func (r *Remediator) trustState(ctx context.Context, a investigate.Action, c investigate.APICall) (string, bool, error) {
	role := c.Param("RoleName")
	out, err := r.iam().GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)})
	if err != nil {
		return r.goneOr(ctx, "role", role, err)
	}
	doc := iamread.Document(aws.ToString(out.Role.AssumeRolePolicyDocument))
	if investigate.SamePolicy(doc, c.Param("PolicyDocument")) {
		return "trust policy = earlier document", true, nil
	}
	for _, u := range a.UndoCalls {
		if u.Operation == "UpdateAssumeRolePolicy" && u.Param("RoleName") == role && investigate.SamePolicy(doc, u.Param("PolicyDocument")) {
			return "trust policy = attacker's document", false, nil
		}
	}
	// Someone changed it since the attacker's edit: overwriting a document nobody
	// reviewed could undo a responder's fix (and the undo would not bring it back).
	return "trust policy = another document", false, fmt.Errorf("refused: the trust policy of role %s is neither the attacker's document nor the one to restore: it changed since; review it (aws iam get-role --role-name %s) and change it by hand", role, role)
}

// membershipState: the user is not in the group.
func (r *Remediator) membershipState(ctx context.Context, _ investigate.Action, c investigate.APICall) (string, bool, error) {
	user, group := c.Param("UserName"), c.Param("GroupName")
	in, err := iamread.InGroup(ctx, r.iam(), user, group)
	switch {
	case err != nil:
		return r.goneOr(ctx, "user", user, err)
	case in:
		return "user " + user + " in group " + group, false, nil
	}
	return "user " + user + " not in group " + group, true, nil
}

// concurrencyState: the function's reserved concurrency is the one the call sets (0),
// or the function no longer exists.
func (r *Remediator) concurrencyState(ctx context.Context, _ investigate.Action, c investigate.APICall) (string, bool, error) {
	fn := c.Param("FunctionName")
	want, err := reservedConcurrency(c)
	if err != nil {
		return "", false, err
	}
	out, err := lambda.NewFromConfig(r.Session.ForRegion(c.Region)).GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String(fn)})
	switch {
	case awsconfig.ErrorCode(err) == "ResourceNotFoundException":
		return "function " + fn + " no longer exists in " + c.Region, true, nil
	case err != nil:
		return "", false, fmt.Errorf("%s: %w", c.Region, err)
	case out.ReservedConcurrentExecutions == nil:
		return "no reserved concurrency: the function runs", false, nil
	}
	n := aws.ToInt32(out.ReservedConcurrentExecutions)
	return fmt.Sprintf("reserved concurrency %d", n), n == want, nil
}

// loginProfileState: the user has no login profile (or no longer exists).
func (r *Remediator) loginProfileState(ctx context.Context, _ investigate.Action, c investigate.APICall) (string, bool, error) {
	user := c.Param("UserName")
	out, err := r.iam().GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String(user)})
	if err == nil {
		s := "login profile"
		if lp := out.LoginProfile; lp != nil && lp.CreateDate != nil {
			s += " created " + lp.CreateDate.UTC().Format(time.RFC3339)
		}
		return s, false, nil
	}
	if !iamread.NoSuchEntity(err) {
		return "", false, err
	}
	gone, gerr := r.principalGone(ctx, "user", user)
	switch {
	case gerr != nil:
		return "", false, gerr
	case gone:
		return "user " + user + " no longer exists", true, nil
	}
	return "no login profile", true, nil
}

// keyPairState: the key pair does not exist in the call's region.
func (r *Remediator) keyPairState(ctx context.Context, _ investigate.Action, c investigate.APICall) (string, bool, error) {
	name := c.Param("KeyName")
	out, err := ec2.NewFromConfig(r.Session.ForRegion(c.Region)).DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyNames: []string{name}})
	switch {
	case awsconfig.ErrorCode(err) == "InvalidKeyPair.NotFound":
	case err != nil:
		return "", false, fmt.Errorf("%s: %w", c.Region, err)
	default:
		for _, k := range out.KeyPairs {
			if aws.ToString(k.KeyName) == name {
				return fmt.Sprintf("key pair %s exists in %s (%s, fingerprint %s)", name, c.Region, aws.ToString(k.KeyPairId), aws.ToString(k.KeyFingerprint)), false, nil
			}
		}
	}
	return "no key pair " + name + " in " + c.Region, true, nil
}
