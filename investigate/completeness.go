package investigate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Completeness statuses: how much of what was asked was searched. A negative ("0
// events", "no alerts") is an answer only with a status of complete.
const (
	// SearchComplete: everything asked was searched.
	SearchComplete = "complete"
	// SearchPartial: searched, but some of it could not be (see the reasons).
	SearchPartial = "partial"
	// SearchNothing: the sources were read but held nothing to search (an empty
	// directory, no log file, no CloudTrail).
	SearchNothing = "nothing-to-search"
	// SearchFailed: the sources could not be read at all.
	SearchFailed = "failed"
	// SearchNotAsked: no source of this kind was given.
	SearchNotAsked = "not-searched"
	// SearchPending: the search is still running (a snapshot of a case being built):
	// what it found so far is no answer yet, negative or not.
	SearchPending = "searching"
)

// Completeness says, per kind of source and overall, whether the search behind a case
// (or a ranking) was complete, and what was searched. Every face (text, Markdown, JSON,
// TUI) prints Headline, and the exit code follows Status.
type Completeness struct {
	// Status is the worst of Events and Alerts among the kinds that were asked for.
	Status string `json:"status"`
	// Headline is the sentence every face shows: what was found, in what.
	Headline string           `json:"headline"`
	Events   KindCompleteness `json:"events"`
	Alerts   KindCompleteness `json:"alerts"`
}

// KindCompleteness is the completeness of one kind of source (CloudTrail events, alerts).
type KindCompleteness struct {
	Status string `json:"status"`
	// Found counts what the case holds of this kind (events of the case, alerts of the key).
	Found int `json:"found"`
	// Summary is the kind's part of the headline: "0 events in 1,872 files covering ...".
	Summary string `json:"summary"`
	// Searched says what the sources that could be searched covered ("" when none could).
	Searched string `json:"searched"`
	// Reasons say what was not searched, or why nothing was.
	Reasons []string             `json:"reasons"`
	Sources []SourceCompleteness `json:"sources"`
}

// SourceCompleteness is the completeness of one source.
type SourceCompleteness struct {
	Source string `json:"source"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
	// Searched says what was searched, in words: "1,872 files covering 2023-07-10
	// 11:45–12:40 UTC, account 123456789012, region us-east-1".
	Searched string   `json:"searched"`
	Reasons  []string `json:"reasons"`
	// gaps are the reasons the coverage section lists as gaps of their own (the failed
	// regions and unreadable inputs it lists anyway are left out).
	gaps []string
}

// Complete reports whether the status is an answer on its own.
func (c Completeness) Complete() bool {
	return c.Status == SearchComplete || c.Status == SearchNotAsked
}

// Mark is the short flag for a title: "" when complete, else "PARTIAL SEARCH" or
// "NOT SEARCHED".
func (c Completeness) Mark() string {
	switch {
	case c.Status == SearchPending:
		return "SEARCHING"
	case c.Unanswered():
		return "NOT SEARCHED"
	case c.Status == SearchPartial:
		return "PARTIAL SEARCH"
	}
	return ""
}

// Unanswered reports whether some kind of source that was asked for could not be
// searched at all (failed, or held nothing to search): the run's answer for it is no
// answer. Commands exit 1 then.
func (c Completeness) Unanswered() bool {
	for _, k := range []KindCompleteness{c.Events, c.Alerts} {
		if k.Status == SearchFailed || k.Status == SearchNothing {
			return true
		}
	}
	return false
}

// gapLines are the coverage section's gap lines for the sources: each source that could
// not be searched at all, or only in part for a reason the section lists nowhere else.
func (c Completeness) gapLines() []string {
	var out []string
	for _, k := range []KindCompleteness{c.Events, c.Alerts} {
		for _, s := range k.Sources {
			for _, g := range s.gaps {
				out = append(out, fmt.Sprintf("%s %s: %s", s.Source, statusWords(s.Status), g))
			}
		}
	}
	return out
}

func statusWords(s string) string {
	switch s {
	case SearchPartial:
		return "searched in part"
	case SearchNothing:
		return "had nothing to search"
	case SearchFailed:
		return "could not be read"
	}
	return s
}

// Source kinds whose records are files: reading no file means there was nothing to
// search. The other kinds are queries, for which no record is an answer.
var fileKinds = []string{"cloudtrail-files", "cloudtrail-s3", "alert-files"}

// isFileKind reports whether a source of this kind reads files.
func isFileKind(kind string) bool { return slices.Contains(fileKinds, kind) }

// AssessSource says how completely one source was searched, from its report. window is
// the window asked for (zero: everything in the source).
func AssessSource(r SourceReport, window Window) SourceCompleteness {
	sc := SourceCompleteness{Source: r.Source, Kind: r.Kind, Status: SearchComplete, Reasons: []string{}}
	sc.Searched = describeSearched(r)
	worse := func(status, reason string) {
		if rankStatus(status) > rankStatus(sc.Status) {
			sc.Status = status
		}
		if reason != "" {
			sc.Reasons = append(sc.Reasons, reason)
		}
	}
	gap := func(status, reason string) {
		worse(status, reason)
		sc.gaps = append(sc.gaps, reason)
	}
	var failed, throttled, truncated, searched, codes []string
	skipped := map[string][]string{} // why -> regions
	var skipWhy []string
	for _, rs := range r.Regions {
		if (rs.Status == RegionFailed || rs.Status == RegionThrottled) && rs.Error != "" {
			codes = appendUnique(codes, ShortError(rs.Error))
		}
		where := regionName(rs)
		switch rs.Status {
		case RegionFailed:
			failed = append(failed, where)
		case RegionThrottled:
			throttled = append(throttled, where)
		case RegionSkipped:
			if _, ok := skipped[rs.Error]; !ok {
				skipWhy = append(skipWhy, rs.Error)
			}
			skipped[rs.Error] = append(skipped[rs.Error], where)
		case RegionSearched:
			searched = append(searched, where)
		}
		if rs.Truncated {
			truncated = append(truncated, where)
		}
	}
	switch {
	case len(r.Regions) > 0 && len(searched) == 0 && len(failed)+len(throttled) > 0:
		why := ""
		if len(codes) > 0 {
			why = ": " + strings.Join(codes, "; ")
		}
		worse(SearchFailed, fmt.Sprintf("failed in every region (%s)%s", strings.Join(append(failed, throttled...), ", "), why))
	case r.Failed != "":
		gap(SearchFailed, ShortError(r.Failed))
	case len(r.Regions) > 0 && len(searched) == 0 && len(skipped) > 0:
		gap(SearchNothing, "searched in no region: "+regionsBy(skipWhy, skipped))
		skipped = nil
	case isFileKind(r.Kind) && r.Files == 0 && len(r.Problems) == 0:
		what := "no log file in it"
		if r.Kind == "alert-files" {
			what = "no alert export in it"
		}
		if s := SkipsText(r.Skips, true); s != "" {
			what += " (" + s + ")"
		}
		gap(SearchNothing, what)
	case isFileKind(r.Kind) && r.Files > 0 && r.Records == 0 && r.Matched == 0 && len(r.Problems) >= r.Files:
		why := fmt.Sprintf("none of its %s could be read", Plural(r.Files, "file"))
		if r.Files == 1 {
			why = "its only file could not be read"
		}
		gap(SearchFailed, why)
	}
	if sc.Status != SearchFailed {
		if len(failed) > 0 {
			worse(SearchPartial, fmt.Sprintf("%s failed: %s", pluralWord(len(failed), "region"), strings.Join(failed, ", ")))
		}
		if len(throttled) > 0 {
			worse(SearchPartial, fmt.Sprintf("%s throttled: %s", pluralWord(len(throttled), "region"), strings.Join(throttled, ", ")))
		}
	}
	if len(skipped) > 0 {
		gap(SearchPartial, "not searched: "+regionsBy(skipWhy, skipped))
	}
	if len(truncated) > 0 {
		worse(SearchPartial, "pages missing in "+strings.Join(truncated, ", "))
	}
	if r.Truncated && len(truncated) == 0 {
		worse(SearchPartial, "results truncated (see notes)")
	}
	if n := len(r.Problems); n > 0 && sc.Status != SearchFailed {
		worse(SearchPartial, fmt.Sprintf("%s (unreadable files, records or fields: see problems)", Plural(n, "problem")))
	}
	if reason := uncovered(r, window); reason != "" && sc.Status != SearchFailed && sc.Status != SearchNothing {
		gap(SearchPartial, reason)
	}
	return sc
}

// coverSlack is how far a source's span may stop short of the window's ends before the
// window counts as not covered: an archive's files (CloudTrail delivers one about every
// 5 minutes), or a query the source had to narrow (LookupEvents keeps 90 days).
const coverSlack = time.Hour

// uncovered says how a file source's span falls short of the window asked, if it does.
func uncovered(r SourceReport, w Window) string {
	if r.Kind == "alert-files" || r.Span.Since.IsZero() || w.IsZero() {
		return "" // an alert export's span is its alerts', not what it was asked for
	}
	var parts []string
	if !w.Since.IsZero() && r.Span.Since.Sub(w.Since) > coverSlack {
		parts = append(parts, "its records start at "+r.Span.Since.UTC().Format(spanStamp)+", the window at "+w.Since.UTC().Format(spanStamp))
	}
	if !w.Until.IsZero() && w.Until.Sub(r.Span.Until) > coverSlack {
		parts = append(parts, "its records end at "+r.Span.Until.UTC().Format(spanStamp)+", the window at "+w.Until.UTC().Format(spanStamp))
	}
	if len(parts) == 0 {
		return ""
	}
	return "window not covered: " + strings.Join(parts, "; ")
}

// ShortError is the gist of an error for a headline: an AWS SDK error's code and
// message ("AccessDeniedException: User is not authorized ..."), without the operation
// and request id that the coverage section keeps.
func ShortError(s string) string {
	if i := strings.LastIndex(s, "api error "); i >= 0 {
		s = s[i+len("api error "):]
	}
	if r := []rune(s); len(r) > 160 {
		s = string(r[:159]) + "…"
	}
	return s
}

func rankStatus(s string) int {
	switch s {
	case SearchComplete:
		return 0
	case SearchPartial:
		return 1
	case SearchNothing:
		return 2
	case SearchFailed:
		return 3
	}
	return 0
}

func regionName(rs RegionStatus) string {
	if rs.Account != "" && rs.Region == "*" {
		return "account " + rs.Account
	}
	if rs.Account != "" {
		return rs.Account + "/" + rs.Region
	}
	return rs.Region
}

// regionsBy names regions grouped by why they were skipped: "us-east-1, eu-west-1 (the
// window is older than ...); account 2222 (no profile ...)".
func regionsBy(whys []string, regions map[string][]string) string {
	var parts []string
	for _, why := range whys {
		p := strings.Join(regions[why], ", ")
		if why != "" {
			p += " (" + why + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// SkipsText names what was left out, by reason: "3 files not logs, e.g. notes.txt; 2
// outside the window" ("" when nothing was).
func SkipsText(skips []Skip, examples bool) string {
	var parts []string
	for _, s := range skips {
		p := Thousands(s.Count) + " " + SkipWords(s.Reason, s.Count)
		if examples && s.Example != "" {
			p += ", e.g. " + s.Example
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// SkipWords names a skip reason for n inputs: "not logs", "digests", "outside the window".
func SkipWords(reason string, n int) string {
	switch reason {
	case SkipDigest:
		return pluralWord(n, "digest or Insights file")
	case SkipNotLog:
		if n == 1 {
			return "file not a log"
		}
		return "files not logs"
	case SkipOutsideWindow:
		return "outside the window"
	case SkipPruned:
		return "pruned by --accounts/--regions"
	case SkipEmptyFile:
		return pluralWord(n, "empty file")
	case SkipHidden:
		return pluralWord(n, "hidden folder") + " left unread"
	}
	return "skipped (" + reason + ")"
}

const spanStamp = "2006-01-02 15:04"

// SpanText writes a span compactly: "2023-07-10 11:45–12:40 UTC", or with both dates
// when it crosses midnight.
func SpanText(w Window) string {
	if w.Since.IsZero() && w.Until.IsZero() {
		return ""
	}
	s, u := w.Since.UTC(), w.Until.UTC()
	switch {
	case w.Since.IsZero():
		return "up to " + u.Format(spanStamp) + " UTC"
	case w.Until.IsZero():
		return "from " + s.Format(spanStamp) + " UTC"
	case s.Format(time.DateOnly) == u.Format(time.DateOnly):
		return s.Format(spanStamp) + "–" + u.Format("15:04") + " UTC"
	}
	return s.Format(spanStamp) + " – " + u.Format(spanStamp) + " UTC"
}

// namedList writes "account 1234", "accounts a, b", or "5 accounts".
func namedList(noun string, names []string) string {
	switch n := len(names); {
	case n == 0:
		return ""
	case n == 1:
		return noun + " " + names[0]
	case n <= 3:
		s := slices.Clone(names)
		slices.Sort(s)
		return pluralWord(n, noun) + " " + strings.Join(s, ", ")
	default:
		return fmt.Sprintf("%d %s", n, pluralWord(n, noun))
	}
}

// describeSearched says what a source searched, from its report.
func describeSearched(r SourceReport) string {
	var head string
	var regions []string
	for _, rs := range r.Regions {
		if rs.Status == RegionSearched && rs.Region != "*" && !slices.Contains(regions, rs.Region) {
			regions = append(regions, rs.Region)
		}
	}
	switch r.Kind {
	case "cloudtrail-files", "cloudtrail-s3":
		head = Thousands(r.Files) + " " + pluralWord(r.Files, "file")
	case "alert-files":
		head = fmt.Sprintf("%s %s (%s %s)", Thousands(r.Files), pluralWord(r.Files, "alert file"), Thousands(int(r.Records)), pluralWord(int(r.Records), "record"))
	case "cloudtrail-lookup":
		head = fmt.Sprintf("LookupEvents in %s", Plural(len(regions), "region"))
		regions = nil // named by the count; the coverage section lists them
	case "cloudtrail-athena":
		head = "an Athena query"
		if r.Span.IsZero() {
			head += " over the whole table"
		}
		if r.BytesScanned > 0 {
			head += fmt.Sprintf(" (%.1f MB scanned)", float64(r.BytesScanned)/1e6)
		}
	case "elasticsearch":
		head = fmt.Sprintf("%s %s in Elasticsearch", Thousands(int(r.Records)), pluralWord(int(r.Records), "document"))
	case "securityhub", "guardduty":
		head = fmt.Sprintf("%s %s in %s", Thousands(int(r.Records)), pluralWord(int(r.Records), "finding"), Plural(len(regions), "region"))
		regions = nil
	default:
		head = fmt.Sprintf("%s %s in %s", Thousands(int(r.Records)), pluralWord(int(r.Records), "record"), r.Kind)
	}
	parts := []string{head}
	if s := SpanText(r.Span); s != "" {
		parts[0] += " covering " + s
	}
	if a := namedList("account", r.Accounts); a != "" {
		parts = append(parts, a)
	}
	reg := r.AWSRegions
	if len(reg) == 0 {
		reg = regions
	}
	if s := namedList("region", reg); s != "" {
		parts = append(parts, s)
	}
	// Files the key index skipped were searched through it: the negative says so.
	if s := r.Index.SkippedText(); s != "" {
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// AssessKind folds the completeness of the sources of one kind. noun names what was
// found ("event", "alert"), found how many, kindName the kind of source ("CloudTrail",
// "alert").
func AssessKind(reports []SourceReport, window Window, noun string, found int, kindName string) KindCompleteness {
	k := KindCompleteness{Found: found, Reasons: []string{}, Sources: []SourceCompleteness{}}
	if len(reports) == 0 {
		k.Status = SearchNotAsked
		k.Summary = fmt.Sprintf("%s not searched: no %s source", pluralWord(2, noun), kindName)
		return k
	}
	worst, best := 0, 3
	var searched []string
	for _, r := range reports {
		sc := AssessSource(r, window)
		k.Sources = append(k.Sources, sc)
		worst, best = max(worst, rankStatus(sc.Status)), min(best, rankStatus(sc.Status))
		for _, reason := range sc.Reasons {
			k.Reasons = append(k.Reasons, sc.Source+": "+reason)
		}
		if sc.Status != SearchFailed && sc.Status != SearchNothing {
			searched = append(searched, sc.Searched)
		}
	}
	switch {
	case worst == 0:
		k.Status = SearchComplete
	case best >= rankStatus(SearchNothing):
		// No source of the kind could be searched.
		k.Status = SearchNothing
		if best == rankStatus(SearchFailed) {
			k.Status = SearchFailed
		}
	default:
		k.Status = SearchPartial
	}
	what := strings.Join(searched, "; ")
	k.Searched = what
	switch k.Status {
	case SearchComplete:
		k.Summary = fmt.Sprintf("%s in %s", Plural(found, noun), what)
	case SearchPartial:
		k.Summary = fmt.Sprintf("%s in %s; PARTIAL: %s", Plural(found, noun), what, strings.Join(k.Reasons, "; "))
	case SearchNothing:
		k.Summary = fmt.Sprintf("NO %s SEARCHED: nothing to search: %s", strings.ToUpper(pluralWord(2, noun)), strings.Join(k.Reasons, "; "))
	case SearchFailed:
		k.Summary = fmt.Sprintf("NO %s SEARCHED: %s", strings.ToUpper(pluralWord(2, noun)), strings.Join(k.Reasons, "; "))
	}
	return k
}

// NoneIn phrases a negative with what was searched: "no session in 35 files covering
// ...", with the reasons when the search was partial; or, when nothing of the kind could
// be searched, the kind's summary ("NO EVENTS SEARCHED: ...", "alerts not searched: no
// alert source"), which is no negative at all.
func (k KindCompleteness) NoneIn(none string) string {
	switch k.Status {
	case SearchComplete:
		return none + " in " + k.Searched
	case SearchPartial:
		return none + " in " + k.Searched + "; PARTIAL: " + strings.Join(k.Reasons, "; ")
	}
	return k.Summary
}

// NewCompleteness folds the two kinds into one: the headline joins their summaries, and
// the status is the worst of the kinds asked for.
func NewCompleteness(events, alerts KindCompleteness) Completeness {
	c := Completeness{Events: events, Alerts: alerts, Status: SearchComplete}
	asked := 0
	for _, k := range []KindCompleteness{events, alerts} {
		if k.Status == SearchNotAsked {
			continue
		}
		asked++
		if rankStatus(k.Status) > rankStatus(c.Status) {
			c.Status = k.Status
		}
	}
	if asked == 0 {
		c.Status = SearchNotAsked
	}
	c.Headline = events.Summary + "; " + alerts.Summary
	return c
}

// PendingCompleteness is the completeness of a case still being built: every kind says
// what it found so far and that the search goes on, so that no face reads a snapshot's
// empty list as an answer.
func PendingCompleteness(events, alerts int) Completeness {
	kind := func(n int, noun string) KindCompleteness {
		return KindCompleteness{Status: SearchPending, Found: n, Summary: "still searching: " + Plural(n, noun) + " so far",
			Reasons: []string{}, Sources: []SourceCompleteness{}}
	}
	c := Completeness{Status: SearchPending, Events: kind(events, "event"), Alerts: kind(alerts, "alert")}
	c.Headline = fmt.Sprintf("still searching: %s and %s so far", Plural(events, "event"), Plural(alerts, "alert"))
	return c
}
