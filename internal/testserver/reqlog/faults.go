package reqlog

import "sync"

// Faults is a test server's list of injected faults, F being the server's own fault type.
// A fault applies to the requests it matches, in the order the faults were added, for
// its number of times (0 means once, -1 until Clear). Safe for concurrent use.
type Faults[F any] struct {
	mu   sync.Mutex
	list []*pending[F]
}

type pending[F any] struct {
	fault F
	times int
}

// Add queues f for times matching requests (0: once; -1: until Clear).
func (q *Faults[F]) Add(f F, times int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if times == 0 {
		times = 1
	}
	q.list = append(q.list, &pending[F]{fault: f, times: times})
}

// Clear removes every fault.
func (q *Faults[F]) Clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.list = nil
}

// Take returns the first fault that match accepts and counts one use of it (a fault
// used up is removed), or nil when none matches.
func (q *Faults[F]) Take(match func(*F) bool) *F {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, p := range q.list {
		if !match(&p.fault) {
			continue
		}
		f := p.fault
		if p.times > 0 {
			p.times--
			if p.times == 0 {
				q.list = append(q.list[:i], q.list[i+1:]...)
			}
		}
		return &f
	}
	return nil
}
