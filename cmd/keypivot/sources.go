package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/keypivot/keypivot/files/journal"
	"github.com/keypivot/keypivot/investigate"
)

// Wiring is what a command runs on: the workspace, and how to act.
type Wiring struct {
	Workspace *investigate.Workspace
	// Remediator returns who acts for a case (the demo's simulated account, or AWS);
	// nil when nothing can act.
	Remediator func(ctx context.Context, c *investigate.Case) (investigate.Remediator, error)
	// JournalPath is where writes are journalled.
	JournalPath string
	ReadOnly    bool
	closers     []func()
}

// Close releases what the sources hold.
func (w *Wiring) Close() {
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
}

// env is what openers see while a wiring is built.
type env struct {
	ctx context.Context
	g   *Globals
	w   *Wiring
	// shared lets openers keep one client per process (an AWS config, an ES client).
	shared map[string]any
}

// An opener turns one --trail or --alerts value into a source. It returns ok=false when
// the value is not its kind. Adapters register openers from init() in source_*.go.
type trailOpener func(e *env, spec string) (src investigate.EventSource, ok bool, err error)
type alertOpener func(e *env, spec string) (src investigate.AlertSource, ok bool, err error)

// A wiringHook completes a wiring after its sources are open (owner lookups, live state,
// remediators, extra sources from flags such as --elastic).
type wiringHook func(e *env) error

var (
	trailOpeners []trailOpener
	alertOpeners []alertOpener
	wiringHooks  []wiringHook
	// fileTrailOpener and fileAlertOpener take what no live opener claimed.
	fileTrailOpener trailOpener
	fileAlertOpener alertOpener
)

// usesDemo reports whether no source at all is configured.
func (g *Globals) usesDemo() bool {
	return g.Demo || (len(g.Alerts) == 0 && len(g.Trail) == 0 && g.Elastic == "" && !g.awsRequested())
}

// wire builds the wiring for the flags.
func wire(ctx context.Context, g *Globals) (*Wiring, error) {
	jp := g.JournalPath
	if jp == "" {
		jp = journal.DefaultPath()
	}
	w := &Wiring{JournalPath: jp, ReadOnly: g.ReadOnly}
	if g.usesDemo() {
		if err := wireDemo(ctx, g, w); err != nil {
			return nil, err
		}
		return w, nil
	}
	ws := &investigate.Workspace{Correlation: g.Correlation(), Window: g.Window()}
	w.Workspace = ws
	e := &env{ctx: ctx, g: g, w: w, shared: map[string]any{}}
	var described []string
	for _, spec := range g.Trail {
		src, err := openTrail(e, spec)
		if err != nil {
			w.Close()
			return nil, err
		}
		ws.Trails = append(ws.Trails, src)
		described = append(described, "trail "+spec)
	}
	for _, spec := range g.Alerts {
		src, err := openAlerts(e, spec)
		if err != nil {
			w.Close()
			return nil, err
		}
		ws.Alerts = append(ws.Alerts, src)
		described = append(described, "alerts "+spec)
	}
	for _, h := range wiringHooks {
		if err := h(e); err != nil {
			w.Close()
			return nil, err
		}
	}
	if ws.Describe == "" {
		ws.Describe = strings.Join(described, ", ")
	} else if len(described) > 0 {
		ws.Describe = strings.Join(described, ", ") + "; " + ws.Describe
	}
	return w, nil
}

func openTrail(e *env, spec string) (investigate.EventSource, error) {
	for _, o := range trailOpeners {
		if src, ok, err := o(e, spec); ok || err != nil {
			return src, err
		}
	}
	if scheme, _, found := strings.Cut(spec, "://"); found {
		return nil, usageErr("--trail %s: unknown source kind %q (want a path, lookup, s3://, athena:// or elastic)", spec, scheme)
	}
	src, _, err := fileTrailOpener(e, spec)
	return src, err
}

func openAlerts(e *env, spec string) (investigate.AlertSource, error) {
	for _, o := range alertOpeners {
		if src, ok, err := o(e, spec); ok || err != nil {
			return src, err
		}
	}
	if scheme, _, found := strings.Cut(spec, "://"); found {
		return nil, usageErr("--alerts %s: unknown source kind %q (want a path, securityhub, guardduty, or --elastic URL)", spec, scheme)
	}
	src, _, err := fileAlertOpener(e, spec)
	return src, err
}

// checkPath turns a missing local path into a usage error that names it.
func checkPath(flag, p string) error {
	if _, err := os.Stat(p); err != nil {
		if os.IsNotExist(err) {
			return usageErr("%s %s: no such file or directory", flag, p)
		}
		return usageErr("%s %s: %v", flag, p, err)
	}
	return nil
}

func demoJournalPath(real string) string {
	return filepath.Join(filepath.Dir(real), "demo-journal.jsonl")
}

var _ = fmt.Sprintf
