package alertdoc

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/keypivot/keypivot/files"
	"github.com/keypivot/keypivot/investigate"
)

// FileSource reads alert exports from files and directory trees. It implements
// investigate.AlertSource.
//
// A path named explicitly is read whatever its name. In directories, files are chosen
// by name and content: .json, .ndjson, .jsonl and .log (the name Filebeat and Elastic
// exports use), each optionally .gz, and any other .gz are read; a file without an
// extension is read when its start sniffs as an alert export (what Parse reads:
// NDJSON of documents or hits, a _search or ES|QL response, GuardDuty or Security Hub
// findings); everything else is counted as skipped, not a log (investigate.SkipNotLog),
// and zero-byte files as empty (SkipEmptyFile). Links to files and to directories are
// followed (each directory once: files.Walker); hidden directories are not searched, and
// counted as left out (SkipHidden). Each file's shape is detected from its content (see
// Parse). Files are read in parallel: sink may be called from several goroutines at once.
//
// The report's Files counts the files read, Span the time of every alert read (matched
// or not), Skips the files left out by reason.
type FileSource struct {
	Paths []string
	// Workers bounds parallel file reads (default GOMAXPROCS).
	Workers int
	// MaxRecordBytes bounds the bytes of one record (DefaultMaxRecordBytes when 0): a
	// larger one is reported and skipped without being held.
	MaxRecordBytes int
}

// Name names the source in reports.
func (s *FileSource) Name() string { return "alerts:" + strings.Join(s.Paths, ",") }

// Alerts implements investigate.AlertSource. The error is for a source with no readable
// file at all; unreadable files and bad records are problems in the report.
func (s *FileSource) Alerts(ctx context.Context, q investigate.AlertQuery, sink func([]investigate.Alert)) (investigate.SourceReport, error) {
	start := time.Now()
	ls := listFiles(s.Paths)
	rep := investigate.SourceReport{Source: s.Name(), Kind: kindAlertFiles, Problems: ls.problems}
	for _, sk := range ls.skips {
		rep.AddSkip(sk.Reason, sk.Count, sk.Example)
	}
	toRead := ls.files
	if len(toRead) == 0 {
		rep.Elapsed = time.Since(start)
		if len(ls.problems) > 0 {
			err := fmt.Errorf("no readable alert files in %s", strings.Join(s.Paths, ", "))
			rep.Failed = err.Error()
			return rep, err
		}
		rep.Notes = append(rep.Notes, "no alert files (.json, .ndjson, .jsonl, .log, optionally .gz, or alert exports without an extension) found")
		return rep, nil
	}
	workers := s.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	reports := make([]investigate.SourceReport, len(toRead))
	sums := make([]fileSummary, len(toRead))
	read := make([]bool, len(toRead))
	var g errgroup.Group
	g.SetLimit(workers)
	for i, file := range toRead {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil
			}
			reports[i], sums[i], read[i] = s.readFile(ctx, file, q, sink)
			return nil
		})
	}
	_ = g.Wait()

	kinds := map[string]int{}
	containers := map[string]int{}
	done := 0
	for i := range toRead {
		r := reports[i]
		r.Source, r.Kind, r.Elapsed = "", "", 0
		rep.Merge(r)
		if read[i] {
			done++
			if sums[i].container != "" {
				containers[sums[i].container]++
			}
			for k, n := range sums[i].kinds {
				kinds[k] += n
			}
		}
	}
	rep.Source, rep.Kind = s.Name(), kindAlertFiles
	rep.Notes = append(rep.Notes, summaryNote(done, containers, kinds))
	if ctx.Err() != nil {
		rep.Truncated = true
		rep.Notes = append(rep.Notes, fmt.Sprintf("cancelled: %d of %s read", done, investigate.Plural(len(toRead), "file")))
	}
	rep.Elapsed = time.Since(start)
	return rep, ctx.Err()
}

// readFile reads one file: read is false when it could not be opened or, chosen by
// content, turned out not to be an alert export (a skip in the report).
func (s *FileSource) readFile(ctx context.Context, file fileEntry, q investigate.AlertQuery, sink func([]investigate.Alert)) (rep investigate.SourceReport, sum fileSummary, read bool) {
	f, err := os.Open(file.path)
	if err != nil {
		return investigate.SourceReport{Problems: []investigate.Problem{{Where: file.path, Message: err.Error()}}}, sum, false
	}
	defer f.Close()
	if file.sniff {
		return parseSniffed(ctx, file.path, f, q, sink, s.MaxRecordBytes)
	}
	rep, sum = parseFile(ctx, file.path, f, q, sink, s.MaxRecordBytes)
	return rep, sum, true
}

func summaryNote(filesRead int, containers, kinds map[string]int) string {
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(containers)) {
		n, label := containers[c], c
		if n > 1 && !strings.HasSuffix(label, "s") && label != "NDJSON" {
			label += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, label))
	}
	s := "read " + investigate.Plural(filesRead, "file")
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s + kindsString(kinds)
}

// fileEntry is a file to read; sniff: its name does not say, its content must.
type fileEntry struct {
	path  string
	sniff bool
}

// fileList is what the paths hold: the files to read, the files and directories left
// out by reason, and the paths that could not be read.
type fileList struct {
	files    []fileEntry
	skips    []investigate.Skip
	problems []investigate.Problem
}

// listOrder is the order the reasons a listing leaves files out for are reported in.
var listOrder = []string{investigate.SkipNotLog, investigate.SkipEmptyFile, investigate.SkipHidden}

// listFiles expands paths into the files to read, in a stable order, and reports what
// it left out and the paths it could not read.
func listFiles(paths []string) fileList {
	var (
		l     fileList
		mu    sync.Mutex // guards l.files and l.problems across the walk's workers
		tally files.SkipTally
	)
	problem := func(p string, err error) {
		mu.Lock()
		l.problems = append(l.problems, investigate.Problem{Where: p, Message: err.Error()})
		mu.Unlock()
	}
	walker := files.Walker{
		File: func(p string, d fs.DirEntry) {
			info, err := d.Info()
			if err != nil {
				problem(p, err)
				return
			}
			switch kind := files.ClassifyName(d.Name()); {
			case info.Size() == 0:
				tally.Add(investigate.SkipEmptyFile, 1, p)
			case kind != files.NameOther:
				mu.Lock()
				l.files = append(l.files, fileEntry{path: p, sniff: kind == files.NameSniff})
				mu.Unlock()
			default:
				tally.Add(investigate.SkipNotLog, 1, p)
			}
		},
		Named: func(p string, _ fs.FileInfo) {
			mu.Lock()
			l.files = append(l.files, fileEntry{path: p}) // read whatever its name
			mu.Unlock()
		},
		Hidden:  func(p string) { tally.Add(investigate.SkipHidden, 1, p) },
		Special: func(p string) { tally.Add(investigate.SkipNotLog, 1, p) }, // a pipe, socket or device
		Problem: problem,
	}
	walker.Walk(paths...)
	slices.SortFunc(l.files, func(a, b fileEntry) int { return strings.Compare(a.path, b.path) })
	l.files = slices.CompactFunc(l.files, func(a, b fileEntry) bool { return a.path == b.path })
	slices.SortStableFunc(l.problems, func(a, b investigate.Problem) int { return strings.Compare(a.Where, b.Where) })
	var r investigate.SourceReport
	tally.Into(&r, listOrder)
	l.skips = r.Skips
	return l
}
