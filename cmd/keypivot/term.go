package main

import (
	"os"

	"golang.org/x/term"
)

func stdoutIsTerminal() bool { return term.IsTerminal(int(os.Stdout.Fd())) }
func stderrIsTerminal() bool { return term.IsTerminal(int(os.Stderr.Fd())) }
func stdinIsTerminal() bool  { return term.IsTerminal(int(os.Stdin.Fd())) }

// terminalWidth is the width of stdout's terminal, or 0.
func terminalWidth() int {
	if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
		return w
	}
	return 0
}
