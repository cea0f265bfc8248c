package alertdoc

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/keypivot/keypivot/investigate"
)

// Memory bombs: inputs built to make a reader hold a huge record. Each is generated as a
// stream (or, for the gzip one, a small file), never held by the generator, so that a
// process's peak RSS is the reader's.
const (
	bombEnv     = "KEYPIVOT_ALERT_BOMB"      // the bomb a child process reads
	bombModeEnv = "KEYPIVOT_ALERT_BOMB_MODE" // "parse", or "baseline": only generate and drain
	bombFileEnv = "KEYPIVOT_ALERT_BOMB_FILE" // the gzip bomb's file
	bombLine    = 100 << 20                  // the 100 MB NDJSON line
	bombGzip    = 2 << 30                    // the 2 GB record inside a small .gz
	rssBudgetMB = 512
)

// repeatReader yields n copies of one byte.
type repeatReader struct {
	b byte
	n int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = r.b
	}
	r.n -= int64(len(p))
	return len(p), nil
}

const bombGood = `{"kibana.alert.rule.name":"R","kibana.alert.uuid":"%s","@timestamp":"2026-03-02T09:14:47Z"}` + "\n"

// hugeRecord streams one alert document whose "x" string is size bytes long.
func hugeRecord(size int64) io.Reader {
	return io.MultiReader(strings.NewReader(`{"kibana.alert.rule.name":"R","kibana.alert.uuid":"huge","x":"`), &repeatReader{b: 'a', n: size}, strings.NewReader("\"}\n"))
}

// bombInput opens the named bomb as a stream.
func bombInput(name string) (io.Reader, error) {
	switch name {
	case "ndjson-100MB-line":
		return io.MultiReader(strings.NewReader(fmt.Sprintf(bombGood, "a")), hugeRecord(bombLine), strings.NewReader(fmt.Sprintf(bombGood, "b"))), nil
	case "ndjson-60MB-line-read": // the worst a record under the default limit costs: it is read
		return io.MultiReader(strings.NewReader(fmt.Sprintf(bombGood, "a")), hugeRecord(60<<20), strings.NewReader(fmt.Sprintf(bombGood, "b"))), nil
	case "ndjson-100MB-first-line":
		return io.MultiReader(hugeRecord(bombLine), strings.NewReader(fmt.Sprintf(bombGood, "a")+fmt.Sprintf(bombGood, "b"))), nil
	case "array-100MB-element":
		return io.MultiReader(strings.NewReader("["+strings.TrimSpace(fmt.Sprintf(bombGood, "a"))+","), hugeRecord(bombLine), strings.NewReader(","+strings.TrimSpace(fmt.Sprintf(bombGood, "b"))+"]")), nil
	case "gzip-2GB-record":
		return os.Open(os.Getenv(bombFileEnv))
	}
	return nil, fmt.Errorf("no bomb %q", name)
}

// TestAlertBombChild is the child process of BenchmarkAlertBombRSS: it does nothing
// unless the environment names a bomb. It reads the bomb (or, as the baseline, only
// generates and drains it, gzip included) and prints its peak RSS.
func TestAlertBombChild(t *testing.T) {
	name := os.Getenv(bombEnv)
	if name == "" {
		t.Skip("run by BenchmarkAlertBombRSS")
	}
	in, err := bombInput(name)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv(bombModeEnv) == "baseline" {
		br := bufio.NewReader(in)
		var src io.Reader = br
		if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
			zr, err := gzip.NewReader(br)
			if err != nil {
				t.Fatal(err)
			}
			src = zr
		}
		if _, err := io.Copy(io.Discard, src); err != nil {
			t.Fatal(err)
		}
	} else {
		var ids []string
		rep := Parse(name, in, investigate.AlertQuery{}, func(b []investigate.Alert) {
			for _, a := range b {
				ids = append(ids, a.ID)
			}
		})
		if strings.HasSuffix(name, "-read") {
			if strings.Join(ids, ",") != "a,huge,b" || len(rep.Problems) != 0 {
				t.Fatalf("ids %v, problems %+v", ids, rep.Problems)
			}
		} else {
			if strings.Join(ids, ",") != "a,b" || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Message, "is larger than the 64 MiB limit") {
				t.Fatalf("ids %v, problems %+v", ids, rep.Problems)
			}
			fmt.Printf("problem: %s: %s\n", rep.Problems[0].Where, rep.Problems[0].Message)
		}
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			fmt.Println("peak-rss-kB", strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(l, "VmHWM:"), "kB")))
		}
	}
}

// gzipBomb writes the 2 GB record, compressed (about 2 MB), to a file in dir.
func gzipBomb(b *testing.B, dir string) string {
	path := filepath.Join(dir, "bomb.ndjson.gz")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	in := io.MultiReader(strings.NewReader(fmt.Sprintf(bombGood, "a")), hugeRecord(bombGzip), strings.NewReader(fmt.Sprintf(bombGood, "b")))
	if _, err := io.Copy(zw, in); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// childPeakRSS runs TestAlertBombChild in a fresh process and returns its peak RSS in MB.
func childPeakRSS(b *testing.B, bomb, mode, file string) float64 {
	cmd := exec.Command(os.Args[0], "-test.run=^TestAlertBombChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), bombEnv+"="+bomb, bombModeEnv+"="+mode, bombFileEnv+"="+file)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("%s %s: %v\n%s", bomb, mode, err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "peak-rss-kB "); ok {
			kb, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Skipf("%s: no peak RSS reported (no /proc?):\n%s", bomb, out)
	return 0
}

// BenchmarkAlertBombRSS reads each memory bomb in a fresh process and reports its peak
// RSS (VmHWM) against a baseline process that only generates and drains the same
// input: peak-MB (must stay under 512 MB), baseline-MB, and x-baseline, their ratio.
// The record over the default 64 MiB limit is reported and skipped, the alerts around
// it load; ndjson-60MB-line-read is a record under the limit, read: the most a record
// can cost by default.
//
//	go test -run '^$' -bench AlertBombRSS -benchtime 1x ./files/alertdoc
func BenchmarkAlertBombRSS(b *testing.B) {
	for _, bomb := range []string{"ndjson-100MB-line", "ndjson-100MB-first-line", "array-100MB-element", "gzip-2GB-record", "ndjson-60MB-line-read"} {
		b.Run(bomb, func(b *testing.B) {
			file := ""
			if strings.HasPrefix(bomb, "gzip") {
				file = gzipBomb(b, b.TempDir())
			}
			var peak, base float64
			for b.Loop() {
				base = max(base, childPeakRSS(b, bomb, "baseline", file))
				peak = max(peak, childPeakRSS(b, bomb, "parse", file))
			}
			b.ReportMetric(peak, "peak-MB")
			b.ReportMetric(base, "baseline-MB")
			b.ReportMetric(peak/base, "x-baseline")
			if peak > rssBudgetMB {
				b.Errorf("%s: peak RSS %.0f MB, over the %d MB budget", bomb, peak, rssBudgetMB)
			}
		})
	}
}
