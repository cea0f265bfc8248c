// Package fanouttest holds what the tests of the findings sources searched with fanout
// (GuardDuty, Security Hub) share: reading a source's alerts, copying a finding to make
// a variant of it, checking what a report says of findings that became no alert, and
// the workspace of their attack-sequence tests over the corpus's real StopLogging.
// Only tests import it. It imports investigate and files/cloudtrail (the corpus's
// trail), never internal: the tests check the corpus is there (sourcetest.RequireCorpus).
package fanouttest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/investigate"
)

// Read is every alert src gives for q, and its report; an error fails the test. The
// sink takes no lock: fanout never calls it concurrently (go test -race checks that).
func Read(t testing.TB, src investigate.AlertSource, q investigate.AlertQuery) ([]investigate.Alert, investigate.SourceReport) {
	t.Helper()
	var got []investigate.Alert
	rep, err := src.Alerts(context.Background(), q, func(b []investigate.Alert) { got = append(got, b...) })
	if err != nil {
		t.Fatalf("Alerts: %v (%+v)", err, rep)
	}
	return got, rep
}

// Copy is a deep copy of a finding, as JSON reads it.
func Copy(t testing.TB, finding map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(finding)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// CheckSkipped checks the report of a search of one region that read
// investigate.DefaultMaxProblems+3 unreadable findings and one that names no access
// key: the first unreadable ones are problems one by one (each as unreadable expects),
// then one problem counts the 3 more; the keyless finding is a note; and the region is
// still searched.
func CheckSkipped(t testing.TB, rep investigate.SourceReport, unreadable func(investigate.Problem) bool) {
	t.Helper()
	if len(rep.Problems) != investigate.DefaultMaxProblems+1 {
		t.Fatalf("%s: %+v", investigate.Plural(len(rep.Problems), "problem"), rep.Problems)
	}
	for _, p := range rep.Problems[:investigate.DefaultMaxProblems] {
		if !unreadable(p) {
			t.Errorf("problem %+v", p)
		}
	}
	if last := rep.Problems[investigate.DefaultMaxProblems]; !strings.Contains(last.Message, "3 more findings") {
		t.Errorf("last problem %+v", last)
	}
	if !slices.ContainsFunc(rep.Notes, func(n string) bool { return strings.HasPrefix(n, "1 finding names no access key") }) {
		t.Errorf("notes %q", rep.Notes)
	}
	if rep.Regions[0].Status != investigate.RegionSearched {
		t.Errorf("region %+v", rep.Regions[0])
	}
}

// StopLoggingCorpus holds the real StopLogging of the sample attack sequence's key
// (christophe's AKIAGGWFBBHBE7D3M9WI), the one CloudTrail event of that sequence the
// corpus has; the path is from a package one below aws/ (aws/guardduty).
const StopLoggingCorpus = "../../../shared/corpus/stratus-detonation-logs/aws.defense-evasion.cloudtrail-stop.json"

// StopLoggingEvent is the event id of the StopLogging in StopLoggingCorpus.
const StopLoggingEvent = "10163ed2-2253-469d-a5ee-cbc6651f8934"

// StopLoggingWorkspace is a workspace of src's alerts and the trail of StopLoggingCorpus,
// its clock on 2024-08-01 09:00 UTC (the day after the sample sequence), and its ranking;
// an error of the ranking fails the test. The test checks first that the corpus is there
// (sourcetest.RequireCorpus).
func StopLoggingWorkspace(t testing.TB, src investigate.AlertSource) (*investigate.Workspace, *investigate.Ranking) {
	t.Helper()
	now := time.Date(2024, 8, 1, 9, 0, 0, 0, time.UTC)
	ws := &investigate.Workspace{
		Alerts: []investigate.AlertSource{src},
		Trails: []investigate.EventSource{&cloudtrail.FileSource{Paths: []string{StopLoggingCorpus}}},
		Now:    func() time.Time { return now },
	}
	rk, err := ws.Rank(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	return ws, rk
}
