package reqlog

import "sync"

// Fault is what Faults needs of a server's fault type: how many matching requests the
// fault applies to (0 means once, -1 until ClearFaults).
type Fault interface{ Uses() int }

// Faults is a test server's list of injected faults, F being the server's own fault
// type. Servers embed it (through httpkit.Plumbing), which gives them InjectFault and
// ClearFaults. A fault applies to the requests it matches, in the order the faults were
// added, for its number of uses. The zero Faults is ready to use and safe for concurrent
// use.
type Faults[F Fault] struct {
	mu   sync.Mutex
	list []*pending[F]
}

type pending[F any] struct {
	fault F
	uses  int
}

// InjectFault adds a fault; faults apply in the order they were added.
func (q *Faults[F]) InjectFault(f F) {
	q.mu.Lock()
	defer q.mu.Unlock()
	uses := f.Uses()
	if uses == 0 {
		uses = 1
	}
	q.list = append(q.list, &pending[F]{fault: f, uses: uses})
}

// ClearFaults removes every fault.
func (q *Faults[F]) ClearFaults() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.list = nil
}

// TakeFault returns the first fault that match accepts and counts one use of it (a
// fault used up is removed), or nil when none matches.
func (q *Faults[F]) TakeFault(match func(*F) bool) *F {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, p := range q.list {
		if !match(&p.fault) {
			continue
		}
		f := p.fault
		if p.uses > 0 {
			p.uses--
			if p.uses == 0 {
				q.list = append(q.list[:i], q.list[i+1:]...)
			}
		}
		return &f
	}
	return nil
}
