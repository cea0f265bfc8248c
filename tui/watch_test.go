package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate"
)

// stepClock is a watch clock the test moves on by hand.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error { return ctx.Err() }

func (c *stepClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// journalWithEntries is a journal that can be read back, as the file journal can.
type journalWithEntries struct {
	memJournal
}

func (j *journalWithEntries) Entries() ([]investigate.JournalEntry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]investigate.JournalEntry(nil), j.entries...), nil
}

// watchFixture is the fixture's case, a watch screen on it at 80 columns, and its trail.
func watchFixture(t *testing.T, j investigate.Journal) (*watchScreen, *memTrail, *stepClock) {
	t.Helper()
	trail := &memTrail{events: fixtureEvents(t, "aws-cli/2.15")}
	ws := fixtureWorkspace(trail)
	c, err := ws.Investigate(context.Background(), investigate.MustParseAccessKeyID(fxKey), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sessions) != 1 {
		t.Fatalf("fixture case: sessions %+v", c.Sessions)
	}
	u := &ui{km: defaultKeyMap(), opts: Options{Workspace: ws, Journal: j, NoColor: true}}
	u.st = newStyles(false, true)
	clock := &stepClock{now: fxStart.Add(2 * time.Hour)}
	s := newWatchScreen(context.Background(), u, c, clock)
	t.Cleanup(s.Close)
	s.SetSize(80, 22)
	return s, trail, clock
}

// runPoll runs a poll command and feeds its message back; it returns the tick command.
func runPoll(t *testing.T, s *watchScreen, cmd tea.Cmd) tea.Cmd {
	t.Helper()
	if cmd == nil {
		t.Fatal("no poll to run")
	}
	msg, ok := cmd().(watchMsg)
	if !ok || msg.res == nil {
		t.Fatalf("a poll command returned %#v", msg)
	}
	return s.Update(msg)
}

// screenText is the screen as text, its lines joined and spaces squeezed, so that a
// phrase wrapped over two lines is found.
func screenText(s *watchScreen) string {
	return strings.Join(strings.Fields(ansi.Strip(s.View())), " ")
}

// The watch screen polls at once, then on each tick: an event arriving between polls
// shows once, classified (the session's successful call is a failure of containment),
// the counts follow, and at the end the summary says what was searched.
func TestWatchScreenShowsEventsAsTheyArrive(t *testing.T) {
	j := &journalWithEntries{}
	deactivated := fxStart.Add(90 * time.Minute)
	j.Append(investigate.JournalEntry{Time: deactivated, Phase: investigate.PhaseDone, Action: investigate.ActDeactivateKey, Key: fxKey})
	s, trail, clock := watchFixture(t, j)
	if s.err != nil {
		t.Fatal(s.err)
	}
	if !s.watch.CutOff().Equal(deactivated) {
		t.Fatalf("cut-off %v, want the journal's deactivation %v", s.watch.CutOff(), deactivated)
	}
	var waits []time.Duration
	s.tick = func(d time.Duration, f func(time.Time) tea.Msg) tea.Cmd {
		waits = append(waits, d)
		return func() tea.Msg { return f(time.Time{}) }
	}
	tick := runPoll(t, s, s.Start())
	if tick == nil || len(waits) != 1 || waits[0] != time.Minute {
		t.Fatalf("after the first poll: waits %v, want a tick in a minute", waits)
	}
	if m, ok := tick().(watchMsg); !ok || !m.tick || m.gen != s.gen {
		t.Fatalf("the tick says %#v", m)
	}
	out := screenText(s)
	for _, want := range []string{"WATCH " + fxKey + " after containment · a poll every 1m until 12:30 UTC", "(deactivated by", "polls 1 (1 complete) · events 0", "no event of the watched keys after the cut-off in 1 poll", "next poll in 1m"} {
		if !strings.Contains(out, want) {
			t.Fatalf("after poll 1 the screen lacks %q:\n%s", want, out)
		}
	}
	// A tick of a screen left behind is dropped.
	if cmd := s.Update(watchMsg{gen: s.gen - 1, tick: true}); cmd != nil {
		t.Fatal("a stale tick started a poll")
	}

	// While the watch waits, the session calls successfully and the key is refused.
	trail.mu.Lock()
	trail.events = append(trail.events,
		decode(t, record(7250, fxSession, "ListBuckets", "s3", "eu-west-1", "203.0.113.9", "aws-cli/2.15", "", map[string]any{}, map[string]any{})),
		decode(t, record(7255, fxKey, "GetCallerIdentity", "sts", "us-east-1", "198.51.100.7", "aws-cli/2.15", "InvalidClientTokenId", map[string]any{}, nil)))
	trail.mu.Unlock()
	clock.add(time.Minute)
	runPoll(t, s, s.Update(watchMsg{gen: s.gen, tick: true}))
	out = screenText(s)
	for _, want := range []string{"SUCCEEDED " + fxSession + " (session) s3:ListBuckets eu-west-1", "REFUSED " + fxKey + " (key) sts:GetCallerIdentity", "CONTAINMENT FAILED: 1 successful use", "events 2: 1 successful, 1 refused"} {
		if !strings.Contains(out, want) {
			t.Fatalf("after poll 2 the screen lacks %q:\n%s", want, out)
		}
	}
	// The same events, answered again by the next poll, are not shown twice.
	clock.add(time.Minute)
	runPoll(t, s, s.Update(watchMsg{gen: s.gen, tick: true}))
	if out := screenText(s); strings.Count(out, "SUCCEEDED ") != 1 || strings.Count(out, "REFUSED ") != 1 {
		t.Fatalf("events shown again:\n%s", out)
	}
	// Up to the end: the summary, and no more ticks.
	for !s.watch.Done() {
		clock.add(s.watch.UntilNext())
		tick = runPoll(t, s, s.Update(watchMsg{gen: s.gen, tick: true}))
	}
	if tick != nil {
		t.Fatal("a tick after the end of the watch")
	}
	if s.sum.Polls != 31 || s.sum.Verdict != investigate.WatchContainmentFailed {
		t.Fatalf("summary: %d polls, verdict %s", s.sum.Polls, s.sum.Verdict)
	}
	s.list.nav(actBottom)
	if out := screenText(s); !strings.Contains(out, "SUMMARY") || !strings.Contains(out, "ended") || !strings.Contains(s.Status(), "watch over · 31 polls · 2 events") {
		t.Fatalf("at the end:\n%s\n%s", out, s.Status())
	}
}

// Leaving the screen stops the watch: no more polls, and the summary says it stopped.
func TestWatchScreenStopsWhenLeft(t *testing.T) {
	s, _, _ := watchFixture(t, &memJournal{})
	runPoll(t, s, s.Start())
	s.Close()
	if !s.watch.Done() || !s.watch.Summary().Interrupted {
		t.Fatal("the watch goes on after the screen was left")
	}
	if cmd := s.Update(watchMsg{gen: s.gen, tick: true}); cmd != nil {
		t.Fatal("a tick after the stop started a poll")
	}
}

// The screen at 80 columns, colour off, once the watch has seen a failure of containment.
func TestWatchScreenGolden(t *testing.T) {
	s, trail, clock := watchFixture(t, &memJournal{})
	runPoll(t, s, s.Start())
	trail.mu.Lock()
	trail.events = append(trail.events, decode(t, record(7250, fxSession, "ListBuckets", "s3", "eu-west-1", "203.0.113.9", "aws-cli/2.15\x1b]0;pwned\x07", "", map[string]any{}, map[string]any{})))
	trail.mu.Unlock()
	clock.add(time.Minute)
	runPoll(t, s, s.Update(watchMsg{gen: s.gen, tick: true}))
	// The screen's body in an 80x24 and a 120x36 terminal, under the footer.
	for _, size := range [][2]int{{80, 22}, {120, 34}} {
		s.SetSize(size[0], size[1])
		raw := s.View()
		if strings.Contains(raw, "\x1b]") || strings.Contains(raw, "\x07") {
			t.Fatalf("an attacker's control sequence reached the screen: %q", raw)
		}
		lines := strings.Split(raw, "\n")
		if len(lines) != size[1] {
			t.Errorf("%d lines, want the %d given", len(lines), size[1])
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Errorf("line %d is %d wide: %q", i+1, w, l)
			}
		}
		golden(t, fmt.Sprintf("watch_screen_%dx%d", size[0], size[1]), ansi.Strip(raw))
	}
}
