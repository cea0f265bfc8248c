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

	"golang.org/x/sync/semaphore"

	"github.com/keypivot/keypivot/investigate"
)

// FileSource reads CloudTrail from local files and directory trees.
type FileSource struct {
	Paths []string
	// Accounts and Regions, when set, prune directory trees in the S3 layout to these
	// accounts (AWSLogs/<account>/, AWSLogs/o-<org>/<account>/) and regions
	// (.../CloudTrail/<region>/); the report's notes say what was left out. Files named
	// explicitly in Paths are read whatever their place.
	Accounts []string
	Regions  []string
	// Workers bounds parallel file reads (default: GOMAXPROCS).
	Workers int
	// OnProgress, when set, is called as files finish (at most every few milliseconds
	// per worker, and for the last file).
	OnProgress func(ScanProgress)

	indexOnce sync.Once
	index     *Index

	// The listing of the last pivot, reused by its later rounds: walking a large tree (a
	// stat per file) costs as much as a round answered from the index.
	listMu      sync.Mutex
	listed      *Listing
	listedPivot uint64
	listedScope string
}

// cachedList lists the scope, or reuses the listing of an earlier round of the same
// pivot (never across pivots, so that a file changed since is seen as changed).
func (s *FileSource) cachedList(sc Scope, pivot uint64) Listing {
	s.listMu.Lock()
	defer s.listMu.Unlock()
	key := fmt.Sprint(s.Paths, sc.Accounts, sc.Regions, sc.Window)
	if pivot != 0 && s.listed != nil && s.listedPivot == pivot && s.listedScope == key {
		return *s.listed
	}
	l := List(s.Paths, sc)
	s.listed, s.listedPivot, s.listedScope = &l, pivot, key
	return l
}

// ScanProgress reports an archive scan's advance.
type ScanProgress = investigate.ScanProgress

// Name names the source in reports.
func (s *FileSource) Name() string { return "trail:" + strings.Join(s.Paths, ",") }

// Index is the source's index of files already read, shared by its passes.
func (s *FileSource) Index() *Index {
	s.indexOnce.Do(func() { s.index = &Index{} })
	return s.index
}

// File is one file to read.
type File struct {
	Path string
	Size int64
	// Sig identifies the content (modification time, S3 ETag) for the index; files
	// without one are not indexed.
	Sig    string
	Layout *LogFile
}

// ListFiles walks paths and returns the log files to read, in a stable order, with the
// files it skipped (digests, zero-byte markers, files outside the window) counted and the
// paths it could not read reported.
func ListFiles(paths []string, w investigate.Window) (files []File, skipped int, problems []investigate.Problem) {
	l := List(paths, Scope{Window: w})
	return l.Files, l.Skipped, l.Problems
}

// Listing is what List found.
type Listing struct {
	Files []File
	// Skipped counts digests, zero-byte markers and files outside the window.
	Skipped  int
	Problems []investigate.Problem
	// Pruning says which accounts' and regions' folders were left out.
	Pruning Pruning
}

// List walks paths like ListFiles, and leaves out the folders of the S3 layout outside
// the scope's accounts and regions without walking them.
func List(paths []string, sc Scope) Listing {
	w := sc.Window
	var (
		files    []File
		skipped  int
		problems []investigate.Problem
	)
	pr := Pruning{Scope: sc}
	narrowed := sc.Narrowed()
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			problems = append(problems, investigate.Problem{Where: root, Message: err.Error()})
			continue
		}
		if !info.IsDir() {
			// A file named explicitly is read whatever its name.
			f := File{Path: root, Size: info.Size(), Sig: info.ModTime().Format(time.RFC3339Nano)}
			if lf, ok := ParseLayout(root); ok {
				f.Layout = &lf
			}
			files = append(files, f)
			continue
		}
		var mu sync.Mutex // guards files, skipped, problems and pr across the walk's workers
		walkErrs := walkTree(root, func(p string) bool {
			if narrowed {
				mu.Lock()
				defer mu.Unlock()
				return pr.Admit(LayoutFolder(p))
			}
			return true
		}, func(p string, d fs.DirEntry) {
			if !isLogName(d.Name()) {
				return
			}
			if strings.Contains(d.Name(), "CloudTrail-Digest") || strings.Contains(d.Name(), "CloudTrail-Insight") {
				mu.Lock()
				skipped++ // digest and Insights files hold no management events
				mu.Unlock()
				return
			}
			lf, inLayout := ParseLayout(p)
			if inLayout && (lf.Digest || !lf.InWindow(w.Since, w.Until)) {
				mu.Lock()
				skipped++ // outside the window: not even stat'ed
				mu.Unlock()
				return
			}
			info, err := d.Info()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				problems = append(problems, investigate.Problem{Where: p, Message: err.Error()})
				return
			}
			if info.Size() == 0 {
				skipped++ // zero-byte folder markers
				return
			}
			f := File{Path: p, Size: info.Size(), Sig: info.ModTime().Format(time.RFC3339Nano)}
			if inLayout {
				if narrowed && !pr.Admit(lf.Account, lf.Region) {
					return
				}
				f.Layout = &lf
			}
			files = append(files, f)
		})
		problems = append(problems, walkErrs...)
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return Listing{Files: files, Skipped: skipped, Problems: problems, Pruning: pr}
}

// walkTree walks root's directories on several goroutines at once (a stat per file
// waits on the kernel; a trail archive has tens of thousands), calling enter for each
// directory below root (false leaves it out) and visit for each other entry. Hidden
// directories are left out. Unreadable directories are returned as problems. enter and
// visit are called concurrently.
func walkTree(root string, enter func(p string) bool, visit func(p string, d fs.DirEntry)) []investigate.Problem {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		problems []investigate.Problem
		sem      = make(chan struct{}, 4*runtime.GOMAXPROCS(0))
	)
	var walk func(dir string)
	walk = func(dir string) {
		defer wg.Done()
		sem <- struct{}{}
		entries, err := os.ReadDir(dir)
		var subdirs []string
		if err != nil {
			mu.Lock()
			problems = append(problems, investigate.Problem{Where: dir, Message: err.Error()})
			mu.Unlock()
		}
		for _, d := range entries {
			p := filepath.Join(dir, d.Name())
			if d.IsDir() {
				if !strings.HasPrefix(d.Name(), ".") && enter(p) {
					subdirs = append(subdirs, p)
				}
				continue
			}
			visit(p, d)
		}
		<-sem
		for _, sub := range subdirs {
			wg.Add(1)
			go walk(sub)
		}
	}
	wg.Add(1)
	walk(root)
	wg.Wait()
	return problems
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
	l := s.cachedList(Scope{Window: q.Window, Accounts: s.Accounts, Regions: s.Regions}, q.Pivot)
	files, problems := l.Files, l.Problems
	rep := investigate.SourceReport{Source: s.Name(), Kind: "cloudtrail-files", Skipped: l.Skipped, Problems: problems}
	if n := l.Pruning.Note(); n != "" {
		rep.Notes = append(rep.Notes, n)
	}
	if len(files) == 0 && len(problems) > 0 {
		return rep, fmt.Errorf("no readable CloudTrail files in %s", strings.Join(s.Paths, ", "))
	}
	r := ScanFiles(ctx, files, q, func(name string) Opener {
		return func() (io.ReadCloser, error) { return openLocal(name) }
	}, sink, ScanOptions{Workers: s.Workers, Progress: s.OnProgress, Index: s.Index()})
	rep.Merge(r)
	rep.Source, rep.Kind = s.Name(), "cloudtrail-files"
	rep.Elapsed = time.Since(start)
	return rep, ctx.Err()
}

// ScanOptions tune ScanFiles.
type ScanOptions struct {
	// Workers bounds parallel reads (default GOMAXPROCS; sources that wait on the
	// network use more).
	Workers int
	// Progress, when set, receives the scan's advance.
	Progress func(ScanProgress)
	// Index, when set, answers files read by an earlier pass and learns the others.
	Index *Index
	// MemoryBudget bounds the decompressed bytes held by all workers at once (default
	// DefaultMemoryBudget): many workers waiting on S3 never add up to more, whatever the
	// archive's size.
	MemoryBudget int64
}

// DefaultMemoryBudget is the default ScanOptions.MemoryBudget.
const DefaultMemoryBudget = 192 << 20

// memoryWeight estimates the memory a file takes while it is read: its stored size and
// its decompressed size (gzip CloudTrail inflates about ten times), capped at what a
// worker buffers before streaming.
func memoryWeight(f *File, budget int64) int64 {
	w := f.Size * 12
	w = max(w, 256<<10)
	w = min(w, 2*MaxBuffered+(1<<20), budget)
	return w
}

// ScanFiles parses files in parallel with the query's matcher. open returns the opener of
// a file by path (local files, S3 objects). It is the shared engine of every archive
// source: files are split among workers that each reuse their buffers; a file whose
// layout or indexed tokens rule it out is not read; a file read is decompressed whole
// and scanned for tokens, and decoded only when it can hold a record of interest.
func ScanFiles(ctx context.Context, files []File, q investigate.EventQuery, open func(string) Opener, sink func([]investigate.Event), opts ScanOptions) investigate.SourceReport {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(files)))
	budget := opts.MemoryBudget
	if budget <= 0 {
		budget = DefaultMemoryBudget
	}
	mem := semaphore.NewWeighted(budget)
	m := NewMatcher(q)
	var (
		mu        sync.Mutex
		rep       investigate.SourceReport
		problems  []investigate.Problem
		done      atomic.Int64
		bytesOut  atomic.Int64
		bytesIn   atomic.Int64
		events    atomic.Int64
		fromIndex atomic.Int64
		ruledOut  atomic.Int64
		lastProg  atomic.Int64
		start     = time.Now()
		total     int64
	)
	for _, f := range files {
		total += f.Size
	}
	report := func(force bool) {
		if opts.Progress == nil && q.OnScan == nil {
			return
		}
		now := int64(time.Since(start))
		last := lastProg.Load()
		if !force && now-last < int64(50*time.Millisecond) {
			return
		}
		if !force && !lastProg.CompareAndSwap(last, now) {
			return
		}
		p := ScanProgress{
			Files: int(done.Load()), TotalFiles: len(files), Bytes: bytesOut.Load(), Read: bytesIn.Load(), TotalSize: total,
			Events: events.Load(), FromIndex: int(fromIndex.Load()), Skipped: int(ruledOut.Load()), Elapsed: time.Since(start),
		}
		if opts.Progress != nil {
			opts.Progress(p)
		}
		if q.OnScan != nil {
			q.OnScan(p)
		}
	}
	emit := func(b []investigate.Event) {
		events.Add(int64(len(b)))
		sink(b)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			w := newWorker()
			// Idle buffers of all workers stay within half the budget.
			w.retain = int(min(max(budget/int64(2*workers), 1<<20), retainBuffer))
			for i := range jobs {
				f := &files[i]
				var sp *shapeProblem
				switch {
				case !m.MayMatchLayout(f.Layout):
					ruledOut.Add(1)
				case indexRulesOut(opts.Index, f, m, &sp):
					fromIndex.Add(1)
					if sp != nil {
						mu.Lock()
						problems = append(problems, investigate.Problem{Where: f.Path + sp.where, Message: sp.message})
						mu.Unlock()
					}
				default:
					weight := memoryWeight(f, budget)
					if err := mem.Acquire(ctx, weight); err != nil {
						break // cancelled
					}
					st, probs := w.parse(f, open(f.Path), m, emit, opts.Index)
					mem.Release(weight)
					mu.Lock()
					rep.Files++
					rep.Bytes += st.Bytes
					if st.Records > 0 && investigate.CountRecordsOnce(ctx, f.Path) {
						// A file decoded again by a later round of a pivot counts once.
						rep.Records += st.Records
					}
					rep.Matched += st.Matched
					problems = append(problems, probs...)
					mu.Unlock()
					bytesOut.Add(st.Bytes)
				}
				bytesIn.Add(f.Size)
				done.Add(1)
				report(false)
			}
		})
	}
	for i := range files {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	report(true)
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Where < problems[j].Where })
	rep.Problems = problems
	if n := fromIndex.Load(); n > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %d of %d files answered from the index of an earlier pass without reading them", describeQuery(q), n, len(files)))
	}
	if n := ruledOut.Load(); n > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %d files outside the key pairs' regions not read", describeQuery(q), n))
	}
	if ctx.Err() != nil {
		rep.Truncated = true
		rep.Notes = append(rep.Notes, fmt.Sprintf("cancelled after %d of %d files", done.Load(), len(files)))
	}
	return rep
}

// indexRulesOut reports whether the index rules f out; sp receives the file's shape
// problem then, so that a file answered from the index is reported as when it was read.
func indexRulesOut(x *Index, f *File, m *Matcher, sp **shapeProblem) bool {
	t, ok := x.lookup(f)
	if !ok || m.MayMatchTokens(t) {
		return false
	}
	*sp = t.shape
	return true
}

func describeQuery(q investigate.EventQuery) string {
	var parts []string
	if n := len(q.AccessKeys); n > 0 {
		parts = append(parts, fmt.Sprintf("%d keys", n))
	}
	if n := len(q.KeyPairs); n > 0 {
		parts = append(parts, fmt.Sprintf("%d key pairs", n))
	}
	if len(parts) == 0 {
		return "query for every record"
	}
	return "query for " + strings.Join(parts, " and ")
}
