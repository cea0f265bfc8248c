package main

import (
	"context"
	"io"

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
	rk, err := w.Workspace.Rank(ctx, c.FirstSeenOnly)
	if rk == nil {
		return withCode(exitError, err)
	}
	// Every alert source failing still prints the ranking: it says what could not be
	// searched, and the exit code follows from it.
	err = c.emit("ranking",
		func(out io.Writer) error { return report.JSON(out, rk) },
		func(out io.Writer) error { return report.KeysMarkdown(out, rk) },
		c.text(func(out io.Writer, width int) error { return report.KeysText(out, rk, report.Options{Width: width}) }))
	if err != nil {
		return err
	}
	return completenessExit(rk.Completeness)
}
