package main

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keypivot/keypivot/aws/s3archive"
	"github.com/keypivot/keypivot/investigate"
)

// --trail s3://BUCKET/PREFIX: a trail archive in S3.
func init() {
	trailOpeners = append(trailOpeners, func(e *env, spec string) (investigate.EventSource, bool, error) {
		if !strings.HasPrefix(spec, "s3://") {
			return nil, false, nil
		}
		bucket, prefix, err := s3archive.ParseURL(spec)
		if err != nil {
			return nil, true, usageErr("--trail %s: %v", spec, err)
		}
		cfg, err := archiveAWSConfig(e)
		if err != nil {
			return nil, true, err
		}
		accounts, regions, err := e.g.archiveScope()
		if err != nil {
			return nil, true, err
		}
		src := &s3archive.Source{Client: s3Client(e.ctx, cfg, bucket), Bucket: bucket, Prefix: prefix, Workers: e.g.Workers, Accounts: accounts, Regions: regions, MaxRecordBytes: int(e.g.MaxRecordSize)}
		if e.g.Progress && stderrIsTerminal() {
			src.OnProgress = scanProgressPrinter(spec)
		}
		return src, true, nil
	})
}

// archiveAWSConfig is the AWS configuration of the archive and Athena sources: the
// process's one AWS session (awsSession), so that credentials, MFA and --read-only are
// resolved once for every AWS client.
func archiveAWSConfig(e *env) (aws.Config, error) {
	s, err := awsSession(e)
	if err != nil {
		return aws.Config{}, err
	}
	return s.Config, nil
}

// s3Client talks to the bucket's own region (a trail bucket often lives in another
// region than the analyst's default), with path-style addressing when a custom endpoint
// (MinIO, LocalStack, moto) is configured.
func s3Client(ctx context.Context, cfg aws.Config, bucket string) *s3.Client {
	pathStyle := os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle })
	if pathStyle {
		return c
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if region, err := manager.GetBucketRegion(rctx, c, bucket); err == nil && region != "" && region != cfg.Region {
		return s3.NewFromConfig(cfg, func(o *s3.Options) { o.Region = region })
	}
	return c
}
