package investigate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Summary is where the watch stands: its counts, what it searched, its verdict.
func (w *Watch) Summary() WatchSummary {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.cfg.Case
	s := WatchSummary{
		Key: c.Key, CutOff: w.cutoff, CutOffFrom: w.cfg.CutOffFrom, Started: w.start, Ended: w.ended, End: w.end,
		IntervalSeconds: w.cfg.Interval.Seconds(), DurationSeconds: w.cfg.Duration.Seconds(),
		Polls: w.polls, CompletePolls: w.complete, Interrupted: w.interrupted, Done: w.doneLocked(),
		Events: len(w.events), LastEvent: w.lastEvent, Notes: slices.Clone(w.notes), NotSearched: []string{},
		UseEvents: append([]WatchEvent{}, w.events...), Keys: make([]WatchedKey, 0, len(w.keys)),
	}
	for _, k := range w.keys {
		s.Keys = append(s.Keys, *k)
		s.Succeeded += k.Succeeded
		s.Refused += k.Refused
		s.Failed += k.Failed
	}
	for i, src := range w.sources {
		src.Gaps = []string{}
		for _, r := range w.gapOrder[i] {
			g := r + " (" + pollList(w.gaps[i][r]) + ")"
			src.Gaps = append(src.Gaps, g)
			s.NotSearched = append(s.NotSearched, src.Source+": "+g)
		}
		s.Sources = append(s.Sources, src)
	}
	if w.interrupted {
		s.NotSearched = append(s.NotSearched, fmt.Sprintf("the watch was stopped at %s, before its end at %s", stamp(w.ended), stamp(w.end)))
	}
	s.Verdict, s.Headline = verdict(&s)
	return s
}

// pollList names polls: "poll 3", "polls 3, 4, 7".
func pollList(polls []int) string {
	if len(polls) == 1 {
		return fmt.Sprintf("poll %d", polls[0])
	}
	parts := make([]string, len(polls))
	for i, p := range polls {
		parts[i] = fmt.Sprint(p)
	}
	return "polls " + strings.Join(parts, ", ")
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// verdict says what the watch shows, and the sentence that says it with what was
// searched.
func verdict(s *WatchSummary) (string, string) {
	searched := fmt.Sprintf("%s of %s from the cut-off %s (%s) to %s", Plural(s.Polls, "poll"), Plural(len(s.Sources), "source"),
		stamp(s.CutOff), s.CutOffFrom, stamp(s.Ended))
	if s.Polls == 0 {
		searched = "no poll yet"
	}
	watched := watchedWords(s.Keys)
	attempts := ""
	if s.Refused+s.Failed > 0 {
		attempts = fmt.Sprintf("; %s refused, %s failed otherwise", Plural(s.Refused, "attempt"), Thousands(s.Failed))
	}
	switch {
	case s.Succeeded > 0:
		var by []string
		for _, k := range s.Keys {
			if k.Succeeded > 0 {
				by = append(by, fmt.Sprintf("%s (%s, %d)", k.Key, k.Kind, k.Succeeded))
			}
		}
		return WatchContainmentFailed, fmt.Sprintf("CONTAINMENT FAILED: %s after the cut-off by %s%s; %s", Plural(s.Succeeded, "successful use"), strings.Join(by, ", "), attempts, searched)
	case !s.Done && !s.Interrupted:
		gaps := ""
		if s.CompletePolls < s.Polls {
			gaps = fmt.Sprintf("; %d of %s could not search everything (%s)", s.Polls-s.CompletePolls, Plural(s.Polls, "poll"), strings.Join(s.NotSearched, "; "))
		}
		return WatchWatching, fmt.Sprintf("watching %s: no successful use so far%s%s; %s", watched, attempts, gaps, searched)
	case s.Interrupted && s.Polls > 0 && s.CompletePolls == s.Polls:
		return WatchIncomplete, fmt.Sprintf("INCOMPLETE: stopped before its end, after %s that each searched everything; in them, no successful use of %s%s",
			Plural(s.Polls, "poll"), watched, attempts)
	case s.Interrupted || s.CompletePolls < s.Polls || s.Polls == 0:
		return WatchIncomplete, fmt.Sprintf("INCOMPLETE: %d of %s searched everything (not searched: %s); in what was searched, no successful use of %s%s",
			s.CompletePolls, Plural(s.Polls, "poll"), strings.Join(s.NotSearched, "; "), watched, attempts)
	case s.Refused+s.Failed > 0:
		return WatchHeldRefused, fmt.Sprintf("no successful use of %s, but %s after the cut-off: the attacker still holds a credential; %s",
			watched, strings.TrimPrefix(attempts, "; "), searched)
	}
	return WatchNothingSeen, fmt.Sprintf("no use of %s after the cut-off: %s, each searched everything", watched, searched)
}

// watchedWords names the watched keys: "AKIA... and its 2 child keys and 3 sessions".
func watchedWords(keys []WatchedKey) string {
	if len(keys) == 0 {
		return "no key"
	}
	children, sessions := 0, 0
	for _, k := range keys[1:] {
		if k.Kind == WatchSession {
			sessions++
		} else {
			children++
		}
	}
	var parts []string
	if children > 0 {
		parts = append(parts, Plural(children, "child key"))
	}
	if sessions > 0 {
		parts = append(parts, Plural(sessions, "session"))
	}
	if len(parts) == 0 {
		return keys[0].Key
	}
	return keys[0].Key + " and its " + strings.Join(parts, " and ")
}
