package owner

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keypivot/keypivot/aws/iamread"
	"github.com/keypivot/keypivot/investigate"
)

// readPolicies fills info.AttachedPolicies with the ARNs of the managed policies attached
// to the user (iam:ListAttachedUserPolicies; an empty, non-nil slice when there are
// none), and info.PolicyDenies with the actions denied by the default version of each
// attached AWS quarantine policy (iam:GetPolicy, iam:GetPolicyVersion).
//
// Neither failure fails the owner lookup; each is appended to info.Error. A list that
// could not be read leaves AttachedPolicies nil (not read); a quarantine policy whose
// document could not be read is absent from PolicyDenies (its denies unknown). Only a
// cancelled context is returned.
func readPolicies(ctx context.Context, c *iam.Client, info *investigate.OwnerInfo) error {
	attached, err := iamread.AttachedPolicyARNs(ctx, c, "user", info.User)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		info.Error = join(info.Error, fmt.Sprintf("the user's attached policies are unknown (AWS's quarantine policy among them): %v", err))
		return nil
	}
	if attached == nil {
		attached = []string{} // read, and none
	}
	info.AttachedPolicies = attached
	for _, arn := range attached {
		if !investigate.IsQuarantinePolicy(arn) {
			continue
		}
		denies, err := deniedActions(ctx, c, arn)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			info.Error = join(info.Error, fmt.Sprintf("the actions quarantine policy %s denies are unknown: %v", arn, err))
			continue
		}
		if info.PolicyDenies == nil {
			info.PolicyDenies = map[string][]string{}
		}
		info.PolicyDenies[arn] = denies
	}
	return nil
}

// deniedActions are the actions of the Deny statements of the policy's default version.
func deniedActions(ctx context.Context, c *iam.Client, arn string) ([]string, error) {
	pol, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	version := aws.ToString(pol.Policy.DefaultVersionId)
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(version)})
	if err != nil {
		return nil, err
	}
	denies, err := denyActions(iamread.Document(aws.ToString(v.PolicyVersion.Document)))
	if err != nil {
		return nil, fmt.Errorf("version %s: %w", version, err)
	}
	return denies, nil
}

// policyDoc is an IAM policy document as far as its Deny actions go: Statement and Action
// are each either one value or a list.
type policyDoc struct {
	Statement oneOrMany[struct {
		Effect string
		Action oneOrMany[string]
	}]
}

// oneOrMany is a JSON value that is either a T or a list of T.
type oneOrMany[T any] []T

func (o *oneOrMany[T]) UnmarshalJSON(b []byte) error {
	var many []T
	if err := json.Unmarshal(b, &many); err == nil {
		*o = many
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*o = []T{one}
	return nil
}

// denyActions are the actions of a policy document's Deny statements, each once, in
// order (NotAction statements deny what they do not name, and are not listed).
func denyActions(doc string) ([]string, error) {
	var d policyDoc
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return nil, fmt.Errorf("policy document is not JSON: %w", err)
	}
	out := []string{}
	for _, s := range d.Statement {
		if s.Effect != "Deny" {
			continue
		}
		for _, a := range s.Action {
			out = appendUnique(out, a)
		}
	}
	return out, nil
}
