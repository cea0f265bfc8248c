package elasticsearch

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// searchRequest is a parsed _search request.
type searchRequest struct {
	query       queryNode
	postFilter  queryNode
	size, from  int
	sort        []sortSpec
	searchAfter []any
	hasAfter    bool
	pitID       string
	pitKeep     time.Duration
	trackTotal  int // hits counted exactly up to this; -1 counts none; math.MaxInt all
	totalAsInt  bool
	source      sourceFilter
	fields      []fieldSpec
	runtime     map[string]string
	version     bool
	seqNo       bool
}

// searchBodyKeys are the body members the server reads, or knowingly refuses.
var searchBodyKeys = map[string]bool{
	"query": true, "size": true, "from": true, "sort": true, "search_after": true, "pit": true,
	"track_total_hits": true, "_source": true, "fields": true, "runtime_mappings": true,
	"timeout": true, "version": true, "seq_no_primary_term": true, "post_filter": true,
	"track_scores": true, "explain": false, "stored_fields": false, "docvalue_fields": false,
	"aggs": false, "aggregations": false, "highlight": false, "collapse": false, "min_score": false,
	"terminate_after": false, "indices_boost": false, "profile": true, "rescore": false,
	"suggest": false, "script_fields": false, "slice": false, "stats": true, "ext": false,
	"knn": false, "retriever": false, "rank": false,
}

func parseSearch(body map[string]any, params url.Values) (*searchRequest, error) {
	req := &searchRequest{query: matchAll{}, size: 10, trackTotal: 10000}
	for k, v := range body {
		supported, known := searchBodyKeys[k]
		if !known {
			return nil, parsingError("Unknown key for a %s in [%s].", tokenKind(v), k)
		}
		if !supported {
			return nil, unsupported("the search option [%s]", k)
		}
	}
	intParam := func(name string, v any) (int, error) {
		f, ok := toFloat(v)
		if !ok || f != math.Trunc(f) {
			return 0, parsingError("[%s] must be an integer, found [%s]", name, stringify(v))
		}
		return int(f), nil
	}
	integer := func(name string) func(any) (int, error) {
		return func(v any) (int, error) { return intParam(name, v) }
	}
	query := nonEmpty(params)
	err := firstError(
		member(body, "query", &req.query, compileQuery),
		member(body, "post_filter", &req.postFilter, compileQuery),
		member(body, "size", &req.size, integer("size")),
		member(body, "from", &req.from, integer("from")),
		member(query, "size", &req.size, integer("size")), // URL parameters win
		member(query, "from", &req.from, integer("from")),
	)
	if err != nil {
		return nil, err
	}
	if req.size < 0 {
		return nil, badRequest("illegal_argument_exception", "[size] parameter cannot be negative, found [%d]", req.size)
	}
	if req.from < 0 {
		return nil, badRequest("illegal_argument_exception", "[from] parameter cannot be negative, found [%d]", req.from)
	}
	tt, hasTT := body["track_total_hits"]
	if v := params.Get("track_total_hits"); v != "" {
		tt, hasTT = v, true
	}
	if hasTT {
		if b, ok := toBool(tt); ok {
			req.trackTotal = map[bool]int{true: math.MaxInt, false: -1}[b]
		} else if n, err := intParam("track_total_hits", tt); err == nil && n >= -1 {
			req.trackTotal = n
		} else {
			return nil, badRequest("illegal_argument_exception", "[track_total_hits] must be a boolean or an integer, found [%s]", stringify(tt))
		}
	}
	req.totalAsInt = params.Get("rest_total_hits_as_int") == "true"
	if req.totalAsInt && req.trackTotal != math.MaxInt && req.trackTotal != -1 {
		req.trackTotal = math.MaxInt
	}
	if req.source, err = parseSourceFilter(body["_source"]); err != nil {
		return nil, err
	}
	if v, ok := params["_source"]; ok {
		if req.source, err = parseSourceFilter(v[0]); err != nil {
			return nil, err
		}
	}
	if v := params.Get("_source_includes"); v != "" {
		req.source.includes = splitList(v)
	}
	if v := params.Get("_source_excludes"); v != "" {
		req.source.excludes = splitList(v)
	}
	if err := firstError(
		member(body, "fields", &req.fields, parseFieldSpecs),
		member(body, "runtime_mappings", &req.runtime, parseRuntime),
	); err != nil {
		return nil, err
	}
	sortBody, hasSort := body["sort"]
	if v := params.Get("sort"); v != "" {
		var l []any
		for _, p := range splitList(v) {
			f, o, _ := strings.Cut(p, ":")
			if o == "" {
				l = append(l, f)
			} else {
				l = append(l, map[string]any{f: o})
			}
		}
		sortBody, hasSort = l, true
	}
	if hasSort {
		if req.sort, err = parseSort(sortBody); err != nil {
			return nil, err
		}
	}
	if v, ok := body["search_after"]; ok {
		l, isList := v.([]any)
		if !isList {
			return nil, parsingError("[search_after] must be an array")
		}
		req.searchAfter, req.hasAfter = l, true
	}
	if v, ok := body["pit"]; ok {
		m, isObj := v.(map[string]any)
		if !isObj {
			return nil, parsingError("[pit] must be an object")
		}
		req.pitID, _ = m["id"].(string)
		if req.pitID == "" {
			return nil, parsingError("[pit] requires an [id]")
		}
		if ka, ok := m["keep_alive"]; ok {
			if req.pitKeep, err = parseDuration(stringify(ka)); err != nil {
				return nil, badRequest("illegal_argument_exception", "%s", err.Error())
			}
		}
	}
	req.version, _ = toBool(body["version"])
	req.seqNo, _ = toBool(body["seq_no_primary_term"])
	if params.Get("version") == "true" {
		req.version = true
	}
	if params.Get("seq_no_primary_term") == "true" {
		req.seqNo = true
	}
	if params.Get("scroll") != "" {
		return nil, unsupported("scroll searches (use a point in time with search_after)")
	}
	if params.Get("q") != "" {
		return nil, unsupported("URI searches (the q parameter)")
	}
	return req, nil
}

// member parses body[key], when body has the key, into dst.
func member[T any](body map[string]any, key string, dst *T, parse func(any) (T, error)) error {
	v, ok := body[key]
	if !ok {
		return nil
	}
	x, err := parse(v)
	if err != nil {
		return err
	}
	*dst = x
	return nil
}

// nonEmpty is the URL parameters that have a value, as body members (the first value
// of each).
func nonEmpty(params url.Values) map[string]any {
	out := map[string]any{}
	for k := range params {
		if v := params.Get(k); v != "" {
			out[k] = v
		}
	}
	return out
}

// firstError is the first of errs that is not nil.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func parseRuntime(v any) (map[string]string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, parsingError("[runtime_mappings] must be an object")
	}
	out := map[string]string{}
	for name, def := range m {
		d, ok := def.(map[string]any)
		if !ok {
			return nil, badRequest("mapper_parsing_exception", "Expected map for runtime field [%s] definition but got a %s", name, tokenKind(def))
		}
		typ := stringify(d["type"])
		if _, hasScript := d["script"]; hasScript {
			return nil, unsupported("runtime fields with a script ([%s]); a runtime field without a script reads _source at its own name", name)
		}
		switch typ {
		case typeKeyword, typeLong, typeDouble, typeDate, typeBoolean, typeIP:
		case "":
			return nil, badRequest("mapper_parsing_exception", "No type specified for field [%s]", name)
		default:
			return nil, badRequest("mapper_parsing_exception", "No handler for type [%s] declared on runtime field [%s]", typ, name)
		}
		for k := range d {
			if k != "type" && k != "format" {
				return nil, badRequest("mapper_parsing_exception", "unknown parameter [%s] on runtime field [%s] of type [%s]", k, name, typ)
			}
		}
		out[name] = typ
	}
	return out, nil
}

// sortSpec is one sort criterion.
type sortSpec struct {
	field        string // a field, or "_score", "_doc", "_shard_doc"
	desc         bool
	format       string
	missingFirst bool
	unmappedType string
}

func parseSort(v any) ([]sortSpec, error) {
	return parseEntries(v, sortOn, parseSortObject, parsingError("[sort] must be strings or objects"))
}

// sortOn is the sort on a field in its default order: descending for _score, else
// ascending.
func sortOn(field string) sortSpec { return sortSpec{field: field, desc: field == "_score"} }

// parseSortObject reads {"field": "desc"} or {"field": {"order": ..., ...}}, one
// criterion per member.
func parseSortObject(m map[string]any) ([]sortSpec, error) {
	var out []sortSpec
	for field, o := range m {
		s := sortOn(field)
		switch ov := o.(type) {
		case string:
			d, err := parseOrder(ov)
			if err != nil {
				return nil, err
			}
			s.desc = d
		case map[string]any:
			for k, y := range ov {
				switch k {
				case "order":
					d, err := parseOrder(stringify(y))
					if err != nil {
						return nil, err
					}
					s.desc = d
				case "format":
					s.format = stringify(y)
				case "missing":
					switch stringify(y) {
					case "_first":
						s.missingFirst = true
					case "_last":
					default:
						return nil, unsupported("sort missing values other than _first and _last")
					}
				case "unmapped_type":
					s.unmappedType = stringify(y)
				case "mode", "numeric_type":
				default:
					return nil, parsingError("[field_sort] unknown field [%s]", k)
				}
			}
		default:
			return nil, parsingError("[sort] malformed sort on [%s]", field)
		}
		out = append(out, s)
	}
	return out, nil
}

func parseOrder(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "asc":
		return false, nil
	case "desc":
		return true, nil
	}
	return false, parsingError("Unknown SortOrder [%s]", s)
}

// sortKey is one document's value for one sort criterion.
type sortKey struct {
	kind byte // 'i' int64, 'f' float64, 's' string, 'n' missing (null)
	i    int64
	f    float64
	s    string
}

func (k sortKey) json(format string) any {
	switch k.kind {
	case 'i':
		if format != "" {
			if format == "epoch_millis" {
				return strconv.FormatInt(k.i, 10)
			}
			return formatDate(time.UnixMilli(k.i))
		}
		return k.i
	case 'f':
		return k.f
	case 's':
		return k.s
	}
	return nil
}

func compareKeys(a, b sortKey, s sortSpec) int {
	if a.kind == 'n' || b.kind == 'n' {
		switch {
		case a.kind == b.kind:
			return 0
		case a.kind == 'n':
			if s.missingFirst {
				return -1
			}
			return 1
		default:
			if s.missingFirst {
				return 1
			}
			return -1
		}
	}
	var c int
	switch {
	case a.kind == 's' || b.kind == 's':
		c = strings.Compare(a.s, b.s)
	case a.kind == 'i' && b.kind == 'i':
		switch {
		case a.i < b.i:
			c = -1
		case a.i > b.i:
			c = 1
		}
	default:
		c = compareFloat(a.num(), b.num())
	}
	if s.desc {
		c = -c
	}
	return c
}

func (k sortKey) num() float64 {
	if k.kind == 'i' {
		return float64(k.i)
	}
	return k.f
}

// sortPlan knows the type behind each sort criterion.
type sortPlan struct {
	specs []sortSpec
	types []string
}

func (p *sortPlan) keys(c *evalCtx, d *doc, score float64) []sortKey {
	out := make([]sortKey, len(p.specs))
	for i, s := range p.specs {
		switch s.field {
		case "_score":
			out[i] = sortKey{kind: 'f', f: score}
			continue
		case "_doc", "_shard_doc":
			out[i] = sortKey{kind: 'i', i: d.seq}
			continue
		}
		typ := p.types[i]
		_, runtime := c.runtime[s.field]
		cacheKey := s.field + "\x00" + typ
		if s.desc {
			cacheKey += "\x00d"
		}
		if k, ok := d.keys[cacheKey]; ok && !runtime {
			out[i] = k
			continue
		}
		vals, _, ok := c.field(d, s.field)
		var best *sortKey
		if ok {
			for _, v := range vals {
				k, good := keyOf(v, typ)
				if !good {
					continue
				}
				if best == nil || (compareKeys(k, *best, sortSpec{}) < 0) != s.desc {
					kk := k
					best = &kk
				}
			}
		}
		if best != nil {
			out[i] = *best
		} else {
			out[i] = missingKey(typ, s)
		}
		if !runtime && best != nil {
			if d.keys == nil {
				d.keys = make(map[string]sortKey, 2)
			}
			d.keys[cacheKey] = out[i]
		}
	}
	return out
}

func keyOf(v any, typ string) (sortKey, bool) {
	switch {
	case typ == typeDate:
		t, ok := toTime(v)
		return sortKey{kind: 'i', i: t.UnixMilli()}, ok
	case typ == typeLong:
		f, ok := toFloat(v)
		return sortKey{kind: 'i', i: int64(f)}, ok
	case isNumericType(typ):
		f, ok := toFloat(v)
		return sortKey{kind: 'f', f: f}, ok
	case typ == typeBoolean:
		b, ok := toBool(v)
		if b {
			return sortKey{kind: 'i', i: 1}, ok
		}
		return sortKey{kind: 'i'}, ok
	}
	if _, isObj := v.(map[string]any); isObj {
		return sortKey{}, false
	}
	return sortKey{kind: 's', s: stringify(v)}, true
}

// missingKey is the sort value Elasticsearch gives a document without the field:
// Long.MAX_VALUE / Long.MIN_VALUE for numbers and dates, null for keywords.
func missingKey(typ string, s sortSpec) sortKey {
	if typ == typeDate || isNumericType(typ) || typ == typeBoolean {
		last := s.missingFirst == s.desc
		if last {
			return sortKey{kind: 'i', i: math.MaxInt64}
		}
		return sortKey{kind: 'i', i: math.MinInt64}
	}
	return sortKey{kind: 'n'}
}

// afterKey converts a search_after value for criterion i.
func (p *sortPlan) afterKey(i int, v any) (sortKey, error) {
	s, typ := p.specs[i], p.types[i]
	bad := func() (sortKey, error) {
		return sortKey{}, badRequest("illegal_argument_exception",
			"Failed to parse search_after value for field [%s].", s.field)
	}
	if v == nil {
		return sortKey{kind: 'n'}, nil
	}
	switch {
	case s.field == "_score":
		f, ok := toFloat(v)
		if !ok {
			return bad()
		}
		return sortKey{kind: 'f', f: f}, nil
	case s.field == "_doc" || s.field == "_shard_doc" || typ == typeLong || typ == typeBoolean || typ == typeDate:
		if i, ok := int64Of(v); ok {
			return sortKey{kind: 'i', i: i}, nil
		}
		if str, ok := v.(string); ok && typ == typeDate && s.format != "" {
			if t, ok := parseStrictDate(str); ok {
				return sortKey{kind: 'i', i: t.UnixMilli()}, nil
			}
		}
		return bad()
	case isNumericType(typ):
		f, ok := toFloat(v)
		if !ok {
			return bad()
		}
		return sortKey{kind: 'f', f: f}, nil
	}
	return sortKey{kind: 's', s: stringify(v)}, nil
}

// pit is an open point in time: the documents as they were when it was opened.
type pit struct {
	id        string
	num       uint64
	docs      []*doc
	indices   map[string]*index
	names     []string
	expires   time.Time
	keepAlive time.Duration
}

const pitPrefix = "kptestpit:"

func (s *Server) newPITID() (string, uint64) {
	s.pitSeq++
	var buf [32]byte
	_, _ = rand.Read(buf[:])
	raw := append([]byte(pitPrefix), make([]byte, 8)...)
	binary.BigEndian.PutUint64(raw[len(pitPrefix):], s.pitSeq)
	raw = append(raw, buf[:]...)
	return base64.URLEncoding.EncodeToString(raw), s.pitSeq
}

// lookupPIT finds a live point in time, or returns the error Elasticsearch gives.
func (s *Server) lookupPIT(id string, now time.Time) (*pit, error) {
	raw, err := base64.URLEncoding.DecodeString(id)
	if err != nil {
		raw, err = base64.StdEncoding.DecodeString(id)
	}
	if err != nil || len(raw) < len(pitPrefix)+8 || string(raw[:len(pitPrefix)]) != pitPrefix {
		return nil, badRequest("illegal_argument_exception", "invalid id: [%s]", id)
	}
	num := binary.BigEndian.Uint64(raw[len(pitPrefix):])
	p, ok := s.pits[id]
	if ok && now.After(p.expires) {
		delete(s.pits, id)
		ok = false
	}
	if !ok {
		return nil, &Error{
			Status: http.StatusNotFound, Type: "search_context_missing_exception",
			Reason: fmt.Sprintf("No search context found for id [%d]", num),
			Shard:  &ShardFailure{Phase: "query", Shard: -1},
		}
	}
	return p, nil
}

func (s *Server) checkKeepAlive(d time.Duration) error {
	if d > s.maxKeepAlive {
		return badRequest("illegal_argument_exception",
			"Keep alive for request (%s) is too large. It must be less than (%s). This limit can be set by changing the [search.max_keep_alive] cluster level setting.",
			humanDuration(d), humanDuration(s.maxKeepAlive))
	}
	return nil
}

func humanDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= 24*time.Hour:
		return fmt.Sprintf("%.1fd", d.Hours()/24)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}

func (s *Server) openPIT(target string, params url.Values) (int, any) {
	ka := params.Get("keep_alive")
	if ka == "" {
		return errorReply(validationError("[keep_alive] is required"))
	}
	keep, err := parseDuration(ka)
	if err != nil {
		return errorReply(badRequest("illegal_argument_exception", "%s", err.Error()))
	}
	if err := s.checkKeepAlive(keep); err != nil {
		return errorReply(err)
	}
	ixs, err := s.resolve(target, resolveParams(params))
	if err != nil {
		return errorReply(err)
	}
	id, num := s.newPITID()
	p := &pit{id: id, num: num, indices: map[string]*index{}, keepAlive: keep, expires: s.now().Add(keep)}
	for _, ix := range ixs {
		snap := &index{name: ix.name, mapping: ix.mapping, hidden: ix.hidden, inferred: map[string]string{}}
		for k, v := range ix.inferred {
			snap.inferred[k] = v
		}
		p.indices[ix.name] = snap
		p.names = append(p.names, ix.name)
		p.docs = append(p.docs, ix.ordered()...)
	}
	s.pits[id] = p
	return http.StatusOK, map[string]any{"id": id, "_shards": shards(len(ixs))}
}

func (s *Server) closePIT(body map[string]any) (int, any) {
	id, _ := body["id"].(string)
	if id == "" {
		return errorReply(validationError("[id] is required"))
	}
	if _, err := s.lookupPIT(id, s.now()); err != nil {
		return http.StatusNotFound, map[string]any{"succeeded": true, "num_freed": 0}
	}
	delete(s.pits, id)
	return http.StatusOK, map[string]any{"succeeded": true, "num_freed": 1}
}

func resolveParams(params url.Values) resolveOptions {
	o := resolveOptions{allowNoIndices: true}
	if params.Get("ignore_unavailable") == "true" {
		o.ignoreUnavailable = true
	}
	if params.Get("allow_no_indices") == "false" {
		o.allowNoIndices = false
	}
	ew := params.Get("expand_wildcards")
	if strings.Contains(ew, "hidden") || strings.Contains(ew, "all") {
		o.expandHidden = true
	}
	return o
}

func shards(n int) map[string]any {
	return map[string]any{"total": n, "successful": n, "skipped": 0, "failed": 0}
}

// search runs a _search request against the target (the path's index expression, ""
// when none was given).
func (s *Server) search(target string, hasTarget bool, body map[string]any, params url.Values) (int, any) {
	req, err := parseSearch(body, params)
	if err != nil {
		return errorReply(err)
	}
	now := s.now()
	ctx := &evalCtx{s: s, runtime: req.runtime, now: now}
	var docs []*doc
	var names []string
	var p *pit
	if req.pitID != "" {
		if hasTarget {
			return errorReply(validationError("[indices] cannot be used with point in time. Do not specify any index with point in time."))
		}
		if p, err = s.lookupPIT(req.pitID, now); err != nil {
			return errorReply(err)
		}
		if req.pitKeep > 0 {
			if err := s.checkKeepAlive(req.pitKeep); err != nil {
				return errorReply(err)
			}
			p.keepAlive = req.pitKeep
			p.expires = now.Add(req.pitKeep)
		}
		docs, names, ctx.indices = p.docs, p.names, p.indices
	} else {
		ixs, err := s.resolve(target, resolveParams(params))
		if err != nil {
			return errorReply(err)
		}
		for _, ix := range ixs {
			docs = append(docs, ix.ordered()...)
			names = append(names, ix.name)
		}
	}
	firstIndex := ""
	if len(names) > 0 {
		firstIndex = names[0]
	}
	if req.from+req.size > s.maxResultWindow {
		cause := badRequest("illegal_argument_exception",
			"Result window is too large, from + size must be less than or equal to: [%d] but was [%d]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.",
			s.maxResultWindow, req.from+req.size)
		cause.Shard = &ShardFailure{Phase: "query", Index: firstIndex}
		return errorReply(cause)
	}
	specs := req.sort
	for _, sp := range specs {
		if sp.field == "_shard_doc" && p == nil {
			return errorReply(badRequest("illegal_argument_exception", "[_shard_doc] sort field cannot be used without [point in time]"))
		}
	}
	if p != nil && !hasShardDoc(specs) {
		specs = append(append([]sortSpec(nil), specs...), sortSpec{field: "_shard_doc"})
	}
	if req.hasAfter {
		if req.from > 0 {
			return errorReply(badRequest("illegal_argument_exception", "`from` parameter must be set to 0 when `search_after` is used."))
		}
		if len(specs) == 0 {
			return errorReply(badRequest("illegal_argument_exception", "Sort must contain at least one field."))
		}
		if len(req.searchAfter) != len(specs) {
			return errorReply(badRequest("illegal_argument_exception", "search_after has %d value(s) but sort has %d.", len(req.searchAfter), len(specs)))
		}
	}
	plan := &sortPlan{specs: specs, types: make([]string, len(specs))}
	for i, sp := range specs {
		if strings.HasPrefix(sp.field, "_") && (sp.field == "_score" || sp.field == "_doc" || sp.field == "_shard_doc") {
			continue
		}
		typ, err := s.sortFieldType(ctx, names, sp, firstIndex)
		if err != nil {
			return errorReply(err)
		}
		plan.types[i] = typ
	}
	var after []sortKey
	if req.hasAfter {
		for i, v := range req.searchAfter {
			k, err := plan.afterKey(i, v)
			if err != nil {
				return errorReply(err)
			}
			after = append(after, k)
		}
	}

	scoring := req.query.scoring()
	score := 0.0
	if scoring {
		score = 1.0
	}
	type hit struct {
		d    *doc
		keys []sortKey
	}
	var matched []hit
	for _, d := range docs {
		if !req.query.match(ctx, d) {
			continue
		}
		if req.postFilter != nil && !req.postFilter.match(ctx, d) {
			continue
		}
		matched = append(matched, hit{d: d})
	}
	total := len(matched)
	if len(specs) > 0 {
		for i := range matched {
			matched[i].keys = plan.keys(ctx, matched[i].d, score)
		}
		sort.SliceStable(matched, func(i, j int) bool {
			for k, sp := range specs {
				if c := compareKeys(matched[i].keys[k], matched[j].keys[k], sp); c != 0 {
					return c < 0
				}
			}
			return false
		})
	}
	if req.hasAfter {
		cut := sort.Search(len(matched), func(i int) bool {
			for k, sp := range specs {
				if c := compareKeys(matched[i].keys[k], after[k], sp); c != 0 {
					return c > 0
				}
			}
			return false
		})
		matched = matched[cut:]
	}
	start := min(req.from, len(matched))
	end := min(start+req.size, len(matched))
	page := matched[start:end]

	sortedByScore := len(specs) == 0 || specs[0].field == "_score"
	hits := make([]any, 0, len(page))
	for _, h := range page {
		out := map[string]any{"_index": h.d.index, "_id": h.d.id}
		if sortedByScore {
			out["_score"] = score
		} else {
			out["_score"] = nil
		}
		if req.version {
			out["_version"] = h.d.version
		}
		if req.seqNo {
			out["_seq_no"] = h.d.seq
			out["_primary_term"] = 1
		}
		if src, ok := req.source.apply(h.d.source); ok {
			out["_source"] = src
		}
		if f := hitFields(ctx, h.d, req.fields); f != nil {
			out["fields"] = f
		}
		if len(specs) > 0 {
			vals := make([]any, len(specs))
			for k, sp := range specs {
				vals[k] = h.keys[k].json(sp.format)
			}
			out["sort"] = vals
		}
		hits = append(hits, out)
	}
	hitsObj := map[string]any{"hits": hits}
	if sortedByScore && len(hits) > 0 {
		hitsObj["max_score"] = score
	} else {
		hitsObj["max_score"] = nil
	}
	switch {
	case req.totalAsInt:
		hitsObj["total"] = total
	case req.trackTotal == -1:
	case total > req.trackTotal:
		hitsObj["total"] = map[string]any{"value": req.trackTotal, "relation": "gte"}
	default:
		hitsObj["total"] = map[string]any{"value": total, "relation": "eq"}
	}
	resp := map[string]any{
		"took":      1,
		"timed_out": false,
		"_shards":   shards(len(names)),
		"hits":      hitsObj,
	}
	if p != nil {
		resp["pit_id"] = p.id
	}
	return http.StatusOK, resp
}

func hasShardDoc(specs []sortSpec) bool {
	for _, s := range specs {
		if s.field == "_shard_doc" {
			return true
		}
	}
	return false
}

// sortFieldType finds the type of a sort field; a field no target index maps is the
// error Elasticsearch raises ("No mapping found for [f] in order to sort on"), unless
// unmapped_type names a type. Text fields cannot be sorted on.
func (s *Server) sortFieldType(ctx *evalCtx, names []string, sp sortSpec, firstIndex string) (string, error) {
	if typ, ok := ctx.runtime[sp.field]; ok {
		return typ, nil
	}
	for _, n := range names {
		ix := ctx.index(n)
		if ix == nil {
			continue
		}
		if typ, ok := ix.fieldType(sp.field); ok {
			if typ == typeText {
				e := badRequest("illegal_argument_exception",
					"Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [%s] in order to load field data by uninverting the inverted index. Note that this can use significant memory.", sp.field)
				e.Shard = &ShardFailure{Phase: "query", Index: n}
				return "", e
			}
			return typ, nil
		}
		if base, ok := strings.CutSuffix(sp.field, ".keyword"); ok && ix.mapping.Dynamic {
			if _, ok := ix.fieldType(base); ok {
				return typeKeyword, nil
			}
		}
	}
	if sp.unmappedType != "" {
		return sp.unmappedType, nil
	}
	if len(names) == 0 {
		return typeKeyword, nil
	}
	e := &Error{
		Status: http.StatusBadRequest, Type: "query_shard_exception",
		Reason: "No mapping found for [" + sp.field + "] in order to sort on",
		Extra:  map[string]any{"index_uuid": "testserver", "index": firstIndex},
		Shard:  &ShardFailure{Phase: "query", Index: firstIndex},
	}
	return "", e
}

// count answers _count.
func (s *Server) count(target string, body map[string]any, params url.Values) (int, any) {
	var q queryNode = matchAll{}
	for k := range body {
		if k != "query" {
			return errorReply(parsingError("request does not support [%s]", k))
		}
	}
	if raw, ok := body["query"]; ok {
		var err error
		if q, err = compileQuery(raw); err != nil {
			return errorReply(err)
		}
	}
	ixs, err := s.resolve(target, resolveParams(params))
	if err != nil {
		return errorReply(err)
	}
	ctx := &evalCtx{s: s, now: s.now()}
	n := 0
	for _, ix := range ixs {
		for _, d := range ix.ordered() {
			if q.match(ctx, d) {
				n++
			}
		}
	}
	return http.StatusOK, map[string]any{"count": n, "_shards": shards(len(ixs))}
}

// getDoc answers GET /<index>/_doc/<id>.
func (s *Server) getDoc(target, id string) (int, any) {
	ixs, err := s.resolve(target, resolveOptions{})
	if err != nil {
		return errorReply(err)
	}
	if len(ixs) > 1 {
		return errorReply(badRequest("illegal_argument_exception",
			"alias [%s] has more than one index associated with it, can't execute a single index op", target))
	}
	ix := ixs[0]
	d, ok := ix.docs[id]
	if !ok {
		return http.StatusNotFound, map[string]any{"_index": ix.name, "_id": id, "found": false}
	}
	return http.StatusOK, map[string]any{
		"_index": ix.name, "_id": id, "_version": d.version, "_seq_no": d.seq, "_primary_term": 1,
		"found": true, "_source": d.source,
	}
}

func errorReply(err error) (int, any) {
	if e, ok := err.(*Error); ok {
		return e.Status, e.body()
	}
	e := &Error{Status: http.StatusInternalServerError, Type: "exception", Reason: err.Error()}
	return e.Status, e.body()
}
