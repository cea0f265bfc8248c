package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/keypivot/keypivot/elastic"
	"github.com/keypivot/keypivot/files/journal"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// AlertsCmd writes the analyst's verdict back to Kibana: the workflow status of the
// key's Elastic alerts, and a case holding the case report. Each write is shown, then
// confirmed by typing the key id, journalled, and never repeated when already in effect.
type AlertsCmd struct {
	Ack   AlertsAckCmd   `cmd:"" help:"Mark the key's open Elastic alerts acknowledged in Kibana."`
	Close AlertsCloseCmd `cmd:"" help:"Close the key's Elastic alerts in Kibana, with a reason."`
	Open  AlertsOpenCmd  `cmd:"" help:"Reopen the key's Elastic alerts (the undo of ack and close)."`
	Case  AlertsCaseCmd  `cmd:"" help:"Create a Kibana case holding the case report, with the key's Elastic alerts attached."`
}

// alertsTarget are the arguments every write-back command shares.
type alertsTarget struct {
	Key investigate.AccessKeyID `arg:"" help:"The access key id whose alerts to update."`
	ActFlags
	PlanOnly bool `name:"plan" help:"Print what would be written and exit without writing."`
}

// AlertsAckCmd acknowledges the key's open alerts.
type AlertsAckCmd struct {
	alertsTarget
}

// AlertsCloseCmd closes the key's alerts.
type AlertsCloseCmd struct {
	alertsTarget
	Reason string `name:"reason" placeholder:"REASON" help:"Closing reason (Kibana 9.2+): false_positive, duplicate, true_positive, benign_positive, automated_closure, other, or one configured in the space."`
}

// AlertsOpenCmd reopens the key's alerts.
type AlertsOpenCmd struct {
	alertsTarget
}

// AlertsCaseCmd creates the key's Kibana case.
type AlertsCaseCmd struct {
	alertsTarget
	Title      string   `name:"title" placeholder:"TITLE" help:"Case title (default: AWS access key KEY of USER (account ACCOUNT))."`
	Tags       []string `name:"tag" placeholder:"TAG" help:"Case tag besides keypivot's own (repeatable)."`
	SyncAlerts bool     `name:"sync-alerts" help:"Make the case sync its alerts' status (attaching sets them open; closing the case closes them)."`
	Timeline   string   `name:"timeline" enum:"notable,all,none" default:"notable" help:"Timeline in the report: notable events, all, or none."`
}

func (c *AlertsAckCmd) Run(ctx context.Context, g *Globals) error {
	return c.run(ctx, g, func(cs *investigate.Case, t investigate.KibanaTarget) (investigate.Action, error) {
		return investigate.PlanAlertStatus(cs, t, investigate.WorkflowAcknowledged, "")
	})
}

func (c *AlertsCloseCmd) Run(ctx context.Context, g *Globals) error {
	return c.run(ctx, g, func(cs *investigate.Case, t investigate.KibanaTarget) (investigate.Action, error) {
		return investigate.PlanAlertStatus(cs, t, investigate.WorkflowClosed, strings.TrimSpace(c.Reason))
	})
}

func (c *AlertsOpenCmd) Run(ctx context.Context, g *Globals) error {
	return c.run(ctx, g, func(cs *investigate.Case, t investigate.KibanaTarget) (investigate.Action, error) {
		return investigate.PlanAlertStatus(cs, t, investigate.WorkflowOpen, "")
	})
}

func (c *AlertsCaseCmd) Run(ctx context.Context, g *Globals) error {
	return c.run(ctx, g, func(cs *investigate.Case, t investigate.KibanaTarget) (investigate.Action, error) {
		var b bytes.Buffer
		if err := report.Markdown(&b, cs, report.Options{Timeline: c.Timeline}); err != nil {
			return investigate.Action{}, err
		}
		return investigate.PlanKibanaCase(cs, t, b.String(), investigate.KibanaCaseOptions{Title: c.Title, Tags: c.Tags, SyncAlerts: c.SyncAlerts})
	})
}

// run builds the key's case from the configured sources, plans one Kibana action with
// plan, shows it, and runs it once the analyst has typed the key id.
func (c *alertsTarget) run(ctx context.Context, g *Globals, plan func(*investigate.Case, investigate.KibanaTarget) (investigate.Action, error)) error {
	if !g.usesDemo() {
		if g.Elastic == "" {
			return usageErr("write-back goes to Kibana: give --elastic URL (or --cloud-id) and --kibana URL (or --demo, which has a simulated Kibana)")
		}
		if g.Kibana == "" {
			return usageErr("write-back goes to Kibana: give --kibana URL (or --cloud-id, which names it)")
		}
	}
	w, cs, err := keyCase(ctx, g, c.Key)
	if err != nil {
		return err
	}
	kb := w.Kibana
	if kb == nil {
		return usageErr("write-back goes to Kibana: give --kibana URL (or --cloud-id, which names it)")
	}
	out := os.Stderr
	a, err := plan(cs, investigate.KibanaTarget{URL: kb.URL(), Space: g.KibanaSpace})
	if errors.Is(err, investigate.ErrNothingToChange) {
		fmt.Fprintln(out, sanitize.Clean(err.Error()))
		return nil
	}
	if err != nil {
		return usageErr("%v", err)
	}
	printAction(out, a)
	if c.PlanOnly {
		return nil
	}
	if w.ReadOnly {
		return withCode(exitRefused, investigate.ErrReadOnly)
	}
	j, err := journal.Open(w.JournalPath)
	if err != nil {
		return withCode(exitError, err)
	}
	r := &investigate.Runner{Remediator: kb, Journal: actionJournal{File: j, kibana: true}, ReadOnly: w.ReadOnly, Now: w.Workspace.CurrentTime}
	caller, err := kb.Caller(ctx)
	if err != nil {
		return withCode(exitError, fmt.Errorf("cannot tell who would act: %w", err))
	}
	fmt.Fprintf(out, "\nActing as %s through %s\n", sanitize.Clean(caller.ARN), sanitize.Clean(kb.URL()))
	notePending(out, r, c.Key.String())
	confirmed, err := confirm(a, c.ActFlags, newPrompter())
	if err != nil {
		return err
	}
	// Through RunAll like deactivate's batch: planned before the first call when a
	// command runs more than one action (a batch of one has its intent as its plan).
	o := r.RunAll(ctx, []investigate.Confirmed{confirmed})[0]
	printOutcome(out, o, w.JournalPath)
	return withCode(exitError, o.Err)
}

// kibanaClient connects to Elasticsearch and returns the Kibana write-back it names.
func kibanaClient(ctx context.Context, g *Globals) (*elastic.Kibana, error) {
	client, err := elastic.Connect(ctx, g.elasticConfig())
	if err != nil {
		return nil, withCode(exitError, fmt.Errorf("Elasticsearch: %w", err))
	}
	kb, err := client.Kibana()
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return kb, nil
}

// actionJournal is the journal as one runner sees it: entries go to the one journal,
// and only that runner's actions (Kibana's, or the others: AWS's) are resumed from it,
// so that an action a crash interrupted is never handed to the wrong remediator.
type actionJournal struct {
	*journal.File
	kibana bool
}

func (j actionJournal) Pending() ([]investigate.JournalEntry, error) {
	all, err := j.File.Pending()
	var out []investigate.JournalEntry
	for _, e := range all {
		if e.OnKibana() == j.kibana {
			out = append(out, e)
		}
	}
	return out, err
}
