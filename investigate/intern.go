package investigate

import (
	"bytes"
	"encoding/json"
	"reflect"
	"runtime"
	"sync"
	"unicode/utf8"
	"unique"
	"weak"
)

// Interning. A key's events repeat a few values millions of times: its event sources
// and names, regions, source addresses, user agents, account ids and the ARNs of its
// identities. DecodeRecord holds each such value once, however many events carry it,
// through the unique package: one copy a value while any event holds it, dropped by the
// garbage collector when none does (a long session that drops a case keeps nothing of
// it), safe from every goroutine that decodes.

// maxInterned bounds the values interned: longer ones (an error message that quotes an
// encoded authorisation failure, parameters naming one object) are seldom repeated, and
// are held as they come.
const maxInterned = 512

// Intern returns the canonical copy of s: equal strings interned anywhere share one
// copy. Adapters that build events without DecodeRecord use it for repeated values.
func Intern(s string) string {
	if len(s) == 0 || len(s) > maxInterned {
		return s
	}
	return unique.Make(s).Value()
}

// internBytes is Intern of b's bytes. The conversion's copy is short-lived: the domain
// does not reach for unsafe to save it (the layering test holds investigate to that).
func internBytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxInterned {
		return string(b)
	}
	return unique.Make(string(b)).Value()
}

// internedString decodes a JSON string (or null) to its interned value.
type internedString string

func (s *internedString) UnmarshalJSON(p []byte) error {
	if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' && bytes.IndexByte(p[1:len(p)-1], '\\') < 0 && utf8.Valid(p[1:len(p)-1]) {
		// No escape, valid UTF-8: the value is the bytes between the quotes (encoding/json
		// has checked the input is valid JSON); otherwise encoding/json decodes it (and
		// replaces invalid UTF-8, as it always has).
		*s = internedString(internBytes(p[1 : len(p)-1]))
		return nil
	}
	if string(p) == "null" {
		return nil
	}
	var v string
	if err := json.Unmarshal(p, &v); err != nil {
		// A type error, so that encoding/json names the field it was found in.
		return &json.UnmarshalTypeError{Value: jsonKind(p), Type: reflect.TypeFor[string]()}
	}
	*s = internedString(Intern(v))
	return nil
}

// rawValue is a JSON value as a slice of the input being decoded, not a copy of it
// (json.RawMessage copies): DecodeRecord finds requestParameters and responseElements
// in the record by where these slices start.
type rawValue []byte

func (r *rawValue) UnmarshalJSON(p []byte) error {
	*r = p
	return nil
}

// within returns the offsets of sub in whole when sub is a slice of whole's memory.
func within(whole, sub []byte) (start, end int, ok bool) {
	if len(sub) == 0 {
		return 0, 0, false
	}
	off := cap(whole) - cap(sub)
	if off < 0 || off+len(sub) > len(whole) || &whole[off] != &sub[0] {
		return 0, 0, false
	}
	return off, off + len(sub), true
}

// identities holds the Identity every event of one caller shares: a key's events carry
// a handful of identities (the key's user, its sessions), 176 bytes each. An entry lives
// while an event holds its Identity: the garbage collector drops it afterwards.
var identities = struct {
	sync.Mutex
	m map[Identity]weak.Pointer[Identity]
}{m: map[Identity]weak.Pointer[Identity]{}}

// internIdentity returns the shared Identity equal to id.
func internIdentity(id Identity) *Identity {
	identities.Lock()
	defer identities.Unlock()
	if p := identities.m[id].Value(); p != nil {
		return p
	}
	p := new(Identity)
	*p = id
	w := weak.Make(p)
	identities.m[id] = w
	runtime.AddCleanup(p, func(id Identity) {
		identities.Lock()
		defer identities.Unlock()
		if identities.m[id] == w {
			delete(identities.m, id)
		}
	}, id)
	return p
}
