package cloudtrail

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/keypivot/keypivot/files"
	"github.com/keypivot/keypivot/files/jsonstream"
	"github.com/keypivot/keypivot/investigate"
)

// Stats counts what one parse read.
type Stats struct {
	Bytes      int64 // decompressed bytes read
	Compressed int64 // bytes read from the file as stored
	Records    int64 // records split from the file (decoded when they may match)
	Matched    int64 // records the matcher wanted
	// Skipped is true when the whole file was skipped without decoding: it holds no key
	// of interest.
	Skipped bool
	// Indexed is true when the file's tokens went into the index.
	Indexed bool
	// Searched is true when the file's content was read (false: it could not be opened,
	// or is not readable gzip).
	Searched bool
	// Span is the earliest and latest eventTime of the file's records, matched or not;
	// Accounts and Regions their recipientAccountId and awsRegion values (filled for
	// files outside the S3 layout, whose folders say them otherwise).
	Span              investigate.Window
	Accounts, Regions []string
}

// MaxBuffered is the decompressed size up to which a file is held in memory, so that it
// can be skipped whole when no key of interest appears in it. Larger files are streamed.
const MaxBuffered = 64 << 20

// DefaultMaxRecordBytes is the default limit on the size of one record (one NDJSON line,
// one element of an array or of Records). A record over the limit is reported, with its
// file and place, and never held whole: the reader scans on to its end and goes on with
// the next record. The limit bounds the memory a hostile or broken file can take.
const DefaultMaxRecordBytes = 64 << 20

// retainBuffer is the largest buffer a worker keeps between files; larger ones (rare
// huge files) go back to the garbage collector, so idle memory stays small.
const retainBuffer = 8 << 20

// maxProblemsPerFile bounds the problems reported for one file; the rest are counted.
const maxProblemsPerFile = 5

const batchSize = 256

// Opener opens a log file's raw (possibly gzip) content.
type Opener func() (io.ReadCloser, error)

// worker holds what one goroutine reuses from file to file: the file as read, the
// decompressed content, the token scan and a whole-file inflater.
type worker struct {
	// retain is the largest buffer kept between files (default retainBuffer).
	retain int
	raw    []byte
	buf    []byte
	spans  []span
	tokens Tokens
	facts  facts
	whole  wholeInflater
}

func newWorker() *worker {
	w := &worker{}
	if newWholeInflater != nil {
		w.whole = newWholeInflater()
	}
	return w
}

var workerPool = sync.Pool{New: func() any { return newWorker() }}

// done drops oversized buffers before the worker is reused.
func (w *worker) done() {
	keep := w.retain
	if keep <= 0 {
		keep = retainBuffer
	}
	if cap(w.raw) > keep {
		w.raw = nil
	}
	if cap(w.buf) > keep {
		w.buf = nil
	}
	if cap(w.spans) > 1<<16 {
		w.spans = nil
	}
}

// Parse reads one log file and passes the events m wants to emit, in batches. name is
// used in problems and origins: "name:line" for NDJSON, "name#record 3" for the records
// of arrays and Records documents. A file whose content is gzip (by its magic bytes,
// whatever its name) is decompressed. Problems never stop the parse of the rest of the
// file when the format allows resynchronising (NDJSON, arrays of well-formed records).
// Records over DefaultMaxRecordBytes are reported and left out.
func Parse(name string, open Opener, m *Matcher, emit func([]investigate.Event)) (Stats, []investigate.Problem) {
	w := workerPool.Get().(*worker)
	defer workerPool.Put(w)
	return w.parse(&File{Path: name}, open, m, emit, nil, 0)
}

// parse reads one file with the worker's buffers; idx, when set, receives the file's
// tokens; limit bounds a record's size (0: DefaultMaxRecordBytes).
func (w *worker) parse(f *File, open Opener, m *Matcher, emit func([]investigate.Event), idx *Index, limit int) (Stats, []investigate.Problem) {
	defer w.done()
	if limit <= 0 {
		limit = DefaultMaxRecordBytes
	}
	w.facts.reset()
	p := &parser{name: f.Path, base: f.Path, m: m, emit: emit, w: w, limit: limit, places: f.Layout == nil}
	if reopenable(f) {
		p.src = &fileRecords{file: File{Path: f.Path, Size: f.Size}, open: open, limit: limit}
	}
	p.run(open, f, idx)
	p.flush()
	if p.extra > 0 {
		p.problems = append(p.problems, investigate.Problem{Where: f.Path, Message: fmt.Sprintf("%d more unreadable records in this file", p.extra)})
	}
	if p.stats.Searched && !p.notTrail {
		p.stats.Span, p.stats.Accounts, p.stats.Regions = p.coverage()
	}
	return p.stats, p.problems
}

type parser struct {
	name     string
	m        *Matcher
	emit     func([]investigate.Event)
	w        *worker
	batch    []investigate.Event
	stats    Stats
	problems []investigate.Problem
	extra    int
	buf      []byte // the whole decompressed file, when buffered
	limit    int    // the largest record read

	// Coverage facts: places asks for accounts and regions (files outside the layout);
	// perRecord takes the facts from each record (streamed files) rather than from the
	// whole buffer; notTrail drops them (the file is not CloudTrail).
	places, perRecord, notTrail bool

	// Naming: base is the file's name, or "name:LINE" while the records of a Records
	// document on an NDJSON line are read (baseLine is that LINE); recNo numbers the
	// records of arrays and documents (from 1); valueLine and onLine name top-level
	// values by their line.
	base              string
	baseLine          int
	recNo             int
	valueLine, onLine int

	// src reads the file's records again for the events that keep them by reference
	// (nil: events hold their records).
	src *fileRecords
	// Reading one record again (rawsource.go): want is its place (recordLoc), found the
	// record once read; stop ends the reading there.
	finding bool
	want    uint64
	found   []byte
	stop    bool
}

// place names a record: its line (NDJSON and other top-level values), its index in an
// array or a Records document (from 1), or both.
type place struct{ line, rec int }

func (p *parser) at(pl place) string {
	s := p.base
	if pl.line > 0 {
		s += ":" + strconv.Itoa(pl.line)
	}
	if pl.rec > 0 {
		s = files.RecordWhere(s, pl.rec)
	}
	return s
}

func (p *parser) problem(where, format string, args ...any) {
	if len(p.problems) >= maxProblemsPerFile {
		p.extra++
		return
	}
	p.problems = append(p.problems, investigate.Problem{Where: where, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) flush() {
	if len(p.batch) > 0 {
		p.emit(p.batch)
		p.batch = nil
	}
}

// coverage is what the file's records cover, from the facts gathered so far.
func (p *parser) coverage() (investigate.Window, []string, []string) {
	f := &p.w.facts
	return f.window(), slices.Clone(f.accounts), slices.Clone(f.regions)
}

// errGzipHeader marks a file that starts with gzip magic but has no valid header.
type errGzipHeader struct{ err error }

func (e errGzipHeader) Error() string { return e.err.Error() }

// gunzip decompresses a whole gzip file held in memory: with libdeflate when built in,
// else (or when libdeflate rejects it) with klauspost/compress, which keeps what came
// before damage. A result longer than MaxBuffered means: too large to hold.
func (w *worker) gunzip(src []byte) ([]byte, error) {
	if w.whole != nil {
		if hint := gzipSizeHint(src); hint <= MaxBuffered {
			out, err := w.whole.gunzip(w.buf, src, MaxBuffered)
			if err == nil {
				w.buf = out
				return out, nil
			}
		}
	}
	zr, release, err := files.Gunzip(bytes.NewReader(src))
	if err != nil {
		return nil, errGzipHeader{err}
	}
	defer release()
	buf := w.buf
	if hint := gzipSizeHint(src); hint > cap(buf) && hint <= MaxBuffered {
		buf = make([]byte, 0, hint+bytes.MinRead)
	}
	out, err := readUpTo(buf, zr, MaxBuffered)
	w.buf = out
	return out, err
}

// maxDeflateRatio is the most a deflate stream inflates (258-byte matches in a few bits):
// a gzip size field beyond it for the stored size is not to be believed (a cut-short file
// ends in compressed data, not in its size field).
const maxDeflateRatio = 1032

func (p *parser) run(open Opener, f *File, idx *Index) {
	rc, err := open()
	if err != nil {
		p.problem(p.name, "cannot open: %v", err)
		return
	}
	defer rc.Close()
	if f.Size > MaxBuffered {
		// Known to be too large to hold (its size as listed): stream it from the start.
		p.stream(rc)
		return
	}
	raw, rerr := readUpTo(p.w.raw, rc, MaxBuffered)
	p.w.raw = raw
	p.stats.Compressed = int64(len(raw))
	if len(raw) > MaxBuffered && rerr == nil {
		// Too large to hold: stream it, from what was read and the rest.
		p.stream(io.MultiReader(bytes.NewReader(raw), rc))
		return
	}
	var readErr error
	content := raw
	whole := false // inflated from gzip, trailer checked
	if rerr != nil {
		// A read that failed midway (a dropped connection) yields what came before.
		readErr = rerr
	}
	if files.IsGzip(raw) {
		if hint := gzipSizeHint(raw); hint > MaxBuffered && hint/maxDeflateRatio <= len(raw) {
			// A small file that inflates past what is held (a gzip bomb, a huge export):
			// stream it rather than inflate it into a buffer first.
			p.stream(bytes.NewReader(raw))
			return
		}
		out, err := p.w.gunzip(raw)
		var he errGzipHeader
		if errors.As(err, &he) {
			p.problem(p.name, "not a readable gzip file: %v", he.err)
			return
		}
		if len(out) > MaxBuffered {
			p.stream(bytes.NewReader(raw))
			return
		}
		content = out
		if err != nil {
			readErr = err
		}
		whole = readErr == nil
	}
	p.stats.Searched = true
	n := int64(len(content))
	p.stats.Bytes = n
	p.buf = content
	if readErr != nil {
		// A truncated gzip still yields what was decompressed before the damage.
		p.problem(p.name, "%s after %s; reading the records before it", files.DescribeReadError(readErr, files.IsGzip(raw)), investigate.Plural(int(n), "byte"))
	}
	if len(bytes.TrimSpace(p.buf)) == 0 {
		if readErr == nil {
			p.problem(p.name, "empty file")
		}
		return
	}
	if i := jsonstream.SkipSpace(p.buf, 0); i >= len(p.buf) {
		p.problem(p.name, "empty file")
		return
	} else if p.buf[i] != '{' && p.buf[i] != '[' {
		// Not JSON at all: say so even when no key of interest occurs in it.
		p.problem(p.name+":1", "not JSON: file starts with %q", printable(p.buf[i:], 16))
		p.notTrail = true
		return
	}
	if p.finding {
		p.parseBuffer(readErr != nil)
		return
	}
	// What the records cover, matched or not: one more search over bytes in cache.
	p.w.facts.scanTimes(p.buf)
	if p.places {
		p.w.facts.scanPlaces(p.buf)
	}
	if p.m.All() {
		p.parseBuffer(readErr != nil)
		return
	}
	scanTokens(p.buf, &p.w.tokens)
	if readErr == nil {
		// The file's shape, checked without decoding: a file ruled out below is never
		// parsed, so this is the only place its damage can be seen.
		sp := checkShape(p.buf, whole)
		p.w.tokens.shape = sp
		p.notTrail = sp != nil && sp.notTrail
		if idx != nil {
			if !p.notTrail {
				w, accounts, regions := p.coverage()
				p.w.tokens.span, p.w.tokens.accounts, p.w.tokens.regions = spanOf(w), accounts, regions
			}
			idx.add(f, &p.w.tokens)
			p.stats.Indexed = true
		}
	}
	if !p.m.MayMatchTokens(&p.w.tokens) {
		p.stats.Skipped = true
		if sp := p.w.tokens.shape; sp != nil {
			p.problem(p.name+sp.where, "%s", sp.message)
		}
		return
	}
	p.parseBuffer(readErr != nil)
}

// parseBuffer reads the records of the buffered file: {"Records":[...]} documents, the
// S3 layout's shape, are split into records without decoding them; everything else, and
// any document that is not well formed, goes through the general reader.
func (p *parser) parseBuffer(truncated bool) {
	if !truncated {
		if spans, ok := recordSpans(p.buf, p.w.spans[:0]); ok {
			p.w.spans = spans
			for i, s := range spans {
				p.record(p.buf[s.start:s.end], int64(s.end-s.start), place{rec: i + 1}, true)
				if p.stop {
					return
				}
			}
			return
		}
	}
	p.parseStream(jsonstream.FromBytes(p.buf, p.limit), truncated)
}

// stream parses a file too large to hold, record by record: memory stays within the
// record size limit and the reader's window, whatever the file's size.
func (p *parser) stream(r io.Reader) {
	cr := &files.CountingReader{R: r}
	br := bufio.NewReaderSize(cr, streamRead)
	gzipped := files.StartsGzip(br)
	dr, release, err := files.Decompress(br)
	if err != nil {
		p.problem(p.name, "not a readable gzip file: %v", err)
		return
	}
	defer release()
	p.stats.Searched = true
	out := &files.CountingReader{R: dr}
	p.buf = nil
	p.perRecord = true
	s := jsonstream.FromReader(out, p.limit)
	p.parseStream(s, false)
	p.stats.Bytes = out.N
	p.stats.Compressed = cr.N
	if s.Err() != nil {
		p.problem(p.name, "%s after %s; the records before it were read", files.DescribeReadError(s.Err(), gzipped), investigate.Plural(int(out.N), "byte"))
	}
}

// streamRead is the size of the reads of a streamed file as stored.
const streamRead = 256 << 10

// parseStream detects the input's shape and reads its records: NDJSON (one record, or
// one Records document, a line: a bad line is reported and skipped), arrays of records,
// {"Records":[...]} and lookup-events {"Events":[...]} documents, and concatenated or
// pretty-printed records, in any mix.
func (p *parser) parseStream(s *jsonstream.Stream, truncated bool) {
	c, ok := s.Peek()
	if !ok {
		return
	}
	switch c {
	case '{':
		if looksNDJSON(s.Head(ndjsonHead)) {
			p.lines(s, truncated)
			return
		}
		p.values(s, truncated)
	case '[':
		p.values(s, truncated)
	default:
		p.problem(p.name+":1", "not JSON: file starts with %q", printable(s.Head(16), 16))
	}
}

// values reads top-level values: records (named by the line they start on), arrays of
// records and Records/Events documents (their records named by index).
func (p *parser) values(s *jsonstream.Stream, truncated bool) {
	for {
		c, ok := s.Peek()
		if !ok {
			return
		}
		line := s.Line()
		switch c {
		case '[':
			if !p.array(s, truncated) {
				return
			}
		case '{':
			switch firstKey(s.Head(4096)) {
			case "Records", "Events":
				if !p.document(s, truncated) {
					return
				}
				continue
			}
			if line == p.valueLine {
				p.onLine++
			} else {
				p.valueLine, p.onLine = line, 1
			}
			at := place{line: line}
			if p.onLine > 1 {
				at.rec = p.onLine // several values on one line
			}
			raw, size, complete := s.Value()
			if !complete {
				p.cut(s, truncated, at)
				return
			}
			p.record(raw, size, at, false)
			if p.stop {
				return
			}
		default:
			p.problem(p.at(place{line: line}), "invalid JSON: %q where a record should start; the rest of the line is skipped", printable(s.Head(16), 16))
			s.SkipLine()
		}
	}
}

// next moves to the next item of a list (an array's elements, an object's members) after
// n items, past the comma, and returns its first byte; ok is false when the list closes
// (closer consumed; closed is set) or cannot go on (reported).
func (p *parser) next(s *jsonstream.Stream, n int, closer byte, truncated bool) (c byte, ok, closed bool) {
	c, ok = s.Peek()
	if ok && c == closer {
		s.Skip(1)
		return c, false, true
	}
	if ok && n > 0 {
		if c != ',' {
			if closer == ']' {
				p.problem(p.at(place{rec: p.recNo}), "invalid JSON after this record: %q where \",\" or \"]\" should be", printable(s.Head(16), 16))
			} else {
				p.problem(p.at(place{line: s.Line()}), "invalid JSON: %q where \",\" or \"}\" should be", printable(s.Head(16), 16))
			}
			return c, false, false
		}
		s.Skip(1)
		c, ok = s.Peek()
	}
	if !ok {
		p.cut(s, truncated, place{rec: p.recNo + 1})
	}
	return c, ok, false
}

// items reads a list (an array or an object) from its opener up to closer, handing item
// the first byte of each item; item reads the item and says whether to go on. items
// reports whether the list closed.
func (p *parser) items(s *jsonstream.Stream, closer byte, truncated bool, item func(c byte) bool) bool {
	s.Skip(1)
	for n := 0; ; n++ {
		c, ok, closed := p.next(s, n, closer, truncated)
		if !ok {
			return closed
		}
		if !item(c) {
			return false
		}
	}
}

// array reads an array of records (or of lookup events) from its '['.
func (p *parser) array(s *jsonstream.Stream, truncated bool) bool {
	return p.items(s, ']', truncated, func(c byte) bool {
		p.recNo++
		at := place{rec: p.recNo}
		if c == ']' || c == ',' {
			p.problem(p.at(at), "invalid JSON: %q where a record should be", string(c))
			return false
		}
		raw, size, complete := s.Value()
		if !complete {
			p.cut(s, truncated, at)
			return false
		}
		p.record(raw, size, at, false)
		return !p.stop
	})
}

// document reads {"Records":[...]} and lookup-events' {"Events":[...], "NextToken":...}
// from its '{', the records as they stream by; other members are skipped.
func (p *parser) document(s *jsonstream.Stream, truncated bool) bool {
	return p.items(s, '}', truncated, func(c byte) bool {
		if c != '"' {
			p.problem(p.at(place{line: s.Line()}), "invalid JSON: %q where a member name should be", printable(s.Head(16), 16))
			return false
		}
		key, _, complete := s.Value()
		name := string(key)
		var ok bool
		if c, ok = s.Peek(); !complete || !ok || c != ':' {
			if complete && ok {
				p.problem(p.at(place{line: s.Line()}), "invalid JSON: %q where \":\" should be", printable(s.Head(16), 16))
			} else {
				p.cut(s, truncated, place{rec: p.recNo + 1})
			}
			return false
		}
		s.Skip(1)
		if c, ok = s.Peek(); !ok {
			p.cut(s, truncated, place{rec: p.recNo + 1})
			return false
		}
		if c == '[' && (name == `"Records"` || name == `"Events"`) {
			return p.array(s, truncated)
		}
		if _, _, complete := s.Value(); !complete {
			p.cut(s, truncated, place{rec: p.recNo + 1})
			return false
		}
		return true
	})
}

// lines reads NDJSON: one record, or one Records document, a line. A bad line is
// reported and skipped; a line over the limit is scanned past without being held.
func (p *parser) lines(s *jsonstream.Stream, truncated bool) {
	for s.Ahead(1) {
		lineNo := s.Line()
		raw, size, last := s.ReadLine()
		if raw == nil {
			p.tooLarge(place{line: lineNo}, size)
		} else if t := bytes.TrimSpace(raw); len(t) > 0 {
			if !json.Valid(t) {
				if !last || !(truncated || s.Err() != nil) { // a truncated file's last line was reported already
					p.problem(p.at(place{line: lineNo}), "invalid JSON line")
				}
			} else {
				p.line(t, lineNo)
			}
		}
		if last || p.stop {
			return
		}
	}
}

// line handles one NDJSON line: a record, or a Records document.
func (p *parser) line(raw []byte, line int) {
	switch firstKey(raw) {
	case "Records", "Events":
		if raw[0] == '{' {
			base, recNo := p.base, p.recNo
			p.base, p.baseLine, p.recNo = p.at(place{line: line}), line, 0
			sub := jsonstream.FromBytes(raw, p.limit)
			sub.Peek()
			p.document(sub, false)
			p.base, p.baseLine, p.recNo = base, 0, recNo
			return
		}
	}
	p.record(raw, int64(len(raw)), place{line: line}, true)
}

// cut reports a value the input ended inside, unless the read error that ended it is
// reported already.
func (p *parser) cut(s *jsonstream.Stream, truncated bool, at place) {
	if truncated || s.Err() != nil {
		return
	}
	p.problem(p.at(at), "truncated at byte %d: the value is never closed; records after the cut are missing", s.Offset())
}

// tooLarge reports a record over the size limit.
func (p *parser) tooLarge(at place, size int64) {
	p.problem(p.at(at), "record of %s is over the record size limit of %s: not read (raise the limit with --max-record-size)", sizeString(size), sizeString(int64(p.limit)))
}

// sizeString says a size in bytes the way a person reads it.
func sizeString(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GiB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// firstKey returns the first object key of a JSON document's beginning.
func firstKey(b []byte) string {
	i := bytes.IndexByte(b, '{')
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(b[i+1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '"' {
		return ""
	}
	end := bytes.IndexByte(rest[1:], '"')
	if end < 0 {
		return ""
	}
	return string(rest[1 : 1+end])
}

// ndjsonHead is how much of a file's start tells NDJSON from other shapes: enough for a
// few lines of Records documents (a CloudTrail file on one line is often 100 KB).
const ndjsonHead = 1 << 20

// looksNDJSON reports whether head, the start of a file that starts with '{', is one
// JSON value a line: its first line is a whole value and more follows; or its first line
// is damaged (neither a value nor values run together) and other lines start values, so
// that the lines after the damage are still read one by one.
func looksNDJSON(head []byte) bool {
	nl := bytes.IndexByte(head, '\n')
	if nl < 0 {
		return false // one line, or a first line longer than the head: read as values
	}
	first, rest := bytes.TrimSpace(head[:nl]), head[nl+1:]
	switch {
	case len(first) <= 1:
		return false // "{" alone: pretty-printed
	case json.Valid(first):
		return len(bytes.TrimSpace(rest)) > 0
	case valuesRunTogether(first):
		return false // concatenated values (Firehose writes them so): read as values
	}
	return bytes.Contains(head[nl:], []byte("\n{"))
}

// valuesRunTogether reports whether b is several whole JSON values one after another.
func valuesRunTogether(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	n := 0
	for {
		var v json.RawMessage
		if err := dec.Decode(&v); err == io.EOF {
			return n > 1
		} else if err != nil {
			return false
		}
		n++
	}
}

// printable is the start of b, up to n bytes, for a message (quoted with %q): what does
// not decode as UTF-8 shows as "?".
func printable(b []byte, n int) string {
	return strings.ToValidUTF8(string(b[:min(len(b), n)]), "?")
}

// record handles one record (raw is nil when it is over the size limit): counted, its
// facts taken when the file is streamed, and decoded when the matcher may want it.
// checked says raw is known to be valid JSON; other records the matcher rules out are
// validated, so that a damaged record is reported whether or not it holds the key.
func (p *parser) record(raw []byte, size int64, at place, checked bool) {
	if p.finding {
		if loc, ok := p.recordLoc(at); ok && loc == p.want && raw != nil {
			rec, fresh := recordBytes(raw)
			if !fresh {
				rec = bytes.Clone(rec)
			}
			p.found, p.stop = rec, true
		}
		return
	}
	if raw == nil || size > int64(p.limit) {
		p.tooLarge(at, size)
		return
	}
	p.stats.Records++
	if p.perRecord {
		p.w.facts.scanTimes(raw)
		if p.places {
			p.w.facts.scanPlaces(raw)
		}
	}
	if !p.m.MayMatch(raw) {
		if !checked && !json.Valid(raw) {
			p.problem(p.at(at), "invalid JSON")
		}
		return
	}
	p.decode(raw, at)
}

var cloudTrailEventKey = []byte(`"CloudTrailEvent"`)

// recordBytes is the CloudTrail record raw holds: raw itself, or, for a LookupEvents
// result, the record in its CloudTrailEvent string (fresh: a copy of its own).
func recordBytes(raw []byte) (rec []byte, fresh bool) {
	if bytes.Contains(raw, cloudTrailEventKey) {
		var le struct {
			CloudTrailEvent *string `json:"CloudTrailEvent"`
		}
		if err := json.Unmarshal(raw, &le); err == nil && le.CloudTrailEvent != nil {
			return []byte(*le.CloudTrailEvent), true
		}
	}
	return raw, false
}

// recordLoc is a record's place as RawSource's loc: the line it is on, or the line of
// the NDJSON line whose Records document holds it, and its index in an array or a
// document (or among the values on its line). ok is false past 2^32 lines or records.
func (p *parser) recordLoc(at place) (uint64, bool) {
	line := at.line
	if line == 0 {
		line = p.baseLine
	}
	if line < 0 || at.rec < 0 || uint64(line) > math.MaxUint32 || uint64(at.rec) > math.MaxUint32 {
		return 0, false
	}
	return uint64(line)<<32 | uint64(at.rec), true
}

func (p *parser) decode(raw []byte, at place) {
	rec, fresh := recordBytes(raw)
	var (
		e   investigate.Event
		err error
	)
	if loc, ok := p.recordLoc(at); ok && p.src != nil {
		// The event keeps where its record is, not the record: raw may alias a pooled
		// buffer, and is not kept.
		e, err = investigate.DecodeRecordAt(rec, p.src, loc)
	} else {
		if !fresh {
			rec = bytes.Clone(rec) // raw may alias a pooled buffer
		}
		e, err = investigate.DecodeRecord(rec)
	}
	if err != nil {
		p.problem(p.at(at), "%v", err)
		return
	}
	if !p.m.Match(&e) {
		return
	}
	e.Origin = investigate.OriginOf(p.base, at.line, at.rec)
	p.stats.Matched++
	p.batch = append(p.batch, e)
	if len(p.batch) >= batchSize {
		p.flush()
	}
}
