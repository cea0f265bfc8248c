// Package elasticsearch is an Elasticsearch test server: an httptest server that speaks
// enough of Elasticsearch's REST API, with its real limits and error shapes, for the
// official clients (github.com/elastic/go-elasticsearch v8 and v9, raw esapi or typed)
// to work against it unchanged. Adapter tests use it where no real cluster exists.
//
// # Starting it
//
//	es := elasticsearch.New(t)                                   // 8.19.7, a generated API key
//	es := elasticsearch.New(t, elasticsearch.WithVersion("9.1.5"),
//		elasticsearch.WithAPIKey("id", "secret"), elasticsearch.WithBasicAuth("elastic", "pw"))
//	client, _ := es8.NewClient(es8.Config{Addresses: []string{es.URL()}, APIKey: es.APIKey()})
//
// Every response carries X-Elastic-Product: Elasticsearch, so the clients' product
// check passes. GET / reports the configured version. Requests need
// "Authorization: ApiKey base64(id:key)" or Basic credentials (WithoutAuth turns that
// off); otherwise 401 security_exception with WWW-Authenticate challenges.
// compatible-with media types (the typed clients send them) are accepted for the
// server's major and the one before, so a v9 typed client against an 8.x server gets
// the media_type_header_exception a real 8.x cluster answers.
//
// # Loading documents
//
// Index(name, id, doc) and LoadNDJSON(name, r) store documents; LoadSampleAlerts(space)
// loads real-layout Elastic Security alerts (SampleAlerts returns them). Names behave as
// Elasticsearch's templates make them: ".alerts-security.alerts-<space>" is an alias of
// ".internal.alerts-security.alerts-<space>-000001" mapped dynamic:false
// (AlertsMapping: ECS and kibana.* fields indexed, aws.cloudtrail.* only in _source);
// "logs-*-*" names are data streams with ".ds-<name>-<date>-000001" backing indices;
// anything else is a dynamically mapped index. Hits report the backing index in
// _index, as a real cluster does. CreateIndex, AddAlias and PutIndexTemplate set
// other layouts up. Get, Count and Indices read the store back; UpdateByQuery rewrites
// matching documents (the Kibana test server uses it).
//
// # Endpoints
//
//   - GET|HEAD /, GET /_security/_authenticate
//   - GET|POST [/<target>]/_search: query, size, from, sort (fields, _score, _doc,
//     _shard_doc; asc/desc; format; missing; unmapped_type), search_after, pit
//     {id, keep_alive}, track_total_hits (default 10,000), rest_total_hits_as_int,
//     _source (bool, patterns, includes/excludes, also as URL parameters), fields (with
//     include_unmapped and format), runtime_mappings (script-less runtime fields read
//     _source at their own name), post_filter, version, seq_no_primary_term,
//     filter_path. Targets are comma lists with wildcards and -exclusions; a wildcard
//     not starting with "." does not reach hidden (dot) indices; a missing concrete
//     index is a 404 index_not_found_exception.
//   - POST /<target>/_pit?keep_alive=1m, DELETE /_pit: a point in time sees the
//     documents as they were when it opened; searches with it add the implicit
//     _shard_doc tiebreaker to sort (and to each hit's sort values); an unknown or
//     expired id is the 404 search_phase_execution_exception /
//     search_context_missing_exception; keep_alive over 24h is refused.
//   - POST /_query (ES|QL): FROM <patterns> [METADATA _id, _index, _version], WHERE
//     (==, !=, <, <=, >, >=, AND, OR, NOT, IS [NOT] NULL, [NOT] LIKE, [NOT] IN,
//     STARTS_WITH, ENDS_WITH, TO_LOWER, TO_UPPER, TO_DATETIME, NOW, MV_COUNT), KEEP,
//     DROP, SORT [ASC|DESC] [NULLS FIRST|LAST], LIMIT; params (named ?name and
//     positional ?); the "filter" query DSL; columnar; drop_null_columns. Implicit
//     LIMIT 1,000 (with the Warning header), results capped at 10,000.
//   - GET|POST [/<target>]/_count, GET /<index>/_doc/<id>, POST [/<target>]/_refresh.
//
// Query DSL: bool (must, filter, should, must_not, minimum_should_match), term (with
// case_insensitive; CIDR blocks on ip fields), terms, range (gt/gte/lt/lte on dates
// with ISO dates, epoch_millis, epoch_second and date math such as now-10d/d; on
// numbers, ips and keywords), exists, ids, match, match_phrase, prefix, wildcard,
// match_all, match_none, constant_score. Queries on fields an index does not map match
// nothing, as in Elasticsearch.
//
// # Limits and errors
//
// index.max_result_window is 10,000: from+size beyond it is the 400
// search_phase_execution_exception with the "Result window is too large" cause, so only
// a point in time with search_after pages further. search_after needs a sort of the
// same length and from 0; _shard_doc needs a point in time; sorting on a field no
// target maps is the query_shard_exception "No mapping found for [f] in order to sort
// on". Request features the server does not implement (aggregations, scroll,
// highlighting, scripts, other query types or ES|QL commands) are refused with a 400
// whose reason says "elasticsearch testserver does not implement", never ignored.
//
// # Assertions and faults
//
// Requests(endpoint) counts requests by Endpoint* name, RequestLog returns them
// (method, path, query, headers, body), OpenPITs counts live points in time and
// ExpirePITs ends them. InjectFault makes an endpoint answer an error (429
// es_rejected_execution_exception, 503, ...) or slow down, a number of times.
// WithClock controls time for keep-alive expiry and date math.
//
// # Known differences from Elasticsearch
//
// One shard per index; scores are 1 (scoring context) or 0 (filter context), not BM25;
// strings in dynamically mapped indices behave as keyword fields (a ".keyword" suffix
// is accepted), and text analysis is a lower-casing tokenizer; field types are
// inferred from the first value seen; multi-valued ES|QL comparisons evaluate to null
// with Elasticsearch's warning; ES|QL reads only mapped fields (there is no
// unmapped_fields="load"); shard failures on some indices are reported as a failure of
// the whole request.
//
// As a test server it imports only the standard library, the AWS SDK where it signs or
// models requests, and its sibling test-server packages; no keypivot adapter or domain
// package, so that what it checks is the wire protocol, not keypivot's own types.
package elasticsearch
