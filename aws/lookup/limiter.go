package lookup

import (
	"sync"

	"golang.org/x/time/rate"
)

// Rate is LookupEvents' documented limit: 2 requests per second per account and region.
const Rate rate.Limit = 2

// Limiters hands out one token bucket per (account, region). Every lookup of the process
// takes its tokens from the same bucket, so that concurrent lookups (the case key, its
// sessions, a second case in the workbench) together stay under the account's limit.
type Limiters struct {
	rate  rate.Limit
	burst int

	mu sync.Mutex
	m  map[[2]string]*rate.Limiter
}

// NewLimiters makes buckets of r requests per second and the given burst.
func NewLimiters(r rate.Limit, burst int) *Limiters {
	if burst < 1 {
		burst = 1
	}
	return &Limiters{rate: r, burst: burst, m: map[[2]string]*rate.Limiter{}}
}

// Shared is the process's limiters: 2 requests per second, no burst beyond one request,
// since AWS documents the rate and not the bucket.
var Shared = NewLimiters(Rate, 1)

// For is the limiter of account's region.
func (l *Limiters) For(account, region string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := [2]string{account, region}
	lim := l.m[k]
	if lim == nil {
		lim = rate.NewLimiter(l.rate, l.burst)
		l.m[k] = lim
	}
	return lim
}
