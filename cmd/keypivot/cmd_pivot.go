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
	opts := report.Options{Timeline: c.Timeline}
	err = c.emit("case",
		func(out io.Writer) error { return report.CaseJSON(out, cs) },
		func(out io.Writer) error { return report.Markdown(out, cs, opts) },
		c.text(func(out io.Writer, width int) error {
			o := opts
			o.Width = width
			return report.Text(out, cs, o)
		}))
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
		fmt.Fprintf(os.Stderr, "\rreading %s: %s, %s (%s)   ", u.Progress.Source, investigate.Plural(u.Progress.Events, "event"), investigate.Plural(len(u.Progress.Keys), "key"), time.Since(start).Round(100*time.Millisecond))
	})
	if shown {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
	return cs, err
}
