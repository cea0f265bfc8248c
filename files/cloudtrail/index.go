package cloudtrail

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// Index remembers the Tokens of files already read, so that a later query over the same
// files (the next round of a pivot: the derived session keys and key pairs; the next key
// in the TUI; with an IndexStore, the next run of keypivot) reads only the files that can
// hold what it asks for. An entry is a file's tokens with its fingerprint, the size and a
// signature of the content (modification time, or an S3 ETag): a file changed since does
// not match, is read again, and its new tokens replace the old.
//
// The index holds at most Limit bytes. When full, it drops the entries no query of this
// run used, oldest first; when none is left to drop, it refuses new entries and counts
// them (Refused): those files are simply read again. It is safe for concurrent use.
type Index struct {
	// Limit bounds the memory the index holds (default DefaultIndexLimit); an index on
	// disk takes less than its entries in memory.
	Limit int64
	// Now dates the entries (default time.Now).
	Now func() time.Time

	mu      sync.Mutex
	entries map[string]*indexEntry // by path
	size    int64
	refused int
	// dirty is set when entries were added or dropped since the index was loaded or saved.
	dirty bool
	// disk is where the index is kept between runs (nil: this run only).
	disk *diskIndex
}

// indexEntry is what the index knows of one file.
type indexEntry struct {
	sig    string
	size   int64
	at     int64 // when it was recorded, Unix seconds
	tokens *Tokens
	// disk is set for an entry an earlier run recorded (loaded from the index on disk).
	disk bool
	// used is set when a query of this run looked the entry up or recorded it.
	used bool
}

// DefaultIndexLimit is the default Limit: some 500 000 typical log files.
const DefaultIndexLimit = 48 << 20

// indexHit is an entry a lookup found: the file's tokens and where they come from.
type indexHit struct {
	tokens *Tokens
	disk   bool
	at     int64
}

func (x *Index) limit() int64 {
	if x.Limit <= 0 {
		return DefaultIndexLimit
	}
	return x.Limit
}

func (x *Index) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}

// lookup returns the entry of f when its fingerprint matches.
func (x *Index) lookup(f *File) (indexHit, bool) {
	if x == nil || f.Sig == "" {
		return indexHit{}, false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.entries[f.Path]
	if !ok || e.sig != f.Sig || e.size != f.Size {
		return indexHit{}, false
	}
	e.used = true
	return indexHit{tokens: e.tokens, disk: e.disk, at: e.at}, true
}

// add records the tokens of a file read whole and without error.
func (x *Index) add(f *File, t *Tokens) {
	if x == nil || f.Sig == "" {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.entries == nil {
		x.entries = map[string]*indexEntry{}
	}
	if e, ok := x.entries[f.Path]; ok {
		if e.sig == f.Sig && e.size == f.Size {
			e.used = true
			return
		}
		// The file changed: its old entry answers nothing any more.
		x.drop(f.Path, e)
	}
	c := t.clone()
	e := &indexEntry{sig: f.Sig, size: f.Size, at: x.now().Unix(), tokens: c, used: true}
	x.put(f.Path, e)
}

// put stores e at path, making room when the index is full; it refuses (and counts) an
// entry there is no room for. x.mu is held.
func (x *Index) put(path string, e *indexEntry) bool {
	n := entrySize(path, e)
	limit := x.limit()
	if x.size+n > limit {
		x.evict(limit - n)
	}
	if x.size+n > limit {
		x.refused++
		return false
	}
	x.entries[path] = e
	x.size += n
	x.dirty = true
	return true
}

// drop removes the entry at path. x.mu is held.
func (x *Index) drop(path string, e *indexEntry) {
	delete(x.entries, path)
	x.size -= entrySize(path, e)
	x.dirty = true
}

// evict drops the entries no query of this run used, oldest first, until the index holds
// at most three quarters of target bytes (so that a full index does not sort its entries
// for every file added). x.mu is held.
func (x *Index) evict(target int64) {
	if x.size <= target {
		return
	}
	type old struct {
		path string
		e    *indexEntry
	}
	var unused []old
	for p, e := range x.entries {
		if !e.used {
			unused = append(unused, old{p, e})
		}
	}
	slices.SortFunc(unused, func(a, b old) int { return cmp.Or(cmp.Compare(a.e.at, b.e.at), cmp.Compare(a.path, b.path)) })
	goal := target / 4 * 3
	for _, o := range unused {
		if x.size <= goal {
			break
		}
		x.drop(o.path, o.e)
	}
}

// entrySize is what an entry costs in memory, roughly.
func entrySize(path string, e *indexEntry) int64 {
	return e.tokens.size() + int64(len(path)+len(e.sig)) + 64
}

// Len is the number of files indexed.
func (x *Index) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.entries)
}

// Full reports whether files were left out for lack of room.
func (x *Index) Full() bool { return x.Refused() > 0 }

// Refused counts the files left out of the index for lack of room in this run.
func (x *Index) Refused() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.refused
}

// indexTally counts, over one scan, the files the index answered: those an earlier run
// recorded (the index on disk), and those an earlier pass of this run did.
type indexTally struct {
	mu             sync.Mutex
	disk, earlier  int
	oldest, newest int64
}

// rulesOut reports whether the index rules f out for m; out receives the file's indexed
// tokens then, so that a file answered from the index is reported as when it was read
// (its shape problem) and still says what it covers.
func (ix *indexTally) rulesOut(x *Index, f *File, m *Matcher, out **Tokens) bool {
	h, ok := x.lookup(f)
	if !ok || m.MayMatchTokens(h.tokens) {
		return false
	}
	*out = h.tokens
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if !h.disk {
		ix.earlier++
		return true
	}
	if ix.disk == 0 || h.at < ix.oldest {
		ix.oldest = h.at
	}
	ix.newest = max(ix.newest, h.at)
	ix.disk++
	return true
}

// report says in rep what the index answered of the files of a scan for q: the files
// an index kept on disk skipped (investigate.IndexUse, with its warnings), the files an
// earlier pass of this run answered (a note), and the files left out of a full index.
func (ix *indexTally) report(rep *investigate.SourceReport, x *Index, q investigate.EventQuery, files int) {
	if x == nil {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.earlier > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %d of %s answered from the index of an earlier pass without reading them", describeQuery(q), ix.earlier, investigate.Plural(files, "file")))
	}
	if n := x.Refused(); n > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("key index full (%d MB): %s not indexed, read again by later pivots", x.limit()>>20, investigate.Plural(n, "file")))
	}
	u := x.use()
	if u == nil {
		return
	}
	if ix.disk > 0 {
		u.Skipped, u.Keys, u.KeyPairs = ix.disk, len(q.AccessKeys), len(q.KeyPairs)
		u.Built, u.BuiltLast = time.Unix(ix.oldest, 0).UTC(), time.Unix(ix.newest, 0).UTC()
	}
	rep.Index = u
}
