package alertdoc

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
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
// followed (each directory once); hidden directories are not searched, and named in a
// note. Each file's shape is detected from its content (see Parse). Files are read in
// parallel: sink may be called from several goroutines at once.
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

// maxHiddenNamed bounds the hidden directories a note names.
const maxHiddenNamed = 5

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
	if n := len(ls.hidden); n > 0 {
		shown := ls.hidden[:min(n, maxHiddenNamed)]
		note := "hidden directories not searched: " + strings.Join(shown, ", ")
		if n > len(shown) {
			note += fmt.Sprintf(" and %d more", n-len(shown))
		}
		rep.Notes = append(rep.Notes, note)
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
		rep.Notes = append(rep.Notes, fmt.Sprintf("cancelled: %d of %d files read", done, len(toRead)))
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
		ok, err := sniffAlerts(f)
		if err != nil {
			return investigate.SourceReport{Problems: []investigate.Problem{{Where: file.path, Message: err.Error()}}}, sum, false
		}
		if !ok {
			rep.AddSkip(investigate.SkipNotLog, 1, file.path)
			return rep, sum, false
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return investigate.SourceReport{Problems: []investigate.Problem{{Where: file.path, Message: err.Error()}}}, sum, false
		}
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
	s := fmt.Sprintf("read %d files", filesRead)
	if filesRead == 1 {
		s = "read 1 file"
	}
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

// fileList is what the paths hold: the files to read, the files left out by reason,
// the paths that could not be read, and the hidden directories not searched.
type fileList struct {
	files    []fileEntry
	skips    []investigate.Skip
	problems []investigate.Problem
	hidden   []string
}

func (l *fileList) skip(reason, path string) {
	for i := range l.skips {
		if l.skips[i].Reason == reason {
			l.skips[i].Count++
			return
		}
	}
	l.skips = append(l.skips, investigate.Skip{Reason: reason, Count: 1, Example: path})
}

func (l *fileList) problem(path string, err error) {
	l.problems = append(l.problems, investigate.Problem{Where: path, Message: err.Error()})
}

// listFiles expands paths into the files to read, in a stable order, and reports what
// it left out and the paths it could not read.
func listFiles(paths []string) fileList {
	var (
		l       fileList
		visited []string // directories walked, by real path: links cannot loop
	)
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			l.problem(root, err)
			continue
		}
		if !info.IsDir() {
			l.files = append(l.files, fileEntry{path: root}) // named: read whatever its name
			continue
		}
		l.walk(root, &visited)
	}
	slices.SortFunc(l.files, func(a, b fileEntry) int { return strings.Compare(a.path, b.path) })
	l.files = slices.CompactFunc(l.files, func(a, b fileEntry) bool { return a.path == b.path })
	return l
}

// within reports whether path is dir or under it.
func within(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, strings.TrimSuffix(dir, string(filepath.Separator))+string(filepath.Separator))
}

// walk lists the files under the directory root (a link to one, perhaps), naming them
// under root. A directory already walked, or under one, is not walked again.
func (l *fileList) walk(root string, visited *[]string) {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		l.problem(root, err)
		return
	}
	for _, v := range *visited {
		if within(real, v) {
			return
		}
	}
	*visited = append(*visited, real)
	err = filepath.WalkDir(real, func(rp string, d fs.DirEntry, err error) error {
		p := root + rp[len(real):]
		if err != nil {
			l.problem(p, err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if rp != real && strings.HasPrefix(d.Name(), ".") {
				l.hidden = append(l.hidden, p)
				return fs.SkipDir
			}
			return nil
		}
		var info fs.FileInfo
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			info, err = os.Stat(rp)
			if err != nil {
				l.problem(p, err)
				return nil
			}
			if info.IsDir() {
				if strings.HasPrefix(d.Name(), ".") {
					l.hidden = append(l.hidden, p)
				} else {
					l.walk(p, visited)
				}
				return nil
			}
		case d.Type().IsRegular():
			info, err = d.Info()
			if err != nil {
				l.problem(p, err)
				return nil
			}
		default: // a pipe, socket or device
			l.skip(investigate.SkipNotLog, p)
			return nil
		}
		switch kind := files.ClassifyName(d.Name()); {
		case !info.Mode().IsRegular():
			l.skip(investigate.SkipNotLog, p)
		case info.Size() == 0:
			l.skip(investigate.SkipEmptyFile, p)
		case kind != files.NameOther:
			l.files = append(l.files, fileEntry{path: p, sniff: kind == files.NameSniff})
		default:
			l.skip(investigate.SkipNotLog, p)
		}
		return nil
	})
	if err != nil {
		l.problem(root, err)
	}
}
