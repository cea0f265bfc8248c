package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/keypivot/keypivot/files/journal"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// ActFlags are shared by the commands that write.
type ActFlags struct {
	Yes bool `name:"yes" short:"y" help:"Confirm without a prompt (only because the key is named on the command line)."`
}

// DeactivateCmd contains a key: deactivate it, then, each separately confirmed, revoke
// its derived sessions and stop the instances launched through it.
type DeactivateCmd struct {
	Key investigate.AccessKeyID `arg:"" help:"The access key id to deactivate."`
	ActFlags
	RevokeSessions      bool `name:"revoke-sessions" help:"Also revoke sessions derived from the key (separately confirmed)."`
	StopInstances       bool `name:"stop-instances" help:"Also stop instances launched through the key's follow-ups (separately confirmed)."`
	ContainChildren     bool `name:"contain-children" help:"Also deactivate the access keys the key (or its sessions) created, and revoke their users' sessions."`
	RemovePersistence   bool `name:"remove-persistence" help:"Also undo what the attacker left: detach or delete its policies, restore backdoored trust policies, deny-all on users and roles it created, group memberships, Lambda functions."`
	DeleteLoginProfiles bool `name:"delete-login-profiles" help:"Also delete console passwords the attacker set (IRREVERSIBLE: each confirmed by typing the user name)."`
	DeleteKeyPairs      bool `name:"delete-key-pairs" help:"Also delete EC2 key pairs the attacker made (IRREVERSIBLE: each confirmed by typing the key pair name)."`
	PlanOnly            bool `name:"plan" help:"Print the plan and exit without acting (works without an AWS account)."`
}

// picked reports whether the analyst asked for a group of actions.
func (c *DeactivateCmd) picked(group string) bool {
	switch group {
	case investigate.GroupSessions:
		return c.RevokeSessions
	case investigate.GroupInstances:
		return c.StopInstances
	case investigate.GroupChildren:
		return c.ContainChildren
	case investigate.GroupPersistence:
		return c.RemovePersistence
	case investigate.GroupLoginProfiles:
		return c.DeleteLoginProfiles
	case investigate.GroupKeyPairs:
		return c.DeleteKeyPairs
	}
	return true
}

// ReactivateCmd undoes a deactivation.
type ReactivateCmd struct {
	Key  investigate.AccessKeyID `arg:"" help:"The access key id to reactivate."`
	User string                  `name:"user" placeholder:"NAME" help:"The key's IAM user (default: from the sources or a live lookup)."`
	ActFlags
}

// JournalCmd shows or completes the journal.
type JournalCmd struct {
	Resume bool `name:"resume" help:"Complete actions a crash interrupted, each confirmed again (re-reads state; never repeats a write)."`
	ActFlags
}

// confirm asks for a through the domain's confirmation rules; --yes is the analyst's
// answer to the first question only. A refusal to run exits 4.
func confirm(a investigate.Action, flags ActFlags, p investigate.Prompter) (investigate.Confirmed, error) {
	c, err := investigate.Confirm(a, flags.Yes, p)
	if err != nil {
		return c, withCode(exitRefused, err)
	}
	return c, nil
}

// printAction shows an action before it is confirmed, its calls spelled for the system
// it writes to.
func printAction(w io.Writer, a investigate.Action) {
	o := report.ActionOptions{}
	if a.OnKibana() {
		o = report.ActionOptions{CallText: investigate.KibanaCallText, MaxAffects: maxAffects}
	}
	report.WriteAction(w, a, o)
}

// maxAffects bounds the lines of what a Kibana action affects that are printed (one per
// alert).
const maxAffects = 15

func printOutcome(w io.Writer, o investigate.Outcome, journalPath string) {
	switch {
	case o.Err != nil:
		fmt.Fprintf(w, "  FAILED: %s\n", sanitize.Clean(o.Error))
	case o.Skipped:
		fmt.Fprintf(w, "  already in effect (%s): nothing was called\n", sanitize.Clean(o.StateBefore))
	default:
		fmt.Fprintf(w, "  done: %s -> %s", sanitize.Clean(o.StateBefore), sanitize.Clean(o.StateAfter))
		if len(o.RequestIDs) > 0 {
			fmt.Fprintf(w, " (request %s)", strings.Join(o.RequestIDs, ", "))
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  undo: %s\n", sanitize.Clean(o.Action.Undo))
	}
	fmt.Fprintf(w, "  journal: %s\n", journalPath)
}

// runner builds the remediation runner for a case.
func runner(ctx context.Context, w *Wiring, c *investigate.Case) (*investigate.Runner, investigate.Caller, error) {
	if w.Remediator == nil {
		return nil, investigate.Caller{}, withCode(exitError, errors.New("no account to act on: configure AWS (--profile, --region) or use --demo"))
	}
	rem, err := w.Remediator(ctx, c)
	if err != nil {
		return nil, investigate.Caller{}, withCode(exitError, err)
	}
	j, err := journal.Open(w.JournalPath)
	if err != nil {
		return nil, investigate.Caller{}, withCode(exitError, err)
	}
	caller, err := rem.Caller(ctx)
	if err != nil {
		return nil, investigate.Caller{}, withCode(exitError, fmt.Errorf("cannot tell who would act: %w", err))
	}
	return &investigate.Runner{Remediator: rem, Journal: actionJournal{File: j}, ReadOnly: w.ReadOnly, Now: w.Workspace.CurrentTime}, caller, nil
}

func (c *DeactivateCmd) Run(ctx context.Context, g *Globals) error {
	if !c.PlanOnly {
		g.actInAWS() // --plan alone works without an account
	}
	w, cs, err := keyCase(ctx, g, c.Key)
	if err != nil {
		return err
	}
	if c.PlanOnly && w.Remediator == nil {
		return c.planOnly(w, cs)
	}
	r, caller, err := runner(ctx, w, cs)
	if err != nil {
		return err
	}
	out := os.Stderr
	if w.Workspace.Demo {
		fmt.Fprintln(out, "DEMO: acting on a simulated account; nothing leaves this process.")
	}
	fmt.Fprintf(out, "Acting as %s (%s)\n", sanitize.Clean(caller.ARN), sanitize.Clean(caller.Profile))
	fmt.Fprintf(out, "Searched: %s\n", sanitize.Clean(cs.Completeness.Headline))
	if w.ReadOnly {
		fmt.Fprintln(out, "Read-only mode: the plan is shown, nothing will be written.")
	}
	notePending(out, r, c.Key.String())
	plan := investigate.PlanRemediation(cs, &caller, w.Workspace.CurrentTime())
	p := newPrompter()
	code := exitOK
	var firstErr error
	// Every action is confirmed before any runs, and the confirmed ones are journalled
	// as planned before the first call: a crash part way leaves exactly the rest to
	// keypivot journal --resume. A declined or refused action is never planned.
	var batch []investigate.Confirmed
	for _, a := range plan.Actions {
		if c.PlanOnly {
			// The whole plan, each action in full, whatever is picked.
			printAction(out, a)
			fmt.Fprintf(out, "  picked by: %s\n", report.PickedBy(a.Group))
			continue
		}
		if !c.picked(a.Group) {
			fmt.Fprintf(out, "\n(not requested: %s; add %s)\n", sanitize.Clean(a.Title), report.PickedBy(a.Group))
			continue
		}
		printAction(out, a)
		if w.ReadOnly {
			continue
		}
		if a.Refusal != "" {
			code, firstErr = exitRefused, errors.New("refused: "+a.Refusal)
			if a.Kind == investigate.ActDeactivateKey {
				break
			}
			continue
		}
		confirmed, err := confirm(a, c.ActFlags, p)
		if err != nil {
			fmt.Fprintln(out, " ", errText(err))
			code, firstErr = exitRefused, err
			continue
		}
		batch = append(batch, confirmed)
	}
	if len(batch) > 1 {
		fmt.Fprintf(out, "\nRunning %d confirmed actions, journalled as planned first (a crash leaves the rest to keypivot journal --resume):\n", len(batch))
	}
	for _, o := range r.RunAll(ctx, batch) {
		if len(batch) > 1 {
			fmt.Fprintf(out, "\n%s\n", sanitize.Clean(o.Action.Title))
		}
		printOutcome(out, o, w.JournalPath)
		if o.Err != nil && firstErr == nil {
			code, firstErr = exitError, o.Err
		}
	}
	for _, n := range plan.Notes {
		fmt.Fprintln(out, "note:", sanitize.Clean(n))
	}
	if w.ReadOnly && !c.PlanOnly && firstErr == nil {
		return withCode(exitRefused, investigate.ErrReadOnly)
	}
	if firstErr != nil {
		return withCode(code, fmt.Errorf("%v", firstErr))
	}
	return nil
}

// planOnly prints the plan computed without an account to act on: what would be
// asked, called and undone.
func (c *DeactivateCmd) planOnly(w *Wiring, cs *investigate.Case) error {
	out := os.Stderr
	fmt.Fprintln(out, "Plan only: no AWS account is configured, so nothing can run and no caller was checked.")
	fmt.Fprintf(out, "Searched: %s\n", sanitize.Clean(cs.Completeness.Headline))
	plan := investigate.PlanRemediation(cs, nil, w.Workspace.CurrentTime())
	for _, a := range plan.Actions {
		printAction(out, a)
		fmt.Fprintf(out, "  picked by: %s\n", report.PickedBy(a.Group))
	}
	for _, n := range plan.Notes {
		fmt.Fprintln(out, "note:", sanitize.Clean(n))
	}
	return nil
}

func (c *ReactivateCmd) Run(ctx context.Context, g *Globals) error {
	g.actInAWS()
	w, cs, err := keyCase(ctx, g, c.Key)
	if err != nil {
		return err
	}
	if c.User != "" {
		cs.Owner.User = c.User
	}
	if cs.Owner.User == "" {
		return usageErr("the user of %s is unknown: pass --user", c.Key.String())
	}
	r, caller, err := runner(ctx, w, cs)
	if err != nil {
		return err
	}
	a := investigate.ReactivateAction(c.Key.String(), cs.Owner.User, cs.Owner.Account, &caller)
	return runOne(ctx, w, r, a, c.ActFlags)
}

// runOne shows one action, asks for it, runs it and shows its outcome: a refusal, read-only
// mode or an unconfirmed action exits 4, a failed one 1.
func runOne(ctx context.Context, w *Wiring, r *investigate.Runner, a investigate.Action, flags ActFlags) error {
	printAction(os.Stderr, a)
	if a.Refusal != "" {
		return withCode(exitRefused, errors.New("refused: "+a.Refusal))
	}
	if w.ReadOnly {
		return withCode(exitRefused, investigate.ErrReadOnly)
	}
	confirmed, err := confirm(a, flags, newPrompter())
	if err != nil {
		return err
	}
	o := r.RunAll(ctx, []investigate.Confirmed{confirmed})[0]
	printOutcome(os.Stderr, o, w.JournalPath)
	return withCode(exitError, o.Err)
}

// journalPaths is the journal the commands read: the demo's beside the real one with
// --demo. real is the real journal's path either way.
func journalPaths(g *Globals) (path, real string) {
	real = g.JournalPath
	if real == "" {
		real = journal.DefaultPath()
	}
	if g.Demo {
		return demoJournalPath(real), real
	}
	return real, real
}

func (c *JournalCmd) Run(ctx context.Context, g *Globals) (err error) {
	path, real := journalPaths(g) // the simulated account's actions are journalled apart
	j, err := journal.Open(path)
	if err != nil {
		return withCode(exitError, err)
	}
	entries, damage, err := readJournal(path)
	if err != nil {
		return withCode(exitError, err)
	}
	if damage != nil {
		// A torn tail or a bad line, with its byte offset: every other record is listed.
		fmt.Fprintln(os.Stderr, "warning:", errText(damage))
	}
	switch {
	case len(entries) == 0 && damage != nil:
		fmt.Printf("journal %s holds no complete record (see the warning above)\n", path)
	case len(entries) == 0:
		fmt.Printf("journal %s is empty: no action was journalled there\n", path)
		if demo := demoJournalPath(real); !g.Demo {
			if st, err := os.Stat(demo); err == nil && st.Size() > 0 {
				fmt.Printf("the demo's actions are in %s: keypivot journal --demo\n", demo)
			}
		}
	}
	for _, e := range entries {
		state := ""
		if e.StateBefore != "" || e.StateAfter != "" {
			state = sanitize.Clean(e.StateBefore) + " -> " + sanitize.Clean(e.StateAfter) + "  "
		}
		fmt.Printf("%s  %-9s %-22s %s  %s%s  by %s\n", e.Time.Format(time.RFC3339), e.Phase, sanitize.Clean(e.Action), sanitize.Clean(e.Key),
			state, sanitize.Clean(e.Result), sanitize.Clean(e.CallerARN))
		if e.Phase == investigate.PhaseDone && e.Undo != "" {
			fmt.Printf("%22s undo: %s\n", "", sanitize.Clean(e.Undo))
		}
	}
	pending := investigate.PendingEntries(entries)
	if len(pending) > 0 && !c.Resume {
		planned := 0
		for _, p := range pending {
			if p.Phase == investigate.PhasePlanned {
				planned++
			}
		}
		note := ""
		if planned > 0 {
			note = fmt.Sprintf(" (%d planned, never started)", planned)
		}
		fmt.Printf("%s%s: run keypivot journal --resume (with credentials of the account they were planned for) to complete them\n", investigate.Plural(len(pending), "interrupted action"), note)
	}
	if !c.Resume || len(pending) == 0 {
		return nil
	}
	prompt := newPrompter()
	declined, wrongAccount, failed := 0, 0, 0
	confirm := func(a investigate.Action) bool {
		fmt.Println("\ninterrupted:")
		printAction(os.Stdout, a)
		_, err := confirm(a, c.ActFlags, prompt)
		ok := err == nil
		if err != nil {
			fmt.Println(" ", errText(err))
		}
		if !ok {
			declined++
		}
		return ok
	}
	defer func() {
		switch {
		case err != nil:
		case wrongAccount > 0:
			err = withCode(exitRefused, fmt.Errorf("%s refused: they were planned for another account (or Kibana) than this run acts in; nothing was done for them", investigate.Plural(wrongAccount, "interrupted action")))
		case declined > 0:
			err = withCode(exitRefused, fmt.Errorf("%s not confirmed: nothing was done for them", investigate.Plural(declined, "interrupted action")))
		case failed > 0:
			err = withCode(exitError, fmt.Errorf("%s failed (see above and the journal)", investigate.Plural(failed, "resumed action")))
		}
	}()
	report := func(outs []investigate.Outcome) {
		for _, o := range outs {
			if errors.Is(o.Err, investigate.ErrWrongAccount) {
				wrongAccount++
				fmt.Printf("\nnot resumed: %s\n  REFUSED: %s\n", sanitize.Clean(o.Action.Title), sanitize.Clean(strings.TrimPrefix(o.Error, "refused: ")))
				continue
			}
			if o.Err != nil {
				failed++
			}
			fmt.Printf("resumed %s\n", sanitize.Clean(o.Action.Title))
			printOutcome(os.Stdout, o, path)
		}
	}
	var awsKeys []string
	kibana := 0
	for _, p := range pending {
		if p.OnKibana() {
			kibana++
		} else if !slices.Contains(awsKeys, p.Key) {
			awsKeys = append(awsKeys, p.Key)
		}
	}
	if kibana > 0 {
		var kb kibanaWriter
		switch {
		case g.usesDemo():
			w, err := wire(ctx, g) // the demo's simulated Kibana, its journal replayed
			if err != nil {
				return err
			}
			kb = w.Kibana
		case g.Elastic != "" && g.Kibana != "":
			if kb, err = kibanaClient(ctx, g); err != nil {
				return err
			}
		}
		if kb == nil {
			actions := investigate.Plural(kibana, "interrupted Kibana action")
			fmt.Printf("%s: add --elastic URL and --kibana URL (or --cloud-id) to resume them\n", actions)
			if len(awsKeys) == 0 {
				return usageErr("%s not resumed: give --elastic and --kibana", actions)
			}
			defer func() {
				if err == nil {
					err = usageErr("%s not resumed: give --elastic and --kibana", actions)
				}
			}()
		} else {
			r := &investigate.Runner{Remediator: kb, Journal: actionJournal{File: j, kibana: true}, ReadOnly: g.ReadOnly}
			outs, err := r.Resume(ctx, confirm)
			report(outs)
			if err != nil {
				return withCode(exitError, err)
			}
		}
	}
	if len(awsKeys) == 0 {
		return nil
	}
	g.actInAWS()
	w, err := wire(ctx, g)
	if err != nil {
		return err
	}
	if w.Workspace.Demo && path != w.JournalPath {
		// The demo's simulated account must never "complete" actions planned against AWS.
		return withCode(exitRefused, fmt.Errorf("%s holds actions planned against AWS (by %s): resume them with the AWS profile they were planned with (--profile)", path, sanitize.Clean(pending[0].CallerARN)))
	}
	for _, key := range awsKeys {
		id, err := investigate.ParseAccessKeyID(key)
		if err != nil {
			return withCode(exitError, fmt.Errorf("journal %s: an interrupted action names no key to resume: %v", path, err))
		}
		cs, err := investigateWithProgress(ctx, w.Workspace, id)
		if err != nil {
			return withCode(exitError, err)
		}
		r, _, err := runner(ctx, w, cs)
		if err != nil {
			return err
		}
		r.Journal = actionJournal{File: j}
		// Resume refuses, before asking, an action planned for an account the caller
		// cannot act in, whatever its profile is called (exit 4 below).
		outs, err := r.Resume(ctx, confirm, key)
		report(outs)
		if err != nil {
			return withCode(exitError, err)
		}
	}
	return nil
}

// notePending says which interrupted actions on key the journal holds, and how to
// complete them: never without a new confirmation.
func notePending(out io.Writer, r *investigate.Runner, key string) {
	if r.Journal == nil {
		return
	}
	pending, err := r.Journal.Pending()
	if err != nil {
		fmt.Fprintln(out, "warning: journal:", errText(err))
		return
	}
	for _, p := range pending {
		if p.Key != key {
			continue
		}
		what, when := "interrupted earlier", "started"
		if p.Phase == investigate.PhasePlanned {
			what, when = "planned earlier, never started", "planned"
		}
		fmt.Fprintf(out, "%s: %s %s (%s %s): keypivot journal --resume completes it, after you confirm again\n",
			what, sanitize.Clean(p.Action), p.Key, when, p.Time.Format(time.RFC3339))
	}
}

// errText is an error as the terminal may show it: secrets masked, controls made inert.
func errText(err error) string { return sanitize.Clean(sanitize.Redact(err.Error())) }
