package cloudtrail

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// openIndex is the source's index: kept by its IndexStore under the archive's root (its
// absolute paths, links resolved), or of this run only.
func (s *FileSource) openIndex() *Index {
	if s.IndexStore == nil {
		return &Index{}
	}
	return s.IndexStore.Open(LocalIndexRoot(s.Paths))
}

// LocalIndexRoot names a local archive for its index: its absolute paths, links
// resolved, so that the same archive named another way shares one index.
func LocalIndexRoot(paths []string) string {
	var roots []string
	for _, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		roots = append(roots, p)
	}
	return "file:" + strings.Join(roots, "\n")
}

// IndexSummary says what building an archive's key index did (BuildIndex).
type IndexSummary struct {
	// Root names the archive; Path is the index file ("" when there is no cache
	// directory), IndexBytes its size.
	Root       string
	Path       string
	IndexBytes int64
	// Files counts the log files listed; Read those read and indexed now, Already those
	// indexed before and unchanged; NotIndexed those that could not be (unreadable:
	// Problems; too large to hold, which are streamed; no room left: Refused).
	Files, Read, Already, NotIndexed, Refused int
	// Keys counts the distinct access key ids (long-term and session) in the files indexed.
	Keys int
	// Bytes and Compressed count the bytes read now, decompressed and as stored.
	Bytes, Compressed int64
	Elapsed           time.Duration
	// Skips are what the listing left out, by reason; Problems what could not be read;
	// Warnings what became of the index on disk (rebuilt, not saved).
	Skips    []investigate.Skip
	Problems []investigate.Problem
	Warnings []string
}

// indexQuery is the query an index build scans for: a key id no file holds, so that
// every file is read, its tokens recorded, and none decoded.
var indexQuery = investigate.EventQuery{AccessKeys: []investigate.AccessKeyID{investigate.MustParseAccessKeyID("AKIAKEYPIVOTINDEX000")}}

// BuildIndex reads every file of a listing that the index does not hold unchanged, and
// records its tokens in x; then it saves x when a store keeps it. It is what a pivot
// does to the files it reads, for all of them and without decoding any record.
func BuildIndex(ctx context.Context, l Listing, open func(string) Opener, x *Index, opts ScanOptions) IndexSummary {
	start := time.Now()
	before := map[string]bool{}
	for i := range l.Files {
		if _, ok := x.lookup(&l.Files[i]); ok {
			before[l.Files[i].Path] = true
		}
	}
	opts.Index = x
	rep, learned := ScanListing(ctx, l, indexQuery, open, func([]investigate.Event) {}, opts)
	sum := IndexSummary{Files: len(learned.Files), Bytes: rep.Bytes, Skips: learned.Skips, Refused: x.Refused()}
	sum.Problems = append(append(sum.Problems, learned.Problems...), rep.Problems...)
	keys := map[uint64]bool{}
	for i := range learned.Files {
		f := &learned.Files[i]
		h, ok := x.lookup(f)
		switch {
		case !ok:
			sum.NotIndexed++
		case before[f.Path]:
			sum.Already++
		default:
			sum.Read++
		}
		if !before[f.Path] {
			sum.Compressed += f.Size
		}
		if ok {
			for _, k := range h.tokens.Keys {
				keys[k] = true
			}
		}
	}
	sum.Keys = len(keys)
	var r investigate.SourceReport
	x.Keep(&r)
	if u := x.use(); u != nil {
		sum.Path, sum.Warnings = u.Path, u.Warnings
		if info, err := os.Stat(u.Path); err == nil && u.Path != "" {
			sum.IndexBytes = info.Size()
		}
	}
	if x.disk != nil {
		sum.Root = x.disk.root
	}
	sum.Elapsed = time.Since(start)
	return sum
}

// BuildIndex builds the key index of the source's archive (see BuildIndex): every log
// file of its paths, whatever the window, pruned to Accounts and Regions. Paths that
// hold no readable file at all are an error.
func (s *FileSource) BuildIndex(ctx context.Context, progress func(ScanProgress)) (IndexSummary, error) {
	l := List(s.Paths, Scope{Accounts: s.Accounts, Regions: s.Regions})
	if len(l.Files) == 0 && len(l.Problems) > 0 {
		return IndexSummary{Root: LocalIndexRoot(s.Paths), Problems: l.Problems}, fmt.Errorf("no readable CloudTrail files in %s: %s", strings.Join(s.Paths, ", "), l.Problems[0].Message)
	}
	return BuildIndex(ctx, l, func(name string) Opener {
		return func() (io.ReadCloser, error) { return openLocal(name) }
	}, s.Index(), ScanOptions{Workers: s.Workers, Progress: progress, MaxRecordBytes: s.MaxRecordBytes}), nil
}
