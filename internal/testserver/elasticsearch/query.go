package elasticsearch

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// evalCtx is what evaluating a query against a document needs: the indices the
// documents belong to (for their mappings) and the request's runtime fields.
type evalCtx struct {
	s       *Server
	indices map[string]*index // overrides s.indices (a point in time's snapshot)
	runtime map[string]string // runtime field -> type
	now     time.Time
}

func (c *evalCtx) index(name string) *index {
	if c.indices != nil {
		if ix, ok := c.indices[name]; ok {
			return ix
		}
	}
	return c.s.indices[name]
}

// field returns the values of field in d as the index sees them, the field's type, and
// whether the field is searchable at all (runtime, metadata, or mapped).
func (c *evalCtx) field(d *doc, field string) ([]any, string, bool) {
	if typ, ok := c.runtime[field]; ok {
		return runtimeValues(d.source, field, typ), typ, true
	}
	switch field {
	case "_id":
		return []any{d.id}, typeKeyword, true
	case "_index":
		return []any{d.index}, typeKeyword, true
	}
	ix := c.index(d.index)
	if ix == nil {
		return nil, "", false
	}
	if ix.isMapped(field) {
		vals := d.sourceValues(field)
		typ, ok := ix.fieldType(field)
		if !ok && len(vals) > 0 {
			typ = inferType(vals[0])
		}
		return vals, typ, true
	}
	if base, ok := strings.CutSuffix(field, ".keyword"); ok && ix.mapping.Dynamic {
		vals := d.sourceValues(base)
		return stringsOf(vals), typeKeyword, true
	}
	return nil, "", false
}

func stringsOf(vals []any) []any {
	out := make([]any, 0, len(vals))
	for _, v := range vals {
		if _, isObj := v.(map[string]any); isObj {
			continue
		}
		out = append(out, stringify(v))
	}
	return out
}

// runtimeValues reads a script-less runtime field: the _source values at the same path,
// converted to the runtime type (values that do not convert are dropped, as the
// runtime field would ignore them).
func runtimeValues(src map[string]any, field, typ string) []any {
	var out []any
	for _, v := range sourceValues(src, field) {
		if _, isObj := v.(map[string]any); isObj {
			continue
		}
		switch {
		case typ == typeKeyword || typ == typeIP:
			out = append(out, stringify(v))
		case typ == typeDate:
			if t, ok := toTime(v); ok {
				out = append(out, formatDate(t))
			}
		case typ == typeBoolean:
			if b, ok := toBool(v); ok {
				out = append(out, b)
			}
		case isNumericType(typ):
			if f, ok := toFloat(v); ok {
				if typ == typeLong {
					out = append(out, json.Number(strconv.FormatInt(int64(f), 10)))
				} else {
					out = append(out, json.Number(strconv.FormatFloat(f, 'f', -1, 64)))
				}
			}
		default:
			out = append(out, v)
		}
	}
	return out
}

type queryNode interface {
	match(c *evalCtx, d *doc) bool
	scoring() bool
}

type matchAll struct{}

func (matchAll) match(*evalCtx, *doc) bool { return true }
func (matchAll) scoring() bool             { return true }

type matchNone struct{}

func (matchNone) match(*evalCtx, *doc) bool { return false }
func (matchNone) scoring() bool             { return true }

type boolQuery struct {
	must, filter, should, mustNot []queryNode
	minShould                     int
}

func (q *boolQuery) match(c *evalCtx, d *doc) bool {
	for _, x := range q.filter {
		if !x.match(c, d) {
			return false
		}
	}
	for _, x := range q.must {
		if !x.match(c, d) {
			return false
		}
	}
	for _, x := range q.mustNot {
		if x.match(c, d) {
			return false
		}
	}
	if q.minShould > 0 {
		n := 0
		for _, x := range q.should {
			if x.match(c, d) {
				n++
				if n >= q.minShould {
					break
				}
			}
		}
		if n < q.minShould {
			return false
		}
	}
	return true
}

func (q *boolQuery) scoring() bool {
	for _, x := range append(append([]queryNode(nil), q.must...), q.should...) {
		if x.scoring() {
			return true
		}
	}
	return false
}

type constantScore struct{ filter queryNode }

func (q constantScore) match(c *evalCtx, d *doc) bool { return q.filter.match(c, d) }
func (constantScore) scoring() bool                   { return true }

// leaf is a query on one field: test is called with the field's values and type.
type leaf struct {
	field string
	test  func(vals []any, typ string) bool
	// exists queries look at objects too.
	exists bool
}

func (q *leaf) match(c *evalCtx, d *doc) bool {
	vals, typ, ok := c.field(d, q.field)
	if !ok {
		return false
	}
	if q.exists {
		for _, v := range vals {
			if v != nil {
				return true
			}
		}
		if _, rt := c.runtime[q.field]; rt {
			return false
		}
		ix := c.index(d.index)
		for p := range leafValues(d.source) {
			if strings.HasPrefix(p, q.field+".") && ix != nil && ix.isMapped(p) {
				return true
			}
		}
		return false
	}
	return q.test(vals, typ)
}

func (*leaf) scoring() bool { return true }

type idsQuery struct{ ids map[string]bool }

func (q idsQuery) match(_ *evalCtx, d *doc) bool { return q.ids[d.id] }
func (idsQuery) scoring() bool                   { return true }

// compileQuery turns a query DSL object into an evaluable tree, rejecting what
// Elasticsearch would reject with its parsing_exception.
func compileQuery(q any) (queryNode, error) {
	obj, ok := q.(map[string]any)
	if !ok {
		return nil, parsingError("[_na] query malformed, must start with start_object")
	}
	if len(obj) == 0 {
		return matchAll{}, nil
	}
	if len(obj) != 1 {
		keys := sortedKeys(obj)
		return nil, parsingError("[%s] malformed query, expected [END_OBJECT] but found [FIELD_NAME]", keys[0])
	}
	for name, body := range obj {
		return compileNamed(name, body)
	}
	return nil, nil
}

func compileNamed(name string, body any) (queryNode, error) {
	switch name {
	case "match_all":
		return matchAll{}, nil
	case "match_none":
		return matchNone{}, nil
	case "bool":
		return compileBool(body)
	case "constant_score":
		m, _ := body.(map[string]any)
		f, ok := m["filter"]
		if !ok {
			return nil, parsingError("[constant_score] requires a 'filter' element")
		}
		inner, err := compileQuery(f)
		if err != nil {
			return nil, err
		}
		return constantScore{inner}, nil
	case "ids":
		m, _ := body.(map[string]any)
		set := map[string]bool{}
		for _, v := range asList(m["values"]) {
			set[stringify(v)] = true
		}
		return idsQuery{set}, nil
	case "exists":
		m, _ := body.(map[string]any)
		f, _ := m["field"].(string)
		if f == "" {
			return nil, parsingError("[exists] must be provided with a [field]")
		}
		return &leaf{field: f, exists: true}, nil
	case "term":
		return compileTerm(body)
	case "terms":
		return compileTerms(body)
	case "range":
		return compileRange(body)
	case "match_phrase":
		return compileMatch(name, body)
	case "match":
		return compileMatch(name, body)
	case "prefix", "wildcard":
		return compilePattern(name, body)
	case "query_string", "simple_query_string", "multi_match", "nested", "has_child", "has_parent",
		"regexp", "fuzzy", "script", "script_score", "function_score", "geo_distance", "more_like_this",
		"terms_set", "match_bool_prefix", "match_phrase_prefix", "combined_fields", "dis_max", "boosting":
		return nil, unsupported("the [%s] query", name)
	}
	return nil, parsingError("unknown query [%s]", name)
}

func compileBool(body any) (queryNode, error) {
	m, ok := body.(map[string]any)
	if !ok {
		return nil, parsingError("[bool] query malformed, no start_object after query name")
	}
	q := &boolQuery{}
	lists := map[string]*[]queryNode{"must": &q.must, "filter": &q.filter, "should": &q.should, "must_not": &q.mustNot}
	minShould := -1
	for k, v := range m {
		if dst, ok := lists[k]; ok {
			for _, clause := range asList(v) {
				n, err := compileQuery(clause)
				if err != nil {
					return nil, err
				}
				*dst = append(*dst, n)
			}
			continue
		}
		switch k {
		case "minimum_should_match":
			n, err := parseMinShould(v)
			if err != nil {
				return nil, err
			}
			minShould = n
		case "boost", "_name", "adjust_pure_negative":
		default:
			return nil, parsingError("[bool] query does not support [%s]", k)
		}
	}
	switch {
	case minShould >= 0:
		q.minShould = resolveMinShould(minShould, len(q.should))
	case len(q.should) > 0 && len(q.must) == 0 && len(q.filter) == 0:
		q.minShould = 1
	}
	return q, nil
}

// parseMinShould reads an integer (or "N") or a percentage ("50%", encoded as -pct-1).
func parseMinShould(v any) (int, error) {
	s := strings.TrimSpace(stringify(v))
	if p, ok := strings.CutSuffix(s, "%"); ok {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 100 {
			return 0, unsupported("minimum_should_match [%s]", s)
		}
		return -(n + 1000), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, unsupported("minimum_should_match [%s]", s)
	}
	return n, nil
}

func resolveMinShould(n, clauses int) int {
	if n <= -1000 {
		pct := -n - 1000
		return clauses * pct / 100
	}
	if n > clauses {
		return n // no document can match, as in Elasticsearch
	}
	return n
}

// fieldBody splits {"field": value-or-object} into the field and its parameters; a
// bare value is returned under key.
func fieldBody(query string, body any, key string) (string, map[string]any, error) {
	m, ok := body.(map[string]any)
	if !ok || len(m) == 0 {
		return "", nil, parsingError("[%s] query malformed, no start_object after query name", query)
	}
	var field string
	var params map[string]any
	for k, v := range m {
		if k == "boost" || k == "_name" {
			continue
		}
		if field != "" {
			return "", nil, parsingError("[%s] query doesn't support multiple fields, found [%s] and [%s]", query, field, k)
		}
		field = k
		if p, isObj := v.(map[string]any); isObj {
			params = p
		} else {
			params = map[string]any{key: v}
		}
	}
	if field == "" {
		return "", nil, parsingError("[%s] query malformed, no field", query)
	}
	return field, params, nil
}

// fieldValue is fieldBody for a query that needs a value: it also returns the value, the
// first of keys the parameters hold (a bare value is keys[0]'s). Without one, the error
// is the parsing error missing, a format given the query's name.
func fieldValue(query string, body any, missing string, keys ...string) (string, map[string]any, any, error) {
	field, p, err := fieldBody(query, body, keys[0])
	if err != nil {
		return "", nil, nil, err
	}
	for _, k := range keys {
		if v, ok := p[k]; ok {
			return field, p, v, nil
		}
	}
	return "", nil, nil, parsingError(missing, query)
}

func compileTerm(body any) (queryNode, error) {
	field, p, err := fieldBody("term", body, "value")
	if err != nil {
		return nil, err
	}
	val, ok := p["value"]
	if !ok {
		return nil, parsingError("[term] query does not support [%s]", strings.Join(sortedKeys(p), ","))
	}
	ci, _ := toBool(p["case_insensitive"])
	return &leaf{field: field, test: func(vals []any, typ string) bool {
		for _, v := range vals {
			if termEquals(typ, v, val, ci) {
				return true
			}
		}
		return false
	}}, nil
}

func compileTerms(body any) (queryNode, error) {
	m, ok := body.(map[string]any)
	if !ok {
		return nil, parsingError("[terms] query malformed")
	}
	var field string
	var want []any
	for k, v := range m {
		if k == "boost" || k == "_name" {
			continue
		}
		if _, lookup := v.(map[string]any); lookup {
			return nil, unsupported("terms lookup")
		}
		list, isList := v.([]any)
		if !isList {
			return nil, parsingError("[terms] query does not support [%s]", k)
		}
		if field != "" {
			return nil, parsingError("[terms] query does not support multiple fields")
		}
		field, want = k, list
	}
	if field == "" {
		return nil, parsingError("[terms] query requires a field")
	}
	return &leaf{field: field, test: func(vals []any, typ string) bool {
		for _, v := range vals {
			for _, w := range want {
				if termEquals(typ, v, w, false) {
					return true
				}
			}
		}
		return false
	}}, nil
}

// termEquals compares an indexed value with a term the way the field type does.
func termEquals(typ string, docVal, q any, ci bool) bool {
	if _, isObj := docVal.(map[string]any); isObj {
		return false
	}
	switch {
	case typ == typeDate:
		a, ok1 := toTime(docVal)
		b, ok2 := toTime(q)
		return ok1 && ok2 && a.Equal(b)
	case typ == typeIP:
		a, err := netip.ParseAddr(stringify(docVal))
		p, ok := parseIPOrPrefix(stringify(q))
		return err == nil && ok && p.Contains(a)
	case isNumericType(typ):
		a, ok1 := toFloat(docVal)
		b, ok2 := toFloat(q)
		return ok1 && ok2 && a == b
	case typ == typeBoolean:
		a, ok1 := toBool(docVal)
		b, ok2 := toBool(q)
		return ok1 && ok2 && a == b
	case typ == typeText:
		term := stringify(q)
		for _, tok := range tokens(stringify(docVal)) {
			if tok == term || (ci && strings.EqualFold(tok, term)) {
				return true
			}
		}
		return false
	}
	if ci {
		return strings.EqualFold(stringify(docVal), stringify(q))
	}
	return stringify(docVal) == stringify(q)
}

// tokens is a stand-in for the standard analyzer: lower-cased runs of letters and digits.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func compileMatch(kind string, body any) (queryNode, error) {
	field, p, qv, err := fieldValue(kind, body, "[%s] requires query value", "query")
	if err != nil {
		return nil, err
	}
	and := strings.EqualFold(stringify(p["operator"]), "and")
	return &leaf{field: field, test: func(vals []any, typ string) bool {
		for _, v := range vals {
			if typ != typeText {
				if termEquals(typ, v, qv, false) {
					return true
				}
				continue
			}
			doc, want := tokens(stringify(v)), tokens(stringify(qv))
			if kind == "match_phrase" {
				if containsSeq(doc, want) {
					return true
				}
				continue
			}
			if matchTokens(doc, want, and) {
				return true
			}
		}
		return false
	}}, nil
}

func containsSeq(doc, want []string) bool {
	if len(want) == 0 {
		return false
	}
outer:
	for i := 0; i+len(want) <= len(doc); i++ {
		for j := range want {
			if doc[i+j] != want[j] {
				continue outer
			}
		}
		return true
	}
	return false
}

func matchTokens(doc, want []string, all bool) bool {
	set := map[string]bool{}
	for _, t := range doc {
		set[t] = true
	}
	n := 0
	for _, w := range want {
		if set[w] {
			n++
		}
	}
	if all {
		return n == len(want) && n > 0
	}
	return n > 0
}

func compilePattern(kind string, body any) (queryNode, error) {
	field, p, val, err := fieldValue(kind, body, "[%s] query requires a value", "value", "wildcard")
	if err != nil {
		return nil, err
	}
	pat := stringify(val)
	ci, _ := toBool(p["case_insensitive"])
	if ci {
		pat = strings.ToLower(pat)
	}
	return &leaf{field: field, test: func(vals []any, typ string) bool {
		for _, v := range vals {
			if _, isObj := v.(map[string]any); isObj {
				continue
			}
			s := stringify(v)
			if ci {
				s = strings.ToLower(s)
			}
			if kind == "prefix" && strings.HasPrefix(s, pat) {
				return true
			}
			if kind == "wildcard" && globMatch(pat, s) {
				return true
			}
		}
		return false
	}}, nil
}

func compileRange(body any) (queryNode, error) {
	field, p, err := fieldBody("range", body, "")
	if err != nil {
		return nil, err
	}
	format := stringify(p["format"])
	type bound struct {
		op  string
		val any
	}
	var bounds []bound
	for k, v := range p {
		switch k {
		case "gte", "gt", "lte", "lt":
			if v != nil {
				bounds = append(bounds, bound{k, v})
			}
		case "from", "to", "include_lower", "include_upper":
			return nil, unsupported("the deprecated range parameter [%s]", k)
		case "format", "time_zone", "relation", "boost", "_name":
			if k == "time_zone" && stringify(v) != "UTC" && stringify(v) != "Z" && stringify(v) != "+00:00" {
				return nil, unsupported("range time_zone [%s]", stringify(v))
			}
		default:
			return nil, parsingError("[range] query does not support [%s]", k)
		}
	}
	// Dates are parsed once per evaluation context's "now"; keep the raw bounds.
	return &rangeLeaf{field: field, format: format, bounds: func() []rangeBound {
		out := make([]rangeBound, len(bounds))
		for i, b := range bounds {
			out[i] = rangeBound{op: b.op, val: b.val}
		}
		return out
	}()}, nil
}

type rangeBound struct {
	op  string
	val any
}

type rangeLeaf struct {
	field  string
	format string
	bounds []rangeBound
}

func (*rangeLeaf) scoring() bool { return true }

func (q *rangeLeaf) match(c *evalCtx, d *doc) bool {
	vals, typ, ok := c.field(d, q.field)
	if !ok {
		return false
	}
	for _, v := range vals {
		if _, isObj := v.(map[string]any); isObj {
			continue
		}
		t := typ
		if t == "" {
			t = inferType(v)
		}
		if q.inRange(c, v, t) {
			return true
		}
	}
	return false
}

func (q *rangeLeaf) inRange(c *evalCtx, v any, typ string) bool {
	for _, b := range q.bounds {
		var cmp int
		switch {
		case typ == typeDate:
			dv, ok := toTime(v)
			if !ok {
				return false
			}
			bv, err := parseDateBound(b.val, q.format, b.op, c.now)
			if err != nil {
				return false
			}
			cmp = dv.Compare(bv)
		case isNumericType(typ):
			dv, ok1 := toFloat(v)
			bv, ok2 := toFloat(b.val)
			if !ok1 || !ok2 {
				return false
			}
			cmp = compareFloat(dv, bv)
		case typ == typeIP:
			dv, err1 := netip.ParseAddr(stringify(v))
			bv, err2 := netip.ParseAddr(stringify(b.val))
			if err1 != nil || err2 != nil {
				return false
			}
			cmp = dv.Compare(bv)
		default:
			cmp = strings.Compare(stringify(v), stringify(b.val))
		}
		switch b.op {
		case "gte":
			if cmp < 0 {
				return false
			}
		case "gt":
			if cmp <= 0 {
				return false
			}
		case "lte":
			if cmp > 0 {
				return false
			}
		case "lt":
			if cmp >= 0 {
				return false
			}
		}
	}
	return true
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseDateBound parses a range bound on a date field: ISO dates, epoch millis, and
// date math ("now-10d/d", "2024-01-01||+1M"). Rounding follows Elasticsearch: gt and
// lte round up, gte and lt round down.
func parseDateBound(v any, format, op string, now time.Time) (time.Time, error) {
	switch format {
	case "epoch_second":
		f, ok := toFloat(v)
		if !ok {
			return time.Time{}, fmt.Errorf("bad epoch_second %v", v)
		}
		return time.Unix(0, int64(f*1e9)).UTC(), nil
	case "epoch_millis":
		f, ok := toFloat(v)
		if !ok {
			return time.Time{}, fmt.Errorf("bad epoch_millis %v", v)
		}
		return time.UnixMilli(int64(f)).UTC(), nil
	}
	s, isStr := v.(string)
	if !isStr {
		if t, ok := toTime(v); ok {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("bad date %v", v)
	}
	var anchor time.Time
	var math string
	switch {
	case strings.HasPrefix(s, "now"):
		anchor, math = now.UTC(), s[3:]
	case strings.Contains(s, "||"):
		a, m, _ := strings.Cut(s, "||")
		t, ok := toTime(a)
		if !ok {
			return time.Time{}, fmt.Errorf("bad date %q", a)
		}
		anchor, math = t, m
	default:
		if t, ok := toTime(s); ok {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("bad date %q", s)
	}
	return applyDateMath(anchor, math, op == "gt" || op == "lte")
}

func applyDateMath(t time.Time, math string, roundUp bool) (time.Time, error) {
	for math != "" {
		op := math[0]
		math = math[1:]
		i := 0
		for i < len(math) && math[i] >= '0' && math[i] <= '9' {
			i++
		}
		n := 1
		if i > 0 {
			n, _ = strconv.Atoi(math[:i])
		}
		if i >= len(math) {
			return t, fmt.Errorf("bad date math")
		}
		unit := math[i]
		math = math[i+1:]
		switch op {
		case '+', '-':
			if op == '-' {
				n = -n
			}
			switch unit {
			case 'y':
				t = t.AddDate(n, 0, 0)
			case 'M':
				t = t.AddDate(0, n, 0)
			case 'w':
				t = t.AddDate(0, 0, 7*n)
			case 'd':
				t = t.AddDate(0, 0, n)
			case 'h', 'H':
				t = t.Add(time.Duration(n) * time.Hour)
			case 'm':
				t = t.Add(time.Duration(n) * time.Minute)
			case 's':
				t = t.Add(time.Duration(n) * time.Second)
			default:
				return t, fmt.Errorf("bad date math unit %c", unit)
			}
		case '/':
			start := roundDown(t, unit)
			if roundUp {
				next := map[byte]func(time.Time) time.Time{
					'y': func(x time.Time) time.Time { return x.AddDate(1, 0, 0) },
					'M': func(x time.Time) time.Time { return x.AddDate(0, 1, 0) },
					'w': func(x time.Time) time.Time { return x.AddDate(0, 0, 7) },
					'd': func(x time.Time) time.Time { return x.AddDate(0, 0, 1) },
					'h': func(x time.Time) time.Time { return x.Add(time.Hour) },
					'H': func(x time.Time) time.Time { return x.Add(time.Hour) },
					'm': func(x time.Time) time.Time { return x.Add(time.Minute) },
					's': func(x time.Time) time.Time { return x.Add(time.Second) },
				}[unit]
				if next == nil {
					return t, fmt.Errorf("bad rounding unit %c", unit)
				}
				t = next(start).Add(-time.Millisecond)
			} else {
				t = start
			}
		default:
			return t, fmt.Errorf("bad date math operator %c", op)
		}
	}
	return t, nil
}

func roundDown(t time.Time, unit byte) time.Time {
	y, mo, d := t.Date()
	switch unit {
	case 'y':
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	case 'M':
		return time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC)
	case 'w':
		wd := (int(t.Weekday()) + 6) % 7
		return time.Date(y, mo, d-wd, 0, 0, 0, 0, time.UTC)
	case 'd':
		return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	case 'h', 'H':
		return t.Truncate(time.Hour)
	case 'm':
		return t.Truncate(time.Minute)
	case 's':
		return t.Truncate(time.Second)
	}
	return t
}
