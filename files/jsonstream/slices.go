package jsonstream

import "bytes"

// Values in a buffer already in memory: the same structural reading as Stream's, over a
// byte slice, for callers that walk a whole file.

// SkipSpace returns the index of the first byte of b at or after i that is not JSON
// white space (len(b) when there is none), past a byte order mark at the start of b.
func SkipSpace(b []byte, i int) int {
	if i == 0 && bytes.HasPrefix(b, bom) {
		i = 3
	}
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// structural marks the bytes that change a value's nesting: quotes and brackets.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// SkipComposite returns the end of the object or array that starts at b[i]; ok is false
// when b ends before it closes. Strings are skipped with their escapes; nothing is
// decoded.
func SkipComposite(b []byte, i int) (end int, ok bool) {
	depth := 0
	n := len(b)
	for i < n {
		c := b[i]
		if !structural[c] {
			i++
			continue
		}
		switch c {
		case '"':
			j := i + 1
			for {
				k := bytes.IndexByte(b[j:], '"')
				if k < 0 {
					return 0, false
				}
				j += k
				bs := 0
				for p := j - 1; p > i && b[p] == '\\'; p-- {
					bs++
				}
				if bs%2 == 0 {
					break
				}
				j++
			}
			i = j + 1
			continue
		case '{', '[':
			depth++
		default: // '}', ']'
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
		i++
	}
	return 0, false
}
