package cloudtrail

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/internal/trailgen"
	"github.com/keypivot/keypivot/investigate"
)

// fixedClock is a clock that says what it is set to.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var indexEpoch = time.Date(2026, 11, 20, 10, 2, 0, 0, time.UTC)

// newStore is an index store in a temporary directory, dated by a clock at indexEpoch.
func newStore(t *testing.T) (*IndexStore, *fixedClock) {
	c := &fixedClock{t: indexEpoch}
	return &IndexStore{Dir: filepath.Join(t.TempDir(), "index"), Now: c.Now}, c
}

// genArchive writes a small generated archive to a temporary directory.
func genArchive(t testing.TB, seed uint64) (string, trailgen.Manifest) {
	dir := t.TempDir()
	m, err := trailgen.Generate(trailgen.Config{Seed: seed, Size: 3 << 20, Accounts: 4, Regions: []string{"us-east-1", "us-west-2", "eu-west-1"}}, trailgen.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

// pivotResult is what a whole pivot found and how its source searched.
type pivotResult struct {
	ids []string
	rep investigate.SourceReport
}

// pivot collects key's case over src, as keypivot pivot does.
func pivot(t testing.TB, src investigate.EventSource, key string) pivotResult {
	t.Helper()
	col := sourcetest.Collect(t, src, key, investigate.Window{})
	return pivotResult{ids: sourcetest.EventIDs(col.Set.Events()), rep: col.Reports[0]}
}

// TestIndexAnswersALaterRunForAnotherKey pivots on the attack key with an index on disk,
// then, as a later run (a new source, the index loaded from disk), on another key of the
// same archive: the second pivot finds what a pivot without any index finds, reads a
// fraction of the bytes, and its coverage counts the files the index skipped, as
// searched, with when the index was built.
func TestIndexAnswersALaterRunForAnotherKey(t *testing.T) {
	dir, m := genArchive(t, 11)
	st, clock := newStore(t)
	first := pivot(t, &FileSource{Paths: []string{dir}, IndexStore: st}, m.Attack.Key)
	if first.rep.Index == nil || first.rep.Index.Skipped != 0 || len(first.rep.Index.Warnings) != 0 {
		t.Fatalf("first run: index %+v, want one without skips or warnings", first.rep.Index)
	}
	if _, err := os.Stat(st.IndexFile(LocalIndexRoot([]string{dir}))); err != nil {
		t.Fatalf("no index saved: %v", err)
	}
	clock.set(indexEpoch.Add(48 * time.Hour))
	other := m.Attack.CreatedKeys[0]
	second := pivot(t, &FileSource{Paths: []string{dir}, IndexStore: st}, other)
	plain := pivot(t, &FileSource{Paths: []string{dir}}, other)
	if len(plain.ids) == 0 || !slices.Equal(second.ids, plain.ids) {
		t.Fatalf("with the index: %d events, without: %d; they differ", len(second.ids), len(plain.ids))
	}
	u := second.rep.Index
	if u == nil || u.Skipped < m.Files*3/4 || second.rep.Bytes*4 > plain.rep.Bytes {
		t.Fatalf("second run read %d bytes (without index %d), index %+v: want most files skipped", second.rep.Bytes, plain.rep.Bytes, u)
	}
	if second.rep.Files != plain.rep.Files {
		t.Errorf("files searched with the index %d, without %d: skipped files are searched", second.rep.Files, plain.rep.Files)
	}
	want := investigate.Thousands(u.Skipped) + " files skipped: the key index (built 2026-11-20 10:02 UTC) shows they do not hold the key"
	if got := u.SkippedText(); got != want {
		t.Errorf("coverage says %q, want %q", got, want)
	}
	sc := investigate.AssessSource(second.rep, investigate.Window{})
	if sc.Status != investigate.SearchComplete || !strings.Contains(sc.Searched, want) {
		t.Errorf("completeness %s %q: want complete, saying %q", sc.Status, sc.Searched, want)
	}
}

// TestIndexRereadsAChangedFile indexes an archive, then rewrites one file in place with
// the events of another key (same path, new content and time) and adds a file: the later
// pivot for that key reads both and finds their events, as a pivot without the index does.
func TestIndexRereadsAChangedFile(t *testing.T) {
	dir, m := genArchive(t, 12)
	st, _ := newStore(t)
	pivot(t, &FileSource{Paths: []string{dir}, IndexStore: st}, m.Attack.Key)
	other := m.Attack.CreatedKeys[0]
	before := pivot(t, &FileSource{Paths: []string{dir}}, other)
	changed, n := rewriteWithKey(t, dir, other, m.Attack.Key)
	// A file new since the index was built is read too.
	added := `{"Records":[{"eventVersion":"1.09","eventID":"added-1","eventTime":"2026-03-02T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","accessKeyId":"` + other + `"}}]}`
	if err := os.WriteFile(filepath.Join(dir, "added.json"), []byte(added), 0o644); err != nil {
		t.Fatal(err)
	}
	with := pivot(t, &FileSource{Paths: []string{dir}, IndexStore: st}, other)
	plain := pivot(t, &FileSource{Paths: []string{dir}}, other)
	if !slices.Equal(with.ids, plain.ids) {
		t.Fatalf("with the index %d events, without %d", len(with.ids), len(plain.ids))
	}
	if len(plain.ids) < len(before.ids)+n+1 || !slices.Contains(with.ids, "added-1") {
		t.Fatalf("the changed file %s added %d events of %s and the new file 1, found %d more", changed, n, other, len(plain.ids)-len(before.ids))
	}
	if with.rep.Index == nil || with.rep.Index.Skipped == 0 {
		t.Fatalf("index %+v: want the unchanged files skipped", with.rep.Index)
	}
}

var signerKey = regexp.MustCompile(`"accessKeyId":\s*"(AKIA[A-Z0-9]{16})"`)

// rewriteWithKey rewrites the first file of dir's layout that holds neither key nor
// avoid, its first signer's key replaced by key everywhere, with a modification time an
// hour later; it returns the file and how many of its records that signer signed.
func rewriteWithKey(t *testing.T, dir, key, avoid string) (string, int) {
	t.Helper()
	l := List([]string{dir}, Scope{})
	for _, f := range l.Files {
		raw, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		var plain bytes.Buffer
		if _, err := plain.ReadFrom(zr); err != nil {
			t.Fatal(err)
		}
		b := plain.Bytes()
		if bytes.Contains(b, []byte(key)) || bytes.Contains(b, []byte(avoid)) {
			continue
		}
		sm := signerKey.FindSubmatch(b)
		if sm == nil {
			continue
		}
		n := bytes.Count(b, []byte(`"accessKeyId":"`+string(sm[1])+`"`))
		b = bytes.ReplaceAll(b, sm[1], []byte(key))
		var out bytes.Buffer
		zw := gzip.NewWriter(&out)
		zw.Write(b)
		zw.Close()
		info, _ := os.Stat(f.Path)
		if err := os.WriteFile(f.Path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		later := info.ModTime().Add(time.Hour)
		if err := os.Chtimes(f.Path, later, later); err != nil {
			t.Fatal(err)
		}
		return f.Path, n
	}
	t.Fatal("no file to rewrite")
	return "", 0
}

// TestIndexDamagedIsRebuilt damages the index on disk in each way a file can be damaged:
// the pivot ignores it, says so in the coverage, finds what a pivot without the index
// finds, and saves a sound index that the next run uses.
func TestIndexDamagedIsRebuilt(t *testing.T) {
	dir, m := genArchive(t, 13)
	plain := pivot(t, &FileSource{Paths: []string{dir}}, m.Attack.Key)
	for _, c := range []struct {
		name   string
		damage func([]byte) []byte
		want   string
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }, "checksum mismatch"},
		{"flipped bytes", func(b []byte) []byte { b[len(b)/3] ^= 0x5a; b[len(b)/2] ^= 0x01; return b }, "checksum mismatch"},
		{"other version", func(b []byte) []byte { b[len(indexMagic)] = 9; return b }, "format version 9"},
		{"not an index", func([]byte) []byte { return []byte("{}") }, "not a keypivot key index"},
		{"empty", func([]byte) []byte { return nil }, "not a keypivot key index"},
		{"other key hashes", func(b []byte) []byte {
			return reseal(b[:len(b)-4], func(body []byte) { body[len(indexMagic)+1] ^= 0xff })
		}, "key hashes differ"},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, _ := newStore(t)
			pivot(t, &FileSource{Paths: []string{dir}, IndexStore: st}, m.Attack.Key)
			path := st.IndexFile(LocalIndexRoot([]string{dir}))
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, c.damage(data), 0o600); err != nil {
				t.Fatal(err)
			}
			got := pivot(t, &FileSource{Paths: []string{dir}, IndexStore: st}, m.Attack.Key)
			if !slices.Equal(got.ids, plain.ids) {
				t.Fatalf("%d events with the damaged index, %d without", len(got.ids), len(plain.ids))
			}
			u := got.rep.Index
			if u == nil || u.Skipped != 0 || len(u.Warnings) != 1 || !strings.Contains(u.Warnings[0], c.want) || !strings.Contains(u.Warnings[0], "rebuilt") {
				t.Fatalf("index %+v: want one warning saying %q and rebuilt", u, c.want)
			}
			again := pivot(t, &FileSource{Paths: []string{dir}, IndexStore: st}, m.Attack.CreatedKeys[0])
			if again.rep.Index == nil || again.rep.Index.Skipped == 0 || len(again.rep.Index.Warnings) > 0 {
				t.Fatalf("after the rebuild: index %+v, want files skipped and no warning", again.rep.Index)
			}
		})
	}
}

// reseal edits an index's body and writes its checksum again.
func reseal(body []byte, edit func([]byte)) []byte {
	b := bytes.Clone(body)
	edit(b)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// TestIndexRereadsAFileRewrittenWithItsSizeAndTime rewrites an indexed file with another
// key's events, the same size, and its modification time set back (as cp -p or touch -r
// leave it): the index must not take it for the file it indexed.
func TestIndexRereadsAFileRewrittenWithItsSizeAndTime(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the status-change time and inode are read on Linux; elsewhere the index trusts size and modification time")
	}
	dir := t.TempDir()
	const keyA, keyB = "AKIAREWRITTENAAAAAAA", "AKIAREWRITTENBBBBBBB"
	rec := func(key string) []byte {
		return []byte(`{"Records":[{"eventVersion":"1.09","eventID":"r-1","eventTime":"2026-03-02T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","accessKeyId":"` + key + `"}}]}`)
	}
	path := filepath.Join(dir, "trail.json")
	if err := os.WriteFile(path, rec(keyA), 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := newStore(t)
	if got := pivot(t, &FileSource{Paths: []string{dir}, IndexStore: st}, keyA); len(got.ids) != 1 {
		t.Fatalf("first pivot found %v", got.ids)
	}
	if err := os.WriteFile(path, rec(keyB), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	if now, _ := os.Stat(path); now.Size() != info.Size() || !now.ModTime().Equal(info.ModTime()) {
		t.Fatalf("the rewrite changed size or time: %d %v", now.Size(), now.ModTime())
	}
	if got := pivot(t, &FileSource{Paths: []string{dir}, IndexStore: st}, keyB); len(got.ids) != 1 {
		t.Fatalf("the rewritten file's event of %s was not found with the index: %v (index %+v)", keyB, got.ids, got.rep.Index)
	}
}
