// Package sourcetest holds what tests of event and alert sources share: running a query
// and gathering what the source's sink receives (Events, Alerts), and the sink that does
// the gathering (Sink) for a test that also counts batches. It keeps every item as it
// arrives, duplicates included, so that a test sees a source that delivers one twice.
// Collect runs a whole pivot over one source, failing the test on a source error, and
// EventIDs lists what came back by id. RequireCorpus stops a test that needs the shared
// corpus of real records when it is missing.
//
// It may import investigate and the standard library only; it is for tests, so adapters
// import it from their _test.go files, and the test servers under internal/testserver
// never import it.
package sourcetest

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

// Sink gathers the batches a source hands its sink. Receive is the sink: sources call it
// from several goroutines. Read Items and Batches after the source has returned.
type Sink[T any] struct {
	mu      sync.Mutex
	Items   []T // every item received, in the order of arrival
	Batches int // how many batches (calls of Receive) they came in
}

// Receive appends one batch.
func (s *Sink[T]) Receive(batch []T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Items = append(s.Items, batch...)
	s.Batches++
}

// Events runs q on src and returns its report, every event its sink received and its
// error.
func Events(ctx context.Context, src investigate.EventSource, q investigate.EventQuery) (investigate.SourceReport, []investigate.Event, error) {
	var s Sink[investigate.Event]
	rep, err := src.Events(ctx, q, s.Receive)
	return rep, s.Items, err
}

// Alerts runs q on src and returns its report, every alert its sink received and its
// error.
func Alerts(ctx context.Context, src investigate.AlertSource, q investigate.AlertQuery) (investigate.SourceReport, []investigate.Alert, error) {
	var s Sink[investigate.Alert]
	rep, err := src.Alerts(ctx, q, s.Receive)
	return rep, s.Items, err
}

// Collect runs the pivot of key over src alone, its events inside w (investigate.Collect),
// and fails the test when a source failed.
func Collect(t testing.TB, src investigate.EventSource, key string, w investigate.Window) *investigate.Collection {
	t.Helper()
	col := investigate.Collect(context.Background(), investigate.MustParseAccessKeyID(key), []investigate.EventSource{src}, nil, investigate.CollectOptions{Window: w})
	if len(col.Errors) > 0 {
		t.Fatalf("errors: %v", col.Errors)
	}
	return col
}

// EventIDs are the events' ids, sorted, a repeated one as often as it came: of events a
// sink received, or of a collection's set (Collection.Set.Events).
func EventIDs[E investigate.Event | *investigate.Event](events []E) []string {
	ids := make([]string, 0, len(events))
	for _, e := range events {
		switch e := any(e).(type) {
		case investigate.Event:
			ids = append(ids, e.ID)
		case *investigate.Event:
			ids = append(ids, e.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// RequireCorpus stops the test when path, a file or folder of the shared corpus of real
// records, is missing: it fails the test in CI (.ci/run exports CI=true), where a
// missing corpus means its facts went unchecked, and skips it elsewhere (a bare clone).
func RequireCorpus(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus not present (CI is set, so it must be): %v", err)
		} else {
			t.Skipf("corpus not present: %v", err)
		}
	}
}
