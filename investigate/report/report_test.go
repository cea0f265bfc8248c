package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

const (
	key     = "AKIATESTKEY000000001"
	session = "ASIATESTSESSION00001"
	evilUA  = "TruffleHog\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07\rbenign\u202egnp"
)

func rec(id, at, name, source, signer, ip, ua string, req, resp string, extra string) []byte {
	typ := "IAMUser"
	if strings.HasPrefix(signer, "ASIA") {
		typ = "AssumedRole"
	}
	if req == "" {
		req = "null"
	}
	if resp == "" {
		resp = "null"
	}
	return fmt.Appendf(nil, `{"eventVersion":"1.09","eventID":%s,"eventTime":%s,"eventName":%s,"eventSource":%s,"awsRegion":"us-east-1",
"sourceIPAddress":%s,"userAgent":%s,"readOnly":false,"recipientAccountId":"111122223333","requestParameters":%s,"responseElements":%s,%s
"userIdentity":{"type":%s,"accountId":"111122223333","arn":"arn:aws:iam::111122223333:user/svc-reporting","userName":"svc-reporting","accessKeyId":%s}}`,
		js(id), js(at), js(name), js(source), js(ip), js(ua), req, resp, extra, js(typ), js(signer))
}

func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func testCase(t *testing.T) *investigate.Case {
	t.Helper()
	return investigate.BuildCase(testInput(t))
}

// testInput is the input of testCase: a key, its session and child, a key pair and a
// failed launch, one first-seen alert.
func testInput(t *testing.T) investigate.CaseInput {
	t.Helper()
	raws := [][]byte{
		rec("e1", "2026-11-20T09:00:00Z", "GetCallerIdentity", "sts.amazonaws.com", key, "198.51.100.9", evilUA, "", "", ""),
		rec("e2", "2026-11-20T09:05:00Z", "GetSessionToken", "sts.amazonaws.com", key, "198.51.100.9", "aws-cli/2", "",
			`{"credentials":{"accessKeyId":"`+session+`","expiration":"Nov 21, 2026, 9:05:00 PM"}}`, ""),
		rec("e3", "2026-11-20T09:10:00Z", "CreateKeyPair", "ec2.amazonaws.com", session, "203.0.113.5", "aws-cli/2", `{"keyName":"x\u001b[31mkp"}`,
			`{"keyName":"x\u001b[31mkp","keyPairId":"key-0123"}`, ""),
		rec("e4", "2026-11-20T09:11:00Z", "RunInstances", "ec2.amazonaws.com", session, "203.0.113.5", "aws-cli/2",
			`{"instanceType":"p3.2xlarge","instancesSet":{"items":[{"imageId":"ami-1","minCount":1,"maxCount":4,"keyName":"x\u001b[31mkp"}]}}`, "",
			`"errorCode":"Client.VcpuLimitExceeded","errorMessage":"You have requested more vCPU capacity",`),
		rec("e5", "2026-11-20T09:12:00Z", "CreateAccessKey", "iam.amazonaws.com", key, "198.51.100.9", "aws-cli/2", `{"userName":"backdoor"}`,
			`{"accessKey":{"accessKeyId":"AKIANEWKEY0000000001","userName":"backdoor","status":"Active"}}`, ""),
	}
	var events []*investigate.Event
	for _, r := range raws {
		e, err := investigate.DecodeRecord(r)
		if err != nil {
			t.Fatalf("%v\n%s", err, r)
		}
		events = append(events, &e)
	}
	alerts := []investigate.Alert{{
		ID: "a1", Provider: "elastic", RuleID: investigate.FirstSeenRuleID, RuleName: "AWS IAM Long-Term Access Key First Seen from Source IP",
		Severity: investigate.SeverityMedium, RiskScore: 47, Status: "open", Time: time.Date(2026, 11, 20, 9, 1, 0, 0, time.UTC),
		AccessKeyID: key, SourceIP: "198.51.100.9", ASOrg: "Evil \x1b[5mVPS",
	}}
	return investigate.CaseInput{Key: investigate.MustParseAccessKeyID(key), Events: events, Alerts: alerts, Now: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
}

func assertInert(t *testing.T, out string) {
	t.Helper()
	for i, r := range out {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) {
			t.Fatalf("raw control %U at byte %d: %q", r, i, out[max(0, i-40):min(len(out), i+40)])
		}
	}
}

func TestTextFitsEightyColumnsAndIsInert(t *testing.T) {
	c := testCase(t)
	var b bytes.Buffer
	if err := report.Text(&b, c, report.Options{Width: 80, Timeline: report.TimelineAll}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	assertInert(t, out)
	for i, line := range strings.Split(out, "\n") {
		if w := ansi.StringWidth(line); w > 80 {
			t.Errorf("line %d is %d columns: %q", i+1, w, line)
		}
	}
	for _, want := range []string{session, "GetSessionToken", "Client.VcpuLimitExceeded", "AKIANEWKEY0000000001", `\x1b[2J`, `\u202e`, "TruffleHog", "FIRST-SEEN ALERT", "p3.2xlarge"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q", want)
		}
	}
}

func TestMarkdownIsInertAndEscapesTables(t *testing.T) {
	c := testCase(t)
	c.UserAgents[0].UserAgent += " | `pwn` | <script>"
	var b bytes.Buffer
	if err := report.Markdown(&b, c, report.Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	assertInert(t, out)
	// HTML may appear only inside a code span, where Markdown shows it as text.
	if strings.Contains(out, "<script>") && !strings.Contains(out, "``aws-cli/2 \\| `pwn` \\| <script>``") {
		t.Fatal("raw HTML outside a code span")
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "pwn") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 6 {
			t.Fatalf("a pipe in a value broke the table row: %s", line)
		}
	}
}

func TestJSONCarriesTheSchema(t *testing.T) {
	c := testCase(t)
	var b bytes.Buffer
	if err := report.CaseJSON(&b, c); err != nil {
		t.Fatal(err)
	}
	assertInert(t, b.String())
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	need := map[string][]string{
		"":                    {"schema_version", "key", "owner", "siblings", "event_count", "source_ips", "sessions", "followups", "created_access_keys", "coverage", "timeline", "findings"},
		"owner":               {"user", "arn", "account", "type"},
		"siblings":            {"rule_id", "rule_name", "alert_id", "severity", "risk_score", "status", "time"},
		"source_ips":          {"ip", "count", "first", "last"},
		"sessions":            {"access_key_id", "issued_by_event", "role_arn", "event_count"},
		"followups.key_pairs": {"name", "id", "region"},
		"followups.launches":  {"event_id", "region", "signer", "key_name", "instance_type", "instance_ids", "error_code"},
		"created_access_keys": {"access_key_id", "user"},
		"coverage":            {"sources", "problems", "accounts", "regions"},
	}
	for path, fields := range need {
		obj := lookup(t, doc, path)
		for _, f := range fields {
			if _, ok := obj[f]; !ok {
				t.Errorf("%s lacks %q", path, f)
			}
		}
	}
	// Values survive the escaping exactly.
	uas := doc["user_agents"].([]any)
	found := false
	for _, u := range uas {
		if u.(map[string]any)["user_agent"] == evilUA {
			found = true
		}
	}
	if !found {
		t.Fatal("the user agent did not round-trip exactly")
	}
	kp := lookup(t, doc, "followups.key_pairs")
	if kp["name"] != "x\x1b[31mkp" || kp["id"] != "key-0123" {
		t.Fatalf("key pair = %v", kp)
	}
	l := lookup(t, doc, "followups.launches")
	if l["error_code"] != "Client.VcpuLimitExceeded" || l["signer"] != session || l["matched_by"] != "signer" {
		t.Fatalf("launch = %v", l)
	}
}

// lookup returns the object at a dotted path, taking the first element of arrays.
func lookup(t *testing.T, doc map[string]any, path string) map[string]any {
	t.Helper()
	cur := any(doc)
	if path != "" {
		for _, p := range strings.Split(path, ".") {
			cur = cur.(map[string]any)[p]
			if arr, ok := cur.([]any); ok {
				if len(arr) == 0 {
					t.Fatalf("%s is empty", path)
				}
				cur = arr[0]
			}
		}
	}
	m, ok := cur.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T", path, cur)
	}
	return m
}

// A key no source knows: the reports say so instead of printing empty cells.
func TestUnknownOwnerIsSaid(t *testing.T) {
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(key), Now: time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)})
	var m, x bytes.Buffer
	if err := report.Markdown(&m, c, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := report.Text(&x, c, report.Options{Width: 80}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.String(), "| Owner | unknown user |") || strings.Contains(m.String(), "| ARN |") || strings.Contains(m.String(), "()") {
		t.Errorf("markdown header of an unknown owner:\n%s", m.String()[:min(400, m.Len())])
	}
	if !strings.Contains(x.String(), "(unknown user)") {
		t.Errorf("text header of an unknown owner:\n%s", x.String()[:min(400, x.Len())])
	}
}
