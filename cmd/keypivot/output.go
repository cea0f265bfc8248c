package main

import (
	"fmt"
	"io"
	"os"
)

// OutputFlags choose how a command prints.
type OutputFlags struct {
	Format string `name:"format" short:"f" enum:"auto,text,md,json" default:"auto" help:"Output format: text, md (Markdown) or json; auto is text on a terminal or with -o FILE, and json when standard output is a pipe or a file."`
	Width  int    `name:"width" placeholder:"COLUMNS" help:"Text width: lines are wrapped or cut to it (default: the terminal's; on a pipe or a file, no limit)."`
	Output string `name:"output" short:"o" placeholder:"FILE" help:"Write to FILE instead of standard output."`
}

// toStdout reports whether the output goes to standard output.
func (o *OutputFlags) toStdout() bool { return o.Output == "" || o.Output == "-" }

// format is --format, auto resolved: text for a person (a terminal, or a file named with
// -o), json for a program (standard output piped or redirected).
func (o *OutputFlags) format() string {
	switch {
	case o.Format != "auto":
		return o.Format
	case o.toStdout() && !stdoutIsTerminal():
		return "json"
	}
	return "text"
}

// width is the text width asked of the reports: --width, else the terminal's, else -1,
// no limit (report.Options.Width): text written to a file or a pipe keeps every column
// (a grep or a ticket wants the whole user agent).
func (o *OutputFlags) width() int {
	if o.Width > 0 {
		return o.Width
	}
	if o.toStdout() {
		if w := terminalWidth(); w > 0 {
			return w
		}
	}
	return -1
}

// text is a text report written at the width chosen.
func (o *OutputFlags) text(render func(out io.Writer, width int) error) func(io.Writer) error {
	width := o.width()
	return func(out io.Writer) error { return render(out, width) }
}

// emit writes the output in the format chosen (json, md, else text), closes it, and says
// where a file went (what names it: "case", "ranking").
func (o *OutputFlags) emit(what string, asJSON, asMarkdown, asText func(io.Writer) error) error {
	out, closeOut, err := o.writer()
	if err != nil {
		return err
	}
	write := asText
	switch o.format() {
	case "json":
		write = asJSON
	case "md":
		write = asMarkdown
	}
	err = write(out)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return withCode(exitError, err)
	}
	if !o.toStdout() {
		fmt.Fprintf(os.Stderr, "%s written to %s\n", what, o.Output)
	}
	return nil
}

// writer opens the output; the returned function closes it.
func (o *OutputFlags) writer() (io.Writer, func() error, error) {
	if o.toStdout() {
		return os.Stdout, func() error { return nil }, nil
	}
	f, err := os.Create(o.Output)
	if err != nil {
		return nil, nil, withCode(exitUsage, err)
	}
	return f, f.Close, nil
}
