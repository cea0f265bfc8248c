package artifactlive

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/investigate"
)

// function: the Lambda function exists in its region (lambda:GetFunction); its State
// says whether it may run: a reserved concurrency of 0 throttles every invocation.
// GetFunction names the reserved concurrency when one is set (some implementations leave
// out a 0), else lambda:GetFunctionConcurrency is asked.
func (r *reader) function(ctx context.Context, region, name string) (investigate.ArtifactLive, error) {
	c := lambda.NewFromConfig(r.sess.ForRegion(region))
	out, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
	if awsconfig.ErrorCode(err) == "ResourceNotFoundException" {
		return gone("deleted"), nil
	}
	if err != nil {
		return investigate.ArtifactLive{}, err
	}
	var reserved *int32
	if out.Concurrency != nil && out.Concurrency.ReservedConcurrentExecutions != nil {
		reserved = out.Concurrency.ReservedConcurrentExecutions
	} else {
		cc, err := c.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String(name)})
		if err != nil {
			if ctx.Err() != nil {
				return investigate.ArtifactLive{}, ctx.Err()
			}
			return present(fmt.Sprintf("exists (reserved concurrency not read: %v)", err)), nil
		}
		reserved = cc.ReservedConcurrentExecutions
	}
	switch {
	case reserved == nil:
		return present("exists"), nil
	case *reserved == 0:
		return present("exists, throttled (reserved concurrency 0)"), nil
	}
	return present(fmt.Sprintf("exists, reserved concurrency %d", *reserved)), nil
}
