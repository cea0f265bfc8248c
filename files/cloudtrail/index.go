package cloudtrail

import (
	"strconv"
	"sync"
)

// Index remembers the Tokens of files already read, so that a later query over the same
// files (the next round of a pivot: the derived session keys and key pairs; the next key
// in the TUI) reads only the files that can hold what it asks for. Entries are keyed by
// path and a signature of the content (size and modification time, or an S3 ETag), so a
// changed file is read again. The index holds at most Limit bytes; files beyond it are
// simply read again. It is safe for concurrent use.
type Index struct {
	// Limit bounds the memory the index holds (default DefaultIndexLimit).
	Limit int64

	mu      sync.Mutex
	entries map[string]*Tokens
	size    int64
	full    bool
}

// DefaultIndexLimit is the default Limit: some 500 000 typical log files.
const DefaultIndexLimit = 48 << 20

func indexKey(f *File) string {
	return f.Path + "\x00" + f.Sig + "\x00" + strconv.FormatInt(f.Size, 10)
}

// lookup returns the tokens of f when they are known.
func (x *Index) lookup(f *File) (*Tokens, bool) {
	if x == nil || f.Sig == "" {
		return nil, false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	t, ok := x.entries[indexKey(f)]
	return t, ok
}

// add records the tokens of a file read whole and without error.
func (x *Index) add(f *File, t *Tokens) {
	if x == nil || f.Sig == "" {
		return
	}
	limit := x.Limit
	if limit <= 0 {
		limit = DefaultIndexLimit
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.entries == nil {
		x.entries = map[string]*Tokens{}
	}
	k := indexKey(f)
	if _, ok := x.entries[k]; ok {
		return
	}
	c := t.clone()
	n := c.size() + int64(len(k)) + 64
	if x.size+n > limit {
		x.full = true
		return
	}
	x.entries[k] = c
	x.size += n
}

// Len is the number of files indexed.
func (x *Index) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.entries)
}

// Full reports whether files were left out for lack of room.
func (x *Index) Full() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.full
}
