package investigate

import (
	"slices"
	"strings"
	"time"
)

// An attack pattern is a set of calls that mean more together than apart: LLM-jacking
// (Bedrock discovery, model access, invocations), SES abuse, console access through a
// federation token or a login profile, MFA device changes, S3 object access. Each
// pattern raises its own findings, with counts and the event ids they rest on, and owns
// its actions: their events raise no finding of their own and are not summarised as
// discovery.

// pattern is one attack pattern.
type pattern struct {
	// owns reports whether an event's call is the pattern's.
	owns func(e *Event) bool
	// find raises the pattern's findings from what the case read (patternInput).
	find func(in *patternInput) []Finding
}

// patternInput is what the patterns raise their findings from: the case's own events
// (the key, its sessions and child keys); for what carries no key (console sign-ins),
// all the events read; the key's owner; and the ways to the console the key opened
// (consoleChains), found once for the patterns and the findings of single calls.
type patternInput struct {
	own, all []*Event
	self     *Owner
	chains   []consoleChain
}

var patterns = []pattern{
	{ownsBedrock, perSigner(ownsBedrock, bedrockFinding)},
	{ownsSES, perSigner(ownsSES, sesFinding)},
	{ownsMFA, perSigner(ownsMFA, mfaFinding)},
	{ownsS3Data, s3DataFindings},
	{ownsSignin, consoleFindings},
}

// patternOwns reports whether a pattern owns e's call.
func patternOwns(e *Event) bool {
	for _, p := range patterns {
		if p.owns(e) {
			return true
		}
	}
	return false
}

// patternFindings raises the findings of every pattern.
func patternFindings(in *patternInput) []Finding {
	var out []Finding
	for _, p := range patterns {
		out = append(out, p.find(in)...)
	}
	return out
}

// maxFindingEvents bounds the event ids one finding lists (as mergeRepeats does).
const maxFindingEvents = 50

// tally counts the calls of one part of a pattern.
type tally struct {
	calls, failed int
	codes         []string // error codes, each once
	actions       []string // event names, each once
	ids           []string // at most maxFindingEvents
	regions       []string
	first         time.Time
}

func (t *tally) add(e *Event) {
	t.calls++
	if e.Failed() {
		t.failed++
		t.codes = appendUnique(t.codes, e.ErrorCode)
	}
	t.actions = appendUnique(t.actions, e.Name)
	if len(t.ids) < maxFindingEvents {
		t.ids = append(t.ids, e.ID)
	}
	if e.Region != "" {
		t.regions = appendUnique(t.regions, e.Region)
	}
	if t.first.IsZero() || e.Time.Before(t.first) {
		t.first = e.Time
	}
}

// ok counts the calls that succeeded.
func (t *tally) ok() int { return t.calls - t.failed }

// failedText says how many failed and with which codes: "3 failed (AccessDeniedException)".
func (t *tally) failedText() string {
	if t.failed == 0 {
		return ""
	}
	return Thousands(t.failed) + " failed (" + strings.Join(t.codes, ", ") + ")"
}

// failedParts says, for each tally with failed calls, its actions and how many failed:
// "InvokeModel: 3 failed (AccessDeniedException)".
func failedParts(parts ...*tally) []string {
	var out []string
	for _, t := range parts {
		if s := t.failedText(); s != "" {
			out = append(out, strings.Join(t.actions, "/")+": "+s)
		}
	}
	return out
}

// merge folds the tallies of a pattern's parts into the event ids, regions and first
// time of its finding.
func merge(f *Finding, parts ...*tally) {
	for _, t := range parts {
		if t.calls == 0 {
			continue
		}
		for _, id := range t.ids {
			if len(f.EventIDs) < maxFindingEvents {
				f.EventIDs = append(f.EventIDs, id)
			}
		}
		for _, r := range t.regions {
			if !slices.Contains(strings.Split(f.Region, ", "), r) {
				if f.Region != "" {
					f.Region += ", "
				}
				f.Region += r
			}
		}
		if f.Time.IsZero() || t.first.Before(f.Time) {
			f.Time = t.first
		}
	}
}

// ownsNames is the owns of a pattern made of names of one service's calls.
func ownsNames[V any](svc string, names map[string]V) func(e *Event) bool {
	return func(e *Event) bool {
		_, ok := names[e.Name]
		return ok && e.Service() == svc
	}
}

// perSigner raises one finding (by finding) per key that signed calls the pattern owns.
func perSigner(owns func(*Event) bool, finding func(signer string, events []*Event) Finding) func(in *patternInput) []Finding {
	return func(in *patternInput) []Finding {
		order, groups := bySigner(in.own, owns)
		var out []Finding
		for _, signer := range order {
			out = append(out, finding(signer, groups[signer]))
		}
		return out
	}
}

// bySigner groups events by the key that signed them, in order of first appearance.
func bySigner(events []*Event, keep func(*Event) bool) (order []string, groups map[string][]*Event) {
	groups = map[string][]*Event{}
	for _, e := range events {
		if !keep(e) {
			continue
		}
		s := e.Signer()
		if _, ok := groups[s]; !ok {
			order = append(order, s)
		}
		groups[s] = append(groups[s], e)
	}
	return order, groups
}

// Where patterns read a record's parts: one place, should the Event's layout change.
func requestOf(e *Event) object  { return decodeObject(e.Request()) }
func responseOf(e *Event) object { return decodeObject(e.Response()) }

// additionalOf is the record's additionalEventData (MFAUsed, a model invocation's
// tokens), held with the event however its record is kept.
func additionalOf(e *Event) object { return decodeObject(e.AdditionalEventData()) }

// listShort joins at most n values, then says how many more.
func listShort(vals []string, n int) string {
	if len(vals) <= n {
		return strings.Join(vals, ", ")
	}
	return strings.Join(vals[:n], ", ") + " and " + Thousands(len(vals)-n) + " more"
}

// joinParts joins the non-empty parts of a detail with "; ".
func joinParts(parts ...string) string {
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), "; ")
}
