package remediate

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go/middleware"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/investigate"
)

// Apply implements investigate.Remediator: it makes the action's calls, in order, and
// returns AWS's request id of each write, the one that failed included. A DryRun call
// must answer DryRunOperation ("would succeed") for the calls after it to be made.
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

// call makes one API call and returns the metadata of AWS's answer, which holds its
// request id: a refusal's too, so that the journal names the failed write to AWS
// support and in CloudTrail. It is empty when no answer came (the call was refused
// before it was made, or never reached AWS), and for a dry run, which writes nothing.
// A call missing a parameter it needs is refused before it is made: AWS would fill the
// gap with the caller itself (its own keys, its own console password) or the session's
// region.
func (r *Remediator) call(ctx context.Context, c investigate.APICall) (middleware.Metadata, error) {
	op, ok := operations[c.Service+":"+c.Operation]
	if !ok {
		return middleware.Metadata{}, fmt.Errorf("keypivot does not make %s:%s", c.Service, c.Operation)
	}
	if err := op.check(c); err != nil {
		return middleware.Metadata{}, err
	}
	if c.Service == "ec2" && c.Operation == "StopInstances" {
		return r.stopInstances(ctx, c)
	}
	var answer middleware.Metadata
	err := op.do(ctx, clients{r: r, region: c.Region, answer: &answer}, c)
	return answer, err
}

// stopInstances stops the call's instances, or, for a DryRun, checks that AWS would.
func (r *Remediator) stopInstances(ctx context.Context, c investigate.APICall) (middleware.Metadata, error) {
	var answer middleware.Metadata
	in := &ec2.StopInstancesInput{InstanceIds: c.ParamList("InstanceIds")}
	dry, _ := c.Params["DryRun"].(bool)
	in.DryRun = aws.Bool(dry)
	_, err := ec2.NewFromConfig(keepAnswer(r.Session.ForRegion(c.Region), &answer)).StopInstances(ctx, in)
	if dry {
		if awsconfig.ErrorCode(err) == "DryRunOperation" {
			return middleware.Metadata{}, nil // would succeed
		}
		if err == nil {
			return middleware.Metadata{}, errors.New("the DryRun call did not answer DryRunOperation: not going on")
		}
		return middleware.Metadata{}, fmt.Errorf("the DryRun says the stop would fail: %w", err)
	}
	return answer, err
}

// iamClient is the session's IAM client, keeping the metadata of its answer in answer.
func (r *Remediator) iamClient(answer *middleware.Metadata) *iam.Client {
	return iam.NewFromConfig(keepAnswer(r.Session.Config, answer))
}

// keepAnswer is cfg with the metadata of each call's answer stored in md: what the SDK
// hands back as an output's ResultMetadata, kept here alike for every operation.
func keepAnswer(cfg aws.Config, md *middleware.Metadata) aws.Config {
	keep := middleware.InitializeMiddlewareFunc("keypivot.KeepAnswer", func(
		ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
	) (middleware.InitializeOutput, middleware.Metadata, error) {
		out, m, err := next.HandleInitialize(ctx, in)
		*md = m
		return out, m, err
	})
	cfg.APIOptions = append(slices.Clip(cfg.APIOptions), func(s *middleware.Stack) error {
		return s.Initialize.Add(keep, middleware.Before)
	})
	return cfg
}
