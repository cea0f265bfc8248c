package remediate

import (
	"context"

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

// principalGone asks IAM whether the user, role or group exists: NoSuchEntity names the
// principal or what was asked of it alike, and its message differs between IAM and its
// emulations, so keypivot asks rather than reading the message.
func (r *Remediator) principalGone(ctx context.Context, kind, name string) (bool, error) {
	ok, err := iamread.Exists(ctx, r.iam(), kind, name)
	if err != nil {
		return false, err
	}
	return !ok, nil
}

// goneOr is the state of an action whose principal a read found missing: in effect (the
// artifact went with it) when IAM confirms the principal no longer exists, else err.
func (r *Remediator) goneOr(ctx context.Context, kind, name string, err error) (string, bool, error) {
	if !iamread.NoSuchEntity(err) {
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
	if !iamread.NoSuchEntity(err) {
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
