package investigate_test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/netdb/netdbtest"
	"github.com/keypivot/keypivot/investigate"
)

// corpusRecords reads one corpus file (a bare array of CloudTrail records) as raw records.
func corpusRecords(t *testing.T, file string) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, file))
	if err != nil {
		missingCorpus(t, err)
	}
	var recs []json.RawMessage
	if err := json.Unmarshal(b, &recs); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return recs
}

func decodeAll(t *testing.T, file string, recs []json.RawMessage) []*investigate.Event {
	t.Helper()
	var out []*investigate.Event
	for i, raw := range recs {
		e, err := investigate.DecodeRecord(raw)
		if err != nil {
			t.Fatalf("%s#%d: %v", file, i, err)
		}
		out = append(out, &e)
	}
	return out
}

// Over every file of the corpus: every source address of every long-term key's case
// gets a network (or "unknown network", with what was searched), and the CreateKeyPair
// rule's finding is raised exactly where its conditions hold.
func TestCorpusCasesGiveEveryAddressItsNetwork(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil || len(files) == 0 {
		missingCorpus(t, fmt.Errorf("no corpus in %s: %v", corpusDir, err))
	}
	type fileEvents struct {
		name   string
		events []*investigate.Event
	}
	var all []fileEvents
	// Every address of the corpus that is one, each in an autonomous system of its own.
	networks := map[string]netdbtest.AS{}
	keyPairCalls := 0
	for _, f := range files {
		name := filepath.Base(f)
		evs := decodeAll(t, name, corpusRecords(t, name))
		all = append(all, fileEvents{name, evs})
		for _, e := range evs {
			if e.Name == "CreateKeyPair" || e.Name == "ImportKeyPair" {
				keyPairCalls++
			}
			if a, err := netip.ParseAddr(e.SourceIP); err == nil && investigate.IPKind(e.SourceIP) == "public" {
				if _, ok := networks[a.String()+"/32"]; !ok {
					networks[a.String()+"/32"] = netdbtest.AS{Number: uint32(64512 + len(networks)), Org: "Corpus Test Network " + a.String()}
				}
			}
		}
	}
	if len(networks) < 5 {
		t.Fatalf("only %d parseable public addresses in the corpus: the test would prove little", len(networks))
	}
	t.Logf("corpus: %d files, %d parseable public addresses, %d key pair calls", len(all), len(networks), keyPairCalls)
	db := asnDB(t, networks)
	cases, publicWithDB := 0, 0
	for _, fe := range all {
		keys := map[string]bool{}
		for _, e := range fe.events {
			if strings.HasPrefix(e.Signer(), "AKIA") {
				keys[e.Signer()] = true
			}
		}
		for key := range keys {
			for _, withDB := range []bool{true, false} {
				opts := investigate.NetworkOptions{}
				if withDB {
					opts.Sources = []investigate.NetworkSource{db}
				}
				c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(key), Events: fe.events, Networks: opts,
					Now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
				cases++
				for _, ip := range c.SourceIPs {
					n := ip.Network
					switch kind := investigate.IPKind(ip.IP); {
					case kind == "unparsed":
						if n.Class != investigate.NetUnknown || n.Summary() != "unknown network (not an IP address)" {
							t.Errorf("%s %s: anonymised address %s: %+v", fe.name, key, ip.IP, n)
						}
					case kind == "aws-service":
						if n.Class != investigate.NetAWSService || n.AWSService != ip.IP {
							t.Errorf("%s %s: %s: %+v", fe.name, key, ip.IP, n)
						}
					case kind == "public" && withDB:
						publicWithDB++
						if n.Class != investigate.NetNonCloud || n.ASOrg != "Corpus Test Network "+netip.MustParseAddr(ip.IP).String() || n.Sources[0] != investigate.NetFromASNDB {
							t.Errorf("%s %s: %s with the database: %+v", fe.name, key, ip.IP, n)
						}
					case kind == "public":
						if n.Class != investigate.NetUnknown || !strings.Contains(n.Summary(), "give --asn-db") {
							t.Errorf("%s %s: %s without a database: %+v", fe.name, key, ip.IP, n)
						}
					case n.Class == "":
						t.Errorf("%s %s: %s has no network: %+v", fe.name, key, ip.IP, n)
					}
				}
				checkRuleWhereConditionsHold(t, fe.name, c)
			}
		}
	}
	if cases < len(all) || publicWithDB < 5 {
		t.Fatalf("%d cases, %d public addresses looked up: the corpus was not exercised", cases, publicWithDB)
	}
}

// checkRuleWhereConditionsHold fails unless each key pair of c has the rule's finding
// exactly when its conditions hold.
func checkRuleWhereConditionsHold(t *testing.T, where string, c *investigate.Case) {
	t.Helper()
	fired := map[string]bool{}
	for _, f := range ruleFindings(c) {
		fired[f.EventIDs[0]] = true
	}
	want := 0
	for _, kp := range c.FollowUps.KeyPairs {
		holds := kp.EventName == "CreateKeyPair" && kp.ErrorCode == "" && kp.FirstByPrincipal && kp.Network.Class == investigate.NetNonCloud
		if holds {
			want++
		}
		if fired[kp.EventID] != holds {
			t.Errorf("%s: key pair %s %s: finding %v, conditions hold %v (%+v)", where, kp.Name, kp.EventID, fired[kp.EventID], holds, kp)
		}
	}
	if len(fired) != want {
		t.Errorf("%s: %d rule findings, %d key pairs meet the conditions", where, len(fired), want)
	}
}

// The corpus has no key pair call: two CreateKeyPair calls are made from a real record
// of a session of a corpus key (Stratus Red Team's ec2-get-password-data: the key
// assumes a role whose session calls EC2), in the shape CloudTrail records them.
func corpusKeyPairEvents(t *testing.T) (key string, evs []*investigate.Event, ip string) {
	t.Helper()
	const file = "aws.credential-access.ec2-get-password-data.json"
	recs := corpusRecords(t, file)
	var template map[string]any
	for _, raw := range recs {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		if m["eventName"] == "GetPasswordData" {
			template = m
			break
		}
	}
	if template == nil {
		t.Fatalf("%s: no GetPasswordData record", file)
	}
	at, err := time.Parse(time.RFC3339, template["eventTime"].(string))
	if err != nil {
		t.Fatal(err)
	}
	made := slicesClone(recs)
	for i, region := range []string{"us-east-1", "eu-west-1"} {
		m := map[string]any{}
		for k, v := range template {
			m[k] = v
		}
		name := "stratus-key"
		m["eventName"], m["eventSource"], m["awsRegion"] = "CreateKeyPair", "ec2.amazonaws.com", region
		m["eventTime"] = at.Add(time.Duration(30+10*i) * time.Second).Format(time.RFC3339)
		m["eventID"] = fmt.Sprintf("2ae450ff-e72b-4de1-87b0-00000000000%d", i)
		m["readOnly"] = false
		delete(m, "errorCode") // the template was denied; these calls succeed
		delete(m, "errorMessage")
		m["requestParameters"] = map[string]any{"keyName": name, "keyType": "rsa", "keyFormat": "pem"}
		m["responseElements"] = map[string]any{"requestId": fmt.Sprintf("9aa4938f-720f-4f4b-9637-00000000000%d", i), "keyName": name,
			"keyFingerprint": "1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca:9f:f5:f1:6f", "keyPairId": fmt.Sprintf("key-0abcd12345e00000%d", i), "keyMaterial": "<sensitiveDataRemoved>"}
		raw, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, raw)
	}
	return "AKIAWOGXN38MFN92ING5", decodeAll(t, file, made), template["sourceIPAddress"].(string)
}

func slicesClone(in []json.RawMessage) []json.RawMessage {
	return append([]json.RawMessage(nil), in...)
}

// On a corpus key's session: from a non-cloud network the first CreateKeyPair raises the
// rule's finding and the second does not; from Amazon's network neither does; with no
// ASN database the network is unknown and nothing is raised.
func TestCreateKeyPairRuleOnACorpusKeysSession(t *testing.T) {
	key, evs, ip := corpusKeyPairEvents(t)
	build := func(org string, asn uint32) *investigate.Case {
		opts := investigate.NetworkOptions{}
		if org != "" {
			opts.Sources = []investigate.NetworkSource{asnDB(t, map[string]netdbtest.AS{ip + "/24": {Number: asn, Org: org}})}
		}
		return investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(key), Events: evs, Networks: opts,
			Now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
	}

	residential := build("Example Residential Broadband", 64512)
	if len(residential.FollowUps.KeyPairs) != 2 {
		t.Fatalf("key pairs: %+v", residential.FollowUps.KeyPairs)
	}
	first, second := keyPairNamed(t, residential, "stratus-key", "us-east-1"), keyPairNamed(t, residential, "stratus-key", "eu-west-1")
	if !first.FirstByPrincipal || first.SourceIP != ip || !strings.Contains(first.Principal, ":assumed-role/stratus-red-team-ec2-get-password-data-role/") ||
		first.Rule != investigate.RuleFires || first.Network.ASOrg != "Example Residential Broadband" {
		t.Errorf("first: %+v", first)
	}
	if second.FirstByPrincipal || second.EarlierEvent != first.EventID || second.Rule != investigate.RuleNo {
		t.Errorf("second: %+v", second)
	}
	if found := ruleFindings(residential); len(found) != 1 || found[0].EventIDs[0] != first.EventID {
		t.Errorf("findings from a residential network: %+v", found)
	}
	checkRuleWhereConditionsHold(t, "residential", residential)

	amazon := build("AMAZON-02", 16509)
	if found := ruleFindings(amazon); len(found) != 0 {
		t.Errorf("findings from Amazon's network: %+v", found)
	}
	if kp := keyPairNamed(t, amazon, "stratus-key", "us-east-1"); kp.Network.Class != investigate.NetCloud || kp.Rule != investigate.RuleNo {
		t.Errorf("from Amazon: %+v", kp)
	}
	checkRuleWhereConditionsHold(t, "amazon", amazon)

	unknown := build("", 0)
	if found := ruleFindings(unknown); len(found) != 0 {
		t.Errorf("findings with no network known: %+v", found)
	}
	if kp := keyPairNamed(t, unknown, "stratus-key", "us-east-1"); kp.Network.Class != investigate.NetUnknown || kp.Rule != investigate.RuleUnknown ||
		!strings.Contains(kp.OriginText(), "unknown network") {
		t.Errorf("unknown network: %+v", kp)
	}
}
