package alertdoc

import (
	"fmt"
	"sync"

	"github.com/keypivot/keypivot/investigate"
)

// Skips gathers, across the regions a findings source searches at once, the findings it
// did not keep for a reason the analyst must hear: unreadable findings (the first ones
// one by one, then a count) and the count of findings that name no access key. The
// zero value is usable; fill the names for the report.
type Skips struct {
	Where string // the source, for the count of unreadable findings ("guardduty")
	What  string // what the findings could not be read as ("GuardDuty findings")
	NoKey string // why a finding names no key ("resource.accessKeyDetails.accessKeyId is empty")

	bad   investigate.ProblemLog
	mu    sync.Mutex
	noKey int
}

// Unreadable records a finding that could not be mapped.
func (s *Skips) Unreadable(where string, err error) {
	s.bad.Add(where, "unreadable finding: "+err.Error())
}

// FieldProblems records the fields of a finding that were of the wrong type: the
// finding was kept without them.
func (s *Skips) FieldProblems(where string, probs []FieldProblem) {
	for _, p := range probs {
		s.bad.Add(where, p.String()+": ignored, the finding is kept without it")
	}
}

// NoAccessKey counts a finding that names no access key.
func (s *Skips) NoAccessKey() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noKey++
}

// Report adds what was skipped to rep.
func (s *Skips) Report(rep *investigate.SourceReport) {
	s.bad.Report(rep, s.Where, "findings", s.What)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noKey > 0 {
		n := investigate.Plural(s.noKey, "finding") + " name"
		if s.noKey == 1 {
			n += "s"
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s no access key (%s): skipped", n, s.NoKey))
	}
}
