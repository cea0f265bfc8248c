package cloudtrail

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/keypivot/keypivot/investigate"
)

// FileSource reads CloudTrail from local files and directory trees.
type FileSource struct {
	Paths []string
	// Workers bounds parallel file reads (default: GOMAXPROCS).
	Workers int
	// OnProgress, when set, is called as files finish.
	OnProgress func(ScanProgress)
}

// ScanProgress reports an archive scan's advance.
type ScanProgress struct {
	Files, TotalFiles int
	Bytes             int64 // decompressed
	Events            int64
	Elapsed           time.Duration
}

// Name names the source in reports.
func (s *FileSource) Name() string { return "trail:" + strings.Join(s.Paths, ",") }

// File is one file to read.
type File struct {
	Path   string
	Size   int64
	Layout *LogFile
}

// ListFiles walks paths and returns the log files to read, in a stable order, with the
// files it skipped (digests, zero-byte markers, files outside the window) counted and the
// paths it could not read reported.
func ListFiles(paths []string, w investigate.Window) (files []File, skipped int, problems []investigate.Problem) {
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			problems = append(problems, investigate.Problem{Where: root, Message: err.Error()})
			continue
		}
		if !info.IsDir() {
			// A file named explicitly is read whatever its name.
			f := File{Path: root, Size: info.Size()}
			if lf, ok := ParseLayout(root); ok {
				f.Layout = &lf
			}
			files = append(files, f)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				problems = append(problems, investigate.Problem{Where: p, Message: err.Error()})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if n := d.Name(); n == "CloudTrail-Digest" || n == "CloudTrail-Insight" || (strings.HasPrefix(n, ".") && p != root) {
					return fs.SkipDir
				}
				return nil
			}
			if !isLogName(d.Name()) {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				problems = append(problems, investigate.Problem{Where: p, Message: err.Error()})
				return nil
			}
			if info.Size() == 0 {
				skipped++ // zero-byte folder markers
				return nil
			}
			f := File{Path: p, Size: info.Size()}
			if lf, ok := ParseLayout(p); ok {
				if lf.Digest || !lf.InWindow(w.Since, w.Until) {
					skipped++
					return nil
				}
				f.Layout = &lf
			}
			files = append(files, f)
			return nil
		})
		if err != nil {
			problems = append(problems, investigate.Problem{Where: root, Message: err.Error()})
		}
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, skipped, problems
}

func isLogName(n string) bool {
	l := strings.ToLower(n)
	for _, ext := range []string{".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".gz"} {
		if strings.HasSuffix(l, ext) {
			return true
		}
	}
	return false
}

// Events implements investigate.EventSource.
func (s *FileSource) Events(ctx context.Context, q investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	start := time.Now()
	files, skipped, problems := ListFiles(s.Paths, q.Window)
	rep := investigate.SourceReport{Source: s.Name(), Kind: "cloudtrail-files", Skipped: skipped, Problems: problems}
	if len(files) == 0 && len(problems) > 0 {
		return rep, fmt.Errorf("no readable CloudTrail files in %s", strings.Join(s.Paths, ", "))
	}
	r := ScanFiles(ctx, files, q, s.Workers, func(name string) Opener {
		return func() (io.ReadCloser, error) { return os.Open(name) }
	}, sink, s.OnProgress)
	rep.Merge(r)
	rep.Source, rep.Kind = s.Name(), "cloudtrail-files"
	rep.Elapsed = time.Since(start)
	return rep, ctx.Err()
}

// ScanFiles parses files in parallel with the query's matcher. open returns the opener of
// a file by path (local files, S3 objects). It is the shared engine of every archive source.
func ScanFiles(ctx context.Context, files []File, q investigate.EventQuery, workers int, open func(string) Opener, sink func([]investigate.Event), progress func(ScanProgress)) investigate.SourceReport {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	m := NewMatcher(q)
	var (
		mu       sync.Mutex
		rep      investigate.SourceReport
		done     atomic.Int64
		bytesIn  atomic.Int64
		events   atomic.Int64
		start    = time.Now()
		problems []investigate.Problem
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, f := range files {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if gctx.Err() != nil {
				return nil
			}
			st, probs := Parse(f.Path, open(f.Path), m, func(b []investigate.Event) {
				events.Add(int64(len(b)))
				sink(b)
			})
			mu.Lock()
			rep.Files++
			rep.Bytes += st.Bytes
			rep.Records += st.Records
			rep.Matched += st.Matched
			problems = append(problems, probs...)
			mu.Unlock()
			n := done.Add(1)
			bytesIn.Add(st.Bytes)
			if progress != nil {
				progress(ScanProgress{Files: int(n), TotalFiles: len(files), Bytes: bytesIn.Load(), Events: events.Load(), Elapsed: time.Since(start)})
			}
			return nil
		})
	}
	_ = g.Wait()
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Where < problems[j].Where })
	rep.Problems = problems
	if ctx.Err() != nil {
		rep.Truncated = true
		rep.Notes = append(rep.Notes, fmt.Sprintf("cancelled after %d of %d files", done.Load(), len(files)))
	}
	return rep
}
