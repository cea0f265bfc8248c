package elastic

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// KibanaRequest is the HTTP request a Kibana call makes: method, path (space prefix
// included; {case} stands for the case's id) and body.
func KibanaRequest(c investigate.APICall) (method, path string, body map[string]any) {
	space, _ := c.Params["space"].(string)
	prefix := ""
	if space != "" && space != "default" {
		prefix = "/s/" + space
	}
	body = map[string]any{}
	for k, v := range c.Params {
		if k != "space" && k != "part" {
			body[k] = v
		}
	}
	switch c.Operation {
	case investigate.OpSetAlertStatus:
		return "POST", prefix + "/api/detection_engine/signals/status", body
	case investigate.OpCreateCase:
		delete(body, "sync_alerts")
		body["settings"] = map[string]any{"syncAlerts": c.Params["sync_alerts"]}
		body["connector"] = map[string]any{"id": "none", "name": "none", "type": ".none", "fields": nil}
		return "POST", prefix + "/api/cases", body
	case investigate.OpAddCaseComment:
		body["type"], body["owner"] = "user", investigate.KibanaCaseOwner
		return "POST", prefix + "/api/cases/{case}/comments", body
	case investigate.OpAttachAlerts:
		return "POST", prefix + "/api/cases/{case}/comments", map[string]any{"type": "alert", "owner": investigate.KibanaCaseOwner, "alerts": c.Params["alerts"]}
	}
	return "", "", nil
}

// CallString renders a Kibana call for the analyst, long texts shortened:
// POST /s/soc/api/detection_engine/signals/status {"signal_ids":[...],"status":"closed"}.
func CallString(c investigate.APICall) string {
	method, path, body := KibanaRequest(c)
	if method == "" {
		return c.Service + " " + c.Operation
	}
	for _, k := range []string{"description", "comment"} {
		if s, ok := body[k].(string); ok && utf8.RuneCountInString(s) > 60 {
			body[k] = fmt.Sprintf("<%d characters>", utf8.RuneCountInString(s))
		}
	}
	if ids, ok := body["signal_ids"]; ok {
		body["signal_ids"] = fmt.Sprintf("<%d alert ids>", listLen(ids))
	}
	if alerts, ok := body["alerts"]; ok {
		body["alerts"] = fmt.Sprintf("<%d alerts, one comment per rule>", listLen(alerts))
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
	return sanitize.Clean(method + " " + path + " " + strings.TrimSpace(b.String()))
}

// listLen is the length of a request body's list, however it was built.
func listLen(v any) int {
	switch x := v.(type) {
	case []string:
		return len(x)
	case []investigate.AlertRef:
		return len(x)
	case []any:
		return len(x)
	}
	return 0
}
