package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/keypivot/keypivot/files/journal"
	"github.com/keypivot/keypivot/internal/demo"
	"github.com/keypivot/keypivot/internal/simaccount"
	"github.com/keypivot/keypivot/internal/simkibana"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// demoAnchor is the demo scenario's "now": KEYPIVOT_DEMO_ANCHOR (RFC 3339 or "fixed"),
// else the current hour, so derived sessions look as live as in a real incident.
func demoAnchor() (time.Time, error) {
	switch v := os.Getenv("KEYPIVOT_DEMO_ANCHOR"); v {
	case "":
		return now().Truncate(time.Hour), nil
	case "fixed":
		return demo.DefaultAnchor(), nil
	default:
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return time.Time{}, usageErr("KEYPIVOT_DEMO_ANCHOR=%s: want RFC 3339 or \"fixed\"", v)
		}
		return t.UTC(), nil
	}
}

// demoCaller is who acts in the demo's simulated account.
func demoCaller(account string) investigate.Caller {
	return investigate.Caller{
		ARN: "arn:aws:iam::" + account + ":user/incident-responder", Account: account, UserName: "incident-responder",
		AccessKeyID: "AKIADEMORESPONDER001", Profile: "demo (simulated account)", Region: "us-east-1",
	}
}

// wireDemo wires the embedded demo case: its alerts and trail, a simulated account to act
// in, and a journal of its own beside the real one.
func wireDemo(g *Globals, w *Wiring) error {
	anchor, err := demoAnchor()
	if err != nil {
		return err
	}
	ds := demo.Generate(anchor)
	w.Workspace = &investigate.Workspace{
		Alerts:      []investigate.AlertSource{demo.AlertSource(ds)},
		Trails:      []investigate.EventSource{demo.TrailSource(ds)},
		Correlation: g.Correlation(),
		Window:      g.Window(),
		Demo:        true,
		Networks:    investigate.NetworkOptions{Sources: []investigate.NetworkSource{demo.NetworkSource()}},
		Now:         func() time.Time { return anchor },
		Describe:    "DEMO: embedded scenario (" + investigate.Plural(len(ds.Files), "trail file") + "), simulated account",
	}
	w.JournalPath = demoJournalPath(w.JournalPath)
	// One simulated account per key for the process: actions in the TUI see each other.
	accounts := map[string]*simaccount.Account{}
	w.Remediator = func(_ context.Context, c *investigate.Case) (investigate.Remediator, error) {
		if a := accounts[c.Key.String()]; a != nil {
			return a, nil
		}
		a := simaccount.FromCase(c, demoCaller(c.Owner.Account))
		accounts[c.Key.String()] = a
		return a, nil
	}
	return wireDemoKibana(g, w)
}

// wireDemoKibana gives the demo a simulated Kibana holding its alerts: write-back works
// as on a real one, and a case built again reads the statuses it holds. Each command is
// a process of its own, so the demo journal's earlier write-backs are replayed first.
func wireDemoKibana(g *Globals, w *Wiring) error {
	ctx := context.Background()
	kb, err := simkibana.FromWorkspace(ctx, w.Workspace, g.KibanaSpace) // seeded before the sources are wrapped
	if err != nil {
		return err
	}
	for i, src := range w.Workspace.Alerts {
		w.Workspace.Alerts[i] = kb.AlertSource(g.KibanaSpace, src)
	}
	if j, err := journal.Open(w.JournalPath); err == nil {
		if entries, _ := j.Entries(); len(entries) > 0 {
			if _, err := kb.Replay(ctx, entries); err != nil {
				fmt.Fprintln(os.Stderr, "demo Kibana: "+sanitize.Clean(err.Error()))
			}
		}
	}
	w.Kibana = kb
	return nil
}

// demoJournalPath is where the demo journals, beside the real journal: the simulated
// account's actions are kept apart from AWS's.
func demoJournalPath(real string) string {
	return filepath.Join(filepath.Dir(real), "demo-journal.jsonl")
}
