package simkibana

import (
	"fmt"
	"slices"

	"github.com/keypivot/keypivot/investigate"
)

const signalsStatusPath = "/api/detection_engine/signals/status"

// statusState is the state of a status change, in investigate.KibanaStatusState's
// words, from the statuses the space's alerts index holds.
func (k *Kibana) statusState(a investigate.Action) (string, bool, error) {
	return investigate.KibanaStatusState(a, func(sp string, ids []string) (map[string]string, error) {
		return k.space(sp).statusesOf(ids), nil
	})
}

// setStatus is POST /api/detection_engine/signals/status with signal_ids: Kibana's
// update by query on the ids. An id the space's alerts index does not hold matches no
// document: it is not updated, and not an error (as in Kibana). Closing with a reason
// records it; any other change removes the alert's reason. An alert already in the
// status asked is left as it is, its reason included.
func (k *Kibana) setStatus(a investigate.Action) ([]string, error) {
	call, err := investigate.OnlyCall(a, investigate.OpSetAlertStatus)
	if err != nil {
		return nil, err
	}
	sp := call.Param("space")
	bad := func(format string, args ...any) error {
		return badRequest("POST", sp, signalsStatusPath, format, args...)
	}
	status, _ := call.Params["status"].(string)
	switch status {
	case "open", "closed", "acknowledged", "in-progress":
	default:
		got := "undefined"
		if v, ok := call.Params["status"]; ok {
			got = fmt.Sprint(v)
		}
		return nil, bad("[request body]: status: Invalid enum value. Expected 'open' | 'closed' | 'acknowledged' | 'in-progress', received '%s'", got)
	}
	if status == "in-progress" {
		status = investigate.WorkflowAcknowledged
	}
	ids := call.ParamList("signal_ids")
	if len(ids) == 0 {
		return nil, bad("[request body]: signal_ids: Array must contain at least 1 element(s)")
	}
	if slices.Contains(ids, "") {
		return nil, bad("[request body]: signal_ids: String must contain at least 1 character(s)")
	}
	reason := ""
	if v, ok := call.Params["reason"]; ok {
		r, isString := v.(string)
		switch {
		case !isString:
			return nil, bad("[request body]: reason: Expected string")
		case status != investigate.WorkflowClosed:
			// Kibana ignores a reason on any other status.
		case !slices.Contains(k.closeReasons, r):
			return nil, bad("Reason %q is not a valid closing reason", r)
		default:
			reason = r
		}
	}
	if err := k.write(); err != nil {
		return nil, err
	}
	s := k.space(sp)
	total := 0
	for _, id := range uniq(ids) {
		al := s.alerts[id]
		if al == nil {
			continue
		}
		total++
		if al.status != status {
			al.status, al.reason = status, reason
		}
	}
	return []string{fmt.Sprintf("signals/status: %d of %d updated", total, total)}, nil
}

// uniq is ids without repeats, in order: an update by query touches a document once.
func uniq(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
