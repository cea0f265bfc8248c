package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// prompter asks the analyst on the terminal: the CLI's investigate.Prompter.
type prompter struct {
	in  *bufio.Reader
	out io.Writer
	// width is the terminal's width the prompts are wrapped to.
	width int
	// canAsk is whether an analyst is there to answer (standard input is a terminal).
	canAsk bool
}

func newPrompter() *prompter {
	return &prompter{in: bufio.NewReader(os.Stdin), out: os.Stderr, width: stderrWidth(), canAsk: stdinIsTerminal()}
}

// Ask asks on the terminal; without one there is nobody to ask. The prompt names
// resources from the trail (cleaned of control sequences) and is wrapped to the
// terminal's width, the token to type kept whole on one line.
func (p *prompter) Ask(q investigate.Question) (string, error) {
	if !p.canAsk {
		return "", investigate.ErrCannotAsk
	}
	fmt.Fprint(p.out, wrapPrompt(sanitize.Clean(q.Prompt), sanitize.Clean(q.Token), p.width))
	line, _ := p.in.ReadString('\n')
	return strings.TrimSpace(line), nil
}

// wrapPrompt word-wraps prompt to width columns. It breaks lines only at spaces, never
// inside token (what the analyst must type, which may hold spaces of its own: a key pair's
// name), so that the token can be read and copied as it is; a word or a token wider than
// the line gets a line of its own, unbroken. The trailing space the cursor waits after is
// kept.
func wrapPrompt(prompt, token string, width int) string {
	var lines []string
	line := ""
	for _, w := range promptWords(prompt, token) {
		switch {
		case line == "":
			line = w
		case ansi.StringWidth(line)+1+ansi.StringWidth(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	lines = append(lines, line)
	out := strings.Join(lines, "\n")
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
