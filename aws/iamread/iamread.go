// Package iamread holds the IAM reads that the live artifact lookup (aws/artifactlive),
// the remediator (aws/remediate) and the owner lookup (aws/owner) make about a user,
// role or group: whether it exists, its attached managed policies, one of its inline
// policies, a user's groups. Each returns the SDK's error as it is, so that callers
// tell "no such entity" (NoSuchEntity) from a refusal.
//
// It imports the AWS SDK only (its IAM client and smithy's API errors): no keypivot
// package.
package iamread

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

// AttachedPolicyARNs are the ARNs of the managed policies attached to a principal of
// kind user, role or group (iam:ListAttached{User,Role,Group}Policies, every page).
func AttachedPolicyARNs(ctx context.Context, c *iam.Client, kind, name string) ([]string, error) {
	var arns []string
	add := func(ps []types.AttachedPolicy) {
		for _, p := range ps {
			arns = append(arns, aws.ToString(p.PolicyArn))
		}
	}
	switch kind {
	case "user":
		p := iam.NewListAttachedUserPoliciesPaginator(c, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(name)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			add(page.AttachedPolicies)
		}
	case "role":
		p := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			add(page.AttachedPolicies)
		}
	case "group":
		p := iam.NewListAttachedGroupPoliciesPaginator(c, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String(name)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			add(page.AttachedPolicies)
		}
	default:
		return nil, fmt.Errorf("unknown principal kind %q", kind)
	}
	return arns, nil
}

// InlinePolicy is the document of a principal's inline policy, decoded
// (iam:Get{User,Role,Group}Policy).
func InlinePolicy(ctx context.Context, c *iam.Client, kind, name, policy string) (string, error) {
	var doc *string
	var err error
	switch kind {
	case "user":
		var out *iam.GetUserPolicyOutput
		if out, err = c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String(policy)}); err == nil {
			doc = out.PolicyDocument
		}
	case "role":
		var out *iam.GetRolePolicyOutput
		if out, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(policy)}); err == nil {
			doc = out.PolicyDocument
		}
	case "group":
		var out *iam.GetGroupPolicyOutput
		if out, err = c.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: aws.String(name), PolicyName: aws.String(policy)}); err == nil {
			doc = out.PolicyDocument
		}
	default:
		return "", fmt.Errorf("unknown principal kind %q", kind)
	}
	if err != nil {
		return "", err
	}
	return Document(aws.ToString(doc)), nil
}

// InGroup reports whether user is in group (iam:ListGroupsForUser, every page).
func InGroup(ctx context.Context, c *iam.Client, user, group string) (bool, error) {
	p := iam.NewListGroupsForUserPaginator(c, &iam.ListGroupsForUserInput{UserName: aws.String(user)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return false, err
		}
		for _, g := range page.Groups {
			if aws.ToString(g.GroupName) == group {
				return true, nil
			}
		}
	}
	return false, nil
}

// Document is a policy document as IAM returns it (URL-encoded), decoded.
func Document(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// NoSuchEntity reports whether IAM answered that what was asked about does not exist:
// the principal, or what was asked of it (a policy, a login profile, an access key).
func NoSuchEntity(err error) bool {
	var nse *types.NoSuchEntityException
	if errors.As(err, &nse) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "NoSuchEntity"
}

// Exists reports whether the principal of kind user, role or group exists
// (iam:GetUser, GetRole, GetGroup). IAM's NoSuchEntity names the principal or what was
// asked of it alike, and its message differs between IAM and its emulations, so a
// caller asks this rather than reading the message.
func Exists(ctx context.Context, c *iam.Client, kind, name string) (bool, error) {
	var err error
	switch kind {
	case "user":
		_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)})
	case "role":
		_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	case "group":
		_, err = c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(name), MaxItems: aws.Int32(1)})
	default:
		return false, fmt.Errorf("unknown principal kind %q", kind)
	}
	if NoSuchEntity(err) {
		return false, nil
	}
	return err == nil, err
}
