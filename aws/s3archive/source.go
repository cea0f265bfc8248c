// Package s3archive reads CloudTrail trail archives from S3 (`--trail s3://bucket/prefix`)
// as an investigate.EventSource. It lists only the prefixes a query needs: the accounts
// (organisation trails included) and regions found by delimiter listing, narrowed to
// Source.Accounts and Source.Regions when set, and the YYYY/MM/DD folders that can hold
// events of the window, padded for delivery lag. Digest
// objects and zero-byte markers are skipped; objects are fetched in parallel and parsed by
// the local parser (cloudtrail.ScanFiles), which keeps an index of what it read so that a
// pivot's later rounds fetch only the objects that can hold the new keys.
package s3archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/cloudtrail"
)

// API is the part of the S3 client the source uses (*s3.Client implements it).
type API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Source reads a trail archive in S3.
type Source struct {
	Client API
	Bucket string
	// Prefix is where the trail writes: the folder holding AWSLogs/, or any folder below
	// AWSLogs/ (an organisation, an account, a region).
	Prefix string
	// Workers bounds parallel object fetches (default 8 per core, at least 16): fetching
	// waits on the network, decompressing on the cores.
	Workers int
	// ListWorkers bounds parallel list calls (default 16).
	ListWorkers int
	// Accounts and Regions, when set, prune the listing to these accounts (AWSLogs/<account>/
	// and AWSLogs/o-<org>/<account>/) and these regions (.../CloudTrail/<region>/): the
	// other folders are never listed, and the report's notes say which were left out.
	Accounts []string
	Regions  []string
	// OnProgress receives the scan's advance (files, bytes, events, rate, estimate).
	OnProgress func(cloudtrail.ScanProgress)

	indexOnce sync.Once
	index     *cloudtrail.Index

	// The last listing, reused by the next rounds of a pivot over the same window.
	mu       sync.Mutex
	listed   *listing
	listedW  investigate.Window
	listedS  string
	listedAt time.Time
}

// listingTTL is how long a listing serves later passes: the rounds of one pivot, not a
// live trail's new deliveries of the next hour.
const listingTTL = 2 * time.Minute

// cachedList lists the window, or reuses the listing of an earlier pass over it.
func (s *Source) cachedList(ctx context.Context, w investigate.Window) (*listing, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := strings.Join(s.Accounts, ",") + "|" + strings.Join(s.Regions, ",")
	if s.listed != nil && s.listedW == w && s.listedS == sc && time.Since(s.listedAt) < listingTTL {
		return s.listed, true, nil
	}
	l, err := s.list(ctx, w)
	if err == nil && len(l.problems) == 0 {
		s.listed, s.listedW, s.listedS, s.listedAt = l, w, sc, time.Now()
	}
	return l, false, err
}

// ParseURL splits s3://bucket/prefix.
func ParseURL(spec string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(spec, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q is not an s3:// URL", spec)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%q names no bucket (want s3://BUCKET/PREFIX)", spec)
	}
	return bucket, prefix, nil
}

// Name names the source in reports.
func (s *Source) Name() string { return "s3://" + s.Bucket + "/" + s.Prefix }

func (s *Source) idx() *cloudtrail.Index {
	s.indexOnce.Do(func() { s.index = &cloudtrail.Index{} })
	return s.index
}

// Events implements investigate.EventSource.
func (s *Source) Events(ctx context.Context, q investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	start := time.Now()
	rep := investigate.SourceReport{Source: s.Name(), Kind: "cloudtrail-s3"}
	l, reused, err := s.cachedList(ctx, q.Window)
	if err != nil {
		rep.Problems = append(rep.Problems, l.problems...)
		rep.Elapsed = time.Since(start)
		return rep, err
	}
	if !reused {
		// Counted once per pivot, not once per round.
		rep.Skipped = l.skipped
		rep.Problems = append(rep.Problems, l.problems...)
		rep.Notes = append(rep.Notes, l.describe())
	}
	workers := s.Workers
	if workers <= 0 {
		workers = max(16, 8*runtime.GOMAXPROCS(0))
	}
	r := cloudtrail.ScanFiles(ctx, l.files, q, s.opener(ctx), sink, cloudtrail.ScanOptions{Workers: workers, Progress: s.OnProgress, Index: s.idx()})
	rep.Merge(r)
	rep.Source, rep.Kind = s.Name(), "cloudtrail-s3"
	rep.Elapsed = time.Since(start)
	return rep, ctx.Err()
}

// opener fetches one object; the SDK's retryer covers failures before the body arrives,
// and a body cut short is reported by the parser with what came before it.
func (s *Source) opener(ctx context.Context) func(string) cloudtrail.Opener {
	return func(path string) cloudtrail.Opener {
		key := strings.TrimPrefix(path, "s3://"+s.Bucket+"/")
		return func() (io.ReadCloser, error) {
			out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)})
			if err != nil {
				return nil, errors.New(describeErr(err))
			}
			return out.Body, nil
		}
	}
}

// listing is what the listing found.
type listing struct {
	files    []cloudtrail.File
	skipped  int
	problems []investigate.Problem
	calls    int
	orgs     map[string]bool
	accounts map[string]bool
	regions  map[string]bool
	days     map[string]bool
	// prunedFolders counts date folders outside the window, never listed.
	prunedFolders int
	// prune decides accounts and regions, and remembers what it left out.
	prune cloudtrail.Pruning
	mu    sync.Mutex
}

// admit decides an account's or a region's folder (or an object's place) by the scope.
func (l *listing) admit(account, region string) bool {
	if !l.prune.Scope.Narrowed() {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.prune.Admit(account, region)
}

func (l *listing) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "listed %d prefixes: ", l.calls)
	if len(l.orgs) > 0 {
		fmt.Fprintf(&b, "organisation %s, ", strings.Join(keys(l.orgs), ","))
	}
	fmt.Fprintf(&b, "%d accounts, %d regions, %d days in the window: %d log objects, %d skipped (digests, markers, outside the window); %d date folders outside the window not listed",
		len(l.accounts), len(l.regions), len(l.days), len(l.files), l.skipped, l.prunedFolders)
	if n := l.prune.Note(); n != "" {
		b.WriteString("; " + n)
	}
	return b.String()
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Levels of the S3 layout: AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/.
type level int

// lvAccount is an account folder named in the prefix (listing goes on at CloudTrail/).
const lvAccount level = -1

const (
	lvAWSLogs level = iota // children: o-... or accounts
	lvOrg                  // children: accounts
	lvRegions              // children: regions
	lvYear                 // children: YYYY/
	lvMonth                // children: MM/
	lvDay                  // children: DD/
	lvObjects              // objects
)

type node struct {
	prefix string
	lv     level
	// date range covered by the folder, for window pruning
	from, to time.Time
}

// start turns the configured prefix into the first folder to list.
func (s *Source) start() (node, error) {
	p := s.Prefix
	i := strings.Index(p, "AWSLogs/")
	if i < 0 {
		if p != "" && !strings.HasSuffix(p, "/") {
			p += "/"
		}
		if strings.HasSuffix(p, "AWSLogs/") {
			return node{prefix: p, lv: lvAWSLogs}, nil
		}
		return node{prefix: p + "AWSLogs/", lv: lvAWSLogs}, nil
	}
	if !strings.HasSuffix(p, "/") {
		// A partial name: list everything under it and let the layout decide.
		return node{prefix: p, lv: lvObjects}, nil
	}
	segs := strings.Split(strings.TrimSuffix(p[i+len("AWSLogs/"):], "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	lv := lvAWSLogs
	for _, seg := range segs {
		switch lv {
		case lvAWSLogs:
			if strings.HasPrefix(seg, "o-") {
				lv = lvOrg
			} else {
				lv = lvAccount
			}
		case lvOrg:
			lv = lvAccount
		case lvAccount:
			if seg != "CloudTrail" {
				return node{}, fmt.Errorf("s3://%s/%s: only CloudTrail/ folders hold trail logs (not %s/)", s.Bucket, p, seg)
			}
			lv = lvRegions
		case lvRegions:
			lv = lvYear
		default:
			// Below a region: list every object under it.
			return node{prefix: p, lv: lvObjects}, nil
		}
	}
	if lv == lvAccount {
		return node{prefix: p + "CloudTrail/", lv: lvRegions}, nil
	}
	return node{prefix: p, lv: lv}, nil
}

// list walks the layout, pruning by the window.
func (s *Source) list(ctx context.Context, w investigate.Window) (*listing, error) {
	l := &listing{orgs: map[string]bool{}, accounts: map[string]bool{}, regions: map[string]bool{}, days: map[string]bool{}}
	l.prune.Scope = cloudtrail.Scope{Window: w, Accounts: s.Accounts, Regions: s.Regions}
	root, err := s.start()
	if err != nil {
		return l, err
	}
	// A prefix that names an account or a region outside the scope: nothing to list.
	if !l.admit(cloudtrail.LayoutFolder(root.prefix[:strings.LastIndex(root.prefix, "/")+1])) {
		return l, nil
	}
	workers := s.ListWorkers
	if workers <= 0 {
		workers = 16
	}
	frontier := []node{root}
	failed := 0
	for len(frontier) > 0 {
		var next []node
		var mu sync.Mutex
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(workers)
		for _, n := range frontier {
			g.Go(func() error {
				children, err := s.expand(gctx, n, w, l)
				mu.Lock()
				defer mu.Unlock()
				l.calls++
				if err != nil {
					failed++
					l.problems = append(l.problems, investigate.Problem{Where: "s3://" + s.Bucket + "/" + n.prefix, Message: "cannot list: " + describeErr(err)})
					return nil
				}
				next = append(next, children...)
				return nil
			})
		}
		_ = g.Wait()
		if err := ctx.Err(); err != nil {
			return l, err
		}
		if failed > 0 && failed == l.calls {
			return l, fmt.Errorf("cannot list s3://%s/%s: %s", s.Bucket, root.prefix, l.problems[0].Message)
		}
		frontier = next
	}
	sort.Slice(l.files, func(i, j int) bool { return l.files[i].Path < l.files[j].Path })
	return l, nil
}

// expand lists one folder and returns the folders below it worth listing; at the
// objects level it records the log files.
func (s *Source) expand(ctx context.Context, n node, w investigate.Window, l *listing) ([]node, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket), Prefix: aws.String(n.prefix)}
	if n.lv != lvObjects {
		in.Delimiter = aws.String("/")
	}
	var children []node
	p := s3.NewListObjectsV2Paginator(s.Client, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		if n.lv == lvObjects {
			for _, o := range out.Contents {
				s.object(o.Key, o.Size, o.ETag, w, l)
			}
			continue
		}
		for _, cp := range out.CommonPrefixes {
			if c, ok := child(n, aws.ToString(cp.Prefix), w, l); ok {
				children = append(children, c)
			}
		}
	}
	return children, nil
}

func lastSeg(prefix string) string {
	p := strings.TrimSuffix(prefix, "/")
	return p[strings.LastIndex(p, "/")+1:]
}

// child decides whether a folder found by listing n is worth listing.
func child(n node, prefix string, w investigate.Window, l *listing) (node, bool) {
	seg := lastSeg(prefix)
	note := func(m map[string]bool, v string) {
		l.mu.Lock()
		m[v] = true
		l.mu.Unlock()
	}
	switch n.lv {
	case lvAWSLogs:
		if strings.HasPrefix(seg, "o-") {
			note(l.orgs, seg)
			return node{prefix: prefix, lv: lvOrg}, true
		}
		return accountNode(prefix, seg, l)
	case lvOrg:
		return accountNode(prefix, seg, l)
	case lvRegions:
		if !l.admit("", seg) {
			return node{}, false
		}
		note(l.regions, seg)
		return node{prefix: prefix, lv: lvYear}, true
	case lvYear:
		y, err := strconv.Atoi(seg)
		if err != nil || len(seg) != 4 {
			return node{}, false
		}
		from := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		c := node{prefix: prefix, lv: lvMonth, from: from, to: from.AddDate(1, 0, 0)}
		return c, mayHold(c, w, l, seg)
	case lvMonth:
		m, err := strconv.Atoi(seg)
		if err != nil || m < 1 || m > 12 {
			return node{}, false
		}
		from := time.Date(n.from.Year(), time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		c := node{prefix: prefix, lv: lvDay, from: from, to: from.AddDate(0, 1, 0)}
		return c, mayHold(c, w, l, seg)
	case lvDay:
		d, err := strconv.Atoi(seg)
		if err != nil || d < 1 || d > 31 {
			return node{}, false
		}
		from := time.Date(n.from.Year(), n.from.Month(), d, 0, 0, 0, 0, time.UTC)
		c := node{prefix: prefix, lv: lvObjects, from: from, to: from.AddDate(0, 0, 1)}
		if !mayHold(c, w, l, seg) {
			return node{}, false
		}
		note(l.days, from.Format("2006-01-02"))
		return c, true
	}
	return node{}, false
}

// mayHold reports whether a date folder can hold events of the window: files delivered
// in [from, to) hold events from [from-DeliveryLag, to). A folder ruled out counts as
// skipped (its objects are not even listed).
func mayHold(n node, w investigate.Window, l *listing, _ string) bool {
	ok := (w.Since.IsZero() || n.to.After(w.Since)) && (w.Until.IsZero() || n.from.Add(-cloudtrail.DeliveryLag).Before(w.Until))
	if !ok {
		l.mu.Lock()
		l.prunedFolders++
		l.mu.Unlock()
	}
	return ok
}

// accountNode goes straight to an account's CloudTrail/ folder: CloudTrail-Digest/ and
// CloudTrail-Insight/ are never listed.
func accountNode(prefix, seg string, l *listing) (node, bool) {
	if !isAccount(seg) || !l.admit(seg, "") {
		return node{}, false
	}
	l.mu.Lock()
	l.accounts[seg] = true
	l.mu.Unlock()
	return node{prefix: prefix + "CloudTrail/", lv: lvRegions}, true
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// object records one listed object, or counts it as skipped.
func (s *Source) object(key *string, size *int64, etag *string, w investigate.Window, l *listing) {
	k := aws.ToString(key)
	sz := aws.ToInt64(size)
	l.mu.Lock()
	defer l.mu.Unlock()
	lower := strings.ToLower(k)
	if sz == 0 || strings.HasSuffix(k, "/") || !(strings.HasSuffix(lower, ".json.gz") || strings.HasSuffix(lower, ".json")) {
		l.skipped++
		return
	}
	f := cloudtrail.File{Path: "s3://" + s.Bucket + "/" + k, Size: sz, Sig: aws.ToString(etag)}
	if lf, ok := cloudtrail.ParseLayout(k); ok {
		if lf.Digest || !lf.InWindow(w.Since, w.Until) {
			l.skipped++
			return
		}
		if l.prune.Scope.Narrowed() && !l.prune.Admit(lf.Account, lf.Region) {
			return // l.mu is held
		}
		f.Layout = &lf
		l.accounts[lf.Account] = true
		l.regions[lf.Region] = true
		if lf.Org != "" {
			l.orgs[lf.Org] = true
		}
	}
	l.files = append(l.files, f)
}

// describeErr shortens SDK errors to what an analyst can act on.
func describeErr(err error) string {
	var re interface{ ErrorCode() string }
	if errors.As(err, &re) {
		switch re.ErrorCode() {
		case "AccessDenied":
			return "access denied (the credentials need s3:ListBucket on the bucket and s3:GetObject on its objects): " + err.Error()
		case "NoSuchBucket":
			return "no such bucket: " + err.Error()
		}
	}
	return err.Error()
}
