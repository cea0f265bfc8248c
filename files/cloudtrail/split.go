package cloudtrail

import (
	"bytes"

	"github.com/keypivot/keypivot/files/jsonstream"
)

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
	i := jsonstream.SkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return out, false
	}
	i = jsonstream.SkipSpace(b, i+1)
	if !bytes.HasPrefix(b[i:], recordsKey) {
		return out, false
	}
	i = jsonstream.SkipSpace(b, i+len(recordsKey))
	if i >= len(b) || b[i] != ':' {
		return out, false
	}
	i = jsonstream.SkipSpace(b, i+1)
	if i >= len(b) || b[i] != '[' {
		return out, false
	}
	i = jsonstream.SkipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		i++
	} else {
		for {
			if i >= len(b) || b[i] != '{' {
				return out, false
			}
			end, ok := jsonstream.SkipComposite(b, i)
			if !ok {
				return out, false
			}
			out = append(out, span{i, end})
			i = jsonstream.SkipSpace(b, end)
			if i >= len(b) {
				return out, false
			}
			if b[i] == ',' {
				i = jsonstream.SkipSpace(b, i+1)
				continue
			}
			if b[i] != ']' {
				return out, false
			}
			i++
			break
		}
	}
	i = jsonstream.SkipSpace(b, i)
	if i >= len(b) || b[i] != '}' {
		return out, false
	}
	return out, jsonstream.SkipSpace(b, i+1) == len(b)
}
