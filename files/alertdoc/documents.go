package alertdoc

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/keypivot/keypivot/files"
	"github.com/keypivot/keypivot/investigate"
)

// JSON documents and arrays, streamed: the wrappers an export puts around its records
// (_search hits, ES|QL values, Findings lists) are read member by member, so that only
// one record at a time is held.

// stream reads JSON documents and arrays record by record, so that a large _search
// response, ES|QL response or findings list is never held whole, and no record is held
// past the limit.
//
// Documents are named by their place ("f", "f#record 2", ...); a document that is a
// record itself and fills one line (NDJSON whose first line is too long to tell it by)
// is named by its line, as NDJSON is.
func (p *parser) stream() {
	for i := 0; !p.stopped; i++ {
		where := p.name
		if i > 0 {
			where = files.RecordWhere(p.name, i+1)
		}
		c, err := p.peek()
		if err == io.EOF {
			return
		}
		if err != nil {
			p.jsonError(where, err, "")
			return
		}
		line, lineStart := p.sc.Line(), p.sc.AtLineStart()
		switch c {
		case '[':
			p.setContainer(i, "JSON array")
			p.sc.Skip(1)
			p.streamArray(where, p.element)
		case '{':
			p.setContainer(i, "JSON document")
			p.sc.Skip(1)
			p.streamObject(where, func() string {
				if lineStart && p.sc.Line() == line && p.sc.EndsLine() {
					return lineWhere(p.name, line)
				}
				return where
			})
		default:
			if v, ok := p.record(where); ok {
				p.problem(where, "a JSON %s, not an alert document", jsonKind(v))
			}
		}
	}
}

func (p *parser) setContainer(i int, c string) {
	switch {
	case i == 0:
		p.sum.container = c
	case i == 1:
		p.sum.container = "concatenated JSON documents"
	}
}

// element maps one record of an array.
func (p *parser) element(v any, where string) { p.value(v, where, "", "", 0) }

// streamArray reads the elements of an array whose '[' was read, up to its ']', and
// hands each to fn, named by its place (files.RecordWhere: base#record N, from 1).
func (p *parser) streamArray(base string, fn func(v any, where string)) {
	for i := 0; !p.stopped && !p.cancelled(); i++ {
		where := files.RecordWhere(base, i+1)
		if _, ok := p.nextItem(where, i, ']', "after an array element"); !ok {
			return
		}
		if v, ok := p.record(where); ok {
			fn(v, where)
		}
	}
}

// nextItem moves to item i of a list (an array's elements, an object's members) whose
// opening bracket was read: past the comma after the item before, to its first byte. ok
// is false when the list closes (closer consumed) or cannot go on (reported at where).
func (p *parser) nextItem(where string, i int, closer byte, after string) (c byte, ok bool) {
	c, err := p.peek()
	if err == nil && c == closer {
		p.sc.Skip(1)
		return c, false
	}
	if err == nil && i > 0 {
		if c != ',' {
			p.syntaxError(where, c, after)
			return c, false
		}
		p.sc.Skip(1)
		c, err = p.peek()
	}
	if err != nil {
		p.jsonError(where, err, "")
		return c, false
	}
	return c, true
}

// members reads the members of an object whose '{' was read, up to its '}': for each,
// fn gets the key, with the scanner at the value, and must consume the value. Keys
// longer than the record limit are skipped with their values and reported as over.
func (p *parser) members(where string, fn func(key string, first byte) bool) (overKey int64) {
	for i := 0; !p.stopped; i++ {
		c, ok := p.nextItem(where, i, '}', "after an object member")
		if !ok {
			return
		}
		if c != '"' {
			p.syntaxError(where, c, "looking for an object key")
			return
		}
		raw, n, over, err := p.readValue(p.limit)
		if err != nil {
			p.jsonError(where, err, "")
			return
		}
		var key string
		if !over {
			if err := json.Unmarshal(raw, &key); err != nil {
				p.problem(where, "invalid JSON: %s", jsonErrString(err))
			}
		}
		if c, err = p.peek(); err != nil || c != ':' {
			if err != nil {
				p.jsonError(where, err, "")
			} else {
				p.syntaxError(where, c, "after an object key")
			}
			return
		}
		p.sc.Skip(1)
		if c, err = p.peek(); err != nil {
			p.jsonError(where, err, "")
			return
		}
		if over {
			overKey += n
			if !p.skipValue(where) {
				return
			}
			continue
		}
		if !fn(key, c) {
			return
		}
	}
	return overKey
}

// streamObject reads an object whose '{' was read, up to its '}', streaming the arrays
// of the wrappers it knows (hits.hits, Findings, ES|QL values) and keeping its other
// members, within the record limit; an object that wraps nothing is one document.
//
// named names the document when it is a record, once it has been read.
func (p *parser) streamObject(where string, named func() string) {
	start := p.sc.Offset() - 1
	rest := map[string]any{}
	var (
		restBytes int64
		restOver  bool
		wrapped   bool
		cols      []Column
		colsSet   bool
		early     [][]any // ES|QL rows read before the columns
		earlyN    int64
		earlyOver int // rows dropped: the rows before the columns grew past the limit
	)
	row := func(v any, rw string) {
		r, ok := v.([]any)
		switch {
		case !ok:
			p.problem(rw, "ES|QL row is not an array")
		case colsSet:
			p.esqlRow(cols, r, rw)
		case earlyOver > 0 || earlyN > int64(p.limit):
			earlyOver++
		default:
			early = append(early, r)
			earlyN += p.lastSize // rows are held until the columns come: within the limit
		}
	}
	overKeys := p.members(where, func(key string, c byte) bool {
		switch {
		case key == "hits" && c == '{':
			p.sc.Skip(1)
			if p.streamHits(where) {
				wrapped = true
			}
			return !p.stopped
		case strings.EqualFold(key, "Findings") && c == '[':
			wrapped = true
			p.sc.Skip(1)
			p.streamArray(where, p.element)
			return !p.stopped
		case key == "Records" && c == '[':
			if !p.sniffPast() {
				return false
			}
			p.problem(where, "a CloudTrail log file ({\"Records\":[...]}), not an alert export: read it as a trail source")
			p.stopped, p.trailLog = true, true
			return false
		case key == "values" && c == '[':
			wrapped = true
			p.sc.Skip(1)
			p.streamArray(where, row)
			return !p.stopped
		case key == "columns" && c == '[':
			v, ok := p.record(where)
			if !ok {
				return !p.stopped
			}
			raw, _ := v.([]any)
			rest[key] = raw
			cols, colsSet = esqlColumns(raw), true
			for i, r := range early {
				p.esqlRow(cols, r, files.RecordWhere(where, i+1))
			}
			early = nil
			return !p.stopped
		}
		if restOver {
			return p.skipValue(where)
		}
		raw, n, over, err := p.readValue(max(p.limit-int(restBytes), 0))
		restBytes += n
		switch {
		case err != nil:
			p.jsonError(where, err, "")
			return false
		case over:
			restOver, rest = true, nil
			return true
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			p.problem(where, "invalid JSON in %s: %s", strconv.Quote(key), jsonErrString(err))
			return true
		}
		rest[key] = v
		return true
	})
	if p.stopped {
		return
	}
	if earlyOver > 0 {
		p.problem(where, "ES|QL response with its rows before its columns: %s past the %s limit not read", investigate.Plural(earlyOver, "row"), sizeString(int64(p.limit)))
	}
	if len(early) > 0 && !colsSet {
		p.problem(where, "ES|QL response without columns: its %s cannot be read", investigate.Plural(len(early), "row"))
		return
	}
	if wrapped {
		return
	}
	where = named()
	if restOver || overKeys > 0 {
		p.tooLarge(where, p.sc.Offset()-start, fmt.Sprintf(" at byte %d", start))
		return
	}
	p.value(rest, where, "", "", 0)
}

// streamHits reads a "hits" object whose '{' was read: its "hits" array is streamed,
// its other members skipped. It reports whether there was a hits array.
func (p *parser) streamHits(where string) bool {
	found := false
	p.members(where, func(key string, c byte) bool {
		if key == "hits" && c == '[' {
			found = true
			p.sc.Skip(1)
			p.streamArray(where, p.element)
			return !p.stopped
		}
		return p.skipValue(where)
	})
	return found
}
