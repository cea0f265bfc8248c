package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
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
	fmt.Fprint(p.out, report.WrapPrompt(sanitize.Clean(q.Prompt), sanitize.Clean(q.Token), p.width))
	line, _ := p.in.ReadString('\n')
	return strings.TrimSpace(line), nil
}
