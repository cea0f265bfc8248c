package investigate

import (
	"encoding/json"
	"strings"
	"testing"
)

// kibanaRequestCase is a case with Elastic alerts to write back.
func kibanaRequestCase() *Case {
	idx := ".internal.alerts-security.alerts-default-000001"
	return &Case{
		Key:   MustParseAccessKeyID("AKIAIOSFODNN7EXAMPLE"),
		Owner: Owner{User: "alice", Account: "111122223333"},
		Siblings: []Sibling{
			{AlertID: "fs-1", RuleName: "AWS IAM Long-Term Access Key First Seen from Source IP", Provider: ProviderElastic, Status: "open", Index: idx, Severity: SeverityMedium, Eligible: true, FirstSeen: true},
			{AlertID: "sib-open", RuleName: "AWS CloudTrail Log Suspended", Provider: ProviderElastic, Status: "open", Index: idx, Severity: SeverityHigh, Eligible: true},
		},
	}
}

// Each Kibana operation a planner makes is the request Kibana's API documents: the
// space prefix, the path, the body.
func TestKibanaRequestsAreKibanasAPI(t *testing.T) {
	c := kibanaRequestCase()
	a, err := PlanAlertStatus(c, KibanaTarget{URL: "https://kb", Space: "soc"}, "acknowledged", "")
	if err != nil {
		t.Fatal(err)
	}
	method, path, body := KibanaRequest(a.Calls[0])
	if method != "POST" || path != "/s/soc/api/detection_engine/signals/status" || body["status"] != "acknowledged" || body["reason"] != nil {
		t.Errorf("%s %s %v", method, path, body)
	}
	closed, err := PlanAlertStatus(c, KibanaTarget{}, "closed", "false_positive")
	if err != nil {
		t.Fatal(err)
	}
	if _, path, _ := KibanaRequest(closed.Calls[0]); path != "/api/detection_engine/signals/status" {
		t.Errorf("the default space has no prefix: %s", path)
	}

	kc, err := PlanKibanaCase(c, KibanaTarget{URL: "https://kb", Space: "soc"}, "# report\n", KibanaCaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	method, path, body = KibanaRequest(kc.Calls[0])
	settings, _ := body["settings"].(map[string]any)
	if method != "POST" || path != "/s/soc/api/cases" || settings["syncAlerts"] != false || body["connector"] == nil {
		t.Errorf("%s %s %v", method, path, body)
	}
	if s := KibanaCallText(kc.Calls[0]); !strings.HasPrefix(s, "POST /s/soc/api/cases ") {
		t.Errorf("call string %q", s)
	}
	// The action survives the journal (JSON) and still renders the same request.
	b, _ := json.Marshal(kc)
	var back Action
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if _, p2, body2 := KibanaRequest(back.Calls[1]); p2 != "/s/soc/api/cases/{case}/comments" || body2["type"] != "alert" {
		t.Errorf("after JSON: %s %v", p2, body2)
	}
}
