package remediate

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/investigate"
)

// Apply implements investigate.Remediator: it makes the action's calls, in order, and
// returns AWS's request id of each write. A DryRun call must answer DryRunOperation
// ("would succeed") for the calls after it to be made.
func (r *Remediator) Apply(ctx context.Context, a investigate.Action) ([]string, error) {
	if r.Session == nil {
		return nil, errors.New("no AWS session")
	}
	r, err := r.forAction(a)
	if err != nil {
		return nil, err
	}
	signing := r.Session.Identity.AccessKeyID
	for _, c := range a.Calls {
		if c.Service == "iam" && c.Operation == "UpdateAccessKey" && c.Param("Status") == "Inactive" && c.Param("AccessKeyId") == signing {
			return nil, fmt.Errorf("refused: keypivot is signing with %s: deactivating it would lock this session out; act with another principal", signing)
		}
	}
	var ids []string
	for _, c := range a.Calls {
		md, err := r.call(ctx, c)
		if id := awsconfig.RequestID(md); id != "" {
			ids = append(ids, id)
		}
		if err != nil {
			return ids, fmt.Errorf("%s: %w", c.String(), err)
		}
	}
	return ids, nil
}

// call makes one API call. Its metadata is empty for a dry run, which writes nothing.
func (r *Remediator) call(ctx context.Context, c investigate.APICall) (middleware.Metadata, error) {
	iamc := iam.NewFromConfig(r.Session.Config)
	switch c.Service + ":" + c.Operation {
	case "iam:UpdateAccessKey":
		user := c.Param("UserName")
		if user == "" {
			return middleware.Metadata{}, errors.New("refused: UpdateAccessKey without the key's UserName would act on the caller's own keys")
		}
		out, err := iamc.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{
			AccessKeyId: aws.String(c.Param("AccessKeyId")), UserName: aws.String(user), Status: iamtypes.StatusType(c.Param("Status"))})
		if err != nil {
			return middleware.Metadata{}, err
		}
		return out.ResultMetadata, nil
	case "iam:PutUserPolicy":
		out, err := iamc.PutUserPolicy(ctx, &iam.PutUserPolicyInput{
			UserName: aws.String(c.Param("UserName")), PolicyName: aws.String(c.Param("PolicyName")), PolicyDocument: aws.String(c.Param("PolicyDocument"))})
		if err != nil {
			return middleware.Metadata{}, err
		}
		return out.ResultMetadata, nil
	case "iam:PutRolePolicy":
		out, err := iamc.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String(c.Param("RoleName")), PolicyName: aws.String(c.Param("PolicyName")), PolicyDocument: aws.String(c.Param("PolicyDocument"))})
		if err != nil {
			return middleware.Metadata{}, err
		}
		return out.ResultMetadata, nil
	case "ec2:StopInstances":
		in := &ec2.StopInstancesInput{InstanceIds: c.ParamList("InstanceIds")}
		if len(in.InstanceIds) == 0 {
			return middleware.Metadata{}, errors.New("no instance ids")
		}
		dry, _ := c.Params["DryRun"].(bool)
		in.DryRun = aws.Bool(dry)
		out, err := ec2.NewFromConfig(r.Session.ForRegion(c.Region)).StopInstances(ctx, in)
		if dry {
			if awsconfig.ErrorCode(err) == "DryRunOperation" {
				return middleware.Metadata{}, nil // would succeed
			}
			if err == nil {
				return middleware.Metadata{}, errors.New("the DryRun call did not answer DryRunOperation: not going on")
			}
			return middleware.Metadata{}, fmt.Errorf("the DryRun says the stop would fail: %w", err)
		}
		if err != nil {
			return middleware.Metadata{}, err
		}
		return out.ResultMetadata, nil
	}
	return middleware.Metadata{}, fmt.Errorf("keypivot does not make %s:%s", c.Service, c.Operation)
}
