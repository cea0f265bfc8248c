package reqlog

import (
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
