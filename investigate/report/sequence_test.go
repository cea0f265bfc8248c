package report

import (
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// A case whose alert sources could hold attack sequences says it has none, with what
// was searched; one whose sources could hold none says nothing of them.
func TestNoAttackSequenceIsSaidOnlyWhereOneCouldBe(t *testing.T) {
	key := investigate.MustParseAccessKeyID("AKIAGGWFBBHBE7D3M9WI")
	w := investigate.Window{Since: time.Date(2024, 7, 31, 0, 0, 0, 0, time.UTC), Until: time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)}
	build := func(kind string) string {
		c := investigate.BuildCase(investigate.CaseInput{Key: key, Window: w, Now: w.Until,
			AlertReports: []investigate.SourceReport{{Source: kind, Kind: kind, Records: 4, Span: w,
				Regions: []investigate.RegionStatus{{Region: "us-east-1", Status: investigate.RegionSearched}}}}})
		var b strings.Builder
		if err := Text(&b, c, Options{Width: -1}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	gd := build(investigate.ProviderGuardDuty)
	if !strings.Contains(gd, "ATTACK SEQUENCES  0") || !strings.Contains(gd, "no attack sequence (GuardDuty Extended Threat Detection) involves this key or its sessions in 4 findings") {
		t.Errorf("GuardDuty searched, no sequence:\n%s", gd)
	}
	if files := build("alert-files"); strings.Contains(files, "ATTACK SEQUENCES") {
		t.Errorf("an alert file source: the report speaks of sequences:\n%s", files)
	}
}

func TestSequenceRankNote(t *testing.T) {
	k := investigate.KeySummary{AttackSequenceCount: 3, AttackSequences: []investigate.SequenceRef{
		{Type: "AttackSequence:IAM/CompromisedCredentials", Severity: investigate.SeverityCritical, Provider: investigate.ProviderGuardDuty, Signals: 5}}}
	if got := sequenceRankNote(&k); got != "attack sequence AttackSequence:IAM/CompromisedCredentials (critical, GuardDuty, 5 signals) and 2 more" {
		t.Errorf("note %q", got)
	}
	if got := sequenceRankNote(&investigate.KeySummary{}); got != "" {
		t.Errorf("a key without a sequence: %q", got)
	}
}
