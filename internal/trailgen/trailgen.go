// Package trailgen writes realistic CloudTrail archives of a chosen size in the S3
// layout, for benchmarks and tests of the archive sources: many accounts and regions,
// one gzip file per account, region and five minutes, a record mix and record sizes
// modelled on real trails (shapes copied from the Stratus Red Team detonation logs), and
// one attack (a leaked long-term key, the sessions derived from it, key pairs and GPU
// launches) mixed into the benign volume. Output is deterministic for a seed.
//
// It is a fixture generator, not part of keypivot's reading of real data: tests and
// benchmarks of files/cloudtrail and aws/s3archive, and cmd/trailgen, use it. It imports
// the standard library and klauspost/compress only.
package trailgen

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Config chooses what to generate.
type Config struct {
	Seed uint64
	// Size is the decompressed size of the log files to write, at least.
	Size int64
	// Start is the beginning of the archive (default 2026-03-02T00:00:00Z).
	Start time.Time
	// Days is the span the benign volume is spread over (default: Size at 400 MB a
	// day, at least three hours, so that files are sized as in a small organisation's
	// trail whatever Size is); the archive ends when Size is reached and the attack is over.
	Days float64
	// Accounts (default 12) and Regions (default six commercial regions).
	Accounts int
	Regions  []string
	// Org, when set (o-xxxxxxxxxx), writes an organisation trail: AWSLogs/<org>/<account>/...
	Org string
	// Level is the gzip level (default 6, what CloudTrail's own files compress like).
	Level int
	// Workers bounds parallel generation (default GOMAXPROCS).
	Workers int
	// Digests writes hourly CloudTrail-Digest objects, which readers must skip.
	Digests bool
}

// Sink receives the generated objects: path is slash-separated and relative
// (AWSLogs/...), data is the gzip content. Put is called from several goroutines.
type Sink interface {
	Put(path string, data []byte) error
}

// Dir is a Sink that writes each file under the directory it names, creating folders.
type Dir string

// Put writes data at path (slash-separated, relative to the directory).
func (d Dir) Put(path string, data []byte) error {
	full := filepath.Join(string(d), filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	return os.WriteFile(full, data, 0o644)
}

// KeyPair is an EC2 key pair of the attack.
type KeyPair struct {
	Name   string `json:"name"`
	Region string `json:"region"`
}

// Attack describes the attack mixed into the archive: what a pivot on Key must find.
type Attack struct {
	Key     string `json:"key"`
	User    string `json:"user"`
	Account string `json:"account"`
	// SessionKeys are the ASIA keys derived from Key, transitively.
	SessionKeys []string `json:"session_keys"`
	// KeyPairs the key and its sessions created; Decoy is a key pair of the same name in
	// another region, used by someone else, that a pivot must not follow.
	KeyPairs []KeyPair `json:"key_pairs"`
	Decoy    KeyPair   `json:"decoy"`
	// CreatedKeys are access keys the attacker created for a backdoor user.
	CreatedKeys []string `json:"created_keys"`
	// Events is the number of events a complete pivot collects: signed by Key or its
	// sessions, plus launches by other signers with the key pairs.
	Events int `json:"events"`
	// SignedByKey counts the events Key itself signed (first round of a pivot).
	SignedByKey int `json:"signed_by_key"`
	// Launches counts RunInstances calls with the key pairs (any signer) or by the key
	// and its sessions.
	Launches int       `json:"launches"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
}

// Manifest says what was written.
type Manifest struct {
	Seed        uint64    `json:"seed"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Org         string    `json:"org,omitempty"`
	Accounts    []string  `json:"accounts"`
	Regions     []string  `json:"regions"`
	Files       int       `json:"files"`
	DigestFiles int       `json:"digest_files"`
	Bytes       int64     `json:"bytes"`      // decompressed log files
	Compressed  int64     `json:"compressed"` // gzip bytes of the log files
	Records     int64     `json:"records"`
	Attack      Attack    `json:"attack"`
}

// DefaultRegions are the regions of a generated archive.
var DefaultRegions = []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1"}

const interval = 5 * time.Minute

func (c *Config) defaults() {
	if c.Start.IsZero() {
		c.Start = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	}
	c.Start = c.Start.UTC().Truncate(interval)
	if c.Size <= 0 {
		c.Size = 64 << 20
	}
	if c.Days <= 0 {
		c.Days = max(float64(c.Size)/(400<<20), 0.125)
	}
	if c.Accounts <= 0 {
		c.Accounts = 12
	}
	if c.Accounts < 3 {
		c.Accounts = 3 // the attack crosses from one account to another
	}
	if len(c.Regions) == 0 {
		c.Regions = DefaultRegions
	}
	if c.Level == 0 {
		c.Level = 6
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
}

// stream is one account and region: one trail folder.
type stream struct {
	index   int
	account int
	region  int
	weight  float64
}

// gen holds what every job shares.
type gen struct {
	cfg      Config
	accounts []string
	streams  []stream
	perEvent float64 // expected events per unit of weight per interval
	world    *world
	attack   map[jobKey][]attackEvent
	sink     Sink

	files, digests, records atomic.Int64
	bytes, compressed       atomic.Int64
}

type jobKey struct {
	stream   int
	interval int
}

// Generate writes an archive to sink and returns its manifest.
func Generate(cfg Config, sink Sink) (Manifest, error) {
	cfg.defaults()
	g := &gen{cfg: cfg, sink: sink}
	root := rand.New(rand.NewPCG(cfg.Seed, 0x7a11))
	for i := 0; i < cfg.Accounts; i++ {
		g.accounts = append(g.accounts, fmt.Sprintf("%012d", 100000000000+root.Int64N(899999999999)))
	}
	g.world = newWorld(root, g.accounts, cfg.Regions)
	// Busy production accounts and us-east-1 carry most of the volume, as in real
	// organisations; quiet regions still deliver a file now and then.
	for a := range g.accounts {
		aw := 1 / float64(a+1)
		for r := range cfg.Regions {
			rw := 1 / math.Pow(float64(r+1), 1.5)
			g.streams = append(g.streams, stream{index: len(g.streams), account: a, region: r, weight: aw * rw})
		}
	}
	total := 0.0
	for _, s := range g.streams {
		total += s.weight
	}
	avg := g.averageRecordSize()
	g.world.victimCalls.Store(0)
	intervals := int(math.Ceil(cfg.Days * 24 * float64(time.Hour/interval)))
	// Aim a little above Size so that one pass usually reaches it.
	events := float64(cfg.Size) * 1.02 / avg
	g.perEvent = events / float64(intervals) / total

	attackStart := cfg.Start.Add(time.Duration(cfg.Days * 0.5 * float64(24*time.Hour))).Truncate(time.Minute).Add(17 * time.Minute)
	att, evs := g.world.attack(root, attackStart)
	g.attack = map[jobKey][]attackEvent{}
	attackEnd := attackStart
	for _, e := range evs {
		si := e.account*len(cfg.Regions) + e.region
		iv := int(e.at.Sub(cfg.Start) / interval)
		g.attack[jobKey{si, iv}] = append(g.attack[jobKey{si, iv}], e)
		if e.at.After(attackEnd) {
			attackEnd = e.at
		}
	}
	lastAttackInterval := int(attackEnd.Sub(cfg.Start)/interval) + 1

	done := 0
	for {
		upto := intervals
		if done > 0 {
			// Not there yet: add a tenth of the span at a time.
			upto = done + max(12, intervals/10)
		}
		if err := g.run(done, upto); err != nil {
			return Manifest{}, err
		}
		done = upto
		if g.bytes.Load() >= cfg.Size && done > lastAttackInterval {
			break
		}
	}
	m := Manifest{
		Seed: cfg.Seed, Start: cfg.Start, End: cfg.Start.Add(time.Duration(done) * interval), Org: cfg.Org,
		Accounts: g.accounts, Regions: cfg.Regions,
		Files: int(g.files.Load()), DigestFiles: int(g.digests.Load()), Bytes: g.bytes.Load(),
		Compressed: g.compressed.Load(), Records: g.records.Load(), Attack: att,
	}
	m.Attack.Start, m.Attack.End = attackStart, attackEnd
	routine := int(g.world.victimCalls.Load())
	m.Attack.Events += routine
	m.Attack.SignedByKey += routine
	return m, nil
}

// averageRecordSize calibrates the event rate: the mean size of benign records.
func (g *gen) averageRecordSize() float64 {
	r := rand.New(rand.NewPCG(g.cfg.Seed, 99))
	var b []byte
	n := 4000
	for i := 0; i < n; i++ {
		s := g.streams[i%len(g.streams)]
		b = g.world.benign(b, r, s.account, s.region, g.cfg.Start.Add(time.Duration(i)*time.Second))
		b = append(b, ',')
	}
	return float64(len(b)) / float64(n)
}

// run generates intervals [from, to) of every stream.
func (g *gen) run(from, to int) error {
	jobs := make(chan jobKey, 256)
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < g.cfg.Workers; w++ {
		wg.Go(func() {
			var raw []byte
			var zbuf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&zbuf, g.cfg.Level)
			for j := range jobs {
				if err := g.job(j, &raw, &zbuf, zw); err != nil {
					once.Do(func() { firstErr = err })
				}
			}
		})
	}
	for iv := from; iv < to; iv++ {
		for s := range g.streams {
			jobs <- jobKey{s, iv}
		}
	}
	close(jobs)
	wg.Wait()
	return firstErr
}

func (g *gen) job(j jobKey, raw *[]byte, zbuf *bytes.Buffer, zw *gzip.Writer) error {
	s := g.streams[j.stream]
	r := rand.New(rand.NewPCG(g.cfg.Seed^uint64(j.stream)*0x9e3779b97f4a7c15, uint64(j.interval)))
	begin := g.cfg.Start.Add(time.Duration(j.interval) * interval)
	mean := g.perEvent * s.weight * diurnal(begin)
	n := poisson(r, mean)
	att := g.attack[j]
	if n == 0 && len(att) == 0 {
		return nil
	}
	type timed struct {
		at  time.Time
		att *attackEvent
	}
	evs := make([]timed, 0, n+len(att))
	for i := 0; i < n; i++ {
		evs = append(evs, timed{at: begin.Add(time.Duration(r.Int64N(int64(interval))))})
	}
	for i := range att {
		evs = append(evs, timed{at: att[i].at, att: &att[i]})
	}
	sort.SliceStable(evs, func(a, b int) bool { return evs[a].at.Before(evs[b].at) })
	b := (*raw)[:0]
	b = append(b, `{"Records":[`...)
	for i, e := range evs {
		if i > 0 {
			b = append(b, ',')
		}
		if e.att != nil {
			b = e.att.write(b, g.world)
		} else {
			b = g.world.benign(b, r, s.account, s.region, e.at)
		}
	}
	b = append(b, "]}"...)
	// CloudTrail delivers a few minutes after the interval; the folder is the delivery day.
	delivery := begin.Add(interval + time.Duration(1+r.IntN(4))*time.Minute)
	acct := g.accounts[s.account]
	region := g.cfg.Regions[s.region]
	name := fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", acct, region, delivery.Format("20060102T1504Z"), randAlnum(r, 16))
	p := g.prefix(acct, "CloudTrail", region, delivery) + name
	zbuf.Reset()
	zw.Reset(zbuf)
	if _, err := zw.Write(b); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := g.sink.Put(p, bytes.Clone(zbuf.Bytes())); err != nil {
		return err
	}
	g.files.Add(1)
	g.records.Add(int64(len(evs)))
	g.bytes.Add(int64(len(b)))
	g.compressed.Add(int64(zbuf.Len()))
	*raw = b
	if g.cfg.Digests && j.interval%12 == 11 {
		return g.digest(j, r, acct, region, delivery, zbuf, zw)
	}
	return nil
}

func (g *gen) prefix(acct, kind, region string, day time.Time) string {
	org := ""
	if g.cfg.Org != "" {
		org = g.cfg.Org + "/"
	}
	return fmt.Sprintf("AWSLogs/%s%s/%s/%s/%s/", org, acct, kind, region, day.Format("2006/01/02"))
}

// digest writes the hourly digest object CloudTrail delivers next to the logs.
func (g *gen) digest(j jobKey, r *rand.Rand, acct, region string, at time.Time, zbuf *bytes.Buffer, zw *gzip.Writer) error {
	body := fmt.Sprintf(`{"awsAccountId":"%s","digestStartTime":"%s","digestEndTime":"%s","digestS3Bucket":"org-trail","digestS3Object":"x","digestSignatureAlgorithm":"SHA256withRSA","logFiles":[]}`,
		acct, at.Add(-time.Hour).Format(time.RFC3339), at.Format(time.RFC3339))
	zbuf.Reset()
	zw.Reset(zbuf)
	zw.Write([]byte(body))
	zw.Close()
	name := fmt.Sprintf("%s_CloudTrail-Digest_%s_org-trail_%s_%s.json.gz", acct, region, region, at.Format("20060102T150405Z"))
	g.digests.Add(1)
	return g.sink.Put(g.prefix(acct, "CloudTrail-Digest", region, at)+name, bytes.Clone(zbuf.Bytes()))
}

// diurnal shapes the volume over the day: busier in office hours.
func diurnal(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	return 0.65 + 0.35*math.Sin((h-8)/24*2*math.Pi) + 0.3
}

// poisson draws a count with the given mean (normal approximation for large means).
func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 30 {
		v := int(math.Round(mean + r.NormFloat64()*math.Sqrt(mean)))
		return max(v, 0)
	}
	l := math.Exp(-mean)
	k, p := 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// ErrSize is returned for sizes that cannot be parsed.
var ErrSize = errors.New("size: want a number with an optional unit (KB, MB, GB; powers of 1024)")

// ParseSize reads "1GB", "512MB", "64MiB", "1e9".
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range []struct {
		suffix string
		m      float64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
			break
		}
	}
	var v float64
	if _, err := fmt.Sscan(t, &v); err != nil || v <= 0 {
		return 0, ErrSize
	}
	return int64(v * mult), nil
}
