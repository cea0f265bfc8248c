package artifactlive

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/investigate"
)

// principal is the IAM user, role or group an artifact is on.
type principal struct {
	kind string // user, role, group
	name string
}

func (p principal) String() string { return p.kind + " " + p.name }

// principalOf is the principal of a policy artifact: the one of User, Role and Group the
// event named.
func principalOf(a investigate.Artifact) principal {
	switch {
	case a.Role != "":
		return principal{"role", a.Role}
	case a.Group != "":
		return principal{"group", a.Group}
	}
	return principal{"user", a.User}
}

// noSuchEntity reports whether IAM answered that the thing asked about does not exist.
func noSuchEntity(err error) bool { return awsconfig.ErrorCode(err) == "NoSuchEntity" }

// exists reports whether the principal exists (iam:GetUser, GetRole, GetGroup).
func (r *reader) exists(ctx context.Context, p principal) (bool, error) {
	var err error
	switch p.kind {
	case "user":
		_, err = r.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(p.name)})
	case "role":
		_, err = r.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(p.name)})
	case "group":
		_, err = r.iam.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(p.name), MaxItems: aws.Int32(1)})
	default:
		return false, fmt.Errorf("unknown principal kind %q", p.kind)
	}
	if noSuchEntity(err) {
		return false, nil
	}
	return err == nil, err
}

// missing is the state of an artifact IAM does not know: "user deleted" when its
// principal is gone, else ifPrincipalExists.
func (r *reader) missing(ctx context.Context, p principal, ifPrincipalExists string) (investigate.ArtifactLive, error) {
	ok, err := r.exists(ctx, p)
	if err != nil {
		return investigate.ArtifactLive{}, err
	}
	if !ok {
		return gone(p.kind + " deleted"), nil
	}
	return gone(ifPrincipalExists), nil
}
