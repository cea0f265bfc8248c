package investigate_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/netdb/netdbtest"
	"github.com/keypivot/keypivot/investigate"
)

// keyPairCall is a CreateKeyPair (or ImportKeyPair) record in the shape CloudTrail writes
// it (facts §3): the key name in requestParameters, the id and fingerprint in
// responseElements, the key material redacted.
func keyPairCall(i int, key, arn, ip, name, region, keyName, errCode string) netRecord {
	req := map[string]any{"keyName": keyName, "keyType": "rsa", "keyFormat": "pem"}
	resp := map[string]any{"requestId": "9aa4938f-720f-4f4b-9637-0000000000" + region[len(region)-1:], "keyName": keyName,
		"keyFingerprint": "1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca:9f:f5:f1:6f", "keyPairId": "key-0abcd12345e" + strings.Repeat("0", 5), "keyMaterial": "<sensitiveDataRemoved>"}
	if name == "ImportKeyPair" {
		req = map[string]any{"keyName": keyName, "publicKeyMaterial": "c3NoLXJzYSBBQUFB"}
		resp = map[string]any{"requestId": "req", "keyName": keyName, "keyFingerprint": "aa:bb", "keyPairId": "key-0feed"}
	}
	return netRecord{i: i, key: key, arn: arn, ip: ip, svc: "ec2", name: name, region: region, err: errCode, req: req, resp: resp}
}

// keyPairCase is a case in which the key's user creates key pairs from a residential
// network (a denied attempt, then two), imports one, and a role session derived from
// the key creates one from an AWS address.
func keyPairCase(t *testing.T, opts investigate.NetworkOptions, window investigate.Window) *investigate.Case {
	t.Helper()
	evs := events(t,
		netRecord{i: 1, key: nKey, arn: nUserARN, ip: "198.51.100.23", svc: "sts", name: "AssumeRole", region: "us-east-1",
			req: map[string]any{"roleArn": "arn:aws:iam::111122223333:role/deploy", "roleSessionName": "botocore-session-1"},
			resp: map[string]any{"credentials": map[string]any{"accessKeyId": nSession, "expiration": nStart.Add(time.Hour).Format(time.RFC3339)},
				"assumedRoleUser": map[string]any{"arn": nRoleARN}}},
		keyPairCall(10, nKey, nUserARN, "198.51.100.23", "CreateKeyPair", "us-east-1", "early", "Client.UnauthorizedOperation"),
		keyPairCall(20, nKey, nUserARN, "198.51.100.23", "CreateKeyPair", "us-east-1", "ops-recovery", ""),
		keyPairCall(30, nKey, nUserARN, "198.51.100.23", "CreateKeyPair", "eu-west-1", "ops-recovery", ""),
		keyPairCall(40, nKey, nUserARN, "198.51.100.23", "ImportKeyPair", "us-west-2", "imported", ""),
		keyPairCall(50, nSession, nRoleARN, "52.23.181.44", "CreateKeyPair", "us-east-1", "builder", ""),
	)
	return investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(nKey), Events: evs, Now: nStart.Add(time.Hour), Networks: opts, Window: window})
}

func keyPairNamed(t *testing.T, c *investigate.Case, name, region string) investigate.KeyPair {
	t.Helper()
	i := slices.IndexFunc(c.FollowUps.KeyPairs, func(k investigate.KeyPair) bool { return k.Name == name && k.Region == region })
	if i < 0 {
		t.Fatalf("no key pair %s in %s: %+v", name, region, c.FollowUps.KeyPairs)
	}
	return c.FollowUps.KeyPairs[i]
}

func ruleFindings(c *investigate.Case) []investigate.Finding {
	var out []investigate.Finding
	for _, f := range c.Findings {
		if f.Title == investigate.KeyPairRuleName {
			out = append(out, f)
		}
	}
	return out
}

// The rule's finding appears exactly where its conditions hold: a successful
// CreateKeyPair, its principal's first in the data searched, from a known network that
// is no cloud provider's.
func TestCreateKeyPairRuleFiresOnlyWhereItsConditionsHold(t *testing.T) {
	db := asnDB(t, map[string]netdbtest.AS{
		"198.51.100.0/24": {Number: 64501, Org: "Vectrolink Broadband LLC"},
		"52.23.0.0/16":    {Number: 14618, Org: "AMAZON-AES"},
	})
	c := keyPairCase(t, investigate.NetworkOptions{Sources: []investigate.NetworkSource{db}}, investigate.Window{})
	if len(c.FollowUps.KeyPairs) != 5 {
		t.Fatalf("key pairs: %+v", c.FollowUps.KeyPairs)
	}
	first := keyPairNamed(t, c, "ops-recovery", "us-east-1")
	if first.SourceIP != "198.51.100.23" || first.Principal != nUserARN || !first.FirstByPrincipal || first.Rule != investigate.RuleFires ||
		first.Network.Class != investigate.NetNonCloud || first.Network.ASOrg != "Vectrolink Broadband LLC" {
		t.Errorf("first CreateKeyPair: %+v", first)
	}
	// The denied attempt before it made no key pair: it neither counts as a first nor
	// takes the first from the successful call.
	denied := keyPairNamed(t, c, "early", "us-east-1")
	if denied.FirstByPrincipal || denied.Rule != investigate.RuleNo || !strings.Contains(denied.RuleReason, "the call failed") {
		t.Errorf("denied CreateKeyPair: %+v", denied)
	}
	// The second CreateKeyPair by the same principal is not its first.
	second := keyPairNamed(t, c, "ops-recovery", "eu-west-1")
	if second.FirstByPrincipal || second.EarlierEvent != first.EventID || second.Rule != investigate.RuleNo ||
		!strings.Contains(second.FirstText(), "not the first CreateKeyPair by "+nUserARN) {
		t.Errorf("second CreateKeyPair: %+v %q", second, second.FirstText())
	}
	// An import is its principal's first import, and the rule (on CreateKeyPair) does not apply.
	imported := keyPairNamed(t, c, "imported", "us-west-2")
	if !imported.FirstByPrincipal || imported.Rule != investigate.RuleNotApplicable || imported.Network.Class != investigate.NetNonCloud {
		t.Errorf("ImportKeyPair: %+v", imported)
	}
	// The session is a principal of its own: its first, but from a cloud provider's network.
	session := keyPairNamed(t, c, "builder", "us-east-1")
	if !session.FirstByPrincipal || session.Principal != nRoleARN || session.Rule != investigate.RuleNo || session.Network.Cloud != "Amazon" ||
		!strings.Contains(session.RuleReason, "cloud provider") {
		t.Errorf("session's CreateKeyPair: %+v", session)
	}
	found := ruleFindings(c)
	if len(found) != 1 {
		t.Fatalf("rule findings: %+v", found)
	}
	f := found[0]
	if !slices.Equal(f.EventIDs, []string{first.EventID}) || f.Severity != investigate.SeverityHigh || f.Category != investigate.CatPersistence ||
		f.Target != "ops-recovery" || f.Region != "us-east-1" || !strings.Contains(f.Detail, investigate.KeyPairRuleID) ||
		!strings.Contains(f.Detail, "AS64501 Vectrolink Broadband LLC") || !strings.Contains(f.Detail, "window 2026-03-10T09:00:01Z to 2026-03-10T09:00:50Z") {
		t.Errorf("finding: %+v", f)
	}
	if !slices.IsSortedFunc(c.Findings, func(a, b investigate.Finding) int { return a.Time.Compare(b.Time) }) {
		t.Error("findings are out of time order")
	}
	if strings.Contains(strings.Join(c.Coverage.Gaps, "\n"), investigate.KeyPairRuleName) {
		t.Errorf("rule gaps with every network known: %v", c.Coverage.Gaps)
	}
}

// With the addresses in Amazon's network, the same calls raise nothing.
func TestCreateKeyPairRuleDoesNotFireFromACloudProvider(t *testing.T) {
	db := asnDB(t, map[string]netdbtest.AS{"198.51.100.0/24": {Number: 16509, Org: "AMAZON-02"}, "52.23.0.0/16": {Number: 14618, Org: "AMAZON-AES"}})
	c := keyPairCase(t, investigate.NetworkOptions{Sources: []investigate.NetworkSource{db}}, investigate.Window{})
	if found := ruleFindings(c); len(found) != 0 {
		t.Fatalf("rule findings from Amazon's network: %+v", found)
	}
	kp := keyPairNamed(t, c, "ops-recovery", "us-east-1")
	if !kp.FirstByPrincipal || kp.Rule != investigate.RuleNo || kp.Network.Cloud != "Amazon" || !strings.Contains(kp.RuleText(), "does not fire: from a cloud provider's network: AS16509 AMAZON-02") {
		t.Errorf("key pair: %+v %q", kp, kp.RuleText())
	}
}

// With no source that knows the network, the rule is not evaluated: no finding, and the
// case says what would tell (never "non-cloud").
func TestCreateKeyPairRuleIsNotEvaluatedOnAnUnknownNetwork(t *testing.T) {
	since, until := nStart, nStart.Add(time.Hour)
	c := keyPairCase(t, investigate.NetworkOptions{}, investigate.Window{Since: since, Until: until})
	if found := ruleFindings(c); len(found) != 0 {
		t.Fatalf("rule findings with no network known: %+v", found)
	}
	kp := keyPairNamed(t, c, "ops-recovery", "us-east-1")
	if kp.Network.Class != investigate.NetUnknown || kp.Rule != investigate.RuleUnknown || !kp.FirstByPrincipal ||
		!strings.Contains(kp.RuleReason, "network unknown") || !strings.Contains(kp.RuleReason, "give --asn-db") {
		t.Errorf("key pair: %+v", kp)
	}
	if want := "first CreateKeyPair by " + nUserARN + " in the data searched (window 2026-03-10T09:00:00Z to 2026-03-10T10:00:00Z)"; kp.FirstText() != want {
		t.Errorf("first text = %q, want %q", kp.FirstText(), want)
	}
	if !strings.Contains(kp.OriginText(), "from 198.51.100.23: unknown network") || strings.Contains(kp.OriginText(), "non-cloud") {
		t.Errorf("origin = %q", kp.OriginText())
	}
	gaps := strings.Join(c.Coverage.Gaps, "\n")
	if !strings.Contains(gaps, investigate.KeyPairRuleName+": CreateKeyPair ops-recovery in us-east-1 from 198.51.100.23: network unknown") ||
		strings.Count(gaps, investigate.KeyPairRuleName) != 2 { // the key's first and the session's first
		t.Errorf("gaps = %v", c.Coverage.Gaps)
	}
}
