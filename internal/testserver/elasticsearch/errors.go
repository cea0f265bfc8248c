package elasticsearch

import (
	"fmt"
	"net/http"
)

// Error is an Elasticsearch error response: the HTTP status and the exception type and
// reason, rendered in Elasticsearch's {"error":{"root_cause":[...],...},"status":N}
// shape. UpdateByQuery returns one for Kibana's test server to relay.
type Error struct {
	Status int
	Type   string
	Reason string
	// Extra holds further members of the exception object (index, resource.id, ...).
	Extra map[string]any
	// CausedBy is the underlying exception, if any.
	CausedBy *Error
	// Shard, when set, wraps the error as a search_phase_execution_exception
	// ("all shards failed") whose shard failures carry this error, as Elasticsearch
	// reports errors raised while searching the shards.
	Shard *ShardFailure
}

// ShardFailure places an error on shards: the phase and the index whose shards failed.
type ShardFailure struct {
	Phase string // "query", "fetch", "dfs"...
	Index string // "" for a failure not tied to an index (a missing search context)
	Shard int    // -1 when not tied to a shard
}

func (e *Error) Error() string {
	return fmt.Sprintf("[%d] %s: %s", e.Status, e.Type, e.Reason)
}

func (e *Error) cause() map[string]any {
	m := map[string]any{"type": e.Type, "reason": e.Reason}
	for k, v := range e.Extra {
		m[k] = v
	}
	if e.CausedBy != nil {
		m["caused_by"] = e.CausedBy.cause()
	}
	return m
}

func (e *Error) root() map[string]any {
	m := map[string]any{"type": e.Type, "reason": e.Reason}
	for k, v := range e.Extra {
		m[k] = v
	}
	return m
}

// body renders the whole response body.
func (e *Error) body() map[string]any {
	if e.Shard == nil {
		return map[string]any{
			"error":  mergeMaps(e.cause(), map[string]any{"root_cause": []any{e.root()}}),
			"status": e.Status,
		}
	}
	var index any
	if e.Shard.Index != "" {
		index = e.Shard.Index
	}
	failure := map[string]any{"shard": e.Shard.Shard, "index": index, "reason": e.cause()}
	if e.Shard.Shard >= 0 {
		failure["node"] = nodeID
	}
	outer := map[string]any{
		"root_cause":    []any{e.root()},
		"type":          "search_phase_execution_exception",
		"reason":        "all shards failed",
		"phase":         e.Shard.Phase,
		"grouped":       true,
		"failed_shards": []any{failure},
	}
	if e.Status != http.StatusNotFound {
		outer["caused_by"] = e.cause()
	}
	return map[string]any{"error": outer, "status": e.Status}
}

func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func badRequest(typ, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: typ, Reason: fmt.Sprintf(format, args...)}
}

// parsingError is the parsing_exception the query parser raises.
func parsingError(format string, args ...any) *Error {
	return &Error{
		Status: http.StatusBadRequest, Type: "parsing_exception", Reason: fmt.Sprintf(format, args...),
		Extra: map[string]any{"line": 1, "col": 1},
	}
}

// unsupported reports a valid Elasticsearch feature the test server does not
// implement, so that a test failing on it says so plainly.
func unsupported(format string, args ...any) *Error {
	return &Error{
		Status: http.StatusBadRequest, Type: "illegal_argument_exception",
		Reason: "elasticsearch testserver does not implement " + fmt.Sprintf(format, args...),
	}
}

func validationError(msg string) *Error {
	return &Error{
		Status: http.StatusBadRequest, Type: "action_request_validation_exception",
		Reason: "Validation Failed: 1: " + msg + ";",
	}
}
