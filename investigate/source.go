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
	AccessKeys []string
	// KeyPairs: RunInstances calls, by any signer, that launched with one of these key
	// pairs (matched on name and region). Sources that cannot search by key name
	// (CloudTrail LookupEvents) may ignore it and say so in their report.
	KeyPairs []KeyPairRef
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
	AccessKeys []string
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
	Source  string `json:"source"` // the source's Name()
	Kind    string `json:"kind"`   // cloudtrail-files, cloudtrail-lookup, alert-files, elasticsearch, ...
	Files   int    `json:"files,omitempty"`
	Skipped int    `json:"files_skipped,omitempty"` // digest files, zero-byte markers, files outside the window
	Bytes   int64  `json:"bytes,omitempty"`
	Records int64  `json:"records"`
	Matched int64  `json:"matched"`
	// Regions lists the regional searches of a regional source.
	Regions   []RegionStatus `json:"regions,omitempty"`
	Truncated bool           `json:"truncated,omitempty"`
	// Query is the query the source ran, when the analyst should see it (Athena SQL).
	Query        string        `json:"query,omitempty"`
	BytesScanned int64         `json:"bytes_scanned,omitempty"`
	Notes        []string      `json:"notes,omitempty"`
	Problems     []Problem     `json:"problems,omitempty"`
	Elapsed      time.Duration `json:"elapsed_ns,omitempty"`
}

// Merge adds the counts and findings of o (a later pass of the same source) to r.
func (r *SourceReport) Merge(o SourceReport) {
	if r.Source == "" {
		r.Source, r.Kind = o.Source, o.Kind
	}
	r.Files += o.Files
	r.Skipped += o.Skipped
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
