package simkibana

import (
	"context"
	"errors"
	"fmt"

	"github.com/keypivot/keypivot/investigate"
)

// Replay makes again, in order, the writes the journal records against this Kibana
// (its URL), so that a new process's simulated Kibana holds what earlier runs wrote, as
// a real Kibana would: the alerts they acknowledged or closed, the cases they made (with
// the same ids, the demo's alert ids being the seed's alone). An action that finished
// (phase done) or failed is applied again; one that was skipped or never started is not;
// a failed one fails again at the same point, leaving what it left. The error joins
// the finished actions that cannot be made again (their alerts are gone: another demo
// seed); it returns how many actions were applied. Replayed writes count in Writes.
func (k *Kibana) Replay(ctx context.Context, entries []investigate.JournalEntry) (int, error) {
	var errs []error
	n := 0
	for _, e := range entries {
		if !e.OnKibana() || investigate.PlannedKibana(e) != k.url {
			continue
		}
		if e.Phase != investigate.PhaseDone && e.Phase != investigate.PhaseFailed {
			continue
		}
		if e.Action != investigate.ActKibanaSetStatus && e.Action != investigate.ActKibanaCreateCase {
			continue // no other kind reaches Kibana (an undo is refused before any write)
		}
		a := investigate.Action{ID: e.ActionID, Kind: e.Action, Key: e.Key, Calls: e.Calls}
		_, err := k.Apply(ctx, a)
		n++
		if err != nil && e.Phase == investigate.PhaseDone {
			errs = append(errs, fmt.Errorf("replaying %s (%s): %w", e.ActionID, e.Time.Format("2006-01-02 15:04:05"), err))
		}
	}
	return n, errors.Join(errs...)
}
