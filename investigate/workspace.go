package investigate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// OwnerLookup resolves a key's owner live (sts:GetAccessKeyInfo, iam:GetAccessKeyLastUsed,
// iam:ListAccessKeys).
type OwnerLookup interface {
	LookupOwner(ctx context.Context, key string) (OwnerInfo, error)
}

// LiveLookup reads the live state of a case's EC2 follow-ups (DescribeKeyPairs,
// DescribeInstances).
type LiveLookup interface {
	LookupFollowUps(ctx context.Context, f FollowUps) (LiveState, error)
}

// ArtifactLookup reads the live state of a case's artifacts (IAM users, login profiles,
// policies, keys, trust policies; Lambda functions; EC2 key pairs): whether each is still
// in place. An artifact it could not read carries an Error; one it was not asked about
// is absent from the map.
type ArtifactLookup interface {
	LookupArtifacts(ctx context.Context, artifacts []Artifact) (map[string]ArtifactLive, error)
}

// Ranking is the output of key correlation (`keypivot keys`, the TUI's first screen).
type Ranking struct {
	SchemaVersion int              `json:"schema_version"`
	Window        Window           `json:"window"`
	Demo          bool             `json:"demo,omitempty"`
	Keys          []KeySummary     `json:"keys"`
	Stats         CorrelationStats `json:"stats"`
	Unmapped      []string         `json:"unmapped_higher_order"`
	Sources       []SourceReport   `json:"sources"`
	// Completeness says whether every alert source was searched: "no correlated key"
	// is an answer only with it.
	Completeness Completeness `json:"completeness"`
}

// Workspace is the engine behind both faces: where alerts and events come from and how
// to correlate them.
type Workspace struct {
	Alerts      []AlertSource
	Trails      []EventSource
	Owner       OwnerLookup
	Live        LiveLookup
	Artifacts   ArtifactLookup
	Correlation CorrelationOptions
	Window      Window
	Demo        bool
	// Now is the clock (tests and the demo fix it).
	Now func() time.Time
	// Describe names the sources and the AWS profile/region in use, for headers.
	Describe string
	// Networks are where the networks of a case's addresses are learned, besides its
	// alerts (network.go).
	Networks NetworkOptions
}

// CurrentTime is the workspace's clock: the demo's fixed "now", or the real time.
func (w *Workspace) CurrentTime() time.Time { return w.now() }

func (w *Workspace) now() time.Time {
	if w.Now != nil {
		return w.Now().UTC()
	}
	return time.Now().UTC()
}

// Rank reads every alert source and ranks correlated keys. With firstSeenOnly, keys that
// are only first-seen are listed too.
func (w *Workspace) Rank(ctx context.Context, firstSeenOnly bool) (*Ranking, error) {
	opts := w.Correlation
	opts.Window = w.Window
	cor := NewCorrelator(opts)
	reports, errs := readAlertSources(ctx, w.Alerts, AlertQuery{Window: w.Window}, cor.Add, nil)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := cor.Result(firstSeenOnly)
	w.fillKeyStatus(ctx, res.Keys)
	rk := &Ranking{SchemaVersion: SchemaVersion, Window: w.Window, Demo: w.Demo, Keys: res.Keys, Stats: res.Stats, Unmapped: res.UnmappedHigherOrder, Sources: reports}
	emptyIfNil(&rk.Keys)
	emptyIfNil(&rk.Unmapped)
	alerts := AssessKind(reports, w.Window, "alert", rk.Stats.Alerts, "alert")
	rk.Completeness = NewCompleteness(KindCompleteness{Status: SearchNotAsked, Summary: "events not searched (ranking reads alerts only)", Reasons: []string{}, Sources: []SourceCompleteness{}}, alerts)
	rk.Completeness.Headline = alerts.Summary
	if alerts.Status == SearchComplete || alerts.Status == SearchPartial {
		// First-seen-only keys (keys -a) are listed, not correlated: they are not counted.
		correlated := 0
		for _, k := range rk.Keys {
			if k.Correlated {
				correlated++
			}
		}
		rk.Completeness.Headline = fmt.Sprintf("%s correlated with elevated alerts: %s", Plural(correlated, "key"), alerts.Summary)
	}
	if len(errs) == len(w.Alerts) && len(errs) > 0 {
		return rk, errs[0]
	}
	return rk, nil
}

// readAlertSources asks every alert source for q at once and returns each source's
// report, in the order of sources. sink receives the alerts as they stream in, and
// answered (when set) each source's report as soon as that source has answered; no two
// of these calls run at once. A source that failed still has its report: it names the
// source and carries the error as a problem and as Failed; errs lists those errors,
// named by source, in the order they came.
func readAlertSources(ctx context.Context, sources []AlertSource, q AlertQuery, sink func([]Alert), answered func(i int, r SourceReport)) (reports []SourceReport, errs []error) {
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	reports = make([]SourceReport, len(sources))
	for i, src := range sources {
		wg.Go(func() {
			r, err := src.Alerts(ctx, q, func(b []Alert) {
				mu.Lock()
				defer mu.Unlock()
				sink(b)
			})
			mu.Lock()
			defer mu.Unlock()
			if r.Source == "" {
				r.Source = src.Name()
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", src.Name(), err))
				r.Fail(src.Name(), err)
			}
			reports[i] = r
			if answered != nil {
				answered(i, r)
			}
		})
	}
	wg.Wait()
	return reports, errs
}

// fillKeyStatus asks the owner lookup, when there is one, for each ranked key's status
// and last use, a few keys at a time.
func (w *Workspace) fillKeyStatus(ctx context.Context, keys []KeySummary) {
	if w.Owner == nil {
		return
	}
	var g errgroup.Group
	g.SetLimit(4)
	for i := range keys {
		g.Go(func() error {
			info, err := w.Owner.LookupOwner(ctx, keys[i].Key.String())
			if err != nil {
				return nil // the case shows the lookup's error; the ranking stays usable
			}
			keys[i].Status, keys[i].LastUsed = info.Status, info.LastUsed
			if keys[i].User == "" {
				keys[i].User = info.User
			}
			if keys[i].Account == "" {
				keys[i].Account = info.Account
			}
			return nil
		})
	}
	_ = g.Wait()
}

// CaseUpdate is a snapshot of a case being built, sent while sources stream in.
type CaseUpdate struct {
	Case     *Case
	Progress Progress
	Done     bool
}

// Investigate builds the case for key from every source. onUpdate, when set, receives
// case snapshots as events stream in (at most every interval) and the final case. It
// returns the final case; errors of single sources are in the case's coverage.
func (w *Workspace) Investigate(ctx context.Context, keyID AccessKeyID, interval time.Duration, onUpdate func(CaseUpdate)) (*Case, error) {
	if keyID.IsZero() {
		return nil, errors.New("no access key id to investigate")
	}
	key := keyID.String()
	if interval <= 0 {
		interval = 250 * time.Millisecond
	}
	var (
		mu           sync.Mutex
		alerts       []Alert
		alertReports = make([]SourceReport, len(w.Alerts))
		owner        *OwnerInfo
		artLive      map[string]ArtifactLive
		last         time.Time
		set          = NewEventSet()
		progress     Progress
	)
	build := func(live *LiveState, reports []SourceReport, searching bool) *Case {
		mu.Lock()
		in := CaseInput{
			Key: keyID, Events: set.Events(), Alerts: slices.Clone(alerts), Reports: reports, Searching: searching,
			AlertReports: slices.Clone(alertReports), Duplicates: set.Duplicates(), Owner: owner, Live: live, Artifacts: artLive,
			Correlation: w.Correlation, Window: w.Window, Now: w.now(), Demo: w.Demo, Context: w.Describe,
			Networks: w.Networks,
		}
		mu.Unlock()
		return BuildCase(in)
	}
	emit := func(done bool, c *Case) {
		if onUpdate != nil {
			mu.Lock()
			p := progress
			mu.Unlock()
			onUpdate(CaseUpdate{Case: c, Progress: p, Done: done})
		}
	}
	// readAlerts keeps the alerts of keys and the higher-order alerts that may map to
	// them; each source's report joins the case as soon as the source has answered.
	readAlerts := func(ctx context.Context, keys []AccessKeyID) {
		q := AlertQuery{Window: w.Window, AccessKeys: keys}
		keep := func(b []Alert) {
			mu.Lock()
			defer mu.Unlock()
			for _, a := range b {
				if q.HasKey(a.AccessKeyID) || w.Correlation.IsHigherOrder(&a) || a.HigherOrder {
					alerts = append(alerts, a)
				}
			}
		}
		readAlertSources(ctx, w.Alerts, q, keep, func(i int, r SourceReport) {
			mu.Lock()
			defer mu.Unlock()
			alertReports[i].Merge(r)
		})
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { readAlerts(gctx, []AccessKeyID{keyID}); return nil })
	if w.Owner != nil {
		g.Go(func() error {
			info, err := w.Owner.LookupOwner(gctx, key)
			if err != nil {
				info.Error = err.Error()
			}
			mu.Lock()
			owner = &info
			mu.Unlock()
			return nil
		})
	}
	var col *Collection
	g.Go(func() error {
		col = Collect(gctx, keyID, w.Trails, set, CollectOptions{Window: w.Window, OnProgress: func(p Progress) {
			mu.Lock()
			progress = p
			due := time.Since(last) >= interval
			if due {
				last = time.Now()
			}
			mu.Unlock()
			if due && onUpdate != nil && !p.Done {
				emit(false, build(nil, nil, true))
			}
		}})
		return nil
	})
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Alerts raised for the derived sessions belong to the case too.
	if len(col.Keys) > 1 {
		mu.Lock()
		alerts = nil
		alertReports = make([]SourceReport, len(w.Alerts))
		mu.Unlock()
		readAlerts(ctx, col.Keys)
	}
	c := build(nil, col.Reports, false)
	var ec2State *LiveState
	if w.Live != nil && (len(c.FollowUps.KeyPairs) > 0 || len(c.FollowUps.Instances) > 0) {
		emit(false, c)
		live, err := w.Live.LookupFollowUps(ctx, c.FollowUps)
		if err != nil {
			live.Errors = map[string]string{"*": err.Error()}
			for _, r := range regionsOf(c.FollowUps) {
				live.Errors[r] = err.Error()
			}
		}
		ec2State = &live
		c = build(ec2State, col.Reports, false)
	}
	if w.Artifacts != nil && len(c.Artifacts) > 0 {
		emit(false, c)
		states, err := w.Artifacts.LookupArtifacts(ctx, c.Artifacts)
		if err != nil {
			states = map[string]ArtifactLive{}
			for _, a := range c.Artifacts {
				states[a.ID] = ArtifactLive{Error: err.Error()}
			}
		}
		mu.Lock()
		artLive = states
		mu.Unlock()
		c = build(ec2State, col.Reports, false)
	}
	emit(true, c)
	return c, nil
}

func regionsOf(f FollowUps) []string {
	var out []string
	for _, k := range f.KeyPairs {
		out = appendUnique(out, k.Region)
	}
	for _, i := range f.Instances {
		out = appendUnique(out, i.Region)
	}
	return out
}
