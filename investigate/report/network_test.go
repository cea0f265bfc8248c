package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// networkCase is testCase with the session's address known to be a VPS host's: its
// CreateKeyPair is the principal's first, from a non-cloud network.
func networkCase(t *testing.T) *investigate.Case {
	t.Helper()
	in := testInput(t)
	obs := investigate.NewObservedNetworks("elastic-event test", investigate.NetFromElasticEvent, 0)
	obs.Observe("203.0.113.5", 64502, "Quickhost VPS Ltd")
	in.Networks = investigate.NetworkOptions{Sources: []investigate.NetworkSource{obs}}
	return investigate.BuildCase(in)
}

// Every face shows where each key pair call came from, whether it was its principal's
// first, what the CreateKeyPair rule makes of it, and each source address's network.
func TestReportsShowNetworksAndTheKeyPairRule(t *testing.T) {
	c := networkCase(t)

	var text bytes.Buffer
	if err := report.Text(&text, c, report.Options{Width: 80, Timeline: report.TimelineNone}); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	assertInert(t, out)
	for i, line := range strings.Split(out, "\n") {
		if w := ansi.StringWidth(line); w > 80 {
			t.Errorf("line %d is %d columns: %q", i+1, w, line)
		}
	}
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"from 203.0.113.5: AS64502 Quickhost VPS Ltd [non-cloud] (elastic-event)",
		"first CreateKeyPair by arn:aws:iam::111122223333:user/svc-reporting in the data searched (window 2026-11-20T09:00:00Z to 2026-11-20T09:12:00Z, the events read)",
		`rule "` + investigate.KeyPairRuleName + `" fires`,
		`Evil \x1b[5mVPS [non-cloud] (alert)`, // the alert's AS organization, shown, not obeyed
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}

	var md bytes.Buffer
	if err := report.Markdown(&md, c, report.Options{}); err != nil {
		t.Fatal(err)
	}
	mout := md.String()
	assertInert(t, mout)
	for _, want := range []string{
		"| Source address | First by its principal | " + investigate.KeyPairRuleName + " |",
		`from 203.0.113.5: AS64502 Quickhost VPS Ltd \[non-cloud\] (elastic-event)`,
		"fires: the principal's first CreateKeyPair",
	} {
		if !strings.Contains(mout, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, mout)
		}
	}

	var js bytes.Buffer
	if err := report.CaseJSON(&js, c); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SourceIPs []struct {
			IP      string         `json:"ip"`
			Network map[string]any `json:"network"`
		} `json:"source_ips"`
		FollowUps struct {
			KeyPairs []map[string]any `json:"key_pairs"`
		} `json:"followups"`
		Findings []struct {
			Title string `json:"title"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.FollowUps.KeyPairs) != 1 {
		t.Fatalf("key pairs: %v", doc.FollowUps.KeyPairs)
	}
	kp := doc.FollowUps.KeyPairs[0]
	network, _ := kp["network"].(map[string]any)
	if kp["source_ip"] != "203.0.113.5" || kp["first_by_principal"] != true || kp["rule"] != investigate.RuleFires || network["class"] != investigate.NetNonCloud ||
		network["as_org"] != "Quickhost VPS Ltd" || kp["principal"] != "arn:aws:iam::111122223333:user/svc-reporting" {
		t.Errorf("key pair JSON: %v", kp)
	}
	for _, field := range []string{"asn", "cloud", "aws_service", "aws_region", "prefix", "sources", "searched", "other_as_orgs", "errors"} {
		if _, ok := network[field]; !ok {
			t.Errorf("network JSON lacks %q: %v", field, network)
		}
	}
	for _, ip := range doc.SourceIPs {
		if ip.Network["class"] == nil || ip.Network["class"] == "" {
			t.Errorf("source address %s has no network class: %v", ip.IP, ip.Network)
		}
	}
	n := 0
	for _, f := range doc.Findings {
		if f.Title == investigate.KeyPairRuleName {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d findings of the rule in the JSON", n)
	}
}
