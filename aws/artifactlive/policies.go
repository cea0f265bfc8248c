package artifactlive

import (
	"context"
	"slices"

	"github.com/keypivot/keypivot/aws/iamread"
	"github.com/keypivot/keypivot/investigate"
)

// attachedPolicy: the managed policy is still attached to the principal
// (iam:ListAttached{User,Role,Group}Policies, every page).
func (r *reader) attachedPolicy(ctx context.Context, p principal, arn string) (investigate.ArtifactLive, error) {
	arns, err := iamread.AttachedPolicyARNs(ctx, r.iam, p.kind, p.name)
	if iamread.NoSuchEntity(err) {
		return gone(p.kind + " deleted"), nil
	}
	if err != nil {
		return investigate.ArtifactLive{}, err
	}
	if slices.Contains(arns, arn) {
		return present("attached"), nil
	}
	return gone("detached"), nil
}

// inlinePolicy: the inline policy is still on the principal (iam:Get{User,Role,Group}Policy).
// Its State says whether it still holds the attacker's document, when the trail has it.
func (r *reader) inlinePolicy(ctx context.Context, p principal, name, attackers string) (investigate.ArtifactLive, error) {
	doc, err := iamread.InlinePolicy(ctx, r.iam, p.kind, p.name, name)
	switch {
	case iamread.NoSuchEntity(err):
		return r.missing(ctx, p, "deleted")
	case err != nil:
		return investigate.ArtifactLive{}, err
	case attackers != "" && !investigate.SamePolicy(doc, attackers):
		return present("present, document changed since"), nil
	}
	return present("present"), nil
}
