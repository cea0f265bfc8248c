package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/keypivot/keypivot/files/journal"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// UndoCmd reverses one completed action of the journal, as its own confirmed and
// journalled action.
type UndoCmd struct {
	ID  string                  `arg:"" help:"The journalled action's id: keypivot journal names it in each completed action's undo."`
	Key investigate.AccessKeyID `arg:"" optional:"" help:"The action's key: with it on the command line, --yes may stand for typing it."`
	ActFlags
}

func (c *UndoCmd) Run(ctx context.Context, g *Globals) error {
	path, _ := journalPaths(g)
	entries, _, err := readJournal(path)
	if err != nil {
		return withCode(exitError, err)
	}
	done, ok := investigate.DoneAction(entries, c.ID)
	if !ok {
		return usageErr("journal %s holds no completed action %q: keypivot journal lists them", path, c.ID)
	}
	undo, ok := done.UndoAction()
	if !ok {
		return withCode(exitRefused, fmt.Errorf("%s cannot be undone by keypivot: %s", sanitize.Clean(done.Title), sanitize.Clean(done.Undo)))
	}
	key, err := investigate.ParseAccessKeyID(done.Key)
	if err != nil {
		return withCode(exitError, fmt.Errorf("journal %s: action %s names no key: %v", path, c.ID, err))
	}
	if c.Yes && c.Key != key {
		// --yes stands for typing the key id only because the key is on the command line.
		return usageErr("--yes needs the action's key on the command line too: keypivot undo %s %s --yes", c.ID, key)
	}
	g.actInAWS()
	w, cs, err := keyCase(ctx, g, key)
	if err != nil {
		return err
	}
	r, caller, err := runner(ctx, w, cs)
	if err != nil {
		return err
	}
	if !caller.CanActIn(undo.Account) {
		undo.Refusal = fmt.Sprintf("the action was made in account %s but the caller is in %s: use a profile of that account", undo.Account, caller.Account)
	}
	return runOne(ctx, w, r, undo, c.ActFlags)
}

// readJournal reads a journal's records. A damaged journal (a torn tail, a bad line)
// still gives its other records, and damage says where; err is for a journal that
// cannot be read at all.
func readJournal(path string) (entries []investigate.JournalEntry, damage *journal.DamageError, err error) {
	entries, err = (&journal.File{Path: path}).Entries()
	if err != nil && !errors.As(err, &damage) {
		return nil, nil, fmt.Errorf("cannot read the journal: %s", errText(err))
	}
	return entries, damage, nil
}
