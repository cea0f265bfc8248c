package s3archive

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/internal/trailgen"
	"github.com/keypivot/keypivot/investigate"
)

// recorder is the real S3 client, with the prefixes listed and objects fetched noted
// (ranged: those fetched in part).
type recorder struct {
	*s3.Client
	mu      sync.Mutex
	listed  []string
	fetched []string
	ranged  []string
}

func (r *recorder) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	r.mu.Lock()
	r.listed = append(r.listed, aws.ToString(in.Prefix))
	r.mu.Unlock()
	return r.Client.ListObjectsV2(ctx, in, opts...)
}

func (r *recorder) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	r.mu.Lock()
	r.fetched = append(r.fetched, aws.ToString(in.Key))
	if in.Range != nil {
		r.ranged = append(r.ranged, aws.ToString(in.Key))
	}
	r.mu.Unlock()
	return r.Client.GetObject(ctx, in, opts...)
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.listed, r.fetched, r.ranged = nil, nil, nil
	r.mu.Unlock()
}

type bucketSink struct {
	t   *testing.T
	c   *s3.Client
	bkt string
	pre string
	mu  sync.Mutex
	n   int
}

func (b *bucketSink) Put(p string, data []byte) error {
	_, err := b.c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(b.bkt), Key: aws.String(b.pre + p), Body: bytes.NewReader(data)})
	b.mu.Lock()
	b.n++
	b.mu.Unlock()
	return err
}

// newBucket starts moto and creates a bucket in its S3.
func newBucket(t *testing.T, name string) *s3.Client {
	t.Helper()
	srv := moto.Start(t)
	c := s3.NewFromConfig(srv.AWSConfig(t, "us-east-1"), moto.S3Options)
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	return c
}

// archive uploads a small generated organisation-trail archive to moto's S3.
func archive(t *testing.T) (*recorder, trailgen.Manifest) {
	t.Helper()
	c := newBucket(t, "org-trail")
	sink := &bucketSink{t: t, c: c, bkt: "org-trail", pre: "cloudtrail/"}
	m, err := trailgen.Generate(trailgen.Config{Seed: 7, Size: 300 << 10, Accounts: 3, Regions: []string{"us-east-1", "eu-west-1"},
		Org: "o-a1b2c3d4e5", Digests: true, Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Workers: 8}, sink)
	if err != nil {
		t.Fatal(err)
	}
	// A zero-byte folder marker, a corrupt object, and a file holding the key a year
	// earlier: outside any window around the attack, its folder must not even be listed.
	acct := m.Attack.Account
	old := `{"Records":[{"eventVersion":"1.09","eventID":"old-1","eventTime":"2025-01-01T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","accessKeyId":"` + m.Attack.Key + `","accountId":"` + acct + `"}}]}`
	for k, body := range map[string]string{
		"AWSLogs/o-a1b2c3d4e5/" + acct + "/CloudTrail/us-east-1/2026/03/02/":                                                             "",
		"AWSLogs/o-a1b2c3d4e5/" + acct + "/CloudTrail/us-east-1/2026/03/02/" + acct + "_CloudTrail_us-east-1_20260302T0105Z_bad.json.gz": "\x1f\x8bnot really gzip",
		"AWSLogs/o-a1b2c3d4e5/" + acct + "/CloudTrail/us-east-1/2025/01/01/" + acct + "_CloudTrail_us-east-1_20250101T1005Z_old.json":    old,
	} {
		if err := sink.Put(k, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	return &recorder{Client: c}, m
}

// TestS3Archive uploads one archive (uploads to moto are the slow part) and runs the
// pivot, the index and the window-less read over it.
func TestS3Archive(t *testing.T) {
	rec, m := archive(t)
	t.Run("pivot", func(t *testing.T) { testPivot(t, rec, m) })
	rec.reset()
	t.Run("later rounds", func(t *testing.T) { testLaterRounds(t, rec, m) })
	rec.reset()
	t.Run("accounts and regions", func(t *testing.T) { testScope(t, rec, m) })
}

// testScope: Accounts and Regions prune the listing of an organisation trail: the other
// accounts' and regions' folders are never listed, their objects never fetched, and the
// notes say what was left out.
func testScope(t *testing.T, rec *recorder, m trailgen.Manifest) {
	ctx := context.Background()
	acct := m.Attack.Account
	var others []string
	for _, a := range m.Accounts {
		if a != acct {
			others = append(others, a)
		}
	}
	if len(others) != 2 || len(m.Regions) != 2 {
		t.Fatalf("archive has accounts %v regions %v", m.Accounts, m.Regions)
	}
	q := investigate.EventQuery{AccessKeys: investigate.KeyIDs(m.Attack.Key)}
	src := &Source{Client: rec, Bucket: "org-trail", Prefix: "cloudtrail/", Accounts: []string{acct, "999999999999"}, Regions: []string{"us-east-1"}}
	rep, events, err := sourcetest.Events(ctx, src, q)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(append([]string{}, rec.listed...), rec.fetched...) {
		for _, o := range others {
			if strings.Contains(p, "/"+o+"/") {
				t.Errorf("listed or fetched %s of account %s", p, o)
			}
		}
		if strings.Contains(p, "/eu-west-1/") {
			t.Errorf("listed or fetched %s in eu-west-1", p)
		}
	}
	if len(rec.fetched) == 0 || len(events) == 0 {
		t.Fatalf("fetched %d objects, %d events", len(rec.fetched), len(events))
	}
	for _, e := range events {
		if e.Region != "us-east-1" {
			t.Errorf("event %s in %s", e.ID, e.Region)
		}
	}
	notes := strings.Join(rep.Notes, "\n")
	for _, want := range []string{
		"listing pruned to accounts " + acct + ",999999999999 and regions us-east-1: not read: 2 other accounts (" + strings.Join(sorted(others), ",") + "), 1 other region (eu-west-1; 1 folder)",
		"not in the archive: account 999999999999",
		"organisation o-a1b2c3d4e5, 1 account, 1 region",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	// The whole archive, for comparison: the pruned listing fetched less.
	pruned := len(rec.fetched)
	rec.reset()
	if _, err := (&Source{Client: rec, Bucket: "org-trail", Prefix: "cloudtrail/"}).Events(ctx, q, func([]investigate.Event) {}); err != nil {
		t.Fatal(err)
	}
	if pruned*3 > len(rec.fetched) {
		t.Errorf("pruned listing fetched %d objects, the whole archive %d", pruned, len(rec.fetched))
	}
	// A prefix naming an account outside the scope lists nothing below it.
	rec.reset()
	rep, err = (&Source{Client: rec, Bucket: "org-trail", Prefix: "cloudtrail/AWSLogs/o-a1b2c3d4e5/" + others[0] + "/", Accounts: []string{acct}}).Events(ctx, q, func([]investigate.Event) {})
	if err != nil || len(rec.listed) != 0 || rep.Files != 0 || !strings.Contains(strings.Join(rep.Notes, "\n"), "1 other account ("+others[0]+")") {
		t.Errorf("err %v listed %v files %d notes %q", err, rec.listed, rep.Files, rep.Notes)
	}
}

// countOf is how many times v is in s.
func countOf(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

func testPivot(t *testing.T, rec *recorder, m trailgen.Manifest) {
	src := &Source{Client: rec, Bucket: "org-trail", Prefix: "cloudtrail"}
	w := investigate.Window{Since: m.Attack.Start.Add(-time.Hour), Until: m.Attack.End.Add(time.Hour)}
	col := sourcetest.Collect(t, src, m.Attack.Key, w)

	// Every event of the attack inside the window, sessions followed transitively.
	want := map[string]bool{m.Attack.Key: true}
	for _, k := range m.Attack.SessionKeys {
		want[k] = true
	}
	for _, k := range m.Attack.SessionKeys {
		if !contains(investigate.KeyStrings(col.Keys), k) {
			t.Errorf("derived session %s not followed (keys %v)", k, col.Keys)
		}
	}
	launches := 0
	for _, e := range col.Set.Events() {
		if !w.Contains(e.Time) {
			t.Errorf("event %s at %s outside the window", e.ID, e.Time)
		}
		if e.ID == "old-1" {
			t.Errorf("the 2025 event was read")
		}
		if e.Name == "RunInstances" {
			launches++
			if e.Region == m.Attack.Decoy.Region && strings.Contains(string(e.Request()), `"keyName":"`+m.Attack.Decoy.Name+`"`) && !want[e.Signer()] {
				t.Errorf("decoy launch %s in %s followed", e.ID, e.Region)
			}
		}
	}
	if launches != m.Attack.Launches {
		t.Errorf("launches = %d, want %d", launches, m.Attack.Launches)
	}
	rep := col.Reports[0]
	if rep.Kind != "cloudtrail-s3" || rep.Files == 0 || rep.Skipped == 0 {
		t.Errorf("report %+v", rep)
	}
	// The corrupt object is reported with its S3 path; the rest still loads.
	found := false
	for _, p := range rep.Problems {
		if strings.HasPrefix(p.Where, "s3://org-trail/cloudtrail/AWSLogs/o-a1b2c3d4e5/") && strings.Contains(p.Where, "_bad.json.gz") {
			found = true
		}
	}
	if !found {
		t.Errorf("corrupt object not reported: %+v", rep.Problems)
	}
	// The later rounds reused the first round's listing.
	month := "cloudtrail/AWSLogs/o-a1b2c3d4e5/" + m.Attack.Account + "/CloudTrail/us-east-1/2026/03/"
	n := 0
	for _, p := range rec.listed {
		if p == month {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%s was listed %d times over the pivot's rounds", month, n)
	}
	// Listing: organisation, accounts, regions and only the date folders of the window;
	// never a digest folder, never the 2025 folders.
	for _, p := range rec.listed {
		if strings.Contains(p, "CloudTrail-Digest") || strings.Contains(p, "/2025/01/") {
			t.Errorf("listed %s", p)
		}
	}
	for _, k := range rec.fetched {
		if strings.Contains(k, "CloudTrail-Digest") || strings.Contains(k, "/2025/") {
			t.Errorf("fetched %s", k)
		}
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "organisation o-a1b2c3d4e5, 3 accounts, 2 regions") {
		t.Errorf("notes %q", rep.Notes)
	}
	// Coverage counts each object once, though later rounds fetched some again.
	fetched := 0
	for _, r := range col.Rounds[0] {
		fetched += r.Files
	}
	if len(col.Rounds[0]) < 2 || fetched <= rep.Files || !strings.Contains(strings.Join(rep.Notes, "\n"), fmt.Sprintf(": %d log objects;", rep.Files)) {
		t.Errorf("files %d over %d rounds that read %d: want the listing's log objects, once (notes %q)", rep.Files, len(col.Rounds[0]), fetched, rep.Notes)
	}
}

func testLaterRounds(t *testing.T, rec *recorder, m trailgen.Manifest) {
	src := &Source{Client: rec, Bucket: "org-trail", Prefix: "cloudtrail/"}
	ctx := context.Background()
	r1, _, err := sourcetest.Events(ctx, src, investigate.EventQuery{AccessKeys: investigate.KeyIDs(m.Attack.Key)})
	if err != nil {
		t.Fatal(err)
	}
	first := len(rec.fetched)
	rec.reset()
	if _, _, err := sourcetest.Events(ctx, src, investigate.EventQuery{AccessKeys: investigate.KeyIDs(m.Attack.SessionKeys[:1]...)}); err != nil {
		t.Fatal(err)
	}
	if len(rec.fetched) == 0 || len(rec.fetched) > 6 || first < 50 {
		t.Fatalf("first pass fetched %d objects, second %d (want only the few holding the session key)", first, len(rec.fetched))
	}
	// With no window, the 2025 file is read too.
	found := false
	col := sourcetest.Collect(t, &Source{Client: rec, Bucket: "org-trail", Prefix: "cloudtrail/AWSLogs/o-a1b2c3d4e5/" + m.Attack.Account + "/"}, m.Attack.Key, investigate.Window{})
	for _, e := range col.Set.Events() {
		found = found || e.ID == "old-1"
	}
	if !found || r1.Files < first {
		t.Errorf("the 2025 event was not found without a window (files %d)", r1.Files)
	}
}

func TestMissingBucketIsAnError(t *testing.T) {
	srv := moto.Start(t)
	c := s3.NewFromConfig(srv.AWSConfig(t, "us-east-1"), moto.S3Options)
	src := &Source{Client: c, Bucket: "no-such-bucket"}
	_, err := src.Events(context.Background(), investigate.EventQuery{AccessKeys: investigate.KeyIDs("AKIAIOSFODNN7EXAMPLE")}, func([]investigate.Event) {})
	if err == nil || !strings.Contains(err.Error(), "no such bucket") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseURL(t *testing.T) {
	for spec, want := range map[string][2]string{
		"s3://b":                    {"b", ""},
		"s3://b/AWSLogs/o-x/":       {"b", "AWSLogs/o-x/"},
		"s3://my-trail/cloudtrail/": {"my-trail", "cloudtrail/"},
	} {
		b, p, err := ParseURL(spec)
		if err != nil || b != want[0] || p != want[1] {
			t.Errorf("%s: %q %q %v", spec, b, p, err)
		}
	}
	for _, bad := range []string{"s3://", "s3:///x", "https://b/x"} {
		if _, _, err := ParseURL(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// objectsKey signs the records of the objects bucket.
const objectsKey = "AKIAOBJECTTEST000001"

// objectsDay is the day folder of the objects bucket's logs.
const objectsDay = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/"

// objectsBucket uploads to moto's S3 a bucket "trail" holding objects of every kind: logs
// named as such, objects without an extension (the export is CloudTrail, the blob is
// not), other files, markers, digests, folders outside the window and the scope.
func objectsBucket(t *testing.T) *s3.Client {
	t.Helper()
	c := newBucket(t, "trail")
	const key, day = objectsKey, objectsDay
	rec := func(id, at, extra string) string {
		return `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","accessKeyId":"` + key + `","accountId":"111122223333"},"eventTime":"` + at +
			`","eventSource":"iam.amazonaws.com","eventName":"ListUsers","awsRegion":"us-east-1","eventID":"` + id + `","recipientAccountId":"111122223333"` + extra + `}`
	}
	gzip := func(s string) string {
		var b bytes.Buffer
		w := stdgzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.String()
	}
	objects := map[string]string{
		day + "111122223333_CloudTrail_us-east-1_20261120T0905Z_a.json.gz":   gzip(`{"Records":[` + rec("s1", "2026-11-20T09:01:00Z", "") + `]}`),
		day + "111122223333_CloudTrail_us-east-1_20261120T0910Z_big.json.gz": gzip(`{"Records":[` + rec("big", "2026-11-20T09:06:00Z", `,"requestParameters":{"p":"`+strings.Repeat("x", 8<<10)+`"}`) + `,` + rec("s2", "2026-11-20T09:07:00Z", "") + `]}`),
		day + "export":     rec("s3", "2026-11-20T08:00:00Z", "") + "\n" + rec("s4", "2026-11-20T10:00:00Z", "") + "\n",
		day + "blob":       gzip(strings.Repeat("\x00\x01", 1000)),
		day + "notes.txt":  "x",
		day:                "",
		day + "empty.json": "",
		day + "111122223333_CloudTrail-Digest_us-east-1_x.json.gz":                                                          "{}",
		"AWSLogs/111122223333/CloudTrail/us-east-1/2025/01/01/111122223333_CloudTrail_us-east-1_20250101T0905Z_old.json.gz": gzip(`{"Records":[]}`),
		"AWSLogs/222233334444/CloudTrail/us-east-1/2026/11/20/222233334444_CloudTrail_us-east-1_20261120T0905Z_b.json.gz":   gzip(`{"Records":[]}`),
		"AWSLogs/filebeat.log": rec("s5", "2026-11-20T09:30:00Z", "") + "\n",
		// A folder beside the layout's date folders is read whole; a folder beside
		// AWSLogs/ at the bucket's root is another service's: counted, not listed.
		"AWSLogs/111122223333/CloudTrail/us-east-1/backup/copy.ndjson": rec("s6", "2026-11-20T09:40:00Z", "") + "\n",
		"elb/app.log":              "not cloudtrail\n",
		"exports/case-1234.ndjson": rec("s7", "2026-11-20T09:50:00Z", "") + "\n",
	}
	for k, body := range objects {
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("trail"), Key: aws.String(k), Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// objectsNote is the listing note of the objects bucket: the objects without an extension
// counted as what their content is.
const objectsNote = ": 5 log objects; left out: 4 not-a-log, 2 empty-file, 1 digest, 1 outside-window, 1 pruned (1 date folder outside the window not listed)"

// TestObjectsAreTakenByNameAndContent: objects are read by name like the files of a
// directory, objects without an extension by their content (sniffed as they are read:
// one GetObject each), and everything left out is counted by reason; the report says
// what was searched.
func TestObjectsAreTakenByNameAndContent(t *testing.T) {
	c := objectsBucket(t)
	ctx := context.Background()
	const key, day = objectsKey, objectsDay
	rc := &recorder{Client: c}
	src := &Source{Client: rc, Bucket: "trail", Accounts: []string{"111122223333"}, MaxRecordBytes: 4 << 10}
	w := investigate.Window{Since: time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)}
	rep, events, err := sourcetest.Events(ctx, src, investigate.EventQuery{AccessKeys: investigate.KeyIDs(key), Window: w})
	if err != nil {
		t.Fatal(err)
	}
	// The objects without an extension are fetched once, to tell and to read, never in part.
	for _, k := range []string{day + "export", day + "blob"} {
		if n := countOf(rc.fetched, k); n != 1 {
			t.Errorf("%s fetched %d times, want once", k, n)
		}
	}
	if len(rc.ranged) != 0 {
		t.Errorf("ranged reads of %v", rc.ranged)
	}
	if notes := strings.Join(rep.Notes, "\n"); !strings.Contains(notes, objectsNote) {
		t.Errorf("notes %q", notes)
	}
	if ids, want := sourcetest.EventIDs(events), []string{"s1", "s2", "s3", "s4", "s5", "s6"}; !slices.Equal(ids, want) {
		t.Errorf("events %v, want %v", ids, want)
	}
	skips, total := map[string]int{}, 0
	for _, s := range rep.Skips {
		skips[s.Reason] = s.Count
		total += s.Count
	}
	want := map[string]int{
		investigate.SkipNotLog:        4, // notes.txt, blob, the elb/ and exports/ folders
		investigate.SkipEmptyFile:     2, // the folder marker, empty.json
		investigate.SkipDigest:        1,
		investigate.SkipOutsideWindow: 1, // the 2025 folder, not listed
		investigate.SkipPruned:        1, // account 222233334444's folder, not listed
	}
	if fmt.Sprint(skips) != fmt.Sprint(want) || total != rep.Skipped {
		t.Errorf("skips %v (Skipped %d), want %v", skips, rep.Skipped, want)
	}
	// Three log objects, the export without an extension, the one beside the layout and
	// the one in a folder beside the date folders.
	if rep.Files != 5 {
		t.Errorf("files %d, want 5", rep.Files)
	}
	if len(rep.Problems) != 1 || !strings.HasSuffix(rep.Problems[0].Where, "_big.json.gz#record 1") || !strings.Contains(rep.Problems[0].Message, "over the record size limit of 4.0 KiB") {
		t.Errorf("problems %+v", rep.Problems)
	}
	// An export named by its key is read.
	one := &Source{Client: c, Bucket: "trail", Prefix: "exports/case-1234.ndjson"}
	_, events, err = sourcetest.Events(ctx, one, investigate.EventQuery{AccessKeys: investigate.KeyIDs(key)})
	if got := sourcetest.EventIDs(events); err != nil || !slices.Equal(got, []string{"s7"}) {
		t.Errorf("the export named by its key: %v, %v", got, err)
	}
	if !rep.Span.Since.Equal(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)) || !rep.Span.Until.Equal(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) ||
		!slices.Equal(rep.Accounts, []string{"111122223333"}) || !slices.Equal(rep.AWSRegions, []string{"us-east-1"}) {
		t.Errorf("span %v..%v accounts %v regions %v", rep.Span.Since, rep.Span.Until, rep.Accounts, rep.AWSRegions)
	}
}

// TestLaterRoundsDoNotFetchWhatIsNoLog: the rounds of a pivot share the listing, which
// learns from the first round's scan which objects without an extension are no log: the
// later rounds do not fetch them again (nor count them as searched when a key-pair round
// rules out their region), and report the same counts as the first.
func TestLaterRoundsDoNotFetchWhatIsNoLog(t *testing.T) {
	c := objectsBucket(t)
	ctx := context.Background()
	rc := &recorder{Client: c}
	src := &Source{Client: rc, Bucket: "trail", Accounts: []string{"111122223333"}, MaxRecordBytes: 4 << 10}
	w := investigate.Window{Since: time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)}
	keys := investigate.EventQuery{AccessKeys: investigate.KeyIDs(objectsKey), Window: w}
	first, _, err := sourcetest.Events(ctx, src, keys)
	if err != nil {
		t.Fatal(err)
	}
	if n := countOf(rc.fetched, objectsDay+"blob"); n != 1 {
		t.Fatalf("the first round fetched the blob %d times, want once", n)
	}
	if notes := strings.Join(first.Notes, "\n"); !strings.Contains(notes, objectsNote) {
		t.Errorf("first round's notes %q", notes)
	}
	counts := func(r investigate.SourceReport) string {
		return fmt.Sprintf("files %d, skips %v (Skipped %d)", r.Files, r.Skips, r.Skipped)
	}
	for _, round := range []struct {
		name string
		q    investigate.EventQuery
	}{
		{"the key again", keys},
		{"a key pair in another region", investigate.EventQuery{KeyPairs: []investigate.KeyPairRef{{Name: "k", Region: "eu-west-1"}}, Window: w}},
	} {
		rc.reset()
		rep, _, err := sourcetest.Events(ctx, src, round.q)
		if err != nil {
			t.Fatal(err)
		}
		if n := countOf(rc.fetched, objectsDay+"blob"); n != 0 {
			t.Errorf("%s: the blob, no log, fetched again (%d times)", round.name, n)
		}
		if got, want := counts(rep), counts(first); got != want {
			t.Errorf("%s: %s, want the first round's %s", round.name, got, want)
		}
		if len(rc.listed) != 0 || slices.ContainsFunc(rep.Notes, func(n string) bool { return strings.Contains(n, "log objects") }) {
			t.Errorf("%s: listed %v again (notes %q)", round.name, rc.listed, rep.Notes)
		}
	}
}

// failOnce fails the first fetch of one object.
type failOnce struct {
	*recorder
	key    string
	failed bool
}

func (f *failOnce) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	f.mu.Lock()
	fail := !f.failed && aws.ToString(in.Key) == f.key
	f.failed = f.failed || fail
	f.mu.Unlock()
	if fail {
		return nil, errors.New("connection reset")
	}
	return f.recorder.GetObject(ctx, in, opts...)
}

// TestUnreadableObjectIsToldAgain: an object without an extension that could not be read
// to tell is a problem of its round, and the next round tries it again (the listing does
// not learn a problem, as a listing with problems is not cached).
func TestUnreadableObjectIsToldAgain(t *testing.T) {
	rc := &recorder{Client: objectsBucket(t)}
	src := &Source{Client: &failOnce{recorder: rc, key: objectsDay + "export"}, Bucket: "trail", Accounts: []string{"111122223333"}}
	q := investigate.EventQuery{AccessKeys: investigate.KeyIDs(objectsKey), Window: investigate.Window{Since: time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)}}
	first, _, err := sourcetest.Events(context.Background(), src, q)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(first.Problems, func(p investigate.Problem) bool {
		return strings.HasSuffix(p.Where, "/export") && strings.Contains(p.Message, "connection reset")
	}) {
		t.Fatalf("problems %+v, want the export's", first.Problems)
	}
	second, events, err := sourcetest.Events(context.Background(), src, q)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(sourcetest.EventIDs(events), "s3") || slices.ContainsFunc(second.Problems, func(p investigate.Problem) bool { return strings.HasSuffix(p.Where, "/export") }) {
		t.Errorf("the export was not read again: events %v, problems %+v", sourcetest.EventIDs(events), second.Problems)
	}
}
