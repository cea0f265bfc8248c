package alertdoc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keypivot/keypivot/files"

	"github.com/klauspost/compress/gzip"

	"github.com/keypivot/keypivot/investigate"
)

const (
	// MaxProblemsPerFile bounds the problems reported for one file; the rest are counted
	// in one last problem.
	MaxProblemsPerFile = 5
	batchSize          = 256
	// peekBytes is how much of a file is looked at to tell NDJSON from a JSON document.
	peekBytes = 1 << 20
	// cloudTrailStopAfter: a file whose first records are this many CloudTrail events and
	// no alert is a CloudTrail log; reading stops there.
	cloudTrailStopAfter = 100
	// maxNesting bounds how deep wrappers (arrays of search responses of hits...) are
	// followed inside one record.
	maxNesting     = 4
	kindAlertFiles = "alert-files"
)

// Record kinds, as counted in a file's summary.
const (
	kindElasticDoc = "Elastic alert documents"
	kindElasticHit = "Elastic hits"
	kindESQLRow    = "ES|QL rows"
	kindGuardDuty  = "GuardDuty findings"
	kindASFF       = "Security Hub findings"
)

// Parse reads one alert export from r and passes the alerts that match q to sink in
// batches. name names the file in problems ("name:line" for NDJSON, "name#index" for
// records of arrays) and in each alert's Origin. The content may be gzip (detected by
// its magic bytes) and may be, in any mix: NDJSON of alert documents or of hits
// (elasticdump) or of bulk action/document pairs, a _search response, an ES|QL response,
// GuardDuty or Security Hub {"Findings":[...]}, EventBridge events, concatenated or
// pretty-printed documents, or a bare JSON array of any of those.
//
// q.Window filters on alert time; q.AccessKeys, when set, keeps alerts of those keys and
// every higher-order alert. Records counts the alerts read, Matched those passed to sink.
// Malformed records are problems and the rest still loads; so is a field of the wrong
// type (see MapElastic, MapGuardDuty, MapASFF), named with its record. A record larger
// than DefaultMaxRecordBytes is reported and skipped without being held. A truncated
// gzip keeps what was read before the damage. Span covers the time of every alert read,
// matched or not. Parse never panics on any input.
func Parse(name string, r io.Reader, q investigate.AlertQuery, sink func([]investigate.Alert)) investigate.SourceReport {
	rep, sum := parseFile(context.Background(), name, r, q, sink, DefaultMaxRecordBytes)
	if s := sum.String(); s != "" {
		rep.Notes = append(rep.Notes, name+": "+s)
	}
	return rep
}

// fileSummary says what one file held.
type fileSummary struct {
	container string // NDJSON, JSON document, JSON array
	kinds     map[string]int
}

func (s fileSummary) String() string {
	if s.container == "" {
		return ""
	}
	return s.container + kindsString(s.kinds)
}

func kindsString(kinds map[string]int) string {
	if len(kinds) == 0 {
		return ", no alerts"
	}
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(kinds)) {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d %s", kinds[k], k)
	}
	return b.String()
}

// parseFile reads one file; maxRecord bounds the bytes of one record (<= 0: the default).
func parseFile(ctx context.Context, name string, r io.Reader, q investigate.AlertQuery, sink func([]investigate.Alert), maxRecord int) (investigate.SourceReport, fileSummary) {
	start := time.Now()
	if maxRecord <= 0 {
		maxRecord = DefaultMaxRecordBytes
	}
	p := &parser{
		ctx:   ctx,
		name:  name,
		q:     q,
		sink:  sink,
		limit: maxRecord,
		rep:   investigate.SourceReport{Source: name, Kind: kindAlertFiles, Files: 1},
		sum:   fileSummary{kinds: map[string]int{}},
	}
	if len(q.AccessKeys) > 0 {
		p.keys = make(map[string]struct{}, len(q.AccessKeys))
		for _, k := range q.AccessKeys {
			p.keys[k.String()] = struct{}{}
		}
	}
	func() {
		defer func() {
			// Parse promises never to panic; a bug here must cost one file, not the program.
			if v := recover(); v != nil {
				p.problem(p.name, "internal error while reading this file (please report it): %v", v)
			}
		}()
		p.run(r)
	}()
	p.flush()
	p.finish()
	p.rep.Elapsed = time.Since(start)
	return p.rep, p.sum
}

type parser struct {
	ctx   context.Context
	name  string
	q     investigate.AlertQuery
	keys  map[string]struct{}
	sink  func([]investigate.Alert)
	limit int // the largest record read, in bytes

	batch []investigate.Alert
	rep   investigate.SourceReport
	sum   fileSummary
	in    *readTracker
	sc    *valueScanner // JSON documents and arrays; nil for NDJSON
	buf   []byte        // a record's bytes, reused
	// lastSize is the size of the last record read from a document or array.
	lastSize int64
	extra    int // problems past the cap
	// extraFields counts the problems past the cap by field, to name them in the count.
	extraFields map[string]int

	// Records that are valid JSON but not alerts: counted, and the first few kept, so
	// that a file of them gives one problem, not one per record.
	nonAlerts     int
	cloudTrail    int
	nonAlertProbs []investigate.Problem

	stopped  bool
	trailLog bool // the file is a CloudTrail log ({"Records":[...]})
	seen     int  // records dispatched, for cancellation checks
}

// readTracker counts decompressed bytes and keeps the first read error other than EOF
// (a truncated or corrupt gzip stream, an I/O error).
type readTracker struct {
	r   io.Reader
	n   int64
	err error
}

func (t *readTracker) Read(b []byte) (int, error) {
	n, err := t.r.Read(b)
	t.n += int64(n)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

func (p *parser) problem(where, format string, args ...any) {
	if len(p.rep.Problems) >= MaxProblemsPerFile {
		p.extra++
		return
	}
	p.rep.Problems = append(p.rep.Problems, investigate.Problem{Where: where, Message: fmt.Sprintf(format, args...)})
}

// fieldProblem reports a field of a kept alert that could not be read.
func (p *parser) fieldProblem(where string, fp FieldProblem) {
	if len(p.rep.Problems) >= MaxProblemsPerFile {
		if p.extraFields == nil {
			p.extraFields = map[string]int{}
		}
		p.extraFields[fp.Field]++
	}
	p.problem(where, "%s: ignored, the alert is kept without it", fp)
}

// tooLarge reports a record over the size limit.
func (p *parser) tooLarge(where string, n int64, at string) {
	p.problem(where, "record of %s%s is larger than the %s limit: skipped, not read (raise the limit with --max-record-size)", sizeString(n), at, sizeString(int64(p.limit)))
}

// sizeString formats a byte count for a message: "100 MiB", "1.5 KiB", "12 bytes".
func sizeString(n int64) string {
	f := func(v float64, unit string) string {
		s := strconv.FormatFloat(v, 'f', 1, 64)
		return strings.TrimSuffix(s, ".0") + " " + unit
	}
	switch {
	case n >= 1<<30:
		return f(float64(n)/(1<<30), "GiB")
	case n >= 1<<20:
		return f(float64(n)/(1<<20), "MiB")
	case n >= 1<<10:
		return f(float64(n)/(1<<10), "KiB")
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// releaseBuf keeps the record buffer for the next record unless it grew large.
func (p *parser) releaseBuf(b []byte) {
	if cap(b) > 4<<20 {
		p.buf = nil
		return
	}
	p.buf = b[:0]
}

func (p *parser) flush() {
	if len(p.batch) > 0 && p.sink != nil {
		p.sink(p.batch)
	}
	p.batch = nil
}

// Readers are pooled: a directory of many small exports must not cost a fresh megabyte
// per file.
var (
	rawReaders  = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}
	peekReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, peekBytes) }}
	gzReaders   sync.Pool
)

func getReader(pool *sync.Pool, r io.Reader) (*bufio.Reader, func()) {
	br := pool.Get().(*bufio.Reader)
	br.Reset(r)
	return br, func() {
		br.Reset(nil)
		pool.Put(br)
	}
}

// gunzip returns a pooled gzip reader over r.
func gunzip(r io.Reader) (*gzip.Reader, func(), error) {
	zr, _ := gzReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(r)
	} else {
		err = zr.Reset(r)
	}
	if err != nil {
		return nil, nil, err
	}
	return zr, func() {
		zr.Close()
		gzReaders.Put(zr)
	}, nil
}

func (p *parser) run(r io.Reader) {
	raw, release := getReader(&rawReaders, r)
	defer release()
	var src io.Reader = raw
	if magic, _ := raw.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, release, err := gunzip(raw)
		if err != nil {
			p.problem(p.name, "not a readable gzip file: %s", files.DescribeReadError(err))
			return
		}
		defer release()
		src = zr
	}
	p.in = &readTracker{r: src}
	defer func() { p.rep.Bytes = p.in.n }()
	br, releaseBig := getReader(&peekReaders, p.in)
	defer releaseBig()
	at := skipBOMAndSpace(br)
	head, _ := br.Peek(1)
	if len(head) == 0 {
		if p.in.err == nil {
			p.problem(p.name, "empty file")
		}
		return
	}
	switch head[0] {
	case '{':
		if looksNDJSON(br) {
			p.sum.container = "NDJSON"
			p.lines(br, at.line+1) // blank lines before the first record count
			return
		}
		p.stream(br, at)
	case '[':
		p.stream(br, at)
	default:
		p.problem(p.name+":1", "not JSON: the file starts with %s", quoteStart(br))
	}
}

// finish turns the counted non-alert records and the read error into problems.
func (p *parser) finish() {
	if p.in != nil && p.in.err != nil {
		p.rep.Truncated = true
		p.rep.Problems = slices.Insert(p.rep.Problems, 0, investigate.Problem{
			Where:   p.name,
			Message: fmt.Sprintf("%s after %d bytes: kept the %d alerts read before it; the rest of the file is lost", files.DescribeReadError(p.in.err), p.in.n, p.rep.Records),
		})
		if len(p.rep.Problems) > MaxProblemsPerFile {
			p.extra += len(p.rep.Problems) - MaxProblemsPerFile
			p.rep.Problems = p.rep.Problems[:MaxProblemsPerFile]
		}
	}
	if p.nonAlerts > 0 {
		switch {
		case p.rep.Records == 0 && p.cloudTrail == p.nonAlerts:
			p.problem(p.name, "a CloudTrail log, not an alert export: %s (read it as a trail source)", p.cloudTrailCount())
		case p.rep.Records == 0:
			first := p.nonAlertProbs[0]
			p.problem(p.name, "no alerts in this file: none of its %d records is an alert or finding (the first, %s: %s)", p.nonAlerts, first.Where, first.Message)
		default:
			for _, pr := range p.nonAlertProbs {
				p.problem(pr.Where, "%s", pr.Message)
			}
			p.extra += p.nonAlerts - len(p.nonAlertProbs)
		}
	}
	if p.extra > 0 {
		msg := fmt.Sprintf("%d more problems in this file", p.extra)
		if len(p.extraFields) > 0 {
			var parts []string
			for _, f := range slices.Sorted(maps.Keys(p.extraFields)) {
				parts = append(parts, fmt.Sprintf("%s: %d", f, p.extraFields[f]))
			}
			msg += " (fields ignored: " + strings.Join(parts, ", ") + ")"
		}
		p.rep.Problems = append(p.rep.Problems, investigate.Problem{Where: p.name, Message: msg})
	}
}

func (p *parser) cloudTrailCount() string {
	switch {
	case p.stopped && p.cloudTrail >= cloudTrailStopAfter:
		return fmt.Sprintf("its first %d records are CloudTrail events (reading stopped there)", p.cloudTrail)
	case p.cloudTrail == 1:
		return "its one record is a CloudTrail event"
	}
	return fmt.Sprintf("its %d records are CloudTrail events", p.cloudTrail)
}

// skipBOMAndSpace discards a UTF-8 byte order mark and leading whitespace, and returns
// a scanner's position after them.
func skipBOMAndSpace(br *bufio.Reader) valueScanner {
	var s valueScanner
	if b, _ := br.Peek(3); bytes.Equal(b, []byte{0xef, 0xbb, 0xbf}) {
		_, _ = br.Discard(3)
		s.off = 3
	}
	for {
		b, err := br.Peek(1)
		if err != nil || len(b) == 0 {
			return s
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.Discard(1)
			s.off++
			if b[0] == '\n' {
				s.line++
				s.lineStart = s.off
			}
		default:
			return s
		}
	}
}

func quoteStart(br *bufio.Reader) string {
	b, _ := br.Peek(16)
	return strconv.Quote(strings.ToValidUTF8(string(b), "\uFFFD"))
}

// looksNDJSON tells NDJSON from a JSON document that starts with '{', from the complete
// lines of the file's first megabyte. A pretty-printed document's first line is "{"
// alone, and its inner lines are indented; NDJSON has unindented lines that are whole
// JSON objects. A damaged first line does not hide NDJSON when a later line is whole.
// A document on one line with a newline after it reads as one line of NDJSON, which is
// the same thing.
func looksNDJSON(br *bufio.Reader) bool {
	buf, _ := br.Peek(peekBytes)
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

// lines reads NDJSON, one value a line; a bad line is reported and skipped. A line over
// the record limit is read past, never held: only up to the limit is kept while its
// end is not in sight.
func (p *parser) lines(br *bufio.Reader, first int) {
	var bulk bulkMeta
	for lineNo := first; !p.stopped && !p.cancelled(); lineNo++ {
		line, err := br.ReadSlice('\n')
		size := int64(len(line))
		over := false
		if err == bufio.ErrBufferFull {
			g := growBuf{head: p.buf[:0]}
			g.write(line)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				size += int64(len(line))
				switch {
				case over:
				case size > int64(p.limit)+1: // +1: the newline
					over = true
					g.drop() // the collector may have the blocks now
				default:
					g.write(line)
				}
			}
			line = g.bytes()
			p.releaseBuf(g.head) // reused by the next long line, after this one is done
		}
		if bytes.HasSuffix(line, []byte("\n")) {
			size--
		}
		lastLine := err != nil
		if over || size > int64(p.limit) {
			bulk.set = false
			p.tooLarge(lineWhere(p.name, lineNo), size, "")
		} else if t := bytes.TrimSpace(line); len(t) > 0 {
			p.line(t, lineNo, lastLine, &bulk)
		}
		if err != nil {
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
		case lastLine && p.in.err != nil:
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
		return bulkMeta{id: scalarString(meta["_id"]), index: scalarString(meta["_index"]), set: true}, true
	}
	return bulkMeta{}, false
}

// stream reads JSON documents and arrays record by record, so that a large _search
// response, ES|QL response or findings list is never held whole, and no record is held
// past the limit. at is the position after what run skipped (BOM, space).
//
// Documents are named by index ("f", "f#1", ...); a document that is a record itself
// and fills one line (NDJSON whose first line is too long to tell it by) is named by
// its line, as NDJSON is.
func (p *parser) stream(br *bufio.Reader, at valueScanner) {
	at.br = br
	p.sc = &at
	for i := 0; !p.stopped; i++ {
		where := p.name
		if i > 0 {
			where = p.name + "#" + strconv.Itoa(i)
		}
		c, err := p.sc.peekByte()
		if err == io.EOF {
			return
		}
		if err != nil {
			p.jsonError(where, err, "")
			return
		}
		line, lineStart := p.sc.line, p.sc.off == p.sc.lineStart
		switch c {
		case '[':
			p.setContainer(i, "JSON array")
			p.sc.skipByte()
			p.streamArray(where, p.element)
		case '{':
			p.setContainer(i, "JSON document")
			p.sc.skipByte()
			p.streamObject(where, func() string {
				if lineStart && p.sc.line == line && p.sc.endsLine() {
					return lineWhere(p.name, line+1)
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

// jsonError reports a syntax or read error that ends the reading of a document.
func (p *parser) jsonError(where string, err error, after string) {
	p.stopped = true
	if p.in.err != nil {
		return // the truncated stream; finish reports it once
	}
	msg := "invalid JSON: " + jsonErrString(err)
	if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
		msg = "invalid JSON: the document ends early (was the file truncated?)"
	}
	if after != "" {
		msg += "; " + after
	}
	p.problem(where, "%s", msg)
}

// syntaxError ends the reading of a document at a byte that cannot be where it is.
func (p *parser) syntaxError(where string, c byte, context string) {
	p.jsonError(where, fmt.Errorf("invalid character %s %s (at byte %d)", quoteChar(c), context, p.sc.off), "the rest of the document was not read")
}

func quoteChar(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(rune(c)) + "'"
	}
	return fmt.Sprintf("0x%02x", c)
}

func jsonErrString(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	return err.Error()
}

// record reads and decodes one record of a document or array: the next JSON value. A
// value over the limit is reported and skipped; one that is not valid JSON is reported
// and skipped (its brackets and quotes balance, so the next one is found). ok is false
// for both, and for a read error, which stops the reading.
func (p *parser) record(where string) (v any, ok bool) {
	if _, err := p.sc.peekByte(); err != nil {
		p.jsonError(where, err, "")
		return nil, false
	}
	start := p.sc.off
	raw, n, over, err := p.sc.value(p.buf[:0], p.limit)
	defer p.releaseBuf(raw)
	p.lastSize = n
	switch {
	case err != nil:
		p.jsonError(where, err, "the records after it were not read")
		return nil, false
	case n == 0:
		c, _ := p.sc.peekByte()
		p.syntaxError(where, c, "looking for the beginning of a value")
		return nil, false
	case over:
		p.tooLarge(where, n, fmt.Sprintf(" at byte %d", start))
		return nil, false
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			p.problem(where, "invalid JSON: %s (at byte %d)", se.Error(), start+se.Offset)
		} else {
			p.problem(where, "invalid JSON: %s", err)
		}
		return nil, false
	}
	return v, true
}

// skipValue consumes the next value without keeping it.
func (p *parser) skipValue(where string) bool {
	if _, _, _, err := p.sc.value(nil, -1); err != nil {
		p.jsonError(where, err, "")
		return false
	}
	return true
}

// element maps one record of an array.
func (p *parser) element(v any, where string) { p.value(v, where, "", "", 0) }

// streamArray reads the elements of an array whose '[' was read, up to its ']', and
// hands each to fn, named base#index.
func (p *parser) streamArray(base string, fn func(v any, where string)) {
	for i := 0; !p.stopped; i++ {
		if p.cancelled() {
			return
		}
		c, err := p.sc.peekByte()
		if err != nil {
			p.jsonError(base+"#"+strconv.Itoa(i), err, "")
			return
		}
		if c == ']' {
			p.sc.skipByte()
			return
		}
		if i > 0 {
			if c != ',' {
				p.syntaxError(base+"#"+strconv.Itoa(i), c, "after an array element")
				return
			}
			p.sc.skipByte()
		}
		where := base + "#" + strconv.Itoa(i)
		if v, ok := p.record(where); ok {
			fn(v, where)
		}
	}
}

// members reads the members of an object whose '{' was read, up to its '}': for each,
// fn gets the key, with the scanner at the value, and must consume the value. Keys
// longer than the record limit are skipped with their values and reported as over.
func (p *parser) members(where string, fn func(key string, first byte) bool) (overKey int64) {
	for i := 0; !p.stopped; i++ {
		c, err := p.sc.peekByte()
		if err != nil {
			p.jsonError(where, err, "")
			return
		}
		if c == '}' {
			p.sc.skipByte()
			return
		}
		if i > 0 {
			if c != ',' {
				p.syntaxError(where, c, "after an object member")
				return
			}
			p.sc.skipByte()
			if c, err = p.sc.peekByte(); err != nil {
				p.jsonError(where, err, "")
				return
			}
		}
		if c != '"' {
			p.syntaxError(where, c, "looking for an object key")
			return
		}
		raw, n, over, err := p.sc.value(nil, p.limit)
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
		if c, err = p.sc.peekByte(); err != nil || c != ':' {
			if err != nil {
				p.jsonError(where, err, "")
			} else {
				p.syntaxError(where, c, "after an object key")
			}
			return
		}
		p.sc.skipByte()
		if c, err = p.sc.peekByte(); err != nil {
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
	start := p.sc.off - 1
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
			p.sc.skipByte()
			if p.streamHits(where) {
				wrapped = true
			}
			return !p.stopped
		case strings.EqualFold(key, "Findings") && c == '[':
			wrapped = true
			p.sc.skipByte()
			p.streamArray(where, p.element)
			return !p.stopped
		case key == "Records" && c == '[':
			p.problem(where, "a CloudTrail log file ({\"Records\":[...]}), not an alert export: read it as a trail source")
			p.stopped, p.trailLog = true, true
			return false
		case key == "values" && c == '[':
			wrapped = true
			p.sc.skipByte()
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
				p.esqlRow(cols, r, where+"#"+strconv.Itoa(i))
			}
			early = nil
			return !p.stopped
		}
		if restOver {
			return p.skipValue(where)
		}
		raw, n, over, err := p.sc.value(p.buf[:0], max(p.limit-int(restBytes), 0))
		defer p.releaseBuf(raw)
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
		p.problem(where, "ES|QL response with its rows before its columns: %d rows past the %s limit not read", earlyOver, sizeString(int64(p.limit)))
	}
	if len(early) > 0 && !colsSet {
		p.problem(where, "ES|QL response without columns: its %d rows cannot be read", len(early))
		return
	}
	if wrapped {
		return
	}
	where = named()
	if restOver || overKeys > 0 {
		p.tooLarge(where, p.sc.off-start, fmt.Sprintf(" at byte %d", start))
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
			p.sc.skipByte()
			p.streamArray(where, p.element)
			return !p.stopped
		}
		return p.skipValue(where)
	})
	return found
}

func (p *parser) cancelled() bool {
	p.seen++
	if p.seen%batchSize == 0 && p.ctx.Err() != nil {
		p.stopped = true
		p.rep.Truncated = true
		return true
	}
	return false
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// value dispatches one decoded value: an object by its shape, the elements of an array.
func (p *parser) value(v any, where, id, index string, depth int) {
	switch x := v.(type) {
	case map[string]any:
		p.object(x, where, id, index, depth)
	case []any:
		if depth >= maxNesting {
			p.problem(where, "arrays nested too deep: not read")
			return
		}
		for i, e := range x {
			p.value(e, where+"#"+strconv.Itoa(i), "", "", depth+1)
			if p.stopped {
				return
			}
		}
	default:
		p.nonAlert(where, fmt.Errorf("a JSON %s, not an alert document", jsonKind(v)), false)
	}
}

// shape is what an object's keys say it is.
type shape struct {
	source, fields            map[string]any // hit
	hits                      []any          // _search response
	columns, values           []any          // ES|QL response
	findings                  []any          // {"Findings":[...]}
	records                   bool           // CloudTrail {"Records":[...]}
	detail                    map[string]any // EventBridge envelope
	detailType, eventSource   string
	kibana                    bool
	eventName, eventSourceKey bool
}

func classify(m map[string]any) shape {
	var s shape
	for k, v := range m {
		switch {
		case strings.HasPrefix(k, "kibana.") || k == "kibana":
			s.kibana = true
		case k == "_source":
			s.source, _ = v.(map[string]any)
		case k == "fields":
			s.fields, _ = v.(map[string]any)
		case k == "hits":
			if h, ok := v.(map[string]any); ok {
				s.hits, _ = h["hits"].([]any)
			}
		case k == "columns":
			s.columns, _ = v.([]any)
		case k == "values":
			s.values, _ = v.([]any)
		case k == "Records":
			_, s.records = v.([]any)
		case k == "detail":
			s.detail, _ = v.(map[string]any)
		case k == "detail-type":
			s.detailType, _ = v.(string)
		case k == "source":
			s.eventSource, _ = v.(string)
		case k == "eventName":
			s.eventName = true
		case k == "eventSource":
			s.eventSourceKey = true
		case len(k) == len("findings") && strings.EqualFold(k, "findings"):
			s.findings, _ = v.([]any)
		}
	}
	return s
}

// object maps one JSON object, or the records it wraps.
func (p *parser) object(m map[string]any, where, id, index string, depth int) {
	if depth > maxNesting {
		p.problem(where, "documents nested too deep: not read")
		return
	}
	s := classify(m)
	switch {
	case s.source != nil || (s.fields != nil && !s.kibana && (m["_id"] != nil || m["_index"] != nil)):
		a, bad, err := MapElastic(m, id, index)
		p.mapped(a, bad, err, where, kindElasticHit)
	case s.hits != nil:
		for i, h := range s.hits {
			if p.stopped || p.cancelled() {
				return
			}
			p.value(h, where+"#"+strconv.Itoa(i), "", "", depth+1)
		}
	case s.columns != nil && s.values != nil:
		cols := esqlColumns(s.columns)
		for i, row := range s.values {
			if p.stopped || p.cancelled() {
				return
			}
			rw := where + "#" + strconv.Itoa(i)
			r, ok := row.([]any)
			if !ok {
				p.problem(rw, "ES|QL row is not an array")
				continue
			}
			p.esqlRow(cols, r, rw)
		}
	case s.findings != nil:
		for i, f := range s.findings {
			if p.stopped || p.cancelled() {
				return
			}
			p.value(f, where+"#"+strconv.Itoa(i), "", "", depth+1)
		}
	case s.records:
		p.trailLog = true
		p.problem(where, "a CloudTrail log ({\"Records\":[...]}), not alerts: read it as a trail source")
	case s.detail != nil && s.detailType != "":
		p.eventBridge(m, s, where, depth)
	case s.kibana || exactDoc(m).has(fRuleName) || exactDoc(m).has(fRuleID):
		a, bad, err := MapElastic(m, id, index)
		p.mapped(a, bad, err, where, kindElasticDoc)
	case isASFFFinding(m):
		a, bad, err := MapASFF(m)
		p.mapped(a, bad, err, where, kindASFF)
	case isGuardDutyFinding(m):
		a, bad, err := MapGuardDuty(m)
		p.mapped(a, bad, err, where, kindGuardDuty)
	case s.eventName && s.eventSourceKey, isCloudTrailRecord(m):
		p.nonAlert(where, errors.New("a CloudTrail event, not an alert"), true)
	default:
		a, bad, err := MapElastic(m, id, index) // legacy signals, or an error naming the fields
		p.mapped(a, bad, err, where, kindElasticDoc)
	}
}

// eventBridge reads an EventBridge event carrying a GuardDuty finding or Security Hub
// findings.
func (p *parser) eventBridge(m map[string]any, s shape, where string, depth int) {
	switch {
	case strings.EqualFold(s.eventSource, "aws.guardduty"):
		a, bad, err := MapGuardDuty(m)
		p.mapped(a, bad, err, where, kindGuardDuty)
	case strings.EqualFold(s.eventSource, "aws.securityhub"):
		fs, _ := Doc(s.detail).Get("findings")
		arr, ok := fs.([]any)
		if !ok {
			p.nonAlert(where, fmt.Errorf("a Security Hub event (%q) without findings", s.detailType), false)
			return
		}
		for i, f := range arr {
			fm, ok := f.(map[string]any)
			fw := where + "#" + strconv.Itoa(i)
			if !ok {
				p.nonAlert(fw, fmt.Errorf("a JSON %s, not a finding", jsonKind(f)), false)
				continue
			}
			a, bad, err := MapASFF(fm)
			p.mapped(a, bad, err, fw, kindASFF)
		}
	default:
		p.nonAlert(where, fmt.Errorf("an EventBridge event of %q (%q), not a GuardDuty or Security Hub finding", s.eventSource, s.detailType), false)
	}
}

func (p *parser) esqlRow(cols []Column, row []any, where string) {
	a, bad, err := MapESQL(cols, row)
	p.mapped(a, bad, err, where, kindESQLRow)
}

// mapped counts one mapped record: an alert (with the fields it could not read), or the
// error that made it none.
func (p *parser) mapped(a investigate.Alert, bad []FieldProblem, err error, where, kind string) {
	if err != nil {
		var na *NotAlertError
		if errors.As(err, &na) {
			p.nonAlert(where, err, na.Looks == "a CloudTrail record")
			return
		}
		p.problem(where, "%v", err)
		return
	}
	for _, fp := range bad {
		p.fieldProblem(where, fp)
	}
	p.rep.Records++
	p.rep.Span.Widen(a.Time)
	p.sum.kinds[kind]++
	if !p.q.Window.Contains(a.Time) {
		return
	}
	if p.keys != nil && !a.HigherOrder {
		if _, ok := p.keys[a.AccessKeyID]; !ok {
			return
		}
	}
	a.Origin = where
	p.rep.Matched++
	p.batch = append(p.batch, a)
	if len(p.batch) >= batchSize {
		p.flush()
	}
}

// nonAlert counts a record that is valid JSON but no alert. A file of CloudTrail events
// is recognised after cloudTrailStopAfter of them and not read further.
func (p *parser) nonAlert(where string, err error, cloudTrail bool) {
	p.nonAlerts++
	if cloudTrail {
		p.cloudTrail++
	}
	if len(p.nonAlertProbs) < MaxProblemsPerFile {
		p.nonAlertProbs = append(p.nonAlertProbs, investigate.Problem{Where: where, Message: err.Error()})
	}
	if p.rep.Records == 0 && p.cloudTrail >= cloudTrailStopAfter && p.cloudTrail == p.nonAlerts {
		p.stopped = true
	}
}
