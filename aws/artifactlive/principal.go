package artifactlive

import (
	"context"

	"github.com/keypivot/keypivot/aws/iamread"
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

// missing is the state of an artifact IAM does not know: "user deleted" when its
// principal is gone, else ifPrincipalExists.
func (r *reader) missing(ctx context.Context, p principal, ifPrincipalExists string) (investigate.ArtifactLive, error) {
	ok, err := iamread.Exists(ctx, r.iam, p.kind, p.name)
	if err != nil {
		return investigate.ArtifactLive{}, err
	}
	if !ok {
		return gone(p.kind + " deleted"), nil
	}
	return gone(ifPrincipalExists), nil
}
