package main

import (
	"os"

	"golang.org/x/term"
)

func stdoutIsTerminal() bool { return term.IsTerminal(int(os.Stdout.Fd())) }
func stderrIsTerminal() bool { return term.IsTerminal(int(os.Stderr.Fd())) }
func stdinIsTerminal() bool  { return term.IsTerminal(int(os.Stdin.Fd())) }

// terminalWidth is the width of stdout's terminal, or 0.
func terminalWidth() int { return widthOf(os.Stdout) }

// stderrWidth is the width of stderr's terminal (where prompts are written), else
// stdout's, else 80.
func stderrWidth() int {
	for _, f := range []*os.File{os.Stderr, os.Stdout} {
		if w := widthOf(f); w > 0 {
			return w
		}
	}
	return 80
}

// widthOf is the width of f's terminal, or 0 when f is not a terminal.
func widthOf(f *os.File) int {
	if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
		return w
	}
	return 0
}
