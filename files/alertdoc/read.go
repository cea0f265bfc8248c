package alertdoc

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/keypivot/keypivot/files"
	"github.com/keypivot/keypivot/files/jsonstream"
)

// Reading an export's bytes: gzip by content, the JSON stream over the content, and
// the values read from it one at a time, decoded only once they are known to be whole
// and within the record limit.

// rawReaders and streams are reused: a folder of many small exports must not cost
// fresh buffers per file.
var (
	rawReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}
	streams    = sync.Pool{New: func() any { return &jsonstream.Stream{MaxDepth: maxScanDepth, ColonEndsScalar: true} }}
)

// maxScanDepth bounds the nesting a value may have. encoding/json refuses values
// nested deeper than 10,000; a value scanned here is decoded by it afterwards.
const maxScanDepth = 10000

// maxPooledWindow is the largest stream window kept for the next file.
const maxPooledWindow = 4 << 20

// run reads one export: its content (gzip or not) is NDJSON, read line by line, or JSON
// documents and arrays, streamed value by value; anything else is reported.
func (p *parser) run(r io.Reader) {
	raw := rawReaders.Get().(*bufio.Reader)
	raw.Reset(r)
	defer func() {
		raw.Reset(nil)
		rawReaders.Put(raw)
	}()
	p.gzipped = files.StartsGzip(raw)
	content, release, err := files.Decompress(raw)
	if err != nil {
		msg := "not a readable gzip file: " + files.DescribeReadError(err, true)
		p.problem(p.name, "%s", msg)
		if p.sniff != nil {
			p.sniff.unreadable(msg)
		}
		return
	}
	defer release()
	p.in = &files.CountingReader{R: content}
	defer func() { p.rep.Bytes = p.in.N }()
	p.sc = streams.Get().(*jsonstream.Stream)
	p.sc.Reset(p.in, p.limit)
	defer func() {
		if p.sc.Window() <= maxPooledWindow {
			p.sc.Reset(nil, 0)
			streams.Put(p.sc)
		}
	}()
	if p.sniff != nil && !p.sniffStart() {
		return
	}
	c, ok := p.sc.Peek()
	if !ok {
		if p.in.Err == nil {
			p.problem(p.name, "empty file")
		}
		return
	}
	switch c {
	case '{':
		if looksNDJSON(p.sc.Head(peekBytes)) {
			p.sum.container = "NDJSON"
			p.lines(p.sc.Line()) // blank lines before the first record count
			return
		}
		p.stream()
	case '[':
		p.stream()
	default:
		p.problem(p.name+":1", "not JSON: the file starts with %s", quoteStart(p.sc.Head(16)))
	}
}

// quoteStart quotes the start of a file for a message.
func quoteStart(head []byte) string {
	return strconv.Quote(strings.ToValidUTF8(string(head), "\uFFFD"))
}

// jsonError reports a syntax or read error that ends the reading of a document.
func (p *parser) jsonError(where string, err error, after string) {
	p.stopped = true
	if p.in.Err != nil {
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
	p.jsonError(where, fmt.Errorf("invalid character %s %s (at byte %d)", quoteChar(c), context, p.sc.Offset()), "the rest of the document was not read")
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
	if _, err := p.peek(); err != nil {
		p.jsonError(where, err, "")
		return nil, false
	}
	start := p.sc.Offset()
	raw, n, over, err := p.readValue(p.limit)
	p.lastSize = n
	switch {
	case err != nil:
		p.jsonError(where, err, "the records after it were not read")
		return nil, false
	case n == 0:
		c, _ := p.sc.Peek()
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

// peek returns the next byte that is not white space, without consuming it: io.EOF at
// the end of the input, or the error that cut the input short.
func (p *parser) peek() (byte, error) {
	if c, ok := p.sc.Peek(); ok {
		return c, nil
	}
	if err := p.sc.Err(); err != nil {
		return 0, err
	}
	return 0, io.EOF
}

// readValue consumes the next value, held when it is at most limit bytes long (limit <
// 0: never), until the next read: over says it was longer. A value the input ends
// inside is io.ErrUnexpectedEOF, or the error that cut the input short
// (jsonstream.ErrTooDeep for one nested past maxScanDepth).
func (p *parser) readValue(limit int) (raw []byte, n int64, over bool, err error) {
	c, _ := p.sc.Peek()
	raw, n, complete := p.sc.Value()
	switch {
	case !complete:
		if err = p.sc.Err(); err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, n, false, err
	case c != '{' && c != '[' && c != '"' && p.sc.Err() != nil && !p.sc.Ahead(1):
		// A number or literal that runs into the error that cut the input short may be
		// cut short itself.
		return nil, n, false, p.sc.Err()
	case limit >= 0 && n > int64(limit):
		return nil, n, true, nil
	}
	return raw, n, false, nil
}

// skipValue consumes the next value without keeping it.
func (p *parser) skipValue(where string) bool {
	if _, _, _, err := p.readValue(-1); err != nil {
		p.jsonError(where, err, "")
		return false
	}
	return true
}
