package httpkit

import (
	"encoding/json"
	"strconv"
)

// CopyJSON copies a value decoded from JSON: objects and arrays are copied all the way
// down, other values are shared. With rename, every object's member names are passed
// through it (nil keeps them as they are).
func CopyJSON(v any, rename func(string) string) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if rename != nil {
				k = rename(k)
			}
			out[k] = CopyJSON(x, rename)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = CopyJSON(x, rename)
		}
		return out
	}
	return v
}

// Number reads a number from a value decoded from JSON: a json.Number (as DecodeJSON
// decodes them), a float64, int64 or int a server put there itself, or a string that
// holds one exactly (no spaces), as the AWS CLI and Elasticsearch accept. Anything else
// is not a number.
func Number(v any) (float64, bool) {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case float64:
		return t, true
	case int64:
		return float64(t), true
	case int:
		return float64(t), true
	case string:
		f, err := strconv.ParseFloat(t, 64)
		return f, err == nil
	}
	return 0, false
}
