package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/files/netdb/netdbtest"
	"github.com/keypivot/keypivot/investigate"
)

const netKey = "AKIANETWORKFLAGS0001"

// keyPairTrail writes a trail file in which netKey's user creates two key pairs from
// 198.51.100.23 and calls STS from 52.23.181.44, in the shapes CloudTrail records them.
func keyPairTrail(t *testing.T) string {
	t.Helper()
	rec := func(i int, name, svc, region, ip string, req, resp any) map[string]any {
		return map[string]any{
			"eventVersion": "1.09", "userIdentity": map[string]any{"type": "IAMUser", "principalId": "AIDANETWORKFLAGS", "arn": "arn:aws:iam::111122223333:user/alice",
				"accountId": "111122223333", "accessKeyId": netKey, "userName": "alice"},
			"eventTime": fmt.Sprintf("2026-03-10T09:00:%02dZ", i), "eventSource": svc + ".amazonaws.com", "eventName": name, "awsRegion": region,
			"sourceIPAddress": ip, "userAgent": "aws-cli/2.15.30", "requestParameters": req, "responseElements": resp,
			"requestID": fmt.Sprintf("req-%d", i), "eventID": fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "readOnly": false,
			"eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "111122223333", "eventCategory": "Management",
		}
	}
	keyPair := func(i int, region string) map[string]any {
		return rec(i, "CreateKeyPair", "ec2", region, "198.51.100.23", map[string]any{"keyName": "ops", "keyType": "rsa", "keyFormat": "pem"},
			map[string]any{"requestId": fmt.Sprintf("req-%d", i), "keyName": "ops", "keyFingerprint": "1f:51:ae:28", "keyPairId": fmt.Sprintf("key-0%d", i), "keyMaterial": "<sensitiveDataRemoved>"})
	}
	records := []map[string]any{
		rec(1, "GetCallerIdentity", "sts", "us-east-1", "52.23.181.44", map[string]any{}, map[string]any{"account": "111122223333"}),
		keyPair(2, "us-east-1"), keyPair(3, "eu-west-1"),
	}
	b, err := json.Marshal(map[string]any{"Records": records})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "trail.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func pivotJSON(t *testing.T, env []string, args ...string) *investigate.Case {
	t.Helper()
	r := kp(t, env, append([]string{"pivot", "--format", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
	}
	var c investigate.Case
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func ruleFired(c *investigate.Case) []string {
	var ids []string
	for _, f := range c.Findings {
		if f.Title == investigate.KeyPairRuleName {
			ids = append(ids, f.EventIDs...)
		}
	}
	return ids
}

func TestASNDBAndIPRangesFlagsGiveNetworksAndTheKeyPairRule(t *testing.T) {
	trail := keyPairTrail(t)
	dir := t.TempDir()
	residential := netdbtest.WriteASNDB(t, dir, map[string]netdbtest.AS{"198.51.100.0/24": {Number: 64501, Org: "Vectrolink Broadband LLC"}})
	amazonDir := t.TempDir()
	amazon := netdbtest.WriteASNDB(t, amazonDir, map[string]netdbtest.AS{"198.51.100.0/24": {Number: 16509, Org: "AMAZON-02"}})
	ranges := netdbtest.WriteIPRanges(t, t.TempDir(), []netdbtest.Range{{Prefix: "52.20.0.0/14", Region: "us-east-1", Service: "EC2"}})

	c := pivotJSON(t, nil, "--trail", trail, "--asn-db", residential, "--ip-ranges", ranges, netKey)
	if got := ruleFired(c); !slices.Equal(got, []string{"00000000-0000-4000-8000-000000000002"}) {
		t.Errorf("rule fired on %v, want the first CreateKeyPair only", got)
	}
	for _, ip := range c.SourceIPs {
		switch ip.IP {
		case "198.51.100.23":
			if ip.Network.Class != investigate.NetNonCloud || ip.Network.ASOrg != "Vectrolink Broadband LLC" || ip.ASOrg != "Vectrolink Broadband LLC" {
				t.Errorf("%s: %+v", ip.IP, ip.Network)
			}
		case "52.23.181.44":
			if ip.Network.Class != investigate.NetCloud || ip.Network.AWSService != "EC2" || ip.Network.AWSRegion != "us-east-1" {
				t.Errorf("%s: %+v", ip.IP, ip.Network)
			}
		}
	}
	// The same trail text shows where each key pair came from and what the rule says.
	r := kp(t, nil, "pivot", "--format", "text", "--trail", trail, "--asn-db", residential, netKey)
	for _, want := range []string{"from 198.51.100.23: AS64501 Vectrolink Broadband LLC [non-cloud] (asn-db)", "first CreateKeyPair by arn:aws:iam::111122223333:user/alice in the data searched",
		"not the first CreateKeyPair by arn:aws:iam::111122223333:user/alice", investigate.KeyPairRuleName} {
		if !strings.Contains(strings.Join(strings.Fields(r.stdout), " "), want) {
			t.Errorf("text lacks %q:\n%s", want, r.stdout)
		}
	}

	if got := ruleFired(pivotJSON(t, nil, "--trail", trail, "--asn-db", amazon, netKey)); len(got) != 0 {
		t.Errorf("rule fired from Amazon's network: %v", got)
	}
	bare := pivotJSON(t, nil, "--trail", trail, netKey)
	if got := ruleFired(bare); len(got) != 0 {
		t.Errorf("rule fired with no network known: %v", got)
	}
	if kp := bare.FollowUps.KeyPairs[0]; kp.Network.Class != investigate.NetUnknown || kp.Rule != investigate.RuleUnknown || !strings.Contains(strings.Join(bare.Coverage.Gaps, "\n"), "give --asn-db") {
		t.Errorf("without a database: %+v, gaps %v", kp, bare.Coverage.Gaps)
	}

	// A cached ip-ranges.json is read without the flag.
	cache := t.TempDir()
	if err := os.MkdirAll(filepath.Join(cache, "keypivot"), 0o755); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(ranges)
	if err := os.WriteFile(filepath.Join(cache, "keypivot", "ip-ranges.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	// In the cache directory that --cache-dir (KEYPIVOT_CACHE_DIR) names, beside the key
	// indexes, when one is given.
	for _, env := range [][]string{{"XDG_CACHE_HOME=" + cache}, {"KEYPIVOT_CACHE_DIR=" + filepath.Join(cache, "keypivot")}} {
		cached := pivotJSON(t, env, "--trail", trail, netKey)
		seen := false
		for _, ip := range cached.SourceIPs {
			if ip.IP == "52.23.181.44" {
				seen = true
				if ip.Network.AWSService != "EC2" {
					t.Errorf("%v: cached ip-ranges not read: %+v", env, ip.Network)
				}
			}
		}
		if !seen {
			t.Fatalf("%v: the case lacks 52.23.181.44", env)
		}
	}
}

func TestNetworkFlagsRefuseBadFiles(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "asn.csv")
	badRanges := filepath.Join(dir, "ip-ranges.json")
	os.WriteFile(notDB, []byte("1.0.0.0/24,13335,CLOUDFLARENET\n"), 0o644)
	os.WriteFile(badRanges, []byte(`{"createDate":"2026-03-03-00-00-00","prefixes":[{"ip_prefix":"3.5.0.0/40","region":"eu-west-1","service":"S3"}]}`), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--asn-db", filepath.Join(dir, "missing.mmdb")}, "--asn-db " + filepath.Join(dir, "missing.mmdb") + ": no such file"},
		{[]string{"--asn-db", notDB}, notDB + ": not a MaxMind-format database"},
		{[]string{"--ip-ranges", badRanges}, `prefixes[0].ip_prefix: "3.5.0.0/40" is not a prefix`},
	} {
		r := kp(t, nil, append([]string{"pivot", "--demo"}, c.args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// The demo shows every address's network offline and raises the key pair rule.
func TestDemoCaseHasNetworksOffline(t *testing.T) {
	c := pivotJSON(t, nil, "--demo")
	for _, ip := range c.SourceIPs {
		if !ip.Network.Known() {
			t.Errorf("%s: %s", ip.IP, ip.Network.Summary())
		}
	}
	for _, kp := range c.FollowUps.KeyPairs {
		if kp.SourceIP == "" || !kp.Network.Known() {
			t.Errorf("key pair %s %s: %+v", kp.Name, kp.Region, kp)
		}
	}
	if len(ruleFired(c)) != 1 {
		t.Errorf("rule findings: %v", ruleFired(c))
	}
}
