package lookup

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/keypivot/keypivot/aws/awsconfig"
)

// regionsFor is the regions searched in sess's account: Regions when set, else every
// region enabled for the account (ec2:DescribeRegions), asked once per account; always
// with us-east-1. When the regions cannot be listed, the session's region and us-east-1
// are searched and the note says so.
func (s *Source) regionsFor(ctx context.Context, sess *awsconfig.Session) regionList {
	if len(s.Regions) > 0 {
		return regionList{regions: sortedRegions(s.Regions)}
	}
	acct := sess.Identity.Account
	s.mu.Lock()
	if rl, ok := s.regions[acct]; ok {
		s.mu.Unlock()
		return regionList{regions: rl.regions}
	}
	s.mu.Unlock()
	rl, err := EnabledRegions(ctx, sess)
	if err != nil {
		fallback := sortedRegions([]string{sess.Region})
		return regionList{regions: fallback, note: fmt.Sprintf("cannot list the regions of account %s (%v): searched only %v; name them with --regions", acct, err, fallback)}
	}
	l := regionList{regions: sortedRegions(rl)}
	s.mu.Lock()
	if s.regions == nil {
		s.regions = map[string]regionList{}
	}
	s.regions[acct] = l
	s.mu.Unlock()
	return l
}

// EnabledRegions lists the regions enabled for the session's account (those not needing
// opt-in, and those opted in), with ec2:DescribeRegions.
func EnabledRegions(ctx context.Context, sess *awsconfig.Session) ([]string, error) {
	out, err := ec2.NewFromConfig(sess.Config).DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(false)})
	if err != nil {
		return nil, err
	}
	var rs []string
	for _, r := range out.Regions {
		switch aws.ToString(r.OptInStatus) {
		case "", "opt-in-not-required", "opted-in":
			rs = append(rs, aws.ToString(r.RegionName))
		}
	}
	return rs, nil
}
