package cloudtrail

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"io"
	"os"
	"runtime"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/pgzip"

	"github.com/keypivot/keypivot/internal/trailgen"
	"github.com/keypivot/keypivot/investigate"
)

// memArchive is a generated archive held in memory.
type memArchive struct {
	mu    sync.Mutex
	files map[string][]byte
	m     trailgen.Manifest
	list  []File
}

func (a *memArchive) Put(p string, data []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.files[p] = data
	return nil
}

func (a *memArchive) open(p string) Opener {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(a.files[p])), nil }
}

var (
	benchOnce    sync.Once
	benchArchive *memArchive
)

// archiveForBench generates the benchmark's archive once: KEYPIVOT_BENCH_SIZE
// decompressed (default 128MB; bench/archive.sh runs 1 GB against the command-line tools).
func archiveForBench(b testing.TB) *memArchive {
	benchOnce.Do(func() {
		size := int64(128 << 20)
		if s := os.Getenv("KEYPIVOT_BENCH_SIZE"); s != "" {
			n, err := trailgen.ParseSize(s)
			if err != nil {
				b.Fatal(err)
			}
			size = n
		}
		a := &memArchive{files: map[string][]byte{}}
		m, err := trailgen.Generate(trailgen.Config{Seed: 1, Size: size}, a)
		if err != nil {
			b.Fatal(err)
		}
		a.m = m
		for p, data := range a.files {
			if lf, ok := ParseLayout(p); ok && !lf.Digest {
				lf := lf
				a.list = append(a.list, File{Path: p, Size: int64(len(data)), Sig: "mem", Layout: &lf})
			}
		}
		sort.Slice(a.list, func(i, j int) bool { return a.list[i].Path < a.list[j].Path })
		benchArchive = a
	})
	return benchArchive
}

// inflateAll decompresses every file with n goroutines, each reusing its buffer: the
// decompression floor of the archive on the same cores.
func inflateAll(a *memArchive, n int, gunzip func(buf, src []byte) []byte) int64 {
	var total int64
	var mu sync.Mutex
	next := make(chan []byte)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			var buf []byte
			var sum int64
			for src := range next {
				buf = gunzip(buf, src)
				sum += int64(len(buf))
			}
			mu.Lock()
			total += sum
			mu.Unlock()
		})
	}
	for _, f := range a.list {
		next <- a.files[f.Path]
	}
	close(next)
	wg.Wait()
	return total
}

func klauspostGunzip(buf, src []byte) []byte {
	out, err := gunzipGo(buf, src, MaxBuffered)
	if err != nil {
		panic(err)
	}
	return out
}

func stdlibGunzip(buf, src []byte) []byte {
	zr, err := stdgzip.NewReader(bytes.NewReader(src))
	return mustInflate(buf, zr, err)
}

func pgzipGunzip(buf, src []byte) []byte {
	zr, err := pgzip.NewReader(bytes.NewReader(src))
	if err == nil {
		defer zr.Close()
	}
	return mustInflate(buf, zr, err)
}

// mustInflate reads all of zr, opened with err, into buf's storage: a benchmark's
// inputs are whole.
func mustInflate(buf []byte, zr io.Reader, err error) []byte {
	if err != nil {
		panic(err)
	}
	out, err := readUpTo(buf, zr, MaxBuffered)
	if err != nil {
		panic(err)
	}
	return out
}

// BenchmarkArchive reports, in one run over one generated archive, MB/s (decompressed)
// of: decompression alone with each gzip implementation on all cores (the floor), the
// first round of a pivot (ScanFiles for the attack key: decompress, token scan, decode
// the few matching records), and a later round answered from the index. The scan also
// reports its time as a multiple of the floor measured just before it
// (x-floor; issue 13 targets <= 1.2 with libdeflate).
func BenchmarkArchive(b *testing.B) {
	a := archiveForBench(b)
	n := runtime.GOMAXPROCS(0)
	b.Logf("archive: %d files, %.0f MB decompressed, %.0f MB gzip, %d cores, whole-file inflater %s",
		len(a.list), float64(a.m.Bytes)/1e6, float64(a.m.Compressed)/1e6, n, Inflater())
	inflaters := map[string]func(buf, src []byte) []byte{"stdlib": stdlibGunzip, "klauspost": klauspostGunzip, "pgzip": pgzipGunzip}
	if newWholeInflater != nil {
		inflaters["libdeflate"] = nil // set per goroutine below
	}
	names := []string{"stdlib", "klauspost", "pgzip", "libdeflate"}
	for _, name := range names {
		gunzip, ok := inflaters[name]
		if !ok {
			continue
		}
		b.Run("inflate/"+name, func(b *testing.B) {
			b.SetBytes(a.m.Bytes)
			for b.Loop() {
				if name == "libdeflate" {
					var mu sync.Mutex
					pool := []wholeInflater{}
					gunzip = func(buf, src []byte) []byte {
						mu.Lock()
						if len(pool) == 0 {
							pool = append(pool, newWholeInflater())
						}
						w := pool[len(pool)-1]
						pool = pool[:len(pool)-1]
						mu.Unlock()
						out, err := w.gunzip(buf, src, MaxBuffered)
						if err != nil {
							panic(err)
						}
						mu.Lock()
						pool = append(pool, w)
						mu.Unlock()
						return out
					}
				}
				inflateAll(a, n, gunzip)
			}
		})
	}
	floor := func() time.Duration {
		best := time.Duration(1 << 62)
		for range 2 {
			start := time.Now()
			if newWholeInflater != nil {
				w := make(chan wholeInflater, n)
				for range n {
					w <- newWholeInflater()
				}
				inflateAll(a, n, func(buf, src []byte) []byte {
					x := <-w
					out, _ := x.gunzip(buf, src, MaxBuffered)
					w <- x
					return out
				})
			} else {
				inflateAll(a, n, klauspostGunzip)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	b.Run("scan/first-round", func(b *testing.B) {
		fl := floor()
		b.SetBytes(a.m.Bytes)
		var events int64
		start := time.Now()
		for b.Loop() {
			var mu sync.Mutex
			events = 0
			rep := ScanFiles(context.Background(), a.list, investigate.EventQuery{AccessKeys: investigate.KeyIDs(a.m.Attack.Key)}, a.open, func(ev []investigate.Event) {
				mu.Lock()
				events += int64(len(ev))
				mu.Unlock()
			}, ScanOptions{Workers: n})
			if rep.Bytes != a.m.Bytes {
				b.Fatalf("scanned %d bytes of %d", rep.Bytes, a.m.Bytes)
			}
		}
		if events != int64(a.m.Attack.SignedByKey) {
			b.Fatalf("found %d events, want %d", events, a.m.Attack.SignedByKey)
		}
		per := time.Since(start) / time.Duration(b.N)
		b.ReportMetric(float64(per)/float64(fl), "x-floor")
	})
	// The same files read as if each were too large to hold: inflated as a stream and
	// split record by record by the streaming JSON scanner, the path of huge files.
	b.Run("scan/streamed", func(b *testing.B) {
		streamed := slices.Clone(a.list)
		for i := range streamed {
			streamed[i].Size = MaxBuffered + 1
		}
		b.SetBytes(a.m.Bytes)
		for b.Loop() {
			rep := ScanFiles(context.Background(), streamed, investigate.EventQuery{AccessKeys: investigate.KeyIDs(a.m.Attack.Key)}, a.open, func([]investigate.Event) {}, ScanOptions{Workers: n})
			if rep.Bytes != a.m.Bytes || rep.Matched != int64(a.m.Attack.SignedByKey) {
				b.Fatalf("scanned %d bytes of %d, matched %d of %d", rep.Bytes, a.m.Bytes, rep.Matched, a.m.Attack.SignedByKey)
			}
		}
	})
	b.Run("scan/later-round-from-index", func(b *testing.B) {
		idx := &Index{}
		ScanFiles(context.Background(), a.list, investigate.EventQuery{AccessKeys: investigate.KeyIDs(a.m.Attack.Key)}, a.open, func([]investigate.Event) {}, ScanOptions{Workers: n, Index: idx})
		b.SetBytes(a.m.Bytes)
		for b.Loop() {
			ScanFiles(context.Background(), a.list, investigate.EventQuery{AccessKeys: investigate.KeyIDs(a.m.Attack.SessionKeys...)}, a.open, func([]investigate.Event) {}, ScanOptions{Workers: n, Index: idx})
		}
	})
}

// BenchmarkPreScan measures, on one core, the passes every file read makes before any
// JSON is decoded, over the archive's decompressed files: the token scan that decides
// the whole-file skip, the shape check that reports files the skip would hide (not
// CloudTrail, cut short), and the search for eventTime values that says what the file
// covers (times; facts-share is its cost against the rest, file by file with the
// buffer hot, as in a scan). Compare them with inflate/* per core.
func BenchmarkPreScan(b *testing.B) {
	a := archiveForBench(b)
	var plain [][]byte
	for _, f := range a.list {
		plain = append(plain, klauspostGunzip(nil, a.files[f.Path]))
	}
	b.Run("tokens", func(b *testing.B) {
		b.SetBytes(a.m.Bytes)
		var t Tokens
		for b.Loop() {
			for _, p := range plain {
				scanTokens(p, &t)
			}
		}
	})
	b.Run("shape", func(b *testing.B) {
		b.SetBytes(a.m.Bytes)
		for b.Loop() {
			for _, p := range plain {
				if sp := checkShape(p, true); sp != nil {
					b.Fatalf("%s%s", sp.where, sp.message)
				}
			}
		}
	})
	b.Run("times", func(b *testing.B) {
		b.SetBytes(a.m.Bytes)
		var f facts
		for b.Loop() {
			for _, p := range plain {
				f.reset()
				f.scanTimes(p)
				if !f.has {
					b.Fatal("no eventTime found")
				}
			}
		}
	})
	// The coverage facts' share of the work a file costs when it is read, measured file by
	// file on one core with the buffer hot from inflating it, as in a scan: the search
	// for eventTime values against inflate, token scan and shape check (facts-%).
	b.Run("facts-share", func(b *testing.B) {
		b.SetBytes(a.m.Bytes)
		var (
			buf         []byte
			tok         Tokens
			f           facts
			base, extra time.Duration
		)
		for b.Loop() {
			for _, lf := range a.list {
				t0 := time.Now()
				buf = klauspostGunzip(buf, a.files[lf.Path])
				scanTokens(buf, &tok)
				checkShape(buf, true)
				t1 := time.Now()
				f.reset()
				f.scanTimes(buf)
				base += t1.Sub(t0)
				extra += time.Since(t1)
			}
		}
		b.ReportMetric(100*float64(extra)/float64(base), "facts-%")
	})
	b.Run("inflate-one-core", func(b *testing.B) {
		b.SetBytes(a.m.Bytes)
		buf := []byte(nil)
		for b.Loop() {
			for _, f := range a.list {
				buf = klauspostGunzip(buf, a.files[f.Path])
			}
		}
	})
}
