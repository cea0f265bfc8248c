package demo

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// The demo case shows every address's network offline, and raises the CreateKeyPair
// rule's finding on the key's first key pair only: the attacker's residential network
// is no cloud provider's, and the second key pair is not the user's first.
func TestDemoCaseGivesEveryAddressItsNetworkAndRaisesTheKeyPairRule(t *testing.T) {
	ds := dataset(t)
	build := func(opts investigate.NetworkOptions) *investigate.Case {
		ws := &investigate.Workspace{
			Alerts: []investigate.AlertSource{AlertSource(ds)}, Trails: []investigate.EventSource{TrailSource(ds)},
			Correlation: investigate.DefaultCorrelationOptions(), Networks: opts, Demo: true,
			Now: func() time.Time { return ds.Anchor },
		}
		c, err := ws.Investigate(context.Background(), investigate.MustParseAccessKeyID(ds.CompromisedKey), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := build(investigate.NetworkOptions{Sources: []investigate.NetworkSource{NetworkSource()}})
	f := ds.Facts
	classes := map[string]string{}
	for _, ip := range c.SourceIPs {
		classes[ip.IP] = ip.Network.Class
		if !ip.Network.Known() {
			t.Errorf("%s: %s", ip.IP, ip.Network.Summary())
		}
	}
	for ip, want := range map[string]string{
		f.FirstSeenIP: investigate.NetNonCloud, f.SessionIP: investigate.NetNonCloud, reportingIP: investigate.NetCloud, "athena.amazonaws.com": investigate.NetAWSService,
	} {
		if classes[ip] != want {
			t.Errorf("%s: %q, want %q (%v)", ip, classes[ip], want, classes)
		}
	}
	if n := networkOf(c, f.FirstSeenIP); n.ASOrg != f.FirstSeenASOrg || !slices.Equal(n.Sources, []string{investigate.NetFromAlert, investigate.NetFromElasticEvent}) {
		t.Errorf("first-seen address: %+v", n)
	}
	if len(c.FollowUps.KeyPairs) != len(f.KeyPairs) || len(f.KeyPairs) < 2 {
		t.Fatalf("key pairs %d, planted %d", len(c.FollowUps.KeyPairs), len(f.KeyPairs))
	}
	var fired []string
	for i, kp := range c.FollowUps.KeyPairs {
		if kp.SourceIP != f.FirstSeenIP || kp.Network.ASOrg != f.FirstSeenASOrg || kp.Principal != f.CompromisedARN {
			t.Errorf("key pair %d: %+v", i, kp)
		}
		if kp.FirstByPrincipal != (kp.EventID == f.KeyPairs[0].EventID) {
			t.Errorf("key pair %s %s: first %v", kp.Name, kp.Region, kp.FirstByPrincipal)
		}
		if kp.Rule == investigate.RuleFires {
			fired = append(fired, kp.EventID)
		}
	}
	var findings []string
	for _, x := range c.Findings {
		if x.Title == investigate.KeyPairRuleName {
			findings = append(findings, x.EventIDs...)
			if !strings.Contains(x.Detail, "Elastic raised it too: alert "+ruleKeyPairAlert(t, c, x.EventIDs[0])) {
				t.Errorf("finding does not name Elastic's alert: %s", x.Detail)
			}
		}
	}
	if want := []string{f.KeyPairs[0].EventID}; !slices.Equal(fired, want) || !slices.Equal(findings, want) {
		t.Errorf("rule fired on %v, finding on %v, want %v", fired, findings, want)
	}

	// Without the enrichment, the alerts still tell the attacker's network (the rule
	// still fires), and the automation's addresses are unknown, never "non-cloud".
	bare := build(investigate.NetworkOptions{})
	if n := networkOf(bare, f.FirstSeenIP); n.Class != investigate.NetNonCloud {
		t.Errorf("first-seen address from its alerts: %+v", n)
	}
	if n := networkOf(bare, reportingIP); n.Class != investigate.NetUnknown || !strings.Contains(n.Summary(), "give --asn-db") {
		t.Errorf("reporting host without enrichment: %+v", n)
	}
}

func networkOf(c *investigate.Case, ip string) investigate.Network {
	for _, s := range c.SourceIPs {
		if s.IP == ip {
			return s.Network
		}
	}
	return investigate.Network{}
}

// ruleKeyPairAlert is the id of the demo's alert of the key-pair rule on event id.
func ruleKeyPairAlert(t *testing.T, c *investigate.Case, id string) string {
	t.Helper()
	for _, s := range c.Siblings {
		if s.RuleID == investigate.KeyPairRuleID && s.EventID == id {
			return s.AlertID
		}
	}
	t.Fatalf("no alert of %s on %s", investigate.KeyPairRuleID, id)
	return ""
}
