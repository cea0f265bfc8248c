package s3archive

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/klauspost/compress/gzip"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/internal/trailgen"
	"github.com/keypivot/keypivot/investigate"
)

// TestIndexOverS3 builds an archive's key index with a pivot over moto's S3, then
// overwrites one object with the events of another key (same key, new content: a new
// ETag), and pivots, as a later run, on that key: the index skips the unchanged objects
// (they are not fetched), the overwritten one is fetched again, and the answer is what a
// pivot without the index finds.
func TestIndexOverS3(t *testing.T) {
	c := newBucket(t, "trail")
	sink := &bucketSink{t: t, c: c, bkt: "trail"}
	m, err := trailgen.Generate(trailgen.Config{Seed: 21, Size: 400 << 10, Accounts: 3, Regions: []string{"us-east-1", "eu-west-1"},
		Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Workers: 8}, sink)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Client: c}
	clock := func() time.Time { return time.Date(2026, 11, 20, 10, 2, 0, 0, time.UTC) }
	st := &cloudtrail.IndexStore{Dir: t.TempDir(), Now: clock}
	source := func(st *cloudtrail.IndexStore) *Source {
		return &Source{Client: rec, Bucket: "trail", IndexStore: st}
	}
	pivot := func(src *Source, key string) ([]string, investigate.SourceReport) {
		col := sourcetest.Collect(t, src, key, investigate.Window{})
		return sourcetest.EventIDs(col.Set.Events()), col.Reports[0]
	}
	if _, rep := pivot(source(st), m.Attack.Key); rep.Index == nil || len(rep.Index.Warnings) > 0 {
		t.Fatalf("first pivot: index %+v", rep.Index)
	}
	other := m.Attack.CreatedKeys[0]
	key, etag := overwriteWithKey(t, c, "trail", other, m.Attack.Key)

	rec.reset()
	with, rep := pivot(source(st), other)
	fetched := slices.Clone(rec.fetched)
	rec.reset()
	plain, plainRep := pivot(source(nil), other)
	if !slices.Equal(with, plain) {
		t.Fatalf("with the index %d events, without %d", len(with), len(plain))
	}
	if !slices.Contains(fetched, key) {
		t.Errorf("the overwritten object %s (ETag %s) was not fetched again", key, etag)
	}
	found := false
	for _, id := range with {
		found = found || strings.HasPrefix(id, "rewritten-")
	}
	if !found {
		t.Errorf("no event of the overwritten object found")
	}
	u := rep.Index
	if u == nil || u.Skipped < m.Files/2 || len(fetched)*2 > len(rec.fetched) {
		t.Fatalf("index %+v, fetched %d objects (without the index %d): want most skipped", u, len(fetched), len(rec.fetched))
	}
	if rep.Files != plainRep.Files {
		t.Errorf("objects searched with the index %d, without %d", rep.Files, plainRep.Files)
	}
	if want := "shows they do not hold the key"; !strings.Contains(u.SkippedText(), want) {
		t.Errorf("coverage %q lacks %q", u.SkippedText(), want)
	}

	// keypivot index over the archive, as a later run: everything is indexed already.
	sum, err := source(st).BuildIndex(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files == 0 || sum.Already != sum.Files || sum.Read != 0 || sum.Keys < 3 || sum.IndexBytes == 0 {
		t.Errorf("index summary %+v: want every object already indexed", sum)
	}
}

var signer = regexp.MustCompile(`"accessKeyId":\s*"(AKIA[A-Z0-9]{16})"`)

// overwriteWithKey overwrites the first log object that holds neither key nor avoid: its
// first signer's key becomes key, and its event ids are renamed "rewritten-..." so that
// the test can tell them. It returns the object's key and its new ETag.
func overwriteWithKey(t *testing.T, c *s3.Client, bucket, key, avoid string) (string, string) {
	t.Helper()
	ctx := context.Background()
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			if !strings.HasSuffix(k, ".json.gz") {
				continue
			}
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(out.Body)
			out.Body.Close()
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(key)) || bytes.Contains(b, []byte(avoid)) {
				continue
			}
			sm := signer.FindSubmatch(b)
			if sm == nil {
				continue
			}
			b = bytes.ReplaceAll(b, sm[1], []byte(key))
			b = bytes.ReplaceAll(b, []byte(`"eventID":"`), []byte(`"eventID":"rewritten-`))
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(b)
			zw.Close()
			put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: o.Key, Body: bytes.NewReader(gz.Bytes())})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(put.ETag) == aws.ToString(o.ETag) {
				t.Fatalf("overwriting %s kept its ETag %s", k, aws.ToString(o.ETag))
			}
			return k, aws.ToString(put.ETag)
		}
	}
	t.Fatal("no object to overwrite")
	return "", ""
}

// rewriteOnFetch rewrites one object (the same events, compressed anew: a new ETag)
// just before its first fetch: after the listing, before the read.
type rewriteOnFetch struct {
	*recorder
	target string
	done   bool
	t      *testing.T
}

func (r *rewriteOnFetch) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	r.mu.Lock()
	first := aws.ToString(in.Key) == r.target && !r.done
	r.done = r.done || first
	r.mu.Unlock()
	if first {
		out, err := r.recorder.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: in.Bucket, Key: in.Key})
		if err != nil {
			r.t.Error(err)
			return nil, err
		}
		raw, _ := io.ReadAll(out.Body)
		out.Body.Close()
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			r.t.Error(err)
			return nil, err
		}
		b, _ := io.ReadAll(zr)
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
		zw.Write(b)
		zw.Close()
		if _, err := r.recorder.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: in.Bucket, Key: in.Key, Body: bytes.NewReader(gz.Bytes())}); err != nil {
			r.t.Error(err)
			return nil, err
		}
	}
	return r.recorder.GetObject(ctx, in, opts...)
}

// An object rewritten between the listing and its read is not read under its old ETag:
// the read fails its If-Match, the pivot says the object was not searched (a partial
// answer, not a silent one), nothing is indexed for it, and the next pivot reads it.
func TestObjectChangedAfterListingIsNotIndexedUnderItsOldETag(t *testing.T) {
	c := newBucket(t, "trail")
	m, err := trailgen.Generate(trailgen.Config{Seed: 22, Size: 200 << 10, Accounts: 1, Regions: []string{"us-east-1"},
		Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Workers: 4}, &bucketSink{t: t, c: c, bkt: "trail"})
	if err != nil {
		t.Fatal(err)
	}
	var target string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("trail")})
	for p.HasMorePages() && target == "" {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			if k := aws.ToString(o.Key); strings.HasSuffix(k, ".json.gz") && strings.Contains(k, "/CloudTrail/") {
				target = k
				break
			}
		}
	}
	st := &cloudtrail.IndexStore{Dir: t.TempDir(), Now: func() time.Time { return time.Date(2026, 11, 20, 10, 2, 0, 0, time.UTC) }}
	rw := &rewriteOnFetch{recorder: &recorder{Client: c}, target: target, t: t}
	col := sourcetest.Collect(t, &Source{Client: rw, Bucket: "trail", IndexStore: st}, m.Attack.Key, investigate.Window{})
	rep := col.Reports[0]
	said := false
	for _, pr := range rep.Problems {
		said = said || strings.Contains(pr.Where, target) && strings.Contains(pr.Message, "changed after it was listed")
	}
	if !said {
		t.Fatalf("the rewritten object %s is not said to be unread: %+v", target, rep.Problems)
	}
	// The next pivot, for another key, must read it: the index holds nothing for it.
	rec := &recorder{Client: c}
	sourcetest.Collect(t, &Source{Client: rec, Bucket: "trail", IndexStore: st}, m.Attack.CreatedKeys[0], investigate.Window{})
	if !slices.Contains(rec.fetched, target) {
		t.Errorf("the object rewritten after its listing was skipped by the index on the next pivot")
	}
}
