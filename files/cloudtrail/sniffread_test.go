package cloudtrail

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/keypivot/keypivot/files/internal/testfiles"

	"github.com/keypivot/keypivot/investigate"
)

// TestFilesWithoutAnExtensionAreOpenedOnce: a file whose content decides whether it is
// a log is opened once, to sniff and read it, held whole or streamed; one that is no
// log is counted as left out and not searched, one that cannot be opened is a problem
// naming it.
func TestFilesWithoutAnExtensionAreOpenedOnce(t *testing.T) {
	r := func(id string) string { return record(id, testKey) }
	a := &memArchive{files: map[string][]byte{
		"trail":      ndjson(r("s1"), r("s2")),
		"gztrail":    gz(t, []byte(`{"Records":[`+r("s3")+`]}`)),
		"streamed":   ndjson(r("s4")),
		"LICENSE":    []byte("MIT License\n"),
		"settings":   []byte(`{"region":"us-east-1"}`),
		"named.json": []byte(`{"Records":[` + r("s5") + `]}`),
	}}
	var (
		mu    sync.Mutex
		opens = map[string]int{}
	)
	open := func(p string) Opener {
		return func() (io.ReadCloser, error) {
			mu.Lock()
			opens[p]++
			mu.Unlock()
			if p == "gone" {
				return nil, errors.New("open gone: no such file or directory")
			}
			return a.open(p)()
		}
	}
	var list []File
	for _, p := range []string{"LICENSE", "gone", "gztrail", "named.json", "settings", "streamed", "trail"} {
		f := File{Path: p, Size: int64(len(a.files[p])), Sniff: filepath.Ext(p) == ""}
		if p == "streamed" {
			f.Size = MaxBuffered + 1
		}
		list = append(list, f)
	}
	var ids []string
	rep := ScanFiles(context.Background(), list, q(testKey), open, func(b []investigate.Event) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range b {
			ids = append(ids, e.ID)
		}
	}, ScanOptions{Workers: 2})
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"s1", "s2", "s3", "s4", "s5"}) {
		t.Errorf("events %v", ids)
	}
	for _, f := range list {
		if opens[f.Path] != 1 {
			t.Errorf("%s opened %d times", f.Path, opens[f.Path])
		}
	}
	if rep.Files != 4 || rep.Skipped != 2 || len(rep.Skips) != 1 || rep.Skips[0].Reason != investigate.SkipNotLog || rep.Skips[0].Example != "LICENSE" {
		t.Errorf("files %d, skips %+v: want the 4 logs searched and LICENSE, settings left out", rep.Files, rep.Skips)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Where != "gone" || rep.Problems[0].Message != "open gone: no such file or directory" {
		t.Errorf("problems %+v", rep.Problems)
	}
}

// TestSniffedFilesAreRememberedWithinAPivot: the later rounds of a pivot report the
// files that sniffed as no log as the first did, without opening them again (a file
// changed meanwhile is seen by the next pivot, as every file is); a query on its own
// reports the same as the first round.
func TestSniffedFilesAreRememberedWithinAPivot(t *testing.T) {
	dir := t.TempDir()
	testfiles.Write(t, filepath.Join(dir, "trail"), ndjson(record("t1", testKey)))
	testfiles.Write(t, filepath.Join(dir, "LICENSE"), []byte("MIT License\n"))
	testfiles.Write(t, filepath.Join(dir, "notes.txt"), []byte("x"))
	src := &FileSource{Paths: []string{dir}}
	run := func(pivot uint64) (investigate.SourceReport, int) {
		t.Helper()
		rep, events := scanWith(t, src, investigate.EventQuery{AccessKeys: investigate.KeyIDs(testKey), Pivot: pivot})
		return rep, len(events)
	}
	check := func(name string, rep investigate.SourceReport, events, files, notLog int) {
		t.Helper()
		if rep.Files != files || events != files || skipsOf(t, rep)[investigate.SkipNotLog] != notLog || rep.Skipped != notLog || len(rep.Problems) != 0 {
			t.Errorf("%s: files %d events %d skips %+v problems %v; want %d files, %d not logs", name, rep.Files, events, rep.Skips, rep.Problems, files, notLog)
		}
	}
	rep, n := run(0)
	check("on its own", rep, n, 1, 2)
	rep, n = run(3)
	check("first round", rep, n, 1, 2)
	testfiles.Write(t, filepath.Join(dir, "LICENSE"), ndjson(record("t2", testKey)))
	rep, n = run(3)
	check("later round", rep, n, 1, 2)
	rep, n = run(4)
	check("next pivot", rep, n, 2, 1)
}
