package artifactlive

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keypivot/keypivot/investigate"
)

// attachedPolicy: the managed policy is still attached to the principal
// (iam:ListAttached{User,Role,Group}Policies, every page).
func (r *reader) attachedPolicy(ctx context.Context, p principal, arn string) (investigate.ArtifactLive, error) {
	var attached []types.AttachedPolicy
	var err error
	switch p.kind {
	case "user":
		attached, err = r.attachedUserPolicies(ctx, p.name)
	case "role":
		attached, err = r.attachedRolePolicies(ctx, p.name)
	default:
		attached, err = r.attachedGroupPolicies(ctx, p.name)
	}
	if noSuchEntity(err) {
		return gone(p.kind + " deleted"), nil
	}
	if err != nil {
		return investigate.ArtifactLive{}, err
	}
	for _, a := range attached {
		if aws.ToString(a.PolicyArn) == arn {
			return present("attached"), nil
		}
	}
	return gone("detached"), nil
}

func (r *reader) attachedUserPolicies(ctx context.Context, name string) ([]types.AttachedPolicy, error) {
	var out []types.AttachedPolicy
	p := iam.NewListAttachedUserPoliciesPaginator(r.iam, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.AttachedPolicies...)
	}
	return out, nil
}

func (r *reader) attachedRolePolicies(ctx context.Context, name string) ([]types.AttachedPolicy, error) {
	var out []types.AttachedPolicy
	p := iam.NewListAttachedRolePoliciesPaginator(r.iam, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.AttachedPolicies...)
	}
	return out, nil
}

func (r *reader) attachedGroupPolicies(ctx context.Context, name string) ([]types.AttachedPolicy, error) {
	var out []types.AttachedPolicy
	p := iam.NewListAttachedGroupPoliciesPaginator(r.iam, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.AttachedPolicies...)
	}
	return out, nil
}

// inlinePolicy: the inline policy is still on the principal (iam:Get{User,Role,Group}Policy).
// Its State says whether it still holds the attacker's document, when the trail has it.
func (r *reader) inlinePolicy(ctx context.Context, p principal, name, attackers string) (investigate.ArtifactLive, error) {
	var doc *string
	var err error
	switch p.kind {
	case "user":
		var out *iam.GetUserPolicyOutput
		if out, err = r.iam.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String(p.name), PolicyName: aws.String(name)}); err == nil {
			doc = out.PolicyDocument
		}
	case "role":
		var out *iam.GetRolePolicyOutput
		if out, err = r.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(p.name), PolicyName: aws.String(name)}); err == nil {
			doc = out.PolicyDocument
		}
	case "group":
		var out *iam.GetGroupPolicyOutput
		if out, err = r.iam.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: aws.String(p.name), PolicyName: aws.String(name)}); err == nil {
			doc = out.PolicyDocument
		}
	default:
		return investigate.ArtifactLive{}, fmt.Errorf("unknown principal kind %q", p.kind)
	}
	switch {
	case noSuchEntity(err):
		return r.missing(ctx, p, "deleted")
	case err != nil:
		return investigate.ArtifactLive{}, err
	case attackers != "" && !investigate.SamePolicy(policyDocument(aws.ToString(doc)), attackers):
		return present("present, document changed since"), nil
	}
	return present("present"), nil
}
