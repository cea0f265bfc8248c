package cloudtrail

import (
	"bytes"
	"io"
)

// jsonStream splits JSON input into values without decoding them and without holding
// more than the value being read, and not even that past a size limit: a record over the
// limit is scanned to its end (to go on with the next one) and dropped as it streams by.
// It reads from an io.Reader through a window that grows only while a value it holds
// needs it, or from a buffer already in memory (then values are slices of the buffer).
type jsonStream struct {
	r     io.Reader // nil: buf holds the whole input
	buf   []byte
	pos   int   // next unread byte of buf
	base  int64 // input offset of buf[0]
	done  bool  // no more input to read
	err   error // the read error that ended the input (not EOF)
	limit int

	// Lines: line is the line number of buf[lineAt].
	line, lineAt int
}

// streamChunk is the stream's initial window and the size of its reads.
const streamChunk = 256 << 10

func newByteStream(b []byte, limit int) *jsonStream {
	return &jsonStream{buf: b, done: true, limit: limit, line: 1}
}

func newReaderStream(r io.Reader, limit int) *jsonStream {
	return &jsonStream{r: r, buf: make([]byte, 0, streamChunk), limit: limit, line: 1}
}

// fill reads more input, keeping buf[keep:] (keep <= pos); indexes into buf move back by
// the shift it returns. ok is false when there is no more input.
func (s *jsonStream) fill(keep int) (shift int, ok bool) {
	if s.done {
		return 0, false
	}
	if keep > 0 {
		s.lineTo(keep)
		n := copy(s.buf, s.buf[keep:])
		s.buf = s.buf[:n]
		s.base += int64(keep)
		s.pos -= keep
		s.lineAt -= keep
		shift = keep
	}
	if len(s.buf) == cap(s.buf) {
		// Only a value being held fills the window: grow it, up to the limit and a read.
		n := min(max(2*cap(s.buf), streamChunk), s.limit+streamChunk)
		if n <= cap(s.buf) {
			n = cap(s.buf) + streamChunk
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
func (s *jsonStream) lineTo(i int) int {
	if i > s.lineAt {
		s.line += bytes.Count(s.buf[s.lineAt:i], []byte{'\n'})
		s.lineAt = i
	}
	return s.line
}

// lineNo is the line of the next unread byte.
func (s *jsonStream) lineNo() int { return s.lineTo(s.pos) }

// offset is the input offset of the next unread byte.
func (s *jsonStream) offset() int64 { return s.base + int64(s.pos) }

// peek returns the next unread byte after white space (and a byte order mark at the
// start of the input), without consuming it; ok is false at the end of the input.
func (s *jsonStream) peek() (byte, bool) {
	for {
		for s.pos < len(s.buf) {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\r', '\n':
				s.pos++
			case 0xef:
				if s.offset() == 0 && s.ahead(3) && bytes.Equal(s.buf[s.pos:s.pos+3], []byte{0xef, 0xbb, 0xbf}) {
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

// ahead makes at least n unread bytes available if the input has them.
func (s *jsonStream) ahead(n int) bool {
	for len(s.buf)-s.pos < n {
		if _, ok := s.fill(s.pos); !ok {
			return false
		}
	}
	return true
}

// head returns up to n unread bytes without consuming them (fewer at the end of the
// input).
func (s *jsonStream) head(n int) []byte {
	s.ahead(n)
	return s.buf[s.pos:min(len(s.buf), s.pos+n)]
}

// skip consumes n bytes known to be there.
func (s *jsonStream) skip(n int) { s.pos += n }

// value reads the JSON value that starts at the next unread byte (peek first). raw is the
// value when it is complete and within the limit (a slice of the stream's window, valid
// until the next read), size its length, complete false when the input ended inside it.
// Only the structure is checked (strings, nesting): what is inside is the decoder's
// business.
func (s *jsonStream) value() (raw []byte, size int64, complete bool) {
	start := s.pos
	startOff := s.offset()
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
		for {
			for i < len(s.buf) {
				switch s.buf[i] {
				case ',', ']', '}', ' ', '\t', '\r', '\n', '{', '[', '"':
					return s.held(start, i, startOff, hold, true)
				}
				i++
			}
			if !s.advance(&start, &i, &hold) {
				return s.held(start, i, startOff, hold, true)
			}
		}
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

// indexFrom is the index of the first c in b at or after i, or len(b).
func indexFrom(b []byte, i int, c byte) int {
	if j := bytes.IndexByte(b[i:], c); j >= 0 {
		return i + j
	}
	return len(b)
}

// advance is what value and readLine do at the end of the window, in the middle of a
// value that starts at buf[start] and is scanned up to buf[i]: stop holding it once it is
// over the limit, read more input (keeping what is held), and move start and i with the
// window. It returns false at the end of the input.
func (s *jsonStream) advance(start, i *int, hold *bool) bool {
	if *hold && *i-*start > s.limit {
		*hold = false // over the limit: scan on to its end without holding it
	}
	keep := *i
	if *hold {
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
func (s *jsonStream) held(start, end int, startOff int64, hold, complete bool) ([]byte, int64, bool) {
	if s.pos < end {
		s.pos = end
	}
	size := s.base + int64(end) - startOff
	if !hold || size > int64(s.limit) {
		return nil, size, complete
	}
	return s.buf[start:end], size, complete
}

// readLine reads the rest of the current line (without its newline). raw is nil when
// the line is longer than the limit (it is consumed all the same); last is set for the
// last line of the input.
func (s *jsonStream) readLine() (raw []byte, size int64, last bool) {
	start := s.pos
	startOff := s.offset()
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

// skipLine consumes the input up to and including the next newline.
func (s *jsonStream) skipLine() {
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
