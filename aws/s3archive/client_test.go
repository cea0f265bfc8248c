package s3archive

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/keypivot/keypivot/internal/testserver/moto"
)

// toServer sends every request to the test server at url, keeping the Host the SDK
// addressed (bucket.s3.amazonaws.com): moto reads the bucket from it, as S3 does.
type toServer struct{ url *url.URL }

func (t toServer) Do(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Host = req.URL.Host
	r.URL.Scheme, r.URL.Host = t.url.Scheme, t.url.Host
	return http.DefaultClient.Do(r)
}

// Without a custom endpoint the client talks to the bucket's own region, asked of S3;
// the configured region stays when the bucket is in it or cannot be found.
func TestNewClientFindsTheBucketRegion(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	srv := moto.Start(t)
	ctx := context.Background()
	admin := s3.NewFromConfig(srv.AWSConfig(t, "us-east-1"), moto.S3Options)
	if _, err := admin.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("trail-eu"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("trail-us")}); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg := srv.AWSConfig(t, "us-east-1")
	cfg.BaseEndpoint = nil // AWS's own endpoints, virtual-hosted, as in real use
	cfg.HTTPClient = toServer{u}
	for bucket, want := range map[string]string{"trail-eu": "eu-west-1", "trail-us": "us-east-1", "no-such-bucket": "us-east-1"} {
		c := NewClient(ctx, cfg, bucket)
		if got := c.Options().Region; got != want || c.Options().UsePathStyle {
			t.Errorf("%s: region %s, path style %v; want %s, virtual-hosted", bucket, got, c.Options().UsePathStyle, want)
		}
	}
	c := NewClient(ctx, cfg, "trail-eu")
	if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("trail-eu")}); err != nil {
		t.Errorf("listing through the bucket's region: %v", err)
	}
}

// A custom endpoint (MinIO, LocalStack, moto) is addressed path-style, with no region
// look-up.
func TestNewClientUsesPathStyleAtACustomEndpoint(t *testing.T) {
	srv := moto.Start(t)
	ctx := context.Background()
	for _, env := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL", "")
			t.Setenv("AWS_ENDPOINT_URL_S3", "")
			t.Setenv(env, srv.URL())
			c := NewClient(ctx, srv.AWSConfig(t, "us-east-1"), "trail-archive")
			if !c.Options().UsePathStyle || c.Options().Region != "us-east-1" {
				t.Fatalf("path style %v, region %s", c.Options().UsePathStyle, c.Options().Region)
			}
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("trail-archive")}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("trail-archive")}); err != nil {
				t.Errorf("list: %v", err)
			}
			srv.Reset(t)
		})
	}
}
