package artifactlive

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/keypivot/keypivot/investigate"
)

// keyPair: the EC2 key pair exists in its region (ec2:DescribeKeyPairs, by a key-name
// filter, which answers an empty list rather than an error for a missing pair).
func (r *reader) keyPair(ctx context.Context, region, name string) (investigate.ArtifactLive, error) {
	c := ec2.NewFromConfig(r.sess.ForRegion(region))
	out, err := c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{Filters: []types.Filter{{Name: aws.String("key-name"), Values: []string{name}}}})
	if err != nil {
		return investigate.ArtifactLive{}, err
	}
	for _, k := range out.KeyPairs {
		if aws.ToString(k.KeyName) == name {
			return present("exists"), nil
		}
	}
	return gone("deleted"), nil
}
