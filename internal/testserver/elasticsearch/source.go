package elasticsearch

import (
	"encoding/json"
	"strconv"
	"strings"
)

// sourceFilter is the _source option of a search.
type sourceFilter struct {
	disabled bool
	includes []string
	excludes []string
}

func (f sourceFilter) apply(src map[string]any) (map[string]any, bool) {
	if f.disabled {
		return nil, false
	}
	if len(f.includes) == 0 && len(f.excludes) == 0 {
		return src, true
	}
	out := filterMap(src, "", f.includes, f.excludes)
	if out == nil {
		out = map[string]any{}
	}
	return out, true
}

func parseSourceFilter(v any) (sourceFilter, error) {
	switch t := v.(type) {
	case nil:
		return sourceFilter{}, nil
	case bool:
		return sourceFilter{disabled: !t}, nil
	case string:
		if b, ok := toBool(t); ok {
			return sourceFilter{disabled: !b}, nil
		}
		return sourceFilter{includes: splitList(t)}, nil
	case []any:
		return sourceFilter{includes: toStrings(t)}, nil
	case map[string]any:
		var f sourceFilter
		for k, x := range t {
			switch k {
			case "includes", "include":
				f.includes = toStrings(asList(x))
			case "excludes", "exclude":
				f.excludes = toStrings(asList(x))
			default:
				return f, parsingError("Unknown key for a %s in [%s].", tokenKind(x), k)
			}
		}
		return f, nil
	}
	return sourceFilter{}, parsingError("Unknown key for a %s in [_source].", tokenKind(v))
}

func toStrings(l []any) []string {
	out := make([]string, 0, len(l))
	for _, v := range l {
		out = append(out, stringify(v))
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// pathMatches reports whether a source filter pattern selects path: the pattern
// matches the path itself or an object the path lies in.
func pathMatches(pattern, path string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return path == pattern || (len(path) > len(pattern) && path[len(pattern)] == '.' && strings.HasPrefix(path, pattern))
	}
	return globMatch(pattern, path) || globMatch(pattern+".*", path)
}

// couldMatchUnder reports whether some path below prefix could match pattern: the
// pattern reaches past prefix+"." or a wildcard before that.
func couldMatchUnder(pattern, prefix string) bool {
	n := len(prefix) + 1 // prefix followed by "."
	for j := 0; j < n; j++ {
		if j >= len(pattern) {
			return false
		}
		c := byte('.')
		if j < len(prefix) {
			c = prefix[j]
		}
		switch pattern[j] {
		case '*':
			return true
		case '?':
		default:
			if pattern[j] != c {
				return false
			}
		}
	}
	return true
}

func filterMap(m map[string]any, prefix string, inc, exc []string) map[string]any {
	var out map[string]any
	for k, v := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if anyMatch(exc, p) {
			continue
		}
		var kept any
		switch {
		case len(inc) == 0 || anyMatch(inc, p):
			kept = filterValue(v, p, nil, exc)
		case anyCouldMatch(inc, p):
			if kept = filterValue(v, p, inc, exc); kept == nil {
				continue
			}
		default:
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = kept
	}
	return out
}

// filterValue filters below an object or array; inc nil means everything is included.
func filterValue(v any, path string, inc, exc []string) any {
	switch t := v.(type) {
	case map[string]any:
		if inc == nil && len(exc) == 0 {
			return t
		}
		r := filterMap(t, path, inc, exc)
		if r == nil {
			if inc == nil && len(t) == 0 {
				return map[string]any{}
			}
			return nil
		}
		return r
	case []any:
		var out []any
		for _, x := range t {
			switch x.(type) {
			case map[string]any, []any:
				if r := filterValue(x, path, inc, exc); r != nil {
					out = append(out, r)
				}
			default:
				if inc == nil {
					out = append(out, x)
				}
			}
		}
		if out == nil {
			if inc == nil {
				return []any{}
			}
			return nil
		}
		return out
	}
	if inc != nil {
		return nil
	}
	return v
}

func anyMatch(patterns []string, path string) bool {
	for _, p := range patterns {
		if pathMatches(p, path) {
			return true
		}
	}
	return false
}

func anyCouldMatch(patterns []string, path string) bool {
	for _, p := range patterns {
		if couldMatchUnder(p, path) {
			return true
		}
	}
	return false
}

// fieldSpec is one entry of the fields option.
type fieldSpec struct {
	pattern         string
	format          string
	includeUnmapped bool
}

func parseFieldSpecs(v any) ([]fieldSpec, error) {
	return parseEntries(v, func(pattern string) fieldSpec { return fieldSpec{pattern: pattern} },
		parseFieldObject, parsingError("[fields] entries must be strings or objects"))
}

// parseFieldObject reads {"field": ..., "format": ..., "include_unmapped": ...}.
func parseFieldObject(m map[string]any) ([]fieldSpec, error) {
	var f fieldSpec
	for k, y := range m {
		switch k {
		case "field":
			f.pattern = stringify(y)
		case "format":
			f.format = stringify(y)
		case "include_unmapped":
			f.includeUnmapped, _ = toBool(y)
		default:
			return nil, parsingError("[fields] unknown field [%s]", k)
		}
	}
	if f.pattern == "" {
		return nil, parsingError("[fields] requires a [field]")
	}
	return []fieldSpec{f}, nil
}

// hitFields builds a hit's "fields" object: the requested leaf fields, mapped ones
// (and runtime ones) always, unmapped ones only with include_unmapped.
func hitFields(c *evalCtx, d *doc, specs []fieldSpec) map[string]any {
	if len(specs) == 0 {
		return nil
	}
	out := map[string]any{}
	ix := c.index(d.index)
	leaves := leafValues(d.source)
	for p, vals := range leaves {
		if _, rt := c.runtime[p]; rt {
			continue
		}
		for _, f := range specs {
			if !globMatch(f.pattern, p) {
				continue
			}
			mapped := ix != nil && ix.isMapped(p)
			if !mapped && !f.includeUnmapped {
				continue
			}
			typ := ""
			if mapped {
				typ, _ = ix.fieldType(p)
			}
			out[p] = formatFieldValues(vals, typ, f.format)
			break
		}
	}
	for name, typ := range c.runtime {
		for _, f := range specs {
			if globMatch(f.pattern, name) {
				if vals := runtimeValues(d.source, name, typ); len(vals) > 0 {
					out[name] = formatFieldValues(vals, typ, f.format)
				}
				break
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func formatFieldValues(vals []any, typ, format string) []any {
	out := make([]any, 0, len(vals))
	for _, v := range vals {
		switch typ {
		case typeDate:
			if t, ok := toTime(v); ok {
				switch format {
				case "epoch_millis":
					out = append(out, strconv.FormatInt(t.UnixMilli(), 10))
				default:
					out = append(out, formatDate(t))
				}
				continue
			}
		case typeKeyword, typeIP:
			out = append(out, stringify(v))
			continue
		}
		out = append(out, v)
	}
	return out
}

func tokenKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "START_OBJECT"
	case []any:
		return "START_ARRAY"
	case string:
		return "VALUE_STRING"
	case json.Number:
		return "VALUE_NUMBER"
	case bool:
		return "VALUE_BOOLEAN"
	}
	return "VALUE_NULL"
}
