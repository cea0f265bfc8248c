package cloudtrail

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/internal/testfiles"

	"github.com/keypivot/keypivot/files"
	"github.com/keypivot/keypivot/internal/trailgen"
	"github.com/keypivot/keypivot/investigate"
)

// skipsOf is a report's skips as reason -> count, checking that Skipped is their total.
func skipsOf(t *testing.T, rep investigate.SourceReport) map[string]int {
	t.Helper()
	got, total := map[string]int{}, 0
	for _, s := range rep.Skips {
		got[s.Reason] += s.Count
		total += s.Count
		if s.Example == "" {
			t.Errorf("skip %s has no example", s.Reason)
		}
	}
	if total != rep.Skipped {
		t.Errorf("Skipped %d, but the skips add up to %d: %+v", rep.Skipped, total, rep.Skips)
	}
	return got
}

func scanWith(t *testing.T, src *FileSource, q investigate.EventQuery) (investigate.SourceReport, []investigate.Event) {
	t.Helper()
	var events []investigate.Event
	done := make(chan struct{})
	ch := make(chan []investigate.Event)
	go func() {
		for b := range ch {
			events = append(events, b...)
		}
		close(done)
	}()
	rep, err := src.Events(context.Background(), q, func(b []investigate.Event) { ch <- b })
	close(ch)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	return rep, events
}

func ndjson(recs ...string) []byte { return []byte(strings.Join(recs, "\n") + "\n") }

// TestDirectoriesAreReadByContent: a directory is read by what its files hold, and what
// is left out is counted by reason, never dropped in silence.
func TestDirectoriesAreReadByContent(t *testing.T) {
	r := func(id string) string { return record(id, testKey) }
	t.Run("empty directory", func(t *testing.T) {
		rep, events := scanWith(t, &FileSource{Paths: []string{t.TempDir()}}, q(testKey))
		if rep.Files != 0 || rep.Skipped != 0 || len(rep.Skips) != 0 || len(rep.Problems) != 0 || len(events) != 0 {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("only txt and csv", func(t *testing.T) {
		dir := t.TempDir()
		testfiles.Write(t, filepath.Join(dir, "notes.txt"), []byte(r("t1")))
		testfiles.Write(t, filepath.Join(dir, "export.csv"), []byte("eventID,eventTime\nx,2026-11-20T09:00:00Z\n"))
		testfiles.Write(t, filepath.Join(dir, "sub", "more.TXT"), []byte("hello"))
		rep, _ := scanWith(t, &FileSource{Paths: []string{dir}}, q(testKey))
		if got := skipsOf(t, rep); rep.Files != 0 || !maps(got, map[string]int{investigate.SkipNotLog: 3}) {
			t.Fatalf("files %d skips %v", rep.Files, got)
		}
		if ex := rep.Skips[0].Example; ex != filepath.Join(dir, "export.csv") {
			t.Errorf("example %q: want the first path in order", ex)
		}
	})
	t.Run("NDJSON named .log", func(t *testing.T) {
		dir := t.TempDir()
		testfiles.Write(t, filepath.Join(dir, "filebeat-1.log"), ndjson(r("l1"), r("l2")))
		testfiles.Write(t, filepath.Join(dir, "filebeat-2.log.gz"), gz(t, ndjson(r("l3"))))
		testfiles.Write(t, filepath.Join(dir, "export.jsonl"), ndjson(r("l4")))
		rep, events := scanWith(t, &FileSource{Paths: []string{dir}}, q(testKey))
		if rep.Files != 3 || rep.Skipped != 0 || len(events) != 4 || len(rep.Problems) != 0 {
			t.Fatalf("files %d skipped %d events %d problems %v", rep.Files, rep.Skipped, len(events), rep.Problems)
		}
	})
	t.Run("no extension", func(t *testing.T) {
		dir := t.TempDir()
		testfiles.Write(t, filepath.Join(dir, "111122223333_CloudTrail_us-east-1_20261120T0905Z_abc"), gz(t, []byte(`{"Records":[`+r("x1")+`]}`)))
		testfiles.Write(t, filepath.Join(dir, "records"), ndjson(r("x2"), r("x3")))
		testfiles.Write(t, filepath.Join(dir, "README"), []byte("# not a log\n"))
		testfiles.Write(t, filepath.Join(dir, "config"), []byte(`{"region":"us-east-1","output":"json"}`))
		testfiles.Write(t, filepath.Join(dir, "blob"), gz(t, bytes.Repeat([]byte{0, 1, 2}, 5000)))
		rep, events := scanWith(t, &FileSource{Paths: []string{dir}}, q(testKey))
		if got := skipsOf(t, rep); rep.Files != 2 || len(events) != 3 || !maps(got, map[string]int{investigate.SkipNotLog: 3}) || len(rep.Problems) != 0 {
			t.Fatalf("files %d events %d skips %v problems %v", rep.Files, len(events), got, rep.Problems)
		}
	})
	t.Run("mixed", func(t *testing.T) {
		dir := t.TempDir()
		day := func(acct, region, d string) string {
			return filepath.Join(dir, "AWSLogs", acct, "CloudTrail", region, "2026", "11", d, acct+"_CloudTrail_"+region+"_202611"+d+"T0905Z_x.json.gz")
		}
		doc := gz(t, []byte(`{"Records":[`+r("m1")+`]}`))
		testfiles.Write(t, day("111122223333", "us-east-1", "20"), doc)                                                                                         // read
		testfiles.Write(t, day("111122223333", "us-east-1", "01"), doc)                                                                                         // outside the window
		testfiles.Write(t, day("111122223333", "eu-west-1", "20"), doc)                                                                                         // pruned: folder eu-west-1
		testfiles.Write(t, day("111122223333", "ap-south-1", "20"), doc)                                                                                        // pruned: folder ap-south-1
		testfiles.Write(t, day("222233334444", "us-east-1", "20"), doc)                                                                                         // pruned: folder 222233334444
		testfiles.Write(t, filepath.Join(dir, "AWSLogs", "111122223333", "CloudTrail-Digest", "us-east-1", "2026", "11", "20", "digest.json.gz"), []byte(`{}`)) // digest by its folder
		testfiles.Write(t, filepath.Join(dir, "111122223333_CloudTrail-Digest_us-east-1_x.json.gz"), []byte(`{}`))                                              // digest by name
		testfiles.Write(t, filepath.Join(dir, "marker.json"), nil)                                                                                              // empty
		testfiles.Write(t, filepath.Join(dir, "lines.ndjson"), ndjson(r("m2")))                                                                                 // read
		testfiles.Write(t, filepath.Join(dir, "a.log"), ndjson(r("m3")))                                                                                        // read
		testfiles.Write(t, filepath.Join(dir, "trail"), ndjson(r("m4")))                                                                                        // read (sniffed)
		testfiles.Write(t, filepath.Join(dir, "notes.txt"), []byte("x"))                                                                                        // not a log
		testfiles.Write(t, filepath.Join(dir, "data.csv"), []byte("x"))                                                                                         // not a log
		testfiles.Write(t, filepath.Join(dir, "LICENSE"), []byte("MIT"))                                                                                        // not a log (sniffed)
		src := &FileSource{Paths: []string{dir}, Accounts: []string{"111122223333"}, Regions: []string{"us-east-1"}}
		w := investigate.Window{Since: time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)}
		rep, events := scanWith(t, src, investigate.EventQuery{AccessKeys: investigate.KeyIDs(testKey), Window: w})
		got := skipsOf(t, rep)
		want := map[string]int{
			investigate.SkipNotLog:        3,
			investigate.SkipEmptyFile:     1,
			investigate.SkipDigest:        2, // by its name, and by its folder
			investigate.SkipOutsideWindow: 1,
			investigate.SkipPruned:        3, // folders: 222233334444, eu-west-1, ap-south-1
		}
		if rep.Files != 4 || len(events) != 4 || !maps(got, want) || len(rep.Problems) != 0 {
			t.Fatalf("files %d events %d skips %v (want %v) problems %v", rep.Files, len(events), got, want, rep.Problems)
		}
		for _, s := range rep.Skips {
			if s.Reason == investigate.SkipPruned && !strings.Contains(s.Example, "folder left unwalked") {
				t.Errorf("pruned example %q does not say folders are counted", s.Example)
			}
		}
		// The same tree without a scope: the folders are read, nothing is pruned.
		rep, _ = scanWith(t, &FileSource{Paths: []string{dir}}, investigate.EventQuery{AccessKeys: investigate.KeyIDs(testKey), Window: w})
		if got := skipsOf(t, rep); got[investigate.SkipPruned] != 0 || rep.Files != 7 {
			t.Fatalf("unscoped: files %d skips %v", rep.Files, got)
		}
	})
}

func maps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestClassifyNameAndSniff(t *testing.T) {
	for name, want := range map[string]NameKind{
		"a.json": NameLog, "a.JSON.GZ": NameLog, "a.jsonl": NameLog, "a.ndjson.gz": NameLog, "a.log": NameLog,
		"a.log.gz": NameLog, "backup.tar.gz": NameLog, "a.txt": NameOther, "a.csv": NameOther, "a.json.bz2": NameOther,
		"x_CloudTrail-Digest_y.json.gz": NameDigest, "x_CloudTrail-Insight_y.json.gz": NameDigest,
		"trail": NameSniff, ".hidden": NameSniff, "dir/sub/file": NameSniff, "s3/a.b/file": NameSniff,
	} {
		if got := ClassifyName(name); got != want {
			t.Errorf("%s: %d, want %d", name, got, want)
		}
	}
	for in, want := range map[string]bool{
		`{"Records":[]}`:                                 true,
		"\xef\xbb\xbf  [" + record("a", "k"):             true,
		record("a", "k") + "\n":                          true,
		`{"Events":[],"NextToken":null}`:                 true,
		`{"region":"us-east-1"}`:                         false,
		`[1,2,3]`:                                        false,
		"eventTime,eventID\n":                            false,
		`{"event":{"original":"{\"eventTime\":\"x\"}"}}`: false,
		"": false,
	} {
		for _, body := range [][]byte{[]byte(in), gz(t, []byte(in))} {
			got, err := Sniff(bytes.NewReader(body))
			if err != nil || got != want {
				t.Errorf("%q (gzip %v): %v %v, want %v", in, files.IsGzip(body), got, err, want)
			}
		}
	}
	// A gzip head cut short (a ranged read) still shows what it holds.
	z := gz(t, []byte(`{"Records":[`+strings.Repeat(record("a", "k")+",", 200)+record("b", "k")+`]}`))
	if ok, err := Sniff(bytes.NewReader(z[:len(z)/2])); !ok || err != nil {
		t.Errorf("cut gzip: %v %v", ok, err)
	}
}

// recordAt is record() at a time, account and region of its own.
func recordAt(id, key, at, account, region string) string {
	r := record(id, key, `"recipientAccountId":"`+account+`"`)
	r = strings.Replace(r, "2026-11-20T09:00:00Z", at, 1)
	return strings.Replace(r, `"awsRegion":"us-east-1"`, `"awsRegion":"`+region+`"`, 1)
}

// TestCoverageOfEverySearchedFile: the report says what the files searched cover (time,
// accounts, regions), from the records of every file read, matched or not, from the index
// for files it answers, and from the layout for files it rules out.
func TestCoverageOfEverySearchedFile(t *testing.T) {
	other := "AKIAOTHERKEY00000001"
	dir := t.TempDir()
	// Outside the layout: the records say their account and region. The key is in one
	// file only; the earliest and latest records are in files ruled out by their tokens.
	testfiles.Write(t, filepath.Join(dir, "export", "a.json"), []byte(`{"Records":[`+recordAt("a1", testKey, "2026-11-20T10:00:00Z", "111122223333", "us-east-1")+`,`+recordAt("a2", other, "2026-11-20T10:05:00Z", "111122223333", "eu-west-1")+`]}`))
	testfiles.Write(t, filepath.Join(dir, "export", "b.ndjson"), ndjson(recordAt("b1", other, "2026-11-20T08:59:59Z", "222233334444", "us-east-1"), recordAt("b2", other, "2026-11-20T09:30:00Z", "222233334444", "us-east-1")))
	testfiles.Write(t, filepath.Join(dir, "export", "c.json"), []byte("[\n  "+strings.ReplaceAll(recordAt("c1", other, "2026-11-20T11:59:00.500Z", "333344445555", "ap-south-1"), `":"`, `": "`)+"\n]\n"))
	src := &FileSource{Paths: []string{filepath.Join(dir, "export")}}
	rep, events := scanWith(t, src, q(testKey))
	wantSpan := investigate.Window{Since: time.Date(2026, 11, 20, 8, 59, 59, 0, time.UTC), Until: time.Date(2026, 11, 20, 11, 59, 0, 5e8, time.UTC)}
	check := func(pass string, rep investigate.SourceReport, files int) {
		t.Helper()
		if rep.Span != wantSpan || !slices.Equal(rep.Accounts, []string{"111122223333", "222233334444", "333344445555"}) ||
			!slices.Equal(rep.AWSRegions, []string{"ap-south-1", "eu-west-1", "us-east-1"}) || rep.Files != files {
			t.Errorf("%s: files %d span %v..%v accounts %v regions %v", pass, rep.Files, rep.Span.Since, rep.Span.Until, rep.Accounts, rep.AWSRegions)
		}
	}
	if len(events) != 1 {
		t.Fatalf("events %v", events)
	}
	check("read", rep, 3)
	// A later query the index answers for every file says the same.
	rep, _ = scanWith(t, src, q("AKIAANOTHERKEY000002"))
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "3 of 3 files answered from the index") || rep.Bytes != 0 {
		t.Fatalf("not answered from the index: %q (bytes %d)", rep.Notes, rep.Bytes)
	}
	check("from the index", rep, 3)
	// Every record is wanted (no key): decoded, the same.
	rep, _ = scanWith(t, &FileSource{Paths: []string{filepath.Join(dir, "export")}}, investigate.EventQuery{})
	check("decoded", rep, 3)

	// In the layout: the folders say the account and region; a file ruled out by the
	// layout (a key-pair query wants launches in the key pair's region only) says its
	// delivery time.
	lay := func(acct, region, stamp string) string {
		return filepath.Join(dir, "AWSLogs", acct, "CloudTrail", region, "2026", "11", "20", acct+"_CloudTrail_"+region+"_"+stamp+"_x.json.gz")
	}
	testfiles.Write(t, lay("444455556666", "us-east-1", "20261120T1005Z"), gz(t, []byte(`{"Records":[`+recordAt("l1", other, "2026-11-20T10:01:00Z", "444455556666", "us-east-1")+`]}`)))
	testfiles.Write(t, lay("444455556666", "eu-west-1", "20261120T1305Z"), gz(t, []byte(`{"Records":[`+recordAt("l2", other, "2026-11-20T13:01:00Z", "444455556666", "eu-west-1")+`]}`)))
	src = &FileSource{Paths: []string{filepath.Join(dir, "AWSLogs")}}
	rep, _ = scanWith(t, src, investigate.EventQuery{KeyPairs: []investigate.KeyPairRef{{Name: "kp", Region: "us-east-1"}}})
	if rep.Files != 2 || rep.Bytes == 0 || !strings.Contains(strings.Join(rep.Notes, "\n"), "1 file outside the key pairs' regions not read") {
		t.Fatalf("files %d notes %q", rep.Files, rep.Notes)
	}
	want := investigate.Window{Since: time.Date(2026, 11, 20, 10, 1, 0, 0, time.UTC), Until: time.Date(2026, 11, 20, 13, 5, 0, 0, time.UTC)}
	if rep.Span != want || !slices.Equal(rep.Accounts, []string{"444455556666"}) || !slices.Equal(rep.AWSRegions, []string{"eu-west-1", "us-east-1"}) {
		t.Errorf("layout: span %v..%v accounts %v regions %v", rep.Span.Since, rep.Span.Until, rep.Accounts, rep.AWSRegions)
	}
}

// TestCoverageOfAGeneratedArchive checks the span of a pivot over a generated archive
// against the records themselves, decoded one by one.
func TestCoverageOfAGeneratedArchive(t *testing.T) {
	a := &memArchive{files: map[string][]byte{}}
	m, err := trailgen.Generate(trailgen.Config{Seed: 5, Size: 1 << 20, Accounts: 3, Regions: []string{"us-east-1", "eu-west-1"}}, a)
	if err != nil {
		t.Fatal(err)
	}
	var want investigate.Window
	for p, data := range a.files {
		lf, ok := ParseLayout(p)
		if !ok || lf.Digest {
			continue
		}
		a.list = append(a.list, File{Path: p, Size: int64(len(data)), Sig: "mem", Layout: &lf})
		var doc struct {
			Records []struct {
				EventTime time.Time `json:"eventTime"`
			}
		}
		body := klauspostGunzip(nil, data)
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		for _, r := range doc.Records {
			want.Widen(r.EventTime)
		}
	}
	rep := ScanFiles(context.Background(), a.list, q(m.Attack.Key), a.open, func([]investigate.Event) {}, ScanOptions{})
	if rep.Span != want || rep.Files != len(a.list) || !slices.Equal(rep.Accounts, sorted(m.Accounts)) || !slices.Equal(rep.AWSRegions, sorted(m.Regions)) {
		t.Fatalf("span %v..%v (want %v..%v) files %d of %d accounts %v regions %v", rep.Span.Since, rep.Span.Until, want.Since, want.Until, rep.Files, len(a.list), rep.Accounts, rep.AWSRegions)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestScanTimes: every form of eventTime CloudTrail files and exports hold is read; the
// names of other members ending in Time are not.
func TestScanTimes(t *testing.T) {
	utc := func(d, h, m, s, ns int) time.Time { return time.Date(2026, 11, d, h, m, s, ns, time.UTC) }
	for in, want := range map[string]investigate.Window{
		// CloudTrail's own form, and fractional seconds; other members ending in Time.
		`{"eventTime":"2026-11-20T09:00:00Z","x":{"creationTime":"2001-01-01T00:00:00Z"},"EventTime":"2000-01-01T00:00:00Z","y":"Z"}` +
			`{"eventTime" : "2026-11-20T09:30:00.250Z"}{"eventTime":"later"}{"eventTime":17}{"a":"ABCZ"}`: {Since: utc(20, 9, 0, 0, 0), Until: utc(20, 9, 30, 0, 25e7)},
		// Pretty-printed.
		"{\n  \"eventTime\": \"2026-11-21T00:00:00Z\",\n  \"eventID\": \"x\"\n}\n{\n  \"eventTime\":\n \"2026-11-20T23:00:00Z\"}": {Since: utc(20, 23, 0, 0, 0), Until: utc(21, 0, 0, 0, 0)},
		// Offsets: read by the member's name.
		`{"eventTime":"2026-11-20T10:00:00+02:00"}{"eventTime":"2026-11-20T09:00:00-01:00"}`: {Since: utc(20, 8, 0, 0, 0), Until: utc(20, 10, 0, 0, 0)},
		// lookup-events output: records as escaped strings.
		`{"Events":[{"EventTime":"2000-01-01T00:00:00Z","CloudTrailEvent":"{\"eventTime\":\"2026-11-21T00:00:00Z\"}"},{"CloudTrailEvent":"{\"eventTime\":\"2026-11-20T00:00:00Z\"}"}]}`: {Since: utc(20, 0, 0, 0, 0), Until: utc(21, 0, 0, 0, 0)},
		`{"a":"Z"}`: {},
	} {
		var f facts
		f.scanTimes([]byte(in))
		if got := f.window(); got != want {
			t.Errorf("%s: span %v..%v, want %v..%v", in, got.Since, got.Until, want.Since, want.Until)
		}
	}
	// CloudTrail's files are read by the search for Z alone (the fallback by name would
	// read them too, at twice the cost).
	var f facts
	body := []byte(`{"Records":[` + record("a", testKey) + "," + strings.Replace(record("b", testKey), "2026-11-20T09:00:00Z", "2026-11-20T08:59:59Z", 1) + `]}`)
	if !f.scanZuluTimes(body) || f.window() != (investigate.Window{Since: utc(20, 8, 59, 59, 0), Until: utc(20, 9, 0, 0, 0)}) {
		t.Errorf("CloudTrail's form not found by its Z: %v", f.window())
	}
}

// TestStreamedFilesSayTheSame: a file too large to hold is streamed record by record; its
// events, origins, problems and coverage are those of the same file read whole.
func TestStreamedFilesSayTheSame(t *testing.T) {
	r := func(id string) string { return record(id, testKey) }
	lookup, _ := json.Marshal(map[string]any{"Events": []any{
		map[string]any{"EventId": "k1", "CloudTrailEvent": r("k1")},
		map[string]any{"EventId": "k2", "CloudTrailEvent": strings.Replace(r("k2"), "2026-11-20T09:00:00Z", "2026-11-22T09:00:00Z", 1)},
	}, "NextToken": "x"})
	files := map[string][]byte{
		"records.json":   []byte(`{"Records":[` + r("a1") + `,` + r("a2") + `]}`),
		"array.json":     []byte("[\n" + r("b1") + ",\n" + r("b2") + "\n]"),
		"lines.ndjson":   ndjson(r("c1"), "{broken "+testKey, r("c3")),
		"docs.ndjson":    ndjson(`{"Records":[`+r("d1")+`,`+r("d2")+`]}`, `{"Records":[`+r("d3")+`]}`),
		"pretty.json":    []byte("{\n  \"eventVersion\": \"1.09\"," + strings.TrimPrefix(r("e1"), `{"eventVersion":"1.09",`) + "\n" + r("e2") + r("e3")),
		"lookup.json":    lookup,
		"concat.json":    []byte(`{"Records":[` + r("f1") + `]}{"Records":[` + r("f2") + `]} [` + r("f3") + `]`),
		"bad-time.json":  []byte(`[` + strings.Replace(r("g1"), "2026-11-20T09:00:00Z", "yesterday", 1) + `,` + r("g2") + `]`),
		"cut.json":       []byte(`[` + r("h1") + `,` + r("h2")[:40]),
		"other-key.json": []byte(`{"Records":[` + record("o1", "AKIAOTHERKEY00000001") + `,{"eventTime":` + `]}`),
		"bad-array.json": []byte(`[` + r("i1") + ` x ` + r("i2") + `]`),
		"not-json.log":   []byte("plain text " + testKey),
	}
	type result struct {
		events   []string
		problems []string
		span     investigate.Window
		records  int64
	}
	run := func(stream bool) map[string]result {
		out := map[string]result{}
		for name, body := range files {
			a := &memArchive{files: map[string][]byte{name: body}}
			size := int64(len(body))
			if stream {
				size = MaxBuffered + 1 // as listed: too large to hold
			}
			var evs []string
			rep := ScanFiles(context.Background(), []File{{Path: name, Size: size}}, q(testKey), a.open, func(b []investigate.Event) {
				for _, e := range b {
					evs = append(evs, e.ID+"@"+e.Origin.String())
				}
			}, ScanOptions{Workers: 1})
			var probs []string
			for _, p := range rep.Problems {
				probs = append(probs, p.Where+": "+p.Message)
			}
			slices.Sort(evs)
			out[name] = result{evs, probs, rep.Span, rep.Records}
		}
		return out
	}
	whole, streamed := run(false), run(true)
	for name := range files {
		w, s := whole[name], streamed[name]
		if !slices.Equal(w.events, s.events) || w.span != s.span {
			t.Errorf("%s: whole %v %v, streamed %v %v", name, w.events, w.span, s.events, s.span)
		}
		// Damage in a file the key is not in: the shape check of a buffered file says more
		// (where a streamed one reads on); otherwise the same problems.
		if name != "other-key.json" && !slices.Equal(w.problems, s.problems) {
			t.Errorf("%s: problems whole %q, streamed %q", name, w.problems, s.problems)
		}
	}
	for name, want := range map[string][]string{
		"records.json":  {"a1@records.json#record 1", "a2@records.json#record 2"},
		"array.json":    {"b1@array.json#record 1", "b2@array.json#record 2"},
		"lines.ndjson":  {"c1@lines.ndjson:1", "c3@lines.ndjson:3"},
		"docs.ndjson":   {"d1@docs.ndjson:1#record 1", "d2@docs.ndjson:1#record 2", "d3@docs.ndjson:2#record 1"},
		"pretty.json":   {"e1@pretty.json:1", "e2@pretty.json:3", "e3@pretty.json:3#record 2"},
		"lookup.json":   {"k1@lookup.json#record 1", "k2@lookup.json#record 2"},
		"concat.json":   {"f1@concat.json#record 1", "f2@concat.json#record 2", "f3@concat.json#record 3"},
		"bad-time.json": {"g2@bad-time.json#record 2"},
		"cut.json":      {"h1@cut.json#record 1"},
	} {
		if got := whole[name].events; !slices.Equal(got, want) {
			t.Errorf("%s: events %q, want %q", name, got, want)
		}
	}
	// The two paths were taken: a damaged record in a file the key is not in is found by
	// the shape check of the file held whole, by the reader of the streamed one.
	if w, s := strings.Join(whole["other-key.json"].problems, "\n"), strings.Join(streamed["other-key.json"].problems, "\n"); !strings.Contains(w, "other-key.json:1: invalid JSON at byte") ||
		!strings.Contains(s, "other-key.json#record 2: invalid JSON") {
		t.Errorf("other-key.json: whole %q, streamed %q", w, s)
	}
	for name, want := range map[string]string{
		"lines.ndjson":   "lines.ndjson:2: invalid JSON line",
		"bad-time.json":  `bad-time.json#record 1: eventTime "yesterday" is not an RFC 3339 time`,
		"cut.json":       "cut.json#record 2: truncated at byte",
		"bad-array.json": `bad-array.json#record 1: invalid JSON after this record: "x `,
		"not-json.log":   `not-json.log:1: not JSON: file starts with "plain text AKIAS"`,
	} {
		if got := strings.Join(whole[name].problems, "\n"); !strings.Contains(got, want) {
			t.Errorf("%s: problems %q, want %q", name, got, want)
		}
	}
	if s := whole["lookup.json"].span; !s.Since.Equal(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)) || !s.Until.Equal(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("lookup-events span %v..%v", s.Since, s.Until)
	}
}

// TestUnreadableFileWithoutExtensionIsAProblem: sniffing a file that cannot be read is a
// problem naming it, not a skip.
func TestUnreadableFileWithoutExtensionIsAProblem(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "trail")
	if err := os.Symlink(filepath.Join(dir, "gone"), p); err != nil {
		t.Fatal(err)
	}
	l := List([]string{dir}, Scope{})
	if len(l.Problems) != 1 || l.Problems[0].Where != p || l.Skipped != 0 || len(l.Files) != 0 {
		t.Fatalf("problems %v skipped %d files %v", l.Problems, l.Skipped, l.Files)
	}
}

// TestLinkToAFolderInTheTreeListsItsFilesOnce: a folder reached directly and through a
// link is walked once, under its own path: its records are never read twice.
func TestLinkToAFolderInTheTreeListsItsFilesOnce(t *testing.T) {
	root := t.TempDir()
	testfiles.Write(t, filepath.Join(root, "sub", "a.json"), ndjson(record("l1", testKey)))
	if err := os.Symlink(filepath.Join(root, "sub"), filepath.Join(root, "link")); err != nil {
		t.Skip(err)
	}
	l := List([]string{root}, Scope{})
	var paths []string
	for _, f := range l.Files {
		paths = append(paths, strings.TrimPrefix(f.Path, root+"/"))
	}
	if !slices.Equal(paths, []string{"sub/a.json"}) || len(l.Problems) != 0 || l.Skipped != 0 {
		t.Errorf("files %v, problems %v, skips %v; want sub/a.json once", paths, l.Problems, l.Skips)
	}
}

// TestLinksHiddenFoldersAndSpecialFiles: a linked folder is walked once (a loop ends), a
// linked file is read with its target's size, a hidden folder and a named pipe are
// counted as left out, never silently dropped nor opened.
func TestLinksHiddenFoldersAndSpecialFiles(t *testing.T) {
	root := t.TempDir()
	other := t.TempDir()
	body := ndjson(record("l1", testKey), record("l2", testKey))
	testfiles.Write(t, filepath.Join(other, "linked.ndjson"), body)
	testfiles.Write(t, filepath.Join(root, ".git", "x.json"), body)
	if err := os.Symlink(other, filepath.Join(root, "archive")); err != nil {
		t.Skip(err)
	}
	os.Symlink(root, filepath.Join(other, "loop"))
	os.Symlink(filepath.Join(other, "linked.ndjson"), filepath.Join(root, "file.ndjson"))
	if err := syscall.Mkfifo(filepath.Join(root, "pipe.log"), 0o600); err != nil {
		t.Skip(err)
	}
	l := List([]string{root}, Scope{})
	var paths []string
	for _, f := range l.Files {
		paths = append(paths, strings.TrimPrefix(f.Path, root+"/"))
		if f.Size != int64(len(body)) {
			t.Errorf("%s: size %d, want the target's %d", f.Path, f.Size, len(body))
		}
	}
	if !slices.Equal(paths, []string{"archive/linked.ndjson", "file.ndjson"}) {
		t.Errorf("files %v", paths)
	}
	got := map[string]int{}
	for _, s := range l.Skips {
		got[s.Reason] = s.Count
	}
	if got[investigate.SkipHidden] != 1 || got[investigate.SkipNotLog] != 1 || len(l.Problems) != 0 {
		t.Errorf("skips %+v, problems %+v; want one hidden folder and the pipe as not a log", l.Skips, l.Problems)
	}
}
