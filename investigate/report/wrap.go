package report

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Word wrapping, for the reports and for the command line's prompts: both pack words
// greedily into lines (packLines); they differ in what a word is and in what they do
// with one wider than a line.

// packLines packs words, in order, into lines of at most limit display columns, one space
// between two words; a word wider than limit gets a line of its own. No words make one
// empty line.
func packLines(words []string, limit int) []string {
	var lines []string
	line := ""
	for _, w := range words {
		switch {
		case line == "":
			line = w
		case ansi.StringWidth(line)+1+ansi.StringWidth(w) <= limit:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	return append(lines, line)
}

// wrap word-wraps s at spaces to width, indenting continuation lines by indent spaces.
// Unlike ansi.Wrap it never breaks at hyphens, so ids, dates and ARNs stay whole unless
// they are longer than a line: those are cut into pieces of a line each.
func wrap(s string, width, indent int) string {
	limit := width - indent
	if limit < 20 {
		return s
	}
	var words []string
	for _, word := range strings.Fields(s) {
		for ansi.StringWidth(word) > limit {
			words = append(words, ansi.Truncate(word, limit, ""))
			word = ansi.TruncateLeft(word, limit, "")
		}
		words = append(words, word)
	}
	return strings.Join(packLines(words, limit), "\n"+strings.Repeat(" ", indent))
}

// WrapPrompt word-wraps a prompt to width columns. It breaks lines only at spaces, never
// inside token (what the analyst must type, which may hold spaces of its own: a key
// pair's name), so that the token can be read and copied as it is; a word or a token
// wider than the line gets a line of its own, unbroken. The trailing space the cursor
// waits after is kept.
func WrapPrompt(prompt, token string, width int) string {
	out := strings.Join(packLines(promptWords(prompt, token), width), "\n")
	if strings.HasSuffix(prompt, " ") {
		out += " "
	}
	return out
}

// promptWords splits prompt at its spaces, except those inside an occurrence of token.
func promptWords(prompt, token string) []string {
	inToken := make([]bool, len(prompt))
	for i := 0; token != ""; {
		j := strings.Index(prompt[i:], token)
		if j < 0 {
			break
		}
		for k := i + j; k < i+j+len(token); k++ {
			inToken[k] = true
		}
		i += j + len(token)
	}
	var words []string
	start := -1
	for i := 0; i < len(prompt); i++ {
		if prompt[i] == ' ' && !inToken[i] {
			if start >= 0 {
				words = append(words, prompt[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		words = append(words, prompt[start:])
	}
	return words
}
