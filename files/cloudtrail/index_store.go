package cloudtrail

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// IndexStore keeps key indexes on disk, one file per archive (named by a hash of the
// archive's root: its absolute paths, or s3://bucket/prefix), so that a later run over
// the same archive reads only the files that can hold its keys, plus the files new,
// changed or not indexed since.
//
// An index file is versioned and checksummed: one of another format version, written by
// a process whose key hashes differ, cut short or damaged is ignored, said so in the
// coverage (investigate.IndexUse.Warnings), and rebuilt by the run. It is written to a
// temporary file and renamed over the old one, so that a reader never sees half of it.
// A save merges first what the file holds (another process may have saved since this
// one loaded), under an advisory lock where there are locks (lockIndex): processes saving
// the same archive's index at once lose nothing; elsewhere the last rename wins.
//
// The store is bounded: all its index files together take at most MaxBytes. After a
// save, the indexes of the archives used least recently (an index's modification time is
// its last use) are deleted until the rest fit; an index that alone exceeds the cap is
// not kept. Each index is also bounded in memory by Index.Limit.
type IndexStore struct {
	// Dir holds the index files (<cache dir>/index; "" when there is no cache directory:
	// the indexes serve their own run only, and say so).
	Dir string
	// MaxBytes caps the size of all index files together (default DefaultIndexCacheBytes).
	MaxBytes int64
	// Limit bounds each index in memory (Index.Limit).
	Limit int64
	// Now dates entries and uses (default time.Now).
	Now func() time.Time

	// saveMu serialises the saves of this process's indexes (they share the cap).
	saveMu sync.Mutex
}

// DefaultIndexCacheBytes is the default IndexStore.MaxBytes.
const DefaultIndexCacheBytes = 512 << 20

// indexExt names index files; temporary files being written end in .tmp-RANDOM.
const indexExt = ".idx"

// diskIndex is where an Index is kept, and what became of it.
type diskIndex struct {
	store *IndexStore
	root  string
	path  string
	// warnings say why the file did not answer, or could not be saved.
	mu       sync.Mutex
	warnings []string
}

func (d *diskIndex) warn(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if w := fmt.Sprintf(format, args...); !slices.Contains(d.warnings, w) {
		d.warnings = append(d.warnings, w)
	}
}

// IndexFile is the index file of an archive root.
func (st *IndexStore) IndexFile(root string) string {
	sum := sha256.Sum256([]byte(root))
	return filepath.Join(st.Dir, hex.EncodeToString(sum[:12])+indexExt)
}

func (st *IndexStore) now() time.Time {
	if st.Now != nil {
		return st.Now()
	}
	return time.Now()
}

func (st *IndexStore) maxBytes() int64 {
	if st.MaxBytes <= 0 {
		return DefaultIndexCacheBytes
	}
	return st.MaxBytes
}

// Open returns the index of the archive at root: what earlier runs recorded, when its
// file is there and sound; else an empty index (the coverage says why it was not used).
// It never fails: an index that cannot be read is rebuilt.
func (st *IndexStore) Open(root string) *Index {
	x := &Index{Limit: st.Limit, Now: st.Now, entries: map[string]*indexEntry{}}
	d := &diskIndex{store: st, root: root}
	x.disk = d
	if st.Dir == "" {
		d.warn("no cache directory to keep the key index in ($XDG_CACHE_HOME and $HOME unset, no --cache-dir): it serves this run only")
		return x
	}
	d.path = st.IndexFile(root)
	data, err := readIndexFile(d.path, st.maxBytes())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return x
	case err != nil:
		d.warn("key index %s not read (%v): rebuilt from the files read", d.path, err)
		return x
	}
	ents, err := decodeIndex(data, root)
	if err != nil {
		d.warn("key index %s ignored (%v): rebuilt from the files read", d.path, err)
		return x
	}
	for _, de := range ents {
		if !x.put(de.path, de.e) {
			break // over the limit: the rest are read again, and counted (Refused)
		}
	}
	x.dirty, x.refused = false, 0
	st.touch(d.path)
	return x
}

// touch dates an index file's last use (its modification time, by the store's clock):
// the store's cap evicts the indexes used least recently.
func (st *IndexStore) touch(path string) {
	t := st.now()
	_ = os.Chtimes(path, t, t)
}

// readIndexFile reads an index file, refusing one larger than max.
func readIndexFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Size() > max {
		return nil, fmt.Errorf("%d MB, over the cap of %d MB", info.Size()>>20, max>>20)
	}
	data := make([]byte, info.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, err
	}
	return data, nil
}

// use is the index's part of a source's report: where it is kept and its warnings (nil
// for an index of this run only).
func (x *Index) use() *investigate.IndexUse {
	if x == nil || x.disk == nil {
		return nil
	}
	d := x.disk
	d.mu.Lock()
	defer d.mu.Unlock()
	return &investigate.IndexUse{Path: d.path, Warnings: slices.Clone(d.warnings)}
}

// Keep saves what this run added to an index kept by an IndexStore, when it added
// anything; a failure is a warning of the report's index (the files were read: nothing
// is missing from the search). An index of this run only keeps nothing.
func (x *Index) Keep(r *investigate.SourceReport) {
	if x == nil || x.disk == nil {
		return
	}
	if err := x.save(); err != nil {
		x.disk.warn("what this run learned was not saved: %v", err)
	}
	if u := x.use(); u != nil && len(u.Warnings) > 0 {
		r.Index = r.Index.Merge(&investigate.IndexUse{Path: u.Path, Warnings: u.Warnings})
	}
}

// save writes the index when it changed, merging first what another process saved since
// it was loaded (the file as it is now); then it keeps the store under its cap.
func (x *Index) save() error {
	d := x.disk
	st := d.store
	x.mu.Lock()
	dirty := x.dirty
	x.mu.Unlock()
	if !dirty || d.path == "" {
		return nil
	}
	st.saveMu.Lock()
	defer st.saveMu.Unlock()
	if err := os.MkdirAll(filepath.Dir(d.path), 0o700); err != nil {
		return err
	}
	defer lockIndex(d.path)()
	saved := d.saved()
	x.mu.Lock()
	x.merge(saved)
	data := encodeIndex(d.root, x.entries, hashString(hashProbe))
	x.dirty = false
	x.mu.Unlock()
	if int64(len(data)) > st.maxBytes() {
		_ = os.Remove(d.path)
		return fmt.Errorf("the index would take %d MB, over the cap of %d MB", len(data)>>20, st.maxBytes()>>20)
	}
	if err := writeAtomic(d.path, data); err != nil {
		x.mu.Lock()
		x.dirty = true
		x.mu.Unlock()
		return err
	}
	st.touch(d.path)
	st.evict(d.path)
	return nil
}

// saved is what the index file holds now (another process may have saved it since this
// one loaded it); nothing when it is missing or not sound (it is overwritten).
func (d *diskIndex) saved() []decodedEntry {
	data, err := readIndexFile(d.path, d.store.maxBytes())
	if err != nil {
		return nil
	}
	ents, err := decodeIndex(data, d.root)
	if err != nil {
		return nil
	}
	return ents
}

// merge takes in saved entries: those of files this run did not use, when they are not
// older than this run's. x.mu is held.
func (x *Index) merge(saved []decodedEntry) {
	refused := x.refused // what does not fit is this run's loss, not a file left unindexed
	for _, de := range saved {
		if e, ok := x.entries[de.path]; ok {
			if e.used || e.at >= de.e.at {
				continue
			}
			x.drop(de.path, e)
		}
		x.put(de.path, de.e)
	}
	x.refused = refused
}

// writeAtomic writes data to a temporary file beside path and renames it over path.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	// Not synced: an index cut short by a crash fails its checksum and is rebuilt.
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// staleTemp is how old a temporary file must be before a save deletes it (a process
// that died while writing).
const staleTemp = time.Hour

// evict keeps the store under its cap: it deletes the index files used least recently,
// never keep (the one just saved), until the rest fit, and temporary files left by a
// process that died while writing.
func (st *IndexStore) evict(keep string) {
	ents, err := os.ReadDir(st.Dir)
	if err != nil {
		return
	}
	type idx struct {
		path string
		size int64
		used time.Time
	}
	var all []idx
	var total int64
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		p := filepath.Join(st.Dir, e.Name())
		switch {
		case strings.Contains(e.Name(), indexExt+".tmp-"):
			if st.now().Sub(info.ModTime()) > staleTemp {
				_ = os.Remove(p)
			}
		case strings.HasSuffix(e.Name(), indexExt):
			all = append(all, idx{p, info.Size(), info.ModTime()})
			total += info.Size()
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].used.Before(all[j].used) })
	for _, i := range all {
		if total <= st.maxBytes() {
			break
		}
		if i.path == keep {
			continue
		}
		if os.Remove(i.path) == nil {
			// Its lock file stays (empty): another process may hold a lock on it, and a
			// third locking a new file of the same name would save beside it.
			total -= i.size
		}
	}
}
