package investigate

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// APICall is one AWS call an action makes, shown to the analyst before it runs.
type APICall struct {
	Service   string         `json:"service"`   // iam, ec2
	Operation string         `json:"operation"` // UpdateAccessKey
	Region    string         `json:"region,omitempty"`
	Params    map[string]any `json:"params"`
}

// Param reads a string parameter ("" when absent or not a string).
func (c APICall) Param(name string) string {
	s, _ := c.Params[name].(string)
	return s
}

// ParamList reads a list of strings, as planned ([]string) or as read back from the
// journal's JSON ([]any); a lone string is a list of one.
func (c APICall) ParamList(name string) []string {
	switch x := c.Params[name].(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		return []string{x}
	}
	return nil
}

// ParamNumber reads a number, as planned (an int of any size, a float64) or as read
// back from the journal's JSON (a float64, or a json.Number from a decoder that keeps
// numbers); ok is false when absent or not a number.
func (c APICall) ParamNumber(name string) (float64, bool) {
	switch x := c.Params[name].(type) {
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// ParamInt reads a whole number (ParamNumber); ok is false when absent, not a number,
// or not whole.
func (c APICall) ParamInt(name string) (int, bool) {
	f, ok := c.ParamNumber(name)
	if !ok || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int(f), true
}

// String renders the call as the AWS CLI would spell it.
func (c APICall) String() string {
	var b strings.Builder
	b.WriteString("aws " + c.Service + " " + kebab(c.Operation))
	keys := make([]string, 0, len(c.Params))
	for k := range c.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := c.Params[k]
		switch x := v.(type) {
		case string:
			if strings.ContainsAny(x, " {\"") {
				x = "'" + x + "'"
			}
			fmt.Fprintf(&b, " --%s %s", kebab(k), x)
		case []string:
			fmt.Fprintf(&b, " --%s %s", kebab(k), strings.Join(x, " "))
		case bool:
			if x {
				fmt.Fprintf(&b, " --%s", kebab(k))
			} else {
				fmt.Fprintf(&b, " --no-%s", kebab(k))
			}
		default:
			fmt.Fprintf(&b, " --%s %v", kebab(k), x)
		}
	}
	if c.Region != "" {
		b.WriteString(" --region " + c.Region)
	}
	return b.String()
}

func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
