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

func TestFaultsApplyInOrderForTheirTimes(t *testing.T) {
	var q Faults[string]
	q.Add("once", 0)
	q.Add("twice", 2)
	q.Add("forever", -1)
	any := func(*string) bool { return true }
	var got []string
	for range 5 {
		got = append(got, *q.Take(any))
	}
	if want := "once twice twice forever forever"; strings.Join(got, " ") != want {
		t.Fatalf("faults taken: %v, want %s", got, want)
	}
	if f := q.Take(func(f *string) bool { return *f == "once" }); f != nil {
		t.Fatalf("a used-up fault was taken again: %s", *f)
	}
	q.Clear()
	if f := q.Take(any); f != nil {
		t.Fatalf("a fault survived Clear: %s", *f)
	}
}
