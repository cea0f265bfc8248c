package investigate

import (
	"encoding/json"
	"strconv"
	"strings"
)

// object is a decoded JSON object, with helpers to read nested values without panics.
type object map[string]any

// decodeObject decodes raw into an object; nil when raw is not a JSON object.
func decodeObject(raw json.RawMessage) object {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

// get follows a dotted path through nested objects.
func (o object) get(path string) any {
	var cur any = map[string]any(o)
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// str reads a string (numbers and booleans are formatted).
func (o object) str(path string) string { return ScalarString(o.get(path)) }

// ScalarString is a decoded JSON scalar as text: strings as they are, numbers (float64
// or json.Number) without exponent noise, booleans as true or false; "" for anything
// else.
func ScalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// items reads CloudTrail's {"items":[...]} lists (and bare arrays) as objects.
func (o object) items(path string) []object {
	v := o.get(path)
	if m, ok := v.(map[string]any); ok {
		v = m["items"]
	}
	arr, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]object, 0, len(arr))
	for _, it := range arr {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func (o object) int(path string) int {
	switch x := o.get(path).(type) {
	case float64:
		return int(x)
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return 0
}

// SetPath sets v at path in a decoded JSON object, making the objects on the way.
func SetPath(m map[string]any, path []string, v any) {
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}
