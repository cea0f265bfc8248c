package investigate_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

const (
	wKey     = "AKIAWATCHTESTKEY0001"
	wChild   = "AKIAWATCHTESTCHILD01"
	wSession = "ASIAWATCHTESTSESS001"
	wNewSess = "ASIAWATCHTESTSESS002"
)

var wCut = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// watchClock is a clock the test drives: Sleep moves it on by d at once, then runs
// onSleep (which adds the events that "arrive" while the watch waits).
type watchClock struct {
	mu      sync.Mutex
	now     time.Time
	sleeps  []time.Duration
	onSleep func(now time.Time)
}

func (c *watchClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *watchClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	now, hook := c.now, c.onSleep
	c.mu.Unlock()
	if hook != nil && d > 0 {
		hook(now)
	}
	return ctx.Err()
}

// liveTrail is a LookupEvents-like source in memory: it answers every key's events in
// the window from what has arrived so far, in one region, and fails the polls it is told to.
type liveTrail struct {
	name string
	mu   sync.Mutex
	recs []investigate.Event
	// fail: poll number -> error; throttle: poll number -> a region left throttled.
	fail     map[int]error
	throttle map[int]bool
	// ignoreWindow answers events outside the query's window too, as a source that
	// cannot filter on time would.
	ignoreWindow bool
	polls        []investigate.EventQuery
}

func (s *liveTrail) Name() string { return s.name }

func (s *liveTrail) add(t *testing.T, recs ...string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range recs {
		e, err := investigate.DecodeRecord([]byte(r))
		if err != nil {
			t.Fatal(err)
		}
		s.recs = append(s.recs, e)
	}
}

func (s *liveTrail) Events(ctx context.Context, q investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	s.mu.Lock()
	s.polls = append(s.polls, q)
	poll := s.pollOf(q)
	recs := slices.Clone(s.recs)
	s.mu.Unlock()
	rep := investigate.SourceReport{Source: s.name, Kind: "cloudtrail-lookup", Span: q.Window, AWSRegions: []string{"us-east-1"}}
	if err := s.fail[poll]; err != nil {
		return rep, err
	}
	var out []investigate.Event
	for _, e := range recs {
		if slices.Contains(investigate.KeyStrings(q.AccessKeys), e.Signer()) && (s.ignoreWindow || q.Window.Contains(e.Time)) {
			out = append(out, e)
		}
	}
	if len(out) > 0 {
		sink(out)
	}
	rep.Records, rep.Matched = int64(len(out)), int64(len(out))
	rep.Regions = []investigate.RegionStatus{{Region: "us-east-1", Status: investigate.RegionSearched, Events: len(out)}}
	if s.throttle[poll] {
		rep.Regions = append(rep.Regions, investigate.RegionStatus{Region: "eu-west-1", Status: investigate.RegionThrottled, Retries: 12,
			Error: wKey + ": still throttled after every retry (13 attempts): ThrottlingException: Rate exceeded"})
	} else {
		rep.Regions = append(rep.Regions, investigate.RegionStatus{Region: "eu-west-1", Status: investigate.RegionSearched, Retries: 1})
	}
	return rep, nil
}

// pollOf numbers the polls by the distinct window ends seen (a poll's rounds share one).
func (s *liveTrail) pollOf(q investigate.EventQuery) int {
	var ends []time.Time
	for _, p := range s.polls {
		if !slices.ContainsFunc(ends, p.Window.Until.Equal) {
			ends = append(ends, p.Window.Until)
		}
	}
	return len(ends)
}

// rec is a CloudTrail record signed by key at t; extra members are appended.
func rec(id, key, name string, t time.Time, extra ...string) string {
	ex := ""
	for _, e := range extra {
		ex += "," + e
	}
	typ := "IAMUser"
	if strings.HasPrefix(key, "ASIA") {
		typ = "AssumedRole"
	}
	return fmt.Sprintf(`{"eventVersion":"1.09","eventID":%q,"eventTime":%q,"eventName":%q,"eventSource":"sts.amazonaws.com","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":"aws-cli/2.15","userIdentity":{"type":%q,"accessKeyId":%q,"accountId":"111122223333","userName":"u"}%s}`,
		id, t.Format(time.RFC3339), name, typ, key, ex)
}

func watchCase() *investigate.Case {
	return &investigate.Case{
		Key: investigate.MustParseAccessKeyID(wKey),
		CreatedAccessKeys: []investigate.CreatedKey{
			{AccessKeyID: wChild, User: "backdoor", EventID: "create-1", Signer: wKey, Time: wCut.Add(-2 * time.Hour)},
		},
		Sessions: []investigate.Session{
			{AccessKeyID: wSession, IssuedBy: "AssumeRole", IssuedByEvent: "assume-1", ParentKey: wKey, IssuedAt: wCut.Add(-time.Hour), Expiration: wCut.Add(11 * time.Hour)},
		},
	}
}

func newWatch(t *testing.T, clock *watchClock, onEvent func(investigate.WatchEvent), srcs ...investigate.EventSource) *investigate.Watch {
	t.Helper()
	w, err := investigate.NewWatch(investigate.WatchConfig{
		Case: watchCase(), Sources: srcs, CutOff: wCut, CutOffFrom: "the journal",
		Interval: time.Minute, Duration: 3 * time.Minute, Clock: clock, OnEvent: onEvent,
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Nothing after the cut-off: the uses before it are not reported, every poll asked for
// every key from the cut-off to its own time, and the summary says so with what was
// searched (polls, sources, window).
func TestWatchNothingAfterTheCutOff(t *testing.T) {
	src := &liveTrail{name: "lookup", ignoreWindow: true}
	src.add(t, rec("before-1", wKey, "GetCallerIdentity", wCut.Add(-time.Minute)), rec("before-2", wSession, "ListBuckets", wCut.Add(-time.Second)))
	clock := &watchClock{now: wCut.Add(5 * time.Minute)}
	var seen []investigate.WatchEvent
	w := newWatch(t, clock, func(e investigate.WatchEvent) { seen = append(seen, e) }, src)
	var polls []investigate.PollResult
	sum := w.Run(context.Background(), func(p investigate.PollResult) { polls = append(polls, p) })

	if len(seen) != 0 || sum.Events != 0 {
		t.Fatalf("events before the cut-off were reported: %+v", seen)
	}
	if sum.Verdict != investigate.WatchNothingSeen || sum.Polls != 4 || sum.CompletePolls != 4 || !sum.Done || sum.Interrupted {
		t.Fatalf("summary: verdict %s, %d polls (%d complete), done %v", sum.Verdict, sum.Polls, sum.CompletePolls, sum.Done)
	}
	for _, want := range []string{"no use of " + wKey + " and its 1 child key and 1 session after the cut-off", "4 polls of 1 source", "from the cut-off 2026-11-20 12:00:00 UTC (the journal) to 2026-11-20 12:08:00 UTC", "each searched everything"} {
		if !strings.Contains(sum.Headline, want) {
			t.Errorf("headline lacks %q:\n%s", want, sum.Headline)
		}
	}
	if want := []time.Duration{0, time.Minute, time.Minute, time.Minute}; !slices.Equal(clock.sleeps, want) {
		t.Errorf("sleeps %v, want %v: a poll every minute for 3 minutes, the last at the end", clock.sleeps, want)
	}
	if len(src.polls) != 4 {
		t.Fatalf("%d queries, want one a poll", len(src.polls))
	}
	for i, q := range src.polls {
		if keys := investigate.KeyStrings(q.AccessKeys); !slices.Equal(keys, []string{wKey, wChild, wSession}) {
			t.Errorf("poll %d asked for %v", i+1, keys)
		}
		if !q.Window.Since.Equal(wCut) || !q.Window.Until.Equal(wCut.Add(time.Duration(5+i)*time.Minute)) {
			t.Errorf("poll %d window %v", i+1, q.Window)
		}
	}
	if s := sum.Sources[0]; s.Polls != 4 || s.Complete != 4 || s.Retries != 4 || !strings.Contains(s.Searched, "LookupEvents in 2 regions") || len(s.Gaps) != 0 {
		t.Errorf("source summary %+v", s)
	}
	if len(sum.NotSearched) != 0 {
		t.Errorf("not searched: %v", sum.NotSearched)
	}
	if !slices.ContainsFunc(sum.Notes, func(n string) bool { return strings.Contains(n, "1 session not expired at the cut-off") }) {
		t.Errorf("notes %v: the still-valid session must be said", sum.Notes)
	}
}

// A failed attempt with the deactivated key (InvalidClientTokenId), arriving after the
// first poll, is reported once, as the attacker still holding the key, refused.
func TestWatchRefusedAttemptIsStillHeld(t *testing.T) {
	src := &liveTrail{name: "lookup"}
	clock := &watchClock{now: wCut.Add(time.Minute)}
	clock.onSleep = func(now time.Time) {
		if now.Equal(wCut.Add(2 * time.Minute)) {
			src.add(t, rec("denied-1", wKey, "GetCallerIdentity", wCut.Add(90*time.Second), `"errorCode":"InvalidClientTokenId","errorMessage":"The security token included in the request is invalid."`))
		}
	}
	var seen []investigate.WatchEvent
	w := newWatch(t, clock, func(e investigate.WatchEvent) { seen = append(seen, e) }, src)
	var polls []investigate.PollResult
	sum := w.Run(context.Background(), func(p investigate.PollResult) { polls = append(polls, p) })

	if len(seen) != 1 || seen[0].Event.ID != "denied-1" || seen[0].Use != investigate.UseRefused || seen[0].Poll != 2 || seen[0].KeyKind != investigate.WatchKey {
		t.Fatalf("events %+v: want denied-1 once, refused, in poll 2", seen)
	}
	if !strings.Contains(seen[0].Why, "InvalidClientTokenId") || !strings.Contains(seen[0].Why, "still holds") {
		t.Errorf("why: %q", seen[0].Why)
	}
	if len(polls[0].Events) != 0 || len(polls[1].Events) != 1 || len(polls[2].Events) != 0 {
		t.Errorf("events by poll: %d %d %d; each event belongs to the poll that first saw it", len(polls[0].Events), len(polls[1].Events), len(polls[2].Events))
	}
	if sum.Verdict != investigate.WatchHeldRefused || sum.Refused != 1 || sum.Succeeded != 0 || sum.Keys[0].Refused != 1 {
		t.Fatalf("summary: verdict %s, refused %d, succeeded %d", sum.Verdict, sum.Refused, sum.Succeeded)
	}
	if !strings.Contains(sum.Headline, "1 attempt refused") || !strings.Contains(sum.Headline, "still holds a credential") {
		t.Errorf("headline: %s", sum.Headline)
	}
}

// A session still valid after the key's deactivation assumes a role during the watch and
// the new session acts: both are successful uses, the new session joins the watch in the
// same poll (attributed to its AssumeRole), and the verdict is a failure of containment.
func TestWatchSuccessfulUseBySessionIsContainmentFailure(t *testing.T) {
	src := &liveTrail{name: "lookup"}
	clock := &watchClock{now: wCut.Add(time.Minute)}
	clock.onSleep = func(now time.Time) {
		if now.Equal(wCut.Add(3 * time.Minute)) {
			src.add(t,
				rec("assume-2", wSession, "AssumeRole", wCut.Add(150*time.Second),
					`"requestParameters":{"roleArn":"arn:aws:iam::111122223333:role/admin","roleSessionName":"x"}`,
					`"responseElements":{"credentials":{"accessKeyId":"`+wNewSess+`","sessionToken":"t","expiration":"Nov 20, 2026, 1:00:00 PM"},"assumedRoleUser":{"arn":"arn:aws:sts::111122223333:assumed-role/admin/x"}}`),
				rec("use-2", wNewSess, "ListBuckets", wCut.Add(160*time.Second)))
		}
	}
	var seen []string
	w := newWatch(t, clock, func(e investigate.WatchEvent) { seen = append(seen, e.Event.ID+" "+e.Use+" "+e.KeyKind) }, src)
	var polls []investigate.PollResult
	sum := w.Run(context.Background(), func(p investigate.PollResult) { polls = append(polls, p) })

	if want := []string{"assume-2 succeeded session", "use-2 succeeded session"}; !slices.Equal(seen, want) {
		t.Fatalf("events %v, want %v", seen, want)
	}
	if p := polls[2]; len(p.NewKeys) != 1 || p.NewKeys[0].Key != wNewSess || p.NewKeys[0].Via != wSession || p.NewKeys[0].EventID != "assume-2" || p.Keys != 4 {
		t.Fatalf("poll 3: new keys %+v, %d keys asked: the new session must be asked for in the same poll", p.NewKeys, p.Keys)
	}
	if sum.Verdict != investigate.WatchContainmentFailed || sum.Succeeded != 2 || len(sum.Keys) != 4 {
		t.Fatalf("summary: verdict %s, %d successful, %d keys", sum.Verdict, sum.Succeeded, len(sum.Keys))
	}
	nk := sum.Keys[3]
	if nk.Key != wNewSess || nk.Kind != investigate.WatchSession || !nk.Joined.Equal(wCut.Add(3*time.Minute)) || nk.Succeeded != 1 || nk.Expiration.IsZero() {
		t.Errorf("new session: %+v", nk)
	}
	for _, want := range []string{"CONTAINMENT FAILED: 2 successful uses", wSession + " (session, 1)", wNewSess + " (session, 1)"} {
		if !strings.Contains(sum.Headline, want) {
			t.Errorf("headline lacks %q: %s", want, sum.Headline)
		}
	}
	// The last poll asks for the new session from the start, with the others.
	if last := src.polls[len(src.polls)-1]; !slices.Contains(investigate.KeyStrings(last.AccessKeys), wNewSess) || len(last.AccessKeys) != 4 {
		t.Errorf("last poll asked for %v", investigate.KeyStrings(last.AccessKeys))
	}
}

// A source that fails a poll, and one left throttled in a region in another, make those
// polls incomplete: counted, named with their polls, and the verdict is no answer.
func TestWatchFailedPollIsNotSearched(t *testing.T) {
	good := &liveTrail{name: "archive"}
	bad := &liveTrail{name: "lookup", fail: map[int]error{2: errors.New("AccessDeniedException: not authorized to perform cloudtrail:LookupEvents")}, throttle: map[int]bool{3: true}}
	clock := &watchClock{now: wCut.Add(time.Minute)}
	w := newWatch(t, clock, nil, good, bad)
	sum := w.Run(context.Background(), nil)

	if sum.Polls != 4 || sum.CompletePolls != 2 || sum.Verdict != investigate.WatchIncomplete {
		t.Fatalf("summary: %d polls, %d complete, verdict %s", sum.Polls, sum.CompletePolls, sum.Verdict)
	}
	if s := sum.Sources[1]; s.Polls != 4 || s.Complete != 2 || s.Incomplete != 2 || s.Retries != 2+12 || len(s.Gaps) != 2 {
		t.Fatalf("lookup summary %+v", s)
	}
	if s := sum.Sources[0]; s.Complete != 4 || s.Incomplete != 0 {
		t.Errorf("archive summary %+v", s)
	}
	gaps := strings.Join(sum.NotSearched, "\n")
	for _, want := range []string{"lookup: AccessDeniedException: not authorized to perform cloudtrail:LookupEvents (poll 2)", "lookup: region throttled: eu-west-1 (poll 3)"} {
		if !strings.Contains(gaps, want) {
			t.Errorf("not searched lacks %q:\n%s", want, gaps)
		}
	}
	if !strings.HasPrefix(sum.Headline, "INCOMPLETE: 2 of 4 polls searched everything") || !strings.Contains(sum.Headline, "in what was searched, no successful use") {
		t.Errorf("headline: %s", sum.Headline)
	}
}

// Stopping the watch (the analyst's ctrl+c) ends it before its end: what was seen stays,
// and the summary says it was stopped and when.
func TestWatchStoppedEarlyIsIncomplete(t *testing.T) {
	src := &liveTrail{name: "lookup"}
	ctx, cancel := context.WithCancel(context.Background())
	clock := &watchClock{now: wCut.Add(time.Minute)}
	clock.onSleep = func(now time.Time) {
		if now.Equal(wCut.Add(2 * time.Minute)) {
			cancel()
		}
	}
	w := newWatch(t, clock, nil, src)
	sum := w.Run(ctx, nil)
	if sum.Polls != 1 || !sum.Interrupted || sum.Verdict != investigate.WatchIncomplete {
		t.Fatalf("summary: %d polls, interrupted %v, verdict %s", sum.Polls, sum.Interrupted, sum.Verdict)
	}
	if !strings.Contains(strings.Join(sum.NotSearched, "\n"), "stopped at 2026-11-20 12:02:00 UTC, before its end at 2026-11-20 12:04:00 UTC") {
		t.Errorf("not searched: %v", sum.NotSearched)
	}
}

func TestClassifyUse(t *testing.T) {
	for code, want := range map[string]string{
		"": investigate.UseSucceeded, "InvalidClientTokenId": investigate.UseRefused, "AccessDenied": investigate.UseRefused,
		"Client.UnauthorizedOperation": investigate.UseRefused, "UnauthorizedOperation": investigate.UseRefused,
		"SignatureDoesNotMatch": investigate.UseRefused, "ExpiredToken": investigate.UseRefused,
		"NoSuchBucket": investigate.UseFailed, "ValidationError": investigate.UseFailed,
	} {
		if got, why := investigate.ClassifyUse(&investigate.Event{ErrorCode: code}); got != want || why == "" {
			t.Errorf("%q: %s (%q), want %s", code, got, why, want)
		}
	}
}

// The cut-off from the journal is the last deactivation done and not undone since.
func TestDeactivatedAt(t *testing.T) {
	at := func(m int) time.Time { return wCut.Add(time.Duration(m) * time.Minute) }
	entries := []investigate.JournalEntry{
		{Time: at(0), Phase: investigate.PhaseIntent, Action: investigate.ActDeactivateKey, Key: wKey},
		{Time: at(1), Phase: investigate.PhaseDone, Action: investigate.ActDeactivateKey, Key: wKey},
		{Time: at(2), Phase: investigate.PhaseDone, Action: investigate.ActDeactivateKey, Key: wChild},
	}
	if got, ok := investigate.DeactivatedAt(entries, wKey); !ok || !got.Equal(at(1)) {
		t.Fatalf("deactivated at %v %v, want %v", got, ok, at(1))
	}
	// The undo's spec is on its intent, as the Runner journals it; its outcome names
	// only its kind.
	undoID := "undo:deactivate-key:" + wKey
	undone := append(slices.Clone(entries),
		investigate.JournalEntry{Time: at(3), Phase: investigate.PhaseIntent, Action: investigate.ActUndo, ActionID: undoID, Key: wKey,
			Spec: &investigate.Action{ID: undoID, Kind: investigate.ActUndo, Key: wKey, Undoes: investigate.ActDeactivateKey}},
		investigate.JournalEntry{Time: at(3), Phase: investigate.PhaseDone, Action: investigate.ActUndo, ActionID: undoID, Key: wKey})
	if _, ok := investigate.DeactivatedAt(undone, wKey); ok {
		t.Fatal("an undone deactivation is no cut-off")
	}
	again := append(undone, investigate.JournalEntry{Time: at(4), Phase: investigate.PhaseFailed, Action: investigate.ActDeactivateKey, Key: wKey},
		investigate.JournalEntry{Time: at(5), Phase: investigate.PhaseDone, Action: investigate.ActDeactivateKey, Key: wKey})
	if got, ok := investigate.DeactivatedAt(again, wKey); !ok || !got.Equal(at(5)) {
		t.Fatalf("deactivated again: %v %v", got, ok)
	}
	if _, ok := investigate.DeactivatedAt(entries, wSession); ok {
		t.Fatal("a key the journal never deactivated has no cut-off")
	}
}

func TestNewWatchRefusesACutOffInTheFuture(t *testing.T) {
	_, err := investigate.NewWatch(investigate.WatchConfig{Case: watchCase(), Sources: []investigate.EventSource{&liveTrail{}}, CutOff: wCut.Add(time.Hour), Clock: &watchClock{now: wCut}})
	if err == nil || !strings.Contains(err.Error(), "after the start of the watch") {
		t.Fatalf("err = %v", err)
	}
	if _, err := investigate.NewWatch(investigate.WatchConfig{Case: watchCase(), Clock: &watchClock{now: wCut}}); err == nil || !strings.Contains(err.Error(), "no CloudTrail source") {
		t.Fatalf("no source: err = %v", err)
	}
}

// staleFiles is a folder of trail files no longer updated: every poll reads it whole and
// finds nothing new, its newest record long before the present.
type staleFiles struct{ newest time.Time }

func (s staleFiles) Name() string { return "files:/trail" }

func (s staleFiles) Events(_ context.Context, q investigate.EventQuery, _ func([]investigate.Event)) (investigate.SourceReport, error) {
	return investigate.SourceReport{Source: s.Name(), Kind: "files", Files: 3, Records: 40,
		Span: investigate.Window{Since: s.newest.Add(-time.Hour), Until: s.newest}}, nil
}

// A file source whose records stop before the present searched nothing of the rest of
// the window: "nothing seen" there is no answer, and the watch says it is incomplete.
func TestWatchOverFilesThatStoppedIsIncomplete(t *testing.T) {
	clock := &watchClock{now: wCut.Add(30 * time.Minute)}
	w := newWatch(t, clock, nil, staleFiles{newest: wCut.Add(-20 * time.Minute)})
	sum := w.Run(context.Background(), nil)
	if sum.Verdict != investigate.WatchIncomplete || sum.CompletePolls != 0 || !strings.Contains(strings.Join(sum.NotSearched, " "), "newest record is at") {
		t.Fatalf("verdict %s, %d of %d polls complete, not searched %q", sum.Verdict, sum.CompletePolls, sum.Polls, sum.NotSearched)
	}
	// Files that reach the present are a complete search.
	clock = &watchClock{now: wCut.Add(30 * time.Minute)}
	w = newWatch(t, clock, nil, staleFiles{newest: wCut.Add(25 * time.Minute)})
	if sum := w.Run(context.Background(), nil); sum.Verdict != investigate.WatchNothingSeen || sum.CompletePolls != sum.Polls {
		t.Fatalf("fresh files: verdict %s, %d of %d polls complete", sum.Verdict, sum.CompletePolls, sum.Polls)
	}
}
