package alertdoc

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/keypivot/keypivot/investigate"
)

// NDJSON exports: one document a line (elasticdump, Elastic exports, bulk bodies).

// looksNDJSON tells NDJSON from a JSON document that starts with '{', from the complete
// lines of the file's first megabyte. A pretty-printed document's first line is "{"
// alone, and its inner lines are indented; NDJSON has unindented lines that are whole
// JSON objects. A damaged first line does not hide NDJSON when a later line is whole.
// A document on one line with a newline after it reads as one line of NDJSON, which is
// the same thing.
func looksNDJSON(buf []byte) bool {
	for i := 0; i < 16; i++ {
		nl := bytes.IndexByte(buf, '\n')
		if nl < 0 {
			return false
		}
		raw := buf[:nl]
		buf = buf[nl+1:]
		line := bytes.TrimSpace(raw)
		if i == 0 && len(line) == 1 {
			return false // "{" alone: pretty-printed
		}
		if len(raw) > 0 && raw[0] == '{' && json.Valid(line) {
			return true
		}
	}
	return false
}

// lines reads NDJSON, one value a line, from the line numbered first; a bad line is
// reported and skipped. A line over the record limit is read past, never held.
func (p *parser) lines(first int) {
	var bulk bulkMeta
	for lineNo := first; !p.stopped && !p.cancelled() && p.sc.Ahead(1); lineNo++ {
		line, size, lastLine := p.sc.ReadLine()
		if line == nil {
			bulk.set = false
			p.tooLarge(lineWhere(p.name, lineNo), size, "")
		} else if t := bytes.TrimSpace(line); len(t) > 0 {
			p.line(t, lineNo, lastLine, &bulk)
		}
		if lastLine {
			return
		}
	}
}

func lineWhere(name string, line int) string { return name + ":" + strconv.Itoa(line) }

// bulkMeta is the action line of an Elasticsearch bulk body, naming the next document.
type bulkMeta struct {
	id, index string
	set       bool
}

func (p *parser) line(t []byte, lineNo int, lastLine bool, bulk *bulkMeta) {
	where := lineWhere(p.name, lineNo)
	var v any
	if err := json.Unmarshal(t, &v); err != nil {
		switch {
		case lastLine && p.in.Err != nil:
			// Cut by the truncated stream; finish reports the truncation once.
		case lastLine:
			p.problem(where, "invalid JSON: %s (the last line is cut short: was the file truncated?)", jsonErrString(err))
		default:
			p.problem(where, "invalid JSON: %s", jsonErrString(err))
		}
		bulk.set = false
		return
	}
	if m, ok := v.(map[string]any); ok {
		if meta, ok := bulkAction(m); ok {
			*bulk = meta
			return
		}
	}
	id, index := "", ""
	if bulk.set {
		id, index, bulk.set = bulk.id, bulk.index, false
	}
	p.value(v, where, id, index, 0)
}

// bulkAction recognises a bulk action line: {"index":{"_index":...,"_id":...}} (or create).
func bulkAction(m map[string]any) (bulkMeta, bool) {
	if len(m) != 1 {
		return bulkMeta{}, false
	}
	for k, v := range m {
		if k != "index" && k != "create" {
			return bulkMeta{}, false
		}
		meta, ok := v.(map[string]any)
		if !ok {
			return bulkMeta{}, false
		}
		_, hasID := meta["_id"]
		_, hasIndex := meta["_index"]
		if !hasID && !hasIndex {
			return bulkMeta{}, false
		}
		return bulkMeta{id: investigate.ScalarString(meta["_id"]), index: investigate.ScalarString(meta["_index"]), set: true}, true
	}
	return bulkMeta{}, false
}
