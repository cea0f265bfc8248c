package investigate

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/keypivot/keypivot/investigate/sanitize"
)

// An alert's document as its source gave it, kept for the analyst to read next to what
// keypivot made of it: the fields keypivot does not map (the rule's query, the copied
// event, enrichments) are often the ones that settle a question.

// MaxRawDocument bounds the bytes of one alert document a case keeps. Elastic alert
// documents are a few kilobytes to a few tens (the copied event, the rule's parameters);
// the bound keeps a case of many alerts, or one pathological document, from holding
// megabytes each.
const MaxRawDocument = 256 << 10

// KeepRaw returns a copy of doc bounded to MaxRawDocument bytes (for Alert.Raw), and
// doc's whole size (for Alert.RawSize). The copy never shares doc's memory: readers
// reuse their buffers. An empty doc gives nil and 0.
func KeepRaw(doc []byte) (json.RawMessage, int) {
	doc = bytes.TrimSpace(doc)
	if len(doc) == 0 {
		return nil, 0
	}
	n := min(len(doc), MaxRawDocument)
	return bytes.Clone(doc[:n]), len(doc)
}

// RawDocumentText is an alert's raw document for a screen or a report: indented JSON
// with every character that could act on a terminal escaped (sanitize.JSON) and the
// values of secret-named members redacted, like every JSON keypivot writes. A document
// cut at MaxRawDocument is shown as it was kept, followed by a line saying so; a document
// that is not JSON is shown escaped as text. "" when there is none.
func RawDocumentText(raw json.RawMessage, size int) string {
	if len(raw) == 0 {
		return ""
	}
	cut := size > len(raw)
	if !cut {
		var b bytes.Buffer
		if json.Indent(&b, sanitize.RedactRecord(raw), "", "  ") == nil {
			return string(sanitize.JSON(b.Bytes()))
		}
	}
	s := sanitize.Multiline(string(sanitize.RedactRecord(raw)))
	if cut {
		s += fmt.Sprintf("\n… cut: the first %s of %s bytes are kept", Thousands(len(raw)), Thousands(size))
	}
	return s
}
