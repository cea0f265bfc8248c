// Package alertdoc maps alert documents of every source (Elastic Security alerts, ES|QL
// rows, GuardDuty findings, Security Hub ASFF findings) onto investigate.Alert, and reads
// alert exports from local files (Parse, FileSource).
//
// The mapping functions (FromElastic, FromESQL, FromGuardDuty, FromASFF) take decoded JSON
// and know nothing of files, so live adapters can call them on what their APIs return.
// Their Map* forms (MapElastic, MapESQL, MapGuardDuty, MapASFF) also return the fields
// of the wrong type they left unset (FieldProblem); an alert that cannot be used without
// such a field (no usable time) is an *UnusableError. Parse and FileSource report both.
// Doc is the lenient field getter they share: alert documents mix flat dotted keys
// ("kibana.alert.rule.name") with nested objects ({"source":{"ip":...}}), wrap values in
// arrays, and AWS prints the same finding PascalCase or camelCase.
//
// It imports investigate for the types it fills and the interfaces it implements, and
// files and files/jsonstream for the reading it shares with the other file readers;
// never aws, elastic or tui, which call its mapping functions instead.
package alertdoc

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// Doc is one decoded JSON document (encoding/json's map[string]any) read leniently.
//
// A path is a dotted field name. Lookup tries, at each level: the rest of the path as one
// flat key ("kibana.alert.rule.name"), then every split of it into a key and a nested rest
// ({"kibana":{"alert":...}}, {"kibana.alert":{"rule":...}}), and only when none exists, the
// same keys compared case-insensitively (GuardDuty's "Service" and "service"). Arrays of
// objects on the way are searched element by element, as Elasticsearch flattens them.
type Doc map[string]any

// maxFoldCandidates bounds the case-insensitive candidates tried at one level, so that a
// hostile document with many keys differing only in case cannot make a lookup slow.
const maxFoldCandidates = 8

// Get returns the value at path: a scalar, an object, or an array (when the document
// holds one, or when the path crossed an array of objects). ok is false when the path
// is absent or null.
func (d Doc) Get(path string) (v any, ok bool) {
	if d == nil || path == "" {
		return nil, false
	}
	return lookup(d, path, true)
}

// Has reports whether path holds a non-null value.
func (d Doc) Has(path string) bool {
	_, ok := d.Get(path)
	return ok
}

// Str returns the first scalar at path as a string (numbers and booleans formatted),
// or "" when there is none.
func (d Doc) Str(path string) string {
	v, _ := d.Get(path)
	return strOf(v)
}

// StrAny returns the first non-empty Str of paths.
func (d Doc) StrAny(paths ...string) string { return firstNonEmpty(paths, d.Str) }

// firstNonEmpty returns the first non-empty get of paths, "" when there is none.
func firstNonEmpty(paths []string, get func(path string) string) string {
	for _, p := range paths {
		if s := get(p); s != "" {
			return s
		}
	}
	return ""
}

// Strs returns every scalar at path, arrays flattened, empty strings and objects left out.
func (d Doc) Strs(path string) []string {
	v, _ := d.Get(path)
	return strsOf(v)
}

// Float returns the first scalar at path as a number (numeric strings accepted).
func (d Doc) Float(path string) (float64, bool) {
	v, _ := d.Get(path)
	return floatOf(v)
}

func floatOf(v any) (float64, bool) {
	switch x := first(v).(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

// Bool returns the first scalar at path as a boolean ("true"/"false" strings accepted).
func (d Doc) Bool(path string) (val, ok bool) {
	v, _ := d.Get(path)
	switch x := first(v).(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		return b, err == nil
	}
	return false, false
}

// Time returns the first scalar at path as a time: RFC 3339 and the other forms
// investigate.ParseLooseTime reads, or epoch seconds/milliseconds as a number.
func (d Doc) Time(path string) (time.Time, bool) {
	v, _ := d.Get(path)
	return timeOf(v)
}

func timeOf(v any) (time.Time, bool) {
	switch x := first(v).(type) {
	case string:
		return investigate.ParseLooseTime(x)
	case float64:
		return investigate.ParseLooseTime(strconv.FormatFloat(x, 'f', -1, 64))
	case json.Number:
		return investigate.ParseLooseTime(x.String())
	}
	return time.Time{}, false
}

// TimeAny returns the first time found at paths.
func (d Doc) TimeAny(paths ...string) (time.Time, bool) {
	for _, p := range paths {
		if t, ok := d.Time(p); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

// Object returns the object at path (the first, when the path holds an array of them).
func (d Doc) Object(path string) Doc {
	v, _ := d.Get(path)
	if m, ok := first(v).(map[string]any); ok {
		return m
	}
	return nil
}

// Objects returns the objects at path: an array of objects, or a single one.
func (d Doc) Objects(path string) []Doc {
	v, ok := d.Get(path)
	if !ok {
		return nil
	}
	return flatten(nil, v, 0, asDoc)
}

func asDoc(v any) (Doc, bool) {
	m, ok := v.(map[string]any)
	return m, ok
}

// flatten appends to dst what take keeps of v: of each element of an array, arrays of
// arrays walked into down to maxArrayDepth, and of v itself when it is no array.
func flatten[T any](dst []T, v any, depth int, take func(any) (T, bool)) []T {
	if x, ok := v.([]any); ok {
		if depth > maxArrayDepth {
			return dst
		}
		for _, e := range x {
			dst = flatten(dst, e, depth+1, take)
		}
		return dst
	}
	if t, ok := take(v); ok {
		dst = append(dst, t)
	}
	return dst
}

// maxArrayDepth bounds the nesting of arrays that flatten and first walk into.
const maxArrayDepth = 8

func strOf(v any) string { return investigate.ScalarString(first(v)) }

func strsOf(v any) []string { return flatten(nil, v, 0, nonEmptyString) }

func nonEmptyString(v any) (string, bool) {
	s := investigate.ScalarString(v)
	return s, s != ""
}

// exactDoc reads like Doc but matches keys case-sensitively, as Elasticsearch does: an
// Elastic document's "Source.IP" is not its "source.ip", and exact lookups of absent
// fields need not scan every key.
type exactDoc map[string]any

func (d exactDoc) get(path string) any {
	v, _ := lookup(d, path, false)
	return v
}

func (d exactDoc) has(path string) bool   { return d.get(path) != nil }
func (d exactDoc) str(path string) string { return strOf(d.get(path)) }

// lookup finds path in m: flat key, then every split into key + nested rest, then (with
// fold) the same case-insensitively.
func lookup(m map[string]any, path string, fold bool) (any, bool) {
	if v, ok := m[path]; ok && v != nil {
		return v, true
	}
	for i := 0; i < len(path); i++ {
		if path[i] != '.' {
			continue
		}
		if c, ok := m[path[:i]]; ok {
			if v, ok := descend(c, path[i+1:], fold); ok {
				return v, true
			}
		}
	}
	if !fold {
		return nil, false
	}
	return lookupFold(m, path)
}

// lookupFold is lookup's case-insensitive fallback. Candidates are tried in a fixed order
// (whole key before prefixes, shorter prefixes first, then byte order) so that a document
// holding both "Id" and "id" always gives the same answer.
func lookupFold(m map[string]any, path string) (any, bool) {
	var cands []string
	for k := range m {
		if len(k) > len(path) || k == path {
			continue
		}
		if len(k) < len(path) && path[len(k)] != '.' {
			continue
		}
		if k == path[:len(k)] {
			continue // tried exactly already
		}
		if strings.EqualFold(k, path[:len(k)]) {
			cands = append(cands, k)
		}
	}
	if len(cands) == 0 {
		return nil, false
	}
	slices.SortFunc(cands, func(a, b string) int {
		if len(a) != len(b) {
			// The whole path first, then the shortest prefix.
			switch {
			case len(a) == len(path):
				return -1
			case len(b) == len(path):
				return 1
			}
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	if len(cands) > maxFoldCandidates {
		cands = cands[:maxFoldCandidates]
	}
	for _, k := range cands {
		c := m[k]
		if len(k) == len(path) {
			if c != nil {
				return c, true
			}
			continue
		}
		if v, ok := descend(c, path[len(k)+1:], true); ok {
			return v, true
		}
	}
	return nil, false
}

// descend continues a lookup in c: an object, or an array of objects whose matches are
// gathered into one array.
func descend(c any, rest string, fold bool) (any, bool) {
	switch x := c.(type) {
	case map[string]any:
		return lookup(x, rest, fold)
	case []any:
		var out []any
		for _, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				continue
			}
			v, ok := lookup(m, rest, fold)
			if !ok {
				continue
			}
			if arr, ok := v.([]any); ok {
				out = append(out, arr...)
			} else {
				out = append(out, v)
			}
		}
		switch len(out) {
		case 0:
			return nil, false
		case 1:
			return out[0], true
		}
		return out, true
	}
	return nil, false
}

// first returns the first non-null element of an array (depth-first), or v itself.
func first(v any) any {
	for depth := 0; depth <= maxArrayDepth; depth++ {
		arr, ok := v.([]any)
		if !ok {
			return v
		}
		v = nil
		for _, e := range arr {
			if e != nil {
				v = e
				break
			}
		}
	}
	return nil
}
