// Package s3archive reads CloudTrail trail archives from S3 (`--trail s3://bucket/prefix`)
// as an investigate.EventSource. It lists only the prefixes a query needs: the accounts
// (organisation trails included) and regions found by delimiter listing, narrowed to
// Source.Accounts and Source.Regions when set, and the YYYY/MM/DD folders that can hold
// events of the window, padded for delivery lag. Objects are taken by name like the files of
// a local directory (cloudtrail.ClassifyName: .json, .jsonl, .ndjson, .log, each .gz, any
// .gz), objects without an extension by content (cloudtrail.File.Sniff: the scan sniffs
// the beginning of the one GetObject that reads them); digests, zero-byte markers, other
// objects and the folders left out by the window or the scope are counted in the report
// by reason. Objects are fetched in parallel and parsed by the local parser
// (cloudtrail.ScanListing), which keeps an index of what it read so that a pivot's later
// rounds fetch only the objects that can hold the new keys (with an IndexStore, later runs
// too: objects answer by their ETag and size, index.go builds it ahead); the listing they
// share learns which objects without an extension are no log, so that they are fetched once.
//
// Like every aws/ package it imports investigate (the interfaces it implements, the
// types it fills) and the AWS SDK, never tui, cmd or internal. It reads object bodies
// with files/cloudtrail.
package s3archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/investigate"
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
	// MaxRecordBytes bounds the size of one record (0: cloudtrail.DefaultMaxRecordBytes):
	// a larger record is reported with its object and place, and never held whole.
	MaxRecordBytes int
	// IndexStore, when set, keeps the archive's key index on disk between runs (files
	// answer by their ETag and size: an object overwritten is read again); otherwise it
	// serves this run only.
	IndexStore *cloudtrail.IndexStore

	indexOnce sync.Once
	index     *cloudtrail.Index

	// The last listing, reused by the next rounds of a pivot over the same window, with
	// what their scans learned of its objects without an extension (keep).
	mu       sync.Mutex
	listed   *cloudtrail.Listing
	listedW  investigate.Window
	listedS  string
	listedAt time.Time
}

// listingTTL is how long a listing serves later passes: the rounds of one pivot, not a
// live trail's new deliveries of the next hour.
const listingTTL = 2 * time.Minute

// cachedList lists the window, or reuses the listing of an earlier pass over it; walk is
// the walk that listed it now (nil when reused), which describes it.
func (s *Source) cachedList(ctx context.Context, w investigate.Window) (l *cloudtrail.Listing, walk *listing, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := strings.Join(s.Accounts, ",") + "|" + strings.Join(s.Regions, ",")
	if s.listed != nil && s.listedW == w && s.listedS == sc && time.Since(s.listedAt) < listingTTL {
		return s.listed, nil, nil
	}
	walk, err = s.list(ctx, w)
	l = walk.found()
	if err == nil && len(l.Problems) == 0 {
		s.listed, s.listedW, s.listedS, s.listedAt = l, w, sc, time.Now()
	}
	return l, walk, err
}

// keep makes learned, the listing l as a scan learned it (cloudtrail.ScanListing), the
// cached listing when l still is, so that later rounds do not fetch again the objects
// without an extension it told are no log. A scan that could not read one to tell
// (cancelled included) is not kept, as a listing with problems is not cached: the next
// round tells them again.
func (s *Source) keep(l, learned *cloudtrail.Listing) {
	if len(learned.Problems) > len(l.Problems) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listed == l {
		s.listed = learned
	}
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
	s.indexOnce.Do(func() {
		if s.IndexStore == nil {
			s.index = &cloudtrail.Index{}
			return
		}
		s.index = s.IndexStore.Open(s.Name())
	})
	return s.index
}

// Events implements investigate.EventSource.
func (s *Source) Events(ctx context.Context, q investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	start := time.Now()
	rep := investigate.SourceReport{Source: s.Name(), Kind: "cloudtrail-s3"}
	l, walk, err := s.cachedList(ctx, q.Window)
	if err != nil {
		rep.Problems = append(rep.Problems, l.Problems...)
		rep.Elapsed = time.Since(start)
		return rep, err
	}
	// The scan tells the objects without an extension by their content as it reads them;
	// the listing learns what they are, and is reported as a listing that had told them.
	r, learned := cloudtrail.ScanListing(ctx, *l, q, s.opener(ctx, l.Files), sink, cloudtrail.ScanOptions{Workers: s.workers(), Progress: s.OnProgress, Index: s.idx(), MaxRecordBytes: s.MaxRecordBytes})
	s.idx().Keep(&r)
	s.keep(l, &learned)
	learned.Report(&rep) // every round reports what the listing left out
	rep.Problems = append(rep.Problems, learned.Problems...)
	if walk != nil {
		rep.Notes = append(rep.Notes, walk.describe(learned))
	}
	rep.Merge(r)
	rep.Source, rep.Kind = s.Name(), "cloudtrail-s3"
	rep.Elapsed = time.Since(start)
	return rep, ctx.Err()
}

// workers is how many objects are fetched at once.
func (s *Source) workers() int {
	if s.Workers > 0 {
		return s.Workers
	}
	return max(16, 8*runtime.GOMAXPROCS(0))
}

// opener fetches one object of files; the SDK's retryer covers failures before the body
// arrives, and a body cut short is reported by the parser with what came before it. An
// object is fetched only as it was listed (If-Match its listed ETag): the key index
// records what a file holds under that ETag, and an object rewritten between the listing
// and the read would otherwise be indexed under the ETag of what it was before.
func (s *Source) opener(ctx context.Context, files []cloudtrail.File) func(string) cloudtrail.Opener {
	etags := make(map[string]string, len(files))
	for _, f := range files {
		etags[f.Path] = f.Sig
	}
	return func(path string) cloudtrail.Opener {
		key := strings.TrimPrefix(path, "s3://"+s.Bucket+"/")
		return func() (io.ReadCloser, error) {
			in := &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)}
			if etag := etags[path]; etag != "" {
				in.IfMatch = aws.String(etag)
			}
			out, err := s.Client.GetObject(ctx, in)
			if err != nil {
				if changedSinceListed(err) {
					return nil, fmt.Errorf("the object changed after it was listed (its ETag is no longer %s): not read; run the pivot again to list it anew", etags[path])
				}
				return nil, errors.New(describeErr(err))
			}
			return out.Body, nil
		}
	}
}

// changedSinceListed reports whether a GetObject failed its If-Match.
func changedSinceListed(err error) bool {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusPreconditionFailed {
		return true
	}
	var ae interface{ ErrorCode() string }
	return errors.As(err, &ae) && ae.ErrorCode() == "PreconditionFailed"
}

// listing is what the listing found.
type listing struct {
	files []cloudtrail.File
	// skips counts what was left out unread, by reason.
	skips    cloudtrail.SkipTally
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

// admit decides an account's or a region's folder by the scope; a folder left out is
// counted (once, whatever it holds: it is never listed).
func (l *listing) admit(prefix, account, region string) bool {
	if !l.prune.Scope.Narrowed() {
		return true
	}
	l.mu.Lock()
	ok := l.prune.Admit(account, region)
	l.mu.Unlock()
	if !ok {
		l.skips.Add(investigate.SkipPruned, 1, prefix+" (a folder not listed: each counts once, whatever it holds)")
	}
	return ok
}

// found is what the walk found.
func (l *listing) found() *cloudtrail.Listing {
	skips, skipped := l.skips.Skips()
	return &cloudtrail.Listing{Files: l.files, Skips: skips, Skipped: skipped, Problems: l.problems, Pruning: l.prune}
}

// describe says what the walk listed and left out; found is its listing, as the scan
// learned it (the objects without an extension it told are counted as what they are).
func (l *listing) describe(found cloudtrail.Listing) string {
	var b strings.Builder
	b.WriteString("listed " + investigate.Plural(l.calls, "prefix") + ": ")
	if len(l.orgs) > 0 {
		fmt.Fprintf(&b, "organisation %s, ", strings.Join(keys(l.orgs), ","))
	}
	left := "nothing left out"
	if len(found.Skips) > 0 {
		var parts []string
		for _, sk := range found.Skips {
			parts = append(parts, fmt.Sprintf("%d %s", sk.Count, sk.Reason))
		}
		left = "left out: " + strings.Join(parts, ", ")
	}
	sniffed := 0
	for _, f := range found.Files {
		if f.Sniff {
			sniffed++
		}
	}
	fmt.Fprintf(&b, "%s, %s, %s in the window: %s", investigate.Plural(len(l.accounts), "account"), investigate.Plural(len(l.regions), "region"),
		investigate.Plural(len(l.days), "day"), investigate.Plural(len(found.Files)-sniffed, "log object"))
	if sniffed > 0 {
		fmt.Fprintf(&b, " and %s without an extension (read when their content is CloudTrail)", investigate.Plural(sniffed, "object"))
	}
	fmt.Fprintf(&b, "; %s (%s outside the window not listed)", left, investigate.Plural(l.prunedFolders, "date folder"))
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
	lvTop     level = iota // a prefix above AWSLogs/: children: AWSLogs/, or other folders
	lvAWSLogs              // children: o-... or accounts
	lvOrg                  // children: accounts
	lvRegions              // children: regions
	lvYear                 // children: YYYY/
	lvMonth                // children: MM/
	lvDay                  // children: DD/
	lvObjects              // objects (the level below lvDay: dateFolder counts on the order)
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
		if strings.HasSuffix(p, "AWSLogs") {
			return node{prefix: p + "/", lv: lvAWSLogs}, nil
		}
		if p != "" && !strings.HasSuffix(p, "/") {
			if k := cloudtrail.ClassifyName(lastSeg(p)); k == cloudtrail.NameLog || k == cloudtrail.NameDigest {
				// An object's key (an export): that object.
				return node{prefix: p, lv: lvObjects}, nil
			}
			p += "/" // a folder named without its slash
		}
		// The bucket, or a folder above the layout: its objects are read, AWSLogs/ is
		// walked by the layout, and other folders as child decides.
		return node{prefix: p, lv: lvTop}, nil
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
	folder := root.prefix[:strings.LastIndex(root.prefix, "/")+1]
	if a, r := cloudtrail.LayoutFolder(folder); !l.admit("s3://"+s.Bucket+"/"+folder, a, r) {
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
		// Objects: every object below a day folder, and any object beside the layout's
		// folders (an export dropped into AWSLogs/ is read by its name and content too).
		for _, o := range out.Contents {
			s.object(o.Key, o.Size, o.ETag, w, l)
		}
		if n.lv == lvObjects {
			continue
		}
		for _, cp := range out.CommonPrefixes {
			if c, ok := s.child(n, aws.ToString(cp.Prefix), w, l); ok {
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
func (s *Source) child(n node, prefix string, w investigate.Window, l *listing) (node, bool) {
	url := "s3://" + s.Bucket + "/" + prefix
	seg := lastSeg(prefix)
	note := func(m map[string]bool, v string) {
		l.mu.Lock()
		m[v] = true
		l.mu.Unlock()
	}
	// A folder that does not fit the layout where it is found (a backup/ folder beside
	// the regions, an export folder) is read whole, every object by its name and content,
	// as a local copy of the tree would be.
	outside := node{prefix: prefix, lv: lvObjects}
	switch n.lv {
	case lvTop:
		switch {
		case seg == "AWSLogs":
			return node{prefix: prefix, lv: lvAWSLogs}, true
		case s.Prefix == "":
			// At the bucket's root, other folders are other services' logs: counted,
			// not listed.
			l.skips.Add(investigate.SkipNotLog, 1, url+" (a folder beside AWSLogs/: not listed; name it in --trail to read it)")
			return node{}, false
		}
		return outside, true
	case lvAWSLogs:
		if strings.HasPrefix(seg, "o-") {
			note(l.orgs, seg)
			return node{prefix: prefix, lv: lvOrg}, true
		}
		return accountNode(url, prefix, seg, l)
	case lvOrg:
		return accountNode(url, prefix, seg, l)
	case lvRegions:
		if !l.admit(url, "", seg) {
			return node{}, false
		}
		note(l.regions, seg)
		return node{prefix: prefix, lv: lvYear}, true
	case lvYear, lvMonth, lvDay:
		c, ok := dateFolder(n, prefix, seg)
		if !ok {
			return outside, true
		}
		if !mayHold(c, w, l, url) {
			return node{}, false
		}
		if n.lv == lvDay {
			note(l.days, c.from.Format("2006-01-02"))
		}
		return c, true
	}
	return node{}, false
}

// dateFolder is the folder named seg below n, a level of the date folders (YYYY/ below a
// region, MM/ below a year, DD/ below a month), with the period it covers; false when
// seg is no year, month or day.
func dateFolder(n node, prefix, seg string) (node, bool) {
	v, err := strconv.Atoi(seg)
	if err != nil {
		return node{}, false
	}
	y, m, d := n.from.Date()
	var years, months, days int // the length of the period
	switch n.lv {
	case lvYear:
		if len(seg) != 4 {
			return node{}, false
		}
		y, m, d, years = v, time.January, 1, 1
	case lvMonth:
		if v < 1 || v > 12 {
			return node{}, false
		}
		m, d, months = time.Month(v), 1, 1
	case lvDay:
		if v < 1 || v > 31 {
			return node{}, false
		}
		d, days = v, 1
	default:
		return node{}, false
	}
	from := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return node{prefix: prefix, lv: n.lv + 1, from: from, to: from.AddDate(years, months, days)}, true
}

// mayHold reports whether a date folder can hold events of the window: files delivered
// in [from, to) hold events from [from-DeliveryLag, to). A folder ruled out counts as
// skipped, once (its objects are not even listed).
func mayHold(n node, w investigate.Window, l *listing, url string) bool {
	ok := (w.Since.IsZero() || n.to.After(w.Since)) && (w.Until.IsZero() || n.from.Add(-cloudtrail.DeliveryLag).Before(w.Until))
	if !ok {
		l.mu.Lock()
		l.prunedFolders++
		l.mu.Unlock()
		l.skips.Add(investigate.SkipOutsideWindow, 1, url+" (a date folder not listed: each counts once, whatever it holds)")
	}
	return ok
}

// accountNode goes straight to an account's CloudTrail/ folder: CloudTrail-Digest/ and
// CloudTrail-Insight/ are never listed.
func accountNode(url, prefix, seg string, l *listing) (node, bool) {
	if !isAccount(seg) {
		return node{prefix: prefix, lv: lvObjects}, true // not an account: read whole
	}
	if !l.admit(url, seg, "") {
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

// object records one listed object, or counts it as left out by reason. An object
// without an extension is listed to be told by its content when the scan reads it
// (cloudtrail.File.Sniff): the listing learns from the scan that it is not a log, or a
// problem when it cannot be read to tell (cloudtrail.ScanListing).
func (s *Source) object(key *string, size *int64, etag *string, w investigate.Window, l *listing) {
	k := aws.ToString(key)
	sz := aws.ToInt64(size)
	url := "s3://" + s.Bucket + "/" + k
	if strings.HasSuffix(k, "/") {
		l.skips.Add(investigate.SkipEmptyFile, 1, url) // a folder marker
		return
	}
	kind := cloudtrail.ClassifyName(k)
	switch kind {
	case cloudtrail.NameDigest:
		l.skips.Add(investigate.SkipDigest, 1, url)
		return
	case cloudtrail.NameOther:
		l.skips.Add(investigate.SkipNotLog, 1, url)
		return
	}
	lf, inLayout := cloudtrail.ParseLayout(k)
	switch {
	case inLayout && lf.Digest:
		l.skips.Add(investigate.SkipDigest, 1, url)
		return
	case inLayout && !lf.InWindow(w.Since, w.Until):
		l.skips.Add(investigate.SkipOutsideWindow, 1, url)
		return
	case sz == 0:
		l.skips.Add(investigate.SkipEmptyFile, 1, url)
		return
	}
	if inLayout && l.prune.Scope.Narrowed() {
		l.mu.Lock()
		ok := l.prune.Admit(lf.Account, lf.Region)
		l.mu.Unlock()
		if !ok {
			l.skips.Add(investigate.SkipPruned, 1, url)
			return
		}
	}
	f := cloudtrail.File{Path: url, Size: sz, Sig: aws.ToString(etag), Sniff: kind == cloudtrail.NameSniff}
	l.mu.Lock()
	defer l.mu.Unlock()
	if inLayout {
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
