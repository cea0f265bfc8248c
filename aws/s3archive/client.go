package s3archive

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// bucketRegionTimeout bounds the look-up of a bucket's region.
const bucketRegionTimeout = 10 * time.Second

// NewClient is the S3 client of a trail bucket. It talks to the bucket's own region (a
// trail bucket often lives in another region than the analyst's default: it is asked
// for, and cfg's region kept when the question goes unanswered), with path-style
// addressing and no region look-up when a custom endpoint is configured
// (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL: MinIO, LocalStack, moto).
func NewClient(ctx context.Context, cfg aws.Config, bucket string) *s3.Client {
	pathStyle := os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle })
	if pathStyle {
		return c
	}
	rctx, cancel := context.WithTimeout(ctx, bucketRegionTimeout)
	defer cancel()
	if region, err := manager.GetBucketRegion(rctx, c, bucket); err == nil && region != "" && region != cfg.Region {
		return s3.NewFromConfig(cfg, func(o *s3.Options) { o.Region = region })
	}
	return c
}
