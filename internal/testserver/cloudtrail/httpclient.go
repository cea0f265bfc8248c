package cloudtrail

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/keypivot/keypivot/internal/testserver/loopback"
)

// HTTPClient is the HTTP client to give aws-sdk-go-v2 clients that talk to this server
// (see loopback.HTTPClient for the race it avoids).
func HTTPClient() aws.HTTPClient { return loopback.HTTPClient() }
