package fanout

import (
	"encoding/json"
	"slices"

	"github.com/keypivot/keypivot/investigate"
)

// Skips records the findings read that became no alert, and adds them to the report
// when the search is done. alertdoc.Skips is one, P its mappers' field problem.
type Skips[P any] interface {
	// FieldProblems records the fields of the wrong type a kept finding was read without.
	FieldProblems(where string, probs []P)
	// Unreadable records a finding that could not be mapped: a problem to report.
	Unreadable(where string, err error)
	// NoAccessKey counts a finding that names no access key: not about a key.
	NoAccessKey()
	Reporter
}

// Findings is how the findings of a service (F, as its SDK reads them) become the
// alerts that answer a query. A service is read twice: by key (KeyPage), then for the
// attack sequences, which name their keys where no key filter reaches (SequencePage),
// each finding in one of the two readings only.
type Findings[F, P any] struct {
	Query investigate.AlertQuery
	// ID is a finding's id, which names it in problems.
	ID func(F) string
	// LeftOut rules a finding out before it is mapped, on the service's own fields (an
	// archived record); nil rules out none.
	LeftOut func(F) bool
	// Map maps a finding, as the JSON document of the service's API, to an alert
	// (alertdoc.MapGuardDuty, alertdoc.MapASFF). An attack sequence it maps is then
	// filed under the first of the query's keys its actors used
	// (investigate.AlertQuery.KeySequence), so that a sequence of several keys answers
	// for the one asked.
	Map   func(doc map[string]any) (investigate.Alert, []P, error)
	Skips Skips[P]
	// IsSequence reports whether a finding is one the attack-sequence reading selects:
	// KeyPage leaves such findings to SequencePage, which keeps only them. KeyPage and
	// SequencePage need it.
	IsSequence func(F) bool
	// Sequences counts what SequencePage read and kept, across the regions searched at
	// once, for the report's note. SequencePage needs it.
	Sequences *investigate.SequenceListing
}

// Report adds to rep the findings that became no alert.
func (fs Findings[F, P]) Report(rep *investigate.SourceReport) { fs.Skips.Report(rep) }

// Page maps a page of findings read in region r at origin ("guardduty us-east-1
// detector d1") and sends on, as one batch, the alerts among them that answer the
// query. A finding that cannot be mapped is a problem named by origin and its id, one
// that names no access key is counted, and one of another key or outside the window is
// left out: none is dropped unsaid.
func (fs Findings[F, P]) Page(r *Region, origin string, page []F) {
	r.Read += int64(len(page))
	batch := make([]investigate.Alert, 0, len(page))
	for _, f := range page {
		if a, ok := fs.keep(f, origin); ok {
			batch = append(batch, a)
		}
	}
	r.send(batch)
}

// KeyPage is Page for a page of the reading by key: the attack sequences among its
// findings are dropped, unread and uncounted, since SequencePage reads them, should an
// endpoint return more than the key filters select.
func (fs Findings[F, P]) KeyPage(r *Region, origin string, page []F) {
	fs.Page(r, origin, slices.DeleteFunc(page, fs.IsSequence))
}

// SequencePage is Page for a page of the attack-sequence reading: only the attack
// sequences among its findings are read, and what was read and kept is counted in
// Sequences.
func (fs Findings[F, P]) SequencePage(r *Region, origin string, page []F) {
	page = slices.DeleteFunc(page, func(f F) bool { return !fs.IsSequence(f) })
	kept := r.Status.Events
	fs.Page(r, origin, page)
	fs.Sequences.Add(len(page), r.Status.Events-kept)
}

// keep is the alert of one finding, when it answers the query.
func (fs Findings[F, P]) keep(f F, origin string) (investigate.Alert, bool) {
	if fs.LeftOut != nil && fs.LeftOut(f) {
		return investigate.Alert{}, false
	}
	where := origin + " finding " + fs.ID(f)
	doc, raw, err := document(f)
	if err != nil {
		fs.Skips.Unreadable(where, err)
		return investigate.Alert{}, false
	}
	a, probs, err := fs.Map(doc)
	if err == nil {
		fs.Query.KeySequence(&a)
	}
	fs.Skips.FieldProblems(where, probs)
	switch {
	case err != nil:
		fs.Skips.Unreadable(where, err)
	case a.AccessKeyID == "":
		fs.Skips.NoAccessKey()
	case fs.Query.Matches(&a):
		if fs.Query.KeepsRaw() {
			a.Raw, a.RawSize = investigate.KeepRaw(raw)
		}
		a.Origin = origin
		return a, true
	}
	return investigate.Alert{}, false
}

// document is an SDK finding as the JSON document alertdoc reads (the SDK's field names
// are the service's), decoded, and as JSON text, the finding's raw document.
func document(f any) (map[string]any, []byte, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return nil, nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, nil, err
	}
	return doc, b, nil
}
