package alertdoc

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// checkAlert compares every field of got with want, naming the fields that differ.
func checkAlert(t *testing.T, got, want investigate.Alert) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if gt, ok := g.(time.Time); ok {
			if !gt.Equal(w.(time.Time)) {
				t.Errorf("%s = %v, want %v", name, gt, w)
			}
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s = %#v, want %#v", name, g, w)
		}
	}
}

const (
	testKey       = "AKIA4XQJ7ZK3PEXAMPLE"
	testIP        = "185.220.101.47"
	testAccount   = "210987654321"
	testUserARN   = "arn:aws:iam::210987654321:user/deploy-bot"
	firstSeenUUID = "0d5f3e2c9b4a7f61e8d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4"
	siblingUUID   = "6a1e9d3f2b7c4e8a0f5d1c9b3a7e2f4d6c8b0a2e4f6d8c0b2a4e6f8d0c2b4a6e"
	higherUUID    = "e4c2a0f8d6b4e2c0a8f6d4b2e0c8a6f4d2b0e8c6a4f2d0b8e6c4a2f0d8b6e4c2"
)

func TestFromElasticFixtures(t *testing.T) {
	tests := []struct {
		file, id, index string
		want            investigate.Alert
	}{
		{
			file: "alert-first-seen.json", id: "ignored-when-uuid-present", index: ".internal.alerts-security.alerts-default-000003",
			want: investigate.Alert{
				ID: firstSeenUUID, Index: ".internal.alerts-security.alerts-default-000003", Provider: "elastic",
				RuleID: investigate.FirstSeenRuleID, RuleName: "AWS IAM Long-Term Access Key First Seen from Source IP",
				RuleUUID: "4c1f0e7a-5a2d-11f0-9d3e-0242ac120002", RuleType: "new_terms",
				Tags: []string{"Domain: Cloud", "Data Source: AWS", "Data Source: Amazon Web Services", "Data Source: AWS IAM",
					"Use Case: Identity and Access Audit", "Tactic: Initial Access", "Resources: Investigation Guide"},
				Severity: investigate.SeverityMedium, RiskScore: 47, Status: "open", Kind: "signal",
				Time:        mustTime(t, "2026-03-02T09:14:47.361Z"),
				Reason:      "event with source 185.220.101.47 by deploy-bot on sts.amazonaws.com created medium alert AWS IAM Long-Term Access Key First Seen from Source IP.",
				AccessKeyID: testKey, SourceIP: testIP, ASOrg: "Stiftung Erneuerbare Freiheit", Country: "Germany",
				UserAgent: "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.6.15 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#kali.2024 md/prompt#off md/command#sts.get-caller-identity",
				UserName:  "deploy-bot", UserARN: testUserARN, IdentityType: "IAMUser",
				Account: testAccount, Region: "us-east-1", Action: "GetCallerIdentity",
				NewTerms:        []string{testKey, testIP},
				EventID:         "3b0d6d1c-2f7b-4c0e-8f0c-5d8f1c4e9a21",
				RuleDescription: "Identifies the first time, within the configured history window, that a long-term IAM access key ID (prefix AKIA) is used from a given source IP address.",
				Threats: []investigate.Threat{{
					Framework: "MITRE ATT&CK",
					Tactic:    investigate.ThreatRef{ID: "TA0001", Name: "Initial Access", Reference: "https://attack.mitre.org/tactics/TA0001/"},
					Techniques: []investigate.Technique{{
						ID: "T1078", Name: "Valid Accounts", Reference: "https://attack.mitre.org/techniques/T1078/",
						Subtechniques: []investigate.ThreatRef{{ID: "T1078.004", Name: "Cloud Accounts", Reference: "https://attack.mitre.org/techniques/T1078/004/"}},
					}},
				}},
			},
		},
		{
			file: "alert-sibling.json",
			want: investigate.Alert{
				ID: siblingUUID, Provider: "elastic",
				RuleID: "696015ef-718e-40ff-ac4a-cc2ba88dbeeb", RuleName: "AWS IAM User Created Access Keys For Another User",
				RuleUUID: "b2f9a0c4-5a2d-11f0-9d3e-0242ac120002", RuleType: "esql",
				Tags:     []string{"Domain: Cloud", "Data Source: AWS", "Data Source: AWS IAM", "Tactic: Persistence", "Tactic: Privilege Escalation", "Use Case: Identity and Access Audit"},
				Severity: investigate.SeverityHigh, RiskScore: 73,
				Status: "acknowledged", // legacy in-progress
				Kind:   "signal", Time: mustTime(t, "2026-03-02T09:21:05.902Z"),
				Reason:      "event with source 185.220.101.47 by deploy-bot on iam.amazonaws.com created high alert AWS IAM User Created Access Keys For Another User.",
				AccessKeyID: testKey, SourceIP: testIP,
				UserAgent: "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.6.15 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
				UserName:  "deploy-bot", UserARN: testUserARN, IdentityType: "IAMUser",
				Account: testAccount, Region: "us-east-1", Action: "CreateAccessKey",
			},
		},
		{
			file: "alert-higher-order.json",
			want: investigate.Alert{
				ID: higherUUID, Provider: "elastic",
				RuleID: investigate.CorrelatedKeyRuleID, RuleName: "AWS IAM Long-Term Access Key Correlated with Elevated Detection Alerts",
				RuleUUID: "d81a6b2e-5a2d-11f0-9d3e-0242ac120002", RuleType: "esql",
				// The tags, description and ATT&CK mapping of the rule's current TOML
				// (elastic/detection-rules, updated 2026/09/17).
				Tags: []string{"Domain: Cloud", "Data Source: AWS", "Data Source: Amazon Web Services", "Data Source: AWS CloudTrail", "Data Source: AWS IAM",
					"Use Case: Threat Detection", "Tactic: Credential Access", "Tactic: Initial Access", "Resources: Investigation Guide",
					"Rule Type: Higher-Order Rule", "Noise: Low", "Performance: Normal"},
				Severity: investigate.SeverityHigh, RiskScore: 73, Status: "open", Kind: "signal",
				Time:     mustTime(t, "2026-03-02T09:25:00.117Z"),
				Reason:   "source event with source 185.220.101.47, created high alert AWS IAM Long-Term Access Key Correlated with Elevated Detection Alerts.",
				SourceIP: testIP, HigherOrder: true, GroupedIPs: []string{testIP},
				SiblingRuleIDs:  []string{investigate.FirstSeenRuleID, "696015ef-718e-40ff-ac4a-cc2ba88dbeeb", "1aa8fa52-44a7-4dae-b058-f3333b91c8d7"},
				UserEntities:    []string{testUserARN},
				RuleDescription: "Correlates open detection alerts that share the same long-term IAM access key ID ( prefix AKIA). It fires when the rule AWS Long-Term Access Key First Seen from Source IP (rule_id: 9f8e3c5e-f72e-4e91-93f6-e98a4fae3e4f) has triggered for that key and at least one other open alert for the same key is medium, high, or critical severity. This higher-order rule helps prioritize long-term key novelty when it co-occurs with elevated detections that may indicate post-compromise activity.",
				Threats: []investigate.Threat{
					{
						Framework:  "MITRE ATT&CK",
						Tactic:     investigate.ThreatRef{ID: "TA0006", Name: "Credential Access", Reference: "https://attack.mitre.org/tactics/TA0006/"},
						Techniques: []investigate.Technique{{ID: "T1552", Name: "Unsecured Credentials", Reference: "https://attack.mitre.org/techniques/T1552/"}},
					},
					{
						Framework: "MITRE ATT&CK",
						Tactic:    investigate.ThreatRef{ID: "TA0001", Name: "Initial Access", Reference: "https://attack.mitre.org/tactics/TA0001/"},
						Techniques: []investigate.Technique{{
							ID: "T1078", Name: "Valid Accounts", Reference: "https://attack.mitre.org/techniques/T1078/",
							Subtechniques: []investigate.ThreatRef{{ID: "T1078.004", Name: "Cloud Accounts", Reference: "https://attack.mitre.org/techniques/T1078/004/"}},
						}},
					},
				},
			},
		},
		{
			// The shell alert of an EQL sequence keeps the fields its events share: the
			// key it sequences by and the address, not the action.
			file: "alert-bedrock-sequence.json",
			want: investigate.Alert{
				ID: "5b8e2d1f7c4a9e3b6d0f2a8c5e1b7d4f9a3c6e0b2d8f5a1c7e4b9d3f6a0c2e8b", Provider: "elastic",
				RuleID: "a17f2e5f-de52-49e8-9d86-ccfe91cd54d4", RuleName: "AWS Bedrock Foundation Model Enumeration Followed by Invocation via Long-Term Key",
				RuleUUID: "f0b3c9d2-5a2d-11f0-9d3e-0242ac120002", RuleType: "eql",
				Tags: []string{"Domain: Cloud", "Domain: LLM", "Data Source: Amazon Web Services", "Data Source: AWS", "Data Source: AWS CloudTrail",
					"Use Case: Identity and Access Audit", "Resources: Investigation Guide", "Tactic: Discovery", "Tactic: Initial Access", "Noise: Low",
					"Performance: Fast", "Profile: Recommended", "Threat: Unauthorized AI Usage", "Threat: LLMjacking", "Rule Type: Event Correlation (EQL)",
					"Platform: AWS", "Domain: GenAI", "Service: AWS Bedrock"},
				Severity: investigate.SeverityHigh, RiskScore: 73, Status: "open", Kind: "signal",
				Time:        mustTime(t, "2026-03-02T09:47:31.208Z"),
				Reason:      "event with source 185.220.101.47 by deploy-bot created high alert AWS Bedrock Foundation Model Enumeration Followed by Invocation via Long-Term Key.",
				AccessKeyID: testKey, SourceIP: testIP, ASOrg: "Stiftung Erneuerbare Freiheit", Country: "Germany",
				UserName: "deploy-bot", UserARN: testUserARN, IdentityType: "IAMUser", Account: testAccount, Region: "us-east-1",
				RuleDescription: "Detects when an AWS principal using long-term IAM user credentials (AKIA* access key) enumerates available Bedrock foundation models and then invokes a model within the same 15-minute window. Most legitimate Bedrock workloads run under IAM roles with short-lived credentials; the combination of model enumeration followed by direct model invocation from a long-term IAM user key is unusual in production environments and consistent with an adversary using stolen credentials to discover and exploit available AI model capabilities. This pattern is associated with LLMjacking attacks where threat actors abuse compromised cloud credentials to run high-volume or high-cost model inference at the account owner's expense.",
				Threats: []investigate.Threat{
					{
						Framework:  "MITRE ATT&CK",
						Tactic:     investigate.ThreatRef{ID: "TA0007", Name: "Discovery", Reference: "https://attack.mitre.org/tactics/TA0007/"},
						Techniques: []investigate.Technique{{ID: "T1526", Name: "Cloud Service Discovery", Reference: "https://attack.mitre.org/techniques/T1526/"}},
					},
					{
						Framework: "MITRE ATT&CK",
						Tactic:    investigate.ThreatRef{ID: "TA0001", Name: "Initial Access", Reference: "https://attack.mitre.org/tactics/TA0001/"},
						Techniques: []investigate.Technique{{
							ID: "T1078", Name: "Valid Accounts", Reference: "https://attack.mitre.org/techniques/T1078/",
							Subtechniques: []investigate.ThreatRef{{ID: "T1078.004", Name: "Cloud Accounts", Reference: "https://attack.mitre.org/techniques/T1078/004/"}},
						}},
					},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a, err := FromElastic(fixture(t, tt.file), tt.id, tt.index)
			if err != nil {
				t.Fatal(err)
			}
			checkAlert(t, a, tt.want)
		})
	}
}

// The mapped fixtures must play their parts in the correlation: the first-seen alert and
// the sibling count for the key, the higher-order alert maps back to it through its IP.
func TestFromElasticFeedsCorrelator(t *testing.T) {
	var alerts []investigate.Alert
	for _, f := range []string{"alert-first-seen.json", "alert-sibling.json", "alert-higher-order.json"} {
		a, err := FromElastic(fixture(t, f), "", "")
		if err != nil {
			t.Fatal(err)
		}
		alerts = append(alerts, a)
	}
	// The sibling is acknowledged, so it does not count; reopen it as Elastic's rule would see it.
	alerts[1].Status = "open"
	c := investigate.NewCorrelator(investigate.DefaultCorrelationOptions())
	c.Add(alerts)
	res := c.Result(false)
	if len(res.Keys) != 1 || res.Keys[0].Key.String() != testKey || !res.Keys[0].Correlated {
		t.Fatalf("keys = %+v, want %s correlated", res.Keys, testKey)
	}
	if got := res.Keys[0].HigherOrderAlerts; len(got) != 1 || got[0] != higherUUID {
		t.Errorf("higher-order alerts = %v, want [%s]", got, higherUUID)
	}
}

func TestFromElasticVariants(t *testing.T) {
	tests := []struct {
		name, doc, id, index string
		check                func(t *testing.T, a investigate.Alert)
	}{
		{
			name: "kibana fields without event.kind leave Kind empty",
			doc:  `{"kibana.alert.rule.name":"R","kibana.alert.rule.rule_id":"r1","kibana.alert.workflow_status":"open"}`,
			check: func(t *testing.T, a investigate.Alert) {
				if a.Kind != "" {
					t.Errorf("Kind = %q, want empty", a.Kind)
				}
			},
		},
		{
			name: "id falls back to _id when kibana.alert.uuid is missing",
			doc:  `{"kibana.alert.rule.name":"R"}`, id: "hit-id", index: "idx",
			check: func(t *testing.T, a investigate.Alert) {
				if a.ID != "hit-id" || a.Index != "idx" {
					t.Errorf("ID, Index = %q, %q", a.ID, a.Index)
				}
			},
		},
		{
			name: "a whole hit is unwrapped",
			doc:  `{"_index":".internal.alerts-security.alerts-default-000001","_id":"abc","_source":{"kibana.alert.rule.name":"R","@timestamp":"2026-03-02T10:00:00Z"}}`,
			check: func(t *testing.T, a investigate.Alert) {
				if a.ID != "abc" || a.Index != ".internal.alerts-security.alerts-default-000001" || a.RuleName != "R" {
					t.Errorf("got %+v", a)
				}
			},
		},
		{
			name: "a hit read with the fields API",
			doc:  `{"_index":"i","_id":"abc","fields":{"kibana.alert.rule.name":["R"],"aws.cloudtrail.user_identity.access_key_id":["AKIA4XQJ7ZK3PEXAMPLE"],"kibana.alert.risk_score":[47.0]}}`,
			check: func(t *testing.T, a investigate.Alert) {
				if a.ID != "abc" || a.RuleName != "R" || a.AccessKeyID != testKey || a.RiskScore != 47 {
					t.Errorf("got %+v", a)
				}
			},
		},
		{
			name: "everything nested, values in arrays",
			doc: `{"kibana":{"alert":{"uuid":["u1"],"rule":{"name":["R"],"rule_id":["r1"],"tags":["a","b"]},"severity":["critical"],"risk_score":[99],"workflow_status":["closed"]}},
			       "@timestamp":["2026-03-02T10:00:00Z"],"aws":{"cloudtrail":{"user_identity":{"access_key_id":["AKIA4XQJ7ZK3PEXAMPLE"]}}}}`,
			check: func(t *testing.T, a investigate.Alert) {
				if a.ID != "u1" || a.RuleID != "r1" || a.Severity != investigate.SeverityCritical || a.RiskScore != 99 ||
					a.Status != "closed" || a.AccessKeyID != testKey || len(a.Tags) != 2 || a.Time.IsZero() {
					t.Errorf("got %+v", a)
				}
			},
		},
		{
			name: "epoch millis timestamp, country code when no name",
			doc:  `{"kibana.alert.rule.name":"R","@timestamp":1772442887361,"source":{"geo":{"country_iso_code":"DE"}}}`,
			check: func(t *testing.T, a investigate.Alert) {
				if !a.Time.Equal(time.UnixMilli(1772442887361)) || a.Country != "DE" {
					t.Errorf("Time, Country = %v, %q", a.Time, a.Country)
				}
			},
		},
		{
			name: "original_time when there is no @timestamp",
			doc:  `{"kibana.alert.rule.name":"R","kibana.alert.original_time":"2026-03-02T09:09:12Z"}`,
			check: func(t *testing.T, a investigate.Alert) {
				if !a.Time.Equal(mustTime(t, "2026-03-02T09:09:12Z")) {
					t.Errorf("Time = %v", a.Time)
				}
			},
		},
		{
			name: "key from new_terms when aws.cloudtrail is not in the document",
			doc:  `{"kibana.alert.rule.rule_id":"9f8e3c5e-f72e-4e91-93f6-e98a4fae3e4f","kibana.alert.new_terms":["185.220.101.47","AKIA4XQJ7ZK3PEXAMPLE"]}`,
			check: func(t *testing.T, a investigate.Alert) {
				if a.AccessKeyID != testKey {
					t.Errorf("AccessKeyID = %q", a.AccessKeyID)
				}
			},
		},
		{
			name: "higher-order by tag alone, all grouped IPs kept",
			doc:  `{"kibana.alert.rule.name":"Custom correlation","kibana.alert.rule.rule_id":"custom","kibana.alert.rule.tags":["Rule Type: Higher-Order Rule"],"source.ip":["1.1.1.1","2.2.2.2","1.1.1.1"]}`,
			check: func(t *testing.T, a investigate.Alert) {
				if !a.HigherOrder || !reflect.DeepEqual(a.GroupedIPs, []string{"1.1.1.1", "2.2.2.2"}) {
					t.Errorf("HigherOrder, GroupedIPs = %v, %v", a.HigherOrder, a.GroupedIPs)
				}
			},
		},
		{
			name: "higher-order by its ES|QL column alone (a copy of the rule under another id)",
			doc:  `{"kibana.alert.rule.name":"My copy","kibana.alert.rule.rule_id":"copy","Esql.alert_count_long_term_key_new_ip_rule":2,"source.ip":"3.3.3.3","Esql.kibana_alert_rule_id_values":"x"}`,
			check: func(t *testing.T, a investigate.Alert) {
				if !a.HigherOrder || !reflect.DeepEqual(a.GroupedIPs, []string{"3.3.3.3"}) || !reflect.DeepEqual(a.SiblingRuleIDs, []string{"x"}) {
					t.Errorf("got %+v", a)
				}
			},
		},
		{
			name: "higher-order identity columns: entity ids, ARNs, keys and names, trimmed and deduplicated; Esql.source_ip_values adds addresses",
			doc: `{"kibana.alert.rule.rule_id":"98cfaa44-83f0-4aba-90c4-363fb9d51a75","source.ip":"3.3.3.3","Esql.source_ip_values":["3.3.3.3","4.4.4.4"],
			       "Esql.user_entity_id_values":["arn:aws:iam::210987654321:user/deploy-bot "," arn:aws:iam::210987654321:user/deploy-bot"],
			       "Esql.aws_cloudtrail_user_identity_access_key_id_values":"AKIA4XQJ7ZK3PEXAMPLE","Esql.user_name_values":["deploy-bot"]}`,
			check: func(t *testing.T, a investigate.Alert) {
				want := []string{testUserARN, testKey, "deploy-bot"}
				if !reflect.DeepEqual(a.UserEntities, want) || !reflect.DeepEqual(a.GroupedIPs, []string{"3.3.3.3", "4.4.4.4"}) || a.SourceIP != "3.3.3.3" {
					t.Errorf("UserEntities, GroupedIPs, SourceIP = %q, %q, %q", a.UserEntities, a.GroupedIPs, a.SourceIP)
				}
			},
		},
		{
			name: "a higher-order rule grouping by something else takes its address from Esql.source_ip_values",
			doc:  `{"kibana.alert.rule.rule_id":"98cfaa44-83f0-4aba-90c4-363fb9d51a75","Esql.source_ip_values":["5.5.5.5"]}`,
			check: func(t *testing.T, a investigate.Alert) {
				if a.SourceIP != "5.5.5.5" || !reflect.DeepEqual(a.GroupedIPs, []string{"5.5.5.5"}) || a.UserEntities != nil {
					t.Errorf("SourceIP, GroupedIPs, UserEntities = %q, %q, %q", a.SourceIP, a.GroupedIPs, a.UserEntities)
				}
			},
		},
		{
			name: "user.entity.id names the caller when aws.cloudtrail.user_identity.arn is missing",
			doc:  `{"kibana.alert.rule.name":"R","user":{"name":"deploy-bot","entity":{"id":["deploy-bot@host","arn:aws:iam::210987654321:user/deploy-bot"]}}}`,
			check: func(t *testing.T, a investigate.Alert) {
				if a.UserARN != testUserARN || a.UserEntities != nil {
					t.Errorf("UserARN, UserEntities = %q, %q", a.UserARN, a.UserEntities)
				}
			},
		},
		{
			name: "aws.cloudtrail.user_identity.arn wins over user.entity.id",
			doc:  `{"kibana.alert.rule.name":"R","user":{"entity":{"id":"arn:aws:iam::1:user/other"}},"aws":{"cloudtrail":{"user_identity":{"arn":"arn:aws:iam::210987654321:user/deploy-bot"}}}}`,
			check: func(t *testing.T, a investigate.Alert) {
				if a.UserARN != testUserARN {
					t.Errorf("UserARN = %q", a.UserARN)
				}
			},
		},
		{
			name: "an ordinary alert is not higher-order",
			doc:  `{"kibana.alert.rule.name":"R","source.ip":"3.3.3.3"}`,
			check: func(t *testing.T, a investigate.Alert) {
				if a.HigherOrder || a.GroupedIPs != nil {
					t.Errorf("got %+v", a)
				}
			},
		},
		{
			name: "legacy .siem-signals document",
			doc: `{"@timestamp":"2021-06-01T10:00:00Z","signal":{"rule":{"name":"Old rule","rule_id":"old","type":"query","severity":"high","risk_score":73,"tags":["t"]},"status":"in-progress","original_time":"2021-06-01T09:59:00Z"},
			       "source":{"ip":"4.4.4.4"}}`,
			check: func(t *testing.T, a investigate.Alert) {
				if a.RuleName != "Old rule" || a.RuleID != "old" || a.Severity != investigate.SeverityHigh || a.RiskScore != 73 ||
					a.Status != "acknowledged" || a.SourceIP != "4.4.4.4" || len(a.Tags) != 1 {
					t.Errorf("got %+v", a)
				}
			},
		},
		{
			name: "field names are case-sensitive, as in Elasticsearch",
			doc:  `{"kibana.alert.rule.name":"R","Source":{"IP":"9.9.9.9"},"source":{"ip":"1.1.1.1"},"User":{"Name":"x"}}`,
			check: func(t *testing.T, a investigate.Alert) {
				if a.SourceIP != "1.1.1.1" || a.UserName != "" {
					t.Errorf("SourceIP, UserName = %q, %q", a.SourceIP, a.UserName)
				}
			},
		},
		{
			name: "unknown severity name stays unknown",
			doc:  `{"kibana.alert.rule.name":"R","kibana.alert.severity":"severe"}`,
			check: func(t *testing.T, a investigate.Alert) {
				if a.Severity != investigate.SeverityUnknown {
					t.Errorf("Severity = %v", a.Severity)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := FromElastic(decode(t, tt.doc), tt.id, tt.index)
			if err != nil {
				t.Fatal(err)
			}
			if a.Provider != investigate.ProviderElastic {
				t.Errorf("Provider = %q", a.Provider)
			}
			tt.check(t, a)
		})
	}
}

func TestFromElasticNotAnAlert(t *testing.T) {
	tests := []struct {
		name, doc, looks string
	}{
		{"CloudTrail record", `{"eventVersion":"1.08","eventName":"GetCallerIdentity","eventSource":"sts.amazonaws.com","userIdentity":{"accessKeyId":"AKIA4XQJ7ZK3PEXAMPLE"}}`, "a CloudTrail record"},
		{"Elastic CloudTrail integration document", `{"@timestamp":"2026-03-02T09:09:12Z","event":{"action":"GetCallerIdentity"},"aws":{"cloudtrail":{"event_version":"1.08"}}}`, "a CloudTrail record"},
		{"CloudTrail integration document named by data_stream.dataset", `{"@timestamp":"2026-03-02T09:09:12Z","data_stream":{"dataset":"aws.cloudtrail","type":"logs"},"event":{"action":"ListFoundationModels"}}`, "a CloudTrail record"},
		{"CloudTrail integration document named by the older event.dataset", `{"@timestamp":"2026-03-02T09:09:12Z","event":{"dataset":"aws.cloudtrail","action":"ListFoundationModels"}}`, "a CloudTrail record"},
		{"another dataset is not CloudTrail", `{"@timestamp":"2026-03-02T09:09:12Z","data_stream":{"dataset":"aws.guardduty"}}`, ""},
		{"unrelated document", `{"hello":"world"}`, ""},
		{"empty document", `{}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromElastic(decode(t, tt.doc), "", "")
			var na *NotAlertError
			if !errors.As(err, &na) {
				t.Fatalf("err = %v, want *NotAlertError", err)
			}
			if na.Looks != tt.looks {
				t.Errorf("Looks = %q, want %q", na.Looks, tt.looks)
			}
			for _, f := range []string{"kibana.alert.rule.name", "kibana.alert.rule.rule_id", "kibana.*"} {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("error %q does not name %s", err, f)
				}
			}
		})
	}
}

func TestFromESQL(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "esql-response.json"))
	if err != nil {
		t.Fatal(err)
	}
	resp := decode(t, string(b))
	cols := esqlColumns(resp["columns"].([]any))
	rows := resp["values"].([]any)
	var got []investigate.Alert
	for _, r := range rows {
		a, err := FromESQL(cols, r.([]any))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	if len(got) != 3 {
		t.Fatalf("%d alerts", len(got))
	}
	fs := got[0]
	if fs.ID != firstSeenUUID || fs.Index != ".internal.alerts-security.alerts-default-000003" || fs.RuleID != investigate.FirstSeenRuleID ||
		fs.AccessKeyID != testKey || fs.SourceIP != testIP || fs.RiskScore != 47 || fs.Severity != investigate.SeverityMedium ||
		fs.Status != "open" || fs.Kind != "signal" || !fs.Time.Equal(mustTime(t, "2026-03-02T09:14:47.361Z")) {
		t.Errorf("first-seen row: %+v", fs)
	}
	if got[1].Status != "acknowledged" || got[1].AccessKeyID != "" || got[1].RuleType != "esql" {
		t.Errorf("sibling row: %+v", got[1])
	}
	if got[2].SourceIP != "" || got[2].Severity != investigate.SeverityLow {
		t.Errorf("null source.ip row: %+v", got[2])
	}

	if _, err := FromESQL(cols, []any{"only one value"}); err == nil || !strings.Contains(err.Error(), "1 value for 12 columns") {
		t.Errorf("short row: err = %v", err)
	}
	if _, err := FromESQL([]Column{{Name: "source.ip", Type: "ip"}}, []any{"1.2.3.4"}); err == nil {
		t.Error("a row with no alert columns mapped without error")
	}
}

// filterSource keeps what Elasticsearch's _source includes would keep of doc: keys equal
// to a pattern, under it, or on the way to it (for nested objects); "x.*" keeps x's
// subtree.
func filterSource(doc map[string]any, patterns []string, prefix string) map[string]any {
	out := map[string]any{}
	for k, v := range doc {
		full := prefix + k
		for _, p := range patterns {
			p = strings.TrimSuffix(p, ".*")
			switch {
			case full == p || strings.HasPrefix(full, p+"."):
				out[k] = v
			case strings.HasPrefix(p, full+"."):
				if m, ok := v.(map[string]any); ok {
					if f := filterSource(m, patterns, full+"."); len(f) > 0 {
						out[k] = f
					}
				}
			default:
				continue
			}
			break
		}
	}
	return out
}

func TestElasticSourceFieldsSuffice(t *testing.T) {
	docs := []map[string]any{
		fixture(t, "alert-first-seen.json"), fixture(t, "alert-sibling.json"), fixture(t, "alert-higher-order.json"),
		fixture(t, "alert-bedrock-sequence.json"),
		decode(t, `{"kibana.alert.rule.name":"R","user":{"entity":{"id":["arn:aws:iam::210987654321:user/deploy-bot"]}}}`),
		decode(t, `{"@timestamp":"2021-06-01T10:00:00Z","signal":{"rule":{"name":"Old","rule_id":"old","severity":"high","risk_score":73,"tags":["t"]},"status":"open","reason":"r"},"source":{"ip":"4.4.4.4"}}`),
	}
	for i, doc := range docs {
		whole, err := FromElastic(doc, "id", "ix")
		if err != nil {
			t.Fatal(err)
		}
		filtered := filterSource(doc, ElasticSourceFields(), "")
		if len(filtered) >= len(doc) && i == 0 {
			t.Fatalf("the filter kept everything: %d of %d keys", len(filtered), len(doc))
		}
		part, err := FromElastic(filtered, "id", "ix")
		if err != nil {
			t.Fatal(err)
		}
		t.Run(whole.RuleName, func(t *testing.T) { checkAlert(t, part, whole) })
	}
}
