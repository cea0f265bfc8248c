package alertdoc

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/files/internal/testfiles"
	"github.com/keypivot/keypivot/internal/sourcetest"

	"github.com/keypivot/keypivot/investigate"
)

var _ investigate.AlertSource = (*FileSource)(nil)

// collect reads every alert of q, sorted by origin.
func collect(t *testing.T, src *FileSource, q investigate.AlertQuery) ([]investigate.Alert, investigate.SourceReport, error) {
	t.Helper()
	rep, out, err := sourcetest.Alerts(context.Background(), src, q)
	slices.SortFunc(out, func(a, b investigate.Alert) int { return strings.Compare(a.Origin, b.Origin) })
	return out, rep, err
}

func TestFileSource(t *testing.T) {
	dir := t.TempDir()
	docs := alertDocs(t)
	testfiles.Write(t, filepath.Join(dir, "elastic", "alerts.ndjson"), ndjson(t, docs[0], docs[1]))
	testfiles.Write(t, filepath.Join(dir, "elastic", "higher.jsonl.gz"), gz(t, ndjson(t, docs[2])))
	testfiles.Write(t, filepath.Join(dir, "aws", "guardduty.JSON"), readTestdata(t, "guardduty-get-findings.json"))
	testfiles.Write(t, filepath.Join(dir, "aws", "securityhub.json.gz"), gz(t, readTestdata(t, "securityhub-get-findings.json")))
	testfiles.Write(t, filepath.Join(dir, "aws", "broken.json"), []byte(`{"Findings":[{"Id":`))
	testfiles.Write(t, filepath.Join(dir, "aws", "empty.ndjson"), nil)
	testfiles.Write(t, filepath.Join(dir, "README.md"), []byte("# not read"))
	testfiles.Write(t, filepath.Join(dir, ".cache", "old.json"), ndjson(t, docs[0])) // hidden: skipped
	odd := filepath.Join(t.TempDir(), "export.txt")                                  // named explicitly: read
	testfiles.Write(t, odd, readTestdata(t, "esql-response.json"))

	src := &FileSource{Paths: []string{dir, odd, filepath.Join(dir, "missing")}, Workers: 3}
	alerts, rep, err := collect(t, src, investigate.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files != 6 || rep.Records != 3+3+2+3 || rep.Matched != rep.Records || int(rep.Matched) != len(alerts) {
		t.Errorf("Files %d, Records %d, Matched %d, alerts %d", rep.Files, rep.Records, rep.Matched, len(alerts))
	}
	byProvider := map[string]int{}
	for _, a := range alerts {
		byProvider[a.Provider]++
		if !strings.HasPrefix(a.Origin, dir) && !strings.HasPrefix(a.Origin, odd) {
			t.Errorf("origin %q names no file", a.Origin)
		}
	}
	if byProvider["elastic"] != 6 || byProvider["guardduty"] != 3 || byProvider["securityhub"] != 2 {
		t.Errorf("providers: %v", byProvider)
	}
	hasProblem(t, rep, filepath.Join(dir, "aws", "broken.json")+"#record 1", "the document ends early")
	hasProblem(t, rep, filepath.Join(dir, "missing"), "no such file")
	if len(rep.Problems) != 2 {
		t.Errorf("problems: %+v", rep.Problems)
	}
	wantSkips := []investigate.Skip{
		{Reason: investigate.SkipNotLog, Count: 1, Example: filepath.Join(dir, "README.md")},
		{Reason: investigate.SkipEmptyFile, Count: 1, Example: filepath.Join(dir, "aws", "empty.ndjson")},
		// A hidden directory is left out as trail sources leave it out, so that the
		// completeness of a case names it.
		{Reason: investigate.SkipHidden, Count: 1, Example: filepath.Join(dir, ".cache")},
	}
	if !slices.Equal(rep.Skips, wantSkips) || rep.Skipped != 3 {
		t.Errorf("skips = %+v (%d), want %+v", rep.Skips, rep.Skipped, wantSkips)
	}
	if rep.Source != src.Name() || rep.Kind != "alert-files" || rep.Bytes <= 0 {
		t.Errorf("report: %+v", rep)
	}
	want := "read 6 files (4 JSON documents, 2 NDJSON): 3 ES|QL rows, 3 Elastic alert documents, 3 GuardDuty findings, 2 Security Hub findings"
	if !slices.Contains(rep.Notes, want) {
		t.Errorf("notes = %q, want %q", rep.Notes, want)
	}

	t.Run("query filters apply", func(t *testing.T) {
		alerts, _, err := collect(t, &FileSource{Paths: []string{dir}}, investigate.AlertQuery{AccessKeys: investigate.KeyIDs("ASIA4XQJ7ZK3PSESSION")})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range alerts {
			ids = append(ids, a.ID)
		}
		if !slices.Equal(ids, []string{"7d3e5f1a9b2c4d6e8f0a1b3c5d7e9f12", higherUUID}) {
			t.Errorf("ids = %v", ids)
		}
	})
}

func TestFileSourceNothingReadable(t *testing.T) {
	_, rep, err := collect(t, &FileSource{Paths: []string{filepath.Join(t.TempDir(), "nope")}}, investigate.AlertQuery{})
	if err == nil || !strings.Contains(err.Error(), "no readable alert files") || len(rep.Problems) != 1 || rep.Failed != err.Error() {
		t.Errorf("err = %v, failed %q, problems %+v", err, rep.Failed, rep.Problems)
	}
	t.Run("empty directory: nothing to search, no problem", func(t *testing.T) {
		_, rep, err := collect(t, &FileSource{Paths: []string{t.TempDir()}}, investigate.AlertQuery{})
		if err != nil || rep.Files != 0 || len(rep.Problems) != 0 || rep.Skipped != 0 || rep.Failed != "" ||
			len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "no alert files") {
			t.Errorf("err %v, report %+v", err, rep)
		}
	})
	t.Run("only text and CSV files: each counted as not a log", func(t *testing.T) {
		dir := t.TempDir()
		for _, n := range []string{"a.txt", "b.csv", "c.csv", "sub/d.txt", "sub/e.md"} {
			testfiles.Write(t, filepath.Join(dir, n), []byte("alert,id\n1,2\n"))
		}
		_, rep, err := collect(t, &FileSource{Paths: []string{dir}}, investigate.AlertQuery{})
		want := []investigate.Skip{{Reason: investigate.SkipNotLog, Count: 5, Example: filepath.Join(dir, "a.txt")}}
		if err != nil || rep.Files != 0 || len(rep.Problems) != 0 || rep.Skipped != 5 || !slices.Equal(rep.Skips, want) {
			t.Errorf("err %v, report %+v", err, rep)
		}
	})
}

// Directories are read by content: the names exports take, any .gz, and files without
// an extension whose start is an alert export; the rest is counted by reason.
func TestFileSourceReadsByContent(t *testing.T) {
	dir := t.TempDir()
	docs := alertDocs(t)
	var hits []any
	for i, d := range docs {
		hits = append(hits, hit(d, alertIDs[i]))
	}
	search := map[string]any{"took": 3, "hits": map[string]any{"total": map[string]any{"value": 3}, "hits": hits}}
	big := fixture(t, "alert-sibling.json")
	big["kibana.alert.uuid"] = "big"
	big["padding"] = strings.Repeat("p", 2*sniffBytes) // the first record does not fit in the sniffed start
	// A CloudTrail log whose events carry keys an alert export has ("findings").
	ct := `{"Records":[{"eventVersion":"1.08","eventName":"BatchImportFindings","eventSource":"securityhub.amazonaws.com","requestParameters":{"findings":[{"Id":"x"}]}}]}`

	files := map[string][]byte{
		"filebeat/alerts-2026.03.02.log": ndjson(t, docs[0], docs[1]),                             // Filebeat's name: 2
		"b.jsonl":                        ndjson(t, docs[2]),                                      // 1
		"c.ndjson.gz":                    gz(t, ndjson(t, docs[0])),                               // 1
		"d.log.gz":                       gz(t, ndjson(t, docs[1])),                               // 1
		"e.gz":                           gz(t, readTestdata(t, "esql-response.json")),            // any .gz: 3
		"export":                         ndjson(t, hits...),                                      // no extension, NDJSON of hits: 3
		"search":                         pretty(t, search),                                       // _search response: 3
		"guardduty":                      readTestdata(t, "guardduty-get-findings.json"),          // 3
		"securityhub":                    gz(t, readTestdata(t, "securityhub-get-findings.json")), // gzip without a name: 2
		"esql":                           readTestdata(t, "esql-response.json"),                   // 3
		"bigfirst":                       ndjson(t, big, docs[0]),                                 // by its keys: 2
		"notes":                          []byte("alert triage notes\n"),                          // not JSON: skipped
		"config":                         []byte(`{"log_level":"debug","paths":["/var/log"]}`),    // JSON, no alert: skipped
		"trail":                          []byte(ct),                                              // CloudTrail: skipped
		"trail-line":                     []byte(ct + "\n"),                                       // the same as one NDJSON line
		"x.txt":                          ndjson(t, docs[0]),                                      // alerts, but a text file's name: skipped
		"y.csv":                          []byte("a,b\n"),                                         // skipped
		"z.json":                         nil,                                                     // empty
		"marker":                         nil,                                                     // empty
		"corrupt":                        {0x1f, 0x8b, 0, 1, 2, 3},                                // unreadable: a problem
	}
	for n, b := range files {
		testfiles.Write(t, filepath.Join(dir, n), b)
	}
	alerts, rep, err := collect(t, &FileSource{Paths: []string{dir}, Workers: 4}, investigate.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files != 11 || rep.Records != 2+1+1+1+3+3+3+3+2+3+2 || int(rep.Matched) != len(alerts) {
		t.Errorf("Files %d, Records %d, Matched %d, alerts %d", rep.Files, rep.Records, rep.Matched, len(alerts))
	}
	wantSkips := []investigate.Skip{
		{Reason: investigate.SkipEmptyFile, Count: 2, Example: filepath.Join(dir, "marker")},
		{Reason: investigate.SkipNotLog, Count: 6, Example: filepath.Join(dir, "x.txt")},
	}
	slices.SortFunc(rep.Skips, func(a, b investigate.Skip) int { return strings.Compare(a.Reason, b.Reason) })
	if rep.Skipped != 8 || !slices.Equal(rep.Skips, wantSkips) {
		t.Errorf("skips = %+v (%d), want %+v", rep.Skips, rep.Skipped, wantSkips)
	}
	hasProblem(t, rep, filepath.Join(dir, "corrupt"), "not a readable gzip file")
	if len(rep.Problems) != 1 {
		t.Errorf("problems: %+v", rep.Problems)
	}
	var origins []string
	for _, a := range alerts {
		origins = append(origins, strings.TrimPrefix(a.Origin, dir+string(filepath.Separator)))
	}
	for _, o := range []string{"export:1", "search#record 3", "bigfirst:1", "bigfirst:2", "securityhub#record 2", "filebeat/alerts-2026.03.02.log:2"} {
		if !slices.Contains(origins, o) {
			t.Errorf("no alert from %s in %q", o, origins)
		}
	}
}

// Span is the earliest and latest time of every alert read, of every file; Files counts
// the files read.
func TestFileSourceSpan(t *testing.T) {
	dir := t.TempDir()
	docs := alertDocs(t)
	old := fixture(t, "alert-sibling.json")
	old["kibana.alert.uuid"] = "old"
	old["@timestamp"] = "2025-12-24T18:00:00Z"
	testfiles.Write(t, filepath.Join(dir, "a.ndjson"), ndjson(t, docs[0], docs[1]))
	testfiles.Write(t, filepath.Join(dir, "b.json"), compact(t, []any{docs[2], old}))
	_, rep, err := collect(t, &FileSource{Paths: []string{dir}}, investigate.AlertQuery{AccessKeys: investigate.KeyIDs("AKIANOBODY0000000000")})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Span.Since.Equal(mustTime(t, "2025-12-24T18:00:00Z")) || !rep.Span.Until.Equal(mustTime(t, "2026-03-02T09:25:00.117Z")) {
		t.Errorf("Span = %v – %v", rep.Span.Since, rep.Span.Until)
	}
	if rep.Files != 2 || rep.Records != 4 || rep.Matched != 1 { // the higher-order alert matches any key
		t.Errorf("Files %d, Records %d, Matched %d", rep.Files, rep.Records, rep.Matched)
	}
}

func TestFileSourceRecordLimit(t *testing.T) {
	dir := t.TempDir()
	docs := alertDocs(t)
	huge := fixture(t, "alert-sibling.json")
	huge["padding"] = strings.Repeat("p", 3<<20)
	testfiles.Write(t, filepath.Join(dir, "a.ndjson"), ndjson(t, docs[0], huge, docs[1]))
	testfiles.Write(t, filepath.Join(dir, "b.json"), compact(t, []any{docs[2], huge, docs[0]}))
	alerts, rep, err := collect(t, &FileSource{Paths: []string{dir}, MaxRecordBytes: 2 << 20}, investigate.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 4 || rep.Records != 4 {
		t.Errorf("%d alerts, %d records", len(alerts), rep.Records)
	}
	hasProblem(t, rep, filepath.Join(dir, "a.ndjson")+":2", "is larger than the 2 MiB limit: skipped")
	hasProblem(t, rep, filepath.Join(dir, "b.json")+"#record 2", "is larger than the 2 MiB limit: skipped")
	if len(rep.Problems) != 2 {
		t.Errorf("problems: %+v", rep.Problems)
	}
	// The default limit reads it.
	alerts, rep, err = collect(t, &FileSource{Paths: []string{dir}}, investigate.AlertQuery{})
	if err != nil || len(alerts) != 6 || len(rep.Problems) != 0 {
		t.Errorf("default limit: %d alerts, problems %+v, err %v", len(alerts), rep.Problems, err)
	}
}

func TestFileSourceUnreadableFile(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root reads everything")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "locked.json")
	testfiles.Write(t, p, ndjson(t, alertDocs(t)[0]))
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	_, rep, err := collect(t, &FileSource{Paths: []string{dir}}, investigate.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	hasProblem(t, rep, p, "permission denied")
}

func TestFileSourceSymlinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "real-export.ndjson")
	testfiles.Write(t, target, ndjson(t, alertDocs(t)[0]))
	if err := os.Symlink(target, filepath.Join(dir, "linked.ndjson")); err != nil {
		t.Skip(err)
	}
	if err := os.Symlink(filepath.Join(dir, "gone"), filepath.Join(dir, "dangling.json")); err != nil {
		t.Fatal(err)
	}
	alerts, rep, err := collect(t, &FileSource{Paths: []string{dir}}, investigate.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].ID != firstSeenUUID {
		t.Errorf("alerts through the link: %d", len(alerts))
	}
	hasProblem(t, rep, filepath.Join(dir, "dangling.json"), "no such file")
}

// Links to directories are followed, each directory once, so that a loop ends.
func TestFileSourceDirectoryLinks(t *testing.T) {
	root := t.TempDir()
	real := filepath.Join(root, "real")
	testfiles.Write(t, filepath.Join(real, "a.ndjson"), ndjson(t, alertDocs(t)[0]))
	top := filepath.Join(root, "top")
	testfiles.Write(t, filepath.Join(top, "b.ndjson"), ndjson(t, alertDocs(t)[1]))
	if err := os.Symlink(real, filepath.Join(top, "linked")); err != nil {
		t.Skip(err)
	}
	if err := os.Symlink(top, filepath.Join(real, "loop")); err != nil {
		t.Fatal(err)
	}
	alerts, rep, err := collect(t, &FileSource{Paths: []string{top}}, investigate.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var origins []string
	for _, a := range alerts {
		origins = append(origins, a.Origin)
	}
	want := []string{filepath.Join(top, "b.ndjson") + ":1", filepath.Join(top, "linked", "a.ndjson") + ":1"}
	if !slices.Equal(origins, want) || rep.Files != 2 || len(rep.Problems) != 0 {
		t.Errorf("origins %q, files %d, problems %+v", origins, rep.Files, rep.Problems)
	}
}

// A file named explicitly is read whatever its name, and an empty one is a problem:
// the analyst asked for it.
func TestFileSourceNamedFiles(t *testing.T) {
	dir := t.TempDir()
	notes := filepath.Join(dir, "alerts.txt")
	testfiles.Write(t, notes, ndjson(t, alertDocs(t)[0]))
	empty := filepath.Join(dir, "empty.csv")
	testfiles.Write(t, empty, nil)
	alerts, rep, err := collect(t, &FileSource{Paths: []string{notes, empty}}, investigate.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || rep.Files != 2 || rep.Skipped != 0 {
		t.Errorf("%d alerts, files %d, skipped %d", len(alerts), rep.Files, rep.Skipped)
	}
	hasProblem(t, rep, empty, "empty file")
}

func TestFileSourceCancelled(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.json", "b.json", "c.json"} {
		testfiles.Write(t, filepath.Join(dir, n), ndjson(t, alertDocs(t)[0]))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := (&FileSource{Paths: []string{dir}}).Alerts(ctx, investigate.AlertQuery{}, func([]investigate.Alert) {})
	if err == nil || !rep.Truncated || rep.Files != 0 {
		t.Errorf("err %v, truncated %v, files %d", err, rep.Truncated, rep.Files)
	}
}
