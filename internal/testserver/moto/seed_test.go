package moto

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Seed makes each resource in the account it names, and only there.
func TestSeedMakesResourcesInItsAccount(t *testing.T) {
	srv := Start(t)
	ctx := context.Background()
	const acct = "229654561268"
	d := srv.Seed(t, acct)
	d.User("mallory")
	d.Group("admins")
	d.AddToGroup("mallory", "admins")
	d.LoginProfile("mallory")
	key := d.AccessKey("mallory")
	pol := d.ManagedPolicy("AttackerAdmin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	d.Attach(GroupPrincipal, "admins", pol)
	d.InlinePolicy(UserPrincipal, "mallory", "inline", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	role := d.Role("backdoor", `{"Version":"2012-10-17","Statement":[]}`)
	d.TrustPolicy("backdoor", LambdaTrust)
	d.KeyPair("eu-west-1", "attacker-key")
	fn := d.Function("eu-west-1", "backdoor-fn")

	c := iam.NewFromConfig(d.Config("us-east-1"))
	if _, err := c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("mallory")}); err != nil {
		t.Errorf("login profile: %v", err)
	}
	if g, err := c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("mallory")}); err != nil || len(g.Groups) != 1 {
		t.Errorf("groups: %+v %v", g, err)
	}
	if a, err := c.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String("admins")}); err != nil || len(a.AttachedPolicies) != 1 || aws.ToString(a.AttachedPolicies[0].PolicyArn) != pol {
		t.Errorf("attached: %+v %v", a, err)
	}
	if _, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("mallory"), PolicyName: aws.String("inline")}); err != nil {
		t.Errorf("inline policy: %v", err)
	}
	r, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("backdoor")})
	if err != nil || aws.ToString(r.Role.Arn) != role || !strings.HasPrefix(role, "arn:aws:iam::"+acct+":") {
		t.Fatalf("role %s: %+v %v", role, r, err)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(r.Role.AssumeRolePolicyDocument)); !strings.Contains(doc, "lambda.amazonaws.com") {
		t.Errorf("trust policy: %s", doc)
	}
	if k, err := ec2.NewFromConfig(d.Config("eu-west-1")).DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyNames: []string{"attacker-key"}}); err != nil || len(k.KeyPairs) != 1 {
		t.Errorf("key pair: %+v %v", k, err)
	}
	if f, err := lambda.NewFromConfig(d.Config("eu-west-1")).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("backdoor-fn")}); err != nil || aws.ToString(f.Configuration.FunctionArn) != fn {
		t.Errorf("function %s: %+v %v", fn, f, err)
	}
	if keys, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("mallory")}); err != nil || len(keys.AccessKeyMetadata) != 1 || aws.ToString(keys.AccessKeyMetadata[0].AccessKeyId) != key {
		t.Errorf("access key %s: %+v %v", key, keys, err)
	}
	_, err = iam.NewFromConfig(srv.AWSConfig(t, "us-east-1")).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("mallory")})
	if nse := (*iamtypes.NoSuchEntityException)(nil); !errors.As(err, &nse) {
		t.Errorf("the user in the default account: %v", err)
	}
}
