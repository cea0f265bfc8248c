package investigate

import (
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

const (
	keyA = "AKIAAAAAAAAAAAAAAAA1"
	keyB = "AKIABBBBBBBBBBBBBBB2"
)

func firstSeen(key, ip string, at time.Duration) Alert {
	return Alert{ID: "fs-" + key + ip, Provider: ProviderElastic, RuleID: FirstSeenRuleID, RuleName: "AWS IAM Long-Term Access Key First Seen from Source IP",
		RuleType: "new_terms", Severity: SeverityMedium, RiskScore: 47, Status: "open", Kind: "signal", Time: t0.Add(at), AccessKeyID: key, SourceIP: ip}
}

func sibling(id, key string) Alert {
	return Alert{ID: id, Provider: ProviderElastic, RuleID: "696015ef-718e-40ff-ac4a-cc2ba88dbeeb", RuleName: "AWS IAM User Created Access Keys For Another User",
		RuleType: "query", Severity: SeverityHigh, RiskScore: 73, Status: "open", Kind: "signal", Time: t0.Add(time.Minute), AccessKeyID: key, SourceIP: "203.0.113.7"}
}

func TestEligibilityRules(t *testing.T) {
	o := DefaultCorrelationOptions()
	cases := []struct {
		name   string
		mutate func(*Alert)
		want   string
	}{
		{"elevated open sibling counts", func(*Alert) {}, ""},
		{"closed", func(a *Alert) { a.Status = "closed" }, ReasonNotOpen},
		{"acknowledged", func(a *Alert) { a.Status = "acknowledged" }, ReasonNotOpen},
		{"legacy in-progress", func(a *Alert) { a.Status = "in-progress" }, ReasonNotOpen},
		{"low severity and low risk", func(a *Alert) { a.Severity, a.RiskScore = SeverityLow, 21 }, ReasonNotElevated},
		{"low severity but risk 47", func(a *Alert) { a.Severity, a.RiskScore = SeverityLow, 47 }, ""},
		{"risk 21 but medium severity", func(a *Alert) { a.Severity, a.RiskScore = SeverityMedium, 21 }, ""},
		{"no source.ip", func(a *Alert) { a.SourceIP = "" }, ReasonNoSourceIP},
		{"machine learning", func(a *Alert) { a.RuleType = "machine_learning" }, ReasonRuleType},
		{"threat match", func(a *Alert) { a.RuleType = "threat_match" }, ReasonRuleType},
		{"deprecated", func(a *Alert) { a.RuleName = "Deprecated - AWS IAM User Created Access Keys" }, ReasonDeprecated},
		{"not a signal", func(a *Alert) { a.Kind = "event" }, ReasonNotSignal},
		{"higher-order by rule id", func(a *Alert) { a.RuleID = CorrelatedKeyRuleID }, ReasonHigherOrder},
		{"higher-order by tag", func(a *Alert) { a.Tags = []string{"Domain: Cloud", HigherOrderRuleTag} }, ReasonHigherOrder},
		{"outside the window", func(a *Alert) { a.Time = t0.Add(-48 * time.Hour) }, ReasonOutOfWindow},
	}
	o.Window = Window{Since: t0.Add(-time.Hour)}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := sibling("x", keyA)
			c.mutate(&a)
			if got := o.Eligible(&a); got != c.want {
				t.Fatalf("Eligible = %q, want %q", got, c.want)
			}
		})
	}
}

func TestCorrelatorNeedsFirstSeenAndSibling(t *testing.T) {
	c := NewCorrelator(CorrelationOptions{})
	c.Add([]Alert{
		firstSeen(keyA, "198.51.100.9", 0), sibling("s1", keyA), sibling("s2", keyA),
		firstSeen(keyB, "192.0.2.44", 0),      // first-seen only
		sibling("s3", "AKIACCCCCCCCCCCCCCC3"), // sibling only
	})
	res := c.Result(false)
	if len(res.Keys) != 1 || res.Keys[0].Key.String() != keyA {
		t.Fatalf("correlated keys = %+v, want only %s", res.Keys, keyA)
	}
	k := res.Keys[0]
	if !k.Correlated || k.FirstSeenCount != 1 || k.SiblingCount != 2 || len(k.Rules) != 1 || k.Rules[0].Count != 2 || k.MaxSeverity != SeverityHigh {
		t.Fatalf("summary = %+v", k)
	}
	if k.FirstSeen[0].IP != "198.51.100.9" {
		t.Fatalf("first-seen ip = %q", k.FirstSeen[0].IP)
	}
	with := c.Result(true)
	if len(with.Keys) != 2 || with.Keys[1].Key.String() != keyB || with.Keys[1].Correlated {
		t.Fatalf("with first-seen-only keys: %+v", with.Keys)
	}
}

func TestClosedFirstSeenDoesNotCorrelate(t *testing.T) {
	fs := firstSeen(keyA, "198.51.100.9", 0)
	fs.Status = "closed"
	c := NewCorrelator(CorrelationOptions{})
	c.Add([]Alert{fs, sibling("s1", keyA)})
	if res := c.Result(false); len(res.Keys) != 0 {
		t.Fatalf("a closed first-seen alert correlated: %+v", res.Keys)
	}
}

func TestThresholdsAreConfigurable(t *testing.T) {
	c := NewCorrelator(CorrelationOptions{MinOthers: 2, FirstSeenRuleIDs: []string{"custom-first-seen"}})
	fs := firstSeen(keyA, "198.51.100.9", 0)
	fs.RuleID = "custom-first-seen"
	c.Add([]Alert{fs, sibling("s1", keyA)})
	if res := c.Result(false); len(res.Keys) != 0 {
		t.Fatalf("one sibling passed MinOthers=2: %+v", res.Keys)
	}
	c.Add([]Alert{sibling("s2", keyA)})
	if res := c.Result(false); len(res.Keys) != 1 {
		t.Fatalf("two siblings did not pass MinOthers=2")
	}
	low := NewCorrelator(CorrelationOptions{MinRiskScore: 80, MinSeverity: SeverityCritical})
	low.Add([]Alert{firstSeen(keyA, "198.51.100.9", 0), sibling("s1", keyA)})
	// The first-seen alert itself (medium/47) is below these thresholds.
	if res := low.Result(true); len(res.Keys) != 0 {
		t.Fatalf("raised thresholds still counted: %+v", res.Keys)
	}
}

func TestHigherOrderAlertMapsBackToKeysByIP(t *testing.T) {
	ho := Alert{ID: "ho-1", Provider: ProviderElastic, RuleID: CorrelatedKeyRuleID, RuleName: "AWS IAM Long-Term Access Key Correlated with Elevated Detection Alerts",
		RuleType: "esql", Severity: SeverityHigh, RiskScore: 73, Status: "open", Time: t0.Add(5 * time.Minute), SourceIP: "198.51.100.9"}
	stray := ho
	stray.ID, stray.SourceIP = "ho-2", "203.0.113.250"
	c := NewCorrelator(CorrelationOptions{})
	// The higher-order alert arrives before the first-seen alert it maps through.
	c.Add([]Alert{ho, stray, firstSeen(keyA, "198.51.100.9", 0), sibling("s1", keyA), firstSeen(keyB, "192.0.2.44", 0)})
	res := c.Result(true)
	if res.Stats.HigherOrder != 2 || res.Stats.Eligible != 3 {
		t.Fatalf("stats = %+v", res.Stats)
	}
	var a, b KeySummary
	for _, k := range res.Keys {
		switch k.Key.String() {
		case keyA:
			a = k
		case keyB:
			b = k
		}
	}
	if !slices.Equal(a.HigherOrderAlerts, []string{"ho-1"}) {
		t.Fatalf("key A higher-order = %v", a.HigherOrderAlerts)
	}
	if len(b.HigherOrderAlerts) != 0 {
		t.Fatalf("key B got %v", b.HigherOrderAlerts)
	}
	if !slices.Equal(res.UnmappedHigherOrder, []string{"ho-2"}) {
		t.Fatalf("unmapped = %v", res.UnmappedHigherOrder)
	}
	// A higher-order alert never counts as a sibling.
	if a.SiblingCount != 1 {
		t.Fatalf("siblings = %d", a.SiblingCount)
	}
}

func TestRankingOrder(t *testing.T) {
	c := NewCorrelator(CorrelationOptions{})
	med := sibling("m", keyB)
	med.Severity, med.RiskScore = SeverityMedium, 47
	crit := sibling("c", keyA)
	crit.Severity, crit.RiskScore = SeverityCritical, 99
	c.Add([]Alert{firstSeen(keyA, "198.51.100.9", 0), crit, firstSeen(keyB, "192.0.2.44", 0), med})
	res := c.Result(false)
	if len(res.Keys) != 2 || res.Keys[0].Key.String() != keyA {
		t.Fatalf("ranking = %v", res.Keys)
	}
}

func TestMalformedAndMissingKeysAreCounted(t *testing.T) {
	c := NewCorrelator(CorrelationOptions{})
	a := sibling("a", "")
	b := sibling("b", "AKIA-not-a-key")
	c.Add([]Alert{a, b})
	res := c.Result(true)
	if res.Stats.Ineligible[ReasonNoAccessKey] != 1 || res.Stats.Ineligible[ReasonBadAccessKey] != 1 {
		t.Fatalf("stats = %+v", res.Stats.Ineligible)
	}
}

func TestEventSetCountsOnlyCopiesFromElsewhereAsDuplicates(t *testing.T) {
	s := NewEventSet()
	a := Event{ID: "e1", Origin: OriginAt("a.json:1")}
	if n := s.Add([]Event{a}); n != 1 {
		t.Fatal(n)
	}
	s.Add([]Event{a}) // a later round reading the same record again
	if s.Duplicates() != 0 || s.Len() != 1 {
		t.Fatalf("re-read counted: dups %d len %d", s.Duplicates(), s.Len())
	}
	s.Add([]Event{{ID: "e1", Origin: OriginAt("b.json:7")}}) // the same eventID in another file
	if s.Duplicates() != 1 || s.Len() != 1 {
		t.Fatalf("copy not counted: dups %d len %d", s.Duplicates(), s.Len())
	}
}

func TestMissingStatusIsNotExcluded(t *testing.T) {
	o := DefaultCorrelationOptions()
	a := sibling("x", keyA)
	a.Status = ""
	if r := o.Eligible(&a); r != "" {
		t.Fatalf("alert without a status excluded: %s", r)
	}
	// ...but the ranking says how many were counted unchecked.
	c := NewCorrelator(o)
	b := sibling("y", keyA)
	b.Kind = ""
	c.Add([]Alert{a, b, sibling("z", keyA)})
	if st := c.Result(false).Stats; st.Eligible != 3 || st.Unchecked != 2 {
		t.Fatalf("stats %+v: want 3 counted, 2 unchecked", st)
	}
}

func TestParseLooseTimeForms(t *testing.T) {
	want := time.Date(2026, 3, 2, 9, 14, 47, 0, time.UTC)
	for _, s := range []string{"2026-03-02T09:14:47Z", "Mar 2, 2026, 9:14:47 AM", "Mar 2, 2026 9:14:47 AM", "1772442887", "1772442887000", "1772442887000.0", "1772442887.0"} {
		got, ok := ParseLooseTime(s)
		if !ok || !got.Equal(want) {
			t.Errorf("ParseLooseTime(%q) = %v %v", s, got, ok)
		}
	}
}

// An elevated GuardDuty or Security Hub finding ranks its key without a first-seen alert;
// a low one does not, nor does an Elastic sibling alone.
func TestAWSFindingsRankTheirKeys(t *testing.T) {
	gd := Alert{ID: "gd-1", Provider: ProviderGuardDuty, RuleID: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
		RuleName: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", Severity: SeverityHigh, Status: "open", Kind: "signal",
		Time: t0, AccessKeyID: keyB, SourceIP: "198.51.100.20"}
	low := gd
	low.ID, low.AccessKeyID, low.Severity = "gd-2", "AKIACCCCCCCCCCCCCCC3", SeverityLow
	sh := gd
	sh.ID, sh.Provider, sh.AccessKeyID, sh.Severity = "sh-1", ProviderSecurityHub, "AKIADDDDDDDDDDDDDDD4", SeverityCritical
	c := NewCorrelator(CorrelationOptions{})
	c.Add([]Alert{firstSeen(keyA, "198.51.100.9", 0), sibling("s1", keyA), gd, low, sh, sibling("s2", "AKIAEEEEEEEEEEEEEEE5")})
	res := c.Result(false)
	got := map[string]string{}
	for _, k := range res.Keys {
		got[k.Key.String()] = k.Basis
	}
	want := map[string]string{keyA: BasisFirstSeen, keyB: BasisAWSFinding, "AKIADDDDDDDDDDDDDDD4": BasisAWSFinding}
	if len(got) != len(want) {
		t.Fatalf("ranked %v, want %v", got, want)
	}
	for k, b := range want {
		if got[k] != b {
			t.Errorf("%s: basis %q, want %q", k, got[k], b)
		}
	}
	if res.Keys[0].Key.String() != "AKIADDDDDDDDDDDDDDD4" || res.Keys[0].AWSFindings != 1 {
		t.Errorf("the critical Security Hub finding should rank first: %+v", res.Keys[0])
	}
}
