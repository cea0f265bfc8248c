package cloudtrail

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/keypivot/keypivot/files/jsonstream"
	"github.com/keypivot/keypivot/investigate"
)

// Shape check. A file whose tokens rule it out is never decoded, so nothing in the parser
// would notice that it is not a trail file at all (an alert export passed as --trail, a
// config file) or that it was cut short (a partial copy): the query would silently read
// nothing from it. checkShape runs on every buffered file next to the token scan and says,
// without decoding, whether the file is a complete CloudTrail document:
//
//   - its top level is one of the shapes the parser reads: {"Records":[...]}, a bare array,
//     NDJSON (or concatenated documents), lookup-events output {"Events":[...]};
//   - it is complete: it ends with the brackets its shape ends with and, for plain files,
//     its braces balance (two counting passes, vectorised by the bytes package). Content
//     inflated from gzip whose trailer checked out (CRC and length) is what its writer
//     wrote whole: for {"Records":[...]}, the archive's case, its ending alone is
//     checked, which keeps the scan of an archive at the cost it had. Only when a check fails is the file walked
//     structurally, which tells a damaged file from strings holding odd braces and says
//     where the damage is;
//   - it holds CloudTrail records at all: an "eventTime" or "eventID" member, or the
//     "CloudTrailEvent" string of lookup-events output (found in the first record of a
//     real file, so the search ends at once), unless its list of records is empty.
//
// CloudTrail digest files are not logs and are not reported.

var (
	eventTimeToken       = []byte(`"eventTime"`)
	eventIDToken         = []byte(`"eventID"`)
	cloudTrailEventToken = []byte(`"CloudTrailEvent"`)
	digestToken          = []byte(`"digestStartTime"`)
)

// shapeProblem is what checkShape found wrong: where is "" or ":LINE", appended to the
// file's name.
type shapeProblem struct {
	where, message string
	// notTrail: the file holds no CloudTrail records at all (not merely damaged ones).
	notTrail bool
}

// checkShape checks b, a whole decompressed file that starts (after a BOM and white space)
// with '{' or '['; whole is set when b was inflated from a gzip file whose trailer checked
// out. It returns nil for a complete CloudTrail document.
func checkShape(b []byte, whole bool) *shapeProblem {
	i := jsonstream.SkipSpace(b, 0)
	if i >= len(b) || (b[i] != '{' && b[i] != '[') {
		return nil // empty files and non-JSON are reported by the parser before this
	}
	first := ""
	if b[i] == '{' {
		first = firstKey(b[i:min(len(b), i+4096)])
	}
	if first == "awsAccountId" && bytes.Contains(b, digestToken) {
		return nil // a CloudTrail digest file: not a log, nothing to read
	}
	if p := checkComplete(b, i, first, whole); p != nil {
		return p
	}
	if bytes.Contains(b, eventTimeToken) || bytes.Contains(b, eventIDToken) || bytes.Contains(b, cloudTrailEventToken) {
		return nil
	}
	if emptyRecords(b, i, first) {
		return nil
	}
	// Not CloudTrail. Say whether it is JSON at all, and what it starts with.
	if p := firstSyntaxError(b, i); p != nil {
		p.notTrail = true
		return p
	}
	return &shapeProblem{message: fmt.Sprintf("not CloudTrail (no records with eventID/eventTime): file starts with %s", quoteHead(b[i:])), notTrail: true}
}

// checkComplete is the completeness test: the cheap ending and counts, then, when they
// fail, the structural walk that decides and locates.
func checkComplete(b []byte, i int, first string, whole bool) *shapeProblem {
	// The archive's files, {"Records":[...]} inflated whole, are trusted to be what
	// CloudTrail wrote once they end as they should; other shapes (exports, NDJSON that
	// a line can break) are counted whatever they came in.
	whole = whole && first == "Records"
	if endsAsItShould(b, i, first) && (whole || bytes.Count(b, []byte{'{'}) == bytes.Count(b, []byte{'}'})) {
		return nil
	}
	return walkStructure(b, i)
}

// endsAsItShould reports whether b ends with what its shape ends with: "]}" after the
// last record of {"Records":[...]}, "]" after the last record of an array, "}" for the
// rest.
func endsAsItShould(b []byte, i int, first string) bool {
	end := lastNonSpace(b, i, len(b))
	switch {
	case b[i] == '[':
		return b[end] == ']' && end > i && closesRecords(b, i, end)
	case first == "Records":
		if b[end] != '}' || end == i {
			return false
		}
		end = lastNonSpace(b, i, end)
		return b[end] == ']' && closesRecords(b, i, end)
	}
	return b[end] == '}'
}

// closesRecords: the ']' at end closes a list of records (follows '}' or the '[' of an
// empty list).
func closesRecords(b []byte, i, end int) bool {
	prev := lastNonSpace(b, i, end)
	return prev < end && (b[prev] == '}' || b[prev] == '[')
}

// lastNonSpace is the index of the last byte of b[i:before] that is not white space (i
// when there is none).
func lastNonSpace(b []byte, i, before int) int {
	j := before - 1
	for j > i && (b[j] == ' ' || b[j] == '\t' || b[j] == '\r' || b[j] == '\n') {
		j--
	}
	return max(j, i)
}

// walkStructure walks the top-level values of b from i, skipping strings with their
// escapes. NDJSON (the first value ends on its line and more follows) is walked a line at
// a time, so that a damaged line is named and the walk goes on; anything else must be a
// sequence of complete values.
func walkStructure(b []byte, i int) *shapeProblem {
	end, ok := jsonstream.SkipComposite(b, i)
	if !ok {
		return incomplete(b, i, len(b))
	}
	if !endsLine(b, end) || jsonstream.SkipSpace(b, end) >= len(b) {
		// One document (or documents on one line): what follows must be values too.
		for j := jsonstream.SkipSpace(b, end); j < len(b); j = jsonstream.SkipSpace(b, end) {
			if b[j] != '{' && b[j] != '[' {
				return &shapeProblem{where: lineOf(b, j), message: fmt.Sprintf("invalid JSON at byte %d: %s after the end of the document", j, quoteHead(b[j:]))}
			}
			if end, ok = jsonstream.SkipComposite(b, j); !ok {
				return incomplete(b, j, len(b))
			}
		}
		return nil
	}
	// NDJSON: one value a line.
	var bad []int
	badLine := ""
	for j := jsonstream.SkipSpace(b, end); j < len(b); {
		eol := bytes.IndexByte(b[j:], '\n')
		if eol < 0 {
			eol = len(b)
		} else {
			eol += j
		}
		lineOK := false
		if b[j] == '{' || b[j] == '[' {
			e, ok := jsonstream.SkipComposite(b[:eol], j)
			if !ok && eol == len(b) {
				return incomplete(b, j, len(b))
			}
			lineOK = ok && len(bytes.TrimSpace(b[e:eol])) == 0
		}
		if !lineOK {
			if len(bad) == 0 {
				badLine = lineOf(b, j)
			}
			bad = append(bad, j)
		}
		j = jsonstream.SkipSpace(b, eol)
	}
	if len(bad) == 0 {
		return nil
	}
	msg := "invalid JSON line"
	if len(bad) > 1 {
		msg = fmt.Sprintf("invalid JSON line (and %s)", investigate.Plural(len(bad)-1, "more line"))
	}
	return &shapeProblem{where: badLine, message: msg}
}

// endsLine reports whether only spaces and tabs separate b[end:] from a newline.
func endsLine(b []byte, end int) bool {
	for ; end < len(b); end++ {
		switch b[end] {
		case ' ', '\t', '\r':
		case '\n':
			return true
		default:
			return false
		}
	}
	return false
}

// incomplete describes a value starting at start that is not closed before limit: cut
// short when the bytes up to the end are valid so far, else damaged where the decoder
// stops.
func incomplete(b []byte, start, limit int) *shapeProblem {
	dec := json.NewDecoder(bytes.NewReader(b[start:limit]))
	var raw json.RawMessage
	err := dec.Decode(&raw)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		at := start + int(se.Offset) - 1
		at = max(start, min(at, len(b)))
		return &shapeProblem{where: lineOf(b, at), message: fmt.Sprintf("invalid JSON at byte %d: %v", at, err)}
	}
	return &shapeProblem{where: lineOf(b, len(b)), message: fmt.Sprintf("truncated at byte %d: the value that starts at byte %d (line %d) is never closed; records after the cut are missing", len(b), start, lineNumber(b, start))}
}

// firstSyntaxError decodes b's values and reports the first syntax error, for a file
// that is already known not to hold CloudTrail (so the cost does not matter).
func firstSyntaxError(b []byte, i int) *shapeProblem {
	dec := json.NewDecoder(bytes.NewReader(b[i:]))
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return nil
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			at := i + int(se.Offset) - 1
			at = max(i, min(at, len(b)))
			return &shapeProblem{where: lineOf(b, at), message: fmt.Sprintf("invalid JSON at byte %d: %v", at, err)}
		}
		if err != nil {
			return nil // cut short: checkComplete said otherwise; trust the structure
		}
	}
}

// emptyRecords reports whether b's list of records is empty: {"Records":[]},
// {"Events":[]}, [].
func emptyRecords(b []byte, i int, first string) bool {
	j := i + 1
	if b[i] == '{' {
		if first != "Records" && first != "Events" {
			return false
		}
		j = bytes.IndexByte(b[i:], ':')
		if j < 0 {
			return false
		}
		j = jsonstream.SkipSpace(b, i+j+1)
		if j >= len(b) || b[j] != '[' {
			return false
		}
		j++
	}
	j = jsonstream.SkipSpace(b, j)
	return j < len(b) && b[j] == ']'
}

func lineNumber(b []byte, off int) int { return 1 + bytes.Count(b[:min(off, len(b))], []byte{'\n'}) }

func lineOf(b []byte, off int) string { return fmt.Sprintf(":%d", lineNumber(b, off)) }

// quoteHead quotes the beginning of b for a message.
func quoteHead(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%q...", printable(b, 40))
	}
	return fmt.Sprintf("%q", printable(b, 40))
}
