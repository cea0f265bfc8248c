package alertdoc

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// problemStrings renders field problems for comparison.
func problemStrings(ps []FieldProblem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// fieldCase is one field-type case: fields (added to a base document, replacing its
// keys) map with problems, and check holds of the alert.
type fieldCase struct {
	name     string
	fields   string
	problems []string
	check    func(a investigate.Alert) bool
}

// runFieldCases maps base plus each case's fields with mapper and checks the problems
// and the alert; also, when set, runs after(t, doc, alert).
func runFieldCases(t *testing.T, base string, mapper func(map[string]any) (investigate.Alert, []FieldProblem, error), cases []fieldCase, after func(t *testing.T, doc map[string]any, a investigate.Alert)) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			doc := decode(t, "{"+base+"}")
			for k, v := range decode(t, "{"+tt.fields+"}") {
				doc[k] = v
			}
			a, bad, err := mapper(doc)
			if err != nil {
				t.Fatal(err)
			}
			if got := problemStrings(bad); !slices.Equal(got, tt.problems) {
				t.Errorf("problems = %q\nwant       %q", got, tt.problems)
			}
			if !tt.check(a) {
				t.Errorf("alert = %+v", a)
			}
			if after != nil {
				after(t, doc, a)
			}
		})
	}
}

const fieldsBase = `"kibana.alert.rule.name":"R","kibana.alert.uuid":"u","@timestamp":"2026-03-02T09:14:47.361Z"`

// Every field MapElastic reads is type-checked: what Elasticsearch coerces is read as it
// reads it, the rest is a problem naming the field, and the field is left unset.
func TestMapElasticFieldTypes(t *testing.T) {
	ts := mustTime(t, "2026-03-02T09:14:47.361Z")
	tests := []fieldCase{
		{"numeric string risk score coerces, as with Elasticsearch's coerce: true", `"kibana.alert.risk_score":" 73.5 "`, nil,
			func(a investigate.Alert) bool { return a.RiskScore == 73.5 }},
		{"risk score in a one-value array (fields API)", `"kibana.alert.risk_score":[47]`, nil,
			func(a investigate.Alert) bool { return a.RiskScore == 47 }},
		{"risk score high", `"kibana.alert.risk_score":"high"`, []string{`kibana.alert.risk_score: "high" is not a number`},
			func(a investigate.Alert) bool { return a.RiskScore == 0 }},
		{"risk score object", `"kibana.alert.risk_score":{"value":73}`, []string{`kibana.alert.risk_score: an object is not a number`},
			func(a investigate.Alert) bool { return a.RiskScore == 0 }},
		{"risk score of several values", `"kibana.alert.risk_score":[47,73]`, []string{`kibana.alert.risk_score: an array of 2 values is not a number (one value)`},
			func(a investigate.Alert) bool { return a.RiskScore == 0 }},
		{"risk score boolean", `"kibana.alert.risk_score":true`, []string{`kibana.alert.risk_score: true is not a number`},
			func(a investigate.Alert) bool { return a.RiskScore == 0 }},
		{"risk score NaN string", `"kibana.alert.risk_score":"NaN"`, []string{`kibana.alert.risk_score: "NaN" is not a number`},
			func(a investigate.Alert) bool { return a.RiskScore == 0 }},
		{"legacy risk score stands in for a bad one", `"kibana.alert.risk_score":"high","signal":{"rule":{"risk_score":21}}`, []string{`kibana.alert.risk_score: "high" is not a number`},
			func(a investigate.Alert) bool { return a.RiskScore == 21 }},
		{"unknown severity", `"kibana.alert.severity":"severe"`, []string{`kibana.alert.severity: "severe" is not a severity (low, medium, high or critical)`},
			func(a investigate.Alert) bool { return a.Severity == investigate.SeverityUnknown }},
		{"severity as a number", `"kibana.alert.severity":3`, []string{`kibana.alert.severity: "3" is not a severity (low, medium, high or critical)`},
			func(a investigate.Alert) bool { return a.Severity == investigate.SeverityUnknown }},
		{"severity object", `"kibana.alert.severity":{"x":"high"}`, []string{`kibana.alert.severity: an object is not a string`},
			func(a investigate.Alert) bool { return a.Severity == investigate.SeverityUnknown }},
		{"workflow status unknown", `"kibana.alert.workflow_status":"reopened"`, []string{`kibana.alert.workflow_status: "reopened" is not a workflow status (open, acknowledged or closed)`},
			func(a investigate.Alert) bool { return a.Status == "" }},
		{"workflow status object", `"kibana.alert.workflow_status":{"s":"open"}`, []string{`kibana.alert.workflow_status: an object is not a string`},
			func(a investigate.Alert) bool { return a.Status == "" }},
		{"legacy in-progress is acknowledged", `"kibana.alert.workflow_status":"in-progress"`, nil,
			func(a investigate.Alert) bool { return a.Status == investigate.WorkflowAcknowledged }},
		{"source.ip not an address", `"source.ip":"evil.example"`, []string{`source.ip: "evil.example" is not an IP address`},
			func(a investigate.Alert) bool { return a.SourceIP == "" }},
		{"source.ip of several addresses on an ordinary alert", `"source":{"ip":["1.1.1.1","2.2.2.2"]}`, []string{`source.ip: an array of 2 values is not an IP address (one value)`},
			func(a investigate.Alert) bool { return a.SourceIP == "" }},
		{"source.ip number", `"source.ip":42`, []string{`source.ip: 42 is not an IP address`},
			func(a investigate.Alert) bool { return a.SourceIP == "" }},
		{"IPv6 source", `"source.ip":"2001:db8::1"`, nil,
			func(a investigate.Alert) bool { return a.SourceIP == "2001:db8::1" }},
		{"access key object", `"aws":{"cloudtrail":{"user_identity":{"access_key_id":{"id":"AKIA4XQJ7ZK3PEXAMPLE"}}}}`,
			[]string{`aws.cloudtrail.user_identity.access_key_id: an object is not a string`},
			func(a investigate.Alert) bool { return a.AccessKeyID == "" }},
		{"access key of two keys", `"aws.cloudtrail.user_identity.access_key_id":["AKIA4XQJ7ZK3PEXAMPLE","AKIA4XQJ7ZK3POTHER00"]`,
			[]string{`aws.cloudtrail.user_identity.access_key_id: an array of 2 values is not a string (one value)`},
			func(a investigate.Alert) bool { return a.AccessKeyID == "" }},
		{"access key with stray spaces", `"aws.cloudtrail.user_identity.access_key_id":" AKIA4XQJ7ZK3PEXAMPLE "`, nil,
			func(a investigate.Alert) bool { return a.AccessKeyID == testKey }},
		{"rule name object: still an alert, without the name", `"kibana.alert.rule.name":{"en":"R"},"kibana.alert.rule.rule_id":"r1"`,
			[]string{`kibana.alert.rule.name: an object is not a string`},
			func(a investigate.Alert) bool { return a.RuleName == "" && a.RuleID == "r1" }},
		{"rule id as a number is a keyword", `"kibana.alert.rule.rule_id":1234`, nil,
			func(a investigate.Alert) bool { return a.RuleID == "1234" }},
		{"tags with an object among them", `"kibana.alert.rule.tags":["a",{"b":1},"c"]`, []string{`kibana.alert.rule.tags: an object is not a string`},
			func(a investigate.Alert) bool { return slices.Equal(a.Tags, []string{"a", "c"}) }},
		{"user name as a number is a keyword", `"user.name":42`, nil,
			func(a investigate.Alert) bool { return a.UserName == "42" }},
		{"account object", `"cloud":{"account":{"id":{"x":1}}}`, []string{`cloud.account.id: an object is not a string`},
			func(a investigate.Alert) bool { return a.Account == "" }},
		{"alert id object falls back to the hit id", `"kibana.alert.uuid":{"x":1}`, []string{`kibana.alert.uuid: an object is not a string`},
			func(a investigate.Alert) bool { return a.ID == "hit-id" }},
		{"a value quoted in a problem is escaped and cut short", `"kibana.alert.severity":"\u001b[31m` + strings.Repeat("x", 60) + `"`,
			[]string{`kibana.alert.severity: "\x1b[31m` + strings.Repeat("x", 35) + `"... (65 bytes) is not a severity (low, medium, high or critical)`},
			func(a investigate.Alert) bool { return a.Severity == investigate.SeverityUnknown }},
		// Times: a number or numeric string is epoch milliseconds (strict_date_optional_time||epoch_millis).
		{"epoch milliseconds", `"@timestamp":1772442887361`, nil,
			func(a investigate.Alert) bool { return a.Time.Equal(ts) }},
		{"epoch milliseconds as a string", `"@timestamp":"1772442887361"`, nil,
			func(a investigate.Alert) bool { return a.Time.Equal(ts) }},
		{"fractional epoch milliseconds", `"@timestamp":1772442887361.5`, nil,
			func(a investigate.Alert) bool { return a.Time.Equal(ts.Add(500 * time.Microsecond)) }},
		{"date without a zone is UTC", `"@timestamp":"2026-03-02T09:14:47.361"`, nil,
			func(a investigate.Alert) bool { return a.Time.Equal(ts) }},
		{"date alone", `"@timestamp":"2026-03-02"`, nil,
			func(a investigate.Alert) bool { return a.Time.Equal(mustTime(t, "2026-03-02T00:00:00Z")) }},
		{"offset zone", `"@timestamp":"2026-03-02T10:14:47.361+01:00"`, nil,
			func(a investigate.Alert) bool { return a.Time.Equal(ts) }},
		{"bad @timestamp, good original time: kept at the original time", `"@timestamp":"yesterday","kibana.alert.original_time":"2026-03-02T09:09:12Z"`,
			[]string{`@timestamp: "yesterday" is not a date`},
			func(a investigate.Alert) bool { return a.Time.Equal(mustTime(t, "2026-03-02T09:09:12Z")) }},
		{"no time field at all: kept without a time", `"@timestamp":null`, nil,
			func(a investigate.Alert) bool { return a.Time.IsZero() }},
	}
	mapper := func(doc map[string]any) (investigate.Alert, []FieldProblem, error) {
		return MapElastic(doc, "hit-id", "ix")
	}
	runFieldCases(t, fieldsBase, mapper, tests, func(t *testing.T, doc map[string]any, a investigate.Alert) {
		// FromElastic maps the same alert.
		b, err := FromElastic(doc, "hit-id", "ix")
		if err != nil || b.ID != a.ID || !b.Time.Equal(a.Time) || b.RiskScore != a.RiskScore {
			t.Errorf("FromElastic = %+v, %v", b, err)
		}
	})
}

// An alert whose time is present but unusable cannot be placed: it is dropped, with
// every field that failed named.
func TestMapElasticDropsWithoutUsableTime(t *testing.T) {
	tests := []struct {
		name, fields string
		problems     []string
	}{
		{"not a date", `"@timestamp":"yesterday"`, []string{`@timestamp: "yesterday" is not a date`}},
		{"an object", `"@timestamp":{"t":1}`, []string{`@timestamp: an object is not a date`}},
		{"epoch seconds read as Elasticsearch reads a number", `"@timestamp":1772442887`, []string{
			`@timestamp: 1772442887 is not a plausible alert time: as epoch milliseconds, which Elasticsearch reads a number as, it is 1970-01-21T12:20:42.887Z (epoch seconds?)`}},
		{"both times bad", `"@timestamp":"soon","kibana.alert.original_time":true`, []string{
			`@timestamp: "soon" is not a date`, `kibana.alert.original_time: true is not a date`}},
		{"out of range", `"@timestamp":1e300`, []string{`@timestamp: 1e+300 is not a date`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := decode(t, "{"+fieldsBase+"}")
			for k, v := range decode(t, "{"+tt.fields+"}") {
				doc[k] = v
			}
			a, bad, err := MapElastic(doc, "", "")
			var ue *UnusableError
			if !errors.As(err, &ue) || ue.Reason != "no usable time" {
				t.Fatalf("err = %v, alert %+v", err, a)
			}
			if got := problemStrings(ue.Problems); !slices.Equal(got, tt.problems) {
				t.Errorf("problems = %q\nwant       %q", got, tt.problems)
			}
			if !slices.Equal(problemStrings(bad), problemStrings(ue.Problems)) {
				t.Errorf("returned problems %q differ from the error's", problemStrings(bad))
			}
			if !strings.HasPrefix(err.Error(), "Elastic alert dropped, no usable time: @timestamp: ") {
				t.Errorf("err = %v", err)
			}
			if _, err := FromElastic(doc, "", ""); !errors.As(err, &ue) {
				t.Errorf("FromElastic kept it: %v", err)
			}
		})
	}
}

func TestMapGuardDutyFieldTypes(t *testing.T) {
	base := `"Id":"f1","Type":"Recon:IAMUser/UserPermissions","UpdatedAt":"2026-03-02T09:16:03Z","Service":{"EventLastSeen":"2026-03-02T09:15:40Z"}`
	tests := []fieldCase{
		{"severity as a numeric string", `"Severity":"8"`, nil,
			func(a investigate.Alert) bool { return a.Severity == investigate.SeverityHigh && a.RiskScore == 80 }},
		{"severity high", `"Severity":"high"`, []string{`Severity: "high" is not a number`},
			func(a investigate.Alert) bool { return a.Severity == investigate.SeverityUnknown && a.RiskScore == 0 }},
		{"archived yes", `"Service":{"Archived":"yes","EventLastSeen":"2026-03-02T09:15:40Z"}`, []string{`Service.Archived: "yes" is not true or false`},
			func(a investigate.Alert) bool { return a.Status == investigate.WorkflowOpen }},
		{"bad last seen, UpdatedAt stands in", `"Service":{"EventLastSeen":"later"}`, []string{`Service.EventLastSeen: "later" is not a date`},
			func(a investigate.Alert) bool { return a.Time.Equal(mustTime(t, "2026-03-02T09:16:03Z")) }},
		{"key id object", `"Resource":{"AccessKeyDetails":{"AccessKeyId":{"k":"AKIA4XQJ7ZK3PEXAMPLE"}}}`, []string{`Resource.AccessKeyDetails.AccessKeyId: an object is not a string`},
			func(a investigate.Alert) bool { return a.AccessKeyID == "" }},
		{"caller address that is none", `"Service":{"EventLastSeen":"2026-03-02T09:15:40Z","Action":{"AwsApiCallAction":{"Api":"ListUsers","RemoteIpDetails":{"IpAddressV4":"999.1.1.1"}}}}`,
			[]string{`Service.Action.AwsApiCallAction.RemoteIpDetails.IpAddressV4: "999.1.1.1" is not an IP address`},
			func(a investigate.Alert) bool { return a.SourceIP == "" && a.Action == "ListUsers" }},
		{"port probe details, second element's address bad", `"Service":{"EventLastSeen":"2026-03-02T09:15:40Z","Action":{"PortProbeAction":{"PortProbeDetails":[{"RemoteIpDetails":{"IpAddressV4":"x"}},{"RemoteIpDetails":{"IpAddressV4":"198.51.100.23"}}]}}}`,
			[]string{`Service.Action.PortProbeAction.PortProbeDetails.RemoteIpDetails[0].IpAddressV4: "x" is not an IP address`},
			func(a investigate.Alert) bool { return a.SourceIP == "198.51.100.23" }},
		{"user agent in AdditionalInfo.Value that is no JSON", `"Service":{"EventLastSeen":"2026-03-02T09:15:40Z","AdditionalInfo":{"Value":"{broken"}}`,
			[]string{`Service.AdditionalInfo.Value: "{broken" is not a JSON object`},
			func(a investigate.Alert) bool { return a.UserAgent == "" }},
	}
	runFieldCases(t, base, MapGuardDuty, tests, nil)
	t.Run("an Id that is an object drops the finding", func(t *testing.T) {
		_, _, err := MapGuardDuty(decode(t, `{"Id":{"x":1},"Type":"T","Service":{}}`))
		var ue *UnusableError
		if !errors.As(err, &ue) || err.Error() != "GuardDuty finding dropped, no usable id or type: Id: an object is not a string" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no usable time drops the finding", func(t *testing.T) {
		_, _, err := MapGuardDuty(decode(t, `{"Id":"f","Type":"T","Service":{"EventLastSeen":"x"},"CreatedAt":[1,2]}`))
		var ue *UnusableError
		if !errors.As(err, &ue) || len(ue.Problems) != 2 || ue.Reason != "no usable time" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("EventBridge detail fields are named as the finding's", func(t *testing.T) {
		_, bad, err := MapGuardDuty(decode(t, `{"detail-type":"GuardDuty Finding","source":"aws.guardduty","detail":{"id":"f","type":"T","severity":"x","service":{}}}`))
		if err != nil || !slices.Equal(problemStrings(bad), []string{`detail.Severity: "x" is not a number`}) {
			t.Errorf("problems %q, err %v", problemStrings(bad), err)
		}
	})
}

func TestMapASFFFieldTypes(t *testing.T) {
	base := `"SchemaVersion":"2018-10-08","Id":"f","ProductArn":"arn:aws:securityhub:us-east-1:210987654321:product/210987654321/default","GeneratorId":"g","AwsAccountId":"210987654321","UpdatedAt":"2026-03-02T09:16:03Z"`
	tests := []fieldCase{
		{"normalized as a numeric string", `"Severity":{"Normalized":"72"}`, nil,
			func(a investigate.Alert) bool { return a.Severity == investigate.SeverityHigh && a.RiskScore == 72 }},
		{"unknown label: the normalized score stands in", `"Severity":{"Label":"SEVERE","Normalized":40}`,
			[]string{`Severity.Label: "SEVERE" is not a severity label (INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL)`},
			func(a investigate.Alert) bool { return a.Severity == investigate.SeverityMedium }},
		{"normalized object", `"Severity":{"Normalized":{"v":1}}`, []string{`Severity.Normalized: an object is not a number`},
			func(a investigate.Alert) bool { return a.Severity == investigate.SeverityUnknown && a.RiskScore == 0 }},
		{"unknown workflow status counts as open", `"Workflow":{"Status":"BOGUS"}`,
			[]string{`Workflow.Status: "BOGUS" is not a workflow status (NEW, NOTIFIED, RESOLVED or SUPPRESSED)`},
			func(a investigate.Alert) bool { return a.Status == investigate.WorkflowOpen }},
		{"unknown record state", `"RecordState":"GONE"`, []string{`RecordState: "GONE" is not a record state (ACTIVE or ARCHIVED)`},
			func(a investigate.Alert) bool { return a.Status == investigate.WorkflowOpen }},
		{"bad UpdatedAt, CreatedAt stands in", `"UpdatedAt":"never","CreatedAt":"2026-03-01T06:13:58.417Z"`, []string{`UpdatedAt: "never" is not a date`},
			func(a investigate.Alert) bool { return a.Time.Equal(mustTime(t, "2026-03-01T06:13:58.417Z")) }},
		{"resource id object, named by its index", `"Resources":[{"Type":"AwsIamUser","Id":"arn:aws:iam::1:user/u"},{"Type":"AwsIamAccessKey","Id":{"k":1},"Details":{"AwsIamAccessKey":{"AccessKeyId":"AKIA4XQJ7ZK3PEXAMPLE"}}}]`,
			[]string{`Resources[1].Id: an object is not a string`},
			func(a investigate.Alert) bool {
				return a.AccessKeyID == testKey && a.UserARN == "arn:aws:iam::1:user/u"
			}},
		{"network source address that is none", `"Network":{"SourceIpV4":"1.2.3"}`, []string{`Network.SourceIpV4: "1.2.3" is not an IP address`},
			func(a investigate.Alert) bool { return a.SourceIP == "" }},
		{"product field that is an object", `"ProductFields":{"action/awsApiCallAction/api":{"x":1}}`, []string{`ProductFields.action/awsApiCallAction/api: an object is not a string`},
			func(a investigate.Alert) bool { return a.Action == "" }},
	}
	runFieldCases(t, base, MapASFF, tests, nil)
	t.Run("no usable id drops the finding", func(t *testing.T) {
		_, _, err := MapASFF(decode(t, `{"Id":["a","b"],"GeneratorId":"g","ProductArn":"p"}`))
		var ue *UnusableError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "Id: an array of 2 values is not a string (one value)") {
			t.Errorf("err = %v", err)
		}
	})
}

// Field problems reach the report named by file and line, or record index inside a
// one-line array or _search response; kept alerts load, dropped ones do not.
func TestParseReportsFieldProblems(t *testing.T) {
	good := func(id string) string {
		return `{"kibana.alert.rule.name":"R","kibana.alert.uuid":"` + id + `","@timestamp":"2026-03-02T09:14:47.361Z"}`
	}
	risky := `{"kibana.alert.rule.name":"R","kibana.alert.uuid":"risky","@timestamp":"2026-03-02T09:20:00Z","kibana.alert.risk_score":"high"}`
	timeless := `{"kibana.alert.rule.name":"R","kibana.alert.uuid":"timeless","@timestamp":"2026-13-45"}`
	const kept = `kibana.alert.risk_score: "high" is not a number: ignored, the alert is kept without it`
	const dropped = `Elastic alert dropped, no usable time: @timestamp: "2026-13-45" is not a date`
	tests := []struct {
		name, data     string
		keptAt, dropAt string
	}{
		{"NDJSON", good("a") + "\n" + risky + "\n" + timeless + "\n", "f:2", "f:3"},
		{"one-line array", "[" + good("a") + "," + risky + "," + timeless + "]", "f#record 2", "f#record 3"},
		{"one-line array and a newline", "[" + good("a") + "," + risky + "," + timeless + "]\n", "f#record 2", "f#record 3"},
		{"one-line _search response and a newline (read as NDJSON)", `{"hits":{"hits":[{"_id":"a","_source":` + good("a") + `},{"_id":"r","_source":` + risky + `},{"_id":"t","_source":` + timeless + "}]}}\n", "f:1#record 2", "f:1#record 3"},
		{"_search response", `{"took":1,"hits":{"total":{"value":3},"hits":[{"_id":"a","_source":` + good("a") + `},{"_id":"r","_source":` + risky + `},{"_id":"t","_source":` + timeless + "}]}}", "f#record 2", "f#record 3"},
		{"ES|QL response", `{"columns":[{"name":"kibana.alert.rule.name","type":"keyword"},{"name":"_id","type":"keyword"},{"name":"@timestamp","type":"date"},{"name":"kibana.alert.risk_score","type":"keyword"}],
			"values":[["R","a","2026-03-02T09:14:47.361Z",null],["R","risky","2026-03-02T09:20:00Z","high"],["R","timeless","2026-13-45",null]]}`, "f#record 2", "f#record 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseBytes(t, "f", []byte(tt.data), investigate.AlertQuery{})
			got.wantIDs(t, "a", "risky")
			hasProblem(t, got.rep, tt.keptAt, kept)
			hasProblem(t, got.rep, tt.dropAt, dropped)
			if len(got.rep.Problems) != 2 || got.rep.Records != 2 {
				t.Errorf("records %d, problems %+v", got.rep.Records, got.rep.Problems)
			}
		})
	}
	t.Run("past the cap, the count names the fields", func(t *testing.T) {
		var b strings.Builder
		for i := 0; i < MaxProblemsPerFile+7; i++ {
			fmt.Fprintf(&b, `{"kibana.alert.rule.name":"R","kibana.alert.uuid":"%d","kibana.alert.risk_score":"high","source.ip":"nowhere"}`+"\n", i)
		}
		got := parseBytes(t, "c.ndjson", []byte(b.String()), investigate.AlertQuery{})
		if len(got.alerts) != MaxProblemsPerFile+7 {
			t.Errorf("%d alerts", len(got.alerts))
		}
		n := 2*(MaxProblemsPerFile+7) - MaxProblemsPerFile
		hasProblem(t, got.rep, "c.ndjson", fmt.Sprintf("%d more problems in this file (fields ignored: kibana.alert.risk_score: %d, source.ip: %d)", n, n/2, n/2+1))
	})
}

// Span covers the time of every alert read, matched or not.
func TestParseSpan(t *testing.T) {
	docs := alertDocs(t) // 09:14:47.361 (first-seen), 09:21:05.902 (sibling), 09:25:00.117 (higher-order)
	other := fixture(t, "alert-sibling.json")
	other["kibana.alert.uuid"] = "other"
	other["@timestamp"] = "2026-03-01T00:00:00Z"
	other["aws"] = map[string]any{"cloudtrail": map[string]any{"user_identity": map[string]any{"access_key_id": "AKIAOTHERKEY00000000"}}}
	q := investigate.AlertQuery{
		AccessKeys: investigate.KeyIDs(testKey),
		Window:     investigate.Window{Since: mustTime(t, "2026-03-02T09:00:00Z"), Until: mustTime(t, "2026-03-02T09:22:00Z")},
	}
	got := parseBytes(t, "f", ndjson(t, docs[0], docs[1], docs[2], other), q)
	want := investigate.Window{Since: mustTime(t, "2026-03-01T00:00:00Z"), Until: mustTime(t, "2026-03-02T09:25:00.117Z")}
	if !got.rep.Span.Since.Equal(want.Since) || !got.rep.Span.Until.Equal(want.Until) {
		t.Errorf("Span = %v – %v, want %v – %v", got.rep.Span.Since, got.rep.Span.Until, want.Since, want.Until)
	}
	if got.rep.Records != 4 || got.rep.Matched != 2 {
		t.Errorf("Records %d, Matched %d", got.rep.Records, got.rep.Matched)
	}
}
