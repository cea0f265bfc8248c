package remediate

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go/middleware"

	"github.com/keypivot/keypivot/investigate"
)

// operation is one AWS call keypivot makes: the parameters it cannot go without, and how
// it is made with the SDK.
type operation struct {
	// need are the string parameters that must be set.
	need []string
	// regional calls are made in the call's region, which must be set: without it AWS
	// would act in the session's region, not the one planned.
	regional bool
	// extra checks what need cannot say (a number, a list).
	extra func(investigate.APICall) error
	do    func(context.Context, clients, investigate.APICall) error
}

// clients makes the SDK clients of one call, in its region, keeping the metadata of
// AWS's answer in answer.
type clients struct {
	r      *Remediator
	region string
	answer *middleware.Metadata
}

func (cl clients) iam() *iam.Client { return cl.r.iamClient(cl.answer) }

func (cl clients) ec2() *ec2.Client {
	return ec2.NewFromConfig(keepAnswer(cl.r.Session.ForRegion(cl.region), cl.answer))
}

func (cl clients) lambda() *lambda.Client {
	return lambda.NewFromConfig(keepAnswer(cl.r.Session.ForRegion(cl.region), cl.answer))
}

// check refuses a call that lacks what the operation needs.
func (op operation) check(c investigate.APICall) error {
	name := c.Service + ":" + c.Operation
	if op.regional && c.Region == "" {
		return fmt.Errorf("refused: %s without a region would act in the session's region", name)
	}
	for _, p := range op.need {
		if c.Param(p) != "" {
			continue
		}
		switch {
		case name == "iam:UpdateAccessKey" && p == "UserName":
			return fmt.Errorf("refused: UpdateAccessKey without the key's UserName would act on the caller's own keys")
		case name == "iam:DeleteLoginProfile" && p == "UserName":
			return fmt.Errorf("refused: DeleteLoginProfile without a UserName would delete the caller's own console password")
		}
		return fmt.Errorf("refused: %s without %s", name, p)
	}
	if op.extra != nil {
		return op.extra(c)
	}
	return nil
}

// str is a string parameter for the SDK.
func str(c investigate.APICall, name string) *string { return aws.String(c.Param(name)) }

// operations are the calls keypivot makes, by "service:Operation".
var operations = map[string]operation{
	"iam:UpdateAccessKey": {need: []string{"AccessKeyId", "UserName", "Status"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: str(c, "AccessKeyId"), UserName: str(c, "UserName"), Status: iamtypes.StatusType(c.Param("Status"))})
		return err
	}},

	"iam:PutUserPolicy": {need: []string{"UserName", "PolicyName", "PolicyDocument"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: str(c, "UserName"), PolicyName: str(c, "PolicyName"), PolicyDocument: str(c, "PolicyDocument")})
		return err
	}},
	"iam:PutRolePolicy": {need: []string{"RoleName", "PolicyName", "PolicyDocument"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: str(c, "RoleName"), PolicyName: str(c, "PolicyName"), PolicyDocument: str(c, "PolicyDocument")})
		return err
	}},
	"iam:PutGroupPolicy": {need: []string{"GroupName", "PolicyName", "PolicyDocument"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: str(c, "GroupName"), PolicyName: str(c, "PolicyName"), PolicyDocument: str(c, "PolicyDocument")})
		return err
	}},

	"iam:DeleteUserPolicy": {need: []string{"UserName", "PolicyName"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: str(c, "UserName"), PolicyName: str(c, "PolicyName")})
		return err
	}},
	"iam:DeleteRolePolicy": {need: []string{"RoleName", "PolicyName"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: str(c, "RoleName"), PolicyName: str(c, "PolicyName")})
		return err
	}},
	"iam:DeleteGroupPolicy": {need: []string{"GroupName", "PolicyName"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().DeleteGroupPolicy(ctx, &iam.DeleteGroupPolicyInput{GroupName: str(c, "GroupName"), PolicyName: str(c, "PolicyName")})
		return err
	}},

	"iam:AttachUserPolicy": {need: []string{"UserName", "PolicyArn"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: str(c, "UserName"), PolicyArn: str(c, "PolicyArn")})
		return err
	}},
	"iam:AttachRolePolicy": {need: []string{"RoleName", "PolicyArn"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: str(c, "RoleName"), PolicyArn: str(c, "PolicyArn")})
		return err
	}},
	"iam:AttachGroupPolicy": {need: []string{"GroupName", "PolicyArn"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: str(c, "GroupName"), PolicyArn: str(c, "PolicyArn")})
		return err
	}},
	"iam:DetachUserPolicy": {need: []string{"UserName", "PolicyArn"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: str(c, "UserName"), PolicyArn: str(c, "PolicyArn")})
		return err
	}},
	"iam:DetachRolePolicy": {need: []string{"RoleName", "PolicyArn"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: str(c, "RoleName"), PolicyArn: str(c, "PolicyArn")})
		return err
	}},
	"iam:DetachGroupPolicy": {need: []string{"GroupName", "PolicyArn"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: str(c, "GroupName"), PolicyArn: str(c, "PolicyArn")})
		return err
	}},

	"iam:UpdateAssumeRolePolicy": {need: []string{"RoleName", "PolicyDocument"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: str(c, "RoleName"), PolicyDocument: str(c, "PolicyDocument")})
		return err
	}},
	"iam:AddUserToGroup": {need: []string{"GroupName", "UserName"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: str(c, "GroupName"), UserName: str(c, "UserName")})
		return err
	}},
	"iam:RemoveUserFromGroup": {need: []string{"GroupName", "UserName"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: str(c, "GroupName"), UserName: str(c, "UserName")})
		return err
	}},
	"iam:DeleteLoginProfile": {need: []string{"UserName"}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.iam().DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: str(c, "UserName")})
		return err
	}},

	// StopInstances is made by Remediator.stopInstances (its DryRun answers an error).
	"ec2:StopInstances": {regional: true, extra: needInstances},
	"ec2:StartInstances": {regional: true, extra: needInstances, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.ec2().StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: c.ParamList("InstanceIds")})
		return err
	}},
	"ec2:DeleteKeyPair": {need: []string{"KeyName"}, regional: true, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.ec2().DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyName: str(c, "KeyName")})
		return err
	}},

	"lambda:PutFunctionConcurrency": {need: []string{"FunctionName"}, regional: true, extra: func(c investigate.APICall) error {
		_, err := reservedConcurrency(c)
		return err
	}, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		n, err := reservedConcurrency(c)
		if err != nil {
			return err
		}
		_, err = cl.lambda().PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: str(c, "FunctionName"), ReservedConcurrentExecutions: aws.Int32(n)})
		return err
	}},
	"lambda:DeleteFunctionConcurrency": {need: []string{"FunctionName"}, regional: true, do: func(ctx context.Context, cl clients, c investigate.APICall) error {
		_, err := cl.lambda().DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: str(c, "FunctionName")})
		return err
	}},
}
