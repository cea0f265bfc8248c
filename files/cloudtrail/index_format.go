package cloudtrail

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
)

// The index file format (IndexStore), version 1, little endian:
//
//	magic "KPKEYIDX", uvarint version, uint64 probe (hashString(hashProbe)),
//	string root, uvarint entry count, the entries in path order, uint32 CRC-32C of all
//	the bytes before it.
//
// An entry: uvarint bytes shared with the previous path, string the rest of the path,
// string signature, uvarint size, varint recorded (Unix seconds), byte flags, uvarint
// count and uint64 hashes of the access key ids, the same for keyName values, the span
// (two varints) when flagged, uvarint count and strings of the accounts, the same for the
// regions, the shape problem (two strings) when flagged. A string is a uvarint length and
// its bytes.
const (
	indexMagic   = "KPKEYIDX"
	indexVersion = 1
)

const (
	flagOpaqueNames = 1 << iota
	flagRunInstances
	flagSpan
	flagShape
	flagNotTrail
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// encodeIndex writes the entries of an index.
func encodeIndex(root string, entries map[string]*indexEntry, probe uint64) []byte {
	paths := make([]string, 0, len(entries))
	for p := range entries {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	b := make([]byte, 0, 64+len(entries)*256)
	b = append(b, indexMagic...)
	b = binary.AppendUvarint(b, indexVersion)
	b = binary.LittleEndian.AppendUint64(b, probe)
	b = appendString(b, root)
	b = binary.AppendUvarint(b, uint64(len(paths)))
	prev := ""
	for _, p := range paths {
		e := entries[p]
		t := e.tokens
		shared := commonPrefix(prev, p)
		b = binary.AppendUvarint(b, uint64(shared))
		b = appendString(b, p[shared:])
		prev = p
		b = appendString(b, e.sig)
		b = binary.AppendUvarint(b, uint64(e.size))
		b = binary.AppendVarint(b, e.at)
		var flags byte
		if t.OpaqueNames {
			flags |= flagOpaqueNames
		}
		if t.RunInstances {
			flags |= flagRunInstances
		}
		if t.span.ok {
			flags |= flagSpan
		}
		if t.shape != nil {
			flags |= flagShape
			if t.shape.notTrail {
				flags |= flagNotTrail
			}
		}
		b = append(b, flags)
		b = appendHashes(b, t.Keys)
		b = appendHashes(b, t.Names)
		if t.span.ok {
			b = binary.AppendVarint(b, t.span.lo)
			b = binary.AppendUvarint(b, uint64(t.span.hi-t.span.lo))
		}
		b = appendStrings(b, t.accounts)
		b = appendStrings(b, t.regions)
		if t.shape != nil {
			b = appendString(b, t.shape.where)
			b = appendString(b, t.shape.message)
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

func appendHashes(b []byte, hs []uint64) []byte {
	b = binary.AppendUvarint(b, uint64(len(hs)))
	for _, h := range hs {
		b = binary.LittleEndian.AppendUint64(b, h)
	}
	return b
}

// decodedEntry is an entry read from an index file.
type decodedEntry struct {
	path string
	e    *indexEntry
}

// errIndexChecksum marks an index file whose checksum does not match its content.
var errIndexChecksum = errors.New("checksum mismatch: the file is damaged or cut short")

// decodeIndex reads an index file written for root. It checks, in order, the magic, the
// format version, the checksum, the key hashes' probe and the root, and reads every
// length against what is left: a damaged file is an error, never a panic nor a huge
// allocation.
func decodeIndex(data []byte, root string) ([]decodedEntry, error) {
	if len(data) < len(indexMagic) || string(data[:len(indexMagic)]) != indexMagic {
		return nil, errors.New("not a keypivot key index")
	}
	r := &indexReader{b: data, off: len(indexMagic)}
	if v := r.uvarint(); r.err != nil || v != indexVersion {
		if r.err != nil {
			return nil, errIndexChecksum
		}
		return nil, fmt.Errorf("format version %d, this keypivot reads version %d", v, indexVersion)
	}
	if len(data) < r.off+4 {
		return nil, errIndexChecksum
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return nil, errIndexChecksum
	}
	r.b = body
	if probe := r.u64(); r.err == nil && probe != hashString(hashProbe) {
		return nil, errors.New("written by a keypivot whose key hashes differ from this one's")
	}
	if got := r.str(); r.err == nil && got != root {
		return nil, fmt.Errorf("written for another archive (%q)", got)
	}
	n := r.count(minEntryBytes)
	// One allocation each for the entries, their tokens and their hashes (the bulk of the
	// file), and strings cut from one copy of the body: a large index loads in a few
	// allocations per entry, not a dozen.
	out := make([]decodedEntry, 0, n)
	ents := make([]indexEntry, n)
	toks := make([]Tokens, n)
	r.text = string(body)
	r.arena = make([]uint64, 0, (len(body)-r.off)/8)
	lists := map[string][]string{}
	prev := ""
	for i := 0; i < n && r.err == nil; i++ {
		shared := r.uvarint()
		rest := r.str()
		if r.err != nil {
			break
		}
		if shared > uint64(len(prev)) {
			r.fail("entry %d shares %d bytes of a %d-byte path", i+1, shared, len(prev))
			break
		}
		p := rest
		if shared > 0 {
			p = prev[:shared] + rest
		}
		if i > 0 && p <= prev {
			r.fail("entry %d (%s) out of order", i+1, p)
			break
		}
		prev = p
		e, t := &ents[i], &toks[i]
		e.disk, e.tokens = true, t
		e.sig = r.str()
		e.size = int64(r.uvarint())
		e.at = r.varint()
		flags := r.byte()
		t.OpaqueNames, t.RunInstances = flags&flagOpaqueNames != 0, flags&flagRunInstances != 0
		t.Keys = r.hashes()
		t.Names = r.hashes()
		if flags&flagSpan != 0 {
			lo := r.varint()
			t.span = timeSpan{lo: lo, hi: lo + int64(r.uvarint()), ok: true}
		}
		t.accounts = r.strs(lists)
		t.regions = r.strs(lists)
		if flags&flagShape != 0 {
			t.shape = &shapeProblem{where: r.str(), message: r.str(), notTrail: flags&flagNotTrail != 0}
		}
		if e.size > 1<<50 || !slices.IsSorted(t.Keys) || !slices.IsSorted(t.Names) {
			r.fail("entry %d (%s) is malformed", i+1, p)
		}
		out = append(out, decodedEntry{path: p, e: e})
	}
	if r.err == nil && r.off != len(r.b) {
		r.fail("%d bytes after the last entry", len(r.b)-r.off)
	}
	if r.err != nil {
		return nil, r.err
	}
	return out, nil
}

// indexReader reads the fields of an index file; the first error sticks, and every read
// after it returns zero values.
type indexReader struct {
	b   []byte
	off int
	err error
	// text is b as a string, once decoding entries: strings are cut from it. arena holds
	// the hashes read.
	text  string
	arena []uint64
}

func (r *indexReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("malformed at byte %d: %s", r.off, fmt.Sprintf(format, args...))
	}
}

func (r *indexReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail("bad number")
		return 0
	}
	r.off += n
	return v
}

// varint reads a signed number (binary.AppendVarint's zig-zag encoding).
func (r *indexReader) varint() int64 {
	u := r.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (r *indexReader) u64() uint64 {
	if r.err != nil || len(r.b)-r.off < 8 {
		r.fail("cut short")
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b[r.off:])
	r.off += 8
	return v
}

func (r *indexReader) byte() byte {
	if r.err != nil || r.off >= len(r.b) {
		r.fail("cut short")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

// count reads a count of items of at least each bytes, checked against what is left.
// minEntryBytes is the least an entry takes on disk (ten one-byte fields: shared prefix,
// path, signature, size, time, flags, keys, names, accounts, regions): an entry count is
// believed only up to what is left over that, so a damaged count cannot make the reader
// allocate far beyond the file's size.
const minEntryBytes = 10

func (r *indexReader) count(each int) int {
	n := r.uvarint()
	if r.err == nil && n > uint64((len(r.b)-r.off)/each) {
		r.fail("a count of %d exceeds what is left", n)
		return 0
	}
	return int(n)
}

func (r *indexReader) str() string {
	n := r.count(1)
	if r.err != nil {
		return ""
	}
	var s string
	if r.text != "" {
		s = r.text[r.off : r.off+n]
	} else {
		s = string(r.b[r.off : r.off+n])
	}
	r.off += n
	return s
}

// strs reads a list of strings; lists that are the same bytes (every file of a folder
// has the same account and region) share one slice.
func (r *indexReader) strs(lists map[string][]string) []string {
	start := r.off
	n := r.count(1)
	if n == 0 || r.err != nil {
		return nil
	}
	for range n { // to the end of the list, to look it up before making it
		r.off += r.count(1)
	}
	if r.err != nil {
		return nil
	}
	if l, ok := lists[string(r.b[start:r.off])]; ok {
		return l
	}
	end := r.off
	r.off = start
	r.count(1)
	out := make([]string, 0, n)
	for range n {
		out = append(out, r.str())
	}
	lists[r.text[start:end]] = out
	return out
}

func (r *indexReader) hashes() []uint64 {
	n := r.count(8)
	if r.err != nil || n == 0 {
		return nil
	}
	at := len(r.arena)
	for range n {
		r.arena = append(r.arena, binary.LittleEndian.Uint64(r.b[r.off:]))
		r.off += 8
	}
	return r.arena[at:len(r.arena):len(r.arena)]
}
