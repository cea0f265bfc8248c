package investigate

import (
	"fmt"
	"sync"
	"testing"
)

func TestProblemLogKeepsTheFirstAndCountsTheRest(t *testing.T) {
	var l ProblemLog
	var wg sync.WaitGroup
	for i := range 25 {
		wg.Go(func() { l.Add(fmt.Sprintf("doc %d", i), "bad") })
	}
	wg.Wait()
	var rep SourceReport
	l.Report(&rep, "index", "document", "alerts")
	if l.Count() != 25 || len(rep.Problems) != DefaultMaxProblems+1 || rep.Problems[DefaultMaxProblems].Message != "15 more documents could not be read as alerts" {
		t.Fatalf("count %d, problems %+v", l.Count(), rep.Problems)
	}
	// One more: the noun agrees with the count.
	var one ProblemLog
	for i := range DefaultMaxProblems + 1 {
		one.Add(fmt.Sprintf("doc %d", i), "bad")
	}
	var oneRep SourceReport
	one.Report(&oneRep, "index", "document", "alerts")
	if got := oneRep.Problems[len(oneRep.Problems)-1].Message; got != "1 more document could not be read as alerts" {
		t.Fatalf("one more: %q", got)
	}
	var none ProblemLog
	var empty SourceReport
	none.Report(&empty, "x", "y", "z")
	if len(empty.Problems) != 0 {
		t.Fatalf("an empty log reported %+v", empty.Problems)
	}
}
