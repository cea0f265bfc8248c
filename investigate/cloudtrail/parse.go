package cloudtrail

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/keypivot/keypivot/investigate"
)

// Stats counts what one parse read.
type Stats struct {
	Bytes      int64 // decompressed bytes read
	Compressed int64 // bytes read from the file as stored
	Records    int64 // records decoded
	Matched    int64 // records the matcher wanted
	// Skipped is true when the whole file was skipped without decoding: it holds no key
	// of interest.
	Skipped bool
	// Indexed is true when the file's tokens went into the index.
	Indexed bool
}

// MaxBuffered is the decompressed size up to which a file is held in memory, so that it
// can be skipped whole when no key of interest appears in it. Larger files are streamed.
const MaxBuffered = 64 << 20

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
// used in problems ("name:line", "name#record"). A file whose content is gzip (by its
// magic bytes, whatever its name) is decompressed. Problems never stop the parse of
// the rest of the file when the format allows resynchronising (NDJSON, arrays of
// well-formed records).
func Parse(name string, open Opener, m *Matcher, emit func([]investigate.Event)) (Stats, []investigate.Problem) {
	w := workerPool.Get().(*worker)
	defer workerPool.Put(w)
	return w.parse(&File{Path: name}, open, m, emit, nil)
}

// parse reads one file with the worker's buffers; idx, when set, receives the file's
// tokens.
func (w *worker) parse(f *File, open Opener, m *Matcher, emit func([]investigate.Event), idx *Index) (Stats, []investigate.Problem) {
	defer w.done()
	p := &parser{name: f.Path, m: m, emit: emit, w: w}
	p.run(open, f, idx)
	p.flush()
	if p.extra > 0 {
		p.problems = append(p.problems, investigate.Problem{Where: f.Path, Message: fmt.Sprintf("%d more unreadable records in this file", p.extra)})
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
	line     int
	lineOff  int64
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

// decompress wraps r in a pooled gzip reader when its content starts with gzip magic.
func decompress(rc io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(rc, 256<<10)
	magic, _ := br.Peek(2)
	if isGzip(magic) {
		zr, err := gzipReader(br)
		if err != nil {
			return nil, nil, err
		}
		return zr, func() { putGzipReader(zr) }, nil
	}
	return br, func() {}, nil
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
	zr, err := gzipReader(bytes.NewReader(src))
	if err != nil {
		return nil, errGzipHeader{err}
	}
	defer putGzipReader(zr)
	buf := w.buf
	if hint := gzipSizeHint(src); hint > cap(buf) && hint <= MaxBuffered {
		buf = make([]byte, 0, hint+bytes.MinRead)
	}
	out, err := readUpTo(buf, zr, MaxBuffered)
	w.buf = out
	return out, err
}

func (p *parser) run(open Opener, f *File, idx *Index) {
	rc, err := open()
	if err != nil {
		p.problem(p.name, "cannot open: %v", err)
		return
	}
	defer rc.Close()
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
	if isGzip(raw) {
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
	n := int64(len(content))
	p.stats.Bytes = n
	p.buf = content
	if readErr != nil {
		// A truncated gzip still yields what was decompressed before the damage.
		p.problem(p.name, "%s after %d bytes; reading the records before it", investigate.DescribeReadError(readErr), n)
	}
	if len(bytes.TrimSpace(p.buf)) == 0 {
		if readErr == nil {
			p.problem(p.name, "empty file")
		}
		return
	}
	if i := skipSpace(p.buf, 0); i >= len(p.buf) {
		p.problem(p.name, "empty file")
		return
	} else if p.buf[i] != '{' && p.buf[i] != '[' {
		// Not JSON at all: say so even when no key of interest occurs in it.
		p.problem(p.name+":1", "not JSON: file starts with %q", printable(p.buf[i:]))
		return
	}
	if p.m.All() {
		p.parseBuffer(readErr != nil)
		return
	}
	scanTokens(p.buf, &p.w.tokens)
	if readErr == nil {
		// The file's shape, checked without decoding: a file ruled out below is never
		// parsed, so this is the only place its damage can be seen.
		p.w.tokens.shape = checkShape(p.buf, whole)
		if idx != nil {
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
// any document that is not well formed, goes through the general parser.
func (p *parser) parseBuffer(truncated bool) {
	if !truncated {
		if spans, ok := recordSpans(p.buf, p.w.spans[:0]); ok {
			p.w.spans = spans
			for i, s := range spans {
				p.record(p.buf[s.start:s.end], i, int64(s.start))
			}
			return
		}
	}
	p.parseReader(bytes.NewReader(p.buf), truncated)
}

// stream parses a file too large to hold, record by record.
func (p *parser) stream(r io.Reader) {
	dr, release, err := decompress(r)
	if err != nil {
		p.problem(p.name, "not a readable gzip file: %v", err)
		return
	}
	defer release()
	cr := &countingReader{r: dr}
	p.buf = nil
	p.parseReader(cr, false)
	p.stats.Bytes = cr.n
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// parseReader detects the file's shape and reads its records.
func (p *parser) parseReader(r io.Reader, truncated bool) {
	br := bufio.NewReaderSize(r, 1<<20)
	skipBOMAndSpace(br)
	head, _ := br.Peek(1)
	if len(head) == 0 {
		return
	}
	switch head[0] {
	case '[':
		p.array(json.NewDecoder(br), "", truncated)
	case '{':
		peek, _ := br.Peek(64 << 10)
		if line, ok := firstLine(peek); ok && json.Valid(line) && moreAfterFirstLine(peek) {
			// NDJSON: one record (or one Records document) a line; a bad line is skipped.
			p.lines(br, truncated)
			return
		}
		switch firstKey(peek) {
		case "Records", "Events":
			p.wrappers(json.NewDecoder(br), truncated)
			return
		}
		p.values(json.NewDecoder(br), truncated)
	default:
		p.problem(p.name+":1", "not JSON: file starts with %q", printable(head))
	}
}

func firstByte(b []byte) byte {
	b = bytes.TrimPrefix(b, []byte{0xef, 0xbb, 0xbf})
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

func skipBOMAndSpace(br *bufio.Reader) {
	if b, _ := br.Peek(3); bytes.Equal(b, []byte{0xef, 0xbb, 0xbf}) {
		br.Discard(3)
	}
	for {
		b, err := br.Peek(1)
		if err != nil || len(b) == 0 {
			return
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			br.Discard(1)
		default:
			return
		}
	}
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

// moreAfterFirstLine reports whether anything but white space follows the first line.
func moreAfterFirstLine(b []byte) bool {
	i := bytes.IndexByte(b, '\n')
	return i >= 0 && len(bytes.TrimSpace(b[i+1:])) > 0
}

func firstLine(b []byte) ([]byte, bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, false
	}
	return bytes.TrimSpace(b[:i]), true
}

func printable(b []byte) string {
	if len(b) > 16 {
		b = b[:16]
	}
	return strings.ToValidUTF8(string(b), "?")
}

// where names a record: path:line when the line is known, else path#index. Lines are
// counted incrementally, so naming records in order costs one pass over the buffer.
func (p *parser) where(index int, offset int64) string {
	if p.buf != nil && offset >= 0 && offset <= int64(len(p.buf)) {
		if offset < p.lineOff {
			p.lineOff, p.line = 0, 0
		}
		p.line += bytes.Count(p.buf[p.lineOff:offset], []byte{'\n'})
		p.lineOff = offset
		return fmt.Sprintf("%s:%d", p.name, 1+p.line)
	}
	return fmt.Sprintf("%s#%d", p.name, index)
}

// array reads a JSON array of records (or of lookup events).
func (p *parser) array(dec *json.Decoder, ctx string, truncated bool) bool {
	if _, err := dec.Token(); err != nil { // [
		p.problem(p.where(0, 0), "invalid JSON: %v", err)
		return false
	}
	for i := 0; dec.More(); i++ {
		off := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if !truncated { // a truncated file was reported already
				p.problem(p.where(i, off), "record %d%s: invalid JSON: %v", i, ctx, err)
			}
			return false
		}
		p.record(raw, i, off)
	}
	if _, err := dec.Token(); err != nil { // ]
		if !truncated {
			p.problem(p.name, "invalid JSON at the end of the array: %v", err)
		}
		return false
	}
	return true
}

// wrappers reads one or more concatenated Records/Events documents.
func (p *parser) wrappers(dec *json.Decoder, truncated bool) {
	for p.wrapper(dec, truncated) && dec.More() {
	}
}

// wrapper reads {"Records":[...]} and lookup-events' {"Events":[...], "NextToken":...}.
func (p *parser) wrapper(dec *json.Decoder, truncated bool) bool {
	if _, err := dec.Token(); err != nil { // {
		p.problem(p.where(0, 0), "invalid JSON: %v", err)
		return false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			if !truncated {
				p.problem(p.name, "invalid JSON: %v", err)
			}
			return false
		}
		key, _ := t.(string)
		if key == "Records" || key == "Events" {
			if !p.array(dec, " of "+key, truncated) {
				return false
			}
			continue
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			if !truncated {
				p.problem(p.name, "invalid JSON in %q: %v", key, err)
			}
			return false
		}
	}
	if _, err := dec.Token(); err != nil { // }
		if !truncated {
			p.problem(p.name, "invalid JSON at the end of the document: %v", err)
		}
		return false
	}
	return true
}

// values reads one or more concatenated JSON values (a pretty-printed record, or several).
func (p *parser) values(dec *json.Decoder, truncated bool) {
	for i := 0; ; i++ {
		off := dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return
		}
		if err != nil {
			if !truncated {
				p.problem(p.where(i, off), "invalid JSON: %v", err)
			}
			return
		}
		p.value(raw, i, off)
	}
}

// lines reads NDJSON: one value a line. A bad line is reported and skipped.
func (p *parser) lines(br *bufio.Reader, truncated bool) {
	lineNo := 0
	for {
		line, err := br.ReadBytes('\n')
		lineNo++
		if t := bytes.TrimSpace(line); len(t) > 0 {
			if !json.Valid(t) {
				if err == nil || !truncated { // a truncated file's last line was reported already
					p.problem(fmt.Sprintf("%s:%d", p.name, lineNo), "invalid JSON line")
				}
			} else {
				p.valueAtLine(t, lineNo)
			}
		}
		if err != nil {
			return
		}
	}
}

// value handles one top-level value: a record, a lookup event, or a nested document.
func (p *parser) value(raw []byte, index int, off int64) {
	switch firstKey(raw) {
	case "Records", "Events":
		if bytes.HasPrefix(bytes.TrimSpace(raw), []byte{'{'}) {
			save := p.buf
			p.buf = nil
			p.wrapper(json.NewDecoder(bytes.NewReader(raw)), false)
			p.buf = save
			return
		}
	}
	p.record(raw, index, off)
}

func (p *parser) valueAtLine(raw []byte, line int) {
	where := fmt.Sprintf("%s:%d", p.name, line)
	switch firstKey(raw) {
	case "Records", "Events":
		save, name := p.buf, p.name
		p.buf, p.name = nil, where
		p.wrapper(json.NewDecoder(bytes.NewReader(raw)), false)
		p.buf, p.name = save, name
		return
	}
	p.recordAt(raw, where)
}

func (p *parser) record(raw []byte, index int, off int64) {
	p.stats.Records++
	if !p.m.MayMatch(raw) {
		return
	}
	p.decode(raw, func() string { return p.where(index, off) })
}

func (p *parser) recordAt(raw []byte, where string) {
	p.stats.Records++
	if !p.m.MayMatch(raw) {
		return
	}
	p.decode(raw, func() string { return where })
}

var cloudTrailEventKey = []byte(`"CloudTrailEvent"`)

func (p *parser) decode(raw []byte, where func() string) {
	var rec []byte
	if bytes.Contains(raw, cloudTrailEventKey) {
		// A LookupEvents result: the record is a JSON string inside it.
		var le struct {
			CloudTrailEvent *string `json:"CloudTrailEvent"`
		}
		if err := json.Unmarshal(raw, &le); err == nil && le.CloudTrailEvent != nil {
			rec = []byte(*le.CloudTrailEvent)
		}
	}
	if rec == nil {
		rec = bytes.Clone(raw) // raw may alias a pooled buffer
	}
	e, err := investigate.DecodeRecord(rec)
	if err != nil {
		p.problem(where(), "%v", err)
		return
	}
	if !p.m.Match(&e) {
		return
	}
	e.Origin = where()
	p.stats.Matched++
	p.batch = append(p.batch, e)
	if len(p.batch) >= batchSize {
		p.flush()
	}
}
