package investigate

import (
	"context"
	"time"
)

// Window is a time range; a zero bound is open.
type Window struct {
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
}

// Contains reports whether t falls in the window (Since inclusive, Until exclusive).
func (w Window) Contains(t time.Time) bool {
	if !w.Since.IsZero() && t.Before(w.Since) {
		return false
	}
	if !w.Until.IsZero() && !t.Before(w.Until) {
		return false
	}
	return true
}

// IsZero reports whether the window is open on both sides.
func (w Window) IsZero() bool { return w.Since.IsZero() && w.Until.IsZero() }

// KeyPairRef names an EC2 key pair; key pairs are regional.
type KeyPairRef struct {
	Name    string `json:"name"`
	Region  string `json:"region"`
	Account string `json:"account,omitempty"`
}

// EventQuery asks a trail source for the events of a case.
type EventQuery struct {
	// AccessKeys: events signed by any of these keys.
	AccessKeys []AccessKeyID
	// KeyPairs: RunInstances calls, by any signer, that launched with one of these key
	// pairs (matched on name and region). Sources that cannot search by key name
	// (CloudTrail LookupEvents) may ignore it and say so in their report.
	KeyPairs []KeyPairRef
	// Roles: IAM events, by any signer, naming one of these roles in
	// requestParameters.roleName (RoleHistoryEvents: CreateRole, UpdateAssumeRolePolicy,
	// DeleteRole, Attach/Detach/Put/DeleteRolePolicy; RoleHistoryRole tells them). Collect
	// asks for the roles whose trust policy the case's keys changed, to find the document
	// they had before. Sources that cannot search by role name may ignore it and say so in
	// their report (Notes).
	Roles []string
	// Window bounds event time.
	Window Window
	// OnScan, when set, receives the advance of sources that read files (archives on disk
	// or in S3): files, bytes, rate, estimate. It may be called from several goroutines.
	OnScan func(ScanProgress) `json:"-"`
	// Pivot identifies the rounds of one Collect (0: a query on its own). A source may
	// reuse for a later round what it learned in an earlier round of the same pivot, such
	// as the listing of a directory tree: a pivot reads a snapshot.
	Pivot uint64 `json:"-"`
}

// ScanProgress reports a file scan's advance.
type ScanProgress struct {
	Files, TotalFiles int
	// Bytes counts decompressed bytes read.
	Bytes int64
	// Read and TotalSize count bytes as stored (compressed), for rates and estimates.
	Read, TotalSize int64
	Events          int64
	// FromIndex counts files answered from the index of an earlier pass without being
	// read; Skipped counts files the query ruled out by their place in the layout.
	FromIndex, Skipped int
	Elapsed            time.Duration
}

// Remaining estimates the time left from the share of stored bytes done.
func (p ScanProgress) Remaining() time.Duration {
	if p.Read <= 0 || p.TotalSize <= p.Read {
		return 0
	}
	return time.Duration(float64(p.Elapsed) * float64(p.TotalSize-p.Read) / float64(p.Read))
}

// Rate is the decompressed bytes per second so far.
func (p ScanProgress) Rate() float64 {
	if s := p.Elapsed.Seconds(); s > 0 {
		return float64(p.Bytes) / s
	}
	return 0
}

// EventSource reads CloudTrail events: local files, LookupEvents, S3 archives, Athena,
// Elasticsearch. Events passes matching events to sink in batches; sink may be called
// from several goroutines at once. Partial failures (a region, a file) are reported in
// the SourceReport; the error is for a source that could not be read at all.
type EventSource interface {
	Name() string
	Events(ctx context.Context, q EventQuery, sink func([]Event)) (SourceReport, error)
}

// AlertQuery asks an alert source for alerts.
type AlertQuery struct {
	Window Window
	// AccessKeys, when set, restricts the result to alerts of these keys (plus
	// higher-order alerts, which carry no key). Sources may return more; the caller filters.
	AccessKeys []AccessKeyID
}

// HasKey reports whether the query asks for key's alerts: one of its keys, or any key
// when it names none.
func (q AlertQuery) HasKey(key string) bool {
	if len(q.AccessKeys) == 0 {
		return true
	}
	for _, k := range q.AccessKeys {
		if k.String() == key {
			return true
		}
	}
	return false
}

// Matches reports whether a source's alert answers the query: raised in its window, for
// one of its keys. Sources that cannot filter at the server filter with it.
func (q AlertQuery) Matches(a *Alert) bool {
	return q.Window.Contains(a.Time) && q.HasKey(a.AccessKeyID)
}

// AlertSource reads security alerts: alert exports, Elasticsearch, Security Hub, GuardDuty.
// Like EventSource, it streams batches to sink and reports partial failures.
type AlertSource interface {
	Name() string
	Alerts(ctx context.Context, q AlertQuery, sink func([]Alert)) (SourceReport, error)
}

// Problem is something that could not be read, with where it happened.
type Problem struct {
	Where   string `json:"where"` // path:line, path#record 3, region us-east-1, URL
	Message string `json:"message"`
}

// RegionStatus says what happened when a regional source searched one region.
type RegionStatus struct {
	Region    string `json:"region"`
	Account   string `json:"account,omitempty"`
	Status    string `json:"status"` // searched, failed, throttled, skipped
	Events    int    `json:"events"`
	Pages     int    `json:"pages,omitempty"`
	Retries   int    `json:"retries,omitempty"`
	Error     string `json:"error,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
}

// Region statuses.
const (
	RegionSearched  = "searched"
	RegionFailed    = "failed"
	RegionThrottled = "throttled"
	RegionSkipped   = "skipped"
)

// SourceReport is what one source read and could not read.
type SourceReport struct {
	Source string `json:"source"` // the source's Name()
	Kind   string `json:"kind"`   // cloudtrail-files, cloudtrail-lookup, alert-files, elasticsearch, ...
	// Files counts the files searched: read (those found unreadable too, which are also
	// Problems), ruled out by their tokens after reading, answered from the index without
	// reading, or ruled out by their place in the archive layout.
	Files int `json:"files,omitempty"`
	// Skipped counts the inputs left out unsearched: the total of Skips.
	Skipped int   `json:"files_skipped,omitempty"`
	Bytes   int64 `json:"bytes,omitempty"`
	Records int64 `json:"records"`
	Matched int64 `json:"matched"`
	// Regions lists the regional searches of a regional source.
	Regions   []RegionStatus `json:"regions,omitempty"`
	Truncated bool           `json:"truncated,omitempty"`
	// Query is the query the source ran, when the analyst should see it (Athena SQL).
	Query        string        `json:"query,omitempty"`
	BytesScanned int64         `json:"bytes_scanned,omitempty"`
	Notes        []string      `json:"notes,omitempty"`
	Problems     []Problem     `json:"problems,omitempty"`
	Elapsed      time.Duration `json:"elapsed_ns,omitempty"`

	// Failed is set when the source could not be read at all: why.
	Failed string `json:"failed,omitempty"`
	// Skips counts the inputs left out without being searched, by reason; Skipped is
	// their total. An input that could not be read is a Problem, not a skip.
	Skips []Skip `json:"skips,omitempty"`
	// Span is the time the records read cover, matched or not: for file sources the
	// earliest and latest record of every file searched (from the archive layout's file
	// times for files ruled out without decoding); for queries the window they asked.
	Span Window `json:"span,omitzero"`
	// Accounts and AWSRegions are the accounts and regions whose records were searched.
	Accounts   []string `json:"accounts,omitempty"`
	AWSRegions []string `json:"aws_regions,omitempty"`
	// Index says how an archive's key index kept on disk served the search (nil: none).
	Index *IndexUse `json:"index,omitempty"`
}

// Skip counts the inputs a source left out for one reason.
type Skip struct {
	Reason  string `json:"reason"` // one of the Skip* reasons
	Count   int    `json:"count"`
	Example string `json:"example,omitempty"` // one input left out for this reason
}

// Reasons an input is left out without being searched.
const (
	SkipDigest        = "digest"         // CloudTrail digest and Insights files: no management events
	SkipNotLog        = "not-a-log"      // neither its name nor its content is a log or alert export
	SkipOutsideWindow = "outside-window" // its place in the archive layout is outside --since/--until
	SkipPruned        = "pruned"         // its account or region is outside --accounts/--regions
	SkipEmptyFile     = "empty-file"     // zero bytes (S3 folder markers)
	SkipHidden        = "hidden"         // a hidden folder (.git, .cache), left unwalked
)

// AddSkip counts n inputs left out for reason (example names one of them) and keeps
// Skipped equal to the total.
func (r *SourceReport) AddSkip(reason string, n int, example string) {
	if n <= 0 {
		return
	}
	r.Skipped += n
	for i := range r.Skips {
		if r.Skips[i].Reason == reason {
			r.Skips[i].Count += n
			if r.Skips[i].Example == "" {
				r.Skips[i].Example = example
			}
			return
		}
	}
	r.Skips = append(r.Skips, Skip{Reason: reason, Count: n, Example: example})
}

// Widen extends the span to cover t.
func (w *Window) Widen(t time.Time) {
	if t.IsZero() {
		return
	}
	if w.Since.IsZero() || t.Before(w.Since) {
		w.Since = t
	}
	if w.Until.IsZero() || t.After(w.Until) {
		w.Until = t
	}
}

// Union is the smallest span covering w and o (a zero span covers nothing).
func (w Window) Union(o Window) Window {
	w.Widen(o.Since)
	w.Widen(o.Until)
	return w
}

// Merge adds the counts and findings of o (a later pass of the same source) to r.
func (r *SourceReport) Merge(o SourceReport) {
	if r.Source == "" {
		r.Source, r.Kind = o.Source, o.Kind
	}
	r.Files += o.Files
	r.Bytes += o.Bytes
	r.Records += o.Records
	r.Matched += o.Matched
	r.Truncated = r.Truncated || o.Truncated
	r.BytesScanned += o.BytesScanned
	r.Elapsed += o.Elapsed
	if o.Query != "" {
		if r.Query != "" && r.Query != o.Query {
			r.Query += ";\n" + o.Query
		} else {
			r.Query = o.Query
		}
	}
	r.Notes = appendUnique(r.Notes, o.Notes...)
	r.Problems = append(r.Problems, o.Problems...)
	r.Regions = mergeRegions(r.Regions, o.Regions)
	if r.Failed == "" {
		r.Failed = o.Failed
	}
	for _, s := range o.Skips {
		r.AddSkip(s.Reason, s.Count, s.Example)
	}
	r.Span = r.Span.Union(o.Span)
	r.Accounts = appendUnique(r.Accounts, o.Accounts...)
	r.AWSRegions = appendUnique(r.AWSRegions, o.AWSRegions...)
	r.Index = r.Index.Merge(o.Index)
}

func mergeRegions(a, b []RegionStatus) []RegionStatus {
	for _, rb := range b {
		found := false
		for i := range a {
			if a[i].Region == rb.Region && a[i].Account == rb.Account {
				found = true
				a[i].Events += rb.Events
				a[i].Pages += rb.Pages
				a[i].Retries += rb.Retries
				a[i].Truncated = a[i].Truncated || rb.Truncated
				if statusRank(rb.Status) > statusRank(a[i].Status) {
					a[i].Status, a[i].Error = rb.Status, rb.Error
				}
			}
		}
		if !found {
			a = append(a, rb)
		}
	}
	return a
}

func statusRank(s string) int {
	switch s {
	case RegionFailed:
		return 3
	case RegionThrottled:
		return 2
	case RegionSearched:
		return 1
	}
	return 0
}

func appendUnique(dst []string, src ...string) []string {
outer:
	for _, s := range src {
		for _, d := range dst {
			if d == s {
				continue outer
			}
		}
		dst = append(dst, s)
	}
	return dst
}

// Fail records the error a source's read ended with: always as a problem, and as Failed
// only when the source delivered nothing before it (a source that read records first, an
// Elasticsearch scroll cut after some pages, is partial, not failed).
func (r *SourceReport) Fail(name string, err error) {
	r.Problems = append(r.Problems, Problem{Where: name, Message: err.Error()})
	if r.Records == 0 && r.Matched == 0 {
		r.Failed = err.Error()
	}
}
