package artifactlive

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keypivot/keypivot/aws/iamread"
	"github.com/keypivot/keypivot/investigate"
)

// user: the user exists (iam:GetUser).
func (r *reader) user(ctx context.Context, name string) (investigate.ArtifactLive, error) {
	ok, err := iamread.Exists(ctx, r.iam, "user", name)
	if err != nil || !ok {
		return gone("deleted"), err
	}
	return present("exists"), nil
}

// role: the role exists (iam:GetRole).
func (r *reader) role(ctx context.Context, name string) (investigate.ArtifactLive, error) {
	ok, err := iamread.Exists(ctx, r.iam, "role", name)
	if err != nil || !ok {
		return gone("deleted"), err
	}
	return present("exists"), nil
}

// loginProfile: the user still has a console password (iam:GetLoginProfile).
func (r *reader) loginProfile(ctx context.Context, user string) (investigate.ArtifactLive, error) {
	_, err := r.iam.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String(user)})
	switch {
	case iamread.NoSuchEntity(err):
		return r.missing(ctx, principal{"user", user}, "no login profile")
	case err != nil:
		return investigate.ArtifactLive{}, err
	}
	return present("exists"), nil
}

// accessKey: the key's status among its user's keys (iam:ListAccessKeys); only an Active
// key is in place. A key whose user the trail did not name is placed by
// iam:GetAccessKeyLastUsed.
func (r *reader) accessKey(ctx context.Context, user, key string) (investigate.ArtifactLive, error) {
	if user == "" {
		lu, err := r.iam.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(key)})
		if iamread.NoSuchEntity(err) {
			return gone("deleted"), nil
		}
		if err != nil {
			return investigate.ArtifactLive{}, err
		}
		user = aws.ToString(lu.UserName)
	}
	p := iam.NewListAccessKeysPaginator(r.iam, &iam.ListAccessKeysInput{UserName: aws.String(user)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if iamread.NoSuchEntity(err) {
			return gone("user deleted"), nil
		}
		if err != nil {
			return investigate.ArtifactLive{}, err
		}
		for _, k := range page.AccessKeyMetadata {
			if aws.ToString(k.AccessKeyId) != key {
				continue
			}
			if k.Status == types.StatusTypeActive {
				return present(string(k.Status)), nil
			}
			return gone(string(k.Status)), nil
		}
	}
	return gone("deleted"), nil
}

// groupMembership: the user is still in the group (iam:ListGroupsForUser).
func (r *reader) groupMembership(ctx context.Context, user, group string) (investigate.ArtifactLive, error) {
	in, err := iamread.InGroup(ctx, r.iam, user, group)
	switch {
	case iamread.NoSuchEntity(err):
		return gone("user deleted"), nil
	case err != nil:
		return investigate.ArtifactLive{}, err
	case in:
		return present("member"), nil
	}
	return gone("removed from group"), nil
}

// trustPolicy: the role's trust policy is still the attacker's document (iam:GetRole);
// the current document goes into Document.
func (r *reader) trustPolicy(ctx context.Context, role, attackers string) (investigate.ArtifactLive, error) {
	out, err := r.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)})
	if iamread.NoSuchEntity(err) {
		return gone("role deleted"), nil
	}
	if err != nil {
		return investigate.ArtifactLive{}, err
	}
	live := investigate.ArtifactLive{Document: iamread.Document(aws.ToString(out.Role.AssumeRolePolicyDocument))}
	switch {
	case attackers == "":
		// Nothing to compare with: keep it in view rather than call it gone.
		live.Present, live.State = true, "role exists; the trail lacks the attacker's document to compare"
	case investigate.SamePolicy(live.Document, attackers):
		live.Present, live.State = true, "attacker's document"
	default:
		live.State = "changed since"
	}
	return live, nil
}
