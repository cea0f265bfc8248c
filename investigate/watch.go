package investigate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Watching after containment (`keypivot watch`, the workbench's watch screen): the live
// sources are polled, every Interval for Duration, for any event signed after a cut-off
// by the key, its child keys or its sessions (and the keys those derive during the
// watch). Each poll asks for the whole window from the cut-off to now, so that an event
// CloudTrail delivers late is still seen; events are reported once each, by event id.
// A poll that could not search everything is counted and named: "nothing seen" is an
// answer only with what was searched.

// Clock is the time a watch runs on: the wall clock in the command, a clock the test
// drives in tests.
type Clock interface {
	Now() time.Time
	// Sleep returns after d has passed, or with ctx's error when ctx ends first.
	Sleep(ctx context.Context, d time.Duration) error
}

// Watch defaults.
const (
	DefaultWatchInterval = time.Minute
	DefaultWatchDuration = 30 * time.Minute
	// maxWatchRounds bounds the rounds of one poll: a round queries the keys derived
	// (sessions issued, keys created) by the events of the round before.
	maxWatchRounds = 4
)

// Uses: what an event signed by a watched key after the cut-off means.
const (
	// UseSucceeded: the call worked, the credential still works: containment failed.
	UseSucceeded = "succeeded"
	// UseRefused: the attacker still holds the credential, and the call was refused
	// (InvalidClientTokenId, AccessDenied, ...).
	UseRefused = "refused"
	// UseFailed: an attempt that failed for another reason.
	UseFailed = "failed"
)

// Watch verdicts.
const (
	WatchWatching          = "watching"           // the watch is still running
	WatchContainmentFailed = "containment-failed" // a watched key was used successfully
	WatchIncomplete        = "incomplete"         // some poll could not search everything (or the watch was stopped)
	WatchHeldRefused       = "held-refused"       // only refused or failed attempts: the credential is still held
	WatchNothingSeen       = "nothing-seen"       // no use at all, every poll searched everything
)

// Kinds of watched key.
const (
	WatchKey      = "key"
	WatchChildKey = "child-key"
	WatchSession  = "session"
)

// ClassifyUse says what an event signed by a watched key after the cut-off means, and
// why, in words for the analyst.
func ClassifyUse(e *Event) (use, why string) {
	code := e.ErrorCode
	switch {
	case code == "":
		return UseSucceeded, "the call succeeded: the credential still works"
	case credentialRejected(code):
		return UseRefused, code + ": the credential was rejected, but the attacker still holds it"
	case IsAccessDenied(code):
		return UseRefused, code + ": the credential was accepted and a policy denied the call; the attacker still holds a credential that authenticates"
	}
	return UseFailed, code + ": an attempt that failed for another reason"
}

// credentialRejected reports whether an errorCode means the credential itself was
// refused (inactive, deleted or expired key, bad signature).
func credentialRejected(code string) bool {
	switch strings.TrimPrefix(code, "Client.") {
	case "InvalidClientTokenId", "SignatureDoesNotMatch", "InvalidAccessKeyId", "AuthFailure",
		"UnrecognizedClientException", "ExpiredToken", "ExpiredTokenException", "InvalidToken":
		return true
	}
	return false
}

// DeactivatedAt is when the journal last shows key deactivated by keypivot: the time of
// the outcome of a deactivate-key that was done and not undone since (by a reactivation
// or an undo that was done). ok is false when the journal shows no such deactivation in
// effect.
func DeactivatedAt(entries []JournalEntry, key string) (at time.Time, ok bool) {
	for _, a := range CompletedActions(entries) {
		if a.Key != key || a.Skipped {
			continue
		}
		switch {
		case a.Kind == ActDeactivateKey:
			at, ok = a.Time, true
		case a.Kind == ActReactivateKey, a.Kind == ActUndo && a.Spec != nil && a.Spec.Undoes == ActDeactivateKey:
			at, ok = time.Time{}, false
		}
	}
	return at, ok
}

// WatchConfig says what to watch, where, and for how long.
type WatchConfig struct {
	// Case is the key's case: its key, child keys and sessions are watched.
	Case    *Case
	Sources []EventSource
	// CutOff is when containment took effect: uses from then on count. Zero: the start
	// of the watch. CutOffFrom says where it comes from ("the journal: deactivated by
	// keypivot", "--since"), for the summary.
	CutOff     time.Time
	CutOffFrom string
	// Interval is the time between the starts of two polls (default
	// DefaultWatchInterval); Duration how long the watch runs (0: a single poll).
	Interval time.Duration
	Duration time.Duration
	Clock    Clock
	// OnEvent, when set, receives each new event as it arrives, once, one call at a time.
	OnEvent func(WatchEvent)
}

// WatchedKey is a key the watch looks for, with what it saw of it.
type WatchedKey struct {
	Key  string `json:"key"`
	Kind string `json:"kind"` // key, child-key, session
	// Via is the key it was issued to or created by; EventID the event that did it.
	Via     string `json:"via,omitempty"`
	EventID string `json:"event_id,omitempty"`
	// Expiration is a session's, when known.
	Expiration time.Time `json:"expiration,omitzero"`
	// Joined is when a key derived during the watch joined it (zero for the case's keys).
	Joined    time.Time `json:"joined,omitzero"`
	Events    int       `json:"events"`
	Succeeded int       `json:"succeeded"`
	Refused   int       `json:"refused"`
	Failed    int       `json:"failed"`
	First     time.Time `json:"first,omitzero"`
	Last      time.Time `json:"last,omitzero"`
}

// WatchEvent is one event a poll saw, classified.
type WatchEvent struct {
	Event   *Event `json:"event"`
	KeyKind string `json:"key_kind"`
	Use     string `json:"use"`
	Why     string `json:"why"`
	Poll    int    `json:"poll"`
	// Seen is the time of the poll that saw it.
	Seen time.Time `json:"seen"`
}

// PollSource is what one source searched in one poll.
type PollSource struct {
	Source string `json:"source"`
	Kind   string `json:"kind"`
	// Status is a completeness status: complete, partial, nothing-to-search, failed.
	Status   string   `json:"status"`
	Searched string   `json:"searched,omitempty"`
	Reasons  []string `json:"reasons,omitempty"`
	// Retries counts the requests asked again (throttling, transient errors).
	Retries int `json:"retries,omitempty"`
}

// PollResult is one poll.
type PollResult struct {
	N      int       `json:"poll"`
	At     time.Time `json:"at"`
	Window Window    `json:"window"`
	// Keys is how many keys were asked for.
	Keys    int          `json:"keys"`
	Events  []WatchEvent `json:"events"`
	NewKeys []WatchedKey `json:"new_keys,omitempty"`
	Sources []PollSource `json:"sources"`
	// Complete is set when every source searched everything asked; Interrupted when
	// the watch was stopped during the poll (it is then not counted).
	Complete    bool `json:"complete"`
	Interrupted bool `json:"interrupted,omitempty"`
}

// WatchSourceSummary is what one source searched over the polls.
type WatchSourceSummary struct {
	Source     string `json:"source"`
	Kind       string `json:"kind"`
	Polls      int    `json:"polls"`
	Complete   int    `json:"complete"`
	Incomplete int    `json:"incomplete"`
	Retries    int    `json:"retries"`
	// Searched is what its last poll searched.
	Searched string `json:"searched"`
	// Gaps are what it could not search, each with the polls it happened in.
	Gaps []string `json:"gaps"`
}

// WatchSummary is where a watch stands: what it searched and what it saw.
type WatchSummary struct {
	Key        AccessKeyID `json:"key"`
	CutOff     time.Time   `json:"cut_off"`
	CutOffFrom string      `json:"cut_off_from"`
	Started    time.Time   `json:"started"`
	// Ended is the time of the last poll (or of the stop).
	Ended           time.Time `json:"ended,omitzero"`
	End             time.Time `json:"end"` // when the watch is due to end
	IntervalSeconds float64   `json:"interval_seconds"`
	DurationSeconds float64   `json:"duration_seconds"`
	Polls           int       `json:"polls"`
	CompletePolls   int       `json:"complete_polls"`
	Interrupted     bool      `json:"interrupted"`
	Done            bool      `json:"done"`
	Events          int       `json:"event_count"`
	Succeeded       int       `json:"succeeded"`
	Refused         int       `json:"refused"`
	Failed          int       `json:"failed"`
	// LastEvent is when the last event arrived (the poll that saw it).
	LastEvent time.Time            `json:"last_event_seen,omitzero"`
	Keys      []WatchedKey         `json:"keys"`
	Sources   []WatchSourceSummary `json:"sources"`
	// NotSearched says what the watch could not search; Notes what the analyst should
	// know to read it.
	NotSearched []string     `json:"not_searched"`
	Notes       []string     `json:"notes"`
	Verdict     string       `json:"verdict"`
	Headline    string       `json:"headline"`
	UseEvents   []WatchEvent `json:"events"`
}

// Watch polls the sources for uses of a case's keys after a cut-off. Poll and Run are
// not to be called concurrently; Summary may be called at any time.
type Watch struct {
	cfg    WatchConfig
	start  time.Time
	end    time.Time
	cutoff time.Time
	notes  []string

	mu          sync.Mutex
	keys        []*WatchedKey
	byKey       map[string]*WatchedKey
	seen        map[string]bool
	events      []WatchEvent
	derived     int // w.events[:derived] have been looked at for the keys they derive
	polls       int
	complete    int
	last        time.Time // the last poll's time
	lastEvent   time.Time
	interrupted bool
	ended       time.Time
	sources     []WatchSourceSummary
	gaps        []map[string][]int // per source: reason -> polls
	gapOrder    [][]string
}

// NewWatch starts a watch at the clock's now.
func NewWatch(cfg WatchConfig) (*Watch, error) {
	switch {
	case cfg.Case == nil || cfg.Case.Key.IsZero():
		return nil, errors.New("watch: no case to watch")
	case cfg.Clock == nil:
		return nil, errors.New("watch: no clock")
	case len(cfg.Sources) == 0:
		return nil, errors.New("no CloudTrail source to watch: give --trail lookup, s3://..., elastic or a directory that receives new logs")
	case cfg.Duration < 0:
		return nil, fmt.Errorf("watch duration %v is negative", cfg.Duration)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultWatchInterval
	}
	w := &Watch{cfg: cfg, start: cfg.Clock.Now().UTC(), byKey: map[string]*WatchedKey{}, seen: map[string]bool{}}
	w.end = w.start.Add(cfg.Duration)
	w.cutoff = cfg.CutOff.UTC()
	if cfg.CutOff.IsZero() {
		w.cutoff = w.start
		if w.cfg.CutOffFrom == "" {
			w.cfg.CutOffFrom = "the start of the watch"
		}
	}
	if w.cutoff.After(w.start) {
		return nil, fmt.Errorf("the cut-off %s is after the start of the watch (%s)", w.cutoff.Format(time.RFC3339), w.start.Format(time.RFC3339))
	}
	c := cfg.Case
	w.addKey(WatchedKey{Key: c.Key.String(), Kind: WatchKey})
	for _, ck := range c.CreatedAccessKeys {
		w.addKey(WatchedKey{Key: ck.AccessKeyID, Kind: WatchChildKey, Via: ck.Signer, EventID: ck.EventID})
	}
	for _, s := range c.Sessions {
		w.addKey(WatchedKey{Key: s.AccessKeyID, Kind: WatchSession, Via: s.ParentKey, EventID: s.IssuedByEvent, Expiration: s.Expiration})
	}
	for _, src := range cfg.Sources {
		w.sources = append(w.sources, WatchSourceSummary{Source: src.Name(), Gaps: []string{}})
		w.gaps = append(w.gaps, map[string][]int{})
		w.gapOrder = append(w.gapOrder, nil)
	}
	w.notes = startNotes(c, w.cutoff)
	return w, nil
}

// startNotes are what the analyst should know before reading the watch: keys still
// active, sessions still valid, a case built from a partial search, and CloudTrail's
// delivery delay.
func startNotes(c *Case, cutoff time.Time) []string {
	var notes []string
	if c.Owner.Status == "Active" {
		notes = append(notes, fmt.Sprintf("%s was Active when the case was built: every successful use will count as a failure of containment until it is deactivated (keypivot deactivate %s)", c.Key, c.Key))
	}
	var active []string
	for _, ck := range c.CreatedAccessKeys {
		if ck.LiveStatus == "Active" {
			active = append(active, ck.AccessKeyID)
		}
	}
	if len(active) > 0 {
		notes = append(notes, fmt.Sprintf("child %s still Active: %s (deactivate them: --contain-children)", pluralWord(len(active), "key"), strings.Join(active, ", ")))
	}
	valid := 0
	for i := range c.Sessions {
		if c.Sessions[i].validAt(cutoff) {
			valid++
		}
	}
	if valid > 0 {
		notes = append(notes, fmt.Sprintf("%s not expired at the cut-off: deactivating the key does not end them (revoke them: --revoke-sessions)", Plural(valid, "session")))
	}
	if !c.Completeness.Complete() && c.Completeness.Headline != "" {
		notes = append(notes, "the case was built from an incomplete search, so child keys or sessions may be missing from the watch: "+c.Completeness.Headline)
	}
	notes = append(notes, "CloudTrail records a call minutes after it is made (about 5 on average, not guaranteed): a use in the last minutes of the watch may show only after it ends")
	return notes
}

// addKey adds a key to watch (once); w.mu held or not yet shared.
func (w *Watch) addKey(k WatchedKey) bool {
	if k.Key == "" || w.byKey[k.Key] != nil {
		return false
	}
	kk := k
	w.keys = append(w.keys, &kk)
	w.byKey[k.Key] = &kk
	return true
}

// Start is when the watch started.
func (w *Watch) Start() time.Time { return w.start }

// End is when the watch is due to end: its last poll is then.
func (w *Watch) End() time.Time { return w.end }

// Interval is the time between the starts of two polls.
func (w *Watch) Interval() time.Duration { return w.cfg.Interval }

// CutOff is the time from which uses count.
func (w *Watch) CutOff() time.Time { return w.cutoff }

// Done reports whether the watch is over: stopped, or polled at or after its end.
func (w *Watch) Done() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.doneLocked()
}

func (w *Watch) doneLocked() bool {
	return w.interrupted || (w.polls > 0 && !w.last.Before(w.end))
}

// UntilNext is how long to wait before the next poll: an Interval after the start of
// the last one, never past the end (the last poll is at the end), never negative.
func (w *Watch) UntilNext() time.Duration {
	w.mu.Lock()
	last := w.last
	polls := w.polls
	w.mu.Unlock()
	if polls == 0 {
		return 0
	}
	next := last.Add(w.cfg.Interval)
	if next.After(w.end) {
		next = w.end
	}
	return max(next.Sub(w.cfg.Clock.Now()), 0)
}

// Stop ends the watch before its end (the analyst left, or interrupted it).
func (w *Watch) Stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.doneLocked() {
		w.interrupted = true
		w.ended = w.cfg.Clock.Now().UTC()
	}
}

// Run polls until the end of the watch (or until ctx ends, which stops it), calling
// onPoll after each poll, and returns the summary.
func (w *Watch) Run(ctx context.Context, onPoll func(PollResult)) WatchSummary {
	for !w.Done() {
		if err := w.cfg.Clock.Sleep(ctx, w.UntilNext()); err != nil {
			w.Stop()
			break
		}
		res := w.Poll(ctx)
		if onPoll != nil {
			onPoll(res)
		}
	}
	return w.Summary()
}

// Poll asks every source once for the events of the watched keys from the cut-off to
// now, reports the new ones, and adds the keys they derive (a session issued, a key
// created) to the watch, asking for those in the same poll.
func (w *Watch) Poll(ctx context.Context) PollResult {
	now := w.cfg.Clock.Now().UTC()
	w.mu.Lock()
	n := w.polls + 1
	asked := map[string]bool{}
	keys := w.keyIDsLocked(asked)
	w.mu.Unlock()
	win := Window{Since: w.cutoff, Until: now}
	if !win.Until.After(win.Since) {
		win.Until = win.Since.Add(time.Second) // a watch started at its cut-off asks for the first second
	}
	res := PollResult{N: n, At: now, Window: win, Sources: make([]PollSource, len(w.cfg.Sources)), Events: []WatchEvent{}, Complete: true}
	for i, src := range w.cfg.Sources {
		res.Sources[i] = PollSource{Source: src.Name(), Status: SearchComplete}
	}
	for round := 0; round < maxWatchRounds && len(keys) > 0; round++ {
		res.Keys += len(keys)
		for _, k := range keys {
			asked[k.String()] = true
		}
		reports := w.query(ctx, keys, win, n, now, &res)
		if ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		for i, r := range reports {
			foldPollSource(&res.Sources[i], r, win)
		}
		w.mu.Lock()
		res.NewKeys = append(res.NewKeys, w.deriveLocked(now)...)
		keys = w.keyIDsLocked(asked)
		w.mu.Unlock()
	}
	for _, s := range res.Sources {
		res.Complete = res.Complete && s.Status == SearchComplete
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if res.Interrupted {
		res.Complete = false
		if !w.doneLocked() {
			w.interrupted, w.ended = true, now
		}
		return res
	}
	w.polls, w.last, w.ended = n, now, now
	if res.Complete {
		w.complete++
	}
	for i, s := range res.Sources {
		w.foldSourceLocked(i, s, n)
	}
	return res
}

// keyIDsLocked is the watched keys not yet asked for in this poll.
func (w *Watch) keyIDsLocked(asked map[string]bool) []AccessKeyID {
	var ids []string
	for _, k := range w.keys {
		if !asked[k.Key] {
			ids = append(ids, k.Key)
		}
	}
	return KeyIDs(ids...)
}

// query asks every source at once for keys in win; the new events go to res (and
// OnEvent) as they arrive. It returns each source's report, the failures in it.
func (w *Watch) query(ctx context.Context, keys []AccessKeyID, win Window, poll int, now time.Time, res *PollResult) []SourceReport {
	reports := make([]SourceReport, len(w.cfg.Sources))
	var wg sync.WaitGroup
	for i, src := range w.cfg.Sources {
		wg.Go(func() {
			r, err := src.Events(ctx, EventQuery{AccessKeys: keys, Window: win}, func(batch []Event) {
				w.receive(batch, poll, now, res)
			})
			if r.Source == "" {
				r.Source = src.Name()
			}
			if err != nil && ctx.Err() == nil {
				r.Fail(src.Name(), err)
			}
			reports[i] = r
		})
	}
	wg.Wait()
	return reports
}

// receive keeps the events of a batch that are uses of a watched key after the cut-off
// and not seen before, and reports each.
func (w *Watch) receive(batch []Event, poll int, now time.Time, res *PollResult) {
	// A batch in time order reads as it happened (batches from several sources or
	// regions arrive in any order).
	batch = slices.Clone(batch)
	slices.SortStableFunc(batch, func(a, b Event) int { return a.Time.Compare(b.Time) })
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range batch {
		e := batch[i]
		k := w.byKey[e.Signer()]
		if k == nil || e.Time.Before(w.cutoff) {
			continue
		}
		id := dedupID(&e)
		if w.seen[id] {
			continue
		}
		w.seen[id] = true
		use, why := ClassifyUse(&e)
		we := WatchEvent{Event: &e, KeyKind: k.Kind, Use: use, Why: why, Poll: poll, Seen: now}
		k.Events++
		switch use {
		case UseSucceeded:
			k.Succeeded++
		case UseRefused:
			k.Refused++
		default:
			k.Failed++
		}
		if k.First.IsZero() || e.Time.Before(k.First) {
			k.First = e.Time
		}
		if e.Time.After(k.Last) {
			k.Last = e.Time
		}
		w.events = append(w.events, we)
		w.lastEvent = now
		res.Events = append(res.Events, we)
		if w.cfg.OnEvent != nil {
			w.cfg.OnEvent(we)
		}
	}
}

// deriveLocked adds the keys the watch's events derive (sessions issued, access keys
// created), each attributed to its event, and returns them in the order they were
// issued or created (then by key). Every event the watch keeps is signed by a watched
// key, so each event is looked at once, when it is new: the keys derived from a key
// that joins now come with its own events, in a later round.
func (w *Watch) deriveLocked(now time.Time) []WatchedKey {
	type derived struct {
		key WatchedKey
		at  time.Time // when its event issued or created it
	}
	var found []derived
	for _, we := range w.events[w.derived:] {
		e := we.Event
		k := WatchedKey{Joined: now, Via: e.Signer(), EventID: e.ID}
		if s, ok := IssuedSession(e); ok {
			k.Key, k.Kind, k.Expiration = s.AccessKeyID, WatchSession, s.Expiration
		} else if ck, ok := CreatedKeyFrom(e); ok {
			k.Key, k.Kind = ck.AccessKeyID, WatchChildKey
		} else {
			continue
		}
		found = append(found, derived{k, e.Time})
	}
	w.derived = len(w.events)
	// Events arrive in the order their sources answer: ordered by their events' times,
	// the keys come in the same order whatever that was.
	slices.SortStableFunc(found, func(a, b derived) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.key.Key, b.key.Key)) })
	var added []WatchedKey
	for _, d := range found {
		if w.addKey(d.key) {
			added = append(added, d.key)
		}
	}
	return added
}

// foldPollSource folds one round's report of a source into its poll status: the worst
// status of the rounds, their reasons, their retries.
func foldPollSource(ps *PollSource, r SourceReport, win Window) {
	sc := AssessSource(r, win)
	// A file source's records must reach the present, allowing for CloudTrail's delivery
	// delay: files that stop earlier (a folder no longer updated, an archive before its
	// next delivery) searched none of the rest of the window, however "complete".
	if until := r.Span.Until; r.Kind != "alert-files" && !until.IsZero() && win.Until.Sub(until) > watchDeliverySlack && sc.Status == SearchComplete {
		sc.Status = SearchPartial
		sc.Reasons = append(sc.Reasons, r.Source+": its newest record is at "+until.UTC().Format(spanStamp)+": nothing newer had arrived by "+win.Until.UTC().Format(spanStamp))
	}
	if ps.Kind == "" {
		ps.Kind = r.Kind
	}
	if rankStatus(sc.Status) > rankStatus(ps.Status) {
		ps.Status = sc.Status
	}
	ps.Reasons = appendUnique(ps.Reasons, sc.Reasons...)
	if ps.Searched == "" {
		ps.Searched = sc.Searched
	}
	for _, rs := range r.Regions {
		ps.Retries += rs.Retries
	}
}

// watchDeliverySlack is how far behind the present a file source's newest record may be
// before a poll says the rest of its window was not searched: CloudTrail delivers a call
// in about 5 minutes on average (not guaranteed) and a busy account writes a file every
// few minutes, so half an hour without a newer record means nothing is arriving.
const watchDeliverySlack = 30 * time.Minute

// foldSourceLocked adds one poll of source i to its summary.
func (w *Watch) foldSourceLocked(i int, s PollSource, poll int) {
	ss := &w.sources[i]
	ss.Kind = s.Kind
	ss.Polls++
	ss.Retries += s.Retries
	if s.Searched != "" {
		ss.Searched = s.Searched
	}
	if s.Status == SearchComplete {
		ss.Complete++
		return
	}
	ss.Incomplete++
	reasons := s.Reasons
	if len(reasons) == 0 {
		reasons = []string{statusWords(s.Status)}
	}
	for _, r := range reasons {
		if _, ok := w.gaps[i][r]; !ok {
			w.gapOrder[i] = append(w.gapOrder[i], r)
		}
		w.gaps[i][r] = append(w.gaps[i][r], poll)
	}
}
