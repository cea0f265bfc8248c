package investigate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// EventSet holds the events of a case, de-duplicated by eventID. It is safe for
// concurrent use.
type EventSet struct {
	mu     sync.Mutex
	events []*Event
	ids    map[string]Origin // id -> origin of the copy held
	// copies are the other copies counted as duplicates, by id and origin, so that a
	// later round reading the same copy again does not count it again.
	copies map[eventCopy]bool
	dups   int
	// slab holds new events, a block at a time: a case's events live and die together,
	// and one allocation an event would round each up to its size class.
	slab []Event
}

// eventCopy is one copy of an event: its id and where it was read.
type eventCopy struct {
	id     string
	origin Origin
}

// NewEventSet returns an empty set.
func NewEventSet() *EventSet {
	return &EventSet{ids: map[string]Origin{}, copies: map[eventCopy]bool{}}
}

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
			// duplicate in the sources; another copy elsewhere is, once.
			switch c := (eventCopy{id, e.Origin}); {
			case e.Origin.IsZero():
				s.dups++
			case origin != e.Origin && !s.copies[c]:
				s.copies[c] = true
				s.dups++
			}
			continue
		}
		s.ids[id] = e.Origin
		if len(s.slab) == cap(s.slab) {
			s.slab = make([]Event, 0, min(max(2*cap(s.slab), 16), 4096))
		}
		s.slab = append(s.slab, e)
		s.events = append(s.events, &s.slab[len(s.slab)-1])
		n++
	}
	return n
}

// dedupID is the eventID, or a digest of the record for the rare record without one.
func dedupID(e *Event) string {
	if e.ID != "" {
		return e.ID
	}
	raw, _ := e.Raw() // an event without an id holds its record (DecodeRecordAt)
	h := sha256.Sum256(raw)
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
	Round  int
	Source string
	// Keys are the keys the round asks for; Roles the roles of the role round (the
	// history of the roles whose trust policy the keys changed).
	Keys    []AccessKeyID
	Roles   []string
	Events  int
	Done    bool
	Elapsed time.Duration
	// Scan is the file scan of Source, when it reads files: files, bytes, rate, estimate.
	Scan *ScanProgress
}

// CollectOptions tune a collection.
type CollectOptions struct {
	Window Window
	// MaxRounds bounds the widening of the query to derived keys and key pairs (default
	// 8); the role round comes on top.
	MaxRounds int
	// OnProgress, when set, is called after each batch and each finished source.
	OnProgress func(Progress)
}

// Collection is the result of Collect.
type Collection struct {
	Set *EventSet
	// Reports has one report per source, over all the rounds of the collection. The rounds
	// query the same sources again (the key, then the sessions and key pairs derived from
	// it, then the history of the roles whose trust policy they changed), so the counts
	// are not sums of the rounds:
	//   - Files, Bytes and Skipped are the files of the source, each counted once: every
	//     round lists the same files and the first reads all of them (later rounds re-read
	//     the few that can hold the new keys), so they are the largest count of any round;
	//   - Records counts the records a source read, a file's records once however many
	//     rounds decoded the file (file sources ask CountRecordsOnce); for sources that
	//     query (LookupEvents, Athena, Elasticsearch) each round's answers are new records
	//     and are added up;
	//   - Matched counts distinct events (by eventID) the source delivered;
	//   - Problems and Notes are listed once each; Elapsed, BytesScanned and the regions'
	//     events and pages add up.
	// Rounds keeps each round's own report, by source then round.
	Reports []SourceReport
	Rounds  [][]SourceReport
	// Keys are all keys queried: the case key and its derived sessions.
	Keys []AccessKeyID
	// Roles are the roles whose history the role round asked for (nil without one).
	Roles []string
	// Errors are sources that could not be read at all.
	Errors []error
}

// pivots numbers the Collect calls (EventQuery.Pivot).
var pivots atomic.Uint64

// Collect reads the events of key from every source, then widens the query to the
// sessions derived from the key and to launches with its key pairs, until nothing new
// appears; then, when the keys changed a role's trust policy, it asks once more for the
// history of those roles (EventQuery.Roles), whose earlier document the plan restores.
// Sources are read concurrently. Events stream into the returned set as they
// arrive; the set is also passed to OnProgress's caller through Collection.
func Collect(ctx context.Context, keyID AccessKeyID, sources []EventSource, set *EventSet, opts CollectOptions) *Collection {
	if set == nil {
		set = NewEventSet()
	}
	maxRounds := opts.MaxRounds
	if maxRounds <= 0 {
		maxRounds = 8
	}
	col := &Collection{Set: set}
	rounds := make([][]SourceReport, len(sources))
	ledgers := make([]*readLedger, len(sources))
	matched := make([]*matchCounter, len(sources))
	for i := range sources {
		ledgers[i] = &readLedger{files: map[string]bool{}}
		matched[i] = &matchCounter{ids: map[string]bool{}}
	}
	queriedKeys := map[AccessKeyID]bool{}
	queriedPairs := map[string]bool{}
	start := time.Now()
	pivot := pivots.Add(1)
	key := keyID.String()
	// runRound asks every source for q, concurrently, and keeps each source's report.
	runRound := func(round int, q EventQuery) {
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
					opts.OnProgress(Progress{Round: round, Source: src.Name(), Keys: q.AccessKeys, Roles: q.Roles, Events: set.Len(), Elapsed: time.Since(start), Scan: sp})
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
				sctx := context.WithValue(gctx, ledgerKey{}, ledgers[i])
				r, err := src.Events(sctx, sq, func(batch []Event) {
					matched[i].add(batch)
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
				if err != nil && ctx.Err() == nil {
					col.Errors = append(col.Errors, fmt.Errorf("%s: %w", src.Name(), err))
					r.Fail(src.Name(), err)
				}
				rounds[i] = append(rounds[i], r)
				return nil
			})
		}
		_ = g.Wait()
	}
	// What each round after the first asked for, for the problems it met.
	labels := []string{"the key"}
	nextKeys := []AccessKeyID{keyID}
	var nextPairs []KeyPairRef
	round := 0
	for round < maxRounds && (len(nextKeys) > 0 || len(nextPairs) > 0) {
		if ctx.Err() != nil {
			break
		}
		round++
		for _, k := range nextKeys {
			queriedKeys[k] = true
		}
		for _, p := range nextPairs {
			queriedPairs[p.Region+"/"+p.Name] = true
		}
		if round > 1 {
			labels = append(labels, "derived sessions, key pairs")
		}
		runRound(round, EventQuery{AccessKeys: nextKeys, KeyPairs: nextPairs, Window: opts.Window, Pivot: pivot})
		events := set.Events()
		all := []string{key}
		nextKeys = nil
		for _, k := range KeyIDs(DerivedKeys(key, events)...) {
			all = append(all, k.String())
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
		col.Keys = KeyIDs(all...)
	}
	// The role round, once the keys are known: the history of the roles whose trust
	// policy the keys changed, by anyone, holds the document to restore. Its events are
	// signed by others and derive no keys, so no round follows it.
	if roles := RolesEdited(set.Events(), KeyStrings(col.Keys)); len(roles) > 0 && ctx.Err() == nil {
		round++
		labels = append(labels, "role history")
		col.Roles = roles
		runRound(round, EventQuery{Roles: roles, Window: opts.Window, Pivot: pivot})
	}
	col.Rounds = rounds
	col.Reports = make([]SourceReport, len(sources))
	for i := range sources {
		col.Reports[i] = mergeRounds(rounds[i], labels, matched[i].n())
	}
	if opts.OnProgress != nil {
		opts.OnProgress(Progress{Source: "", Keys: col.Keys, Roles: col.Roles, Events: set.Len(), Done: true, Elapsed: time.Since(start)})
	}
	return col
}

// mergeRounds makes one report of a source's rounds (see Collection.Reports); labels say
// what each round asked for.
func mergeRounds(rounds []SourceReport, labels []string, matched int64) SourceReport {
	label := func(i int) string {
		if i < len(labels) {
			return fmt.Sprintf("round %d (%s)", i+1, labels[i])
		}
		return fmt.Sprintf("round %d", i+1)
	}
	var out SourceReport
	var files int
	var bytes int64
	skips := map[string]Skip{}
	var reasons []string
	// A region searched by one round and failing in a later one (the derived keys) was
	// searched in part, not "failed": its worst status would say it found nothing.
	searchedIn := map[[2]string]bool{}
	failedRounds := 0
	for i, r := range rounds {
		files, bytes = max(files, r.Files), max(bytes, r.Bytes)
		for _, s := range r.Skips {
			if _, ok := skips[s.Reason]; !ok {
				reasons = append(reasons, s.Reason)
			}
			if s.Count > skips[s.Reason].Count {
				skips[s.Reason] = s
			}
		}
		if r.Failed != "" {
			failedRounds++
		}
		if i > 0 && r.Failed != "" {
			// Said of the round it happened in: the key's own events were searched.
			probs := slices.Clone(r.Problems)
			for j := range probs {
				if probs[j].Message == r.Failed {
					probs[j].Message = fmt.Sprintf("%s: %s", label(i), r.Failed)
				}
			}
			r.Problems = probs
		}
		regions := r.Regions
		if i > 0 {
			regions = nil
			for _, rs := range r.Regions {
				k := [2]string{rs.Account, rs.Region}
				if searchedIn[k] && (rs.Status == RegionFailed || rs.Status == RegionThrottled) {
					out.Problems = append(out.Problems, Problem{Where: r.Source + " region " + regionName(rs),
						Message: fmt.Sprintf("%s in %s: %s", rs.Status, label(i), rs.Error)})
					rs.Status, rs.Error = RegionSearched, ""
				}
				regions = append(regions, rs)
			}
		}
		for _, rs := range r.Regions {
			if rs.Status == RegionSearched {
				searchedIn[[2]string{rs.Account, rs.Region}] = true
			}
		}
		r.Skips, r.Skipped, r.Regions = nil, 0, regions
		out.Merge(r)
	}
	out.Files, out.Bytes = files, bytes
	if failedRounds < len(rounds) && rounds[0].Failed == "" {
		// Failed is for a source that could not be read at all; a later round's failure
		// is in its Problems, which make it partial. When the key's own round failed, its
		// events were never searched there, whatever later rounds read.
		out.Failed = ""
	}
	// Every round lists the same inputs: a reason's count is the largest of any round.
	for _, reason := range reasons {
		s := skips[reason]
		out.AddSkip(s.Reason, s.Count, s.Example)
	}
	out.Matched = matched
	// The same problem seen again by a later round (a file that cannot be read is tried
	// again) is one problem.
	seen := map[Problem]bool{}
	problems := out.Problems[:0]
	for _, p := range out.Problems {
		if !seen[p] {
			seen[p] = true
			problems = append(problems, p)
		}
	}
	out.Problems = problems
	return out
}

// matchCounter counts the distinct events one source delivered over the rounds.
type matchCounter struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (c *matchCounter) add(batch []Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range batch {
		c.ids[dedupID(&batch[i])] = true
	}
}

func (c *matchCounter) n() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return int64(len(c.ids))
}

// readLedger remembers, for one source over the rounds of one Collect, the files whose
// records were counted.
type readLedger struct {
	mu    sync.Mutex
	files map[string]bool
}

type ledgerKey struct{}

// CountRecordsOnce reports whether the records a file source decoded from file count
// towards its SourceReport.Records in this pass: false when an earlier round of the
// same Collect (ctx is the one Collect passed to EventSource.Events) already counted that
// file. Outside Collect it is always true. Sources that read files call it for each file
// whose records they decoded, so a file's records count once per collection.
func CountRecordsOnce(ctx context.Context, file string) bool {
	l, ok := ctx.Value(ledgerKey{}).(*readLedger)
	if !ok {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.files[file] {
		return false
	}
	l.files[file] = true
	return true
}
