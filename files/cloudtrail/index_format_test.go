package cloudtrail

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// sampleEntries are entries of every shape a file can leave: keys and names, opaque
// names, a span, accounts and regions, a shape problem of a file that is not CloudTrail.
func sampleEntries(n int) map[string]*indexEntry {
	out := map[string]*indexEntry{}
	for i := range n {
		var t Tokens
		scanTokens([]byte(fmt.Sprintf(`{"accessKeyId":"AKIA%016d","x":"ASIA%016d","keyName":"kp-%d"}`, i, i*7, i)), &t)
		t.RunInstances = i%2 == 0
		t.OpaqueNames = i%3 == 0
		if i%4 != 0 {
			t.span = timeSpan{lo: int64(i) * 1e9, hi: int64(i+5) * 1e9, ok: true}
		}
		t.accounts, t.regions = []string{"123456789012"}, []string{"us-east-1", "eu-west-1"}
		if i%5 == 0 {
			t.shape = &shapeProblem{where: "#record 3", message: "cut short", notTrail: i%10 == 0}
		}
		p := fmt.Sprintf("/trail/AWSLogs/123456789012/CloudTrail/us-east-1/2026/03/02/f%04d.json.gz", i)
		out[p] = &indexEntry{sig: "2026-03-02T00:00:00Z", size: int64(1000 + i), at: 1_790_000_000 + int64(i), tokens: t.clone()}
	}
	return out
}

func TestIndexFormatRoundTrip(t *testing.T) {
	ents := sampleEntries(40)
	data := encodeIndex("file:/trail", ents, hashString(hashProbe))
	got, err := decodeIndex(data, "file:/trail")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ents) {
		t.Fatalf("%d entries back, %d written", len(got), len(ents))
	}
	for _, de := range got {
		want := ents[de.path]
		if want == nil {
			t.Fatalf("unknown path %q back", de.path)
		}
		if !de.e.disk || de.e.used {
			t.Errorf("%s: loaded entry disk=%v used=%v", de.path, de.e.disk, de.e.used)
		}
		de.e.disk = false
		if !reflect.DeepEqual(de.e, want) {
			t.Errorf("%s:\n got %+v %+v\nwant %+v %+v", de.path, de.e, de.e.tokens, want, want.tokens)
		}
	}
	if _, err := decodeIndex(data, "file:/elsewhere"); err == nil || !strings.Contains(err.Error(), "another archive") {
		t.Errorf("an index read for another root: %v", err)
	}
}

// TestIndexFormatDamageNeverPanics damages an index every way at random: the checksum
// refuses every damaged file; resealed (the checksum written again, so that the decoder's
// own checks are reached), a damaged file is refused or read, never a panic nor a huge
// allocation.
func TestIndexFormatDamageNeverPanics(t *testing.T) {
	data := encodeIndex("file:/trail", sampleEntries(12), hashString(hashProbe))
	r := rand.New(rand.NewPCG(3, 4))
	refused, resealed := 0, 0
	for range 3000 {
		b := append([]byte(nil), data...)
		switch r.IntN(3) {
		case 0:
			b = b[:r.IntN(len(b))]
		case 1:
			for range 1 + r.IntN(4) {
				b[r.IntN(len(b))] ^= byte(1 + r.IntN(255))
			}
		case 2:
			i := r.IntN(len(b))
			b = append(b[:i], b[i+1+r.IntN(min(8, len(b)-i)):]...)
		}
		if r.IntN(2) == 0 && len(b) > 4 {
			b = reseal(b[:len(b)-4], func([]byte) {})
			resealed++
			if _, err := decodeIndex(b, "file:/trail"); err != nil {
				refused++
			}
			continue
		}
		if _, err := decodeIndex(b, "file:/trail"); err == nil && !bytes.Equal(b, data) {
			t.Fatalf("a damaged index was read: % x", b)
		}
	}
	// Most resealed damage breaks the structure; a byte flipped inside a hash or a name
	// does not, and reads as another index.
	if refused < resealed/2 {
		t.Errorf("only %d of %d resealed damaged indexes refused", refused, resealed)
	}
}

func FuzzDecodeIndex(f *testing.F) {
	f.Add(encodeIndex("file:/trail", sampleEntries(3), hashString(hashProbe)))
	f.Add([]byte(indexMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		ents, err := decodeIndex(b, "file:/trail")
		if err == nil && len(ents) > len(b) {
			t.Fatalf("%d entries from %d bytes", len(ents), len(b))
		}
	})
}

// TestStableHashIsPinned pins the hash an index on disk holds: changing it without
// raising indexVersion would make indexes written before answer wrongly.
func TestStableHashIsPinned(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
	}{
		{"AKIAIOSFODNN7EXAMPLE", stableHashPinned1},
		{"ops-2026", stableHashPinned2},
		{"", stableHashPinned3},
	} {
		if got := stableHash(c.in); got != c.want {
			t.Errorf("stableHash(%q) = %#x, want %#x", c.in, got, c.want)
		}
		if got := stableHash([]byte(c.in)); got != c.want {
			t.Errorf("stableHash([]byte(%q)) = %#x, want %#x", c.in, got, c.want)
		}
	}
	seen := map[uint64]string{}
	for i := range 200000 {
		k := fmt.Sprintf("AKIA%016X", uint64(i)*0x9e3779b97f4a7c15>>1)
		h := stableHash(k)
		if o, ok := seen[h]; ok {
			t.Fatalf("%s and %s collide", k, o)
		}
		seen[h] = k
	}
}

// TestIndexStoreConcurrentSaves saves two processes' indexes of one archive at once, many
// times: the file on disk is always whole, and holds what both learned.
func TestIndexStoreConcurrentSaves(t *testing.T) {
	st, _ := newStore(t)
	st2 := &IndexStore{Dir: st.Dir, Now: st.Now} // another process: its own lock
	root := "file:/trail"
	var wg sync.WaitGroup
	for w, s := range []*IndexStore{st, st2} {
		wg.Go(func() {
			for round := range 20 {
				x := s.Open(root)
				for i := range 5 {
					f := &File{Path: fmt.Sprintf("/trail/w%d-r%02d-%d.json", w, round, i), Size: 10, Sig: "t"}
					var tok Tokens
					scanTokens([]byte(fmt.Sprintf(`"AKIA%016d"`, i)), &tok)
					x.add(f, &tok)
				}
				if err := x.save(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	data, err := os.ReadFile(st.IndexFile(root))
	if err != nil {
		t.Fatal(err)
	}
	ents, err := decodeIndex(data, root)
	if err != nil {
		t.Fatalf("the index on disk after concurrent saves: %v", err)
	}
	// Each save merges what the file holds when it saves, under the index's lock: nothing
	// is lost. Without locks, a save landing between another's reading and renaming loses
	// that one's entries (the last writer wins).
	if want := 200; len(ents) != want && (indexLocking || len(ents) < want/2) {
		t.Errorf("%d entries survive of %d saved", len(ents), want)
	}
	left, _ := filepath.Glob(filepath.Join(st.Dir, "*.tmp-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestIndexStoreEvictsLeastRecentlyUsedArchives keeps three archives' indexes under a cap
// that holds two: saving the third drops the one used least recently, not the one just
// opened again.
func TestIndexStoreEvictsLeastRecentlyUsedArchives(t *testing.T) {
	st, clock := newStore(t)
	save := func(root string, n int) {
		x := st.Open(root)
		for i := range n {
			var tok Tokens
			scanTokens([]byte(fmt.Sprintf(`"AKIA%016d"`, i)), &tok)
			x.add(&File{Path: fmt.Sprintf("/%s/%d", root, i), Size: 1, Sig: "t"}, &tok)
		}
		if err := x.save(); err != nil {
			t.Fatal(err)
		}
		clock.set(clock.Now().Add(time.Minute))
	}
	save("a", 300)
	save("b", 300)
	size := fileSizeOf(t, st.IndexFile("a"))
	st.MaxBytes = 2*size + size/2
	st.Open("a") // a is used again: b is now the least recently used
	clock.set(clock.Now().Add(time.Minute))
	save("c", 300)
	for root, want := range map[string]bool{"a": true, "b": false, "c": true} {
		_, err := os.Stat(st.IndexFile(root))
		if got := err == nil; got != want {
			t.Errorf("index of %s kept: %v, want %v", root, got, want)
		}
	}
	// An index that alone exceeds the cap is not kept, and says so.
	st.MaxBytes = size / 2
	x := st.Open("d")
	for i := range 300 {
		var tok Tokens
		scanTokens([]byte(fmt.Sprintf(`"AKIA%016d"`, i)), &tok)
		x.add(&File{Path: fmt.Sprintf("/d/%d", i), Size: 1, Sig: "t"}, &tok)
	}
	if err := x.save(); err == nil || !strings.Contains(err.Error(), "over the cap") {
		t.Errorf("saving an index over the cap: %v", err)
	}
	if _, err := os.Stat(st.IndexFile("d")); err == nil {
		t.Error("an index over the cap was kept")
	}
}

func fileSizeOf(t testing.TB, p string) int64 {
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// TestIndexLimitDropsUnusedEntriesThenRefuses fills an index loaded from disk: it makes
// room by dropping the entries this run did not use, oldest first, then refuses and
// counts what does not fit.
func TestIndexLimitDropsUnusedEntriesThenRefuses(t *testing.T) {
	st, clock := newStore(t)
	x := st.Open("r")
	var tok Tokens
	scanTokens([]byte(`"AKIA0000000000000001"`), &tok)
	for i := range 100 {
		clock.set(indexEpoch.Add(time.Duration(i) * time.Minute))
		x.add(&File{Path: fmt.Sprintf("/r/old%03d", i), Size: 1, Sig: "t"}, &tok)
	}
	if err := x.save(); err != nil {
		t.Fatal(err)
	}
	one := entrySize("/r/old000", &indexEntry{sig: "t", tokens: &tok})
	st.Limit = 100 * one
	y := st.Open("r")
	if y.Len() != 100 {
		t.Fatalf("loaded %d entries", y.Len())
	}
	if _, ok := y.lookup(&File{Path: "/r/old099", Size: 1, Sig: "t"}); !ok {
		t.Fatal("entry old099 not found")
	}
	for i := range 10 {
		y.add(&File{Path: fmt.Sprintf("/r/new%03d", i), Size: 1, Sig: "t"}, &tok)
	}
	if _, ok := y.lookup(&File{Path: "/r/old000", Size: 1, Sig: "t"}); ok {
		t.Error("the oldest unused entry was kept")
	}
	if _, ok := y.lookup(&File{Path: "/r/old099", Size: 1, Sig: "t"}); !ok {
		t.Error("an entry this run used was dropped")
	}
	if y.Refused() != 0 {
		t.Errorf("refused %d while unused entries were left", y.Refused())
	}
	st.Limit = 2 * one
	z := st.Open("r")
	for i := range 5 {
		z.add(&File{Path: fmt.Sprintf("/r/z%d", i), Size: 1, Sig: "t"}, &tok)
	}
	if z.Refused() != 3 || z.Len() != 2 {
		t.Errorf("an index full of used entries holds %d and refused %d, want 2 and 3", z.Len(), z.Refused())
	}
}

// The values stableHash must keep (TestStableHashIsPinned).
const (
	stableHashPinned1 = 0x7527ffde26c04440
	stableHashPinned2 = 0xa5980eddbb8f5866
	stableHashPinned3 = 0x10c332f0877b3d8a
)
