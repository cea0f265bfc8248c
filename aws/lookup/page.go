package lookup

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/keypivot/keypivot/aws/fanout"
	"github.com/keypivot/keypivot/investigate"
)

// RetryPolicy says how a page is asked for again. The SDK's own retryer is off for
// LookupEvents: it gives up after three attempts and would retry outside the rate limiter.
// Here every attempt waits for a token, and the same page (same parameters, same
// NextToken) is asked for again.
type RetryPolicy struct {
	// Throttles is how many ThrottlingExceptions one page may meet before the region is
	// reported throttled.
	Throttles int
	// Errors is how many transient errors (5xx, connection resets) one page may meet
	// before the region is reported failed.
	Errors int
	// Base and Max bound the exponential back-off between attempts (full jitter).
	Base, Max time.Duration
	// Timeout bounds one attempt, so that a region that never answers is retried, then
	// reported failed, instead of holding the case (0: no bound).
	Timeout time.Duration
}

// DefaultRetry rides out about a minute of sustained throttling per page.
var DefaultRetry = RetryPolicy{Throttles: 12, Errors: 4, Base: 250 * time.Millisecond, Max: 8 * time.Second, Timeout: 30 * time.Second}

func (p RetryPolicy) orDefault() RetryPolicy {
	if p == (RetryPolicy{}) {
		return DefaultRetry
	}
	return p
}

func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := p.Base << min(attempt, 20)
	if d <= 0 || d > p.Max {
		d = p.Max
	}
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// ErrThrottled is returned when a page stayed throttled through the whole retry budget,
// with AWS's last throttling error.
var ErrThrottled = errors.New("still throttled after every retry")

var retryables = retry.IsErrorRetryables(retry.DefaultRetryables)

// result is what one task (a key in a region) found.
type result struct {
	status    string
	why       string // what err means for the region (fanout.Classify)
	events    int
	records   int
	pages     int
	retries   int
	truncated bool
	err       error
	problems  []investigate.Problem
}

// run performs the tasks: at most PerRegion at a time per (account, region) and
// Concurrency in all, us-east-1 first.
func (s *Source) run(ctx context.Context, tasks []task, from, to time.Time, sink func([]investigate.Event)) []result {
	results := make([]result, len(tasks))
	per := s.PerRegion
	if per <= 0 {
		per = 2
	}
	total := s.Concurrency
	if total <= 0 {
		total = 64
	}
	global := make(chan struct{}, total)
	groups := map[[2]string][]int{}
	var order [][2]string
	for i, t := range tasks {
		k := [2]string{t.account, t.region}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	var wg sync.WaitGroup
	for _, k := range order {
		queue := make(chan int, len(groups[k]))
		for _, i := range groups[k] {
			queue <- i
		}
		close(queue)
		for range min(per, len(groups[k])) {
			wg.Go(func() {
				for i := range queue {
					select {
					case global <- struct{}{}:
					case <-ctx.Done():
						results[i].fail(ctx, ctx.Err())
						continue
					}
					results[i] = s.search(ctx, tasks[i], from, to, sink)
					<-global
				}
			})
		}
	}
	wg.Wait()
	return results
}

// fail records err, which ended the task, and what it means for the region: skipped,
// throttled or failed, as fanout.Classify says.
func (r *result) fail(ctx context.Context, err error) {
	r.err = err
	r.status, r.why = fanout.Classify(ctx, err)
}

// search pages one key's events in one region, streaming each page to sink.
func (s *Source) search(ctx context.Context, t task, from, to time.Time, sink func([]investigate.Event)) result {
	var r result
	c := s.client(t)
	lim := s.limiters().For(t.account, t.region)
	maxPages := s.MaxPages
	if maxPages <= 0 {
		maxPages = DefaultMaxPages
	}
	attr := types.LookupAttribute{AttributeKey: types.LookupAttributeKeyAccessKeyId, AttributeValue: aws.String(t.key)}
	if t.key == "" {
		attr = types.LookupAttribute{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String(t.eventName)}
		maxPages = t.maxPages(maxPages)
	}
	in := &cloudtrail.LookupEventsInput{
		LookupAttributes: []types.LookupAttribute{attr},
		StartTime:        aws.Time(from),
		EndTime:          aws.Time(to),
		MaxResults:       aws.Int32(PageSize),
	}
	policy := s.Retry.orDefault()
	origin := "lookup " + t.region
	if t.account != s.Session.Identity.Account {
		origin = "lookup " + t.account + " " + t.region
	}
	for {
		out, retries, err := page(ctx, c, lim, in, policy)
		r.retries += retries
		if err != nil {
			r.fail(ctx, err)
			return r
		}
		r.pages++
		r.records += len(out.Events)
		batch := make([]investigate.Event, 0, len(out.Events))
		for _, e := range out.Events {
			raw := aws.ToString(e.CloudTrailEvent)
			ev, err := investigate.DecodeRecord([]byte(raw))
			if err != nil {
				r.problems = append(r.problems, investigate.Problem{Where: fmt.Sprintf("%s event %s", origin, aws.ToString(e.EventId)), Message: err.Error()})
				continue
			}
			ev.Origin = investigate.OriginAt(origin)
			if t.key == "" && !t.keeps(&ev) {
				continue
			}
			batch = append(batch, ev)
		}
		r.events += len(batch)
		if len(batch) > 0 {
			sink(batch)
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		if r.pages >= maxPages {
			r.truncated = true
			break
		}
		// The next page: the same parameters, with the token.
		in.NextToken = out.NextToken
	}
	r.status = investigate.RegionSearched
	return r
}

// page asks for one page, waiting for a token before every attempt and retrying
// throttling and transient errors with back-off. It returns how many retries it made.
func page(ctx context.Context, c *cloudtrail.Client, lim interface{ Wait(context.Context) error }, in *cloudtrail.LookupEventsInput, p RetryPolicy) (*cloudtrail.LookupEventsOutput, int, error) {
	var throttled, failed, retries int
	for {
		if err := lim.Wait(ctx); err != nil {
			return nil, retries, err
		}
		actx, cancel := ctx, context.CancelFunc(func() {})
		if p.Timeout > 0 {
			actx, cancel = context.WithTimeout(ctx, p.Timeout)
		}
		out, err := c.LookupEvents(actx, in)
		timedOut := err != nil && actx.Err() != nil
		cancel()
		if err == nil {
			return out, retries, nil
		}
		if ctx.Err() != nil {
			return nil, retries, ctx.Err()
		}
		var wait time.Duration
		switch {
		case timedOut:
			failed++
			if failed > p.Errors {
				return nil, retries, fmt.Errorf("no answer within %v, %s", p.Timeout, investigate.Plural(failed, "time"))
			}
			wait = p.backoff(failed - 1)
		case fanout.Throttled(err):
			throttled++
			if throttled > p.Throttles {
				return nil, retries, fmt.Errorf("%w (%s): %w", ErrThrottled, investigate.Plural(throttled, "attempt"), err)
			}
			wait = p.backoff(throttled - 1)
		case retryables.IsErrorRetryable(err) == aws.TrueTernary:
			failed++
			if failed > p.Errors {
				return nil, retries, err
			}
			wait = p.backoff(failed - 1)
		default:
			return nil, retries, err
		}
		retries++
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, retries, ctx.Err()
		}
	}
}

// launchedWith reports whether a RunInstances event launched with one of the key names.
func launchedWith(e *investigate.Event, names []string) bool {
	l, ok := investigate.LaunchFrom(e)
	return ok && l.KeyName != "" && slices.Contains(names, l.KeyName)
}

func (s *Source) limiters() *Limiters {
	if s.Limiters != nil {
		return s.Limiters
	}
	return Shared
}

// client is the CloudTrail client of the task's account and region, with the SDK's
// retries off (page retries).
func (s *Source) client(t task) *cloudtrail.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{t.account, t.region}
	if c := s.clients[k]; c != nil {
		return c
	}
	if s.clients == nil {
		s.clients = map[[2]string]*cloudtrail.Client{}
	}
	opts := append([]func(*cloudtrail.Options){func(o *cloudtrail.Options) { o.Retryer = aws.NopRetryer{} }}, s.CloudTrailOptions...)
	c := cloudtrail.NewFromConfig(t.sess.ForRegion(t.region), opts...)
	s.clients[k] = c
	return c
}
