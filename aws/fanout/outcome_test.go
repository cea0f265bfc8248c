package fanout

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/keypivot/keypivot/investigate"
)

// coded is an error as the SDK returns AWS's: an operation error around the API error.
func coded(code, message string) error {
	return &smithy.OperationError{ServiceID: "GuardDuty", OperationName: "ListFindings",
		Err: &smithy.GenericAPIError{Code: code, Message: message}}
}

func TestClassifySaysWhatARegionsErrorMeans(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	securityHubOff := Unsearchable{Code: "InvalidAccessException", Why: "Security Hub is not enabled in this region"}
	cases := []struct {
		name         string
		ctx          context.Context
		err          error
		unsearchable []Unsearchable
		status, why  string
	}{
		{"opt-in region", context.Background(), coded("UnrecognizedClientException", "The security token included in the request is invalid"),
			[]Unsearchable{RegionNotEnabled}, investigate.RegionSkipped, "the region is not enabled for the account"},
		{"service not enabled", context.Background(), coded("InvalidAccessException", "Account is not subscribed to AWS Security Hub"),
			[]Unsearchable{securityHubOff, RegionNotEnabled}, investigate.RegionSkipped, "Security Hub is not enabled in this region"},
		{"a code the service does not skip on", context.Background(), coded("UnrecognizedClientException", "invalid token"),
			nil, investigate.RegionFailed, coded("UnrecognizedClientException", "invalid token").Error()},
		{"throttled", context.Background(), coded("TooManyRequestsException", "Rate exceeded"),
			nil, investigate.RegionThrottled, coded("TooManyRequestsException", "Rate exceeded").Error()},
		{"throttled past the retries", context.Background(), fmt.Errorf("still throttled (4 attempts): %w", coded("ThrottlingException", "Rate exceeded")),
			nil, investigate.RegionThrottled, "still throttled (4 attempts): " + coded("ThrottlingException", "Rate exceeded").Error()},
		{"limit exceeded", context.Background(), coded("LimitExceededException", "slow down"),
			nil, investigate.RegionThrottled, coded("LimitExceededException", "slow down").Error()},
		{"denied", context.Background(), coded("AccessDeniedException", "not authorized to perform: guardduty:ListDetectors"),
			[]Unsearchable{RegionNotEnabled}, investigate.RegionFailed, coded("AccessDeniedException", "not authorized to perform: guardduty:ListDetectors").Error()},
		{"not an AWS error", context.Background(), errors.New("no answer within 30s, 3 times"),
			nil, investigate.RegionFailed, "no answer within 30s, 3 times"},
		{"cancelled", cancelled, fmt.Errorf("operation error: %w", context.Canceled),
			[]Unsearchable{RegionNotEnabled}, investigate.RegionSkipped, "cancelled"},
	}
	for _, c := range cases {
		status, why := Classify(c.ctx, c.err, c.unsearchable...)
		if status != c.status || why != c.why {
			t.Errorf("%s: %s %q, want %s %q", c.name, status, why, c.status, c.why)
		}
	}
}
