package files

import (
	"maps"
	"slices"
	"sync"
)

// SkipTally counts the inputs a listing leaves out, by reason, with the least path (or
// key) of each as the example, whatever order the listing's workers visit in. It is safe
// for concurrent use.
type SkipTally struct {
	mu      sync.Mutex
	count   map[string]int
	example map[string]string
}

// Add counts n inputs left out for reason.
func (t *SkipTally) Add(reason string, n int, example string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.count == nil {
		t.count, t.example = map[string]int{}, map[string]string{}
	}
	t.count[reason] += n
	if e, ok := t.example[reason]; !ok || example < e {
		t.example[reason] = example
	}
}

// SkipReport is what a tally is added to (investigate.SourceReport).
type SkipReport interface {
	AddSkip(reason string, n int, example string)
}

// Into adds the tally to r: the reasons in order first, in that order, then any others
// by name.
func (t *SkipTally) Into(r SkipReport, order []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, reason := range order {
		if n := t.count[reason]; n > 0 {
			r.AddSkip(reason, n, t.example[reason])
		}
	}
	for _, reason := range slices.Sorted(maps.Keys(t.count)) {
		if !slices.Contains(order, reason) && t.count[reason] > 0 {
			r.AddSkip(reason, t.count[reason], t.example[reason])
		}
	}
}
