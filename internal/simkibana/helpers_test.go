package simkibana_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/keypivot/keypivot/files/journal"
	"github.com/keypivot/keypivot/internal/demo"
	"github.com/keypivot/keypivot/internal/simkibana"
	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// env is the demo wired as cmd wires it: the simulated Kibana seeded from the demo
// workspace's alerts, the workspace reading its alerts through the Kibana (so a case
// built again shows the statuses written), a journal and a runner.
type env struct {
	ds    *demo.Dataset
	space string
	w     *investigate.Workspace
	k     *simkibana.Kibana
	j     *journal.File
	r     *investigate.Runner
}

func newEnv(t *testing.T, space string, opts ...simkibana.Option) *env {
	t.Helper()
	ds := demo.Generate(demo.DefaultAnchor())
	w := &investigate.Workspace{
		Alerts: []investigate.AlertSource{demo.AlertSource(ds)},
		Trails: []investigate.EventSource{demo.TrailSource(ds)},
		Demo:   true,
		Now:    func() time.Time { return ds.Anchor },
	}
	k, err := simkibana.FromWorkspace(context.Background(), w, space, opts...)
	if err != nil {
		t.Fatal(err)
	}
	w.Alerts[0] = k.AlertSource(space, w.Alerts[0])
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	r := &investigate.Runner{Remediator: k, Journal: j, Now: func() time.Time { return ds.Anchor }}
	return &env{ds: ds, space: space, w: w, k: k, j: j, r: r}
}

// key is the demo's compromised key: the one its Elastic alerts are about.
func (e *env) key() string { return e.ds.CompromisedKey }

// caseOf builds the key's case from the workspace, statuses as Kibana holds them now.
func (e *env) caseOf(t *testing.T) *investigate.Case {
	t.Helper()
	c, err := e.w.Investigate(context.Background(), investigate.MustParseAccessKeyID(e.key()), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) target() investigate.KibanaTarget { return e.k.Target(e.space) }

// planStatus plans setting the workflow status of c's Elastic alerts in the env's space.
func (e *env) planStatus(t *testing.T, c *investigate.Case, status, reason string) investigate.Action {
	t.Helper()
	a, err := investigate.PlanAlertStatus(c, e.target(), status, reason)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// planCase plans c's Kibana case holding md in the env's space.
func (e *env) planCase(t *testing.T, c *investigate.Case, md string, o investigate.KibanaCaseOptions) investigate.Action {
	t.Helper()
	a, err := investigate.PlanKibanaCase(c, e.target(), md, o)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// entries is the journal as written.
func (e *env) entries(t *testing.T) []investigate.JournalEntry {
	t.Helper()
	entries, err := e.j.Entries()
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func phases(entries []investigate.JournalEntry) []string {
	var out []string
	for _, en := range entries {
		out = append(out, en.Phase)
	}
	return out
}

// demoElasticAlerts are the Elastic alerts of the demo's alert export, read as any
// source reads it: the ground truth the Kibana must hold.
func demoElasticAlerts(t *testing.T, ds *demo.Dataset) []investigate.Alert {
	t.Helper()
	_, alerts, err := sourcetest.Alerts(context.Background(), demo.AlertSource(ds), investigate.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []investigate.Alert
	for _, a := range alerts {
		if a.Provider == investigate.ProviderElastic {
			out = append(out, a)
		}
	}
	if len(out) < 10 {
		t.Fatalf("the demo has %d Elastic alerts: the tests would prove little", len(out))
	}
	return out
}

// caseReport is the key's Markdown report as `keypivot alerts case` writes it (the
// notable timeline): longer than a case description, it goes into comments.
func caseReport(t *testing.T, c *investigate.Case) string {
	t.Helper()
	return markdown(t, c, report.Options{})
}

// shortReport is the report without its timeline, cut after the last whole section
// that fits in a case description (the demo's full report is longer, and goes into
// comments: caseReport).
func shortReport(t *testing.T, c *investigate.Case) string {
	t.Helper()
	md := markdown(t, c, report.Options{Timeline: "none"})
	var b strings.Builder
	for i, sec := range strings.SplitAfter(md, "\n## ") {
		if utf8.RuneCountInString(b.String()+sec) > investigate.KibanaMaxText {
			if i < 3 {
				t.Fatalf("the report's first sections are %d characters: they do not fit a description", utf8.RuneCountInString(b.String()+sec))
			}
			break
		}
		b.WriteString(sec)
	}
	return strings.TrimSuffix(b.String(), "## ")
}

func markdown(t *testing.T, c *investigate.Case, o report.Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.Markdown(&b, c, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// summary is a case without its texts, for failure messages.
func summary(cases []simkibana.Case) string {
	var b strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&b, "{%s %q owner %s severity %s tags %v: %d characters of description, %d comments, %d alerts in %d comments}",
			c.ID, c.Title, c.Owner, c.Severity, c.Tags, utf8.RuneCountInString(c.Description), len(c.Comments), len(c.Alerts), c.AlertComments)
	}
	return "[" + b.String() + "]"
}

// statusCount counts the alerts of ids with status in space.
func statusCount(k *simkibana.Kibana, space string, ids []string, status string) int {
	n := 0
	for _, id := range ids {
		if st, ok := k.Alert(space, id); ok && st.Status == status {
			n++
		}
	}
	return n
}

func refIDs(refs []investigate.AlertRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.ID
	}
	return out
}
