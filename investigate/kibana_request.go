package investigate

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/keypivot/keypivot/investigate/sanitize"
)

// KibanaRequest is the HTTP request a Kibana call makes: method, path (space prefix
// included; {case} stands for the case's id) and body. The method is "" for an
// operation that is not Kibana's.
func KibanaRequest(c APICall) (method, path string, body map[string]any) {
	space, _ := c.Params["space"].(string)
	prefix := KibanaSpacePath(space)
	body = map[string]any{}
	for k, v := range c.Params {
		if k != "space" && k != "part" {
			body[k] = v
		}
	}
	switch c.Operation {
	case OpSetAlertStatus:
		return "POST", prefix + "/api/detection_engine/signals/status", body
	case OpCreateCase:
		delete(body, "sync_alerts")
		body["settings"] = map[string]any{"syncAlerts": c.Params["sync_alerts"]}
		body["connector"] = map[string]any{"id": "none", "name": "none", "type": ".none", "fields": nil}
		return "POST", prefix + "/api/cases", body
	case OpAddCaseComment:
		body["type"], body["owner"] = "user", KibanaCaseOwner
		return "POST", prefix + "/api/cases/{case}/comments", body
	case OpAttachAlerts:
		return "POST", prefix + "/api/cases/{case}/comments", map[string]any{"type": "alert", "owner": KibanaCaseOwner, "alerts": c.Params["alerts"]}
	}
	return "", "", nil
}

// KibanaCallText renders a Kibana call for the analyst, long texts and lists shortened:
// POST /s/soc/api/detection_engine/signals/status {"signal_ids":"<3 alert ids>","status":"closed"}.
// A call of another operation is its service and operation.
func KibanaCallText(c APICall) string {
	method, path, body := KibanaRequest(c)
	if method == "" {
		return c.Service + " " + c.Operation
	}
	for _, k := range []string{"description", "comment"} {
		if s, ok := body[k].(string); ok && utf8.RuneCountInString(s) > 60 {
			body[k] = "<" + Plural(utf8.RuneCountInString(s), "character") + ">"
		}
	}
	if ids, ok := body["signal_ids"]; ok {
		body["signal_ids"] = "<" + Plural(requestListLen(ids), "alert id") + ">"
	}
	if alerts, ok := body["alerts"]; ok {
		body["alerts"] = "<" + Plural(requestListLen(alerts), "alert") + ", one comment per rule>"
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
	return sanitize.Clean(method + " " + path + " " + strings.TrimSpace(b.String()))
}

// requestListLen is the length of a request body's list, however it was built (planned,
// or read back from the journal's JSON).
func requestListLen(v any) int {
	switch x := v.(type) {
	case []string:
		return len(x)
	case []AlertRef:
		return len(x)
	case []any:
		return len(x)
	}
	return 0
}
