package fanout

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"

	"github.com/keypivot/keypivot/investigate"
)

// Unsearchable is an error code by which a service says that a region cannot be
// searched, with the words the region is skipped with.
type Unsearchable struct {
	Code string // "InvalidAccessException"
	Why  string // "Security Hub is not enabled in this region"
}

// RegionNotEnabled is how a regional service answers in a region that is not enabled for
// the account (an opt-in region): the region is skipped.
var RegionNotEnabled = Unsearchable{Code: "UnrecognizedClientException", Why: "the region is not enabled for the account"}

// throttles are the SDK's own throttle error codes (ThrottlingException,
// TooManyRequestsException, LimitExceededException, ...).
var throttles = retry.IsErrorThrottles(retry.DefaultThrottles)

// Throttled reports whether err is AWS throttling the caller.
func Throttled(err error) bool {
	return throttles.IsErrorThrottle(err) == aws.TrueTernary
}

// Classify says what err, which ended the search of a region, means for that region,
// as the region's status and the words that say why:
//   - skipped, "cancelled" (or the context's own error), when ctx ended: the region was
//     left for want of time, not by a fault of its own;
//   - skipped, with their words, when err's code is one of unsearchable's (the region
//     is not enabled for the account, the service not enabled in it);
//   - throttled when AWS throttled the calls beyond their retries;
//   - failed otherwise, in err's own words (a refusal names the missing permission).
func Classify(ctx context.Context, err error, unsearchable ...Unsearchable) (status, why string) {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.Canceled) {
			return investigate.RegionSkipped, "cancelled"
		}
		return investigate.RegionSkipped, cerr.Error()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		for _, u := range unsearchable {
			if ae.ErrorCode() == u.Code {
				return investigate.RegionSkipped, u.Why
			}
		}
	}
	if Throttled(err) {
		return investigate.RegionThrottled, err.Error()
	}
	return investigate.RegionFailed, err.Error()
}
