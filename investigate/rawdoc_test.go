package investigate

import (
	"bytes"
	"strings"
	"testing"
)

func TestKeepRawBoundsAndCopies(t *testing.T) {
	doc := []byte(`  {"a":1}` + "\n")
	raw, size := KeepRaw(doc)
	if string(raw) != `{"a":1}` || size != 7 {
		t.Fatalf("KeepRaw = %q, %d", raw, size)
	}
	doc[3] = 'X' // the reader reuses its buffer
	if string(raw) != `{"a":1}` {
		t.Fatalf("KeepRaw shares the reader's memory: %q", raw)
	}
	if raw, size := KeepRaw(nil); raw != nil || size != 0 {
		t.Fatalf("KeepRaw(nil) = %q, %d", raw, size)
	}

	big := append(append([]byte(`{"x":"`), bytes.Repeat([]byte("y"), MaxRawDocument)...), `"}`...)
	raw, size = KeepRaw(big)
	if len(raw) != MaxRawDocument || size != len(big) {
		t.Fatalf("a %d-byte document kept %d bytes, size %d", len(big), len(raw), size)
	}
	// A secret before the cut is still redacted; a value cut short does not trip it.
	big = append([]byte(`{"sessionToken":"IQoJb3JpZ2luX2VjEOH",`), big[1:]...)
	raw, size = KeepRaw(big)
	text := RawDocumentText(raw, size)
	if strings.Contains(text, "IQoJb3JpZ2luX2VjEOH") {
		t.Fatal("a cut document shows its session token")
	}
	if !strings.HasSuffix(text, "… cut: the first 262,144 of "+Thousands(len(big))+" bytes are kept") {
		t.Fatalf("a cut document does not say so: %q", text[len(text)-120:])
	}
}

func TestRawDocumentTextIsSafe(t *testing.T) {
	doc := []byte(`{"user_agent":{"original":"x\u001b[2J\u202e"},"sessionToken":"IQoJb3JpZ2luX2VjEOH","n":1}`)
	raw, size := KeepRaw(doc)
	got := RawDocumentText(raw, size)
	if strings.ContainsAny(got, "\x1b\u202e") || strings.Contains(got, "IQoJb3JpZ2luX2VjEOH") {
		t.Fatalf("raw document shown unsafe or unredacted:\n%s", got)
	}
	if !strings.Contains(got, "\n  \"n\": 1") || !strings.Contains(got, `\u001b[2J\u202e`) {
		t.Fatalf("raw document not indented, or its escapes lost:\n%s", got)
	}
	// Not JSON: shown as escaped text.
	if got := RawDocumentText([]byte("not json \x1b[31m"), 16); strings.Contains(got, "\x1b") || !strings.Contains(got, "not json") {
		t.Fatalf("non-JSON document: %q", got)
	}
	if RawDocumentText(nil, 0) != "" {
		t.Fatal("no document, yet text")
	}
}
