// Command trailgen writes a realistic CloudTrail archive of a chosen size in the S3
// layout (AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/...json.gz): many
// accounts and regions, five-minute files, benign volume with one attack mixed in. It is
// deterministic for a seed, and writes manifest.json beside AWSLogs/ saying what a pivot
// on the attack's key must find.
//
//	trailgen -size 1GB -out bench/out/archive
//
// It imports only internal/trailgen and the standard library.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/keypivot/keypivot/internal/trailgen"
)

func main() {
	var (
		size     = flag.String("size", "256MB", "decompressed size of the log files, at least (KB, MB, GB)")
		out      = flag.String("out", "trail-archive", "output directory (AWSLogs/ and manifest.json go in it)")
		seed     = flag.Uint64("seed", 1, "random seed: the same seed and flags write the same archive")
		days     = flag.Float64("days", 0, "span of the benign volume in days (default: size at 400 MB a day)")
		accounts = flag.Int("accounts", 12, "number of accounts")
		regions  = flag.String("regions", strings.Join(trailgen.DefaultRegions, ","), "regions, busiest first")
		org      = flag.String("org", "", "organisation id (o-...): write an organisation trail layout")
		start    = flag.String("start", "2026-03-02", "first day (YYYY-MM-DD)")
		digests  = flag.Bool("digests", true, "also write CloudTrail-Digest objects (readers skip them)")
		level    = flag.Int("level", 6, "gzip level")
	)
	flag.Parse()
	n, err := trailgen.ParseSize(*size)
	if err != nil {
		fail(err)
	}
	st, err := time.Parse("2006-01-02", *start)
	if err != nil {
		fail(fmt.Errorf("-start: %v", err))
	}
	if *org != "" && !strings.HasPrefix(*org, "o-") {
		fail(fmt.Errorf("-org %q: an organisation id starts with o-", *org))
	}
	if entries, _ := os.ReadDir(filepath.Join(*out, "AWSLogs")); len(entries) > 0 {
		fail(fmt.Errorf("%s already holds an archive: remove it first", *out))
	}
	began := time.Now()
	m, err := trailgen.Generate(trailgen.Config{
		Seed: *seed, Size: n, Start: st, Days: *days, Accounts: *accounts,
		Regions: strings.Split(*regions, ","), Org: *org, Digests: *digests, Level: *level,
	}, trailgen.Dir(*out))
	if err != nil {
		fail(err)
	}
	mj, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "manifest.json"), append(mj, '\n'), 0o644); err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "trailgen: %d files (%d digests), %.1f MB decompressed, %.1f MB gzip, %d records, %s to %s, in %s\n",
		m.Files, m.DigestFiles, float64(m.Bytes)/1e6, float64(m.Compressed)/1e6, m.Records,
		m.Start.Format(time.RFC3339), m.End.Format(time.RFC3339), time.Since(began).Round(time.Millisecond))
	fmt.Fprintf(os.Stderr, "trailgen: attack key %s (%d events, %d sessions, key pairs %v)\n", m.Attack.Key, m.Attack.Events, len(m.Attack.SessionKeys), m.Attack.KeyPairs)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "trailgen:", err)
	os.Exit(2)
}
