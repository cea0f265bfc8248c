package remediate

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/aws/iamread"
	"github.com/keypivot/keypivot/investigate"
)

// principal is the kind ("user", "role", "group") and name of the IAM principal a call
// acts on, by the parameter that names it.
func principal(c investigate.APICall) (kind, name string) {
	switch {
	case c.Param("RoleName") != "":
		return "role", c.Param("RoleName")
	case c.Param("GroupName") != "" && c.Param("UserName") == "":
		return "group", c.Param("GroupName")
	}
	return "user", c.Param("UserName")
}

// noSuchEntity reports whether IAM answered that something does not exist: the
// principal, or what was asked of it (a policy, a login profile).
func noSuchEntity(err error) bool {
	var nse *iamtypes.NoSuchEntityException
	return errors.As(err, &nse) || awsconfig.ErrorCode(err) == "NoSuchEntity"
}

// principalGone asks IAM whether the user, role or group exists: NoSuchEntity names the
// principal or what was asked of it alike, and its message differs between IAM and its
// emulations, so keypivot asks rather than reading the message.
func (r *Remediator) principalGone(ctx context.Context, kind, name string) (bool, error) {
	c := r.iam()
	var err error
	switch kind {
	case "user":
		_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)})
	case "role":
		_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	default:
		_, err = c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(name), MaxItems: aws.Int32(1)})
	}
	switch {
	case err == nil:
		return false, nil
	case noSuchEntity(err):
		return true, nil
	}
	return false, err
}

// goneOr is the state of an action whose principal a read found missing: in effect (the
// artifact went with it) when IAM confirms the principal no longer exists, else err.
func (r *Remediator) goneOr(ctx context.Context, kind, name string, err error) (string, bool, error) {
	if !noSuchEntity(err) {
		return "", false, err
	}
	gone, gerr := r.principalGone(ctx, kind, name)
	switch {
	case gerr != nil:
		return "", false, gerr
	case gone:
		return kind + " " + name + " no longer exists", true, nil
	}
	return "", false, err
}

// presence says what a read of an inline policy found.
type presence int

const (
	present         presence = iota
	absentPolicy             // the principal exists without the policy
	absentPrincipal          // the principal no longer exists
)

// inline reads an inline policy of a user, role or group: its document, decoded, when
// present.
func (r *Remediator) inline(ctx context.Context, kind, name, policy string) (string, presence, error) {
	doc, err := iamread.InlinePolicy(ctx, r.iam(), kind, name, policy)
	if err == nil {
		return doc, present, nil
	}
	if !noSuchEntity(err) {
		return "", 0, err
	}
	gone, gerr := r.principalGone(ctx, kind, name)
	switch {
	case gerr != nil:
		return "", 0, gerr
	case gone:
		return "", absentPrincipal, nil
	}
	return "", absentPolicy, nil
}
