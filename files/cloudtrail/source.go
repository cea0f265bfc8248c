package cloudtrail

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/keypivot/keypivot/files"
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
	// MaxRecordBytes bounds the size of one record (0: DefaultMaxRecordBytes); see
	// ScanOptions.
	MaxRecordBytes int
	// IndexStore, when set, keeps the source's key index on disk between runs
	// (index_store.go); otherwise it serves this run only.
	IndexStore *IndexStore

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
	if l, ok := s.cached(sc, pivot); ok {
		return l
	}
	l := List(s.Paths, sc)
	s.listed, s.listedPivot, s.listedScope = &l, pivot, s.scopeKey(sc)
	return l
}

// cached is the listing of an earlier round of the pivot, if any (listMu held).
func (s *FileSource) cached(sc Scope, pivot uint64) (Listing, bool) {
	if pivot == 0 || s.listed == nil || s.listedPivot != pivot || s.listedScope != s.scopeKey(sc) {
		return Listing{}, false
	}
	return *s.listed, true
}

func (s *FileSource) scopeKey(sc Scope) string {
	return fmt.Sprint(s.Paths, sc.Accounts, sc.Regions, sc.Window)
}

// keep makes l, the listing as a scan learned it (ScanListing), the cached listing of the
// pivot when one is cached, so that its later rounds do not open again the files the scan
// told.
func (s *FileSource) keep(sc Scope, pivot uint64, l Listing) {
	s.listMu.Lock()
	defer s.listMu.Unlock()
	if _, ok := s.cached(sc, pivot); ok {
		s.listed = &l
	}
}

// ScanProgress reports an archive scan's advance.
type ScanProgress = investigate.ScanProgress

// Name names the source in reports.
func (s *FileSource) Name() string { return "trail:" + strings.Join(s.Paths, ",") }

// Index is the source's index of files already read, shared by its passes.
func (s *FileSource) Index() *Index {
	s.indexOnce.Do(func() { s.index = s.openIndex() })
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
	// Sniff: the name does not say whether the file is a log (it has no extension), its
	// content does. The scan sniffs it when it opens it to read (Sniff), and leaves it
	// out, unsearched, when it is not CloudTrail.
	Sniff bool
}

// Listing is what List found.
type Listing struct {
	// Files are the files to read; those with Sniff set are told from other files by
	// their content when the scan reads them (what it finds is folded into the listing
	// by learn).
	Files []File
	// Skips counts what was left out unread, by reason (investigate.Skip*); Skipped is
	// their total.
	Skips   []investigate.Skip
	Skipped int
	// Problems are paths that could not be read (never counted as skips).
	Problems []investigate.Problem
	// Pruning says which accounts' and regions' folders were left out.
	Pruning Pruning
}

// SkipTally counts what a listing leaves out, by reason (files.SkipTally), reported in
// the order of skipOrder. It is safe for concurrent use.
type SkipTally struct{ tally files.SkipTally }

// Add counts n inputs left out for reason.
func (t *SkipTally) Add(reason string, n int, example string) { t.tally.Add(reason, n, example) }

// skipOrder is the order reasons are reported in.
var skipOrder = []string{investigate.SkipNotLog, investigate.SkipEmptyFile, investigate.SkipHidden, investigate.SkipDigest, investigate.SkipOutsideWindow, investigate.SkipPruned}

// Into adds the tally to a report, reasons in a fixed order.
func (t *SkipTally) Into(r *investigate.SourceReport) { t.tally.Into(r, skipOrder) }

// Skips is the tally as a Listing holds it: what was left out by reason, in the order
// Into reports them, and their total.
func (t *SkipTally) Skips() ([]investigate.Skip, int) {
	var r investigate.SourceReport
	t.Into(&r)
	return r.Skips, r.Skipped
}

// Report adds what the listing left out to a source's report, reason by reason. Every
// round of a pivot reports it: the rounds share the listing, and merging them keeps the
// largest count of each reason, not the sum.
func (l Listing) Report(r *investigate.SourceReport) {
	for _, sk := range l.Skips {
		r.AddSkip(sk.Reason, sk.Count, sk.Example)
	}
}

// List walks paths and returns the log files to read, in a stable order, with what it
// left out counted and the paths it could not read reported; it leaves out the folders
// of the S3 layout outside the scope's accounts and regions without walking them. A
// directory is read by content:
// files named like logs (ClassifyName) are listed, files without an extension are
// listed to be sniffed when they are read (File.Sniff: opened once, not once to list and
// again to read), and everything else is counted as left out, by reason: not a log,
// empty, hidden folder, digest, outside the window, pruned (folders left unwalked count
// one each, and the example says so). Links are followed, and each folder is walked once
// (files.Walker), however many paths and links lead to it. A file named explicitly in
// paths is listed whatever its name.
func List(paths []string, sc Scope) Listing {
	w := sc.Window
	var (
		mu       sync.Mutex // guards listed, problems, pr and the pruned folders across the walk's workers
		listed   []File
		problems []investigate.Problem
		tally    SkipTally
	)
	pr := Pruning{Scope: sc}
	narrowed := sc.Narrowed()
	prunedFolders := 0
	prunedExample := ""
	problem := func(p string, err error) {
		mu.Lock()
		problems = append(problems, investigate.Problem{Where: p, Message: err.Error()})
		mu.Unlock()
	}
	walker := files.Walker{
		Enter: func(p string) bool {
			if !narrowed {
				return true
			}
			mu.Lock()
			defer mu.Unlock()
			if pr.Admit(LayoutFolder(p)) {
				return true
			}
			prunedFolders++
			if prunedExample == "" || p < prunedExample {
				prunedExample = p
			}
			return false
		},
		File: func(p string, d fs.DirEntry) {
			kind := ClassifyName(d.Name())
			switch kind {
			case NameDigest:
				tally.Add(investigate.SkipDigest, 1, p) // digest and Insights files hold no management events
				return
			case NameOther:
				tally.Add(investigate.SkipNotLog, 1, p)
				return
			}
			lf, inLayout := ParseLayout(p)
			if inLayout {
				switch {
				case lf.Digest:
					tally.Add(investigate.SkipDigest, 1, p)
					return
				case !lf.InWindow(w.Since, w.Until):
					tally.Add(investigate.SkipOutsideWindow, 1, p) // not even stat'ed
					return
				}
				if narrowed {
					mu.Lock()
					ok := pr.Admit(lf.Account, lf.Region)
					mu.Unlock()
					if !ok {
						tally.Add(investigate.SkipPruned, 1, p)
						return
					}
				}
			}
			info, err := d.Info()
			if err != nil {
				problem(p, err)
				return
			}
			if info.Size() == 0 {
				tally.Add(investigate.SkipEmptyFile, 1, p) // zero-byte folder markers
				return
			}
			f := File{Path: p, Size: info.Size(), Sig: fileSig(info), Sniff: kind == NameSniff}
			if inLayout {
				f.Layout = &lf
			}
			mu.Lock()
			listed = append(listed, f)
			mu.Unlock()
		},
		Named: func(p string, info fs.FileInfo) {
			// A file named explicitly is read whatever its name.
			f := File{Path: p, Size: info.Size(), Sig: fileSig(info)}
			if lf, ok := ParseLayout(p); ok {
				f.Layout = &lf
			}
			mu.Lock()
			listed = append(listed, f)
			mu.Unlock()
		},
		Hidden:  func(p string) { tally.Add(investigate.SkipHidden, 1, p) },
		Special: func(p string) { tally.Add(investigate.SkipNotLog, 1, p) }, // a pipe, socket or device: never opened
		Problem: problem,
	}
	walker.Walk(paths...)
	if prunedFolders > 0 {
		tally.Add(investigate.SkipPruned, prunedFolders, prunedExample+string(filepath.Separator)+" (a folder left unwalked: each counts once, whatever it holds)")
	}
	sort.SliceStable(listed, func(i, j int) bool { return listed[i].Path < listed[j].Path })
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Where < problems[j].Where })
	skips, skipped := tally.Skips()
	return Listing{Files: listed, Skips: skips, Skipped: skipped, Problems: problems, Pruning: pr}
}

// Events implements investigate.EventSource.
func (s *FileSource) Events(ctx context.Context, q investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	start := time.Now()
	sc := Scope{Window: q.Window, Accounts: s.Accounts, Regions: s.Regions}
	l := s.cachedList(sc, q.Pivot)
	// Files without an extension are sniffed as the scan reads them; the listing learns
	// what they are, and reports them as a listing that sniffed them would have.
	var r investigate.SourceReport
	if len(l.Files) > 0 || len(l.Problems) == 0 {
		r, l = ScanListing(ctx, l, q, func(name string) Opener {
			return func() (io.ReadCloser, error) { return openLocal(name) }
		}, sink, ScanOptions{Workers: s.Workers, Progress: s.OnProgress, Index: s.Index(), MaxRecordBytes: s.MaxRecordBytes})
		s.Index().Keep(&r)
		s.keep(sc, q.Pivot, l)
	}
	rep := investigate.SourceReport{Source: s.Name(), Kind: "cloudtrail-files", Problems: l.Problems}
	l.Report(&rep)
	if n := l.Pruning.Note(); n != "" {
		rep.Notes = append(rep.Notes, n)
	}
	if len(l.Files) == 0 && len(l.Problems) > 0 {
		return rep, fmt.Errorf("no readable CloudTrail files in %s", strings.Join(s.Paths, ", "))
	}
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
	// MaxRecordBytes bounds the size of one record (0: DefaultMaxRecordBytes): a larger
	// record is reported as a problem, with its file and place, and never held whole.
	MaxRecordBytes int
}

// DefaultMemoryBudget is the default ScanOptions.MemoryBudget.
const DefaultMemoryBudget = 192 << 20

// memoryWeight estimates the memory a file takes while it is read: its stored size and
// its decompressed size (gzip CloudTrail inflates about ten times), capped at what a
// worker holds: a buffered file, or a streamed one's window of up to one record (the
// record limit, raised by --max-record-size) and its copy.
func memoryWeight(f *File, budget int64, limit int) int64 {
	if limit <= 0 {
		limit = DefaultMaxRecordBytes
	}
	w := f.Size * 12
	w = max(w, 256<<10)
	w = min(w, max(2*MaxBuffered, 2*int64(limit))+(1<<20), budget)
	return w
}

// ScanFiles parses files in parallel with the query's matcher. open returns the opener of
// a file by path (local files, S3 objects). It is the shared engine of every archive
// source: files are split among workers that each reuse their buffers; a file whose
// layout or indexed tokens rule it out is not read; a file read is decompressed whole
// and scanned for tokens, and decoded only when it can hold a record of interest.
//
// The report's Files counts every file searched for the query: read (those that turn out
// unreadable too, which are also Problems), ruled out by its tokens after reading,
// answered from the index without reading, or ruled out by its place in the layout. Its
// Span, Accounts and AWSRegions say what those files cover, matched or not: from their
// records when read (or from the index, which keeps them), from the layout otherwise.
//
// A file listed with Sniff is read only when it sniffs as CloudTrail; otherwise it is
// counted as left out, not a log (investigate.SkipNotLog), or, when it could not be read
// to tell, reported as a problem; neither is searched.
func ScanFiles(ctx context.Context, files []File, q investigate.EventQuery, open func(string) Opener, sink func([]investigate.Event), opts ScanOptions) investigate.SourceReport {
	rep, sniffed := scanFiles(ctx, files, q, open, sink, opts)
	var (
		tally    SkipTally
		problems []investigate.Problem
	)
	for _, sn := range sniffed {
		sn.tell(&tally, &problems)
	}
	tally.Into(&rep)
	if len(problems) > 0 {
		rep.Problems = append(rep.Problems, problems...)
		sort.SliceStable(rep.Problems, func(i, j int) bool { return rep.Problems[i].Where < rep.Problems[j].Where })
	}
	return rep
}

// ScanListing is ScanFiles for a source that keeps its listing between a pivot's rounds:
// the listing it returns has learned what the files listed with Sniff turned out to be
// (Listing.learn: no log moves to its skips, unreadable to its problems, CloudTrail is no
// longer sniffed), and the report leaves those files to it.
func ScanListing(ctx context.Context, l Listing, q investigate.EventQuery, open func(string) Opener, sink func([]investigate.Event), opts ScanOptions) (investigate.SourceReport, Listing) {
	r, sniffs := scanFiles(ctx, l.Files, q, open, sink, opts)
	return r, l.learn(sniffs)
}

// scanFiles is ScanFiles, which also says what the files listed with Sniff turned out to
// be, leaving it to the caller to report them.
func scanFiles(ctx context.Context, files []File, q investigate.EventQuery, open func(string) Opener, sink func([]investigate.Event), opts ScanOptions) (investigate.SourceReport, []sniffed) {
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
		sniffs    []sniffed
		done      atomic.Int64
		bytesOut  atomic.Int64
		bytesIn   atomic.Int64
		events    atomic.Int64
		fromIndex atomic.Int64
		ruledOut  atomic.Int64
		indexed   indexTally
		searched  atomic.Int64
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
	// Workers claim files in order from a shared counter. Handing each file over an
	// unbuffered channel parked a worker per file until the feeding goroutine ran again:
	// a fifth to a quarter of a scan of small files on two cores (BenchmarkArchive).
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		cover []*coverage
	)
	for range workers {
		wg.Go(func() {
			w := newWorker()
			cov := &coverage{}
			// Idle buffers of all workers stay within half the budget.
			w.retain = int(min(max(budget/int64(2*workers), 1<<20), retainBuffer))
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) || ctx.Err() != nil {
					break
				}
				f := &files[i]
				var (
					sp *shapeProblem
					t  *Tokens
				)
				switch {
				case !f.Sniff && !m.MayMatchLayout(f.Layout):
					// A file still to be sniffed is read whatever its place: until its
					// content says it is CloudTrail, it is no log file to count.
					ruledOut.Add(1)
					searched.Add(1)
					cov.add(layoutSpan(f.Layout), f.Layout, nil, nil)
				case indexed.rulesOut(opts.Index, f, m, &t):
					fromIndex.Add(1)
					searched.Add(1)
					cov.add(t.span, f.Layout, t.accounts, t.regions)
					if sp = t.shape; sp != nil {
						mu.Lock()
						problems = append(problems, investigate.Problem{Where: f.Path + sp.where, Message: sp.message})
						mu.Unlock()
					}
				default:
					weight := memoryWeight(f, budget, opts.MaxRecordBytes)
					if err := mem.Acquire(ctx, weight); err != nil {
						break // cancelled
					}
					op := open(f.Path)
					if f.Sniff {
						sn := sniffed{index: i, path: f.Path}
						op, sn.log, sn.err = sniffOpen(op)
						mu.Lock()
						sniffs = append(sniffs, sn)
						mu.Unlock()
						if !sn.log {
							mem.Release(weight)
							break // not CloudTrail, or not readable to tell: not searched
						}
					}
					st, probs := w.parse(f, op, m, emit, opts.Index, opts.MaxRecordBytes)
					mem.Release(weight)
					searched.Add(1)
					if st.Searched {
						cov.add(spanOf(st.Span), f.Layout, st.Accounts, st.Regions)
					}
					mu.Lock()
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
			mu.Lock()
			cover = append(cover, cov)
			mu.Unlock()
		})
	}
	wg.Wait()
	report(true)
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Where < problems[j].Where })
	rep.Problems = problems
	rep.Files = int(searched.Load())
	fillCoverage(&rep, cover)
	indexed.report(&rep, opts.Index, q, len(files))
	if n := ruledOut.Load(); n > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %s outside the key pairs' regions not read", describeQuery(q), investigate.Plural(int(n), "file")))
	}
	if ctx.Err() != nil {
		rep.Truncated = true
		rep.Notes = append(rep.Notes, fmt.Sprintf("cancelled after %d of %s", done.Load(), investigate.Plural(len(files), "file")))
	}
	sort.Slice(sniffs, func(i, j int) bool { return sniffs[i].index < sniffs[j].index })
	return rep, sniffs
}

func describeQuery(q investigate.EventQuery) string {
	var parts []string
	if n := len(q.AccessKeys); n > 0 {
		parts = append(parts, investigate.Plural(n, "key"))
	}
	if n := len(q.KeyPairs); n > 0 {
		parts = append(parts, investigate.Plural(n, "key pair"))
	}
	if len(parts) == 0 {
		return "query for every record"
	}
	return "query for " + strings.Join(parts, " and ")
}
