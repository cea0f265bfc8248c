package alertdoc

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keypivot/keypivot/investigate"
)

// FieldProblem is a field of an alert document whose value cannot be read as what the
// field holds: a risk score "high", an object where a rule name belongs, a timestamp
// that is no date. The mappers never turn such a value into a silent zero: they leave
// the field unset and say so, or drop the alert when it cannot be used without it.
type FieldProblem struct {
	// Field is the field as read: Elastic fields as the document names them
	// ("kibana.alert.risk_score"), AWS fields PascalCase whatever the document's case
	// ("Resources[0].Id"; "[i]" the i-th of the objects the path led to).
	Field string
	Got   string // the value found, short and quoted: `"high"`, "an object", "an array of 3 values"
	Want  string // what the field holds: "a number", "a date", ...
}

func (p FieldProblem) String() string { return p.Field + ": " + p.Got + " is not " + p.Want }

// UnusableError says a document is an alert or finding of its kind, but a field it
// cannot be used without (a usable time, its id) is unreadable: the alert is dropped.
type UnusableError struct {
	Want     string         // "an Elastic alert", "a GuardDuty finding", ...
	Reason   string         // "no usable time"
	Problems []FieldProblem // the fields that could not be read
}

func (e *UnusableError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("%s dropped, %s: %s", strings.TrimPrefix(strings.TrimPrefix(e.Want, "an "), "a "), e.Reason, strings.Join(parts, "; "))
}

// minAlertTime is the earliest time an alert about an AWS access key can carry: AWS
// issued its first access keys in 2006. An earlier time is a misread one, most often
// epoch seconds where Elasticsearch reads epoch milliseconds (1970).
var minAlertTime = time.Date(2006, 1, 1, 0, 0, 0, 0, time.UTC)

// fieldReader reads the fields of one document and checks their types, gathering the
// problems. Values are coerced as Elasticsearch coerces them when it indexes a document
// (es: the document is an Elastic one), so that what Kibana shows is what keypivot
// reads: numbers and booleans are valid keywords, numeric strings valid numbers
// ("coerce": true), "true"/"false" valid booleans, and a number is a date in epoch
// milliseconds (strict_date_optional_time||epoch_millis). Objects are never scalars.
//
// An array of one value is that value (the fields API and ES|QL wrap every value); an
// array of several distinct values where one is expected is a problem, read with one,
// except through first, for the fields where the first of several is meant.
type fieldReader struct {
	m      map[string]any
	fold   bool   // match keys case-insensitively when the exact key is absent (AWS)
	es     bool   // Elasticsearch coercion of dates
	prefix string // prepended to field names in problems (nested objects)
	bad    *[]FieldProblem
}

func newReader(m map[string]any, fold, es bool) fieldReader {
	return fieldReader{m: m, fold: fold, es: es, bad: new([]FieldProblem)}
}

// problems returns what the reader found wrong so far.
func (r fieldReader) problems() []FieldProblem { return *r.bad }

func (r fieldReader) report(path, got, want string) {
	*r.bad = append(*r.bad, FieldProblem{Field: r.prefix + path, Got: got, Want: want})
}

// get returns the raw value at path (nil when absent or null).
func (r fieldReader) get(path string) any {
	if r.m == nil {
		return nil
	}
	v, _ := lookup(r.m, path, r.fold)
	return v
}

func (r fieldReader) has(path string) bool { return r.get(path) != nil }

// values flattens v into its non-null elements, arrays of arrays included (bounded).
func values(v any) []any { return flatten(nil, v, 0, nonNull) }

func nonNull(v any) (any, bool) { return v, v != nil }

// scalar returns the one scalar at path. An object, or several distinct values, is a
// problem (want names the type for it); absent and empty arrays are not.
func (r fieldReader) scalar(path, want string) (any, bool) {
	v := r.get(path)
	if v == nil {
		return nil, false
	}
	if arr, ok := v.([]any); !ok {
		if _, obj := v.(map[string]any); obj {
			r.report(path, "an object", want)
			return nil, false
		}
		return v, true
	} else if len(arr) == 1 {
		if _, nested := arr[0].([]any); !nested {
			return r.scalarOf(path, arr[0], want)
		}
	}
	vs := values(v)
	var one any
	for _, e := range vs {
		if _, obj := e.(map[string]any); obj {
			r.report(path, "an array holding an object", want)
			return nil, false
		}
		switch {
		case one == nil:
			one = e
		case !sameScalar(one, e):
			r.report(path, "an array of "+investigate.Plural(len(vs), "value"), want+" (one value)")
			return nil, false
		}
	}
	return one, one != nil
}

func (r fieldReader) scalarOf(path string, v any, want string) (any, bool) {
	switch v.(type) {
	case nil:
		return nil, false
	case map[string]any:
		r.report(path, "an array holding an object", want)
		return nil, false
	}
	return v, true
}

func sameScalar(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

// first returns the first scalar at path, for fields where several values are normal
// and the first is meant (the grouped source.ip of a higher-order alert, a value
// gathered across an array of objects). Only a path holding no scalar but objects is a
// problem.
func (r fieldReader) first(path, want string) (any, bool) {
	v := r.get(path)
	if v == nil {
		return nil, false
	}
	vs := values(v)
	for _, e := range vs {
		if _, obj := e.(map[string]any); !obj {
			return e, true
		}
	}
	if len(vs) > 0 {
		r.report(path, describe(v), want)
	}
	return nil, false
}

// keywordOf reads a scalar as Elasticsearch reads a keyword: strings as they are,
// numbers and booleans formatted.
func keywordOf(v any) string { return investigate.ScalarString(v) }

// keyword reads a string field ("" when absent or unreadable).
func (r fieldReader) keyword(path string) string {
	v, ok := r.scalar(path, "a string")
	if !ok {
		return ""
	}
	return keywordOf(v)
}

// keywordAny returns the first non-empty keyword of paths; an unreadable one is
// reported and the next one tried.
func (r fieldReader) keywordAny(paths ...string) string { return firstNonEmpty(paths, r.keyword) }

// firstKeyword reads the first of several string values.
func (r fieldReader) firstKeyword(path string) string {
	v, ok := r.first(path, "a string")
	if !ok {
		return ""
	}
	return keywordOf(v)
}

// keywords reads a list of strings; objects in it are a problem and left out.
func (r fieldReader) keywords(path string) []string {
	var out []string
	reported := false
	for _, e := range values(r.get(path)) {
		if _, obj := e.(map[string]any); obj {
			r.reportOnce(&reported, path, e, "a string")
			continue
		}
		if s := keywordOf(e); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// reportOnce reports a value of a list that is not what was wanted, unless one was
// reported already: the others are left out quietly.
func (r fieldReader) reportOnce(reported *bool, path string, got any, want string) {
	if !*reported {
		r.report(path, describe(got), want)
		*reported = true
	}
}

// number reads a numeric field: a number, or a string that parses as one
// (Elasticsearch's default "coerce": true). NaN and infinities are no numbers.
func (r fieldReader) number(path string) (float64, bool) {
	v, ok := r.scalar(path, "a number")
	if !ok {
		return 0, false
	}
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f, true
		}
	}
	r.report(path, describe(v), "a number")
	return 0, false
}

// boolean reads true/false, or the strings "true" and "false" as Elasticsearch does.
func (r fieldReader) boolean(path string) (val, ok bool) {
	v, ok := r.scalar(path, "true or false")
	if !ok {
		return false, false
	}
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	r.report(path, describe(v), "true or false")
	return false, false
}

// ip reads an IP address field; a value that is no address is a problem (Elasticsearch's
// ip type rejects it). With first, the first of several addresses is read.
func (r fieldReader) ip(path string, first bool) string {
	var (
		v  any
		ok bool
	)
	if first {
		v, ok = r.first(path, "an IP address")
	} else {
		v, ok = r.scalar(path, "an IP address")
	}
	if !ok {
		return ""
	}
	s, isStr := v.(string)
	if !isStr {
		r.report(path, describe(v), "an IP address")
		return ""
	}
	s = strings.TrimSpace(s)
	if _, err := netip.ParseAddr(s); err != nil {
		r.report(path, describe(v), "an IP address")
		return ""
	}
	return s
}

func (r fieldReader) ipAny(first bool, paths ...string) string {
	for _, p := range paths {
		if s := r.ip(p, first); s != "" {
			return s
		}
	}
	return ""
}

// timeAt reads a date field. present says whether the field held anything at all, so
// that callers tell "no time" from "a time that cannot be read".
func (r fieldReader) timeAt(path string) (t time.Time, ok, present bool) {
	present = r.has(path)
	v, ok := r.scalar(path, "a date")
	if !ok {
		return time.Time{}, false, present
	}
	if r.es {
		t, ok = esTime(v)
	} else {
		t, ok = timeOf(v)
	}
	if !ok {
		r.report(path, describe(v), "a date")
		return time.Time{}, false, true
	}
	if t.Before(minAlertTime) {
		want := "a plausible alert time: it reads as " + t.UTC().Format(time.RFC3339Nano) + ", before AWS access keys existed"
		if _, num := v.(float64); num && r.es {
			want = "a plausible alert time: as epoch milliseconds, which Elasticsearch reads a number as, it is " +
				t.UTC().Format(time.RFC3339Nano) + " (epoch seconds?)"
		}
		r.report(path, describe(v), want)
		return time.Time{}, false, true
	}
	return t, true, true
}

// timeAny reads the first usable date of paths. unusable is set when a path held a
// value and none could be read: the document has a time, but no usable one.
func (r fieldReader) timeAny(paths ...string) (t time.Time, unusable bool) {
	for _, p := range paths {
		t, ok, present := r.timeAt(p)
		if ok {
			return t, false
		}
		unusable = unusable || present
	}
	return time.Time{}, unusable
}

// object returns a reader of the object at path (the first, when the path holds an array
// of them); an empty reader when there is none. A scalar there is a problem.
func (r fieldReader) object(path string) fieldReader {
	sub := fieldReader{fold: r.fold, es: r.es, prefix: r.prefix + path + ".", bad: r.bad}
	v := r.get(path)
	if v == nil {
		return sub
	}
	if m, ok := first(v).(map[string]any); ok {
		sub.m = m
		return sub
	}
	r.report(path, describe(v), "an object")
	return sub
}

// objects returns readers of the objects at path: an array of objects, or a single one.
// Scalars among them are a problem and left out.
func (r fieldReader) objects(path string) []fieldReader {
	v := r.get(path)
	_, arr := v.([]any)
	var out []fieldReader
	reported := false
	for i, e := range values(v) {
		m, ok := e.(map[string]any)
		if !ok {
			r.reportOnce(&reported, path, e, "an object")
			continue
		}
		p := r.prefix + path + "."
		if arr {
			p = r.prefix + path + "[" + strconv.Itoa(i) + "]."
		}
		out = append(out, fieldReader{m: m, fold: r.fold, es: r.es, prefix: p, bad: r.bad})
	}
	return out
}

// describe names a value for a problem, quoted and cut short: what an attacker put in a
// document reaches the analyst escaped, never raw.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return quoteShort(x)
	case float64:
		if math.Abs(x) >= 1e21 {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case map[string]any:
		return "an object"
	case []any:
		return "an array of " + investigate.Plural(len(x), "value")
	}
	return fmt.Sprintf("a %T", v)
}

// jsonKind names the kind of a decoded JSON value, for a record that is no document
// ("a JSON number, not an alert document"): what a value is, where describe says what
// it holds.
func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// maxQuoted bounds the characters of a value quoted in a problem.
const maxQuoted = 40

func quoteShort(s string) string {
	if utf8.RuneCountInString(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	n := 0
	for i := range s {
		if n == maxQuoted {
			return strconv.Quote(s[:i]) + fmt.Sprintf("... (%d bytes)", len(s))
		}
		n++
	}
	return strconv.Quote(s)
}

// esDateLayouts are the forms of Elasticsearch's strict_date_optional_time: a date,
// optionally a time to the hour, minute, second or fraction, optionally a zone (UTC
// without one).
var esDateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04",
	"2006-01-02T15Z07:00",
	"2006-01-02T15",
	"2006-01-02",
	"2006-01",
	"2006",
}

// esTime reads a date as Elasticsearch's default date format does:
// strict_date_optional_time, else epoch_millis (a number, or a string of one, in
// milliseconds). Other strings keypivot can read (the forms CloudTrail prints) are
// accepted too: Elasticsearch would have rejected the document, not misread it.
func esTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case float64:
		return epochMillis(x)
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return time.Time{}, false
		}
		for _, l := range esDateLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t.UTC(), true
			}
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return epochMillis(f)
		}
		return investigate.ParseLooseTime(s)
	}
	return time.Time{}, false
}

// maxEpochMillis bounds epoch milliseconds to what time.Time holds in nanoseconds.
const maxEpochMillis = float64(math.MaxInt64 / int64(time.Millisecond))

func epochMillis(f float64) (time.Time, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) >= maxEpochMillis {
		return time.Time{}, false
	}
	return time.Unix(0, int64(math.Round(f*1e3))*int64(time.Microsecond)).UTC(), true
}
