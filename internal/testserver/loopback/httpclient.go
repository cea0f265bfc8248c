// Package loopback holds what aws-sdk-go-v2 clients need to talk to a test server on a
// loopback address.
//
// It imports only the standard library and the AWS SDK's HTTP transport.
package loopback

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// HTTPClient is the HTTP client to give aws-sdk-go-v2 clients that talk to a loopback
// test server (the CloudTrail test server, moto).
//
// smithy-go (v1.28.8 here) closes a request's body as soon as client.Do returns. After
// sending a body of known length, net/http's transport reads it once more to check for
// excess bytes; when the response has already arrived, that read hits the closed body,
// whose WriteTo reports io.EOF as an error, so the transport takes the request write as
// failed and closes the connection under the response being read. The SDK then fails with
// "failed to decode response body, read tcp ...: use of closed network connection". A
// loopback server answers fast enough to win that race about once in a hundred requests;
// real AWS, milliseconds away, practically never does. Hiding WriteTo makes the check use
// Read, whose io.EOF is the normal end of a body.
func HTTPClient() aws.HTTPClient { return bodyShield{awshttp.NewBuildableClient()} }

type bodyShield struct{ next aws.HTTPClient }

func (c bodyShield) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return c.next.Do(req)
	}
	r := req.Clone(req.Context())
	r.Body = readCloser{req.Body}
	return c.next.Do(r)
}

// readCloser exposes only Read and Close of the body it wraps.
type readCloser struct{ io.ReadCloser }
