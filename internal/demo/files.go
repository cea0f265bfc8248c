package demo

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// delivery is how often CloudTrail delivers a log file per account and region.
const delivery = 5 * time.Minute

// logFile is one log file being assembled.
type logFile struct {
	account, region string
	window          time.Time // start of the five-minute window
	recs            []*record
	name            string
	data            []byte
}

// files lays the records out as CloudTrail delivers them: one gzip file per account,
// region and five-minute window, named by its delivery time (a few minutes after the
// window closes), in the S3 archive layout.
func (g *gen) files() map[string][]byte {
	type key struct {
		account, region string
		window          int64
	}
	byKey := map[key]*logFile{}
	var list []*logFile
	for _, r := range g.recs {
		w := r.at.Truncate(delivery)
		k := key{r.RecipientAccountID, r.AWSRegion, w.Unix()}
		f := byKey[k]
		if f == nil {
			f = &logFile{account: k.account, region: k.region, window: w}
			byKey[k] = f
			list = append(list, f)
		}
		f.recs = append(f.recs, r)
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.account != b.account {
			return a.account < b.account
		}
		if a.region != b.region {
			return a.region < b.region
		}
		return a.window.Before(b.window)
	})
	names := newIDs(g.seed, streamFiles)
	for _, f := range list {
		sort.SliceStable(f.recs, func(i, j int) bool {
			if !f.recs[i].at.Equal(f.recs[j].at) {
				return f.recs[i].at.Before(f.recs[j].at)
			}
			return f.recs[i].EventID < f.recs[j].EventID
		})
		delivered := f.window.Add(delivery + time.Duration(30+names.r.IntN(240))*time.Second)
		f.name = fmt.Sprintf("AWSLogs/%s/CloudTrail/%s/%s/%s_CloudTrail_%s_%s_%s.json.gz",
			f.account, f.region, delivered.Format("2006/01/02"), f.account, f.region, delivered.Format("20060102T1504Z"), names.pick(16, mixedAlnum))
	}
	// Encoding and compression are independent per file: spread them over the CPUs.
	var wg sync.WaitGroup
	work := make(chan *logFile)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			e := newEncoder()
			for f := range work {
				f.data = e.encode(f.recs)
			}
		})
	}
	for _, f := range list {
		work <- f
	}
	close(work)
	wg.Wait()
	out := make(map[string][]byte, len(list))
	for _, f := range list {
		out[f.name] = f.data
	}
	return out
}

// encoder writes log files; each worker reuses one (a gzip writer's tables are large).
type encoder struct {
	raw []byte
	zw  *gzip.Writer
}

func newEncoder() *encoder {
	zw, err := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	if err != nil {
		panic(err)
	}
	return &encoder{zw: zw}
}

// encode writes {"Records":[...]} and gzips it with a fixed header (no name, no
// modification time), so equal records give equal bytes.
func (e *encoder) encode(recs []*record) []byte { return e.compress(e.marshal(recs)) }

// marshal writes {"Records":[...]}; the result is valid until the next call.
func (e *encoder) marshal(recs []*record) []byte {
	b := append(e.raw[:0], `{"Records":[`...)
	for i, r := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = r.appendJSON(b)
	}
	b = append(b, "]}"...)
	e.raw = b
	return b
}

func (e *encoder) compress(raw []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(raw)/6 + 512)
	e.zw.Reset(&out)
	e.zw.Header = gzip.Header{ModTime: time.Unix(0, 0), OS: 255} // MTIME 0: "no time"; the zero time.Time would write a garbage MTIME
	e.zw.Write(raw)
	e.zw.Close()
	return out.Bytes()
}
