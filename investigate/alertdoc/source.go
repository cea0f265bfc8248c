package alertdoc

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/keypivot/keypivot/investigate"
)

// FileSource reads alert exports from files and directory trees. It implements
// investigate.AlertSource.
//
// A path named explicitly is read whatever its name; in directories, files ending in
// .json, .ndjson or .jsonl, optionally .gz, are read (hidden directories skipped). Each
// file's shape is detected from its content (see Parse). Files are read in parallel: sink
// may be called from several goroutines at once.
type FileSource struct {
	Paths []string
	// Workers bounds parallel file reads (default GOMAXPROCS).
	Workers int
}

// Name names the source in reports.
func (s *FileSource) Name() string { return "alerts:" + strings.Join(s.Paths, ",") }

// Alerts implements investigate.AlertSource. The error is for a source with no readable
// file at all; unreadable files and bad records are problems in the report.
func (s *FileSource) Alerts(ctx context.Context, q investigate.AlertQuery, sink func([]investigate.Alert)) (investigate.SourceReport, error) {
	start := time.Now()
	files, problems := listFiles(s.Paths)
	rep := investigate.SourceReport{Source: s.Name(), Kind: kindAlertFiles, Problems: problems}
	if len(files) == 0 {
		rep.Elapsed = time.Since(start)
		if len(problems) > 0 {
			return rep, fmt.Errorf("no readable alert files in %s", strings.Join(s.Paths, ", "))
		}
		rep.Notes = append(rep.Notes, "no alert files (.json, .ndjson, .jsonl, optionally .gz) found")
		return rep, nil
	}
	workers := s.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	reports := make([]investigate.SourceReport, len(files))
	sums := make([]fileSummary, len(files))
	read := make([]bool, len(files))
	var g errgroup.Group
	g.SetLimit(workers)
	for i, path := range files {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil
			}
			f, err := os.Open(path)
			if err != nil {
				reports[i] = investigate.SourceReport{Problems: []investigate.Problem{{Where: path, Message: err.Error()}}}
				return nil
			}
			defer f.Close()
			reports[i], sums[i] = parseFile(ctx, path, f, q, sink)
			read[i] = true
			return nil
		})
	}
	_ = g.Wait()

	kinds := map[string]int{}
	containers := map[string]int{}
	done := 0
	for i := range files {
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
		rep.Notes = append(rep.Notes, fmt.Sprintf("cancelled: %d of %d files read", done, len(files)))
	}
	rep.Elapsed = time.Since(start)
	return rep, ctx.Err()
}

func summaryNote(files int, containers, kinds map[string]int) string {
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(containers)) {
		n, label := containers[c], c
		if n > 1 && !strings.HasSuffix(label, "s") && label != "NDJSON" {
			label += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, label))
	}
	s := fmt.Sprintf("read %d files", files)
	if files == 1 {
		s = "read 1 file"
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s + kindsString(kinds)
}

// listFiles expands paths into the files to read, in a stable order, and reports the
// paths it could not read.
func listFiles(paths []string) (files []string, problems []investigate.Problem) {
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			problems = append(problems, investigate.Problem{Where: root, Message: err.Error()})
			continue
		}
		if !info.IsDir() {
			files = append(files, root)
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
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			if !isAlertFileName(d.Name()) {
				return nil
			}
			switch {
			case d.Type().IsRegular():
				files = append(files, p)
			case d.Type()&fs.ModeSymlink != 0:
				// Follow links to files (not to directories, which could loop).
				info, err := os.Stat(p)
				if err != nil {
					problems = append(problems, investigate.Problem{Where: p, Message: err.Error()})
				} else if info.Mode().IsRegular() {
					files = append(files, p)
				}
			}
			return nil
		})
		if err != nil {
			problems = append(problems, investigate.Problem{Where: root, Message: err.Error()})
		}
	}
	slices.Sort(files)
	return slices.Compact(files), problems
}

func isAlertFileName(n string) bool {
	l := strings.TrimSuffix(strings.ToLower(n), ".gz")
	return strings.HasSuffix(l, ".json") || strings.HasSuffix(l, ".ndjson") || strings.HasSuffix(l, ".jsonl")
}
