package elasticsearch

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ES|QL: the subset needed to read alerts. FROM (with METADATA), WHERE (comparisons,
// AND/OR/NOT, IS [NOT] NULL, [NOT] LIKE, [NOT] IN, STARTS_WITH, ENDS_WITH, TO_LOWER,
// TO_UPPER, TO_DATETIME, NOW, MV_COUNT), KEEP, DROP, SORT, LIMIT; named and positional
// parameters; the query DSL "filter". Columns are the index's mapped fields only, so
// the unmapped aws.cloudtrail.* fields of the dynamic:false alerts index are unknown
// columns, as in Elasticsearch.

type esqlColumn struct {
	name string
	typ  string // ES|QL type: keyword, text, long, integer, double, date, boolean, ip, unsupported
}

type esqlError struct {
	typ string // verification_exception, parsing_exception
	msg string
}

type esqlQuery struct {
	src        string
	pos        func(off int) string
	params     map[string]any
	positional []any
	nextPos    int
	warnings   []string
}

func (q *esqlQuery) verify(off int, format string, args ...any) error {
	return &Error{Status: http.StatusBadRequest, Type: "verification_exception",
		Reason: "Found 1 problem\n" + q.pos(off) + ": " + fmt.Sprintf(format, args...)}
}

func (q *esqlQuery) parseErr(off int, format string, args ...any) error {
	return &Error{Status: http.StatusBadRequest, Type: "parsing_exception",
		Reason: q.pos(off) + ": " + fmt.Sprintf(format, args...)}
}

func esqlType(typ string) string {
	switch typ {
	case typeFloat, typeDouble, "half_float", "scaled_float":
		return "double"
	case typeLong, "unsigned_long":
		return "long"
	case "integer", "short", "byte":
		return "integer"
	case typeKeyword, "constant_keyword", "wildcard":
		return "keyword"
	case typeText, "match_only_text":
		return "text"
	case typeDate:
		return "date"
	case "date_nanos":
		return "date_nanos"
	case typeBoolean:
		return "boolean"
	case typeIP:
		return "ip"
	}
	return "unsupported"
}

// esqlRow is one document flowing through the pipeline.
type esqlRow struct {
	d     *doc
	cache map[string]any
}

type esqlPlan struct {
	s       *Server
	q       *esqlQuery
	ctx     *evalCtx
	cols    []esqlColumn
	colType map[string]string
	rows    []*esqlRow
}

func (p *esqlPlan) value(r *esqlRow, col string) any {
	if v, ok := r.cache[col]; ok {
		return v
	}
	var v any
	switch col {
	case "_id":
		v = r.d.id
	case "_index":
		v = r.d.index
	case "_version":
		v = r.d.version
	default:
		vals, _, ok := p.ctx.field(r.d, col)
		if ok {
			v = esqlValues(vals, p.colType[col])
		}
	}
	if r.cache == nil {
		r.cache = map[string]any{}
	}
	r.cache[col] = v
	return v
}

// esqlValues converts stored values to ES|QL values: nil, one value, or a multi-value
// ([]any). Keyword multi-values come back sorted and de-duplicated, as doc values do.
func esqlValues(vals []any, typ string) any {
	var out []any
	for _, v := range vals {
		if _, isObj := v.(map[string]any); isObj {
			continue
		}
		if c, ok := esqlScalar(v, typ); ok {
			out = append(out, c)
		}
	}
	switch typ {
	case "keyword", "ip":
		sort.Slice(out, func(i, j int) bool { return stringify(out[i]) < stringify(out[j]) })
		dedup := out[:0]
		for i, v := range out {
			if i == 0 || stringify(v) != stringify(out[i-1]) {
				dedup = append(dedup, v)
			}
		}
		out = dedup
	case "long", "integer", "double", "date":
		sort.Slice(out, func(i, j int) bool { return numOf(out[i]) < numOf(out[j]) })
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return out
}

func numOf(v any) float64 {
	switch t := v.(type) {
	case int64:
		return float64(t)
	case float64:
		return t
	}
	return 0
}

func esqlScalar(v any, typ string) (any, bool) {
	switch typ {
	case "date":
		t, ok := toTime(v)
		return t.UnixMilli(), ok
	case "long", "integer":
		f, ok := toFloat(v)
		return int64(f), ok
	case "double":
		f, ok := toFloat(v)
		return f, ok
	case "boolean":
		return toBool(v)
	case "unsupported":
		return nil, false
	}
	return stringify(v), true
}

func (s *Server) esql(body map[string]any, params url.Values) (int, any, []string) {
	for k := range body {
		switch k {
		case "query", "params", "filter", "columnar", "locale", "time_zone", "profile",
			"include_ccs_metadata", "include_execution_metadata", "tables", "wait_for_completion_timeout", "keep_alive", "keep_on_completion":
		default:
			code, b := errorReply(badRequest("x_content_parse_exception", "[1:2] [esql/query] unknown field [%s]", k))
			return code, b, nil
		}
	}
	if f := params.Get("format"); f != "" && f != "json" {
		code, b := errorReply(unsupported("ES|QL format [%s]; only json", f))
		return code, b, nil
	}
	src, _ := body["query"].(string)
	if strings.TrimSpace(src) == "" {
		code, b := errorReply(validationError("[query] is required"))
		return code, b, nil
	}
	q := &esqlQuery{src: src, params: map[string]any{}}
	q.pos = func(off int) string {
		line, col := 1, 1
		for i, r := range src {
			if i >= off {
				break
			}
			if r == '\n' {
				line++
				col = 1
			} else {
				col++
			}
		}
		return fmt.Sprintf("line %d:%d", line, col)
	}
	for _, p := range asList(body["params"]) {
		if m, ok := p.(map[string]any); ok && len(m) == 1 {
			for k, v := range m {
				if vm, ok := v.(map[string]any); ok {
					if vv, ok := vm["value"]; ok {
						v = vv
					}
				}
				q.params[k] = v
			}
			continue
		}
		q.positional = append(q.positional, p)
	}
	var filter queryNode
	if f, ok := body["filter"]; ok {
		var err error
		if filter, err = compileQuery(f); err != nil {
			code, b := errorReply(err)
			return code, b, nil
		}
	}
	res, err := s.runESQL(q, filter)
	if err != nil {
		code, b := errorReply(err)
		return code, b, q.warnings
	}
	columnar, _ := toBool(body["columnar"])
	dropNull := params.Get("drop_null_columns") == "true"
	return http.StatusOK, s.esqlResponse(res, columnar, dropNull), q.warnings
}

type esqlResult struct {
	cols   []esqlColumn
	rows   [][]any
	docs   int
	loaded int
}

func (s *Server) esqlResponse(res *esqlResult, columnar, dropNull bool) map[string]any {
	cols := res.cols
	keep := make([]bool, len(cols))
	for i := range cols {
		keep[i] = !dropNull
	}
	if dropNull {
		for _, row := range res.rows {
			for i, v := range row {
				if v != nil {
					keep[i] = true
				}
			}
		}
	}
	var outCols []any
	var allCols []any
	for i, c := range cols {
		cm := map[string]any{"name": c.name, "type": c.typ}
		allCols = append(allCols, cm)
		if keep[i] {
			outCols = append(outCols, cm)
		}
	}
	format := func(c esqlColumn, v any) any {
		if c.typ != "date" || v == nil {
			return v
		}
		if l, ok := v.([]any); ok {
			out := make([]any, len(l))
			for i, x := range l {
				out[i] = formatDate(time.UnixMilli(x.(int64)))
			}
			return out
		}
		return formatDate(time.UnixMilli(v.(int64)))
	}
	var values []any
	if columnar {
		for i, c := range cols {
			if !keep[i] {
				continue
			}
			col := make([]any, 0, len(res.rows))
			for _, row := range res.rows {
				col = append(col, format(c, row[i]))
			}
			values = append(values, col)
		}
	} else {
		for _, row := range res.rows {
			out := make([]any, 0, len(row))
			for i, v := range row {
				if keep[i] {
					out = append(out, format(cols[i], v))
				}
			}
			values = append(values, out)
		}
	}
	if outCols == nil {
		outCols = []any{}
	}
	if values == nil {
		values = []any{}
	}
	resp := map[string]any{"took": 1, "is_partial": false, "columns": outCols, "values": values}
	if dropNull {
		resp["all_columns"] = allCols
	}
	if s.major() >= 9 {
		resp["documents_found"] = res.docs
		resp["values_loaded"] = res.loaded
	}
	return resp
}

// splitPipes splits an ES|QL query into its commands, with their offsets.
func splitPipes(src string) ([]string, []int) {
	var cmds []string
	var offs []int
	start, inStr := 0, false
	for i := 0; i < len(src); i++ {
		switch {
		case src[i] == '"':
			if strings.HasPrefix(src[i:], `"""`) {
				end := strings.Index(src[i+3:], `"""`)
				if end >= 0 {
					i += 3 + end + 2
					continue
				}
			}
			inStr = !inStr
		case src[i] == '\\' && inStr:
			i++
		case src[i] == '|' && !inStr:
			cmds = append(cmds, src[start:i])
			offs = append(offs, start)
			start = i + 1
		}
	}
	cmds = append(cmds, src[start:])
	offs = append(offs, start)
	return cmds, offs
}

func (s *Server) runESQL(q *esqlQuery, filter queryNode) (*esqlResult, error) {
	cmds, offs := splitPipes(q.src)
	first := strings.TrimSpace(cmds[0])
	lead := offs[0] + (len(cmds[0]) - len(strings.TrimLeft(cmds[0], " \t\r\n")))
	word, rest, _ := strings.Cut(first, " ")
	if !strings.EqualFold(word, "FROM") {
		if strings.EqualFold(word, "ROW") || strings.EqualFold(word, "SHOW") || strings.EqualFold(word, "TS") {
			return nil, unsupported("the ES|QL source command [%s]", strings.ToUpper(word))
		}
		return nil, q.parseErr(lead, "mismatched input '%s' expecting {'explain', 'from', 'row', 'show', 'ts'}", word)
	}
	sources, metadata := rest, ""
	if i := indexFold(rest, " METADATA "); i >= 0 {
		sources, metadata = rest[:i], rest[i+len(" METADATA "):]
	}
	var patterns []string
	for _, p := range strings.Split(sources, ",") {
		p = strings.Trim(strings.TrimSpace(p), `"`)
		if p != "" {
			patterns = append(patterns, p)
		}
	}
	if len(patterns) == 0 {
		return nil, q.parseErr(lead, "missing index pattern after FROM")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ixs, err := s.resolve(strings.Join(patterns, ","), resolveOptions{allowNoIndices: false})
	if err != nil {
		if e, ok := err.(*Error); ok && e.Type == "index_not_found_exception" {
			return nil, q.verify(lead+len(word)+1, "Unknown index [%s]", strings.Join(patterns, ","))
		}
		return nil, err
	}
	p := &esqlPlan{s: s, q: q, ctx: &evalCtx{s: s, now: s.now()}, colType: map[string]string{}}
	conflict := map[string]bool{}
	for _, ix := range ixs {
		fields := map[string]string{}
		for f, t := range ix.inferred {
			fields[f] = t
		}
		for f, t := range ix.mapping.Types {
			fields[f] = t
		}
		for f, t := range fields {
			et := esqlType(t)
			if prev, ok := p.colType[f]; ok && prev != et {
				conflict[f] = true
			}
			p.colType[f] = et
		}
	}
	for f := range conflict {
		p.colType[f] = "unsupported"
	}
	for _, name := range sortedKeys(p.colType) {
		p.cols = append(p.cols, esqlColumn{name: name, typ: p.colType[name]})
	}
	if strings.TrimSpace(metadata) != "" {
		for _, m := range strings.Split(metadata, ",") {
			m = strings.TrimSpace(m)
			switch m {
			case "_id", "_index":
				p.colType[m] = "keyword"
			case "_version":
				p.colType[m] = "long"
			default:
				return nil, q.parseErr(lead, "unsupported metadata field [%s]", m)
			}
			p.cols = append(p.cols, esqlColumn{name: m, typ: p.colType[m]})
		}
	}
	for _, ix := range ixs {
		for _, d := range ix.ordered() {
			if filter == nil || filter.match(p.ctx, d) {
				p.rows = append(p.rows, &esqlRow{d: d})
			}
		}
	}
	docs := len(p.rows)
	limited := false
	for i := 1; i < len(cmds); i++ {
		cmd := cmds[i]
		trim := strings.TrimLeft(cmd, " \t\r\n")
		off := offs[i] + len(cmd) - len(trim)
		word, args, _ := strings.Cut(strings.TrimSpace(trim), " ")
		argOff := off + len(word) + 1
		switch strings.ToUpper(word) {
		case "WHERE":
			err = p.where(args, argOff)
		case "KEEP":
			err = p.keep(args, argOff, false)
		case "DROP":
			err = p.keep(args, argOff, true)
		case "SORT":
			err = p.sort(args, argOff)
		case "LIMIT":
			limited = true
			err = p.limit(args, argOff)
		case "":
			err = q.parseErr(off, "mismatched input '|' expecting a processing command")
		case "EVAL", "STATS", "RENAME", "DISSECT", "GROK", "ENRICH", "MV_EXPAND", "LOOKUP", "CHANGE_POINT", "FORK", "COMPLETION", "SAMPLE", "RERANK", "INLINESTATS":
			err = unsupported("the ES|QL command [%s]", strings.ToUpper(word))
		default:
			err = q.parseErr(off, "mismatched input '%s' expecting a processing command", word)
		}
		if err != nil {
			return nil, err
		}
	}
	if !limited {
		if len(p.rows) > s.esqlDefaultLimit {
			p.rows = p.rows[:s.esqlDefaultLimit]
		}
		q.warnings = append(q.warnings, fmt.Sprintf("No limit defined, adding default limit of [%d]", s.esqlDefaultLimit))
	}
	if len(p.rows) > s.esqlMaxLimit {
		p.rows = p.rows[:s.esqlMaxLimit]
	}
	res := &esqlResult{cols: p.cols, docs: docs}
	for _, r := range p.rows {
		row := make([]any, len(p.cols))
		for i, c := range p.cols {
			row[i] = p.value(r, c.name)
			if row[i] != nil {
				res.loaded++
			}
		}
		res.rows = append(res.rows, row)
	}
	return res, nil
}

func indexFold(s, sub string) int {
	return strings.Index(strings.ToUpper(s), strings.ToUpper(sub))
}

func (p *esqlPlan) hasColumn(name string) (esqlColumn, bool) {
	for _, c := range p.cols {
		if c.name == name {
			return c, true
		}
	}
	return esqlColumn{}, false
}

func (p *esqlPlan) keep(args string, off int, drop bool) error {
	var out []esqlColumn
	seen := map[string]bool{}
	names := strings.Split(args, ",")
	pos := off
	for _, raw := range names {
		name := strings.Trim(strings.TrimSpace(raw), "`")
		if name == "" {
			return p.q.parseErr(pos, "missing column name")
		}
		if strings.ContainsAny(name, "*") {
			for _, c := range p.cols {
				if globMatch(name, c.name) && !seen[c.name] {
					seen[c.name] = true
					out = append(out, c)
				}
			}
		} else {
			c, ok := p.hasColumn(name)
			if !ok {
				return p.q.verify(pos+len(raw)-len(strings.TrimLeft(raw, " ")), "Unknown column [%s]", name)
			}
			if !seen[name] {
				seen[name] = true
				out = append(out, c)
			}
		}
		pos += len(raw) + 1
	}
	if drop {
		var rest []esqlColumn
		for _, c := range p.cols {
			if !seen[c.name] {
				rest = append(rest, c)
			}
		}
		out = rest
	}
	p.cols = out
	return nil
}

func (p *esqlPlan) limit(args string, off int) error {
	n, err := strconv.Atoi(strings.TrimSpace(args))
	if err != nil || n < 0 {
		return p.q.parseErr(off, "Invalid value for LIMIT [%s], expecting a non negative integer", strings.TrimSpace(args))
	}
	n = min(n, p.s.esqlMaxLimit)
	if len(p.rows) > n {
		p.rows = p.rows[:n]
	}
	return nil
}

func (p *esqlPlan) sort(args string, off int) error {
	type key struct {
		col        esqlColumn
		desc       bool
		nullsFirst bool
	}
	var keys []key
	pos := off
	for _, raw := range splitTopLevel(args) {
		fields := strings.Fields(raw)
		if len(fields) == 0 {
			return p.q.parseErr(pos, "missing sort key")
		}
		name := strings.Trim(fields[0], "`")
		c, ok := p.hasColumn(name)
		if !ok {
			return p.q.verify(pos+len(raw)-len(strings.TrimLeft(raw, " ")), "Unknown column [%s]", name)
		}
		k := key{col: c}
		rest := strings.ToUpper(strings.Join(fields[1:], " "))
		switch {
		case strings.HasPrefix(rest, "DESC"):
			k.desc, k.nullsFirst = true, true
			rest = strings.TrimSpace(rest[4:])
		case strings.HasPrefix(rest, "ASC"):
			rest = strings.TrimSpace(rest[3:])
		}
		switch rest {
		case "":
		case "NULLS FIRST":
			k.nullsFirst = true
		case "NULLS LAST":
			k.nullsFirst = false
		default:
			return p.q.parseErr(pos, "mismatched input '%s' in SORT", rest)
		}
		keys = append(keys, k)
		pos += len(raw) + 1
	}
	vals := make([][]any, len(p.rows))
	for i, r := range p.rows {
		vals[i] = make([]any, len(keys))
		for j, k := range keys {
			v := p.value(r, k.col.name)
			if l, ok := v.([]any); ok {
				// Multi-values sort by their minimum ascending, maximum descending.
				best := l[0]
				for _, x := range l[1:] {
					if (compareESQL(x, best) < 0) != k.desc {
						best = x
					}
				}
				v = best
			}
			vals[i][j] = v
		}
	}
	idx := make([]int, len(p.rows))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		for j, k := range keys {
			va, vb := vals[idx[a]][j], vals[idx[b]][j]
			switch {
			case va == nil && vb == nil:
				continue
			case va == nil:
				return k.nullsFirst
			case vb == nil:
				return !k.nullsFirst
			}
			c := compareESQL(va, vb)
			if c == 0 {
				continue
			}
			if k.desc {
				return c > 0
			}
			return c < 0
		}
		return false
	})
	rows := make([]*esqlRow, len(p.rows))
	for i, j := range idx {
		rows[i] = p.rows[j]
	}
	p.rows = rows
	return nil
}

// splitTopLevel splits on commas outside parentheses and strings.
func splitTopLevel(s string) []string {
	var out []string
	depth, start, inStr := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			inStr = !inStr
		case c == '\\' && inStr:
			i++
		case inStr:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func compareESQL(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, stringify(b))
	case bool:
		y, _ := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	}
	return compareFloat(numOf(a), numOf(b))
}

func (p *esqlPlan) where(args string, off int) error {
	toks, err := lexESQL(args, off, p.q)
	if err != nil {
		return err
	}
	ps := &exprParser{plan: p, toks: toks}
	e, err := ps.parseOr()
	if err != nil {
		return err
	}
	if ps.i < len(ps.toks) {
		t := ps.toks[ps.i]
		return p.q.parseErr(t.off, "extraneous input '%s' expecting <EOF>", t.text)
	}
	if e.typ() != "boolean" && e.typ() != "null" {
		return p.q.verify(off, "Condition expression needs to be boolean, found [%s]", strings.ToUpper(e.typ()))
	}
	var kept []*esqlRow
	for _, r := range p.rows {
		if v := e.eval(p, r); v == true {
			kept = append(kept, r)
		}
	}
	p.rows = kept
	return nil
}

// Lexer.

type esqlToken struct {
	kind byte // 'i' identifier, 's' string, 'n' number, 'o' operator, 'p' parameter
	text string
	val  any
	off  int
}

func lexESQL(src string, base int, q *esqlQuery) ([]esqlToken, error) {
	var toks []esqlToken
	i := 0
	for i < len(src) {
		c := src[i]
		start := base + i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"':
			if strings.HasPrefix(src[i:], `"""`) {
				end := strings.Index(src[i+3:], `"""`)
				if end < 0 {
					return nil, q.parseErr(start, "unterminated string")
				}
				toks = append(toks, esqlToken{kind: 's', text: src[i : i+3+end+3], val: src[i+3 : i+3+end], off: start})
				i += 3 + end + 3
				continue
			}
			var b strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != '"'; j++ {
				if src[j] == '\\' && j+1 < len(src) {
					j++
					switch src[j] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					default:
						b.WriteByte(src[j])
					}
					continue
				}
				b.WriteByte(src[j])
			}
			if j >= len(src) {
				return nil, q.parseErr(start, "token recognition error at: '%s'", src[i:])
			}
			toks = append(toks, esqlToken{kind: 's', text: src[i : j+1], val: b.String(), off: start})
			i = j + 1
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.' || src[j] == 'e' || src[j] == 'E') {
				j++
			}
			text := src[i:j]
			var v any
			if n, err := strconv.ParseInt(text, 10, 64); err == nil {
				v = n
			} else if f, err := strconv.ParseFloat(text, 64); err == nil {
				v = f
			} else {
				return nil, q.parseErr(start, "bad number '%s'", text)
			}
			toks = append(toks, esqlToken{kind: 'n', text: text, val: v, off: start})
			i = j
		case c == '?':
			j := i + 1
			for j < len(src) && (isIdentByte(src[j])) {
				j++
			}
			toks = append(toks, esqlToken{kind: 'p', text: src[i:j], off: start})
			i = j
		case c == '`':
			end := strings.IndexByte(src[i+1:], '`')
			if end < 0 {
				return nil, q.parseErr(start, "unterminated quoted identifier")
			}
			toks = append(toks, esqlToken{kind: 'i', text: src[i+1 : i+1+end], off: start})
			i += end + 2
		case isIdentStart(c):
			j := i
			for j < len(src) && (isIdentByte(src[j]) || src[j] == '.' || src[j] == '*') {
				j++
			}
			toks = append(toks, esqlToken{kind: 'i', text: src[i:j], off: start})
			i = j
		default:
			two := ""
			if i+1 < len(src) {
				two = src[i : i+2]
			}
			switch {
			case two == "==" || two == "!=" || two == "<=" || two == ">=":
				toks = append(toks, esqlToken{kind: 'o', text: two, off: start})
				i += 2
			case strings.IndexByte("<>(),-+", c) >= 0:
				toks = append(toks, esqlToken{kind: 'o', text: string(c), off: start})
				i++
			case c == '=':
				return nil, q.parseErr(start, "mismatched input '=' (use == for equality)")
			default:
				return nil, q.parseErr(start, "token recognition error at: '%c'", c)
			}
		}
	}
	return toks, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '@' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentByte(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9')
}

// Expressions.

type esqlExpr interface {
	eval(p *esqlPlan, r *esqlRow) any
	typ() string
	text() string
}

type colRef struct {
	col esqlColumn
}

func (c colRef) eval(p *esqlPlan, r *esqlRow) any { return p.value(r, c.col.name) }
func (c colRef) typ() string                      { return c.col.typ }
func (c colRef) text() string                     { return c.col.name }

type literal struct {
	v   any
	t   string
	src string
}

func (l literal) eval(*esqlPlan, *esqlRow) any { return l.v }
func (l literal) typ() string                  { return l.t }
func (l literal) text() string                 { return l.src }

type logical struct {
	op   string // AND, OR
	l, r esqlExpr
}

func (e logical) typ() string  { return "boolean" }
func (e logical) text() string { return e.l.text() + " " + e.op + " " + e.r.text() }
func (e logical) eval(p *esqlPlan, r *esqlRow) any {
	a, b := e.l.eval(p, r), e.r.eval(p, r)
	if e.op == "AND" {
		if a == false || b == false {
			return false
		}
		if a == nil || b == nil {
			return nil
		}
		return true
	}
	if a == true || b == true {
		return true
	}
	if a == nil || b == nil {
		return nil
	}
	return false
}

type notExpr struct{ e esqlExpr }

func (e notExpr) typ() string  { return "boolean" }
func (e notExpr) text() string { return "NOT " + e.e.text() }
func (e notExpr) eval(p *esqlPlan, r *esqlRow) any {
	switch e.e.eval(p, r) {
	case true:
		return false
	case false:
		return true
	}
	return nil
}

type isNull struct {
	e   esqlExpr
	neg bool
}

func (e isNull) typ() string { return "boolean" }
func (e isNull) text() string {
	if e.neg {
		return e.e.text() + " IS NOT NULL"
	}
	return e.e.text() + " IS NULL"
}
func (e isNull) eval(p *esqlPlan, r *esqlRow) any {
	return (e.e.eval(p, r) == nil) != e.neg
}

// single evaluates an operand of a single-value function: a multi-value makes the
// result null and records Elasticsearch's warning.
func single(p *esqlPlan, r *esqlRow, e esqlExpr, whole esqlExpr, off int) (any, bool) {
	v := e.eval(p, r)
	if _, multi := v.([]any); multi {
		p.q.warn(off, whole.text())
		return nil, false
	}
	return v, v != nil
}

func (q *esqlQuery) warn(off int, expr string) {
	if len(q.warnings) >= 2 {
		return
	}
	pos := strings.Replace(q.pos(off), "line", "Line", 1)
	q.warnings = append(q.warnings,
		fmt.Sprintf("%s: evaluation of [%s] failed, treating result as null. Only first 20 failures recorded.", pos, expr),
		fmt.Sprintf("%s: java.lang.IllegalArgumentException: single-value function encountered multi-value", pos))
}

type comparison struct {
	op   string
	l, r esqlExpr
	off  int
}

func (e comparison) typ() string  { return "boolean" }
func (e comparison) text() string { return e.l.text() + " " + e.op + " " + e.r.text() }
func (e comparison) eval(p *esqlPlan, r *esqlRow) any {
	a, ok := single(p, r, e.l, e, e.off)
	if !ok {
		return nil
	}
	b, ok := single(p, r, e.r, e, e.off)
	if !ok {
		return nil
	}
	c := compareESQL(a, b)
	switch e.op {
	case "==":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return nil
}

type likeExpr struct {
	e       esqlExpr
	pattern string
	neg     bool
	off     int
}

func (e likeExpr) typ() string { return "boolean" }
func (e likeExpr) text() string {
	op := " LIKE "
	if e.neg {
		op = " NOT LIKE "
	}
	return e.e.text() + op + strconv.Quote(e.pattern)
}
func (e likeExpr) eval(p *esqlPlan, r *esqlRow) any {
	v, ok := single(p, r, e.e, e, e.off)
	if !ok {
		return nil
	}
	return globMatch(e.pattern, stringify(v)) != e.neg
}

type inExpr struct {
	e    esqlExpr
	list []esqlExpr
	neg  bool
	off  int
}

func (e inExpr) typ() string  { return "boolean" }
func (e inExpr) text() string { return e.e.text() + " IN (...)" }
func (e inExpr) eval(p *esqlPlan, r *esqlRow) any {
	v, ok := single(p, r, e.e, e, e.off)
	if !ok {
		return nil
	}
	for _, x := range e.list {
		if w := x.eval(p, r); w != nil && compareESQL(v, w) == 0 {
			return !e.neg
		}
	}
	return e.neg
}

type funcExpr struct {
	name string
	args []esqlExpr
	t    string
	off  int
}

func (e funcExpr) typ() string { return e.t }
func (e funcExpr) text() string {
	var parts []string
	for _, a := range e.args {
		parts = append(parts, a.text())
	}
	return strings.ToUpper(e.name) + "(" + strings.Join(parts, ", ") + ")"
}
func (e funcExpr) eval(p *esqlPlan, r *esqlRow) any {
	switch e.name {
	case "now":
		return p.ctx.now.UnixMilli()
	case "mv_count":
		v := e.args[0].eval(p, r)
		switch t := v.(type) {
		case nil:
			return nil
		case []any:
			return int64(len(t))
		}
		return int64(1)
	}
	args := make([]any, len(e.args))
	for i, a := range e.args {
		v, ok := single(p, r, a, e, e.off)
		if !ok {
			return nil
		}
		args[i] = v
	}
	switch e.name {
	case "starts_with":
		return strings.HasPrefix(stringify(args[0]), stringify(args[1]))
	case "ends_with":
		return strings.HasSuffix(stringify(args[0]), stringify(args[1]))
	case "to_lower":
		return strings.ToLower(stringify(args[0]))
	case "to_upper":
		return strings.ToUpper(stringify(args[0]))
	case "to_datetime":
		if n, ok := args[0].(int64); ok {
			return n
		}
		if t, ok := toTime(args[0]); ok {
			return t.UnixMilli()
		}
		return nil
	}
	return nil
}

type exprParser struct {
	plan *esqlPlan
	toks []esqlToken
	i    int
}

func (ps *exprParser) peekWord(words ...string) bool {
	for k, w := range words {
		if ps.i+k >= len(ps.toks) {
			return false
		}
		t := ps.toks[ps.i+k]
		if t.kind != 'i' || !strings.EqualFold(t.text, w) {
			return false
		}
	}
	return true
}

func (ps *exprParser) peekOp(op string) bool {
	return ps.i < len(ps.toks) && ps.toks[ps.i].kind == 'o' && ps.toks[ps.i].text == op
}

func (ps *exprParser) off() int {
	if ps.i < len(ps.toks) {
		return ps.toks[ps.i].off
	}
	if len(ps.toks) > 0 {
		return ps.toks[len(ps.toks)-1].off
	}
	return 0
}

func (ps *exprParser) parseOr() (esqlExpr, error) { return ps.parseLogical("OR", ps.parseAnd) }

func (ps *exprParser) parseAnd() (esqlExpr, error) { return ps.parseLogical("AND", ps.parseNot) }

// parseLogical parses operands joined by op, left-associative.
func (ps *exprParser) parseLogical(op string, operand func() (esqlExpr, error)) (esqlExpr, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for ps.peekWord(op) {
		ps.i++
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = logical{op: op, l: l, r: r}
	}
	return l, nil
}

func (ps *exprParser) parseNot() (esqlExpr, error) {
	if ps.peekWord("NOT") {
		ps.i++
		e, err := ps.parseNot()
		if err != nil {
			return nil, err
		}
		return notExpr{e}, nil
	}
	return ps.parsePredicate()
}

func (ps *exprParser) parsePredicate() (esqlExpr, error) {
	off := ps.off()
	l, err := ps.parsePrimary()
	if err != nil {
		return nil, err
	}
	switch {
	case ps.peekWord("IS", "NOT", "NULL"):
		ps.i += 3
		return isNull{e: l, neg: true}, nil
	case ps.peekWord("IS", "NULL"):
		ps.i += 2
		return isNull{e: l}, nil
	case ps.peekWord("LIKE"), ps.peekWord("NOT", "LIKE"):
		neg := ps.peekWord("NOT")
		if neg {
			ps.i++
		}
		ps.i++
		r, err := ps.parsePrimary()
		if err != nil {
			return nil, err
		}
		lit, ok := r.(literal)
		if !ok || lit.t != "keyword" {
			return nil, ps.plan.q.verify(off, "second argument of [%s LIKE %s] must be a string literal", l.text(), r.text())
		}
		if err := ps.needString(l, off, "LIKE"); err != nil {
			return nil, err
		}
		return likeExpr{e: l, pattern: lit.v.(string), neg: neg, off: off}, nil
	case ps.peekWord("RLIKE"), ps.peekWord("NOT", "RLIKE"):
		return nil, unsupported("RLIKE")
	case ps.peekWord("IN"), ps.peekWord("NOT", "IN"):
		neg := ps.peekWord("NOT")
		if neg {
			ps.i++
		}
		ps.i++
		if !ps.peekOp("(") {
			return nil, ps.plan.q.parseErr(ps.off(), "missing '(' after IN")
		}
		ps.i++
		var list []esqlExpr
		for {
			e, err := ps.parsePrimary()
			if err != nil {
				return nil, err
			}
			e, err = ps.coerce(l, e, off, "IN")
			if err != nil {
				return nil, err
			}
			list = append(list, e)
			if ps.peekOp(",") {
				ps.i++
				continue
			}
			if ps.peekOp(")") {
				ps.i++
				break
			}
			return nil, ps.plan.q.parseErr(ps.off(), "mismatched input in IN list")
		}
		return inExpr{e: l, list: list, neg: neg, off: off}, nil
	}
	for _, op := range []string{"==", "!=", "<=", ">=", "<", ">"} {
		if ps.peekOp(op) {
			ps.i++
			r, err := ps.parsePrimary()
			if err != nil {
				return nil, err
			}
			whole := l.text() + " " + op + " " + r.text()
			if l, r, err = ps.coercePair(l, r, off, whole); err != nil {
				return nil, err
			}
			return comparison{op: op, l: l, r: r, off: off}, nil
		}
	}
	return l, nil
}

func (ps *exprParser) needString(e esqlExpr, off int, what string) error {
	switch e.typ() {
	case "keyword", "text", "null":
		return nil
	}
	return ps.plan.q.verify(off, "first argument of [%s] must be [string], found value [%s] type [%s]", what, e.text(), e.typ())
}

// coercePair type-checks a comparison, converting string literals to dates or ips
// where the other side is one (ES|QL's implicit casting).
func (ps *exprParser) coercePair(l, r esqlExpr, off int, whole string) (esqlExpr, esqlExpr, error) {
	var err error
	if r, err = ps.coerce(l, r, off, whole); err != nil {
		return nil, nil, err
	}
	if l, err = ps.coerce(r, l, off, whole); err != nil {
		return nil, nil, err
	}
	lt, rt := family(l.typ()), family(r.typ())
	if lt != rt && lt != "null" && rt != "null" {
		return nil, nil, ps.plan.q.verify(off, "first argument of [%s] is [%s] so second argument must also be [%s] but was [%s]",
			whole, l.typ(), l.typ(), r.typ())
	}
	if lt == "unsupported" {
		return nil, nil, ps.plan.q.verify(off, "Cannot use field [%s] with unsupported type", l.text())
	}
	return l, r, nil
}

func (ps *exprParser) coerce(target, e esqlExpr, off int, whole string) (esqlExpr, error) {
	lit, ok := e.(literal)
	if !ok || lit.t != "keyword" {
		return e, nil
	}
	switch target.typ() {
	case "date":
		t, ok := toTime(lit.v)
		if !ok {
			return nil, ps.plan.q.verify(off, "Cannot convert string [%s] to [DATETIME], error [failed to parse date field [%s]]", lit.v, lit.v)
		}
		return literal{v: t.UnixMilli(), t: "date", src: lit.src}, nil
	case "ip":
		return literal{v: lit.v, t: "ip", src: lit.src}, nil
	}
	return e, nil
}

func family(t string) string {
	switch t {
	case "keyword", "text", "ip":
		return "string"
	case "long", "integer", "double":
		return "numeric"
	}
	return t
}

func (ps *exprParser) parsePrimary() (esqlExpr, error) {
	if ps.i >= len(ps.toks) {
		return nil, ps.plan.q.parseErr(ps.off(), "mismatched input '<EOF>' expecting an expression")
	}
	t := ps.toks[ps.i]
	ps.i++
	switch t.kind {
	case 's':
		return literal{v: t.val, t: "keyword", src: t.text}, nil
	case 'n':
		if _, isInt := t.val.(int64); isInt {
			return literal{v: t.val, t: "integer", src: t.text}, nil
		}
		return literal{v: t.val, t: "double", src: t.text}, nil
	case 'p':
		return ps.param(t)
	case 'o':
		switch t.text {
		case "(":
			e, err := ps.parseOr()
			if err != nil {
				return nil, err
			}
			if !ps.peekOp(")") {
				return nil, ps.plan.q.parseErr(ps.off(), "missing ')'")
			}
			ps.i++
			return e, nil
		case "-":
			e, err := ps.parsePrimary()
			if err != nil {
				return nil, err
			}
			if lit, ok := e.(literal); ok {
				switch v := lit.v.(type) {
				case int64:
					return literal{v: -v, t: lit.t, src: "-" + lit.src}, nil
				case float64:
					return literal{v: -v, t: lit.t, src: "-" + lit.src}, nil
				}
			}
			return nil, unsupported("arithmetic in ES|QL expressions")
		}
		return nil, ps.plan.q.parseErr(t.off, "extraneous input '%s'", t.text)
	}
	word := strings.ToLower(t.text)
	switch word {
	case "true", "false":
		return literal{v: word == "true", t: "boolean", src: word}, nil
	case "null":
		return literal{v: nil, t: "null", src: "null"}, nil
	}
	if ps.peekOp("(") {
		return ps.call(t)
	}
	if strings.Contains(t.text, "*") {
		return nil, ps.plan.q.parseErr(t.off, "extraneous input '*'")
	}
	c, ok := ps.plan.hasColumn(t.text)
	if !ok {
		return nil, ps.plan.q.verify(t.off, "Unknown column [%s]", t.text)
	}
	return colRef{col: c}, nil
}

func (ps *exprParser) param(t esqlToken) (esqlExpr, error) {
	q := ps.plan.q
	name := strings.TrimPrefix(t.text, "?")
	var v any
	switch n, err := strconv.Atoi(name); {
	case name == "":
		if q.nextPos >= len(q.positional) {
			return nil, q.verify(t.off, "Not enough actual parameters %d", len(q.positional))
		}
		v = q.positional[q.nextPos]
		q.nextPos++
	case err == nil:
		if n < 1 || n > len(q.positional) {
			return nil, q.verify(t.off, "No parameter is defined for position %d, did you mean any position between 1 and %d?", n, len(q.positional))
		}
		v = q.positional[n-1]
	default:
		var ok bool
		if v, ok = q.params[name]; !ok {
			return nil, q.verify(t.off, "Unknown query parameter [%s]", name)
		}
	}
	switch x := v.(type) {
	case nil:
		return literal{v: nil, t: "null", src: t.text}, nil
	case string:
		return literal{v: x, t: "keyword", src: t.text}, nil
	case bool:
		return literal{v: x, t: "boolean", src: t.text}, nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			if i > math.MaxInt32 || i < math.MinInt32 {
				return literal{v: i, t: "long", src: t.text}, nil
			}
			return literal{v: i, t: "integer", src: t.text}, nil
		}
		f, _ := x.Float64()
		return literal{v: f, t: "double", src: t.text}, nil
	}
	return nil, q.verify(t.off, "unsupported value for parameter [%s]", t.text)
}

func (ps *exprParser) call(t esqlToken) (esqlExpr, error) {
	name := strings.ToLower(t.text)
	ps.i++ // (
	var args []esqlExpr
	for !ps.peekOp(")") {
		e, err := ps.parseOr()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
		if ps.peekOp(",") {
			ps.i++
		} else if !ps.peekOp(")") {
			return nil, ps.plan.q.parseErr(ps.off(), "mismatched input in call to %s", t.text)
		}
	}
	ps.i++ // )
	arity := map[string]int{"starts_with": 2, "ends_with": 2, "to_lower": 1, "to_upper": 1, "to_datetime": 1, "now": 0, "mv_count": 1}
	types := map[string]string{"starts_with": "boolean", "ends_with": "boolean", "to_lower": "keyword", "to_upper": "keyword", "to_datetime": "date", "now": "date", "mv_count": "integer"}
	n, ok := arity[name]
	if !ok {
		return nil, unsupported("the ES|QL function [%s]", strings.ToUpper(name))
	}
	if len(args) != n {
		return nil, ps.plan.q.verify(t.off, "error building [%s]: expects exactly %d arguments, passed %d", name, n, len(args))
	}
	switch name {
	case "starts_with", "ends_with", "to_lower", "to_upper":
		for _, a := range args {
			if err := ps.needString(a, t.off, strings.ToUpper(name)); err != nil {
				return nil, err
			}
		}
	}
	return funcExpr{name: name, args: args, t: types[name], off: t.off}, nil
}
