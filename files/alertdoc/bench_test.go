package alertdoc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

const benchAlerts = 100_000

var (
	benchOnce   sync.Once
	benchData   []byte
	benchGzip   []byte
	benchGzOnce sync.Once
)

// benchNDJSON generates an alert export like a real one: the three fixture documents
// (first-seen 10%, elevated sibling 85%, higher-order 5%) with distinct alert ids,
// 1,000 keys, varied source addresses and times.
func benchNDJSON(b *testing.B) []byte {
	benchOnce.Do(func() {
		tmpl := [][]byte{
			compact(b, fixture(b, "alert-first-seen.json")),
			compact(b, fixture(b, "alert-sibling.json")),
			compact(b, fixture(b, "alert-higher-order.json")),
		}
		uuids := [][]byte{[]byte(firstSeenUUID), []byte(siblingUUID), []byte(higherUUID)}
		var buf bytes.Buffer
		for i := 0; i < benchAlerts; i++ {
			t := 1
			switch {
			case i%20 == 0:
				t = 2
			case i%10 == 1:
				t = 0
			}
			doc := bytes.ReplaceAll(tmpl[t], uuids[t], fmt.Appendf(nil, "%064x", i))
			doc = bytes.ReplaceAll(doc, []byte(testKey), fmt.Appendf(nil, "AKIA%016d", i%1000))
			doc = bytes.ReplaceAll(doc, []byte(testIP), fmt.Appendf(nil, "198.51.%d.%d", i/250%250, i%250))
			doc = bytes.ReplaceAll(doc, []byte("2026-03-02T09:"), fmt.Appendf(nil, "2026-03-%02dT%02d:", 1+i%28, i%24))
			buf.Write(doc)
			buf.WriteByte('\n')
		}
		benchData = buf.Bytes()
	})
	return benchData
}

// BenchmarkParseNDJSON reads a generated 100,000-alert NDJSON export. Each iteration
// also runs the baseline, which only splits lines and json.Unmarshals each into a map
// (the least any reader of these documents does), right before the measured pass, so
// that both see the same machine load; x-baseline is the ratio of their times. Parse
// adds shape detection, mapping, filtering and batching.
//
// Metrics: alerts/s, ns/alert, allocs/alert and B/alert of the measured pass alone.
func BenchmarkParseNDJSON(b *testing.B) {
	data := benchNDJSON(b)
	parse := func(in []byte, q investigate.AlertQuery) func() int {
		return func() int {
			n := 0
			rep := Parse("bench.ndjson", bytes.NewReader(in), q, func(a []investigate.Alert) { n += len(a) })
			if len(rep.Problems) > 0 || rep.Records != benchAlerts {
				b.Fatalf("records %d, problems %+v", rep.Records, rep.Problems)
			}
			return int(rep.Records)
		}
	}
	b.Run("Parse", func(b *testing.B) { measure(b, data, parse(data, investigate.AlertQuery{})) })
	b.Run("Parse/gzip", func(b *testing.B) {
		benchGzOnce.Do(func() { benchGzip = gz(b, data) })
		measure(b, data, parse(benchGzip, investigate.AlertQuery{}))
	})
	b.Run("Parse/filtered-one-key", func(b *testing.B) {
		measure(b, data, parse(data, investigate.AlertQuery{AccessKeys: investigate.KeyIDs("AKIA0000000000000007")}))
	})
	b.Run("Parse/_search-response", func(b *testing.B) {
		benchSearchOnce.Do(func() { benchSearch = searchResponse(data) })
		measure(b, data, parse(benchSearch, investigate.AlertQuery{}))
	})
}

var (
	benchSearchOnce sync.Once
	benchSearch     []byte
)

// searchResponse wraps the NDJSON documents of data as the hits of one _search
// response on one line, the form that is streamed hit by hit.
func searchResponse(data []byte) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"took":12,"timed_out":false,"hits":{"total":{"value":100000,"relation":"eq"},"hits":[`)
	for i, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"_index":".internal.alerts-security.alerts-default-000001","_id":"%d","_score":1.0,"_source":`, i)
		buf.Write(line)
		buf.WriteByte('}')
	}
	buf.WriteString("]}}")
	return buf.Bytes()
}

// baseline decodes every line of data into a map, and nothing else.
func baseline(b *testing.B, data []byte) int {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		var v any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return n
}

// measure runs the baseline and read in turn until the benchmark is done, and reports
// read's alerts/s, ns/alert, allocations and bytes per alert, and its time as a ratio
// of the baseline's.
func measure(b *testing.B, data []byte, read func() int) {
	b.SetBytes(int64(len(data)))
	var (
		readTime, baseTime time.Duration
		alerts, mallocs    uint64
		allocBytes         uint64
		before, after      runtime.MemStats
	)
	for b.Loop() {
		t0 := time.Now()
		baseline(b, data)
		t1 := time.Now()
		runtime.ReadMemStats(&before)
		t2 := time.Now()
		alerts += uint64(read())
		t3 := time.Now()
		runtime.ReadMemStats(&after)
		baseTime += t1.Sub(t0)
		readTime += t3.Sub(t2)
		mallocs += after.Mallocs - before.Mallocs
		allocBytes += after.TotalAlloc - before.TotalAlloc
	}
	if alerts == 0 {
		b.Fatal("no alerts read")
	}
	b.ReportMetric(float64(alerts)/readTime.Seconds(), "alerts/s")
	b.ReportMetric(float64(readTime.Nanoseconds())/float64(alerts), "ns/alert")
	b.ReportMetric(float64(mallocs)/float64(alerts), "allocs/alert")
	b.ReportMetric(float64(allocBytes)/float64(alerts), "B/alert")
	b.ReportMetric(readTime.Seconds()/baseTime.Seconds(), "x-baseline")
}
