package investigate

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

const userARNA = "arn:aws:iam::210987654321:user/deploy-bot"

// higherOrder is Elastic's higher-order alert as its ES|QL output gives it: grouped by
// source.ip, naming the user entities of the alerts it grouped.
func higherOrder(id, ip string, entities ...string) Alert {
	return Alert{ID: id, Provider: ProviderElastic, RuleID: CorrelatedKeyRuleID, RuleName: "AWS IAM Long-Term Access Key Correlated with Elevated Detection Alerts",
		RuleType: "esql", Severity: SeverityHigh, RiskScore: 73, Status: "open", Kind: "signal", Time: t0.Add(9 * time.Minute),
		SourceIP: ip, GroupedIPs: []string{ip}, HigherOrder: true, UserEntities: entities}
}

func withUser(a Alert, arn, name string) Alert {
	a.UserARN, a.UserName = arn, name
	return a
}

// A ranking ties a higher-order alert to keys through the identities it names when no
// first-seen alert of the key is at its address: the key's user's ARN (as
// user.entity.id holds it, whatever its case), its user name, or the key itself.
func TestRankingTiesHigherOrderAlertsByUserEntity(t *testing.T) {
	c := NewCorrelator(CorrelationOptions{})
	c.Add([]Alert{
		higherOrder("ho-arn", "203.0.113.50", "ARN:aws:iam::210987654321:user/Deploy-Bot"),
		higherOrder("ho-key", "203.0.113.51", keyB),
		higherOrder("ho-none", "203.0.113.52", "arn:aws:iam::999999999999:user/nobody", "AKIAZZZZZZZZZZZZZZZ9"),
		higherOrder("ho-ip", "198.51.100.9"),
		// The key's first-seen alert is at another address than the higher-order alerts.
		withUser(firstSeen(keyA, "198.51.100.9", 0), userARNA, "deploy-bot"),
		withUser(sibling("s1", keyA), userARNA, "deploy-bot"),
		firstSeen(keyB, "192.0.2.44", 0), sibling("s2", keyB),
	})
	res := c.Result(false)
	got := map[string][]string{}
	for _, k := range res.Keys {
		got[k.Key.String()] = k.HigherOrderAlerts
	}
	if want := []string{"ho-arn", "ho-ip"}; !sameSet(got[keyA], want) {
		t.Errorf("key A higher-order alerts = %v, want %v", got[keyA], want)
	}
	if want := []string{"ho-key"}; !reflect.DeepEqual(got[keyB], want) {
		t.Errorf("key B higher-order alerts = %v, want %v", got[keyB], want)
	}
	if !reflect.DeepEqual(res.UnmappedHigherOrder, []string{"ho-none"}) {
		t.Errorf("unmapped = %v, want [ho-none]", res.UnmappedHigherOrder)
	}
	if res.Stats.HigherOrder != 4 {
		t.Errorf("higher-order read = %d", res.Stats.HigherOrder)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// An identity outside the window ties nothing: the ranking's window bounds what it learns.
func TestRankingIgnoresIdentitiesOutsideTheWindow(t *testing.T) {
	c := NewCorrelator(CorrelationOptions{Window: Window{Since: t0}})
	old := withUser(sibling("old", keyA), userARNA, "deploy-bot")
	old.Time = t0.Add(-time.Hour)
	c.Add([]Alert{old, higherOrder("ho", "203.0.113.50", userARNA)})
	if res := c.Result(true); !reflect.DeepEqual(res.UnmappedHigherOrder, []string{"ho"}) {
		t.Fatalf("unmapped = %v, keys %+v", res.UnmappedHigherOrder, res.Keys)
	}
}

// The case says which mapping tied each higher-order alert, and to which key of the
// lineage: the case key's first-seen address, its owner's ARN, a child key's user name.
func TestCaseSaysWhatTiedEachHigherOrderAlert(t *testing.T) {
	child := "AKIACHILDCHILDCHILD7"
	key := MustParseAccessKeyID(keyA)
	events := []*Event{
		{ID: "e1", Time: t0, Source: "iam.amazonaws.com", Name: "CreateAccessKey", Region: "us-east-1", SourceIP: "198.51.100.9",
			Identity: &Identity{Type: "IAMUser", ARN: userARNA, AccountID: "210987654321", UserName: "deploy-bot", AccessKeyID: keyA}},
		{ID: "e2", Time: t0.Add(time.Hour), Source: "sts.amazonaws.com", Name: "GetCallerIdentity", Region: "us-east-1", SourceIP: "203.0.113.99",
			Identity: &Identity{Type: "IAMUser", ARN: "arn:aws:iam::210987654321:user/backdoor", AccountID: "210987654321", UserName: "backdoor", AccessKeyID: child}},
	}
	events[0].SetParameters([]byte(`{"userName":"backdoor"}`), []byte(`{"accessKey":{"accessKeyId":"`+child+`","userName":"backdoor","status":"Active"}}`))
	alerts := []Alert{
		withUser(firstSeen(keyA, "198.51.100.9", 0), userARNA, "deploy-bot"),
		higherOrder("by-ip-and-arn", "198.51.100.9", userARNA),
		higherOrder("by-arn", "203.0.113.50", userARNA),
		higherOrder("by-child-name", "203.0.113.99", "backdoor"),
		higherOrder("unrelated", "203.0.113.77", "arn:aws:iam::999999999999:user/nobody"),
	}
	c := BuildCase(CaseInput{Key: key, Events: events, Alerts: alerts, Now: t0.Add(48 * time.Hour)})
	got := map[string]Sibling{}
	for _, s := range c.HigherOrderAlerts {
		got[s.AlertID] = s
	}
	want := map[string]struct {
		via  string
		ties []HigherOrderTie
	}{
		"by-ip-and-arn": {"", []HigherOrderTie{{TieFirstSeenIP, "198.51.100.9", keyA}, {TieUserEntity, userARNA, keyA}}},
		"by-arn":        {"", []HigherOrderTie{{TieUserEntity, userARNA, keyA}}},
		"by-child-name": {child, []HigherOrderTie{{TieUserEntity, "backdoor", child}}},
	}
	if len(got) != len(want) {
		t.Fatalf("higher-order alerts = %+v", c.HigherOrderAlerts)
	}
	for id, w := range want {
		s := got[id]
		if s.ViaKey != w.via || !reflect.DeepEqual(s.TiedBy, w.ties) {
			t.Errorf("%s: via %q ties %+v, want via %q ties %+v", id, s.ViaKey, s.TiedBy, w.via, w.ties)
		}
	}
	if s := TiesText(got["by-ip-and-arn"].TiedBy); s != "first-seen alert at 198.51.100.9; user entity "+userARNA {
		t.Errorf("TiesText = %q", s)
	}
}
