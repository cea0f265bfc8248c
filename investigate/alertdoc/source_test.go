package alertdoc

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

var _ investigate.AlertSource = (*FileSource)(nil)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func collect(t *testing.T, src *FileSource, q investigate.AlertQuery) ([]investigate.Alert, investigate.SourceReport, error) {
	t.Helper()
	var (
		mu  sync.Mutex
		out []investigate.Alert
	)
	rep, err := src.Alerts(context.Background(), q, func(b []investigate.Alert) {
		mu.Lock()
		defer mu.Unlock()
		out = append(out, b...)
	})
	slices.SortFunc(out, func(a, b investigate.Alert) int { return strings.Compare(a.Origin, b.Origin) })
	return out, rep, err
}

func TestFileSource(t *testing.T) {
	dir := t.TempDir()
	docs := alertDocs(t)
	writeFile(t, filepath.Join(dir, "elastic", "alerts.ndjson"), ndjson(t, docs[0], docs[1]))
	writeFile(t, filepath.Join(dir, "elastic", "higher.jsonl.gz"), gz(t, ndjson(t, docs[2])))
	writeFile(t, filepath.Join(dir, "aws", "guardduty.JSON"), readTestdata(t, "guardduty-get-findings.json"))
	writeFile(t, filepath.Join(dir, "aws", "securityhub.json.gz"), gz(t, readTestdata(t, "securityhub-get-findings.json")))
	writeFile(t, filepath.Join(dir, "aws", "broken.json"), []byte(`{"Findings":[{"Id":`))
	writeFile(t, filepath.Join(dir, "aws", "empty.ndjson"), nil)
	writeFile(t, filepath.Join(dir, "README.md"), []byte("# not read"))
	writeFile(t, filepath.Join(dir, ".cache", "old.json"), ndjson(t, docs[0])) // hidden: skipped
	odd := filepath.Join(t.TempDir(), "export.txt")                            // named explicitly: read
	writeFile(t, odd, readTestdata(t, "esql-response.json"))

	src := &FileSource{Paths: []string{dir, odd, filepath.Join(dir, "missing")}, Workers: 3}
	alerts, rep, err := collect(t, src, investigate.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files != 7 || rep.Records != 3+3+2+3 || rep.Matched != rep.Records || int(rep.Matched) != len(alerts) {
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
	hasProblem(t, rep, filepath.Join(dir, "aws", "broken.json")+"#0", "the document ends early")
	hasProblem(t, rep, filepath.Join(dir, "aws", "empty.ndjson"), "empty file")
	hasProblem(t, rep, filepath.Join(dir, "missing"), "no such file")
	if len(rep.Problems) != 3 {
		t.Errorf("problems: %+v", rep.Problems)
	}
	if rep.Source != src.Name() || rep.Kind != "alert-files" || rep.Bytes <= 0 {
		t.Errorf("report: %+v", rep)
	}
	want := "read 7 files (4 JSON documents, 2 NDJSON): 3 ES|QL rows, 3 Elastic alert documents, 3 GuardDuty findings, 2 Security Hub findings"
	if !slices.Contains(rep.Notes, want) {
		t.Errorf("notes = %q, want %q", rep.Notes, want)
	}

	t.Run("query filters apply", func(t *testing.T) {
		alerts, _, err := collect(t, &FileSource{Paths: []string{dir}}, investigate.AlertQuery{AccessKeys: []string{"ASIA4XQJ7ZK3PSESSION"}})
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
	if err == nil || !strings.Contains(err.Error(), "no readable alert files") || len(rep.Problems) != 1 {
		t.Errorf("err = %v, problems %+v", err, rep.Problems)
	}
	_, rep, err = collect(t, &FileSource{Paths: []string{t.TempDir()}}, investigate.AlertQuery{})
	if err != nil || len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "no alert files") {
		t.Errorf("empty directory: err %v, notes %q", err, rep.Notes)
	}
}

func TestFileSourceUnreadableFile(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root reads everything")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "locked.json")
	writeFile(t, p, ndjson(t, alertDocs(t)[0]))
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
	writeFile(t, target, ndjson(t, alertDocs(t)[0]))
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

func TestFileSourceCancelled(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.json", "b.json", "c.json"} {
		writeFile(t, filepath.Join(dir, n), ndjson(t, alertDocs(t)[0]))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := (&FileSource{Paths: []string{dir}}).Alerts(ctx, investigate.AlertQuery{}, func([]investigate.Alert) {})
	if err == nil || !rep.Truncated || rep.Files != 0 {
		t.Errorf("err %v, truncated %v, files %d", err, rep.Truncated, rep.Files)
	}
}
