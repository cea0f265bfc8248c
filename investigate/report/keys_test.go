package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// rankingOf is an empty ranking over one alert source's report.
func rankingOf(rep investigate.SourceReport) *investigate.Ranking {
	alerts := investigate.AssessKind([]investigate.SourceReport{rep}, investigate.Window{}, "alert", 0, "alert")
	c := investigate.NewCompleteness(investigate.KindCompleteness{Status: investigate.SearchNotAsked}, alerts)
	c.Headline = alerts.Summary
	return &investigate.Ranking{Keys: []investigate.KeySummary{}, Completeness: c}
}

// An empty ranking says what was searched for it; when nothing could be searched it
// says that, and no negative.
func TestEmptyRankingSaysWhatWasSearched(t *testing.T) {
	searched := rankingOf(investigate.SourceReport{Source: "alerts:x", Kind: "alert-files", Files: 1, Records: 3})
	failed := rankingOf(investigate.SourceReport{Source: "alerts:y", Kind: "alert-files", Failed: "connection refused"})
	for _, tc := range []struct {
		name      string
		r         *investigate.Ranking
		want, not string
	}{
		{"searched", searched, "No key has a first-seen alert and an elevated sibling, or an elevated GuardDuty or Security Hub finding, in 1 alert file", ""},
		{"failed", failed, "NO ALERTS SEARCHED", "No key has"},
	} {
		var txt, md bytes.Buffer
		if err := report.KeysText(&txt, tc.r, report.Options{Width: 400}); err != nil {
			t.Fatal(err)
		}
		if err := report.KeysMarkdown(&md, tc.r); err != nil {
			t.Fatal(err)
		}
		for face, out := range map[string]string{"text": txt.String(), "markdown": md.String()} {
			if !strings.Contains(out, tc.want) || (tc.not != "" && strings.Contains(out, tc.not)) {
				t.Errorf("%s, %s: want %q without %q:\n%s", tc.name, face, tc.want, tc.not, out)
			}
		}
	}
}
