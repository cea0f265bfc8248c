package investigate

import (
	"fmt"
	"sync"
)

// DefaultMaxProblems is how many bad records a source reports one by one by default.
const DefaultMaxProblems = 10

// ProblemLog gathers a source's unreadable records: the first Max one by one, then a
// count of the others, so that a million bad documents report ten and a total instead of
// flooding the coverage or vanishing. The zero value is ready to use and safe for
// concurrent use (regions or pages read at once).
type ProblemLog struct {
	// Max bounds the problems kept one by one (DefaultMaxProblems when 0).
	Max int

	mu       sync.Mutex
	problems []Problem
	n        int
}

// Add records one unreadable record.
func (l *ProblemLog) Add(where, message string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	if l.n <= l.max() {
		l.problems = append(l.problems, Problem{Where: where, Message: message})
	}
}

// Count is how many records were added.
func (l *ProblemLog) Count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// Report appends the problems to rep, and one problem at where counting the others
// ("N more <records> could not be read as <what>"); record is the noun of one record
// ("document"), made plural as the count needs.
func (l *ProblemLog) Report(rep *SourceReport, where, record, what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rep.Problems = append(rep.Problems, l.problems...)
	if more := l.n - l.max(); more > 0 {
		msg := fmt.Sprintf("%s more %s could not be read as %s", Thousands(more), pluralWord(more, record), what)
		rep.Problems = append(rep.Problems, Problem{Where: where, Message: msg})
	}
}

func (l *ProblemLog) max() int {
	if l.Max > 0 {
		return l.Max
	}
	return DefaultMaxProblems
}
