// Package reqlog is the bookkeeping the Go test servers share, apart from HTTP (which is
// httpkit's): requests counted by endpoint (or any name the server picks) and kept in
// order for tests to assert on, and the faults tests inject.
//
// It imports only the standard library.
package reqlog

import "sync"

// Log counts and keeps the requests a server received. Servers embed it (through
// httpkit.Plumbing), which gives them Requests, RequestLog and ResetCounters. The zero
// Log is ready to use and safe for concurrent use.
type Log[R any] struct {
	mu       sync.Mutex
	counts   map[string]int
	requests []R
}

// Record counts r under every name in names and keeps it.
func (l *Log[R]) Record(r R, names ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[string]int{}
	}
	for _, n := range names {
		l.counts[n]++
	}
	l.requests = append(l.requests, r)
}

// Requests returns how many requests were counted under name (rejected and faulted ones
// included).
func (l *Log[R]) Requests(name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counts[name]
}

// RequestLog returns every request received so far, in order.
func (l *Log[R]) RequestLog() []R {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]R(nil), l.requests...)
}

// ResetCounters clears the counters and the log.
func (l *Log[R]) ResetCounters() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts = nil
	l.requests = nil
}
