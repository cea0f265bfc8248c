package cloudtrail

import (
	"slices"

	"github.com/keypivot/keypivot/files/internal/pairscan"
)

// Tokens are what a file could match on, found in one pass over its bytes before any
// JSON is decoded: every access-key-shaped token (AKIA or ASIA and 16 of A-Z0-9, wherever
// it occurs) and every keyName value. A key occurs in a file exactly when its hash is in
// Keys (hash collisions only cost a parse), so Tokens decide the whole-file skip and,
// kept in an Index, answer later queries without reading the file again.
type Tokens struct {
	Keys  []uint64 // sorted, unique hashes of access key ids
	Names []uint64 // sorted, unique hashes of keyName values
	// OpaqueNames is set when a keyName value could not be read literally (escapes):
	// such a file must be parsed for any key pair query.
	OpaqueNames bool
	// RunInstances is set when the file mentions RunInstances.
	RunInstances bool
	// shape is what is wrong with the file's shape (checkShape): reported whenever the
	// tokens rule the file out, from a fresh scan or from the index.
	shape *shapeProblem
	// span, accounts and regions are the file's coverage facts (Stats), kept in the
	// index so that a file answered from it still says what it covers.
	span              timeSpan
	accounts, regions []string
}

// hashToken and hashString are stableHash (keyhash.go): the same in every process, so
// that an index kept on disk answers a later run.
func hashToken(b []byte) uint64 { return stableHash(b) }

func hashString(s string) uint64 { return stableHash(s) }

var (
	keyNameNeedle = []byte("keyName")
)

func isKeyChar(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

// scanTokens fills t from b, reusing t's storage.
func scanTokens(b []byte, t *Tokens) {
	t.Keys, t.Names, t.OpaqueNames, t.RunInstances, t.shape = t.Keys[:0], t.Names[:0], false, false, nil
	t.span, t.accounts, t.regions = timeSpan{}, nil, nil
	// Every key id contains "IA" at offset 2; the pair is rare elsewhere in CloudTrail.
	for i := 0; ; {
		j := pairscan.IndexPair(b[i:], 'I', 'A')
		if j < 0 {
			break
		}
		at := i + j - 2 // start of AKIA/ASIA
		i += j + 2
		if at < 0 || b[at] != 'A' || (b[at+1] != 'K' && b[at+1] != 'S') || at+20 > len(b) {
			continue
		}
		tok := b[at : at+20]
		ok := true
		for _, c := range tok[4:] {
			if !isKeyChar(c) {
				ok = false
				break
			}
		}
		if ok {
			t.Keys = appendNew(t.Keys, hashToken(tok))
			i = at + 4 // keys may overlap in a longer run of key characters
		}
	}
	for i := 0; ; {
		j := pairscan.IndexNeedle(b[i:], keyNameNeedle)
		if j < 0 {
			break
		}
		i += j + len(keyNameNeedle)
		v, ok := keyNameValue(b[i:])
		switch {
		case !ok:
			// keyName that is not a plain JSON member (a word in a message): nothing.
		case v == nil:
			t.OpaqueNames = true
		default:
			t.Names = append(t.Names, hashToken(v))
		}
	}
	if len(t.Names) > 0 || t.OpaqueNames {
		t.RunInstances = pairscan.IndexNeedle(b, runInstancesNeedle) >= 0
	}
	t.Keys = sortUnique(t.Keys)
	t.Names = sortUnique(t.Names)
}

// keyNameValue reads the value of a keyName member from just after the name:
// `": "value"` in a record, `\":\"value\"` inside a lookup-events CloudTrailEvent
// string. ok is false when b is not a member; v is nil when the value holds escapes or
// is not a string (opaque: it must be decoded to be compared).
func keyNameValue(b []byte) (v []byte, ok bool) {
	i := 0
	escaped := false
	if i < len(b) && b[i] == '\\' {
		escaped = true
		i++
	}
	if i >= len(b) || b[i] != '"' {
		return nil, false
	}
	i++
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	if i >= len(b) || b[i] != ':' {
		return nil, false
	}
	i++
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	if escaped {
		if i+1 >= len(b) || b[i] != '\\' || b[i+1] != '"' {
			return nil, true
		}
		i += 2
	} else {
		if i >= len(b) || b[i] != '"' {
			return nil, true // null, a number: decode to be sure
		}
		i++
	}
	start := i
	for i < len(b) {
		switch b[i] {
		case '"':
			if escaped {
				return nil, true
			}
			return b[start:i], true
		case '\\':
			if escaped && i+1 < len(b) && b[i+1] == '"' {
				return b[start:i], true
			}
			return nil, true
		}
		i++
	}
	return nil, true
}

// appendNew appends h unless it is one of the last few appended: a file's records
// repeat a handful of keys (the signer's, its principal's sessions) record after record,
// and the list is sorted once the file is scanned, so a short look back keeps it, and
// its sort, a fraction of the tokens' count.
func appendNew(s []uint64, h uint64) []uint64 {
	for i := len(s) - 1; i >= max(0, len(s)-4); i-- {
		if s[i] == h {
			return s
		}
	}
	return append(s, h)
}

func sortUnique(s []uint64) []uint64 {
	if len(s) < 2 {
		return s
	}
	slices.Sort(s)
	return slices.Compact(s)
}

func containsHash(sorted []uint64, h uint64) bool {
	_, ok := slices.BinarySearch(sorted, h)
	return ok
}

// clone copies t for keeping in an index.
func (t *Tokens) clone() *Tokens {
	return &Tokens{Keys: slices.Clip(slices.Clone(t.Keys)), Names: slices.Clip(slices.Clone(t.Names)), OpaqueNames: t.OpaqueNames, RunInstances: t.RunInstances, shape: t.shape,
		span: t.span, accounts: slices.Clip(slices.Clone(t.accounts)), regions: slices.Clip(slices.Clone(t.regions))}
}

func (t *Tokens) size() int64 {
	n := int64(8*(len(t.Keys)+len(t.Names))) + 96 + 72
	for _, s := range t.accounts {
		n += int64(len(s)) + 16
	}
	for _, s := range t.regions {
		n += int64(len(s)) + 16
	}
	if t.shape != nil {
		n += int64(len(t.shape.where) + len(t.shape.message) + 48)
	}
	return n
}
