package main

import (
	"context"
	"fmt"
	"os"

	"github.com/keypivot/keypivot/investigate/report"
)

// KeysCmd ranks correlated keys.
type KeysCmd struct {
	OutputFlags
	FirstSeenOnly bool `name:"first-seen-only" short:"a" help:"Also list keys that are first seen from a new address without an elevated sibling."`
}

func (c *KeysCmd) Run(ctx context.Context, g *Globals) error {
	w, err := wire(ctx, g)
	if err != nil {
		return err
	}
	defer w.Close()
	rk, err := w.Workspace.Rank(ctx, c.FirstSeenOnly)
	if rk == nil {
		return withCode(exitError, err)
	}
	// Every alert source failing still prints the ranking: it says what could not be
	// searched, and the exit code follows from it.
	out, closeOut, err := c.writer()
	if err != nil {
		return err
	}
	switch c.format() {
	case "json":
		err = report.JSON(out, rk)
	case "md":
		err = report.KeysMarkdown(out, rk)
	default:
		err = report.KeysText(out, rk, report.Options{Width: c.width()})
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return withCode(exitError, err)
	}
	if c.Output != "" {
		fmt.Fprintf(os.Stderr, "ranking written to %s\n", c.Output)
	}
	return completenessExit(rk.Completeness)
}
