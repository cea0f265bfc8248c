package investigate

import (
	"slices"
	"strings"
	"testing"
)

// Each Kibana operation is spelt as the request it makes, long texts and lists
// shortened; the space is a path prefix (none for the default space), never a body
// member, and neither is the report part's number.
func TestKibanaCallTextOfEachOperation(t *testing.T) {
	long := strings.Repeat("é", 61)
	for _, tc := range []struct {
		call APICall
		want string
	}{
		{APICall{Service: KibanaService, Operation: OpSetAlertStatus, Params: map[string]any{"space": "soc", "status": "closed", "reason": "false_positive", "signal_ids": []string{"a", "b", "c"}}},
			`POST /s/soc/api/detection_engine/signals/status {"reason":"false_positive","signal_ids":"<3 alert ids>","status":"closed"}`},
		{APICall{Service: KibanaService, Operation: OpSetAlertStatus, Params: map[string]any{"space": "default", "status": "open", "signal_ids": []any{"a"}}},
			`POST /api/detection_engine/signals/status {"signal_ids":"<1 alert id>","status":"open"}`},
		{APICall{Service: KibanaService, Operation: OpCreateCase, Params: map[string]any{"space": "default", "owner": KibanaCaseOwner, "title": "AWS access key <AKIA>", "description": long, "tags": []string{"keypivot"}, "severity": "high", "sync_alerts": true}},
			`POST /api/cases {"connector":{"fields":null,"id":"none","name":"none","type":".none"},"description":"<61 characters>","owner":"securitySolution","settings":{"syncAlerts":true},"severity":"high","tags":["keypivot"],"title":"AWS access key <AKIA>"}`},
		{APICall{Service: KibanaService, Operation: OpAddCaseComment, Params: map[string]any{"space": "soc", "comment": "part 2 of the report", "part": 2}},
			`POST /s/soc/api/cases/{case}/comments {"comment":"part 2 of the report","owner":"securitySolution","type":"user"}`},
		{APICall{Service: KibanaService, Operation: OpAttachAlerts, Params: map[string]any{"space": "soc", "alerts": []AlertRef{{ID: "a"}, {ID: "b"}}}},
			`POST /s/soc/api/cases/{case}/comments {"alerts":"<2 alerts, one comment per rule>","owner":"securitySolution","type":"alert"}`},
		{APICall{Service: "iam", Operation: "UpdateAccessKey", Params: map[string]any{"status": "Inactive"}},
			`iam UpdateAccessKey`},
	} {
		if got := KibanaCallText(tc.call); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.call.Operation, got, tc.want)
		}
	}
}

// Spelling a call shortens a copy: the call itself keeps its ids and texts, to run.
func TestKibanaCallTextLeavesTheCallAlone(t *testing.T) {
	c := APICall{Service: KibanaService, Operation: OpCreateCase, Params: map[string]any{"space": "soc", "description": strings.Repeat("x", 100), "sync_alerts": false}}
	s := APICall{Service: KibanaService, Operation: OpSetAlertStatus, Params: map[string]any{"space": "soc", "status": "closed", "signal_ids": []string{"a", "b"}}}
	KibanaCallText(c)
	KibanaCallText(s)
	if len(c.Param("description")) != 100 || c.Params["settings"] != nil || c.Params["sync_alerts"] != false || c.Param("space") != "soc" {
		t.Errorf("create case call changed: %v", c.Params)
	}
	if !slices.Equal(s.ParamList("signal_ids"), []string{"a", "b"}) {
		t.Errorf("status call changed: %v", s.Params)
	}
}

// The request of each operation: its method and path, {case} standing for the case's
// id; an operation that is not Kibana's has none.
func TestKibanaRequestPaths(t *testing.T) {
	for op, want := range map[string]string{
		OpSetAlertStatus: "/s/ops/api/detection_engine/signals/status",
		OpCreateCase:     "/s/ops/api/cases",
		OpAddCaseComment: "/s/ops/api/cases/{case}/comments",
		OpAttachAlerts:   "/s/ops/api/cases/{case}/comments",
	} {
		method, path, body := KibanaRequest(APICall{Service: KibanaService, Operation: op, Params: map[string]any{"space": "ops", "part": 1}})
		if method != "POST" || path != want {
			t.Errorf("%s: %s %s, want POST %s", op, method, path, want)
		}
		if _, ok := body["space"]; ok {
			t.Errorf("%s: the space is in the body", op)
		}
		if _, ok := body["part"]; ok {
			t.Errorf("%s: the part number is in the body", op)
		}
	}
	if method, path, body := KibanaRequest(APICall{Service: "ec2", Operation: "StopInstances"}); method != "" || path != "" || body != nil {
		t.Errorf("not Kibana's: %q %q %v", method, path, body)
	}
}
