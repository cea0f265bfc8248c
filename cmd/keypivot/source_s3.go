package main

import (
	"github.com/keypivot/keypivot/aws/s3archive"
	"github.com/keypivot/keypivot/investigate"
)

// openS3Archive opens --trail s3://BUCKET/PREFIX: a trail archive in S3, read on the
// process's AWS session from the bucket's own region.
func openS3Archive(b *builder, spec string) (investigate.EventSource, error) {
	bucket, prefix, err := s3archive.ParseURL(spec)
	if err != nil {
		return nil, usageErr("--trail %s: %v", spec, err)
	}
	s, err := b.awsSession()
	if err != nil {
		return nil, err
	}
	accounts, regions, err := b.g.archiveScope()
	if err != nil {
		return nil, err
	}
	src := &s3archive.Source{Client: s3archive.NewClient(b.ctx, s.Config, bucket), Bucket: bucket, Prefix: prefix,
		Workers: b.g.Workers, Accounts: accounts, Regions: regions, MaxRecordBytes: int(b.g.MaxRecordSize), IndexStore: b.g.indexStore()}
	src.OnProgress = b.scanProgress(spec)
	return src, nil
}
