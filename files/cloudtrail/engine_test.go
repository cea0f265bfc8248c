package cloudtrail

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files"
	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/internal/trailgen"
	"github.com/keypivot/keypivot/investigate"
)

// TestPivotOverAGeneratedArchive runs the whole pivot over a generated S3-layout archive
// and checks it against what the generator put in: every event of the key and of its
// sessions, launches with its key pairs by other signers, not the decoy; later rounds
// answered from the index; files without the key never decoded.
func TestPivotOverAGeneratedArchive(t *testing.T) {
	dir := t.TempDir()
	m, err := trailgen.Generate(trailgen.Config{Seed: 3, Size: 3 << 20, Accounts: 4, Regions: []string{"us-east-1", "us-west-2", "eu-west-1"}, Digests: true}, trailgen.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	src := &FileSource{Paths: []string{dir}}
	var (
		mu    sync.Mutex
		scans []investigate.ScanProgress
	)
	col := investigate.Collect(context.Background(), investigate.MustParseAccessKeyID(m.Attack.Key), []investigate.EventSource{src}, nil, investigate.CollectOptions{OnProgress: func(p investigate.Progress) {
		if p.Scan != nil {
			mu.Lock()
			scans = append(scans, *p.Scan)
			mu.Unlock()
		}
	}})
	if len(col.Errors) > 0 {
		t.Fatal(col.Errors)
	}
	// The scan's advance reaches the collection's progress, ending with every file done.
	if len(scans) == 0 {
		t.Fatal("no scan progress reached Collect's OnProgress")
	}
	if first := scans[0]; first.TotalFiles == 0 || first.TotalSize == 0 {
		t.Errorf("first scan progress %+v: no totals", first)
	}
	if !slices.ContainsFunc(scans, func(sp investigate.ScanProgress) bool { return sp.Files == sp.TotalFiles }) {
		t.Errorf("no scan progress reports the last file: %+v", scans[len(scans)-1])
	}
	evs := col.Set.Events()
	signed, launches := 0, 0
	for _, e := range evs {
		if e.Signer() == m.Attack.Key {
			signed++
		}
		if e.Name == "RunInstances" {
			launches++
			if e.Region == m.Attack.Decoy.Region && e.Signer() != m.Attack.Key && !slices.Contains(m.Attack.SessionKeys, e.Signer()) && !slices.Contains(m.Attack.CreatedKeys, e.Signer()) {
				t.Errorf("decoy launch %s followed", e.ID)
			}
		}
	}
	if len(evs) != m.Attack.Events || signed != m.Attack.SignedByKey || launches != m.Attack.Launches {
		t.Fatalf("events %d (want %d), signed by the key %d (want %d), launches %d (want %d)", len(evs), m.Attack.Events, signed, m.Attack.SignedByKey, launches, m.Attack.Launches)
	}
	for _, k := range m.Attack.SessionKeys {
		if !slices.Contains(investigate.KeyStrings(col.Keys), k) {
			t.Errorf("session %s not followed: %v", k, col.Keys)
		}
	}
	rep := col.Reports[0]
	if rep.Records >= m.Records/4 {
		t.Errorf("decoded %d of %d records: files without the key must be skipped whole", rep.Records, m.Records)
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "answered from the index of an earlier pass") || rep.Files > 2*m.Files {
		t.Errorf("later rounds read %d files in all (archive %d): notes %q", rep.Files, m.Files, rep.Notes)
	}
	if rep.Skipped < m.DigestFiles || len(rep.Problems) > 0 {
		t.Errorf("skipped %d (digests %d), problems %v", rep.Skipped, m.DigestFiles, rep.Problems)
	}
}

// TestTokensFindEveryKeyThatOccurs compares the token scan with a plain substring search
// on random text dense with key-like runs, overlapping ones included.
func TestTokensFindEveryKeyThatOccurs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "AKISIA0123456789BZ\"{}:,\\ "
	var tok Tokens
	for round := 0; round < 300; round++ {
		b := make([]byte, 200+r.IntN(400))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		// Plant keys, some overlapping ("ASIAKIA...").
		for n := r.IntN(4); n > 0; n-- {
			k := []byte("AKIA" + strings.Repeat("7", 16))
			if r.IntN(2) == 0 {
				k[1] = 'S'
			}
			at := r.IntN(len(b) - 20)
			copy(b[at:], k)
		}
		scanTokens(b, &tok)
		for i := 0; i+20 <= len(b); i++ {
			cand := b[i : i+20]
			if !investigate.IsAccessKeyID(string(cand)) {
				continue
			}
			if !containsHash(tok.Keys, hashToken(cand)) {
				t.Fatalf("key %s at %d not found in %q", cand, i, b)
			}
			m := NewMatcher(investigate.EventQuery{AccessKeys: investigate.KeyIDs(string(cand))})
			if !m.MayMatchTokens(&tok) || !m.MayMatch(b) {
				t.Fatalf("matcher disagrees on %s", cand)
			}
		}
	}
	scanTokens([]byte(`{"a":"AKIAIOSFODNN7EXAMPLE"}`), &tok)
	if m := NewMatcher(investigate.EventQuery{AccessKeys: investigate.KeyIDs("AKIAIOSFODNN7EXAMPLF")}); m.MayMatchTokens(&tok) {
		t.Error("a key that does not occur matched")
	}
}

func TestKeyNameValues(t *testing.T) {
	for in, want := range map[string]string{
		`":"ops-2026","x":1`:      "ops-2026",
		`" : "ops 2026"}`:         "ops 2026",
		`\":\"ops-2026\",\"a\"`:   "ops-2026", // inside a lookup-events CloudTrailEvent string
		`":"o\u0070s"`:            "<opaque>",
		`":null`:                  "<opaque>",
		`\":\"a\\\\b\"`:           "<opaque>",
		` is the name of the key`: "<none>",
	} {
		v, ok := keyNameValue([]byte(in))
		got := string(v)
		switch {
		case !ok:
			got = "<none>"
		case v == nil:
			got = "<opaque>"
		}
		if got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
	var tok Tokens
	scanTokens([]byte(`{"eventName":"RunInstances","requestParameters":{"instancesSet":{"items":[{"keyName":"kp1"}]}}}`), &tok)
	m := NewMatcher(investigate.EventQuery{KeyPairs: []investigate.KeyPairRef{{Name: "kp1", Region: "us-east-1"}}})
	other := NewMatcher(investigate.EventQuery{KeyPairs: []investigate.KeyPairRef{{Name: "kp2", Region: "us-east-1"}}})
	if !tok.RunInstances || !m.MayMatchTokens(&tok) || other.MayMatchTokens(&tok) {
		t.Errorf("tokens %+v", tok)
	}
	lf := &LogFile{Region: "eu-west-1"}
	if m.MayMatchLayout(lf) || !m.MayMatchLayout(&LogFile{Region: "us-east-1"}) || !m.MayMatchLayout(nil) {
		t.Error("a pairs-only query must rule out other regions' folders only")
	}
}

func TestRecordSpans(t *testing.T) {
	good := `{"Records":[{"a":"x}\"]","b":[1,{"c":2}]} , {"d":"\\"}]}` + "\n"
	spans, ok := recordSpans([]byte(good), nil)
	if !ok || len(spans) != 2 || good[spans[0].start:spans[0].end] != `{"a":"x}\"]","b":[1,{"c":2}]}` || good[spans[1].start:spans[1].end] != `{"d":"\\"}` {
		t.Fatalf("spans %v %v", spans, ok)
	}
	for _, bad := range []string{
		`{"Records":[{"a":1}`, `{"Records":[{"a":"1}]}`, `{"Records":[{"a":1}],"NextToken":"x"}`, `{"Events":[]}`,
		`[{"a":1}]`, `{"Records":[1,2]}`, `{"Records":[{"a":1}]} trailing`,
	} {
		if _, ok := recordSpans([]byte(bad), nil); ok {
			t.Errorf("%s: split", bad)
		}
	}
	if spans, ok := recordSpans([]byte(`{"Records":[]}`), nil); !ok || len(spans) != 0 {
		t.Error("empty Records")
	}
}

// TestIndexAnswersLaterQueries: a second query reads only the files holding its keys,
// and a file that changed is read again.
func TestIndexAnswersLaterQueries(t *testing.T) {
	dir := t.TempDir()
	other, later := "AKIAOTHERKEY00000001", "ASIALATERSESSION0001"
	files := map[string]string{
		"a.json": `{"Records":[` + record("a1", testKey) + `]}`,
		"b.json": `{"Records":[` + record("b1", later) + `]}`,
		"c.json": `{"Records":[` + record("c1", other) + `]}`,
	}
	for n, body := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := &FileSource{Paths: []string{dir}}
	run := func(keys ...string) (investigate.SourceReport, []string) {
		rep, events, err := sourcetest.Events(context.Background(), src, investigate.EventQuery{AccessKeys: investigate.KeyIDs(keys...)})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range events {
			ids = append(ids, e.ID)
		}
		return rep, ids
	}
	if rep, ids := run(testKey); rep.Files != 3 || len(ids) != 1 {
		t.Fatalf("first pass read %d files, found %v", rep.Files, ids)
	}
	rep, ids := run(later)
	// Every file is searched (Files), only b.json is read (Bytes): the others are
	// answered from the index.
	if rep.Files != 3 || rep.Bytes != int64(len(files["b.json"])) || len(ids) != 1 || ids[0] != "b1" ||
		!strings.Contains(strings.Join(rep.Notes, "\n"), "2 of 3 files answered from the index") {
		t.Fatalf("second pass searched %d files, read %d bytes (want only b.json's %d), found %v; notes %q", rep.Files, rep.Bytes, len(files["b.json"]), ids, rep.Notes)
	}
	// c.json changes: the index must not answer for it any more.
	time.Sleep(10 * time.Millisecond)
	if err := os.WriteFile(filepath.Join(dir, "c.json"), []byte(`{"Records":[`+record("c2", later)+`]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ids := run(later); len(ids) != 2 {
		t.Fatalf("changed file not read again: %v", ids)
	}
}

// TestCorruptGzipKeepsRecordsBeforeTheDamage holds for every build (libdeflate falls back
// to the streaming reader, which keeps what it decompressed).
func TestCorruptGzipKeepsRecordsBeforeTheDamage(t *testing.T) {
	var body bytes.Buffer
	body.WriteString(`{"Records":[`)
	for i := 0; i < 400; i++ {
		if i > 0 {
			body.WriteString(",")
		}
		body.WriteString(record("r"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+itoa(i), testKey))
	}
	body.WriteString("]}")
	z := gz(t, body.Bytes())
	s := scanDir(t, map[string][]byte{"cut.json.gz": z[:len(z)*2/3]}, q(testKey))
	if len(s.events) == 0 || len(s.problems) == 0 || !strings.Contains(strings.Join(s.problems, "\n"), "truncated gzip") {
		t.Fatalf("events %d problems %v (inflater %s)", len(s.events), s.problems, Inflater())
	}
}

func itoa(i int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
		if i == 0 {
			return string(b)
		}
	}
}

func TestOddFilesNeverPanic(t *testing.T) {
	files := map[string][]byte{
		"bom.json":       {0xef, 0xbb, 0xbf},
		"bom-space.json": {0xef, 0xbb, 0xbf, ' ', '\n'},
		"nul.json":       {0},
		"gz-empty.json":  gz(t, nil),
		"gz-magic.json":  {0x1f, 0x8b},
		"lone.json":      []byte("{"),
		"records.json":   []byte(`{"Records":`),
	}
	// The last two hold no key of interest, but are cut short: reported all the same.
	s := scanDir(t, files, q(testKey))
	if len(s.events) != 0 || len(s.problems) != len(files) {
		t.Fatalf("events %v problems %v", s.events, s.problems)
	}
}

// FuzzParse: no input makes the parser panic, whether the file is skipped by its tokens,
// split by structure or read by the general parser.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"Records":[` + record("a", testKey) + `]}`, `[` + record("a", testKey) + `]`, record("a", testKey) + "\n" + record("b", testKey),
		`{"Records":[{"a":"` + testKey + `\"}]}`, `{"Events":[{"CloudTrailEvent":"{\"keyName\":\"k\"}"}]}`, "\xef\xbb\xbf{", "",
	} {
		f.Add([]byte(s))
		f.Add(gz(f, []byte(s)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		for _, m := range []*Matcher{NewMatcher(q(testKey)), NewMatcher(investigate.EventQuery{}),
			NewMatcher(investigate.EventQuery{KeyPairs: []investigate.KeyPairRef{{Name: "k", Region: "us-east-1"}}})} {
			var whole, streamed []string
			Parse("f.json", open, m, func(b []investigate.Event) {
				for _, e := range b {
					whole = append(whole, e.ID+"@"+e.Origin.String())
				}
			})
			// The same file streamed (as one too large to hold), and with a small record
			// limit: never a panic, and the same events when nothing is over the limit.
			w := newWorker()
			w.parse(&File{Path: "f.json", Size: MaxBuffered + 1}, open, m, func(b []investigate.Event) {
				for _, e := range b {
					streamed = append(streamed, e.ID+"@"+e.Origin.String())
				}
			}, nil, 0)
			if !files.IsGzip(b) && !slices.Equal(whole, streamed) {
				t.Fatalf("whole %q, streamed %q", whole, streamed)
			}
			w.parse(&File{Path: "f.json", Size: MaxBuffered + 1}, open, m, func([]investigate.Event) {}, nil, 16)
			w.parse(&File{Path: "f.json"}, open, m, func([]investigate.Event) {}, nil, 16)
		}
	})
}

// The rounds of one pivot share a listing of the tree (no second walk); another pivot
// lists again and sees a file that arrived meanwhile.
func TestListingIsReusedWithinAPivotOnly(t *testing.T) {
	dir := t.TempDir()
	write := func(name, id string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(`{"Records":[`+record(id, testKey)+`]}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.json", "a1")
	src := &FileSource{Paths: []string{dir}}
	run := func(pivot uint64) int {
		rep, err := src.Events(context.Background(), investigate.EventQuery{AccessKeys: investigate.KeyIDs(testKey), Pivot: pivot}, func([]investigate.Event) {})
		if err != nil {
			t.Fatal(err)
		}
		return rep.Files + rep.Skipped
	}
	if n := run(7); n != 1 {
		t.Fatalf("first round: %d files", n)
	}
	write("b.json", "b1")
	if n := run(7); n != 1 {
		t.Errorf("a later round of the same pivot listed again: %d files", n)
	}
	if n := run(8); n != 2 {
		t.Errorf("another pivot did not list again: %d files", n)
	}
	if n := run(0); n != 2 {
		t.Errorf("a query on its own must list: %d files", n)
	}
}
