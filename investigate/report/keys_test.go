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
		{"searched", searched, "No key has a first-seen alert and an elevated sibling, or an elevated GuardDuty or Security Hub finding, or an attack sequence, in 1 alert file", ""},
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

// A key with a first-seen alert and no elevated sibling is marked beside its id, which
// stays as AWS spells it: copied from the ranking, it is a key keypivot pivot takes.
func TestFirstSeenOnlyKeyIsMarkedNotRespelled(t *testing.T) {
	r := rankingOf(investigate.SourceReport{Source: "alerts:x", Kind: "alert-files", Files: 1, Records: 2})
	r.Keys = []investigate.KeySummary{
		{Key: investigate.MustParseAccessKeyID("AKIAHA4AFLKGIJDAVJ5C"), Correlated: true, SiblingCount: 2, MaxSeverity: investigate.SeverityHigh},
		{Key: investigate.MustParseAccessKeyID("AKIAHA4AFLKGDTGSUQ5U"), Correlated: false, FirstSeenCount: 1},
	}
	for _, width := range []int{80, -1} {
		var b bytes.Buffer
		if err := report.KeysText(&b, r, report.Options{Width: width}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.Contains(out, "AKIAHA4AFLKGDTGSUQ5U* ") || strings.Contains(out, "AKIAHA4AFLKGIJDAVJ5C*") {
			t.Errorf("width %d: the first-seen-only key alone should be marked with *:\n%s", width, out)
		}
		if strings.Contains(out, "akia") {
			t.Errorf("width %d: a key id is spelled in lower case:\n%s", width, out)
		}
		if !strings.Contains(out, "\n(*: first seen from a new address, no elevated sibling)\n") {
			t.Errorf("width %d: no footer saying what * means:\n%s", width, out)
		}
	}
}

// A key's severity in the ranking is the worst of what it is ranked on: a critical attack
// sequence above high siblings reads critical, in text and in Markdown alike; a key
// ranked on a sequence alone shows the sequence's.
func TestKeySeverityCountsItsAttackSequences(t *testing.T) {
	r := rankingOf(investigate.SourceReport{Source: "alerts:x", Kind: "alert-files", Files: 1, Records: 3})
	seq := []investigate.SequenceRef{{FindingID: "f1", Provider: "guardduty", Type: "AttackSequence:IAM/CompromisedCredentials", Severity: investigate.SeverityCritical, Signals: 4}}
	r.Keys = []investigate.KeySummary{
		{Key: investigate.MustParseAccessKeyID("AKIAHA4AFLKGIJDAVJ5C"), Correlated: true, Basis: investigate.BasisAttackSequence, SiblingCount: 2, MaxSeverity: investigate.SeverityHigh,
			AttackSequences: seq, AttackSequenceCount: 1},
		{Key: investigate.MustParseAccessKeyID("AKIAHA4AFLKGDTGSUQ5U"), Correlated: true, Basis: investigate.BasisAttackSequence, AttackSequences: seq, AttackSequenceCount: 1},
	}
	var txt, md bytes.Buffer
	if err := report.KeysText(&txt, r, report.Options{Width: -1}); err != nil {
		t.Fatal(err)
	}
	if err := report.KeysMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"AKIAHA4AFLKGIJDAVJ5C   critical", "AKIAHA4AFLKGDTGSUQ5U   critical"} {
		if !strings.Contains(txt.String(), line) {
			t.Errorf("text lacks %q:\n%s", line, txt.String())
		}
	}
	if n := strings.Count(md.String(), "| attack-sequence | critical |"); n != 2 {
		t.Errorf("markdown shows %d keys critical, want 2:\n%s", n, md.String())
	}
}
