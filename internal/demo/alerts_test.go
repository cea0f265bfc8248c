package demo

import (
	"context"
	"slices"
	"testing"

	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/investigate"
)

// The demo's alerts carry their rules' descriptions and MITRE ATT&CK mappings, as
// Elastic's prebuilt rules have them, and, read for a case, their documents.
func TestDemoAlertsCarryTheirRulesDetail(t *testing.T) {
	ds := dataset(t)
	q := investigate.AlertQuery{AccessKeys: investigate.KeyIDs(ds.CompromisedKey)}
	_, alerts, err := sourcetest.Alerts(context.Background(), AlertSource(ds), q)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]investigate.Alert{}
	for _, a := range alerts {
		byID[a.ID] = a
		if a.RuleDescription == "" && a.Provider == investigate.ProviderElastic { // findings carry no rule description
			t.Errorf("%s (%s) has no rule description", a.ID, a.RuleName)
		}
		if len(a.Raw) == 0 || a.RawSize != len(a.Raw) {
			t.Errorf("%s (%s) keeps no document: %d of %d bytes", a.ID, a.RuleName, len(a.Raw), a.RawSize)
		}
	}
	fs, ok := byID[ds.Facts.Alerts.FirstSeen]
	if !ok {
		t.Fatalf("the first-seen alert %s was not read", ds.Facts.Alerts.FirstSeen)
	}
	// elastic/detection-rules: credential_access_iam_long_term_access_key_first_seen_from_source_ip.toml.
	if got := investigate.ThreatIDs(fs.Threats); !slices.Equal(got, []string{"TA0006", "TA0001", "T1552", "T1078.004"}) {
		t.Errorf("first-seen rule maps to %v", got)
	}
	if got := fs.Threats[1].String(); got != "Initial Access (TA0001): Valid Accounts (T1078) > Cloud Accounts (T1078.004)" {
		t.Errorf("first-seen rule's Initial Access = %q", got)
	}
	// The machine-learning rule maps to nothing, as its rule file does.
	for _, a := range alerts {
		if a.RuleType == investigate.RuleTypeMachineLearn && len(a.Threats) != 0 {
			t.Errorf("%s maps to %v", a.RuleName, a.Threats)
		}
	}
	if ho := byID[ds.Facts.Alerts.HigherOrder]; len(ho.Threats) != 2 || ho.RuleDescription == "" {
		t.Errorf("higher-order alert: %q %v", ho.RuleDescription, ho.Threats)
	}
}

// An alert on one event names it: the event is in the case, and the alert links to it in
// the CloudTrail console.
func TestDemoAlertsNameTheirEvents(t *testing.T) {
	ds := dataset(t)
	inv := investigateKey(t, ds, ds.CompromisedKey)
	events := map[string]*investigate.Event{}
	for _, e := range inv.c.Events {
		events[e.ID] = e
	}
	named := 0
	for _, s := range inv.c.Siblings {
		if s.EventID == "" {
			continue
		}
		named++
		e := events[s.EventID]
		if e == nil {
			t.Errorf("%s (%s) names event %s, which is not in the case", s.AlertID, s.RuleName, s.EventID)
			continue
		}
		if s.Region != e.Region || s.CloudTrailURL() != e.CloudTrailURL() || s.CloudTrailURL() == "" {
			t.Errorf("%s: region %q, link %q; the event's %q, %q", s.AlertID, s.Region, s.CloudTrailURL(), e.Region, e.CloudTrailURL())
		}
	}
	if named == 0 {
		t.Fatal("no alert of the case names its event")
	}
	for _, s := range inv.c.HigherOrderAlerts {
		if s.EventID != "" || s.CloudTrailURL() != "" {
			t.Errorf("higher-order alert %s names an event: %q", s.AlertID, s.EventID)
		}
	}
}
