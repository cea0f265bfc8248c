package remediate

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// What moto holds, read as an administrator of the seed's account, independently of the
// remediator under test. Each read fails the test when moto does not answer.

func adminIAM(d *moto.Seed) *iam.Client { return iam.NewFromConfig(d.Config("us-east-1")) }

func missing(err error) bool {
	var nse *iamtypes.NoSuchEntityException
	return errors.As(err, &nse)
}

// attached reports whether the managed policy is attached to the user, role or group.
func attached(t *testing.T, d *moto.Seed, kind, name, arn string) bool {
	t.Helper()
	ctx, c := context.Background(), adminIAM(d)
	var list []iamtypes.AttachedPolicy
	var err error
	switch kind {
	case moto.UserPrincipal:
		var out *iam.ListAttachedUserPoliciesOutput
		if out, err = c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(name)}); err == nil {
			list = out.AttachedPolicies
		}
	case moto.RolePrincipal:
		var out *iam.ListAttachedRolePoliciesOutput
		if out, err = c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)}); err == nil {
			list = out.AttachedPolicies
		}
	default:
		var out *iam.ListAttachedGroupPoliciesOutput
		if out, err = c.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String(name)}); err == nil {
			list = out.AttachedPolicies
		}
	}
	if err != nil {
		t.Fatalf("moto: attached policies of %s %s: %v", kind, name, err)
	}
	return slices.ContainsFunc(list, func(p iamtypes.AttachedPolicy) bool { return aws.ToString(p.PolicyArn) == arn })
}

// hasInline reports whether the user, role or group has the inline policy.
func hasInline(t *testing.T, d *moto.Seed, kind, name, policy string) bool {
	t.Helper()
	ctx, c, pn := context.Background(), adminIAM(d), aws.String(policy)
	var err error
	switch kind {
	case moto.UserPrincipal:
		_, err = c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String(name), PolicyName: pn})
	case moto.RolePrincipal:
		_, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: pn})
	default:
		_, err = c.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: aws.String(name), PolicyName: pn})
	}
	if err != nil && !missing(err) {
		t.Fatalf("moto: policy %s of %s %s: %v", policy, kind, name, err)
	}
	return err == nil
}

func hasLoginProfile(t *testing.T, d *moto.Seed, user string) bool {
	t.Helper()
	_, err := adminIAM(d).GetLoginProfile(context.Background(), &iam.GetLoginProfileInput{UserName: aws.String(user)})
	if err != nil && !missing(err) {
		t.Fatalf("moto: login profile of %s: %v", user, err)
	}
	return err == nil
}

// activeKeys counts the user's Active access keys.
func activeKeys(t *testing.T, d *moto.Seed, user string) int {
	t.Helper()
	out, err := adminIAM(d).ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatalf("moto: keys of %s: %v", user, err)
	}
	n := 0
	for _, k := range out.AccessKeyMetadata {
		if k.Status == iamtypes.StatusTypeActive {
			n++
		}
	}
	return n
}

// trustOf is the role's trust policy, decoded.
func trustOf(t *testing.T, d *moto.Seed, role string) string {
	t.Helper()
	out, err := adminIAM(d).GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(role)})
	if err != nil {
		t.Fatalf("moto: role %s: %v", role, err)
	}
	doc, err := url.QueryUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func inGroup(t *testing.T, d *moto.Seed, user, group string) bool {
	t.Helper()
	out, err := adminIAM(d).ListGroupsForUser(context.Background(), &iam.ListGroupsForUserInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatalf("moto: groups of %s: %v", user, err)
	}
	return slices.ContainsFunc(out.Groups, func(g iamtypes.Group) bool { return aws.ToString(g.GroupName) == group })
}

// throttled reports whether the function's reserved concurrency is 0.
func throttled(t *testing.T, d *moto.Seed, region, fn string) bool {
	t.Helper()
	out, err := lambda.NewFromConfig(d.Config(region)).GetFunctionConcurrency(context.Background(), &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String(fn)})
	if err != nil {
		t.Fatalf("moto: concurrency of %s: %v", fn, err)
	}
	return out.ReservedConcurrentExecutions != nil && *out.ReservedConcurrentExecutions == 0
}

func keyPairExists(t *testing.T, d *moto.Seed, region, name string) bool {
	t.Helper()
	out, err := ec2.NewFromConfig(d.Config(region)).DescribeKeyPairs(context.Background(), &ec2.DescribeKeyPairsInput{})
	if err != nil {
		t.Fatalf("moto: key pairs in %s: %v", region, err)
	}
	return slices.ContainsFunc(out.KeyPairs, func(k ec2types.KeyPairInfo) bool { return aws.ToString(k.KeyName) == name })
}

// requestParam is a request parameter of the first event named name.
func requestParam(t *testing.T, events []*investigate.Event, name, param string) string {
	t.Helper()
	for _, e := range events {
		if e.Name != name {
			continue
		}
		var req map[string]any
		if err := json.Unmarshal(e.Request(), &req); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s, ok := req[param].(string); ok && s != "" {
			return s
		}
	}
	t.Fatalf("no %s with %s in the trail", name, param)
	return ""
}
