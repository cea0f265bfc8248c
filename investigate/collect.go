package investigate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// EventSet holds the events of a case, de-duplicated by eventID. It is safe for
// concurrent use.
type EventSet struct {
	mu     sync.Mutex
	events []*Event
	ids    map[string]string // id -> origin of the copy held
	dups   int
}

// NewEventSet returns an empty set.
func NewEventSet() *EventSet { return &EventSet{ids: map[string]string{}} }

// Add adds events not already in the set and returns how many were new.
func (s *EventSet) Add(batch []Event) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := range batch {
		e := batch[i]
		id := dedupID(&e)
		if origin, ok := s.ids[id]; ok {
			// The same record read again (a later round of the same source) is not a
			// duplicate in the sources; another copy elsewhere is.
			if origin != e.Origin || origin == "" {
				s.dups++
			}
			continue
		}
		s.ids[id] = e.Origin
		s.events = append(s.events, &e)
		n++
	}
	return n
}

// dedupID is the eventID, or a digest of the record for the rare record without one.
func dedupID(e *Event) string {
	if e.ID != "" {
		return e.ID
	}
	h := sha256.Sum256(e.Raw)
	return "sha256:" + hex.EncodeToString(h[:12])
}

// Events returns a snapshot of the events.
func (s *EventSet) Events() []*Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// Len is the number of distinct events.
func (s *EventSet) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

// Duplicates counts records dropped as repeats of an eventID already held from another
// place (overlapping sources, the same record in two files).
func (s *EventSet) Duplicates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dups
}

// Progress reports a collection's advance.
type Progress struct {
	Round   int
	Source  string
	Keys    []string
	Events  int
	Done    bool
	Elapsed time.Duration
	// Scan is the file scan of Source, when it reads files: files, bytes, rate, estimate.
	Scan *ScanProgress
}

// CollectOptions tune a collection.
type CollectOptions struct {
	Window Window
	// MaxRounds bounds the widening of the query (default 8).
	MaxRounds int
	// OnProgress, when set, is called after each batch and each finished source.
	OnProgress func(Progress)
}

// Collection is the result of Collect.
type Collection struct {
	Set     *EventSet
	Reports []SourceReport
	// Keys are all keys queried: the case key and its derived sessions.
	Keys []string
	// Errors are sources that could not be read at all.
	Errors []error
}

// Collect reads the events of key from every source, then widens the query to the
// sessions derived from the key and to launches with its key pairs, until nothing new
// appears. Sources are read concurrently. Events stream into the returned set as they
// arrive; the set is also passed to OnProgress's caller through Collection.
func Collect(ctx context.Context, key string, sources []EventSource, set *EventSet, opts CollectOptions) *Collection {
	if set == nil {
		set = NewEventSet()
	}
	maxRounds := opts.MaxRounds
	if maxRounds <= 0 {
		maxRounds = 8
	}
	col := &Collection{Set: set}
	reports := make([]SourceReport, len(sources))
	queriedKeys := map[string]bool{}
	queriedPairs := map[string]bool{}
	start := time.Now()
	nextKeys := []string{key}
	var nextPairs []KeyPairRef
	for round := 1; round <= maxRounds && (len(nextKeys) > 0 || len(nextPairs) > 0); round++ {
		if ctx.Err() != nil {
			break
		}
		for _, k := range nextKeys {
			queriedKeys[k] = true
		}
		for _, p := range nextPairs {
			queriedPairs[p.Region+"/"+p.Name] = true
		}
		q := EventQuery{AccessKeys: nextKeys, KeyPairs: nextPairs, Window: opts.Window}
		var mu sync.Mutex
		g, gctx := errgroup.WithContext(ctx)
		for i, src := range sources {
			g.Go(func() error {
				var (
					scanMu sync.Mutex
					scan   *ScanProgress
				)
				progress := func() {
					scanMu.Lock()
					sp := scan
					scanMu.Unlock()
					opts.OnProgress(Progress{Round: round, Source: src.Name(), Keys: q.AccessKeys, Events: set.Len(), Elapsed: time.Since(start), Scan: sp})
				}
				sq := q
				if opts.OnProgress != nil {
					sq.OnScan = func(p ScanProgress) {
						scanMu.Lock()
						scan = &p
						scanMu.Unlock()
						progress()
					}
				}
				r, err := src.Events(gctx, sq, func(batch []Event) {
					set.Add(batch)
					if opts.OnProgress != nil {
						progress()
					}
				})
				mu.Lock()
				defer mu.Unlock()
				if r.Source == "" {
					r.Source = src.Name()
				}
				reports[i].Merge(r)
				if err != nil && ctx.Err() == nil {
					col.Errors = append(col.Errors, fmt.Errorf("%s: %w", src.Name(), err))
					reports[i].Problems = append(reports[i].Problems, Problem{Where: src.Name(), Message: err.Error()})
				}
				return nil
			})
		}
		_ = g.Wait()
		events := set.Events()
		all := []string{key}
		nextKeys = nil
		for _, k := range SessionKeys(key, events) {
			all = append(all, k)
			if !queriedKeys[k] {
				nextKeys = append(nextKeys, k)
			}
		}
		nextPairs = nil
		for _, p := range KeyPairsOf(events, all) {
			if !queriedPairs[p.Region+"/"+p.Name] {
				nextPairs = append(nextPairs, p)
			}
		}
		col.Keys = all
	}
	col.Reports = reports
	if opts.OnProgress != nil {
		opts.OnProgress(Progress{Source: "", Keys: col.Keys, Events: set.Len(), Done: true, Elapsed: time.Since(start)})
	}
	return col
}
