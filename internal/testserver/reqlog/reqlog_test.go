package reqlog

import (
	"strings"
	"sync"
	"testing"
)

func TestCountsEveryNameAndKeepsOrder(t *testing.T) {
	var l Log[int]
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() { l.Record(i, "op", "eu-west-1/op") })
	}
	wg.Wait()
	l.Record(100, "other")
	if l.Requests("op") != 100 || l.Requests("eu-west-1/op") != 100 || l.Requests("other") != 1 || l.Requests("none") != 0 {
		t.Fatalf("counts: op %d, regional %d, other %d", l.Requests("op"), l.Requests("eu-west-1/op"), l.Requests("other"))
	}
	log := l.RequestLog()
	if len(log) != 101 || log[100] != 100 {
		t.Fatalf("log of %d, last %v", len(log), log[len(log)-1])
	}
	log[0] = -1
	if l.RequestLog()[0] == -1 {
		t.Fatal("RequestLog must return a copy")
	}
	l.ResetCounters()
	if l.Requests("op") != 0 || len(l.RequestLog()) != 0 {
		t.Fatal("ResetCounters left something")
	}
}

// testFault is a fault named for the test, used uses times.
type testFault struct {
	name string
	uses int
}

func (f testFault) Uses() int { return f.uses }

func TestFaultsApplyInOrderForTheirTimes(t *testing.T) {
	var q Faults[testFault]
	q.InjectFault(testFault{"once", 0})
	q.InjectFault(testFault{"twice", 2})
	q.InjectFault(testFault{"forever", -1})
	any := func(*testFault) bool { return true }
	var got []string
	for range 5 {
		got = append(got, q.TakeFault(any).name)
	}
	if want := "once twice twice forever forever"; strings.Join(got, " ") != want {
		t.Fatalf("faults taken: %v, want %s", got, want)
	}
	if f := q.TakeFault(func(f *testFault) bool { return f.name == "once" }); f != nil {
		t.Fatalf("a used-up fault was taken again: %s", f.name)
	}
	q.ClearFaults()
	if f := q.TakeFault(any); f != nil {
		t.Fatalf("a fault survived ClearFaults: %s", f.name)
	}
}
