package fanout

import (
	"encoding/json"

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
// alerts that answer a query.
type Findings[F, P any] struct {
	Query investigate.AlertQuery
	// ID is a finding's id, which names it in problems.
	ID func(F) string
	// LeftOut rules a finding out before it is mapped, on the service's own fields (an
	// archived record); nil rules out none.
	LeftOut func(F) bool
	// Map maps a finding, as the JSON document of the service's API, to an alert
	// (alertdoc.MapGuardDuty, alertdoc.MapASFF).
	Map   func(doc map[string]any) (investigate.Alert, []P, error)
	Skips Skips[P]
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
