package httpkit

import "github.com/keypivot/keypivot/internal/testserver/reqlog"

// Plumbing is what a test server with a request log and injected faults embeds: its
// loopback listener (set it with Listen in the server's constructor), the log of
// requests R it received and its queue of faults F. Embedding it gives the server URL,
// Close, Requests, RequestLog, ResetCounters, InjectFault and ClearFaults.
type Plumbing[R any, F reqlog.Fault] struct {
	*Server
	reqlog.Log[R]
	reqlog.Faults[F]
}
