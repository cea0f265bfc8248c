package sourcetest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
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
	ids := EventIDs(events)
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

// broken is a source that cannot be read at all.
type broken struct{}

func (broken) Name() string { return "broken" }

func (broken) Events(context.Context, investigate.EventQuery, func([]investigate.Event)) (investigate.SourceReport, error) {
	return investigate.SourceReport{Kind: "broken"}, errors.New("no such bucket")
}

// fatalRecorder is a test that records Fatalf and Skipf instead of stopping.
type fatalRecorder struct {
	testing.TB
	fatal, skip string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

func (r *fatalRecorder) Skipf(format string, args ...any) { r.skip = fmt.Sprintf(format, args...) }

// A pivot whose source failed fails the test, naming the failure; one that read fails
// nothing.
func TestCollectFailsOnASourceError(t *testing.T) {
	rec := &fatalRecorder{TB: t}
	Collect(rec, broken{}, "AKIAIOSFODNN7EXAMPLE", investigate.Window{})
	if !strings.Contains(rec.fatal, "no such bucket") {
		t.Errorf("a failed source: Fatalf %q", rec.fatal)
	}
	ok := &fatalRecorder{TB: t}
	if col := Collect(ok, twice{n: 1}, "AKIAIOSFODNN7EXAMPLE", investigate.Window{}); ok.fatal != "" || col == nil || len(col.Reports) == 0 {
		t.Errorf("a source that read: Fatalf %q", ok.fatal)
	}
}

// Ids are listed alike from events and from pointers to them, sorted, repeats kept.
func TestEventIDs(t *testing.T) {
	events := []investigate.Event{{ID: "b"}, {ID: "a"}, {ID: "b"}}
	want := []string{"a", "b", "b"}
	if got := EventIDs(events); !slices.Equal(got, want) {
		t.Errorf("events: %v, want %v", got, want)
	}
	if got := EventIDs([]*investigate.Event{&events[0], &events[1], &events[2]}); !slices.Equal(got, want) {
		t.Errorf("pointers: %v, want %v", got, want)
	}
}

// A missing corpus fails the test in CI and skips it elsewhere; a present one does
// neither.
func TestRequireCorpus(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-corpus")
	t.Setenv("CI", "true")
	ci := &fatalRecorder{TB: t}
	RequireCorpus(ci, missing)
	if !strings.Contains(ci.fatal, "CI is set") || !strings.Contains(ci.fatal, "no-such-corpus") || ci.skip != "" {
		t.Errorf("in CI: Fatalf %q, Skipf %q", ci.fatal, ci.skip)
	}
	present := &fatalRecorder{TB: t}
	RequireCorpus(present, t.TempDir())
	if present.fatal != "" || present.skip != "" {
		t.Errorf("a present corpus: Fatalf %q, Skipf %q", present.fatal, present.skip)
	}
	t.Setenv("CI", "")
	bare := &fatalRecorder{TB: t}
	RequireCorpus(bare, missing)
	if bare.fatal != "" || !strings.Contains(bare.skip, "corpus not present") {
		t.Errorf("in a bare clone: Fatalf %q, Skipf %q", bare.fatal, bare.skip)
	}
}
