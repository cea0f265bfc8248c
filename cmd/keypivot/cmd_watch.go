package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// exitContainmentFailed is watch's exit code when a watched key was used successfully
// after the cut-off (documented in README.md with the others).
const exitContainmentFailed = 5

// WatchCmd keeps looking, after containment, for any use of a key, its child keys and
// its sessions.
type WatchCmd struct {
	Key      investigate.AccessKeyID `arg:"" help:"Access key id (AKIA... or ASIA...) to watch, with its child keys and sessions."`
	For      time.Duration           `name:"for" default:"30m" placeholder:"DURATION" help:"How long to watch (0: a single poll)."`
	Interval time.Duration           `name:"interval" default:"1m" placeholder:"DURATION" help:"Time between polls; each poll asks every source for the whole window since the cut-off (CloudTrail delivers late)."`
	Format   string                  `name:"format" short:"f" enum:"auto,text,json" default:"auto" help:"Output: text, or json (one JSON object a line: each event as it arrives, then the summary); auto is text on a terminal and json otherwise."`
}

// Help explains the cut-off and the exit codes.
func (c *WatchCmd) Help() string {
	return `The cut-off is --since when given, else the time the journal shows the key deactivated by keypivot, else the start of the watch. The case is built first (over everything the sources hold) to learn the key's child keys and sessions; sessions issued and keys created during the watch join it.

Exit codes: 0 no successful use seen and every poll searched everything; 5 a watched key was used successfully after the cut-off (containment failed); 3 some poll could not search everything (or the watch was stopped); 1 the case could not be built; 2 usage.`
}

// minWatchInterval keeps a watch within LookupEvents' budget of 2 requests a second per
// region whatever the flag says: a poll asks one request per key and region at least.
const minWatchInterval = time.Second

func (c *WatchCmd) Run(ctx context.Context, g *Globals) error {
	switch {
	case c.Key.IsZero():
		return usageErr("name the access key to watch (keypivot watch AKIA...)")
	case c.Interval < minWatchInterval:
		return usageErr("--interval %v: at least %v", c.Interval, minWatchInterval)
	case c.For < 0:
		return usageErr("--for %v: a duration, 0 or more", c.For)
	case !g.Until.IsZero():
		return usageErr("--until %s: watch runs from the cut-off (--since) for --for; it takes no end", g.Until.Text)
	}
	w, err := wire(ctx, g)
	if err != nil {
		return err
	}
	// --since is the watch's cut-off: the case, which names the children and sessions to
	// watch, is built over everything the sources hold.
	w.Workspace.Window = investigate.Window{}
	cs, err := investigateWithProgress(ctx, w.Workspace, c.Key)
	if err != nil {
		return withCode(exitError, err)
	}
	cfg := investigate.WatchConfig{
		Case: cs, Sources: w.Workspace.Trails, Interval: c.Interval, Duration: c.For, Clock: newWallClock(w.Workspace),
	}
	cfg.CutOff, cfg.CutOffFrom = watchCutOff(g, w.JournalPath, c.Key)
	format := c.Format
	if format == "auto" {
		format = "text"
		if !stdoutIsTerminal() {
			format = "json"
		}
	}
	return runWatch(ctx, cfg, os.Stdout, format)
}

// watchCutOff is --since when given, else when the journal shows the key deactivated,
// else zero (the start of the watch), with where it comes from.
func watchCutOff(g *Globals, journalPath string, key investigate.AccessKeyID) (time.Time, string) {
	if !g.Since.IsZero() {
		return g.Since.Time, "--since " + g.Since.Text
	}
	entries, damage, err := readJournal(journalPath)
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, "warning:", errText(err), "(for the cut-off)")
	case damage != nil:
		fmt.Fprintln(os.Stderr, "warning:", errText(damage))
	}
	if at, ok := investigate.DeactivatedAt(entries, key.String()); ok {
		return at, "deactivated by keypivot, per the journal " + journalPath
	}
	return time.Time{}, ""
}

// wallClock is the watch's clock: the wall clock, moved to the demo's "now" when the
// workspace has one of its own.
type wallClock struct{ offset time.Duration }

func newWallClock(ws *investigate.Workspace) wallClock {
	if ws.Demo && ws.Now != nil {
		return wallClock{offset: ws.CurrentTime().Sub(time.Now())}
	}
	return wallClock{}
}

func (c wallClock) Now() time.Time { return time.Now().Add(c.offset).UTC() }

func (wallClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runWatch runs a watch to its end, printing each event as it arrives and then the
// summary, and returns the exit code the summary calls for.
func runWatch(ctx context.Context, cfg investigate.WatchConfig, out io.Writer, format string) error {
	p := &watchPrinter{out: out, json: format == "json"}
	cfg.OnEvent = p.event
	watch, err := investigate.NewWatch(cfg)
	if err != nil {
		return usageErr("%s", err)
	}
	p.watch = watch
	p.header(cfg)
	sum := watch.Run(ctx, p.poll)
	p.summary(sum)
	if p.err != nil {
		return withCode(exitError, p.err)
	}
	return watchExit(sum)
}

// watchExit is the exit code of a finished watch.
func watchExit(s investigate.WatchSummary) error {
	switch s.Verdict {
	case investigate.WatchContainmentFailed:
		return withCode(exitContainmentFailed, fmt.Errorf("containment failed: %s after the cut-off", investigate.Plural(s.Succeeded, "successful use")))
	case investigate.WatchIncomplete:
		if s.Interrupted && s.CompletePolls == s.Polls {
			return withCode(exitPartial, fmt.Errorf("incomplete watch: stopped before its end after %s (each searched everything)", investigate.Plural(s.Polls, "poll")))
		}
		return withCode(exitPartial, fmt.Errorf("incomplete watch: %d of %s searched everything", s.CompletePolls, investigate.Plural(s.Polls, "poll")))
	}
	return nil
}

// watchPrinter writes a watch as it goes: text lines, or one JSON object a line.
type watchPrinter struct {
	out   io.Writer
	json  bool
	watch *investigate.Watch
	// said is the watch time of the last line printed, for the "still watching" lines.
	said time.Time
	err  error
}

// stillWatchingEvery is how often, in watch time, a quiet watch says it is still at it.
const stillWatchingEvery = 5 * time.Minute

func (p *watchPrinter) printf(format string, args ...any) {
	if _, err := fmt.Fprintf(p.out, format, args...); err != nil && p.err == nil {
		p.err = err
	}
}

// line writes one JSON object: secret-named members redacted, terminal controls escaped.
func (p *watchPrinter) line(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		p.err = err
		return
	}
	p.printf("%s\n", sanitize.JSON(sanitize.RedactRecord(b)))
}

func (p *watchPrinter) header(cfg investigate.WatchConfig) {
	s := p.watch.Summary()
	p.said = s.Started
	if p.json {
		p.line(map[string]any{"type": "start", "key": s.Key, "cut_off": s.CutOff, "cut_off_from": s.CutOffFrom, "started": s.Started, "end": s.End,
			"interval_seconds": s.IntervalSeconds, "keys": s.Keys, "sources": sourceNames(cfg.Sources), "notes": s.Notes})
		return
	}
	how := "a single poll"
	if cfg.Duration > 0 {
		how = fmt.Sprintf("for %s, a poll every %s", shortDuration(cfg.Duration), shortDuration(p.watch.Interval()))
	}
	p.printf("watching %s (%s) for uses after the cut-off %s (%s)\n",
		keysWords(s.Keys), how, s.CutOff.Format(time.RFC3339), sanitize.Clean(s.CutOffFrom))
	p.printf("sources: %s\n", sanitize.Clean(strings.Join(sourceNames(cfg.Sources), "; ")))
	for _, n := range s.Notes {
		p.printf("note: %s\n", sanitize.Clean(n))
	}
}

// shortDuration is "30m" for 30 minutes, "1m30s", "2h0m": what --for and --interval take.
func shortDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	return strings.TrimSuffix(d.String(), "0s")
}

func sourceNames(srcs []investigate.EventSource) []string {
	names := make([]string, len(srcs))
	for i, s := range srcs {
		names[i] = s.Name()
	}
	return names
}

// keysWords is "AKIA... with 1 child key and 4 sessions".
func keysWords(keys []investigate.WatchedKey) string {
	var children, sessions int
	for _, k := range keys[1:] {
		if k.Kind == investigate.WatchSession {
			sessions++
		} else {
			children++
		}
	}
	return fmt.Sprintf("%s with %s and %s", sanitize.Clean(keys[0].Key), investigate.Plural(children, "child key"), investigate.Plural(sessions, "session"))
}

// event prints one event as it arrives.
func (p *watchPrinter) event(e investigate.WatchEvent) {
	p.said = e.Seen
	if p.json {
		p.line(map[string]any{"type": "event", "event": e})
		return
	}
	ev := e.Event
	mark := map[string]string{investigate.UseSucceeded: "SUCCEEDED", investigate.UseRefused: "REFUSED", investigate.UseFailed: "FAILED"}[e.Use]
	p.printf("%s  %-9s  %s (%s)  %s  %s  from %s  \"%s\"  event %s\n", ev.Time.UTC().Format(time.RFC3339), mark,
		sanitize.Clean(ev.Signer()), e.KeyKind, sanitize.Clean(ev.Action()), sanitize.Clean(ev.Region),
		sanitize.Clean(ev.SourceIP), sanitize.Clean(ev.UserAgent), sanitize.Clean(ev.ID))
	why := e.Why
	if e.Use == investigate.UseSucceeded {
		why = "CONTAINMENT FAILED: " + why
	}
	if ev.ErrorMessage != "" {
		why += " (" + ev.ErrorMessage + ")"
	}
	p.printf("    %s\n", sanitize.Clean(why))
}

// poll says what a poll added: keys that joined, sources that could not search
// everything; and, on a quiet watch, every few minutes, that it is still watching.
func (p *watchPrinter) poll(r investigate.PollResult) {
	if p.json {
		r.Events = nil // each was printed as it arrived
		p.line(map[string]any{"type": "poll", "poll": r})
		return
	}
	for _, k := range r.NewKeys {
		p.printf("poll %d: now watching %s too: %s of %s (event %s)\n", r.N, sanitize.Clean(k.Key), joinedWords(k.Kind), sanitize.Clean(k.Via), sanitize.Clean(k.EventID))
		p.said = r.At
	}
	for _, s := range r.Sources {
		if s.Status != investigate.SearchComplete {
			p.printf("poll %d at %s: %s could not search everything: %s\n", r.N, r.At.Format("15:04:05"), sanitize.Clean(s.Source), sanitize.Clean(strings.Join(s.Reasons, "; ")))
			p.said = r.At
		}
	}
	if r.At.Sub(p.said) >= stillWatchingEvery && !p.watch.Done() {
		s := p.watch.Summary()
		since := "nothing since the cut-off " + s.CutOff.Format(time.RFC3339)
		if !s.LastEvent.IsZero() {
			since = "nothing new since " + s.LastEvent.Format(time.RFC3339)
		}
		p.printf("still watching: %s, %s; until %s\n", investigate.Plural(s.Polls, "poll"), since, s.End.Format(time.RFC3339))
		p.said = r.At
	}
}

func joinedWords(kind string) string {
	if kind == investigate.WatchSession {
		return "a session issued to"
	}
	return "a key created by"
}

// summary prints the watch's summary: the verdict with what was searched, the counts,
// each key, each source, what was not searched.
func (p *watchPrinter) summary(s investigate.WatchSummary) {
	if p.json {
		s.UseEvents = nil // each was printed as it arrived
		p.line(map[string]any{"type": "summary", "summary": s})
		return
	}
	p.printf("\nSUMMARY\n%s\n", sanitize.Clean(s.Headline))
	p.printf("polls: %d (%d searched everything), every %s from %s to %s\n", s.Polls, s.CompletePolls,
		shortDuration(time.Duration(s.IntervalSeconds*float64(time.Second))), s.Started.Format(time.RFC3339), s.Ended.Format(time.RFC3339))
	p.printf("events after the cut-off: %d: %d successful, %d refused, %d failed otherwise\n", s.Events, s.Succeeded, s.Refused, s.Failed)
	p.printf("keys:\n")
	for _, k := range s.Keys {
		origin := ""
		switch {
		case k.Kind == investigate.WatchKey:
		case !k.Joined.IsZero():
			origin = fmt.Sprintf(", %s %s during the watch (event %s)", joinedWords(k.Kind), sanitize.Clean(k.Via), sanitize.Clean(k.EventID))
		default:
			origin = fmt.Sprintf(", %s %s (event %s)", joinedWords(k.Kind), sanitize.Clean(k.Via), sanitize.Clean(k.EventID))
		}
		p.printf("  %s  %s%s: %s", sanitize.Clean(k.Key), k.Kind, origin, investigate.Plural(k.Events, "event"))
		if k.Events > 0 {
			p.printf(" (%d successful, %d refused, %d failed otherwise; last %s)", k.Succeeded, k.Refused, k.Failed, k.Last.Format(time.RFC3339))
		}
		p.printf("\n")
	}
	p.printf("sources:\n")
	for _, src := range s.Sources {
		p.printf("  %s: %s, %d searched everything; last searched %s", sanitize.Clean(src.Source), investigate.Plural(src.Polls, "poll"), src.Complete, sanitize.Clean(src.Searched))
		if src.Retries > 0 {
			p.printf("; %s asked again (throttling or transient errors)", investigate.Plural(src.Retries, "request"))
		}
		p.printf("\n")
	}
	if len(s.NotSearched) > 0 {
		p.printf("not searched:\n")
		for _, n := range s.NotSearched {
			p.printf("  %s\n", sanitize.Clean(n))
		}
	}
}
