package artifactlive

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keypivot/keypivot/aws/iamread"
	"github.com/keypivot/keypivot/investigate"
)

// instanceProfile: for a role added to a profile, the role is still in it
// (iam:GetInstanceProfile); for a profile associated with an instance, the instance still
// has it (ec2:DescribeIamInstanceProfileAssociations); otherwise the profile exists.
func (r *reader) instanceProfile(ctx context.Context, region string, a investigate.Artifact) (investigate.ArtifactLive, error) {
	ref, target := instanceProfileTarget(a.ID)
	name := ref[strings.LastIndex(ref, "/")+1:] // a name, or the last part of an ARN
	if name == "" {
		return investigate.ArtifactLive{}, fmt.Errorf("the event %s names no instance profile", a.EventID)
	}
	if a.Role == "" && strings.HasPrefix(target, "i-") {
		return r.profileAssociation(ctx, region, ref, name, target)
	}
	out, err := r.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if iamread.NoSuchEntity(err) {
		return gone("deleted"), nil
	}
	if err != nil {
		return investigate.ArtifactLive{}, err
	}
	if a.Role == "" {
		return present("exists"), nil
	}
	for _, role := range out.InstanceProfile.Roles {
		if aws.ToString(role.RoleName) == a.Role {
			return present("role " + a.Role + " in it"), nil
		}
	}
	return gone("role " + a.Role + " removed"), nil
}

// instanceProfileTarget splits an instance-profile artifact's ID
// (instance-profile:NAME-OR-ARN/INSTANCE-ASSOCIATION-OR-ROLE) into the profile and what
// it was given to. Neither an instance id, an association id nor a role name holds a /.
func instanceProfileTarget(id string) (profile, target string) {
	id = strings.TrimPrefix(id, investigate.ArtInstanceProfile+":")
	i := strings.LastIndex(id, "/")
	if i < 0 {
		return id, ""
	}
	return id[:i], id[i+1:]
}

// profileAssociation: the instance is still associated with the profile (ref is its
// name or ARN).
func (r *reader) profileAssociation(ctx context.Context, region, ref, name, instance string) (investigate.ArtifactLive, error) {
	c := ec2.NewFromConfig(r.sess.ForRegion(region))
	p := ec2.NewDescribeIamInstanceProfileAssociationsPaginator(c, &ec2.DescribeIamInstanceProfileAssociationsInput{
		Filters: []ec2types.Filter{{Name: aws.String("instance-id"), Values: []string{instance}}},
	})
	other := ""
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return investigate.ArtifactLive{}, err
		}
		for _, as := range page.IamInstanceProfileAssociations {
			if as.State != ec2types.IamInstanceProfileAssociationStateAssociated && as.State != ec2types.IamInstanceProfileAssociationStateAssociating {
				continue
			}
			arn := ""
			if as.IamInstanceProfile != nil {
				arn = aws.ToString(as.IamInstanceProfile.Arn)
			}
			if arn == ref || strings.HasSuffix(arn, "/"+name) {
				return present("associated with instance " + instance), nil
			}
			other = arn[strings.LastIndex(arn, "/")+1:]
		}
	}
	if other != "" {
		return gone("instance " + instance + " now has instance profile " + other), nil
	}
	return gone("not associated with instance " + instance), nil
}
