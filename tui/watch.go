package tui

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/keypivot/keypivot/investigate"
)

// watchMsg is a poll of the watch opened as gen that has finished (res set), or the
// tick saying its next poll is due (tick).
type watchMsg struct {
	gen  int64
	tick bool
	res  *investigate.PollResult
}

// watchGens numbers watch screens: a poll or tick of a screen the analyst has left is
// dropped.
var watchGens atomic.Int64

// watchScreen watches, after containment, for any use of the case's key, its child keys
// and its sessions: each event as it arrives (a successful one is a failure of
// containment), the counts, what was searched, and the verdict. Polls run in commands,
// one at a time; a tick waits for the next.
type watchScreen struct {
	ui *ui
	// frame is the key's workbench, whose header heads the watch (nil in the screen's
	// own tests).
	frame *workbench
	c     *investigate.Case
	gen   int64

	ctx     context.Context
	cancel  context.CancelFunc
	watch   *investigate.Watch
	err     error
	polling bool
	sum     investigate.WatchSummary
	polls   []investigate.PollResult
	list    textList
	width   int
	height  int
	// givenW and givenH are the size the App gave, header included.
	givenW, givenH int
	// tick makes the command that waits for the next poll (tea.Tick); App-level tests
	// replace it, so that their synchronous driver does not wait a minute.
	tick func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
}

// watchClock is the workbench's clock for a watch: the wall clock, moved to the
// workspace's "now" (the demo's), so that the watch's window and end follow the case.
type watchClock struct{ offset time.Duration }

func (c watchClock) Now() time.Time { return time.Now().Add(c.offset).UTC() }

// Sleep waits d (or until ctx ends). The screen does not use it: ticks wait.
func (watchClock) Sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(max(d, 0)):
	case <-ctx.Done():
	}
	return ctx.Err()
}

// openWatch opens a watch on the workbench's case (its first poll starts once it is
// pushed). Without a case yet it says so and opens nothing.
func (w *workbench) openWatch() tea.Cmd {
	if w.c == nil || w.loading {
		return status("the case has not loaded yet: its child keys and sessions are not known, nothing to watch", true)
	}
	clock := watchClock{offset: w.ui.now().Sub(time.Now())}
	s := newWatchScreen(w.ui.ctx, w.ui, w.c, clock)
	s.frame = w
	return push(s)
}

// newWatchScreen makes the watch of c on clock: every trail of the workspace, the
// cut-off from the journal (when it can be read back and shows the key deactivated),
// else the start of the watch.
func newWatchScreen(parent context.Context, u *ui, c *investigate.Case, clock investigate.Clock) *watchScreen {
	ctx, cancel := context.WithCancel(parent)
	s := &watchScreen{ui: u, c: c, gen: watchGens.Add(1), ctx: ctx, cancel: cancel, list: textList{st: &u.st}, tick: tea.Tick}
	cfg := investigate.WatchConfig{Case: c, Interval: investigate.DefaultWatchInterval, Duration: investigate.DefaultWatchDuration, Clock: clock}
	if u.opts.Workspace != nil {
		cfg.Sources = u.opts.Workspace.Trails
	}
	if r, ok := u.opts.Journal.(interface {
		Entries() ([]investigate.JournalEntry, error)
	}); ok {
		// A damaged journal still returns its other records.
		if entries, _ := r.Entries(); len(entries) > 0 {
			if at, ok := investigate.DeactivatedAt(entries, c.Key.String()); ok {
				cfg.CutOff, cfg.CutOffFrom = at, "deactivated by keypivot, per the journal"
			}
		}
	}
	s.watch, s.err = investigate.NewWatch(cfg)
	if s.err == nil {
		s.sum = s.watch.Summary()
	}
	s.rebuild()
	return s
}

// Start runs the first poll.
func (s *watchScreen) Start() tea.Cmd {
	if s.watch == nil {
		return nil
	}
	return s.poll()
}

// poll runs one poll in the background.
func (s *watchScreen) poll() tea.Cmd {
	s.polling = true
	ctx, w, gen := s.ctx, s.watch, s.gen
	return func() tea.Msg {
		res := w.Poll(ctx)
		return watchMsg{gen: gen, res: &res}
	}
}

// Close ends the watch (the analyst left): a poll running is cancelled.
func (s *watchScreen) Close() {
	if s.watch != nil {
		s.watch.Stop()
	}
	s.cancel()
}

func (s *watchScreen) Capturing() bool { return false }

func (s *watchScreen) Crumb() string { return "watch" }

func (s *watchScreen) nav(act string) bool { return s.list.nav(act) }

// SetSize takes the room the App gives (the header is taken from it here, every time:
// the size given is kept, so a relayout never shrinks the screen).
func (s *watchScreen) SetSize(w, h int) {
	s.givenW, s.givenH = w, h
	s.relayout()
}

func (s *watchScreen) relayout() {
	h := s.givenH
	if s.frame != nil {
		h -= len(s.frame.headerLines(false))
	}
	s.width, s.height = s.givenW, h
	s.list.setSize(s.width, h-len(s.top()))
	s.rebuild()
}

func (s *watchScreen) Update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(tea.KeyPressMsg); ok && key.Matches(m, s.ui.km.Back) {
		return pop()
	}
	switch m := msg.(type) {
	case watchMsg:
		if m.gen != s.gen || s.watch == nil {
			return nil
		}
		if m.tick {
			if s.watch.Done() || s.polling {
				return nil
			}
			return s.poll()
		}
		s.polling = false
		if m.res.Interrupted {
			return nil
		}
		s.polls = append(s.polls, *m.res)
		s.sum = s.watch.Summary()
		s.relayout() // the top may change height with the verdict
		if s.watch.Done() {
			return nil
		}
		gen := s.gen
		return s.tick(s.watch.UntilNext(), func(time.Time) tea.Msg { return watchMsg{gen: gen, tick: true} })
	case tea.KeyPressMsg:
		s.ui.km.navigate(m, &s.list)
	}
	return nil
}

// verdictStyle is how the verdict reads: danger for a failure of containment, a warning
// for an incomplete watch or refused attempts, ok for nothing seen.
func (s *watchScreen) verdictStyle() *lipgloss.Style {
	st := &s.ui.st
	switch s.sum.Verdict {
	case investigate.WatchContainmentFailed:
		return &st.danger
	case investigate.WatchIncomplete, investigate.WatchHeldRefused:
		return &st.warn
	case investigate.WatchNothingSeen:
		return &st.ok
	}
	if s.sum.Refused+s.sum.Failed > 0 || s.sum.CompletePolls < s.sum.Polls {
		return &st.warn
	}
	return &st.app
}

// top is what stays above the events: what is watched and since when, the verdict
// (wrapped, never cut: it says what was searched), and the counts.
func (s *watchScreen) top() []string {
	st := &s.ui.st
	w := max(s.width, 10)
	title := st.title.Render("WATCH") + " " + s.c.Key.String() + " after containment"
	out := []string{truncate(title, s.width)}
	add := func(text string, style *lipgloss.Style) {
		for _, l := range wrapText(clean(text), w) {
			out = append(out, style.Render(l))
		}
	}
	if s.err != nil {
		add("cannot watch: "+s.err.Error(), &st.danger)
		return out
	}
	sum := s.sum
	out[0] = truncate(title+fmt.Sprintf(" · a poll every %s until %s", shortDuration(s.watch.Interval()), sum.End.Format("15:04 UTC")), s.width)
	add(sum.Headline, s.verdictStyle())
	counts := fmt.Sprintf("polls %d (%d complete) · events %d: %d successful, %d refused, %d failed",
		sum.Polls, sum.CompletePolls, sum.Events, sum.Succeeded, sum.Refused, sum.Failed)
	switch {
	case s.polling:
		counts += " · polling…"
	case !s.watch.Done():
		counts += " · next poll in " + shortDuration(s.watch.UntilNext().Round(time.Second))
	default:
		counts += " · ended"
	}
	add(counts, &st.app)
	return append(out, st.dim.Render(strings.Repeat("─", max(s.width, 1))))
}

// shortDuration is "1m" for a minute, "1m30s", "2h0m": what the flags take.
func shortDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	return strings.TrimSuffix(d.String(), "0s")
}

// rebuild lays out the events (each as it arrived, with the keys that joined and the
// polls that could not search everything), then, once the watch is over, its summary.
func (s *watchScreen) rebuild() {
	st := &s.ui.st
	b := &lineBuilder{st: st, width: s.width}
	if s.err != nil {
		s.list.setLines(nil)
		return
	}
	for _, n := range s.sum.Notes {
		b.bullet("note: "+clean(n), &st.dim)
	}
	for _, p := range s.polls {
		for _, e := range p.Events {
			s.eventLines(b, e)
		}
		for _, k := range p.NewKeys {
			b.add(st.warn.Render(fmt.Sprintf("  poll %d: now watching %s too (%s, from %s, event %s)", p.N, clean(k.Key), k.Kind, clean(k.Via), clean(k.EventID))))
		}
		for _, src := range p.Sources {
			if src.Status != investigate.SearchComplete {
				b.bullet(fmt.Sprintf("poll %d at %s: %s could not search everything: %s", p.N, p.At.Format("15:04:05"), clean(src.Source), clean(strings.Join(src.Reasons, "; "))), &st.warn)
			}
		}
	}
	if s.sum.Polls > 0 && s.sum.Events == 0 {
		b.none(fmt.Sprintf("no event of the watched keys after the cut-off in %s", plural(s.sum.Polls, "poll")))
	}
	if s.watch != nil && s.watch.Done() {
		s.summaryLines(b)
	}
	s.list.setLines(b.lines)
	s.list.offset = len(b.lines) // follow the newest
	s.list.clamp()
}

// eventLines is one event: when, what became of it, which key, what, from where; then why.
func (s *watchScreen) eventLines(b *lineBuilder, e investigate.WatchEvent) {
	st := &s.ui.st
	ev := e.Event
	mark, style := "FAILED   ", &st.dim
	switch e.Use {
	case investigate.UseSucceeded:
		mark, style = "SUCCEEDED", &st.danger
	case investigate.UseRefused:
		mark, style = "REFUSED  ", &st.warn
	}
	b.add(fmt.Sprintf("  %s %s %s (%s) %s %s", ev.Time.UTC().Format("15:04:05"), style.Render(mark), clean(ev.Signer()), e.KeyKind,
		clean(ev.Action()), clean(ev.Region)))
	why := "from " + ev.SourceIP + " · " + e.Why
	if ev.ErrorMessage != "" {
		why += " (" + ev.ErrorMessage + ")"
	}
	for _, l := range wrapText(clean(why)+" · event "+clean(ev.ID), max(s.width-6, 20)) {
		b.add("      " + st.dim.Render(l))
	}
}

// summaryLines are the watch's summary once it is over: each key, each source, what
// was not searched.
func (s *watchScreen) summaryLines(b *lineBuilder) {
	st := &s.ui.st
	sum := s.sum
	b.section("SUMMARY")
	for _, k := range sum.Keys {
		b.kv(k.Kind, fmt.Sprintf("%s: %s (%d successful, %d refused)", clean(k.Key), plural(k.Events, "event"), k.Succeeded, k.Refused))
	}
	for _, src := range sum.Sources {
		text := fmt.Sprintf("%s: %d of %s complete; last searched %s", clean(src.Source), src.Complete, plural(src.Polls, "poll"), clean(src.Searched))
		if src.Retries > 0 {
			text += "; " + plural(src.Retries, "request") + " asked again (throttling)"
		}
		b.kv("source", text)
	}
	for _, n := range sum.NotSearched {
		b.bullet("not searched: "+clean(n), &st.warn)
	}
}

func (s *watchScreen) View() string {
	if s.frame != nil {
		return strings.Join(s.frame.headerLines(false), "\n") + "\n" + s.body()
	}
	return s.body()
}

func (s *watchScreen) body() string {
	var b strings.Builder
	for _, l := range s.top() {
		b.WriteString(l + "\n")
	}
	b.WriteString(s.list.view())
	return b.String()
}

func (s *watchScreen) Keys() help.KeyMap {
	km := &s.ui.km
	leave := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop watching"))
	return bindings{
		short: []key.Binding{km.Up, km.Down, km.PageDown, leave, km.Help},
		full:  [][]key.Binding{km.nav(), {leave, km.Help, km.Quit}},
	}
}

func (s *watchScreen) Status() string {
	if s.err != nil {
		return "cannot watch"
	}
	st := "watching"
	if s.watch.Done() {
		st = "watch over"
	}
	out := fmt.Sprintf("%s · %s · %s", st, plural(s.sum.Polls, "poll"), plural(s.sum.Events, "event"))
	if info := s.list.scrollInfo(); info != "" {
		out += " · " + info
	}
	return out
}
