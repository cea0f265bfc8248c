// Package sanitize makes attacker-controlled text inert before it reaches a terminal or a
// report. CloudTrail user agents, request parameters and resource names are chosen by
// whoever holds the key: they can carry ESC/CSI sequences (colour, cursor moves, screen
// clears), OSC 52 clipboard writes, BEL, carriage returns that overwrite a line, and
// Unicode bidi overrides that reorder what the analyst reads.
//
// Control characters are not dropped silently: each is shown as a visible escape (\x1b,
// \r, \u202e) so the analyst sees that an injection was attempted.
//
// It is pure text processing, importing only the standard library's text packages.
package sanitize

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// dangerous reports whether r must not reach a terminal raw.
func dangerous(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f: // C0 controls (ESC, BEL, CR, LF, TAB...) and DEL
		return true
	case r >= 0x80 && r <= 0x9f: // C1 controls (CSI 0x9b, OSC 0x9d, ST 0x9c...)
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidi embeddings, overrides, isolates and marks
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r == 0xfeff, r == 0x200b, r == 0x200c, r == 0x200d, r == 0x2060: // zero-width characters
		return true
	case r >= 0xfff9 && r <= 0xfffb: // interlinear annotation
		return true
	}
	return false
}

// Clean returns s with every control, bidi and zero-width character replaced by a visible
// escape, and invalid UTF-8 bytes shown as \xNN. Every secret registered with
// RegisterSecret is masked first. Clean text passes unchanged, without allocating.
func Clean(s string) string {
	s = maskSecrets(s)
	if !needsCleaning(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case dangerous(r):
			writeEscape(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func writeEscape(b *strings.Builder, r rune) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	default:
		if r < 0x100 {
			fmt.Fprintf(b, `\x%02x`, r)
		} else {
			fmt.Fprintf(b, `\u%04x`, r)
		}
	}
}

func needsCleaning(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c >= 0x80 {
			// Slow path only for bytes that may be controls or multi-byte runes.
			return needsCleaningSlow(s[i:])
		}
	}
	return false
}

func needsCleaningSlow(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || dangerous(r) {
			return true
		}
		i += size
	}
	return false
}

// Multiline cleans s but keeps line feeds (and tabs, as spaces): for pretty-printed
// records shown in a pager. Carriage returns and every other control are still escaped.
func Multiline(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Clean(strings.ReplaceAll(l, "\t", "    "))
	}
	return strings.Join(lines, "\n")
}

// JSON makes encoded JSON safe to print: C1 controls, bidi, line separators and
// zero-width characters inside strings become \uXXXX escapes, which decode to the same
// string. (encoding/json already escapes C0 controls.) Invalid UTF-8 is replaced.
// Every secret registered with RegisterSecret is masked, in the forms JSON writes it.
func JSON(b []byte) []byte {
	b = maskSecretsBytes(b)
	needs := false
	for i := 0; i < len(b); i++ {
		if b[i] >= 0x80 || b[i] < 0x20 && b[i] != '\n' && b[i] != '\t' && b[i] != '\r' || b[i] == 0x7f {
			needs = true
			break
		}
	}
	if !needs {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case r == '\n' || r == '\t' || r == '\r':
			out = append(out, b[i])
		case dangerous(r):
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}
