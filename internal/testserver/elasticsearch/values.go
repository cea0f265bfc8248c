package elasticsearch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/keypivot/keypivot/internal/testserver/httpkit"
)

// normalize deep-copies v into the JSON value model the server works on: map[string]any,
// []any, string, bool, nil and json.Number. Values of other Go types (structs, typed
// slices, time.Time) go through encoding/json.
func normalize(v any) (any, error) {
	switch t := v.(type) {
	case nil, string, bool, json.Number:
		return t, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			n, err := normalize(x)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			n, err := normalize(x)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out, nil
	case int:
		return json.Number(strconv.FormatInt(int64(t), 10)), nil
	case int32:
		return json.Number(strconv.FormatInt(int64(t), 10)), nil
	case int64:
		return json.Number(strconv.FormatInt(t, 10)), nil
	case uint64:
		return json.Number(strconv.FormatUint(t, 10)), nil
	case float32:
		return floatNumber(float64(t))
	case float64:
		return floatNumber(t)
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeJSON(b)
}

func floatNumber(f float64) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("number %v cannot be stored", f)
	}
	return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), nil
}

func decodeJSON(b []byte) (any, error) { return httpkit.DecodeJSON[any](bytes.NewReader(b)) }

// sourceValues returns the leaf values at a dotted field path, the way Elasticsearch
// reads _source: a path may be spelled as nested objects ("aws":{"cloudtrail":{...}}),
// as a flat dotted key ("kibana.alert.uuid"), or any mix; arrays are flattened.
// Objects found at the path itself are returned as they are.
func sourceValues(m map[string]any, path string) []any {
	var out []any
	collectValues(m, path, &out)
	return out
}

func collectValues(m map[string]any, path string, out *[]any) {
	if v, ok := m[path]; ok {
		appendFlat(v, out)
	}
	for i := 0; i < len(path); i++ {
		if path[i] == '.' {
			if v, ok := m[path[:i]]; ok {
				descend(v, path[i+1:], out)
			}
		}
	}
}

func descend(v any, rest string, out *[]any) {
	switch t := v.(type) {
	case map[string]any:
		collectValues(t, rest, out)
	case []any:
		for _, x := range t {
			descend(x, rest, out)
		}
	}
}

func appendFlat(v any, out *[]any) {
	switch t := v.(type) {
	case nil:
	case []any:
		for _, x := range t {
			appendFlat(x, out)
		}
	default:
		*out = append(*out, t)
	}
}

// leafValues flattens a document into its leaf field paths, each with its values in
// document order (arrays flattened, arrays of objects merged per path). Nulls are
// skipped, as Elasticsearch does.
func leafValues(m map[string]any) map[string][]any {
	out := map[string][]any{}
	walkScalars(m, "", func(p string, v any) { out[p] = append(out[p], v) })
	return out
}

// walkScalars calls fn for every non-null scalar with its dotted path.
func walkScalars(v any, prefix string, fn func(path string, v any)) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			walkScalars(x, p, fn)
		}
	case []any:
		for _, x := range t {
			walkScalars(x, prefix, fn)
		}
	case nil:
	default:
		if prefix != "" {
			fn(prefix, t)
		}
	}
}

// Field types the server understands (Elasticsearch mapping types).
const (
	typeKeyword = "keyword"
	typeText    = "text"
	typeDate    = "date"
	typeLong    = "long"
	typeDouble  = "double"
	typeFloat   = "float"
	typeBoolean = "boolean"
	typeIP      = "ip"
	typeObject  = "object"
)

// inferType guesses the dynamic mapping type of a value the way Elasticsearch's dynamic
// mapping would (date detection on strict_date_optional_time strings).
func inferType(v any) string {
	switch t := v.(type) {
	case bool:
		return typeBoolean
	case json.Number:
		if _, err := t.Int64(); err == nil {
			return typeLong
		}
		return typeFloat
	case string:
		if len(t) >= 10 && t[4] == '-' && t[7] == '-' {
			if _, ok := parseStrictDate(t); ok {
				return typeDate
			}
		}
		return typeKeyword
	case map[string]any:
		return typeObject
	}
	return typeKeyword
}

func isNumericType(t string) bool {
	switch t {
	case typeLong, typeDouble, typeFloat, "integer", "short", "byte", "half_float", "scaled_float", "unsigned_long":
		return true
	}
	return false
}

// dateLayouts are the forms of strict_date_optional_time the server accepts.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02T15",
	"2006-01-02",
	"2006-01",
	"2006",
}

// parseStrictDate parses an ISO 8601 date as strict_date_optional_time does.
func parseStrictDate(s string) (time.Time, bool) {
	if len(s) < 4 || s[0] < '0' || s[0] > '9' {
		return time.Time{}, false
	}
	for _, l := range dateLayouts {
		if len(l) == 4 && len(s) != 4 {
			continue
		}
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// toTime converts a stored or requested date value: an ISO string, or epoch milliseconds
// (a number, or a numeric string, as the default strict_date_optional_time||epoch_millis
// format allows).
func toTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case string:
		if d, ok := parseStrictDate(t); ok {
			return d, true
		}
		if ms, err := strconv.ParseInt(t, 10, 64); err == nil {
			return time.UnixMilli(ms).UTC(), true
		}
		if f, err := strconv.ParseFloat(t, 64); err == nil {
			return time.UnixMilli(int64(f)).UTC(), true
		}
	case json.Number:
		if ms, err := t.Int64(); err == nil {
			return time.UnixMilli(ms).UTC(), true
		}
		if f, err := t.Float64(); err == nil {
			return time.UnixMilli(int64(f)).UTC(), true
		}
	case float64:
		return time.UnixMilli(int64(t)).UTC(), true
	case int64:
		return time.UnixMilli(t).UTC(), true
	case int:
		return time.UnixMilli(int64(t)).UTC(), true
	}
	return time.Time{}, false
}

// int64Of reads an integer written as a JSON number or a decimal string.
func int64Of(v any) (int64, bool) {
	switch v.(type) {
	case json.Number, string:
		i, err := strconv.ParseInt(stringify(v), 10, 64)
		return i, err == nil
	}
	return 0, false
}

// toFloat reads a number the way Elasticsearch coerces one: a JSON number, or a string
// that holds one, spaces around it allowed.
func toFloat(v any) (float64, bool) {
	if s, ok := v.(string); ok {
		v = strings.TrimSpace(s)
	}
	return httpkit.Number(v)
}

func toBool(v any) (bool, bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		switch t {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// stringify renders a scalar the way a keyword field indexes it.
func stringify(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case nil:
		return ""
	case map[string]any, []any:
		b, _ := json.Marshal(t)
		return string(b)
	}
	return fmt.Sprint(v)
}

// formatDate renders a date as Elasticsearch does in ES|QL results and in formatted
// sort values.
func formatDate(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// parseIPOrPrefix accepts an address or a CIDR block (a term query on an ip field may
// name either).
func parseIPOrPrefix(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// globMatch matches s against a pattern where '*' matches any run and '?' one character
// (the Elasticsearch wildcard syntax used in index patterns, _source filters, field
// patterns and wildcard queries).
func globMatch(pattern, s string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return pattern == s
	}
	if isASCII(pattern) && isASCII(s) {
		return glob([]byte(pattern), []byte(s))
	}
	return glob([]rune(pattern), []rune(s))
}

// glob is globMatch over bytes (ASCII text) or runes.
func glob[C byte | rune](p, n []C) bool {
	pi, ni, star, mark := 0, 0, -1, 0
	for ni < len(n) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == n[ni]):
			pi++
			ni++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ni
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ni = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// parseDuration parses Elasticsearch time units (d, h, m, s, ms, micros, nanos).
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		unit   time.Duration
	}{
		{"nanos", time.Nanosecond}, {"micros", time.Microsecond}, {"ms", time.Millisecond},
		{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second},
	}
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			n, err := strconv.ParseFloat(strings.TrimSuffix(s, u.suffix), 64)
			if err != nil || n < 0 {
				break
			}
			return time.Duration(n * float64(u.unit)), nil
		}
	}
	return 0, fmt.Errorf("failed to parse setting [keep_alive] with value [%s] as a time value: unit is missing or unrecognized", s)
}

// sortedKeys returns the keys of a map in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// asList accepts one value or a list of values.
func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	if reflect.TypeOf(v).Kind() == reflect.Slice {
		rv := reflect.ValueOf(v)
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out
	}
	return []any{v}
}

// parseEntries reads an option whose entries (one, or a list) are each a string, its
// short form, or an object that may stand for several entries, as sort and fields are:
// short reads a string, long an object. Any other entry is the error malformed.
func parseEntries[T any](v any, short func(string) T, long func(map[string]any) ([]T, error), malformed error) ([]T, error) {
	var out []T
	for _, x := range asList(v) {
		switch t := x.(type) {
		case string:
			out = append(out, short(t))
		case map[string]any:
			entries, err := long(t)
			if err != nil {
				return nil, err
			}
			out = append(out, entries...)
		default:
			return nil, malformed
		}
	}
	return out, nil
}
