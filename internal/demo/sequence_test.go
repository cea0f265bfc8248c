package demo

import (
	"context"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/investigate"
)

// The demo carries GuardDuty's attack sequence for the leaked key, read through the real
// parser among the alert documents: the key is ranked on it, and its case resolves every
// activity signal to the key's own records (as many as the signal counts, since the
// counts are the records') and says the anomaly finding is not among its alerts (the
// demo's alert sources are Elastic's).
func TestDemoAttackSequenceIsRankedAndResolved(t *testing.T) {
	ds := dataset(t)
	f := &ds.Facts
	if f.Alerts.AttackSequence == "" || f.Alerts.AttackSequenceSignals < 5 {
		t.Fatalf("no attack sequence planted: %+v", f.Alerts)
	}
	_, alerts, err := sourcetest.Alerts(context.Background(), AlertSource(ds), investigate.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	cor := investigate.NewCorrelator(investigate.DefaultCorrelationOptions())
	cor.Add(alerts)
	top := cor.Result(false).Keys[0]
	if top.Key.String() != f.CompromisedKey || top.Basis != investigate.BasisAttackSequence || top.AttackSequenceCount != 1 ||
		top.AttackSequences[0].FindingID != f.Alerts.AttackSequence {
		t.Errorf("ranking's first key %+v", top)
	}

	c := investigateKey(t, ds, f.CompromisedKey).c
	if len(c.AttackSequences) != 1 {
		t.Fatalf("%d sequences in the case", len(c.AttackSequences))
	}
	cs := c.AttackSequences[0]
	if cs.FindingID != f.Alerts.AttackSequence || cs.Type != "AttackSequence:IAM/CompromisedCredentials" || cs.Severity != investigate.SeverityCritical ||
		len(cs.Signals) != f.Alerts.AttackSequenceSignals || cs.ResolvedSignals != len(cs.Signals)-1 || cs.ViaKey != "" {
		t.Fatalf("sequence %s: %d signals, %d resolved, via %q", cs.FindingID, len(cs.Signals), cs.ResolvedSignals, cs.ViaKey)
	}
	var s3 bool
	for _, s := range cs.Signals {
		r := s.Resolution
		switch s.Type {
		case investigate.SignalFinding:
			if r.Status != investigate.SignalNotInCase || !strings.Contains(r.Note, "no alert of the case has the finding's id") {
				t.Errorf("%s: %+v", s.Name, r)
			}
		default:
			if r.Status != investigate.SignalMatched || r.Events != s.Count || len(r.EventIDs) != min(s.Count, investigate.MaxSignalEventIDs) {
				t.Errorf("%s x%d: %+v", s.Name, s.Count, r)
			}
			s3 = s3 || s.Type == investigate.SignalS3Data
		}
	}
	if !s3 && f.Patterns.S3DataEvents > 0 {
		t.Errorf("the key's S3 data events (%d) are no signal of the sequence", f.Patterns.S3DataEvents)
	}
	// The StopLogging signal is the key's denied call: its event is the one the demo marked.
	for _, s := range cs.Signals {
		if s.Name == "cloudtrail:StopLogging" && (len(s.Resolution.EventIDs) != 1 || s.Resolution.EventIDs[0] != stopLoggingEventID(ds)) {
			t.Errorf("StopLogging resolved to %v", s.Resolution.EventIDs)
		}
	}
}

// stopLoggingEventID is the compromised key's StopLogging in the dataset's records.
func stopLoggingEventID(ds *Dataset) string {
	_, events, _ := sourcetest.Events(context.Background(), TrailSource(ds), investigate.EventQuery{AccessKeys: investigate.KeyIDs(ds.CompromisedKey)})
	for _, e := range events {
		if e.Name == "StopLogging" {
			return e.ID
		}
	}
	return ""
}
