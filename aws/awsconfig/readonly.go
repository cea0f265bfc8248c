package awsconfig

import (
	"context"
	"fmt"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"

	"github.com/keypivot/keypivot/investigate"
)

// readVerbs start the names of the operations that only read.
var readVerbs = []string{"Describe", "Get", "List", "Lookup", "BatchGet", "Search", "Head"}

// notReads are operations named like reads that are not: they mint credentials.
var notReads = map[string]bool{
	"STS.GetSessionToken":     true,
	"STS.GetFederationToken":  true,
	"STS.GetWebIdentityToken": true,
}

// alsoReads are operations not named like reads that an investigation needs and that
// change nothing but their own output: an Athena query over the trail writes only its
// result file to the workgroup's output location.
var alsoReads = map[string]bool{
	"Athena.StartQueryExecution": true,
	"Athena.StopQueryExecution":  true,
}

// IsReadOperation reports whether the operation (service id as the SDK names it: "IAM",
// "EC2", "CloudTrail"; operation name: "UpdateAccessKey") is on the read allowlist. An
// unnamed operation is not.
func IsReadOperation(serviceID, operation string) bool {
	if serviceID == "" || operation == "" {
		return false
	}
	id := serviceID + "." + operation
	if notReads[id] {
		return false
	}
	if alsoReads[id] {
		return true
	}
	for _, v := range readVerbs {
		if rest, ok := strings.CutPrefix(operation, v); ok && (rest == "" || rest[0] >= 'A' && rest[0] <= 'Z') {
			return true
		}
	}
	return false
}

// ReadOnlyError is the error of an operation the read-only switch refused. It matches
// investigate.ErrReadOnly with errors.Is.
type ReadOnlyError struct {
	Service, Operation string
}

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("read-only mode: %s was not sent (remove --read-only to act)", Permission(e.Service, e.Operation))
}

// Is makes errors.Is(err, investigate.ErrReadOnly) true.
func (e *ReadOnlyError) Is(target error) bool { return target == investigate.ErrReadOnly }

// readOnlyGuard refuses, before anything is serialised or sent, every operation not on
// the read allowlist. It is the one place --read-only is enforced: whatever calls a
// client made from a read-only Session, a write never leaves the process.
var readOnlyGuard = middleware.InitializeMiddlewareFunc("keypivot.ReadOnlyGuard", func(
	ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
) (middleware.InitializeOutput, middleware.Metadata, error) {
	svc, op := operationNames(ctx)
	if !IsReadOperation(svc, op) {
		return middleware.InitializeOutput{}, middleware.Metadata{}, &ReadOnlyError{Service: svc, Operation: op}
	}
	return next.HandleInitialize(ctx, in)
})

// operationNames are the service and operation of the call: from the aws middleware
// metadata most clients set before Initialize, else from smithy-go's, which some
// clients (GuardDuty, Security Hub) register only there at that point.
func operationNames(ctx context.Context) (service, operation string) {
	service, operation = awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
	if service == "" {
		service = middleware.GetServiceID(ctx)
	}
	if operation == "" {
		operation = middleware.GetOperationName(ctx)
	}
	return service, operation
}

func addReadOnlyGuard(s *middleware.Stack) error {
	return s.Initialize.Add(readOnlyGuard, middleware.Before)
}
