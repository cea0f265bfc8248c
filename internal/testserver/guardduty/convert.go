package guardduty

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/keypivot/keypivot/internal/testserver/httpkit"
)

// FromCLI converts a finding as `aws guardduty get-findings` prints it (PascalCase
// member names, timestamps as ISO strings) into the wire form the API sends and
// AddFindings takes (camelCase JSON names, timestamps as epoch seconds). Member names
// come from the GuardDuty model, so irregular ones map correctly (Latitude -> lat,
// Code -> productCodeId, IamInstanceProfile stays as it is) and map keys (anomaly
// profiles, affected resources) are left alone. Names the model does not know are
// lower-cased at the first letter. Wire-form input passes through unchanged.
func FromCLI(finding map[string]any) (map[string]any, error) {
	v, err := convert(finding, "Finding", "")
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// FromCLIOutput reads the whole output of `aws guardduty get-findings`
// ({"Findings":[...]}) or a bare array of findings, and converts each with FromCLI.
func FromCLIOutput(r io.Reader) ([]map[string]any, error) {
	v, err := httpkit.DecodeJSON[any](r)
	if err != nil {
		return nil, fmt.Errorf("guardduty testserver: reading findings: %w", err)
	}
	var list []any
	switch t := v.(type) {
	case map[string]any:
		raw, ok := t["Findings"]
		if !ok {
			raw, ok = t["findings"]
		}
		if !ok {
			return nil, fmt.Errorf("guardduty testserver: no Findings member in the document")
		}
		list, _ = raw.([]any)
	case []any:
		list = t
	default:
		return nil, fmt.Errorf("guardduty testserver: findings must be an object or an array")
	}
	out := make([]map[string]any, 0, len(list))
	for i, f := range list {
		m, ok := f.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("guardduty testserver: finding %d is not an object", i)
		}
		c, err := FromCLI(m)
		if err != nil {
			return nil, fmt.Errorf("guardduty testserver: finding %d: %w", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

func convert(v any, shapeName, path string) (any, error) {
	sh, known := shapes[shapeName]
	if !known {
		if m, ok := v.(map[string]any); ok && shapeName == "" {
			return httpkit.CopyJSON(m, lowerFirst), nil
		}
		return v, nil
	}
	if v == nil {
		return nil, nil
	}
	switch sh.kind {
	case kindStruct, kindMap:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: expected %s for %s, got %T", path, map[shapeKind]string{kindStruct: "an object", kindMap: "a map"}[sh.kind], shapeName, v)
		}
		out := make(map[string]any, len(m))
		for k, x := range m {
			name, elem := k, sh.elem // a map's keys are data, kept as they are
			if sh.kind == kindStruct {
				mem, found := lookupMember(sh, k)
				if !found {
					out[lowerFirst(k)] = httpkit.CopyJSON(x, lowerFirst)
					continue
				}
				name, elem = mem.wire, mem.shape
			}
			c, err := convert(x, elem, path+"."+k)
			if err != nil {
				return nil, err
			}
			out[name] = c
		}
		return out, nil
	case kindList:
		l, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: expected a list for %s, got %T", path, shapeName, v)
		}
		out := make([]any, len(l))
		for i, x := range l {
			c, err := convert(x, sh.elem, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case kindTimestamp:
		s, ok := v.(string)
		if !ok {
			return v, nil
		}
		t, err := parseCLITime(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)), nil
	}
	return v, nil
}

// lookupMember finds a structure member by its model name, its wire name, or the model
// name in another case (older CLI versions print GeoLocation's Lat/Lon, newer ones the
// same names; both are accepted).
func lookupMember(sh shape, key string) (member, bool) {
	if m, ok := sh.members[key]; ok {
		return m, true
	}
	for _, m := range sh.members {
		if m.wire == key {
			return m, true
		}
	}
	for name, m := range sh.members {
		if strings.EqualFold(name, key) {
			return m, true
		}
	}
	return member{}, false
}

func parseCLITime(s string) (time.Time, error) {
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999-07:00"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read timestamp %q", s)
}
