package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/internal/trailgen"
	"github.com/keypivot/keypivot/investigate"
)

// TestIndexCommandThenPivot builds a generated archive's key index with keypivot index,
// then pivots on a key of the archive in another process: every face says how many files
// the index skipped and when it was built, and the case is the one --no-index finds.
func TestIndexCommandThenPivot(t *testing.T) {
	dir := t.TempDir()
	m, err := trailgen.Generate(trailgen.Config{Seed: 31, Size: 2 << 20, Accounts: 3, Regions: []string{"us-east-1", "eu-west-1"}}, trailgen.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	env := []string{"KEYPIVOT_CACHE_DIR=" + cache}
	r := kp(t, env, "index", dir)
	if r.code != 0 {
		t.Fatalf("keypivot index: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	idx, _ := filepath.Glob(filepath.Join(cache, "index", "*.idx"))
	if len(idx) != 1 {
		t.Fatalf("index files in the cache: %v", idx)
	}
	for _, want := range []string{
		"key index of " + dir,
		investigate.Plural(m.Files, "log file") + ": " + investigate.Thousands(m.Files) + " read now, 0 already indexed",
		"(long-term and session)",
		" at " + idx[0],
		" MB/s",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	// Indexing again, in another process, reads nothing: every file is indexed.
	again := kp(t, env, "index", dir)
	reused := strings.Contains(again.stdout, "0 read now, "+investigate.Thousands(m.Files)+" already indexed")
	if again.code != 0 || !reused {
		t.Errorf("indexing again: exit %d\n%s%s", again.code, again.stdout, again.stderr)
	}

	key := m.Attack.CreatedKeys[0]
	c, js := faces(t, env, key, "--trail", dir)
	plain := kp(t, env, "pivot", key, "--trail", dir, "--no-index", "--format", "json")
	var pc investigate.Case
	if err := json.Unmarshal([]byte(plain.stdout), &pc); err != nil {
		t.Fatalf("--no-index: exit %d: %v\n%s", plain.code, err, plain.stderr)
	}
	if js.code != 0 || !slices.Equal(eventIDs(c), eventIDs(pc)) || len(eventIDs(pc)) == 0 {
		t.Fatalf("with the index: exit %d, %d events; without: %d events", js.code, len(eventIDs(c)), len(eventIDs(pc)))
	}
	if pc.Coverage.Sources[0].Index != nil {
		t.Errorf("--no-index used an index: %+v", pc.Coverage.Sources[0].Index)
	}
	u := c.Coverage.Sources[0].Index
	if u == nil {
		t.Fatal("the pivot's coverage has no index")
	}
	if u.Skipped < m.Files/2 || len(u.Warnings) > 0 {
		t.Fatalf("index %+v: want most of %d files skipped", u, m.Files)
	}
	want := regexp.MustCompile(`[0-9,]+ files skipped: the key index \(built [0-9-]+ [0-9:]+ UTC\) shows they do not hold the key`)
	if !want.MatchString(c.Completeness.Headline) {
		t.Errorf("headline %q does not say what the index skipped", c.Completeness.Headline)
	}
	for _, format := range []string{"text", "md"} {
		r := kp(t, env, "pivot", key, "--trail", dir, "--format", format, "--width", "200")
		if !want.MatchString(flat(r.stdout)) || !strings.Contains(flat(r.stdout), "index file "+idx[0]) {
			t.Errorf("--format %s does not name the index and what it skipped:\n%s", format, r.stdout)
		}
	}
}

// eventIDs are the ids of the case's timeline (JSON holds every event there).
func eventIDs(c investigate.Case) []string {
	var ids []string
	for _, e := range c.Timeline {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestIndexCommandRefuses: only archives are indexed, and not with --no-index.
func TestIndexCommandRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"index", "lookup"}, "only archives are indexed"},
		{[]string{"index", "athena://db.table"}, "only archives are indexed"},
		{[]string{"index", filepath.Join(dir, "missing")}, "index " + filepath.Join(dir, "missing") + ": no such file or directory"},
		{[]string{"index", dir, "--no-index"}, "drop --no-index"},
		{[]string{"index"}, "missing ARCHIVE"},
	} {
		r := kp(t, []string{"KEYPIVOT_CACHE_DIR=" + t.TempDir()}, c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("keypivot %v: exit %d, stderr %q; want %d and %q", c.args, r.code, r.stderr, exitUsage, c.want)
		}
	}
}

// TestIndexCommandOnNothingToIndex: a folder without a log file gives no index, and the
// command says so and exits 1 (no answer), as a pivot over it does; what it left out is
// named.
func TestIndexCommandOnNothingToIndex(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a trail"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := kp(t, []string{"KEYPIVOT_CACHE_DIR=" + t.TempDir()}, "index", dir)
	if r.code != exitError || !strings.Contains(r.stderr, "nothing to index: no log file in it") || !strings.Contains(r.stdout, "0 log files") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestIndexCommandUnreadableFile: a file that cannot be read is not indexed, is named,
// and the command exits 3 (partial); the rest is indexed.
func TestIndexCommandUnreadableFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := trailgen.Generate(trailgen.Config{Seed: 32, Size: 256 << 10, Accounts: 3, Regions: []string{"us-east-1"}}, trailgen.Dir(dir)); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "export.json.gz")
	if err := os.WriteFile(bad, []byte("\x1f\x8bnot gzip"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := kp(t, []string{"KEYPIVOT_CACHE_DIR=" + t.TempDir()}, "index", dir)
	if r.code != exitPartial || !strings.Contains(r.stderr, bad) || !strings.Contains(r.stdout, "1 not indexed") || !strings.Contains(r.stderr, "1 file not indexed: every pivot reads them again") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestIndexProgressLine: the progress line says files done of the total, those already
// indexed, megabytes and the rate, on one line rewritten in place, ended when done.
func TestIndexProgressLine(t *testing.T) {
	var b bytes.Buffer
	show := indexProgressPrinter(&b, "trail\x1b[31m")
	show(cloudtrail.ScanProgress{Files: 3, TotalFiles: 10, FromIndex: 2, Bytes: 30e6, Read: 3e6, TotalSize: 10e6, Elapsed: time.Second})
	show(cloudtrail.ScanProgress{Files: 4, TotalFiles: 10, Bytes: 40e6, Elapsed: time.Second + time.Millisecond}) // too soon: not shown
	show(cloudtrail.ScanProgress{Files: 10, TotalFiles: 10, FromIndex: 2, Bytes: 100e6, Read: 10e6, TotalSize: 10e6, Elapsed: 2 * time.Second})
	want := "\r\033[Kindexing trail\\x1b[31m: 3/10 files (2 already indexed), 30 MB, 30 MB/s, about 2s left" +
		"\r\033[Kindexing trail\\x1b[31m: 10/10 files (2 already indexed), 100 MB, 50 MB/s\n"
	if got := b.String(); got != want {
		t.Errorf("progress:\n got %q\nwant %q", got, want)
	}
}
