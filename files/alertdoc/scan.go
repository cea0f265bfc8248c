package alertdoc

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// DefaultMaxRecordBytes is the largest record (an NDJSON line, an element of an array,
// a hit, a finding, a row, a document) read by default. A larger one is reported and
// skipped without being held: a hostile or broken export cannot exhaust memory.
const DefaultMaxRecordBytes = 64 << 20

// errNesting ends the reading of a value nested deeper than maxScanDepth.
var errNesting = errors.New("JSON nested too deep")

// maxScanDepth bounds the nesting a value may have. encoding/json refuses values
// nested deeper than 10,000; a value scanned here is decoded by it afterwards.
const maxScanDepth = 10000

// valueScanner reads JSON values from a buffered stream one at a time, holding at most
// a limit of bytes of any one: past the limit it keeps scanning to the value's end
// without keeping its bytes. It checks only the structure (strings, brackets) that
// tells where a value ends; encoding/json validates what is kept.
type valueScanner struct {
	br        *bufio.Reader
	off       int64 // bytes consumed
	line      int   // newlines consumed
	lineStart int64 // the offset after the last newline consumed
}

// peekByte returns the next byte that is not JSON whitespace, without consuming it.
func (s *valueScanner) peekByte() (byte, error) {
	for {
		buf, err := s.chunk()
		if len(buf) == 0 {
			return 0, err
		}
		for i, c := range buf {
			switch c {
			case ' ', '\t', '\r', '\n':
				continue
			}
			s.consume(buf[:i])
			return c, nil
		}
		s.consume(buf)
	}
}

// endsLine consumes spaces, tabs and carriage returns, and reports whether a newline or
// the end of the stream follows.
func (s *valueScanner) endsLine() bool {
	for {
		buf, _ := s.chunk()
		if len(buf) == 0 {
			return true
		}
		for i, c := range buf {
			switch c {
			case ' ', '\t', '\r':
				continue
			}
			s.consume(buf[:i])
			return c == '\n'
		}
		s.consume(buf)
	}
}

// consume discards b, the next buffered bytes, counting its lines.
func (s *valueScanner) consume(b []byte) {
	if n := bytes.Count(b, []byte{'\n'}); n > 0 {
		s.line += n
		s.lineStart = s.off + int64(bytes.LastIndexByte(b, '\n')) + 1
	}
	s.discard(len(b))
}

// skipByte consumes one byte (the one peekByte returned).
func (s *valueScanner) skipByte() { s.discard(1) }

// chunk returns the buffered bytes, filling the buffer when it is empty.
func (s *valueScanner) chunk() ([]byte, error) {
	n := s.br.Buffered()
	if n == 0 {
		if _, err := s.br.Peek(1); err != nil {
			return nil, err
		}
		n = s.br.Buffered()
	}
	return s.br.Peek(n)
}

func (s *valueScanner) discard(n int) {
	if n > 0 {
		_, _ = s.br.Discard(n)
		s.off += int64(n)
	}
}

// blockSize is the size of the blocks a record longer than it grows by.
const blockSize = 1 << 20

// growBuf gathers a record's bytes: the first blockSize in head (a reused buffer), the
// rest in blocks of blockSize, so that a large record grows without copying itself (and
// without the garbage of the copies, which would double the peak memory of a record near
// the limit) and is joined once, at its final size.
type growBuf struct {
	head   []byte
	blocks [][]byte
	n      int
}

func (g *growBuf) write(b []byte) {
	g.n += len(b)
	if len(g.blocks) == 0 && len(g.head)+len(b) <= blockSize {
		g.head = append(g.head, b...)
		return
	}
	for len(b) > 0 {
		if len(g.blocks) == 0 || len(g.blocks[len(g.blocks)-1]) == blockSize {
			g.blocks = append(g.blocks, make([]byte, 0, blockSize))
		}
		last := &g.blocks[len(g.blocks)-1]
		k := min(len(b), blockSize-len(*last))
		*last = append(*last, b[:k]...)
		b = b[k:]
	}
}

// drop forgets the bytes gathered; the blocks go to the collector.
func (g *growBuf) drop() {
	g.head, g.blocks, g.n = g.head[:0], nil, 0
}

// bytes returns the record: head itself, or everything joined in one new buffer.
func (g *growBuf) bytes() []byte {
	if len(g.blocks) == 0 {
		return g.head
	}
	out := make([]byte, 0, g.n)
	out = append(out, g.head...)
	for _, b := range g.blocks {
		out = append(out, b...)
	}
	return out
}

// value consumes one JSON value, which starts at the next non-space byte. Its bytes are
// kept while there are at most max of them (max < 0: none are kept) and returned in out,
// in buf's storage when they fit in it; n is the value's length and over reports that it
// was longer than max, in which case out is empty. A stream that ends inside the value
// is io.ErrUnexpectedEOF (or the read error); a scalar may end at the end of the stream.
func (s *valueScanner) value(buf []byte, max int) (out []byte, n int64, over bool, err error) {
	g := growBuf{head: buf[:0]}
	out, n, over, err = s.scan(&g, max)
	if over || max < 0 {
		return buf[:0], n, over, err
	}
	return out, n, over, err
}

func (s *valueScanner) scan(g *growBuf, max int) (out []byte, n int64, over bool, err error) {
	c, err := s.peekByte()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, 0, false, err
	}
	keep := max >= 0
	take := func(b []byte) {
		n += int64(len(b))
		if !keep {
			return
		}
		if n > int64(max) {
			keep, over = false, true
			g.drop()
			return
		}
		g.write(b)
	}
	var (
		depth  int
		inStr  bool
		escape bool // the last byte of the previous chunk was a backslash in a string
	)
	switch c {
	case '{', '[':
	case '"':
	default:
		return s.scalar(g, max)
	}
	for {
		buf, rerr := s.chunk()
		if len(buf) == 0 {
			if rerr == nil || rerr == io.EOF {
				rerr = io.ErrUnexpectedEOF
			}
			return nil, n, over, rerr
		}
		i, done := 0, false
		if escape {
			i, escape = 1, false
		}
		// quote is where the next '"' at or after i is (len(buf): none in this chunk),
		// searched again only once i has passed it: a string of many escapes is scanned
		// once, not once per escape.
		quote := -1
		for i < len(buf) && !done {
			if inStr {
				if quote < i {
					quote = len(buf)
					if q := bytes.IndexByte(buf[i:], '"'); q >= 0 {
						quote = i + q
					}
				}
				if bs := bytes.IndexByte(buf[i:quote], '\\'); bs >= 0 {
					i += bs + 2
					if i > len(buf) {
						i, escape = len(buf), true
					}
					continue
				}
				if quote == len(buf) {
					i = len(buf)
					break
				}
				i = quote + 1
				inStr = false
				done = depth == 0
				continue
			}
			j := indexStructural(buf[i:])
			if j < 0 {
				i = len(buf)
				break
			}
			i += j
			switch buf[i] {
			case '"':
				inStr = true
			case '{', '[':
				depth++
				if depth > maxScanDepth {
					take(buf[:i])
					s.consume(buf[:i])
					return nil, n, over, errNesting
				}
			case '}', ']':
				depth--
				done = depth <= 0
			}
			i++
		}
		take(buf[:i])
		s.consume(buf[:i])
		if done {
			return g.bytes(), n, over, nil
		}
	}
}

// scalar consumes a number, true, false or null (or any other run of bytes up to a
// delimiter, which encoding/json then rejects).
func (s *valueScanner) scalar(g *growBuf, max int) (out []byte, n int64, over bool, err error) {
	for {
		buf, rerr := s.chunk()
		if len(buf) == 0 {
			if rerr == io.EOF {
				rerr = nil
			}
			return g.bytes(), n, over, rerr
		}
		i := 0
		for i < len(buf) && !isDelimiter(buf[i]) {
			i++
		}
		n += int64(i)
		switch {
		case over || max < 0:
		case n > int64(max):
			over = true
			g.drop()
		default:
			g.write(buf[:i])
		}
		s.consume(buf[:i])
		if i < len(buf) {
			return g.bytes(), n, over, nil
		}
	}
}

func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ']', '}', ':', '[', '{', '"':
		return true
	}
	return false
}

// indexStructural returns the index of the first quote or bracket in b, or -1.
func indexStructural(b []byte) int {
	for i, c := range b {
		switch c {
		case '"', '{', '}', '[', ']':
			return i
		}
	}
	return -1
}
