package cloudtrail

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keypivot/keypivot/internal/trailgen"
)

// BenchmarkIndexSecondPivot measures, in one run over one generated archive on disk,
// the whole pivot (investigate.Collect over a FileSource, every round) on the attack key
// with an empty index store, which reads every file and saves the index, and then the
// pivot of a later run (a new source, its index loaded from disk) on another key of the
// archive: second/first is the figure (target <= 0.1). The archive is
// BenchmarkArchive's (archiveForBench: KEYPIVOT_BENCH_SIZE decompressed, default 128MB),
// written to disk; bench/index.sh runs 1 GB through the command line.
func BenchmarkIndexSecondPivot(b *testing.B) {
	a := archiveForBench(b)
	m := a.m
	dir := b.TempDir()
	for p, data := range a.files {
		if err := trailgen.Dir(dir).Put(p, data); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("archive: %d files, %.0f MB decompressed, %.0f MB gzip", m.Files, float64(m.Bytes)/1e6, float64(m.Compressed)/1e6)
	other := m.Attack.CreatedKeys[0]
	stores := b.TempDir()
	var first, second time.Duration
	var skipped, indexBytes int64
	for b.Loop() {
		sd, err := os.MkdirTemp(stores, "store-")
		if err != nil {
			b.Fatal(err)
		}
		st := &IndexStore{Dir: sd}
		t0 := time.Now()
		r1 := pivot(b, &FileSource{Paths: []string{filepath.Join(dir, "AWSLogs")}, IndexStore: st}, m.Attack.Key)
		t1 := time.Now()
		r2 := pivot(b, &FileSource{Paths: []string{filepath.Join(dir, "AWSLogs")}, IndexStore: st}, other)
		second += time.Since(t1)
		first += t1.Sub(t0)
		if len(r1.ids) != m.Attack.Events || len(r2.ids) == 0 || r2.rep.Index == nil || r2.rep.Index.Skipped == 0 {
			b.Fatalf("first pivot %d events (want %d), second %d events, index %+v", len(r1.ids), m.Attack.Events, len(r2.ids), r2.rep.Index)
		}
		skipped = int64(r2.rep.Index.Skipped)
		indexBytes = fileSizeOf(b, r2.rep.Index.Path)
		os.RemoveAll(st.Dir)
	}
	n := time.Duration(b.N)
	b.ReportMetric(float64(first/n)/1e6, "first-ms")
	b.ReportMetric(float64(second/n)/1e6, "second-ms")
	b.ReportMetric(float64(second)/float64(first), "second/first")
	b.ReportMetric(float64(skipped), "files-skipped")
	b.ReportMetric(float64(indexBytes)/1e6, "index-MB")
}
