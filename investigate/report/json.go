package report

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// JSON writes v (a case or a key ranking) as indented JSON. Strings keep their values,
// but characters that could act on a terminal are written as \u escapes.
func JSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeJSON(w, b)
}

// CaseJSON writes a case in the schema of docs/case-schema.md, which promises every field
// on every object: it is encoded like encoding/json would, except that no field is ever
// left out. omitempty and omitzero are not obeyed (whichever type declares them), nil
// slices are written as [], nil maps as {}, nil pointers and zero times as null.
//
// After the case's own fields comes "counts": investigate.CaseCounts of the case, the
// numbers the other faces print, counted once, so that a script need not count them
// again (and count them differently).
func CaseJSON(w io.Writer, c *investigate.Case) error {
	b, err := appendComplete(nil, reflect.ValueOf(caseWithCounts{Case: c, Counts: investigate.CaseCounts(c)}))
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return err
	}
	return writeJSON(w, out.Bytes())
}

// caseWithCounts is a case as CaseJSON writes it: its fields, then its counts.
type caseWithCounts struct {
	*investigate.Case
	Counts investigate.Counts `json:"counts"`
}

// writeJSON writes a document with the values of secret-named members (sessionToken,
// secretAccessKey, password, ...) redacted and every character that could act on a
// terminal escaped: the one exit of every JSON output, CLI and TUI exports alike.
func writeJSON(w io.Writer, b []byte) error {
	b = append(sanitize.JSON(sanitize.RedactRecord(b)), '\n')
	_, err := w.Write(b)
	return err
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	jsonMarshaler     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// appendComplete appends the complete JSON encoding of v to dst (see CaseJSON).
func appendComplete(dst []byte, v reflect.Value) ([]byte, error) {
	t := v.Type()
	switch {
	case t == timeType:
		if v.Interface().(time.Time).IsZero() {
			return append(dst, "null"...), nil
		}
		return appendMarshal(dst, v)
	case t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface &&
		(t.Implements(jsonMarshaler) || t.Implements(textMarshalerType)):
		return appendMarshal(dst, v)
	case v.CanAddr() && (reflect.PointerTo(t).Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(textMarshalerType)):
		return appendMarshal(dst, v.Addr())
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return append(dst, "null"...), nil
		}
		return appendComplete(dst, v.Elem())
	case reflect.Struct:
		dst = append(dst, '{')
		first := true
		var err error
		dst, err = appendFields(dst, v, &first)
		return append(dst, '}'), err
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return appendMarshal(dst, v) // bytes: base64, as encoding/json writes them
		}
		fallthrough
	case reflect.Array:
		dst = append(dst, '[')
		for i := range v.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendComplete(dst, v.Index(i)); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return appendMarshal(dst, v)
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendMarshal(dst, reflect.ValueOf(k.String())); err != nil {
				return dst, err
			}
			dst = append(dst, ':')
			if dst, err = appendComplete(dst, v.MapIndex(k)); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	return appendMarshal(dst, v)
}

// appendFields appends the fields of struct v, inlining untagged embedded structs as
// encoding/json does.
func appendFields(dst []byte, v reflect.Value, first *bool) ([]byte, error) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",string,") {
			return dst, fmt.Errorf("report: %s.%s: the ,string option is not supported", t, f.Name)
		}
		fv := v.Field(i)
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
				if fv.IsNil() {
					continue
				}
				fv = fv.Elem()
			}
			if ft.Kind() == reflect.Struct {
				var err error
				if dst, err = appendFields(dst, fv, first); err != nil {
					return dst, err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if !*first {
			dst = append(dst, ',')
		}
		*first = false
		var err error
		if dst, err = appendMarshal(dst, reflect.ValueOf(name)); err != nil {
			return dst, err
		}
		dst = append(dst, ':')
		if dst, err = appendComplete(dst, fv); err != nil {
			return dst, fmt.Errorf("%s: %w", name, err)
		}
	}
	return dst, nil
}

func appendMarshal(dst []byte, v reflect.Value) ([]byte, error) {
	b, err := json.Marshal(v.Interface())
	return append(dst, b...), err
}
