package cloudtrail

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/files/internal/testfiles"

	"github.com/keypivot/keypivot/investigate"
)

// TestDuplicatesAreCountedInEveryShape: the same three records, one eventID twice, read
// as NDJSON, a bare array, a Records document and a gzip file of the S3 layout: every
// record has an origin of its own, so the collection counts the repeat in each.
func TestDuplicatesAreCountedInEveryShape(t *testing.T) {
	r1, r2 := record("dup-1", testKey), record("dup-2", testKey)
	r3 := strings.Replace(record("dup-1", testKey), "ListUsers", "ListRoles", 1) // the same eventID, another copy
	layout := "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/111122223333_CloudTrail_us-east-1_20261120T0905Z_x.json.gz"
	for name, body := range map[string][]byte{
		"lines.ndjson":      ndjson(r1, r2, r3),
		"array.json":        []byte("[" + r1 + "," + r2 + "," + r3 + "]"),
		"records.json":      []byte(`{"Records":[` + r1 + "," + r2 + "," + r3 + `]}`),
		layout:              gz(t, []byte(`{"Records":[`+r1+","+r2+","+r3+`]}`)),
		"pretty-array.json": []byte("[\n" + r1 + ",\n" + r2 + ",\n" + r3 + "\n]\n"),
	} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			dir := t.TempDir()
			testfiles.Write(t, filepath.Join(dir, name), body)
			col := investigate.Collect(context.Background(), investigate.MustParseAccessKeyID(testKey), []investigate.EventSource{&FileSource{Paths: []string{dir}}}, nil, investigate.CollectOptions{})
			if len(col.Errors) > 0 {
				t.Fatal(col.Errors)
			}
			var origins []string
			for _, e := range col.Set.Events() {
				origins = append(origins, e.Origin.String())
			}
			if col.Set.Duplicates() != 1 || col.Set.Len() != 2 || col.Reports[0].Records != 3 {
				t.Fatalf("duplicates %d, events %d (%v), records %d", col.Set.Duplicates(), col.Set.Len(), origins, col.Reports[0].Records)
			}
		})
	}
}

// scanOne reads one file with ScanFiles for testKey, held whole or, with stream, as a
// file too large to hold is, with a record size limit (0: the default), and returns the
// ids of the events found, sorted, and the report.
func scanOne(name string, body []byte, stream bool, limit int) ([]string, investigate.SourceReport) {
	a := &memArchive{files: map[string][]byte{name: body}}
	size := int64(len(body))
	if stream {
		size = MaxBuffered + 1
	}
	var ids []string
	rep := ScanFiles(context.Background(), []File{{Path: name, Size: size}}, q(testKey), a.open, func(b []investigate.Event) {
		for _, e := range b {
			ids = append(ids, e.ID)
		}
	}, ScanOptions{Workers: 1, MaxRecordBytes: limit})
	slices.Sort(ids)
	return ids, rep
}

// TestRecordsOverTheLimitAreReported: a record over the size limit is reported with its
// file, its line or index and the limit, and the records after it still load, whether
// the file is held whole or streamed.
func TestRecordsOverTheLimitAreReported(t *testing.T) {
	const limit = 4 << 10
	r := func(id string) string { return record(id, testKey) }
	big := record("big", testKey, `"requestParameters":{"policy":"`+strings.Repeat("x", 3*limit)+`"}`)
	huge := record("huge", testKey, `"requestParameters":{"policy":"`+strings.Repeat(`\"{[`, 2*limit)+`"}`) // escapes and brackets inside the string
	files := map[string][]byte{
		"lines.ndjson":    ndjson(r("n1"), big, r("n3")),
		"array.json":      []byte("[" + r("a1") + "," + huge + "," + r("a3") + "]"),
		"records.json":    []byte(`{"Records":[` + r("r1") + "," + big + "," + r("r3") + `]}`),
		"records.json.gz": gz(t, []byte(`{"Records":[`+r("g1")+","+big+","+r("g3")+`]}`)),
		"values.json":     []byte(big + r("v2") + "\n" + r("v3")),
	}
	want := map[string][]string{
		"lines.ndjson":    {"lines.ndjson:2", "n1", "n3"},
		"array.json":      {"array.json#record 2", "a1", "a3"},
		"records.json":    {"records.json#record 2", "r1", "r3"},
		"records.json.gz": {"records.json.gz#record 2", "g1", "g3"},
		"values.json":     {"values.json:1", "v2", "v3"},
	}
	for _, stream := range []bool{false, true} {
		for name, body := range files {
			ids, rep := scanOne(name, body, stream, limit)
			w := want[name]
			if len(rep.Problems) != 1 || rep.Problems[0].Where != w[0] || !slices.Equal(ids, w[1:]) {
				t.Errorf("%s (streamed %v): events %v, problems %+v; want the record at %s reported and %v", name, stream, ids, rep.Problems, w[0], w[1:])
				continue
			}
			msg := rep.Problems[0].Message
			if !strings.Contains(msg, "over the record size limit of 4.0 KiB") || !strings.Contains(msg, "--max-record-size") {
				t.Errorf("%s: message %q", name, msg)
			}
		}
	}
	// The limit is the source's: FileSource passes it on, and 0 is the default.
	dir := t.TempDir()
	testfiles.Write(t, filepath.Join(dir, "lines.ndjson"), files["lines.ndjson"])
	rep, events := scanWith(t, &FileSource{Paths: []string{dir}, MaxRecordBytes: limit}, q(testKey))
	if len(events) != 2 || len(rep.Problems) != 1 {
		t.Errorf("FileSource with a limit: events %d problems %v", len(events), rep.Problems)
	}
	rep, events = scanWith(t, &FileSource{Paths: []string{dir}}, q(testKey))
	if len(events) != 3 || len(rep.Problems) != 0 {
		t.Errorf("FileSource with the default limit: events %d problems %v", len(events), rep.Problems)
	}
}

// TestWrongTypedFieldsAreReported: a CloudTrail field of the wrong type is a problem
// naming the record (its index in a one-line Records document, its line in NDJSON) and
// the field, never a silent zero; the other records load.
func TestWrongTypedFieldsAreReported(t *testing.T) {
	r := func(id string) string { return record(id, testKey) }
	bad := []string{
		strings.Replace(r("t2"), `"eventTime":"2026-11-20T09:00:00Z"`, `"eventTime":1763629200`, 1),
		strings.Replace(r("t3"), `"userIdentity":{"type":"IAMUser","accessKeyId":"`+testKey+`","accountId":"111122223333"}`, `"userIdentity":"`+testKey+`"`, 1),
		strings.Replace(r("t4"), `"eventID":"t4"`, `"eventID":4`, 1),
		strings.Replace(r("t5"), `"accessKeyId":"`+testKey+`"`, `"accessKeyId":["`+testKey+`"]`, 1),
		strings.Replace(r("t6"), `"eventTime":"2026-11-20T09:00:00Z"`, `"eventTime":"20/11/2026"`, 1),
	}
	recs := append(append([]string{r("t1")}, bad...), r("t7"))
	fields := []string{"eventTime", "userIdentity", "eventID", "userIdentity.accessKeyId", "eventTime"}
	s := scanDir(t, map[string][]byte{
		"one-line.json": []byte(`{"Records":[` + strings.Join(recs, ",") + `]}`),
		"lines.ndjson":  ndjson(recs...),
	}, q(testKey))
	origins := map[string]bool{}
	for _, e := range s.events {
		origins[strings.TrimPrefix(e.Origin.String(), filepath.Dir(e.Origin.String())+"/")] = true
	}
	for _, o := range []string{"one-line.json#record 1", "one-line.json#record 7", "lines.ndjson:1", "lines.ndjson:7"} {
		if !origins[o] {
			t.Errorf("no event from %s (origins %v)", o, origins)
		}
	}
	if len(s.events) != 4 {
		t.Errorf("%d events, want 4", len(s.events))
	}
	got := map[string]string{}
	for _, p := range s.problems {
		where, msg, _ := strings.Cut(p, ": ")
		got[where] = msg
	}
	for i, f := range fields {
		for _, where := range []string{"one-line.json#record " + itoa(i+2), "lines.ndjson:" + itoa(i+2)} {
			if !strings.Contains(got[where], f) {
				t.Errorf("%s: %q, want the field %s named", where, got[where], f)
			}
		}
	}
	if len(got) != 2*len(fields) {
		t.Errorf("problems %v", s.problems)
	}
}

// TestDamagedFirstLineOfNDJSON: an NDJSON file whose first line is cut short is still
// read line by line: the damage is one problem at :1, and every line after it loads,
// held whole or streamed. Values run together on one line are still read as values.
func TestDamagedFirstLineOfNDJSON(t *testing.T) {
	r := func(id string) string { return record(id, testKey) }
	cut := r("cut")
	files := map[string][]byte{
		"damaged.ndjson": ndjson(cut[:len(cut)/2], r("d2"), r("d3"), r("d4")),
		"together.json":  []byte(r("t1") + r("t2") + "\n" + r("t3") + "\n"),
	}
	want := map[string][]string{
		"damaged.ndjson": {"damaged.ndjson:1", "d2", "d3", "d4"},
		"together.json":  {"", "t1", "t2", "t3"},
	}
	for _, stream := range []bool{false, true} {
		for name, body := range files {
			ids, rep := scanOne(name, body, stream, 0)
			w := want[name]
			var where []string
			for _, p := range rep.Problems {
				where = append(where, p.Where)
			}
			if !slices.Equal(ids, w[1:]) || (w[0] == "") != (len(where) == 0) || (w[0] != "" && (len(where) != 1 || where[0] != w[0])) {
				t.Errorf("%s (streamed %v): events %v, problems %v; want %v and a problem at %q", name, stream, ids, rep.Problems, w[1:], w[0])
			}
		}
	}
}
