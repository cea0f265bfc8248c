package alertdoc

import (
	"errors"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

func findings(t *testing.T, file string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, f := range Doc(fixture(t, file)).Objects("Findings") {
		out = append(out, f)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no findings", file)
	}
	return out
}

// checkFindings converts each finding of a fixture file with convert and compares it
// with want, in order.
func checkFindings(t *testing.T, file string, convert func(map[string]any) (investigate.Alert, error), want []investigate.Alert) {
	t.Helper()
	fs := findings(t, file)
	if len(fs) != len(want) {
		t.Fatalf("%s: %d findings, want %d", file, len(fs), len(want))
	}
	for i, f := range fs {
		a, err := convert(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(want[i].RuleID, func(t *testing.T) { checkAlert(t, a, want[i]) })
	}
}

// torCaller is the first finding of both fixtures, GetCallerIdentity from a Tor exit
// node, as read from GuardDuty.
func torCaller(t *testing.T) investigate.Alert {
	t.Helper()
	return investigate.Alert{
		ID: "a2c7e1f0b9d84c3e8f6a5b4c3d2e1f09", Provider: "guardduty",
		RuleID: "UnauthorizedAccess:IAMUser/TorIPCaller", RuleName: "API GetCallerIdentity was invoked from a Tor exit node IP address.",
		Severity: investigate.SeverityMedium, RiskScore: 50, Status: "open", Kind: "signal",
		Time:        mustTime(t, "2026-03-02T09:15:40Z"), // Service.EventLastSeen, not UpdatedAt
		Reason:      "API GetCallerIdentity was invoked from a Tor exit node IP address 185.220.101.47 by IAM user deploy-bot.",
		AccessKeyID: testKey, SourceIP: testIP, ASOrg: "Stiftung Erneuerbare Freiheit", Country: "Germany",
		UserAgent: "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.6.15 md/arch#x86_64 lang/python#3.11.8",
		UserName:  "deploy-bot", IdentityType: "IAMUser", Account: testAccount, Region: "us-east-1", Action: "GetCallerIdentity",
	}
}

func TestFromGuardDutyFixtures(t *testing.T) {
	checkFindings(t, "guardduty-get-findings.json", FromGuardDuty, []investigate.Alert{
		torCaller(t),
		{
			ID: "7d3e5f1a9b2c4d6e8f0a1b3c5d7e9f12", Provider: "guardduty",
			RuleID: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", RuleName: "Credentials for instance role app-server-role used from external IP address.",
			Severity: investigate.SeverityHigh, RiskScore: 80, Status: "closed", Kind: "signal", // archived
			Time:        mustTime(t, "2026-02-27T22:31:55Z"),
			Reason:      "Credentials for instance role app-server-role created exclusively for an EC2 instance using instance role app-server-role have been used from external IP address 203.0.113.77.",
			AccessKeyID: "ASIA4XQJ7ZK3PSESSION", SourceIP: "203.0.113.77", ASOrg: "DIGITALOCEAN-ASN", Country: "Netherlands",
			UserName: "app-server-role", IdentityType: "AssumedRole", Account: testAccount, Region: "eu-west-1", Action: "ListBuckets",
		},
		{
			ID: "1f2e3d4c5b6a79880a1b2c3d4e5f6071", Provider: "guardduty",
			RuleID: "Recon:EC2/PortProbeUnprotectedPort", RuleName: "Unprotected port on EC2 instance i-0f9e8d7c6b5a43210 is being probed.",
			Severity: investigate.SeverityLow, RiskScore: 20, Status: "open", Kind: "signal",
			Time:     mustTime(t, "2026-03-01T03:10:02Z"),
			Reason:   "EC2 instance has an unprotected port which is being probed by a known malicious host.",
			SourceIP: "198.51.100.23", ASOrg: "Chinanet", Country: "China", // from PortProbeAction.PortProbeDetails[0]
			Account: testAccount, Region: "us-east-1",
		},
	})
}

// The REST API (and EventBridge's detail) spells every field camelCase.
func TestFromGuardDutyCamelCase(t *testing.T) {
	f := Doc(fixture(t, "guardduty-rest.json")).Objects("findings")
	if len(f) != 1 {
		t.Fatalf("%d findings", len(f))
	}
	a, err := FromGuardDuty(f[0])
	if err != nil {
		t.Fatal(err)
	}
	checkAlert(t, a, investigate.Alert{
		ID: "b4d6f8a0c2e4f6a8b0c2d4e6f8a0b2c4", Provider: "guardduty",
		RuleID: "Discovery:IAMUser/AnomalousBehavior", RuleName: "Unusual Discovery API calls by deploy-bot.",
		Severity: investigate.SeverityCritical, RiskScore: 91, Status: "open", Kind: "signal",
		Time:        mustTime(t, "2026-03-02T09:29:58Z"),
		Reason:      "APIs commonly used in Discovery tactics were invoked by user IAMUser : deploy-bot under unusual circumstances.",
		AccessKeyID: testKey, SourceIP: testIP, ASOrg: "Stiftung Erneuerbare Freiheit", Country: "Germany",
		UserAgent: "Boto3/1.34.69 Python/3.11.8 Linux/6.6.15 Botocore/1.34.69", // from additionalInfo.value, a JSON string
		UserName:  "deploy-bot", IdentityType: "IAMUser", Account: testAccount, Region: "us-east-1", Action: "ListUsers",
	})
}

func TestGuardDutySeverity(t *testing.T) {
	tests := []struct {
		sev  float64
		want investigate.Severity
		risk float64
	}{
		{0.1, investigate.SeverityLow, 1},
		{3.9, investigate.SeverityLow, 39},
		{4, investigate.SeverityMedium, 40},
		{6.9, investigate.SeverityMedium, 69},
		{7, investigate.SeverityHigh, 70},
		{8.9, investigate.SeverityHigh, 89},
		{9, investigate.SeverityCritical, 90},
		{10, investigate.SeverityCritical, 100},
	}
	for _, tt := range tests {
		f := decode(t, `{"Id":"x","Type":"Recon:IAMUser/UserPermissions","Service":{}}`)
		f["Severity"] = tt.sev
		a, err := FromGuardDuty(f)
		if err != nil {
			t.Fatal(err)
		}
		if a.Severity != tt.want || a.RiskScore != tt.risk {
			t.Errorf("severity %v: got %v / %v, want %v / %v", tt.sev, a.Severity, a.RiskScore, tt.want, tt.risk)
		}
	}
}

func TestFromGuardDutyVariants(t *testing.T) {
	t.Run("EventBridge envelope", func(t *testing.T) {
		a, err := FromGuardDuty(decode(t, `{"version":"0","id":"e1","detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"210987654321","region":"us-east-1",
			"detail":{"schemaVersion":"2.0","accountId":"210987654321","region":"us-east-1","id":"f1","type":"PenTest:IAMUser/KaliLinux","severity":5,
			"resource":{"resourceType":"AccessKey","accessKeyDetails":{"accessKeyId":"AKIA4XQJ7ZK3PEXAMPLE","userName":"deploy-bot","userType":"IAMUser"}},
			"service":{"archived":false,"eventLastSeen":"2026-03-02T09:15:40Z","additionalInfo":{"userAgent":{"fullUserAgent":"aws-cli/2.15.30 kali","userAgentCategory":"AWS CLI"}},
			"action":{"awsApiCallAction":{"api":"GetCallerIdentity","remoteIpDetails":{"ipAddressV4":"185.220.101.47"}}}}}}`))
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != "f1" || a.RuleID != "PenTest:IAMUser/KaliLinux" || a.AccessKeyID != testKey || a.SourceIP != testIP || a.UserAgent != "aws-cli/2.15.30 kali" {
			t.Errorf("got %+v", a)
		}
	})
	t.Run("archived as a string, principal id when no user name, IPv6 caller", func(t *testing.T) {
		a, err := FromGuardDuty(decode(t, `{"Id":"f2","Type":"Policy:IAMUser/RootCredentialUsage","Resource":{"ResourceType":"AccessKey","AccessKeyDetails":{"PrincipalId":"210987654321","UserType":"Root"}},
			"Service":{"Archived":"true","Action":{"AwsApiCallAction":{"RemoteIpDetails":{"IpAddressV6":"2001:db8::1"}}}},"UpdatedAt":"2026-03-02T09:16:03Z"}`))
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != "closed" || a.UserName != "210987654321" || a.SourceIP != "2001:db8::1" || a.Time.IsZero() || a.Severity != investigate.SeverityUnknown {
			t.Errorf("got %+v", a)
		}
	})
	t.Run("not a finding", func(t *testing.T) {
		_, err := FromGuardDuty(decode(t, `{"eventName":"ListUsers","eventSource":"iam.amazonaws.com"}`))
		var na *NotAlertError
		if !errors.As(err, &na) || !strings.Contains(err.Error(), "Id, Type") || na.Looks != "a CloudTrail record" {
			t.Errorf("err = %v", err)
		}
	})
}

func TestFromASFFFixtures(t *testing.T) {
	// Security Hub's copy of the GuardDuty finding has its own id and time, and no user
	// agent; the rest is GuardDuty's (its GeneratorId is the detector: the type is
	// recovered from Types).
	tor := torCaller(t)
	tor.ID, tor.Provider = "arn:aws:guardduty:us-east-1:210987654321:detector/5ec7a1b2c3d4e5f60718293a4b5c6d7e/finding/a2c7e1f0b9d84c3e8f6a5b4c3d2e1f09", "securityhub"
	tor.Time = mustTime(t, "2026-03-02T09:16:03.512Z")
	tor.UserAgent = ""
	checkFindings(t, "securityhub-get-findings.json", FromASFF, []investigate.Alert{
		tor,
		{
			ID: "arn:aws:securityhub:us-east-1:210987654321:security-control/IAM.3/finding/5b1c9e7a-3d2f-4a6b-8c0e-1f2a3b4c5d6e", Provider: "securityhub",
			RuleID: "security-control/IAM.3", RuleName: "IAM users' access keys should be rotated every 90 days or less",
			Severity: investigate.SeverityMedium, RiskScore: 40, Status: "closed", Kind: "signal", // RESOLVED
			Time:    mustTime(t, "2026-03-01T06:13:58.417Z"),
			Reason:  "This AWS control checks whether the active access keys are rotated within 90 days.",
			UserARN: testUserARN, Account: testAccount, Region: "us-east-1",
		},
	})
}

// A GuardDuty finding read from GuardDuty and from Security Hub names the same rule.
func TestGuardDutyAndASFFAgreeOnRule(t *testing.T) {
	gd, err := FromGuardDuty(findings(t, "guardduty-get-findings.json")[0])
	if err != nil {
		t.Fatal(err)
	}
	sh, err := FromASFF(findings(t, "securityhub-get-findings.json")[0])
	if err != nil {
		t.Fatal(err)
	}
	if gd.RuleID != sh.RuleID || gd.AccessKeyID != sh.AccessKeyID || gd.SourceIP != sh.SourceIP {
		t.Errorf("GuardDuty %q %q %q, Security Hub %q %q %q", gd.RuleID, gd.AccessKeyID, gd.SourceIP, sh.RuleID, sh.AccessKeyID, sh.SourceIP)
	}
}

func TestFromASFFVariants(t *testing.T) {
	base := `"SchemaVersion":"2018-10-08","Id":"f","ProductArn":"arn:aws:securityhub:us-east-1:210987654321:product/210987654321/default","AwsAccountId":"210987654321","Title":"T"`
	tests := []struct {
		name, doc string
		check     func(t *testing.T, a investigate.Alert)
	}{
		{"Types[0] when there is no GeneratorId", `{` + base + `,"Types":["Unusual Behaviors/User"]}`, func(t *testing.T, a investigate.Alert) {
			if a.RuleID != "Unusual Behaviors/User" {
				t.Errorf("RuleID = %q", a.RuleID)
			}
		}},
		{"INFORMATIONAL is low", `{` + base + `,"GeneratorId":"g","Severity":{"Label":"INFORMATIONAL","Normalized":0}}`, func(t *testing.T, a investigate.Alert) {
			if a.Severity != investigate.SeverityLow || a.RiskScore != 0 {
				t.Errorf("Severity, RiskScore = %v, %v", a.Severity, a.RiskScore)
			}
		}},
		{"Normalized bucketed when there is no Label", `{` + base + `,"GeneratorId":"g","Severity":{"Normalized":72}}`, func(t *testing.T, a investigate.Alert) {
			if a.Severity != investigate.SeverityHigh || a.RiskScore != 72 {
				t.Errorf("Severity, RiskScore = %v, %v", a.Severity, a.RiskScore)
			}
		}},
		{"NOTIFIED is acknowledged", `{` + base + `,"GeneratorId":"g","Workflow":{"Status":"NOTIFIED"}}`, func(t *testing.T, a investigate.Alert) {
			if a.Status != "acknowledged" {
				t.Errorf("Status = %q", a.Status)
			}
		}},
		{"SUPPRESSED is closed", `{` + base + `,"GeneratorId":"g","Workflow":{"Status":"SUPPRESSED"}}`, func(t *testing.T, a investigate.Alert) {
			if a.Status != "closed" {
				t.Errorf("Status = %q", a.Status)
			}
		}},
		{"ARCHIVED record is closed whatever the workflow", `{` + base + `,"GeneratorId":"g","Workflow":{"Status":"NEW"},"RecordState":"ARCHIVED"}`, func(t *testing.T, a investigate.Alert) {
			if a.Status != "closed" {
				t.Errorf("Status = %q", a.Status)
			}
		}},
		{"deprecated WorkflowState IN_PROGRESS", `{` + base + `,"GeneratorId":"g","WorkflowState":"IN_PROGRESS"}`, func(t *testing.T, a investigate.Alert) {
			if a.Status != "acknowledged" {
				t.Errorf("Status = %q", a.Status)
			}
		}},
		{"no workflow at all is open", `{` + base + `,"GeneratorId":"g"}`, func(t *testing.T, a investigate.Alert) {
			if a.Status != "open" {
				t.Errorf("Status = %q", a.Status)
			}
		}},
		{"bare key id as resource Id", `{` + base + `,"GeneratorId":"g","Resources":[{"Type":"AwsIamAccessKey","Id":"AKIA4XQJ7ZK3PEXAMPLE","Region":"eu-west-1"}]}`, func(t *testing.T, a investigate.Alert) {
			if a.AccessKeyID != testKey || a.Region != "eu-west-1" {
				t.Errorf("AccessKeyID, Region = %q, %q", a.AccessKeyID, a.Region)
			}
		}},
		{"key from Details when the Id is not one", `{` + base + `,"GeneratorId":"g","Resources":[{"Type":"AwsIamAccessKey","Id":"some-resource","Details":{"AwsIamAccessKey":{"AccessKeyId":"AKIA4XQJ7ZK3PEXAMPLE","UserName":"deploy-bot"}}}]}`, func(t *testing.T, a investigate.Alert) {
			if a.AccessKeyID != testKey || a.UserName != "deploy-bot" {
				t.Errorf("AccessKeyID, UserName = %q, %q", a.AccessKeyID, a.UserName)
			}
		}},
		{"CloudFormation resource type spelling", `{` + base + `,"GeneratorId":"g","Resources":[{"Type":"AWS::IAM::AccessKey","Id":"AKIA4XQJ7ZK3PEXAMPLE"}]}`, func(t *testing.T, a investigate.Alert) {
			if a.AccessKeyID != testKey {
				t.Errorf("AccessKeyID = %q", a.AccessKeyID)
			}
		}},
		{"Network.SourceIpV4 first", `{` + base + `,"GeneratorId":"g","Network":{"SourceIpV4":"7.7.7.7"},"Action":{"AwsApiCallAction":{"RemoteIpDetails":{"IpAddressV4":"8.8.8.8","Organization":{"AsnOrg":"X"}}}}}`, func(t *testing.T, a investigate.Alert) {
			if a.SourceIP != "7.7.7.7" || a.ASOrg != "X" {
				t.Errorf("SourceIP, ASOrg = %q, %q", a.SourceIP, a.ASOrg)
			}
		}},
		{"older GuardDuty findings: action only in ProductFields", `{"SchemaVersion":"2018-10-08","Id":"f","ProductArn":"arn:aws:securityhub:us-east-1::product/aws/guardduty","GeneratorId":"arn:aws:guardduty:us-east-1:1:detector/d","AwsAccountId":"1",
			"Types":["TTPs/Discovery/Recon:IAMUser-MaliciousIPCaller.Custom"],"LastObservedAt":"2020-03-29T13:42:01Z",
			"ProductFields":{"action/awsApiCallAction/api":"DescribeEventAggregates","action/awsApiCallAction/remoteIpDetails/ipAddressV4":"199.167.52.5","action/awsApiCallAction/remoteIpDetails/organization/asnOrg":"PAN0001"},
			"Resources":[{"Type":"AwsIamAccessKey","Id":"AWS::IAM::AccessKey:ASIASBP34UWCXYDP5SM5","Details":{"AwsIamAccessKey":{"UserName":"Root"}}}]}`, func(t *testing.T, a investigate.Alert) {
			if a.RuleID != "Recon:IAMUser/MaliciousIPCaller.Custom" || a.Action != "DescribeEventAggregates" || a.SourceIP != "199.167.52.5" ||
				a.ASOrg != "PAN0001" || a.AccessKeyID != "ASIASBP34UWCXYDP5SM5" || a.UserName != "Root" || a.Time.IsZero() {
				t.Errorf("got %+v", a)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := FromASFF(decode(t, tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, a)
		})
	}
	t.Run("not a finding", func(t *testing.T) {
		_, err := FromASFF(decode(t, `{"Title":"no id"}`))
		var na *NotAlertError
		if !errors.As(err, &na) || !strings.Contains(err.Error(), "Id, GeneratorId, Types") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestAccessKeyFromResourceID(t *testing.T) {
	for in, want := range map[string]string{
		"AWS::IAM::AccessKey:AKIA4XQJ7ZK3PEXAMPLE":        testKey,
		"aws::iam::accesskey:AKIA4XQJ7ZK3PEXAMPLE":        testKey,
		"AWS::IAM::AccessKey:GeneratedFindingAccessKeyId": "GeneratedFindingAccessKeyId", // GuardDuty sample findings: kept, the correlator flags it
		"AKIA4XQJ7ZK3PEXAMPLE":                            testKey,
		"arn:aws:iam::1:accesskey/AKIA4XQJ7ZK3PEXAMPLE":   testKey,
		"arn:aws:iam::210987654321:user/deploy-bot":       "",
		"":                     "",
		"AWS::IAM::AccessKey:": "",
		"AWS::IAM::AccessKey":  "",
		"  AWS::IAM::AccessKey: AKIA4XQJ7ZK3PEXAMPLE   ":   testKey,
		"AWS::IAM::AccessKey:ASIASBP34UWCXYDP5SM5":         "ASIASBP34UWCXYDP5SM5",
		"AWS::IAM::AccessKey:akia4xqj7zk3pexample":         "akia4xqj7zk3pexample",
		"AWS::IAM::AccessKey:AKIA4XQJ7ZK3PEXAMPLE/garbage": "AKIA4XQJ7ZK3PEXAMPLE/garbage",
	} {
		if got := accessKeyFromResourceID(in); got != want {
			t.Errorf("accessKeyFromResourceID(%q) = %q, want %q", in, got, want)
		}
	}
}
