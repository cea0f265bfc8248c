package cloudtrail

import "bytes"

// span is a record's place in a buffer.
type span struct{ start, end int }

var recordsKey = []byte(`"Records"`)

// recordSpans finds the records of a {"Records":[{...},...]} document, the shape of every
// file in the S3 layout, by its structure alone: strings are skipped with their escapes,
// objects and arrays are balanced, nothing is decoded. ok is false for anything else
// (another shape, other members, a document cut short); the caller then uses the general
// parser, which says what is wrong and where. A record that is not valid JSON inside a
// balanced structure is found by the decoder if the record is wanted.
func recordSpans(b []byte, out []span) ([]span, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return out, false
	}
	i = skipSpace(b, i+1)
	if !bytes.HasPrefix(b[i:], recordsKey) {
		return out, false
	}
	i = skipSpace(b, i+len(recordsKey))
	if i >= len(b) || b[i] != ':' {
		return out, false
	}
	i = skipSpace(b, i+1)
	if i >= len(b) || b[i] != '[' {
		return out, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		i++
	} else {
		for {
			if i >= len(b) || b[i] != '{' {
				return out, false
			}
			end, ok := skipComposite(b, i)
			if !ok {
				return out, false
			}
			out = append(out, span{i, end})
			i = skipSpace(b, end)
			if i >= len(b) {
				return out, false
			}
			if b[i] == ',' {
				i = skipSpace(b, i+1)
				continue
			}
			if b[i] != ']' {
				return out, false
			}
			i++
			break
		}
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != '}' {
		return out, false
	}
	return out, skipSpace(b, i+1) == len(b)
}

func skipSpace(b []byte, i int) int {
	if i == 0 && bytes.HasPrefix(b, []byte{0xef, 0xbb, 0xbf}) {
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

// structural marks the bytes skipComposite stops at.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// skipComposite returns the end of the object or array that starts at b[i].
func skipComposite(b []byte, i int) (int, bool) {
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
