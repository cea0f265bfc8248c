package sourcetest

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

// twice is a source that hands its sink the same batch from several goroutines at once.
type twice struct{ n int }

func (twice) Name() string { return "twice" }

func (s twice) Events(_ context.Context, _ investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	var wg sync.WaitGroup
	for range s.n {
		wg.Go(func() { sink([]investigate.Event{{ID: "a"}, {ID: "b"}}) })
	}
	wg.Wait()
	return investigate.SourceReport{Kind: "twice", Matched: int64(2 * s.n)}, nil
}

func (s twice) Alerts(_ context.Context, _ investigate.AlertQuery, sink func([]investigate.Alert)) (investigate.SourceReport, error) {
	var wg sync.WaitGroup
	for range s.n {
		wg.Go(func() { sink([]investigate.Alert{{ID: "x"}}) })
	}
	wg.Wait()
	return investigate.SourceReport{Kind: "twice"}, nil
}

// Every item delivered is kept, a repeated one as often as it came, from concurrent
// sinks (go test -race checks the lock).
func TestEverythingDeliveredIsKept(t *testing.T) {
	rep, events, err := Events(context.Background(), twice{n: 8}, investigate.EventQuery{})
	if err != nil || rep.Kind != "twice" || rep.Matched != 16 {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	var ids []string
	for _, e := range events {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	if want := slices.Concat(slices.Repeat([]string{"a"}, 8), slices.Repeat([]string{"b"}, 8)); !slices.Equal(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
	_, alerts, err := Alerts(context.Background(), twice{n: 3}, investigate.AlertQuery{})
	if err != nil || len(alerts) != 3 {
		t.Errorf("%d alerts, err %v: want the one alert three times", len(alerts), err)
	}
}

func TestSinkCountsBatches(t *testing.T) {
	var s Sink[investigate.Event]
	if _, err := (twice{n: 5}).Events(context.Background(), investigate.EventQuery{}, s.Receive); err != nil {
		t.Fatal(err)
	}
	if s.Batches != 5 || len(s.Items) != 10 {
		t.Errorf("%d batches, %d items: want 5 and 10", s.Batches, len(s.Items))
	}
}
