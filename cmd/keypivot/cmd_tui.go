package main

import (
	"context"
	"errors"
	"strings"

	"github.com/keypivot/keypivot/files/journal"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/tui"
)

// TUICmd opens the workbench.
type TUICmd struct {
	Key     investigate.AccessKeyID `arg:"" optional:"" help:"Open this access key's workbench directly (AKIA... or ASIA...)."`
	NoMouse bool                    `name:"no-mouse" env:"KEYPIVOT_NO_MOUSE" help:"Do not capture the mouse (the wheel then scrolls the terminal, and text can be selected as usual)."`
	Export  string                  `name:"export-dir" placeholder:"DIR" help:"Where the workbench's e key writes exports (default: the working directory)."`
}

func (c *TUICmd) Run(ctx context.Context, g *Globals) error {
	if !stdinIsTerminal() || !stdoutIsTerminal() {
		return withCode(exitUsage, errors.New("the workbench needs a terminal: use keypivot keys or keypivot pivot in scripts"))
	}
	// Scan progress lines on stderr would tear the workbench's screen: it shows its own.
	g.Progress = false
	w, err := wire(ctx, g)
	if err != nil {
		return err
	}
	var j investigate.Journal
	if f, err := journal.Open(w.JournalPath); err == nil {
		j = f // without a journal the workbench still plans, and refuses to act
	}
	var where []string
	if !g.usesDemo() {
		if g.Profile != "" {
			where = append(where, "profile "+g.Profile)
		}
		if g.Region != "" {
			where = append(where, "region "+g.Region)
		}
	}
	opts := tui.Options{
		Workspace:   w.Workspace,
		Remediator:  w.Remediator,
		Journal:     j,
		JournalPath: w.JournalPath,
		ReadOnly:    w.ReadOnly,
		Mouse:       !c.NoMouse,
		Header:      strings.Join(where, ", "),
		Key:         c.Key,
		ExportDir:   c.Export,
	}
	// An alert's Kibana link needs only Kibana's URL (from --kibana or the cloud id).
	if g.Kibana != "" {
		opts.KibanaTarget = investigate.KibanaTarget{URL: g.Kibana, Space: g.KibanaSpace}
	}
	// Write-back from the workbench goes where `keypivot alerts` sends it: the demo's
	// simulated Kibana, or the configured one (without it, K shows the plan only).
	if w.Kibana != nil {
		opts.Kibana, opts.KibanaTarget = w.Kibana, investigate.KibanaTarget{URL: w.Kibana.URL(), Space: g.KibanaSpace}
	}
	return tui.Run(ctx, opts)
}
