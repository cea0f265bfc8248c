package elasticsearch

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/keypivot/keypivot/internal/testserver/httpkit"
)

// Mapping says which fields of an index are indexed (searchable by the query DSL,
// visible as ES|QL columns and returned by the fields API without include_unmapped)
// and, where it matters, their types.
type Mapping struct {
	// Dynamic maps every field a document brings, as "dynamic": true does. With Dynamic
	// false ("dynamic": false) only the fields under Mapped are indexed; the others stay
	// in _source, readable but not searchable.
	Dynamic bool
	// Mapped lists field paths or object prefixes ("kibana" maps every kibana.* field).
	Mapped []string
	// Types gives explicit field types ("date", "keyword", "text", "long", "float",
	// "double", "boolean", "ip"). Fields without one get the type dynamic mapping would
	// infer from their first value (ISO dates become "date").
	Types map[string]string
}

// IsMapped reports whether field is indexed under this mapping.
func (m Mapping) IsMapped(field string) bool {
	if m.Dynamic {
		return true
	}
	if _, ok := m.Types[field]; ok {
		return true
	}
	for _, p := range m.Mapped {
		if field == p || strings.HasPrefix(field, p+".") {
			return true
		}
	}
	return false
}

// DynamicMapping maps every field (the default for indices without a template).
func DynamicMapping() Mapping { return Mapping{Dynamic: true} }

// ecsFieldSets are the top-level ECS field sets the security alerts index maps (its
// mapping is the ECS component template plus the kibana.* alert fields).
var ecsFieldSets = []string{
	"@timestamp", "agent", "as", "client", "cloud", "container", "data_stream", "destination",
	"device", "dll", "dns", "ecs", "email", "error", "event", "faas", "file", "group", "host",
	"http", "labels", "log", "message", "network", "observer", "orchestrator", "organization",
	"package", "process", "registry", "related", "rule", "server", "service", "source", "span",
	"tags", "threat", "tls", "trace", "transaction", "url", "user", "user_agent", "vulnerability",
	"kibana", "signal",
}

// AlertsMapping is the mapping of the Elastic Security alerts indices
// (.internal.alerts-security.alerts-<space>-*): "dynamic": false, ECS and kibana.*
// fields mapped; integration fields such as aws.cloudtrail.* are kept in _source but
// are neither searchable nor visible to ES|QL (facts §2).
func AlertsMapping() Mapping {
	return Mapping{
		Dynamic: false,
		Mapped:  append([]string(nil), ecsFieldSets...),
		Types: map[string]string{
			"@timestamp":                              typeDate,
			"kibana.alert.original_time":              typeDate,
			"kibana.alert.start":                      typeDate,
			"kibana.alert.last_detected":              typeDate,
			"kibana.alert.workflow_status_updated_at": typeDate,
			"kibana.alert.rule.execution.timestamp":   typeDate,
			"kibana.alert.rule.created_at":            typeDate,
			"kibana.alert.rule.updated_at":            typeDate,
			"kibana.alert.risk_score":                 typeFloat,
			"kibana.alert.rule.risk_score":            typeFloat,
			"kibana.alert.depth":                      typeLong,
			"event.created":                           typeDate,
			"event.ingested":                          typeDate,
			"event.start":                             typeDate,
			"event.end":                               typeDate,
			"source.ip":                               typeIP,
			"destination.ip":                          typeIP,
			"client.ip":                               typeIP,
			"host.ip":                                 typeIP,
			"related.ip":                              typeIP,
			"message":                                 typeText,
		},
	}
}

// Document is a stored document as tests see it.
type Document struct {
	Index   string         // the concrete (backing) index
	ID      string         // _id
	Version int64          // _version, 1 on creation
	Source  map[string]any // a copy of _source
}

type doc struct {
	index   string
	id      string
	seq     int64 // global write order: the _doc / _shard_doc position
	version int64
	source  map[string]any // never modified once stored: updates store a new doc

	// Values read from source, memoized per field (callers hold the server lock).
	values map[string][]any
	keys   map[string]sortKey
}

// sourceValues is sourceValues(d.source, field), memoized.
func (d *doc) sourceValues(field string) []any {
	if v, ok := d.values[field]; ok {
		return v
	}
	if d.values == nil {
		d.values = make(map[string][]any, 4)
	}
	v := sourceValues(d.source, field)
	d.values[field] = v
	return v
}

type index struct {
	name     string
	mapping  Mapping
	hidden   bool
	docs     map[string]*doc
	inferred map[string]string // field -> type inferred from the first value seen
	sorted   []*doc            // docs in write order; nil when stale

	mappedCache map[string]bool
}

// isMapped is Mapping.IsMapped, memoized per field (callers hold the server lock).
func (ix *index) isMapped(field string) bool {
	if ix.mapping.Dynamic {
		return true
	}
	if v, ok := ix.mappedCache[field]; ok {
		return v
	}
	if ix.mappedCache == nil {
		ix.mappedCache = map[string]bool{}
	}
	v := ix.mapping.IsMapped(field)
	ix.mappedCache[field] = v
	return v
}

func (ix *index) fieldType(field string) (string, bool) {
	if t, ok := ix.mapping.Types[field]; ok {
		return t, true
	}
	if !ix.isMapped(field) {
		return "", false
	}
	t, ok := ix.inferred[field]
	return t, ok
}

func (ix *index) ordered() []*doc {
	if ix.sorted == nil {
		ix.sorted = make([]*doc, 0, len(ix.docs))
		for _, d := range ix.docs {
			ix.sorted = append(ix.sorted, d)
		}
		sort.Slice(ix.sorted, func(i, j int) bool { return ix.sorted[i].seq < ix.sorted[j].seq })
	}
	return ix.sorted
}

// alias is an alias or a data stream: a name that resolves to backing indices, one of
// which takes writes.
type alias struct {
	name    string
	indices []string
	write   string
	hidden  bool
}

// template decides how a written-to name that does not exist yet is created.
type template struct {
	pattern string
	mapping Mapping
	kind    string // "index", "alias" (the alerts indices), "data_stream"
}

func (s *Server) builtinTemplates() []template {
	return []template{
		{pattern: ".alerts-security.alerts-*", mapping: AlertsMapping(), kind: "alias"},
		{pattern: "logs-*-*", mapping: DynamicMapping(), kind: "data_stream"},
	}
}

// PutIndexTemplate makes indices auto-created under names matching pattern use
// mapping. Later templates win over earlier ones and over the built-in ones
// (.alerts-security.alerts-* and logs-*-*).
func (s *Server) PutIndexTemplate(pattern string, mapping Mapping) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.templates = append([]template{{pattern: pattern, mapping: mapping, kind: "index"}}, s.templates...)
}

// CreateIndex creates a concrete index with an explicit mapping. It fails if the name
// is taken.
func (s *Server) CreateIndex(name string, mapping Mapping) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.indices[name]; ok {
		return fmt.Errorf("index [%s] already exists", name)
	}
	if _, ok := s.aliases[name]; ok {
		return fmt.Errorf("an alias or data stream named [%s] already exists", name)
	}
	s.newIndex(name, mapping)
	return nil
}

// AddAlias points alias at an existing concrete index (the last one added takes
// writes).
func (s *Server) AddAlias(aliasName, indexName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.indices[indexName]; !ok {
		return fmt.Errorf("no such index [%s]", indexName)
	}
	a := s.aliases[aliasName]
	if a == nil {
		a = &alias{name: aliasName, hidden: strings.HasPrefix(aliasName, ".")}
		s.aliases[aliasName] = a
	}
	a.indices = append(a.indices, indexName)
	a.write = indexName
	return nil
}

func (s *Server) newIndex(name string, m Mapping) *index {
	ix := &index{
		name:     name,
		mapping:  m,
		hidden:   strings.HasPrefix(name, "."),
		docs:     map[string]*doc{},
		inferred: map[string]string{},
	}
	s.indices[name] = ix
	return ix
}

// writeIndex finds or auto-creates the concrete index a write to name lands in.
func (s *Server) writeIndex(name string) (*index, error) {
	if ix, ok := s.indices[name]; ok {
		return ix, nil
	}
	if a, ok := s.aliases[name]; ok {
		return s.indices[a.write], nil
	}
	if name == "" || strings.ContainsAny(name, "*,\"\\<>|? /") || strings.HasPrefix(name, "-") || strings.HasPrefix(name, "_") {
		return nil, fmt.Errorf("invalid index name [%s]", name)
	}
	tpl := template{mapping: DynamicMapping(), kind: "index"}
	for _, t := range append(append([]template(nil), s.templates...), s.builtinTemplates()...) {
		if globMatch(t.pattern, name) {
			tpl = t
			break
		}
	}
	switch tpl.kind {
	case "alias":
		backing := ".internal." + strings.TrimPrefix(name, ".") + "-000001"
		ix := s.newIndex(backing, tpl.mapping)
		s.aliases[name] = &alias{name: name, indices: []string{backing}, write: backing, hidden: true}
		return ix, nil
	case "data_stream":
		backing := ".ds-" + name + "-" + s.now().UTC().Format("2006.01.02") + "-000001"
		ix := s.newIndex(backing, tpl.mapping)
		s.aliases[name] = &alias{name: name, indices: []string{backing}, write: backing}
		return ix, nil
	}
	return s.newIndex(name, tpl.mapping), nil
}

// Index stores doc under id in the named index, alias or data stream, creating it if
// needed the way Elasticsearch's templates would: ".alerts-security.alerts-<space>"
// becomes an alias of ".internal.alerts-security.alerts-<space>-000001" mapped
// dynamic:false (AlertsMapping), "logs-*-*" a data stream with a ".ds-..." backing
// index, anything else a dynamically mapped index. An existing id is replaced (its
// _version goes up). doc is copied.
func (s *Server) Index(name, id string, doc map[string]any) error {
	if id == "" {
		return errors.New("elasticsearch testserver: Index needs an id")
	}
	n, err := normalize(doc)
	if err != nil {
		return fmt.Errorf("elasticsearch testserver: document %s: %w", id, err)
	}
	src, _ := n.(map[string]any)
	if src == nil {
		src = map[string]any{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ix, err := s.writeIndex(name)
	if err != nil {
		return fmt.Errorf("elasticsearch testserver: %w", err)
	}
	s.put(ix, id, src)
	return nil
}

// put stores src (already normalized and owned by the store) in ix.
func (s *Server) put(ix *index, id string, src map[string]any) *doc {
	s.seq++
	d := &doc{index: ix.name, id: id, seq: s.seq, version: 1, source: src}
	if old, ok := ix.docs[id]; ok {
		d.version = old.version + 1
	}
	ix.docs[id] = d
	ix.sorted = nil
	walkScalars(src, "", func(p string, v any) {
		if _, ok := ix.inferred[p]; ok || !ix.isMapped(p) {
			return
		}
		ix.inferred[p] = inferType(v)
	})
	return d
}

// LoadNDJSON indexes newline-delimited JSON into name. Each line may be a bare _source
// document, a hit ({"_index","_id","_source"}, the elasticdump shape), or a _bulk
// action line followed by its document. Documents without an id get one from
// kibana.alert.uuid, else a generated one. It returns how many documents were stored;
// a malformed line is an error naming its line number.
func (s *Server) LoadNDJSON(name string, r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	n, line := 0, 0
	var pendingID string
	var pending bool
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		v, err := decodeJSON([]byte(text))
		if err != nil {
			return n, fmt.Errorf("elasticsearch testserver: %s line %d: %w", name, line, err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return n, fmt.Errorf("elasticsearch testserver: %s line %d: not a JSON object", name, line)
		}
		if !pending {
			if act, id, ok := bulkAction(obj); ok {
				if act == "delete" {
					continue
				}
				pending, pendingID = true, id
				continue
			}
		}
		id := pendingID
		pending, pendingID = false, ""
		src := obj
		if inner, ok := obj["_source"].(map[string]any); ok {
			src = inner
			if hid, ok := obj["_id"].(string); ok && id == "" {
				id = hid
			}
		}
		if id == "" {
			if u, ok := firstString(sourceValues(src, "kibana.alert.uuid")); ok {
				id = u
			}
		}
		if id == "" {
			id = fmt.Sprintf("%s-%d", randomID(10), line)
		}
		s.mu.Lock()
		ix, err := s.writeIndex(name)
		if err == nil {
			s.put(ix, id, src)
		}
		s.mu.Unlock()
		if err != nil {
			return n, fmt.Errorf("elasticsearch testserver: %s line %d: %w", name, line, err)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("elasticsearch testserver: %s line %d: %w", name, line+1, err)
	}
	if pending {
		return n, fmt.Errorf("elasticsearch testserver: %s line %d: bulk action without a document", name, line)
	}
	return n, nil
}

func bulkAction(obj map[string]any) (action, id string, ok bool) {
	if len(obj) != 1 {
		return "", "", false
	}
	for _, a := range []string{"index", "create", "update", "delete"} {
		if meta, isMeta := obj[a].(map[string]any); isMeta {
			id, _ = meta["_id"].(string)
			return a, id, true
		}
	}
	return "", "", false
}

func firstString(vals []any) (string, bool) {
	for _, v := range vals {
		if s, ok := v.(string); ok && s != "" {
			return s, true
		}
	}
	return "", false
}

// Get returns the document with id in the named index, alias or data stream.
func (s *Server) Get(name, id string) (Document, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ixs, err := s.resolve(name, resolveOptions{ignoreUnavailable: true, allowNoIndices: true})
	if err != nil {
		return Document{}, false
	}
	for _, ix := range ixs {
		if d, ok := ix.docs[id]; ok {
			return Document{Index: d.index, ID: d.id, Version: d.version, Source: httpkit.CopyJSON(d.source, nil).(map[string]any)}, true
		}
	}
	return Document{}, false
}

// Count returns how many documents the index expression (names, aliases, wildcards,
// comma lists) holds.
func (s *Server) Count(expr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	ixs, _ := s.resolve(expr, resolveOptions{ignoreUnavailable: true, allowNoIndices: true})
	n := 0
	for _, ix := range ixs {
		n += len(ix.docs)
	}
	return n
}

// Indices lists the concrete indices, sorted.
func (s *Server) Indices() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.indices)
}

// UpdateByQueryResult counts what UpdateByQuery did, in _update_by_query's terms.
type UpdateByQueryResult struct {
	Total   int // documents the query matched
	Updated int // documents rewritten
	Noops   int // documents the update function left alone (it returned false)
}

// UpdateByQuery rewrites the documents of the index expression that match a query DSL
// object (nil matches all), as _update_by_query with a script would. update receives
// a copy of each matching _source and its _id, changes it in place, and returns
// whether to write it back (false counts as a noop). Unknown indices are ignored, as
// with ignore_unavailable. Queries are evaluated with the index's mapping, so fields
// a dynamic:false index does not map match nothing. An invalid query returns an
// *Error with Elasticsearch's status and type.
func (s *Server) UpdateByQuery(expr string, query map[string]any, update func(id string, source map[string]any) bool) (UpdateByQueryResult, error) {
	var res UpdateByQueryResult
	var q queryNode = matchAll{}
	if query != nil {
		var err error
		if q, err = compileQuery(query); err != nil {
			return res, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ixs, err := s.resolve(expr, resolveOptions{ignoreUnavailable: true, allowNoIndices: true})
	if err != nil {
		return res, err
	}
	ctx := &evalCtx{s: s, now: s.now()}
	for _, ix := range ixs {
		for _, d := range append([]*doc(nil), ix.ordered()...) {
			if !q.match(ctx, d) {
				continue
			}
			res.Total++
			src := httpkit.CopyJSON(d.source, nil).(map[string]any)
			if !update(d.id, src) {
				res.Noops++
				continue
			}
			n, err := normalize(src)
			if err != nil {
				return res, &Error{Status: http.StatusBadRequest, Type: "illegal_argument_exception", Reason: err.Error()}
			}
			s.put(ix, d.id, n.(map[string]any))
			res.Updated++
		}
	}
	return res, nil
}

type resolveOptions struct {
	ignoreUnavailable bool
	allowNoIndices    bool
	expandHidden      bool
}

// resolve turns an index expression (comma list of names, aliases, data streams,
// wildcards and -exclusions) into concrete indices, sorted by name. A missing concrete
// name is a 404 index_not_found_exception unless ignoreUnavailable.
func (s *Server) resolve(expr string, o resolveOptions) ([]*index, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" || expr == "_all" {
		expr = "*"
	}
	set := map[string]bool{}
	for _, part := range strings.Split(expr, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		exclude := strings.HasPrefix(part, "-") && len(set) > 0
		if exclude {
			part = part[1:]
		}
		names := s.expand(part, o)
		if !strings.ContainsAny(part, "*?") && len(names) == 0 {
			if exclude || o.ignoreUnavailable {
				continue
			}
			return nil, indexNotFound(part)
		}
		for _, n := range names {
			set[n] = !exclude
		}
	}
	var out []*index
	for _, n := range sortedKeys(set) {
		if set[n] {
			out = append(out, s.indices[n])
		}
	}
	if len(out) == 0 && !o.allowNoIndices {
		return nil, indexNotFound(expr)
	}
	return out, nil
}

// expand resolves one expression part to concrete index names.
func (s *Server) expand(part string, o resolveOptions) []string {
	wild := strings.ContainsAny(part, "*?")
	visible := func(name string, hidden bool) bool {
		return !wild || !hidden || o.expandHidden || strings.HasPrefix(part, ".")
	}
	var out []string
	for name, ix := range s.indices {
		if globMatch(part, name) && visible(name, ix.hidden) {
			out = append(out, name)
		}
	}
	for name, a := range s.aliases {
		if globMatch(part, name) && visible(name, a.hidden) {
			out = append(out, a.indices...)
		}
	}
	return out
}

func indexNotFound(name string) *Error {
	return &Error{
		Status: http.StatusNotFound,
		Type:   "index_not_found_exception",
		Reason: "no such index [" + name + "]",
		Extra: map[string]any{
			"resource.type": "index_or_alias",
			"resource.id":   name,
			"index_uuid":    "_na_",
			"index":         name,
		},
	}
}
