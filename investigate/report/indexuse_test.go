package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// TestEveryFaceSaysWhatTheIndexSkipped: files a key index skipped are searched, and each
// face says how many, by which index, built when, with the index's warnings made inert;
// the case stays complete.
func TestEveryFaceSaysWhatTheIndexSkipped(t *testing.T) {
	in := testInput(t)
	built := time.Date(2026, 11, 18, 7, 30, 0, 0, time.UTC)
	in.Reports = []investigate.SourceReport{{Source: "trail:/archive", Kind: "cloudtrail-files", Files: 1872, Records: 40, Matched: 5,
		Index: &investigate.IndexUse{Path: "/home/u/.cache/keypivot/index/ab.idx", Skipped: 1800, Keys: 1, Built: built, BuiltLast: built,
			Warnings: []string{"key index /x.idx ignored (written for another archive (\"/a\x1b[2Jb\")): rebuilt from the files read"}}}}
	c := investigate.BuildCase(in)
	skipped := "1,800 files skipped: the key index (built 2026-11-18 07:30 UTC) shows they do not hold the key"
	if c.Completeness.Status != investigate.SearchComplete || !strings.Contains(c.Completeness.Headline, "1,872 files") || !strings.Contains(c.Completeness.Headline, skipped) {
		t.Fatalf("completeness %s: %q", c.Completeness.Status, c.Completeness.Headline)
	}
	var text, md, js bytes.Buffer
	if err := report.Text(&text, c, report.Options{Width: 300}); err != nil {
		t.Fatal(err)
	}
	if err := report.Markdown(&md, c, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := report.CaseJSON(&js, c); err != nil {
		t.Fatal(err)
	}
	for face, out := range map[string]string{"text": text.String(), "md": strings.ReplaceAll(md.String(), `\`, "")} {
		assertInert(t, out)
		for _, want := range []string{skipped + "; index file /home/u/.cache/keypivot/index/ab.idx", "key index: key index /x.idx ignored"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", face, want, out)
			}
		}
	}
	var doc struct {
		Coverage struct {
			Sources []struct {
				Index investigate.IndexUse `json:"index"`
			} `json:"sources"`
		} `json:"coverage"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if u := doc.Coverage.Sources[0].Index; u.Skipped != 1800 || !u.Built.Equal(built) || len(u.Warnings) != 1 {
		t.Errorf("JSON index %+v", u)
	}
}
