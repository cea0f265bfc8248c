// Package lookup reads a key's CloudTrail events live with CloudTrail LookupEvents
// (`--trail lookup`): every enabled region of the key's account plus us-east-1, over the
// last 90 days at most, within LookupEvents' limit of 2 requests per second per account and
// region, with throttling retried and pages resumed rather than reported as "no events".
//
// Like every aws/ package it imports investigate (the interfaces it implements, the
// types it fills) and the AWS SDK, never tui, cmd or internal.
package lookup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/investigate"
)

// Limits of LookupEvents.
const (
	// Retention is how far back LookupEvents sees.
	Retention = 90 * 24 * time.Hour
	// PageSize is the largest page LookupEvents returns.
	PageSize = 50
	// DefaultMaxPages bounds one key's search in one region (100 000 events); beyond it
	// the region is reported truncated.
	DefaultMaxPages = 2000
	// MaxLaunchPages bounds the RunInstances events read in one region to find launches
	// with the key's key pairs (10 000 launches).
	MaxLaunchPages = 200
	// MaxRolePages bounds the events of one name (CreateRole, ...) read in one account to
	// find the history of the roles whose trust policy the keys changed (10 000 events).
	MaxRolePages = 200
	// GlobalRegion logs IAM, global STS and sign-in events: it is always searched.
	GlobalRegion = "us-east-1"
)

// Source is `--trail lookup`: an investigate.EventSource over CloudTrail LookupEvents.
type Source struct {
	// Session is the caller's account; Accounts are sessions of other accounts (by account
	// id), used for keys that belong to them (an AssumeRole session in another account).
	Session  *awsconfig.Session
	Accounts map[string]*awsconfig.Session
	// Regions, when set, are searched instead of every enabled region (us-east-1 is added).
	Regions []string
	// Limiters pace the requests; nil means Shared, the process's.
	Limiters *Limiters
	// PerRegion is how many keys of one region are paged at once (default 2); Concurrency
	// bounds the page chains of all regions together (default 64).
	PerRegion   int
	Concurrency int
	// MaxPages bounds one key's pages in one region (default DefaultMaxPages).
	MaxPages int
	// Retry is how throttling and transient errors are retried (zero: DefaultRetry).
	Retry RetryPolicy
	// Now is the clock the 90-day window is measured against.
	Now func() time.Time
	// CloudTrailOptions adjust the CloudTrail clients (an endpoint of its own in tests;
	// AWS_ENDPOINT_URL_CLOUDTRAIL does that for users).
	CloudTrailOptions []func(*cloudtrail.Options)

	mu          sync.Mutex
	regions     map[string]regionList // by account
	keyAccounts map[string]string
	clients     map[[2]string]*cloudtrail.Client
}

type regionList struct {
	regions []string
	note    string
}

// Name implements investigate.EventSource.
func (s *Source) Name() string {
	if s.Session == nil {
		return "lookup"
	}
	return "lookup (profile " + s.Session.Profile + ", account " + s.Session.Identity.Account + ")"
}

func (s *Source) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// task is one search in one region of one account: the events signed by key, or the
// events named eventName that the search keeps: with keyNames, the RunInstances calls
// that launched with one of those key pairs; with roles, the IAM calls on those roles.
type task struct {
	sess      *awsconfig.Session
	account   string
	region    string
	key       string
	eventName string
	keyNames  []string
	roles     []string
}

func (t task) what() string {
	switch {
	case t.key != "":
		return t.key
	case len(t.roles) > 0:
		return t.eventName + " of roles " + strings.Join(t.roles, ", ")
	}
	return "launches with key pairs " + strings.Join(t.keyNames, ", ")
}

// keeps reports whether a search by event name wants e (LookupEvents filters on one
// attribute: the key name and the role name are matched here).
func (t task) keeps(e *investigate.Event) bool {
	switch {
	case len(t.keyNames) > 0:
		return launchedWith(e, t.keyNames)
	case len(t.roles) > 0:
		r := investigate.RoleHistoryRole(e)
		return r != "" && slices.Contains(t.roles, r)
	}
	return true
}

// maxPages bounds the task's pages.
func (t task) maxPages(limit int) int {
	switch {
	case len(t.keyNames) > 0:
		return min(limit, MaxLaunchPages)
	case len(t.roles) > 0:
		return min(limit, MaxRolePages)
	}
	return limit
}

// launchTasks searches, in each key pair's region, the RunInstances events of any signer
// (LookupEvents cannot filter on the key name: the filtering is done here), so that
// launches by other principals with the key's key pairs are found.
func (s *Source) launchTasks(pairs []investigate.KeyPairRef, rep *investigate.SourceReport) []task {
	byScope := map[[2]string][]string{}
	var order [][2]string
	for _, kp := range pairs {
		acct := kp.Account
		if acct == "" {
			acct = s.Session.Identity.Account
		}
		sess := s.sessionFor(acct)
		if sess == nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("key pair %s (%s) is in account %s: launches with it were not searched (add --account-profile %s=PROFILE)", kp.Name, kp.Region, acct, acct))
			continue
		}
		k := [2]string{acct, kp.Region}
		if _, ok := byScope[k]; !ok {
			order = append(order, k)
		}
		if !slices.Contains(byScope[k], kp.Name) {
			byScope[k] = append(byScope[k], kp.Name)
		}
	}
	var tasks []task
	for _, k := range order {
		tasks = append(tasks, task{sess: s.sessionFor(k[0]), account: k[0], region: k[1], eventName: "RunInstances", keyNames: byScope[k]})
	}
	if len(tasks) > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("launches with the key's %s: every RunInstances event of their regions was read and matched on the key name (LookupEvents cannot filter on it)", investigate.Plural(len(pairs), "key pair")))
	}
	return tasks
}

// Events implements investigate.EventSource: it looks every key of q up in every region
// of the key's account, streaming each page's events to sink as it arrives.
func (s *Source) Events(ctx context.Context, q investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	start := time.Now()
	rep := investigate.SourceReport{Source: s.Name(), Kind: "cloudtrail-lookup"}
	if s.Session == nil {
		return rep, errors.New("lookup: no AWS session")
	}
	if q.Empty() {
		return rep, nil
	}
	now := s.now()
	from, to, note := window(q.Window, now)
	if note != "" {
		rep.Notes = append(rep.Notes, note)
	}

	// Route each key to the account whose trail holds its events.
	byAccount := map[string][]string{}
	var order []string
	for _, k := range q.AccessKeys {
		acct, n := s.keyAccount(ctx, k.String())
		if n != "" {
			rep.Notes = append(rep.Notes, n)
		}
		sess := s.sessionFor(acct)
		if sess == nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s belongs to account %s: its events are logged there, and no profile for that account is configured (add --account-profile %s=PROFILE); only calls it made into account %s were searched", k, acct, acct, s.Session.Identity.Account))
			rep.Regions = append(rep.Regions, investigate.RegionStatus{Region: "*", Account: acct, Status: investigate.RegionSkipped,
				Error: fmt.Sprintf("account %s not searched for %s: no profile for it (--account-profile %s=PROFILE)", acct, k, acct)})
			sess, acct = s.Session, s.Session.Identity.Account
		}
		if _, ok := byAccount[acct]; !ok {
			order = append(order, acct)
		}
		byAccount[acct] = append(byAccount[acct], k.String())
	}

	var tasks []task
	for _, acct := range order {
		sess := s.sessionFor(acct)
		rl := s.regionsFor(ctx, sess)
		if rl.note != "" {
			rep.Notes = append(rep.Notes, rl.note)
		}
		for _, r := range rl.regions {
			for _, k := range byAccount[acct] {
				tasks = append(tasks, task{sess: sess, account: acct, region: r, key: k})
			}
		}
	}
	tasks = append(tasks, s.launchTasks(q.KeyPairs, &rep)...)
	tasks = append(tasks, s.roleTasks(q.Roles, &rep)...)
	if !to.After(from) {
		for _, t := range tasks {
			rep.Regions = append(rep.Regions, investigate.RegionStatus{Region: t.region, Account: t.account, Status: investigate.RegionSkipped,
				Error: "the window is older than LookupEvents' 90 days"})
		}
		rep.Regions = mergeByRegion(rep.Regions)
		return rep, nil
	}

	results := s.run(ctx, tasks, from, to, sink)
	var failed, searched int
	var firstErr error
	// What was searched: the window LookupEvents was asked for, and the accounts and
	// regions that answered.
	rep.Span = investigate.Window{Since: from, Until: to}
	for i, r := range results {
		t := tasks[i]
		if r.status == investigate.RegionSearched {
			if t.account != "" && !slices.Contains(rep.Accounts, t.account) {
				rep.Accounts = append(rep.Accounts, t.account)
			}
			if !slices.Contains(rep.AWSRegions, t.region) {
				rep.AWSRegions = append(rep.AWSRegions, t.region)
			}
		}
		rep.Records += int64(r.records)
		rep.Matched += int64(r.events)
		rep.Problems = append(rep.Problems, r.problems...)
		st := investigate.RegionStatus{Region: t.region, Account: t.account, Status: r.status, Events: r.events, Pages: r.pages, Retries: r.retries, Truncated: r.truncated}
		if r.err != nil {
			st.Error = t.what() + ": " + r.why
			if firstErr == nil {
				firstErr = r.err
			}
		}
		switch r.status {
		case investigate.RegionSearched:
			searched++
		case investigate.RegionFailed, investigate.RegionThrottled:
			failed++
		}
		rep.Truncated = rep.Truncated || r.truncated
		rep.Regions = append(rep.Regions, st)
	}
	rep.Regions = mergeByRegion(rep.Regions)
	rep.Elapsed = time.Since(start)
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	if searched == 0 && failed > 0 {
		return rep, fmt.Errorf("LookupEvents failed in every region: %w", firstErr)
	}
	return rep, nil
}

// window clamps the query's window to what LookupEvents keeps: the last 90 days, up to now.
func window(w investigate.Window, now time.Time) (from, to time.Time, note string) {
	oldest := now.Add(-Retention)
	from, to = w.Since, w.Until
	if to.IsZero() || to.After(now) {
		to = now
	}
	if from.IsZero() || from.Before(oldest) {
		if !from.IsZero() {
			note = fmt.Sprintf("LookupEvents keeps 90 days: events before %s were not searched (use --trail s3://... or athena://... for older ones)", oldest.Format(time.RFC3339))
		}
		from = oldest
	}
	return from, to, note
}

// sessionFor is the session of account: the caller's, or a configured other one.
func (s *Source) sessionFor(account string) *awsconfig.Session {
	if account == "" || account == s.Session.Identity.Account {
		return s.Session
	}
	return s.Accounts[account]
}

// keyAccount is the account a key belongs to (sts:GetAccessKeyInfo, asked once per key).
// When STS cannot tell, the caller's account is searched and a note says why.
func (s *Source) keyAccount(ctx context.Context, key string) (string, string) {
	s.mu.Lock()
	if a, ok := s.keyAccounts[key]; ok {
		s.mu.Unlock()
		return a, ""
	}
	s.mu.Unlock()
	out, err := sts.NewFromConfig(s.Session.Config).GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(key)})
	if err != nil {
		if ctx.Err() != nil {
			return s.Session.Identity.Account, ""
		}
		return s.Session.Identity.Account, fmt.Sprintf("cannot tell the account of %s (%v): searched the caller's account %s", key, err, s.Session.Identity.Account)
	}
	acct := aws.ToString(out.Account)
	s.mu.Lock()
	if s.keyAccounts == nil {
		s.keyAccounts = map[string]string{}
	}
	s.keyAccounts[key] = acct
	s.mu.Unlock()
	return acct, ""
}

// mergeByRegion folds the statuses of several keys in one region into one line per
// (account, region), keeping the worst status and the first error.
func mergeByRegion(in []investigate.RegionStatus) []investigate.RegionStatus {
	var out []investigate.RegionStatus
	idx := map[[2]string]int{}
	for _, r := range in {
		k := [2]string{r.Account, r.Region}
		i, ok := idx[k]
		if !ok {
			idx[k] = len(out)
			out = append(out, r)
			continue
		}
		o := &out[i]
		o.Events += r.Events
		o.Pages += r.Pages
		o.Retries += r.Retries
		o.Truncated = o.Truncated || r.Truncated
		if rank(r.Status) > rank(o.Status) {
			o.Status = r.Status
		}
		if o.Error == "" {
			o.Error = r.Error
		} else if r.Error != "" && !strings.Contains(o.Error, r.Error) {
			o.Error += "; " + r.Error
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Account != out[j].Account {
			return out[i].Account < out[j].Account
		}
		return regionOrder(out[i].Region) < regionOrder(out[j].Region)
	})
	return out
}

func regionOrder(r string) string {
	if r == GlobalRegion {
		return ""
	}
	return r
}

func rank(s string) int {
	switch s {
	case investigate.RegionFailed:
		return 3
	case investigate.RegionThrottled:
		return 2
	case investigate.RegionSearched:
		return 1
	}
	return 0
}

var _ investigate.EventSource = (*Source)(nil)

// sortedRegions puts us-east-1 first, then the rest in order, without repeats.
func sortedRegions(rs []string) []string {
	out := []string{GlobalRegion}
	for _, r := range rs {
		r = strings.TrimSpace(r)
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out[1:])
	return out
}
