// Package fanouttest holds what the tests of the findings sources searched with fanout
// (GuardDuty, Security Hub) share: reading a source's alerts, copying a finding to make
// a variant of it, and checking what a report says of findings that became no alert.
// Only tests import it.
package fanouttest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

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
