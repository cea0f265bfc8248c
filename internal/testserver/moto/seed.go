package moto

import (
	"archive/zip"
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// Seed puts in one account of moto the resources a remediation test acts on: what an
// attacker left behind (users, roles, groups, policies, login profiles, key pairs, Lambda
// functions). Each method fails the test when moto refuses.
type Seed struct {
	t   testing.TB
	srv *Server
	// Account is the account the resources are made in.
	Account string
}

// Seed makes resources in the account (x-moto-account-id; "" for Account).
func (s *Server) Seed(t testing.TB, account string) *Seed {
	t.Helper()
	if account == "" {
		account = Account
	}
	return &Seed{t: t, srv: s, Account: account}
}

// Config is an SDK configuration acting in the seed's account and the region.
func (d *Seed) Config(region string) aws.Config {
	d.t.Helper()
	return d.srv.AWSConfigFor(d.t, region, d.Account)
}

func (d *Seed) iam() *iam.Client { return iam.NewFromConfig(d.Config("us-east-1")) }

func (d *Seed) check(what string, err error) {
	d.t.Helper()
	if err != nil {
		d.t.Fatalf("moto: %s in %s: %v", what, d.Account, err)
	}
}

// User creates an IAM user.
func (d *Seed) User(name string) {
	d.t.Helper()
	_, err := d.iam().CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String(name)})
	d.check("CreateUser "+name, err)
}

// AccessKey creates an access key for the user and returns its id.
func (d *Seed) AccessKey(user string) string {
	d.t.Helper()
	out, err := d.iam().CreateAccessKey(context.Background(), &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	d.check("CreateAccessKey for "+user, err)
	return aws.ToString(out.AccessKey.AccessKeyId)
}

// LoginProfile gives the user a console password.
func (d *Seed) LoginProfile(user string) {
	d.t.Helper()
	_, err := d.iam().CreateLoginProfile(context.Background(), &iam.CreateLoginProfileInput{UserName: aws.String(user), Password: aws.String("Attacker-Passw0rd!")})
	d.check("CreateLoginProfile for "+user, err)
}

// Role creates an IAM role with the trust policy and returns its ARN.
func (d *Seed) Role(name, trust string) string {
	d.t.Helper()
	out, err := d.iam().CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	d.check("CreateRole "+name, err)
	return aws.ToString(out.Role.Arn)
}

// TrustPolicy replaces the role's trust policy.
func (d *Seed) TrustPolicy(role, doc string) {
	d.t.Helper()
	_, err := d.iam().UpdateAssumeRolePolicy(context.Background(), &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(role), PolicyDocument: aws.String(doc)})
	d.check("UpdateAssumeRolePolicy of "+role, err)
}

// Group creates an IAM group.
func (d *Seed) Group(name string) {
	d.t.Helper()
	_, err := d.iam().CreateGroup(context.Background(), &iam.CreateGroupInput{GroupName: aws.String(name)})
	d.check("CreateGroup "+name, err)
}

// AddToGroup adds the user to the group.
func (d *Seed) AddToGroup(user, group string) {
	d.t.Helper()
	_, err := d.iam().AddUserToGroup(context.Background(), &iam.AddUserToGroupInput{UserName: aws.String(user), GroupName: aws.String(group)})
	d.check("AddUserToGroup "+user+" "+group, err)
}

// ManagedPolicy creates a customer managed policy and returns its ARN. (moto_server
// loads AWS's own managed policies only with MOTO_IAM_LOAD_MANAGED_POLICIES=true, which
// costs about two seconds a reset, so tests make their own.)
func (d *Seed) ManagedPolicy(name, doc string) string {
	d.t.Helper()
	out, err := d.iam().CreatePolicy(context.Background(), &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
	d.check("CreatePolicy "+name, err)
	return aws.ToString(out.Policy.Arn)
}

// Principal kinds for Attach and InlinePolicy.
const (
	UserPrincipal  = "user"
	RolePrincipal  = "role"
	GroupPrincipal = "group"
)

// Attach attaches the managed policy to the user, role or group.
func (d *Seed) Attach(kind, name, policyARN string) {
	d.t.Helper()
	ctx, c, arn := context.Background(), d.iam(), aws.String(policyARN)
	var err error
	switch kind {
	case UserPrincipal:
		_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: arn})
	case RolePrincipal:
		_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: arn})
	case GroupPrincipal:
		_, err = c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(name), PolicyArn: arn})
	default:
		d.t.Fatalf("moto: Attach to a %q", kind)
	}
	d.check("attach "+policyARN+" to "+kind+" "+name, err)
}

// InlinePolicy puts an inline policy on the user, role or group.
func (d *Seed) InlinePolicy(kind, name, policy, doc string) {
	d.t.Helper()
	ctx, c, pn, pd := context.Background(), d.iam(), aws.String(policy), aws.String(doc)
	var err error
	switch kind {
	case UserPrincipal:
		_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: pn, PolicyDocument: pd})
	case RolePrincipal:
		_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: pn, PolicyDocument: pd})
	case GroupPrincipal:
		_, err = c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String(name), PolicyName: pn, PolicyDocument: pd})
	default:
		d.t.Fatalf("moto: InlinePolicy on a %q", kind)
	}
	d.check("put policy "+policy+" on "+kind+" "+name, err)
}

// KeyPair creates an EC2 key pair in the region.
func (d *Seed) KeyPair(region, name string) {
	d.t.Helper()
	_, err := ec2.NewFromConfig(d.Config(region)).CreateKeyPair(context.Background(), &ec2.CreateKeyPairInput{KeyName: aws.String(name)})
	d.check("CreateKeyPair "+name+" in "+region, err)
}

// LambdaTrust is a trust policy that lets Lambda assume a role.
const LambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// Function creates a Lambda function in the region, running as a role it creates (moto
// checks that the role exists), with a one-line Python handler. It returns the
// function's ARN.
func (d *Seed) Function(region, name string) string {
	d.t.Helper()
	role := d.Role(name+"-role", LambdaTrust)
	var code bytes.Buffer
	z := zip.NewWriter(&code)
	w, err := z.Create("index.py")
	if err == nil {
		_, err = w.Write([]byte("def handler(event, context):\n    return event\n"))
	}
	if err == nil {
		err = z.Close()
	}
	d.check("zip the code of "+name, err)
	out, err := lambda.NewFromConfig(d.Config(region)).CreateFunction(context.Background(), &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Role: aws.String(role), Runtime: lambdatypes.RuntimePython312, Handler: aws.String("index.handler"),
		Code: &lambdatypes.FunctionCode{ZipFile: code.Bytes()},
	})
	d.check("CreateFunction "+name+" in "+region, err)
	return aws.ToString(out.FunctionArn)
}
