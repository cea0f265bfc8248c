// Package sourcetest holds what tests of event and alert sources share: running a query
// and gathering what the source's sink receives (Events, Alerts), and the sink that does
// the gathering (Sink) for a test that also counts batches. It keeps every item as it
// arrives, duplicates included, so that a test sees a source that delivers one twice.
//
// It may import investigate and the standard library only; it is for tests, so adapters
// import it from their _test.go files, and the test servers under internal/testserver
// never import it.
package sourcetest

import (
	"context"
	"sync"

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
