package s3archive

import (
	"context"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/investigate"
)

// BuildIndex builds the key index of the archive (cloudtrail.BuildIndex): it lists every
// log object under the prefix, whatever the window, pruned to Accounts and Regions, and
// fetches those the index does not hold with their current ETag. An archive that cannot
// be listed at all is an error; objects that cannot be read are the summary's problems.
func (s *Source) BuildIndex(ctx context.Context, progress func(cloudtrail.ScanProgress)) (cloudtrail.IndexSummary, error) {
	walk, err := s.list(ctx, investigate.Window{})
	if err != nil {
		return cloudtrail.IndexSummary{Root: s.Name(), Problems: walk.problems}, err
	}
	found := walk.found()
	return cloudtrail.BuildIndex(ctx, *found, s.opener(ctx, found.Files), s.idx(), cloudtrail.ScanOptions{Workers: s.workers(), Progress: progress, MaxRecordBytes: s.MaxRecordBytes}), nil
}
