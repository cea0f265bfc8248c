package investigate_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

// A case of one of everything: every phrase is in the singular.
func TestCountsPhrasesAgreeWithOne(t *testing.T) {
	c := &investigate.Case{
		Key:               investigate.MustParseAccessKeyID("AKIAEXAMPLEKEY000001"),
		EventCount:        1,
		SessionEventCount: 1,
		ChildEventCount:   1,
		OtherEventCount:   1,
		Events:            make([]*investigate.Event, 4),
		Sessions:          []investigate.Session{{AccessKeyID: "ASIAEXAMPLESESSION01"}},
		CreatedAccessKeys: []investigate.CreatedKey{{AccessKeyID: "AKIAEXAMPLECHILD0001"}},
		FollowUps: investigate.FollowUps{
			KeyPairs:  []investigate.KeyPair{{Name: "kp"}},
			Launches:  []investigate.Launch{{EventID: "e1", ErrorCode: "Client.VcpuLimitExceeded"}},
			Instances: []investigate.Instance{{InstanceID: "i-1"}},
		},
		Siblings: []investigate.Sibling{
			{AlertID: "fs", FirstSeen: true, Eligible: true, Elevated: true, Status: "open"},
			{AlertID: "s", Eligible: true, Elevated: true, Status: "open"},
			{AlertID: "closed", Ineligible: investigate.ReasonNotOpen, Elevated: true, Status: "closed"},
			{AlertID: "via", Eligible: true, Elevated: true, Status: "open", ViaKey: "ASIAEXAMPLESESSION01"},
		},
		HigherOrderAlerts: []investigate.Sibling{{AlertID: "ho", Eligible: true, Elevated: true, Status: "acknowledged", ViaKey: "AKIAEXAMPLECHILD0001"}},
	}
	n := investigate.CaseCounts(c)
	want := investigate.Counts{
		Alerts: 5, HigherOrderAlerts: 1, OpenAlerts: 3, ElevatedAlerts: 5, CountedAlerts: 3,
		Key:     investigate.CorrelationCounts{FirstSeen: 1, Siblings: 1},
		Lineage: investigate.CorrelationCounts{Siblings: 1, HigherOrder: 1},
		Events:  4, KeyEvents: 1, SessionEvents: 1, ChildEvents: 1, OtherEvents: 1,
		Sessions: 1, ChildKeys: 1, KeyPairs: 1, Launches: 1, FailedLaunches: 1, Instances: 1,
	}
	if n != want {
		t.Fatalf("CaseCounts =\n %+v, want\n %+v", n, want)
	}
	for got, want := range map[string]string{
		n.AlertsText():                    "5 alerts (1 higher-order), 3 open, 5 elevated, 3 counted",
		n.Key.Text():                      "1 first-seen alert, 1 counted sibling, 0 higher-order alerts",
		n.Lineage.Text():                  "0 first-seen alerts, 1 counted sibling, 1 higher-order alert",
		strings.Join(n.EventParts(), "|"): "1 event by the key|1 by 1 derived session|1 by 1 access key it created|1 launch by others with its key pairs",
		n.LineageText():                   "1 derived session, 1 child key",
		n.FollowUpsText():                 "1 key pair, 1 launch (1 failed), 1 instance",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if got := n.AlertGroups(); !reflect.DeepEqual(got, [][2]string{{investigate.KeyAlertsLabel, n.Key.Text()}, {investigate.LineageAlertsLabel, n.Lineage.Text()}}) {
		t.Errorf("AlertGroups = %v", got)
	}
	// A key without sessions or children has one group only.
	c.Siblings, c.HigherOrderAlerts = c.Siblings[:2], nil
	if got := investigate.CaseCounts(c).AlertGroups(); len(got) != 1 {
		t.Errorf("AlertGroups without lineage alerts = %v", got)
	}

	s := investigate.KeySummary{FirstSeenCount: 2, SiblingCount: 5, HigherOrderAlerts: []string{"a"}}
	if got := investigate.SummaryCounts(&s); got != (investigate.CorrelationCounts{FirstSeen: 2, Siblings: 5, HigherOrder: 1}) {
		t.Errorf("SummaryCounts = %+v", got)
	}
}

func TestPluralNouns(t *testing.T) {
	for n, want := range map[string]string{
		investigate.Plural(1, "retry"):   "1 retry",
		investigate.Plural(3, "retry"):   "3 retries",
		investigate.Plural(2, "key"):     "2 keys",
		investigate.Plural(2, "policy"):  "2 policies",
		investigate.Plural(2, "launch"):  "2 launches",
		investigate.Plural(2, "bash"):    "2 bashes",
		investigate.Plural(1872, "file"): "1,872 files",
	} {
		if n != want {
			t.Errorf("got %q, want %q", n, want)
		}
	}
}

// The plan's words agree with one instance and one valid session.
func TestPlanWordsAgreeWithOne(t *testing.T) {
	c := demoCase()
	c.Sessions = c.Sessions[:1]
	c.FollowUps.Instances = c.FollowUps.Instances[:1]
	p := investigate.PlanRemediation(c, nil, cutoff)
	stop := action(p, investigate.ActStopInstances)
	if stop.Title != "Stop 1 instance launched through the key's follow-ups" || stop.Resource != "1 instance" {
		t.Errorf("stop = %q (%q)", stop.Title, stop.Resource)
	}
	d := action(p, investigate.ActDeactivateKey)
	if !slices.Contains(d.Untouched, "1 derived session stays valid until it expires (up to 36 h): revoke it separately") {
		t.Errorf("untouched = %q", d.Untouched)
	}
}
