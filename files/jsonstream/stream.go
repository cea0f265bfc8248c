package jsonstream

import (
	"bytes"
	"errors"
	"io"
)

// Stream splits JSON input into values without decoding them and without holding more
// than the value being read, and not even that past a size limit: a value over the limit
// is scanned to its end (to go on with the next one) and dropped as it streams by. It
// reads from an io.Reader through a window (values are slices of it; one too large for
// the window is gathered aside in blocks and joined once), or from a buffer already in
// memory (values are slices of the buffer).
//
// Only the structure that tells where a value ends is checked (strings, brackets): what
// is inside is the decoder's business. Peek tells what comes next, Value reads the next
// value, ReadLine the rest of a line.
type Stream struct {
	// MaxDepth, when above 0, bounds the nesting of a value: Value stops at the bracket
	// past it, with the value incomplete and Err ErrTooDeep (encoding/json refuses values
	// nested deeper than 10,000, so scanning on would be wasted).
	MaxDepth int
	// ColonEndsScalar ends a bare scalar (number, true, false, null) at a colon as well:
	// `[1:2]` reads as the value 1, then a colon where a comma should be, rather than as
	// the one malformed value `1:2`.
	ColonEndsScalar bool

	r     io.Reader // nil: buf holds the whole input
	buf   []byte
	own   bool  // buf is the stream's window, not the caller's input
	pos   int   // next unread byte of buf
	base  int64 // input offset of buf[0]
	prev  byte  // the input byte before buf[0] (when base > 0)
	done  bool  // no more input to read
	err   error // why the input ended early: a read error (not EOF), or ErrTooDeep
	limit int
	spill spill // the start of a held value the window has moved past

	// Lines: line is the line number of buf[lineAt].
	line, lineAt int
}

// ErrTooDeep ends the reading of a value nested deeper than Stream.MaxDepth.
var ErrTooDeep = errors.New("JSON nested too deep")

// chunk is a stream's initial window and the size of its reads.
const chunk = 256 << 10

// FromBytes streams the values of b, a whole input in memory; limit bounds the size of a
// value held.
func FromBytes(b []byte, limit int) *Stream {
	return &Stream{buf: b, done: true, limit: limit, line: 1}
}

// FromReader streams the values read from r; limit bounds the size of a value held.
func FromReader(r io.Reader, limit int) *Stream {
	s := &Stream{}
	s.Reset(r, limit)
	return s
}

// Reset makes s a stream of r, as FromReader does, reusing its window's storage; the
// options (MaxDepth, ColonEndsScalar) are kept.
func (s *Stream) Reset(r io.Reader, limit int) {
	buf := s.buf[:0]
	if !s.own || cap(buf) == 0 {
		buf = make([]byte, 0, chunk)
	}
	*s = Stream{MaxDepth: s.MaxDepth, ColonEndsScalar: s.ColonEndsScalar, r: r, buf: buf, own: true, limit: limit, line: 1}
}

// Window is the capacity of the stream's window: what it holds in memory.
func (s *Stream) Window() int { return cap(s.buf) }

// Err is why the input ended before its end: the read error (not EOF) that ended it, or
// ErrTooDeep; nil when the input was read to its end.
func (s *Stream) Err() error { return s.err }

// fill reads more input, keeping buf[keep:] (keep <= pos); indexes into buf move back by
// the shift it returns. ok is false when there is no more input.
func (s *Stream) fill(keep int) (shift int, ok bool) {
	if s.done {
		return 0, false
	}
	if keep > 0 {
		s.lineTo(keep)
		s.prev = s.buf[keep-1]
		n := copy(s.buf, s.buf[keep:])
		s.buf = s.buf[:n]
		s.base += int64(keep)
		s.pos -= keep
		s.lineAt -= keep
		shift = keep
	}
	if len(s.buf) == cap(s.buf) {
		// Only a value being held, or a look ahead (Head), fills the window: grow it.
		n := min(max(2*cap(s.buf), chunk), s.limit+chunk)
		if n <= cap(s.buf) {
			n = cap(s.buf) + chunk
		}
		nb := make([]byte, len(s.buf), n)
		copy(nb, s.buf)
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if err != nil {
			if err != io.EOF {
				s.err = err
			}
			s.done = true
			return shift, n > 0
		}
		if n > 0 {
			return shift, true
		}
	}
}

// lineTo counts the lines up to buf[i].
func (s *Stream) lineTo(i int) int {
	if i > s.lineAt {
		s.line += bytes.Count(s.buf[s.lineAt:i], []byte{'\n'})
		s.lineAt = i
	}
	return s.line
}

// Line is the line number (from 1) of the next unread byte.
func (s *Stream) Line() int { return s.lineTo(s.pos) }

// Offset is the input offset of the next unread byte.
func (s *Stream) Offset() int64 { return s.base + int64(s.pos) }

// AtLineStart reports whether the next unread byte starts a line: it is the input's
// first byte, or follows a newline.
func (s *Stream) AtLineStart() bool {
	switch {
	case s.pos > 0:
		return s.buf[s.pos-1] == '\n'
	case s.base == 0:
		return true
	}
	return s.prev == '\n'
}

// Peek returns the next unread byte after white space (and a byte order mark at the
// start of the input), without consuming it; ok is false at the end of the input.
func (s *Stream) Peek() (byte, bool) {
	for {
		for s.pos < len(s.buf) {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\r', '\n':
				s.pos++
			case 0xef:
				if s.Offset() == 0 && s.Ahead(3) && bytes.Equal(s.buf[s.pos:s.pos+3], bom) {
					s.pos += 3
					continue
				}
				return c, true
			default:
				return c, true
			}
		}
		if _, ok := s.fill(s.pos); !ok {
			return 0, false
		}
	}
}

var bom = []byte{0xef, 0xbb, 0xbf}

// EndsLine consumes spaces, tabs and carriage returns, and reports whether a newline or
// the end of the input follows.
func (s *Stream) EndsLine() bool {
	for {
		for s.pos < len(s.buf) {
			switch s.buf[s.pos] {
			case ' ', '\t', '\r':
				s.pos++
			case '\n':
				return true
			default:
				return false
			}
		}
		if _, ok := s.fill(s.pos); !ok {
			return true
		}
	}
}

// Ahead makes at least n unread bytes available if the input has them.
func (s *Stream) Ahead(n int) bool {
	for len(s.buf)-s.pos < n {
		if _, ok := s.fill(s.pos); !ok {
			return false
		}
	}
	return true
}

// Head returns up to n unread bytes without consuming them (fewer at the end of the
// input).
func (s *Stream) Head(n int) []byte {
	s.Ahead(n)
	return s.buf[s.pos:min(len(s.buf), s.pos+n)]
}

// Skip consumes n bytes known to be there (Peek or Head returned them).
func (s *Stream) Skip(n int) { s.pos += n }

// Value reads the JSON value that starts at the next byte that is not white space. raw is
// the value when it is complete and within the limit (a slice of the stream's window,
// valid until the next read), size its length, complete false when the input ended
// inside it or before it (Err says why when that is not the end of the data). A byte
// that cannot start a value ends a value of size 0 there.
func (s *Stream) Value() (raw []byte, size int64, complete bool) {
	if _, ok := s.Peek(); !ok {
		return nil, 0, false
	}
	start := s.pos
	startOff := s.Offset()
	hold := true
	i := start
	depth := 0
	inStr, esc := false, false
	switch s.buf[i] {
	case '{', '[':
	case '"':
		inStr = true
		i++
	default:
		// A scalar: up to the next delimiter or the end of the input.
		stops := &scalarStops
		if s.ColonEndsScalar {
			stops = &scalarStopsColon
		}
		for {
			for i < len(s.buf) {
				if stops[s.buf[i]] {
					return s.held(start, i, startOff, hold, true)
				}
				i++
			}
			if !s.advance(&start, &i, &hold) {
				return s.held(start, i, startOff, hold, true)
			}
		}
	}
	maxDepth := s.MaxDepth
	if maxDepth <= 0 {
		maxDepth = int(^uint(0) >> 1)
	}
	for {
		end := len(s.buf)
		// The next quote and backslash at or after i (end: none in the window), found
		// with vectorised searches and remembered until passed, so that a string is
		// scanned once however many escapes or quotes it holds.
		nq, nb := -1, -1
	scan:
		for i < end {
			if inStr {
				if esc {
					esc = false
					i++
					continue
				}
				if nq < i {
					nq = indexFrom(s.buf[:end], i, '"')
				}
				if nb < i {
					nb = indexFrom(s.buf[:end], i, '\\')
				}
				if nb < nq {
					// An escape, and the escapes right after it, byte by byte.
					for i = nb; i < end && s.buf[i] == '\\'; i += 2 {
						if i+1 == end {
							esc, i = true, end // the escaped byte is in the next window
							break
						}
					}
					continue
				}
				if nq == end {
					i = end
					break
				}
				i = nq + 1
				inStr = false
				if depth == 0 {
					break scan // a string value
				}
				continue
			}
			c := s.buf[i]
			i++
			if !structural[c] {
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
				if depth > maxDepth {
					s.err, s.done = ErrTooDeep, true
					return s.held(start, i, startOff, false, false)
				}
			default:
				depth--
				if depth == 0 {
					break scan
				}
			}
		}
		if !inStr && depth == 0 {
			return s.held(start, i, startOff, hold, true)
		}
		// The value goes on past the window.
		if !s.advance(&start, &i, &hold) {
			return s.held(start, i, startOff, false, false)
		}
	}
}

// scalarStops are the bytes that end a bare scalar; scalarStopsColon adds the colon.
var scalarStops, scalarStopsColon = func() (a, b [256]bool) {
	for _, c := range []byte(",]} \t\r\n{[\"") {
		a[c], b[c] = true, true
	}
	b[':'] = true
	return a, b
}()

// indexFrom is the index of the first c in b at or after i, or len(b).
func indexFrom(b []byte, i int, c byte) int {
	if j := bytes.IndexByte(b[i:], c); j >= 0 {
		return i + j
	}
	return len(b)
}

// advance is what Value and ReadLine do at the end of the window, in the middle of a
// value that starts at buf[start] (after what spilled) and is scanned up to buf[i]: stop
// holding it once it is over the limit, spill what the window holds of a large one, read
// more input (keeping what is held), and move start and i with the window. It returns
// false at the end of the input.
func (s *Stream) advance(start, i *int, hold *bool) bool {
	if *hold && s.spill.n+*i-*start > s.limit {
		*hold = false // over the limit: scan on to its end without holding it
		s.spill.drop()
	}
	keep := *i
	if *hold {
		if s.r != nil && *i-*start >= spillAt {
			s.spill.write(s.buf[*start:*i])
			*start = *i
		}
		keep = *start
	}
	s.pos = *i
	shift, ok := s.fill(keep)
	*start -= shift
	*i -= shift
	s.pos = *i
	return ok
}

// held ends a value or line scanned up to buf[end] (consumed up to s.pos): the bytes
// when held and within the limit, else nil; its size from the input offset it started
// at; and complete (for a line: last) as given.
func (s *Stream) held(start, end int, startOff int64, hold, complete bool) ([]byte, int64, bool) {
	if s.pos < end {
		s.pos = end
	}
	size := s.base + int64(end) - startOff
	switch {
	case !hold || size > int64(s.limit):
		s.spill.drop()
		return nil, size, complete
	case s.spill.n > 0:
		return s.spill.join(s.buf[start:end]), size, complete
	}
	return s.buf[start:end], size, complete
}

// ReadLine reads the rest of the current line (without its newline). raw is nil when
// the line is longer than the limit (it is consumed all the same); last is set for the
// last line of the input when no newline ends it.
func (s *Stream) ReadLine() (raw []byte, size int64, last bool) {
	start := s.pos
	startOff := s.Offset()
	hold := true
	i := start
	for {
		if j := bytes.IndexByte(s.buf[i:], '\n'); j >= 0 {
			i += j
			s.pos = i + 1
			return s.held(start, i, startOff, hold, false)
		}
		i = len(s.buf)
		if !s.advance(&start, &i, &hold) {
			return s.held(start, i, startOff, hold, true)
		}
	}
}

// SkipLine consumes the input up to and including the next newline.
func (s *Stream) SkipLine() {
	for {
		if j := bytes.IndexByte(s.buf[s.pos:], '\n'); j >= 0 {
			s.pos += j + 1
			return
		}
		s.pos = len(s.buf)
		if _, ok := s.fill(s.pos); !ok {
			return
		}
	}
}
