package elastic

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

// requestCase is a case with Elastic alerts to write back.
func requestCase() *investigate.Case {
	idx := ".internal.alerts-security.alerts-default-000001"
	return &investigate.Case{
		Key:   investigate.MustParseAccessKeyID("AKIAIOSFODNN7EXAMPLE"),
		Owner: investigate.Owner{User: "alice", Account: "111122223333"},
		Siblings: []investigate.Sibling{
			{AlertID: "fs-1", RuleName: "AWS IAM Long-Term Access Key First Seen from Source IP", Provider: investigate.ProviderElastic, Status: "open", Index: idx, Severity: investigate.SeverityMedium, Eligible: true, FirstSeen: true},
			{AlertID: "sib-open", RuleName: "AWS CloudTrail Log Suspended", Provider: investigate.ProviderElastic, Status: "open", Index: idx, Severity: investigate.SeverityHigh, Eligible: true},
		},
	}
}

// Each Kibana operation of the domain is the request Kibana's API documents: the space
// prefix, the path, the body.
func TestKibanaRequestsAreKibanasAPI(t *testing.T) {
	c := requestCase()
	a, err := investigate.PlanAlertStatus(c, investigate.KibanaTarget{URL: "https://kb", Space: "soc"}, "acknowledged", "")
	if err != nil {
		t.Fatal(err)
	}
	method, path, body := KibanaRequest(a.Calls[0])
	if method != "POST" || path != "/s/soc/api/detection_engine/signals/status" || body["status"] != "acknowledged" || body["reason"] != nil {
		t.Errorf("%s %s %v", method, path, body)
	}
	closed, err := investigate.PlanAlertStatus(c, investigate.KibanaTarget{}, "closed", "false_positive")
	if err != nil {
		t.Fatal(err)
	}
	if _, path, _ := KibanaRequest(closed.Calls[0]); path != "/api/detection_engine/signals/status" {
		t.Errorf("the default space has no prefix: %s", path)
	}

	kc, err := investigate.PlanKibanaCase(c, investigate.KibanaTarget{URL: "https://kb", Space: "soc"}, "# report\n", investigate.KibanaCaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	method, path, body = KibanaRequest(kc.Calls[0])
	settings, _ := body["settings"].(map[string]any)
	if method != "POST" || path != "/s/soc/api/cases" || settings["syncAlerts"] != false || body["connector"] == nil {
		t.Errorf("%s %s %v", method, path, body)
	}
	if s := CallString(kc.Calls[0]); !strings.HasPrefix(s, "POST /s/soc/api/cases ") {
		t.Errorf("call string %q", s)
	}
	// The action survives the journal (JSON) and still renders the same request.
	b, _ := json.Marshal(kc)
	var back investigate.Action
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if _, p2, body2 := KibanaRequest(back.Calls[1]); p2 != "/s/soc/api/cases/{case}/comments" || body2["type"] != "alert" {
		t.Errorf("after JSON: %s %v", p2, body2)
	}
}
