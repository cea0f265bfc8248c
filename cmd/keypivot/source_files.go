package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/keypivot/keypivot/files/alertdoc"
	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/internal/demo"
	"github.com/keypivot/keypivot/internal/simaccount"
	"github.com/keypivot/keypivot/investigate"
)

func init() {
	fileTrailOpener = func(e *env, spec string) (investigate.EventSource, bool, error) {
		if err := checkPath("--trail", spec); err != nil {
			return nil, true, err
		}
		accounts, regions, err := e.g.archiveScope()
		if err != nil {
			return nil, true, err
		}
		src := &cloudtrail.FileSource{Paths: []string{spec}, Workers: e.g.Workers, Accounts: accounts, Regions: regions, MaxRecordBytes: int(e.g.MaxRecordSize)}
		if e.g.Progress && stderrIsTerminal() {
			src.OnProgress = scanProgressPrinter(spec)
		}
		return src, true, nil
	}
	fileAlertOpener = func(e *env, spec string) (investigate.AlertSource, bool, error) {
		if err := checkPath("--alerts", spec); err != nil {
			return nil, true, err
		}
		return &alertdoc.FileSource{Paths: []string{spec}, MaxRecordBytes: int(e.g.MaxRecordSize)}, true, nil
	}
}

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

func wireDemo(ctx context.Context, g *Globals, w *Wiring) error {
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
		Now:         func() time.Time { return anchor },
		Describe:    "DEMO: embedded scenario (" + strconv.Itoa(len(ds.Files)) + " trail files), simulated account",
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
	return nil
}

// scanProgressPrinter shows an archive scan's advance on one stderr line: files (and
// those answered from the index of an earlier pass), decompressed megabytes, events,
// rate, and an estimate of the time left from the share of stored bytes done. Scan
// workers call it concurrently.
func scanProgressPrinter(name string) func(cloudtrail.ScanProgress) {
	var (
		mu   sync.Mutex
		last time.Time
	)
	return func(p cloudtrail.ScanProgress) {
		mu.Lock()
		defer mu.Unlock()
		done := p.Files >= p.TotalFiles
		if time.Since(last) < 200*time.Millisecond && !done {
			return
		}
		last = time.Now()
		idx := ""
		if p.FromIndex+p.Skipped > 0 {
			idx = fmt.Sprintf(" (%d answered from the index)", p.FromIndex+p.Skipped)
		}
		eta := ""
		if r := p.Remaining(); r > 0 && !done {
			eta = ", about " + r.Round(time.Second).String() + " left"
		}
		fmt.Fprintf(os.Stderr, "\r\033[K%s: %d/%d files%s, %.0f MB, %d events, %.0f MB/s%s", filepath.Base(name), p.Files, p.TotalFiles, idx, float64(p.Bytes)/1e6, p.Events, p.Rate()/1e6, eta)
		if done {
			fmt.Fprintln(os.Stderr)
		}
	}
}
