package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// OutputFlags choose how a command prints.
type OutputFlags struct {
	Format string `name:"format" short:"f" enum:"auto,text,md,json" default:"auto" help:"Output format: text, md (Markdown) or json; auto is text on a terminal and json otherwise."`
	Width  int    `name:"width" placeholder:"COLUMNS" help:"Text width (default: the terminal's, or 80)."`
	Output string `name:"output" short:"o" placeholder:"FILE" help:"Write to FILE instead of standard output."`
}

func (o *OutputFlags) format() string {
	if o.Format != "auto" {
		return o.Format
	}
	if o.Output == "" && stdoutIsTerminal() {
		return "text"
	}
	if o.Output != "" {
		return "text"
	}
	return "json"
}

func (o *OutputFlags) width() int {
	if o.Width > 0 {
		return o.Width
	}
	if o.Output == "" {
		if w := terminalWidth(); w > 0 {
			return w
		}
	}
	return 80
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
	if o.Output != "" {
		fmt.Fprintf(os.Stderr, "%s written to %s\n", what, o.Output)
	}
	return nil
}

// writer opens the output; the returned function closes it.
func (o *OutputFlags) writer() (io.Writer, func() error, error) {
	if o.Output == "" || o.Output == "-" {
		return os.Stdout, func() error { return nil }, nil
	}
	f, err := os.Create(o.Output)
	if err != nil {
		return nil, nil, withCode(exitUsage, err)
	}
	return f, f.Close, nil
}

// PivotCmd prints the case for one key.
type PivotCmd struct {
	Key investigate.AccessKeyID `arg:"" optional:"" help:"Access key id (AKIA... or ASIA...). Default: the top correlated key."`
	OutputFlags
	Timeline string `name:"timeline" enum:"notable,all,none" default:"notable" help:"Timeline in text and Markdown: notable events (read-only runs collapsed), all, or none. JSON always has all."`
}

func (c *PivotCmd) Run(ctx context.Context, g *Globals) error {
	w, err := wire(ctx, g)
	if err != nil {
		return err
	}
	key := c.Key
	if key.IsZero() {
		rk, err := w.Workspace.Rank(ctx, false)
		if rk == nil {
			return withCode(exitError, err)
		}
		if len(rk.Keys) == 0 {
			if !rk.Completeness.Complete() {
				// No key because the alerts could not be searched is no answer.
				return completenessExit(rk.Completeness)
			}
			if len(w.Workspace.Alerts) == 0 {
				return usageErr("no alert source to pick the top correlated key from: name the key (keypivot pivot AKIA...)")
			}
			return usageErr("no key is correlated with elevated alerts in %s: name one (keypivot pivot AKIA...)", rk.Completeness.Alerts.Searched)
		}
		key = rk.Keys[0].Key
		fmt.Fprintf(os.Stderr, "pivoting on the top correlated key %s\n", key)
	}
	cs, err := investigateWithProgress(ctx, w.Workspace, key)
	if err != nil {
		return withCode(exitError, err)
	}
	opts := report.Options{Width: c.width(), Timeline: c.Timeline}
	err = c.emit("case",
		func(out io.Writer) error { return report.CaseJSON(out, cs) },
		func(out io.Writer) error { return report.Markdown(out, cs, opts) },
		func(out io.Writer) error { return report.Text(out, cs, opts) })
	if err != nil {
		return err
	}
	return completenessExit(cs.Completeness)
}

// completenessExit turns what was searched into the exit code the README documents: 1
// when a kind of source asked for could not be searched at all (every source of it
// failed or held nothing to search), 3 when it was searched in part, 0 when what was
// asked was searched.
func completenessExit(c investigate.Completeness) error {
	var kinds []investigate.KindCompleteness
	for _, k := range []investigate.KindCompleteness{c.Events, c.Alerts} {
		if k.Status != investigate.SearchNotAsked && k.Status != investigate.SearchComplete {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return nil
	}
	var why []string
	for _, k := range kinds {
		why = append(why, k.Summary)
	}
	if c.Unanswered() {
		return withCode(exitError, fmt.Errorf("no answer: %s", strings.Join(why, "; ")))
	}
	return withCode(exitPartial, fmt.Errorf("partial result: %s", strings.Join(why, "; ")))
}

// keyCase checks key, wires the sources and builds the key's case; it returns the
// wiring too, for the caller to act through.
func keyCase(ctx context.Context, g *Globals, key investigate.AccessKeyID) (*Wiring, *investigate.Case, error) {
	if key.IsZero() {
		return nil, nil, usageErr("name the access key (AKIA... or ASIA...)")
	}
	w, err := wire(ctx, g)
	if err != nil {
		return nil, nil, err
	}
	cs, err := investigateWithProgress(ctx, w.Workspace, key)
	if err != nil {
		return nil, nil, withCode(exitError, err)
	}
	return w, cs, nil
}

// investigateWithProgress builds a case, showing progress on a terminal's stderr.
func investigateWithProgress(ctx context.Context, ws *investigate.Workspace, key investigate.AccessKeyID) (*investigate.Case, error) {
	show := stderrIsTerminal()
	start := time.Now()
	var shown bool
	cs, err := ws.Investigate(ctx, key, 500*time.Millisecond, func(u investigate.CaseUpdate) {
		if !show || u.Done {
			return
		}
		shown = true
		fmt.Fprintf(os.Stderr, "\rreading %s: %d events, %d keys (%s)   ", u.Progress.Source, u.Progress.Events, len(u.Progress.Keys), time.Since(start).Round(100*time.Millisecond))
	})
	if shown {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
	return cs, err
}
