package investigate

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The state a Kibana remediator reads before and after each write, in the words the
// runner journals and shows. Every Kibana remediator (elastic's, against a real Kibana,
// and the demo's simulated one) reads its facts its own way and words them here, so
// that both say the same thing and judge "in effect" the same way.

// OnlyCall is the action's one call, which must be of operation op: a status change
// makes exactly one.
func OnlyCall(a Action, op string) (APICall, error) {
	if len(a.Calls) != 1 || a.Calls[0].Operation != op {
		return APICall{}, fmt.Errorf("%s: want one %s call", a.ID, op)
	}
	return a.Calls[0], nil
}

// KibanaStatusState is the state of a status change (ActKibanaSetStatus): its alerts
// counted by workflow status ("2 open, 1 closed, 1 not found"), in effect when every
// alert found has the status asked and one is found. An id the space's alerts index
// does not hold is "not found" and cannot change: it does not keep the change from
// being in effect. statuses reads the workflow status of each of ids in space; the ids
// it does not hold are absent from its map.
func KibanaStatusState(a Action, statuses func(space string, ids []string) (map[string]string, error)) (state string, inEffect bool, err error) {
	call, err := OnlyCall(a, OpSetAlertStatus)
	if err != nil {
		return "", false, err
	}
	ids := call.ParamList("signal_ids")
	want, _ := call.Params["status"].(string)
	found, err := statuses(call.Param("space"), ids)
	if err != nil {
		return "", false, err
	}
	return describeStatuses(ids, found), allAre(ids, found, want), nil
}

// notFound is the status of an alert the space's alerts index does not hold.
const notFound = "not found"

// describeStatuses counts the alerts of ids by status: "2 open, 1 closed, 1 not found".
func describeStatuses(ids []string, statuses map[string]string) string {
	counts := map[string]int{}
	for _, id := range ids {
		s, ok := statuses[id]
		if !ok {
			s = notFound
		}
		counts[s]++
	}
	var parts []string
	for _, s := range []string{WorkflowOpen, WorkflowAcknowledged, WorkflowClosed, notFound} {
		if counts[s] > 0 {
			parts = append(parts, strconv.Itoa(counts[s])+" "+s)
			delete(counts, s)
		}
	}
	for _, s := range slices.Sorted(maps.Keys(counts)) { // a status of another version: in a stable order
		parts = append(parts, strconv.Itoa(counts[s])+" "+s)
	}
	return strings.Join(parts, ", ")
}

// allAre reports whether every alert that exists has status want (and one exists).
func allAre(ids []string, statuses map[string]string, want string) bool {
	found := 0
	for _, id := range ids {
		s, ok := statuses[id]
		if !ok {
			continue
		}
		found++
		if s != want {
			return false
		}
	}
	return found > 0
}

// KibanaCaseCreation is the CreateCase call of a case creation (ActKibanaCreateCase),
// which names the case and its space, once the action is known whole: an action
// without one, or whose alerts to attach cannot be read (a damaged journal), is refused
// before anything is written.
func KibanaCaseCreation(a Action) (APICall, error) {
	var create APICall
	for _, c := range a.Calls {
		switch c.Operation {
		case OpCreateCase:
			if create.Operation == "" {
				create = c
			}
		case OpAttachAlerts:
			if _, err := KibanaCallAlerts(c); err != nil {
				return APICall{}, fmt.Errorf("%s: %w", a.ID, err)
			}
		}
	}
	if create.Operation == "" {
		return APICall{}, errors.New("the action has no CreateCase call")
	}
	return create, nil
}

// KibanaCase is a case as write-back reads it back from Kibana: what tells whether it
// holds what a case creation plans.
type KibanaCase struct {
	ID    string
	Title string
	// Comments are the texts of its user comments (the report's parts).
	Comments []string
	// Alerts are the ids of the alerts attached to it.
	Alerts []string
}

// Missing lists the report parts (AddCaseComment calls) and the alerts (of the
// AttachAlerts calls) that action a plans and the case does not hold yet: what
// completing the case adds. An AttachAlerts call whose alerts cannot be read is an
// error, not a case with nothing left to attach.
func (c *KibanaCase) Missing(a Action) (parts []APICall, alerts []AlertRef, err error) {
	for _, call := range a.Calls {
		switch call.Operation {
		case OpAddCaseComment:
			text, _ := call.Params["comment"].(string)
			if !slices.Contains(c.Comments, text) {
				parts = append(parts, call)
			}
		case OpAttachAlerts:
			refs, err := KibanaCallAlerts(call)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", a.ID, err)
			}
			for _, r := range refs {
				if !slices.Contains(c.Alerts, r.ID) {
					alerts = append(alerts, r)
				}
			}
		}
	}
	return parts, alerts, nil
}

// KibanaCaseState is the state of a case creation given the case the key already has
// (nil for none): "no case tagged keypivot:AKIA...", or the case with what it still
// lacks ("case "..." (id): 2 alerts attached, 3 to attach, 1 report part to add"); in
// effect when it lacks nothing. An action KibanaCaseCreation refuses has no state.
func KibanaCaseState(a Action, c *KibanaCase) (state string, inEffect bool, err error) {
	if _, err := KibanaCaseCreation(a); err != nil {
		return "", false, err
	}
	if c == nil {
		return "no case tagged " + KibanaCaseTag(a.Key), false, nil
	}
	missingParts, missingAlerts, err := c.Missing(a)
	if err != nil {
		return "", false, err
	}
	state = fmt.Sprintf("case %q (%s): %s attached", c.Title, c.ID, Plural(len(c.Alerts), "alert"))
	if n := len(missingAlerts); n > 0 {
		state += fmt.Sprintf(", %d to attach", n)
	}
	if n := len(missingParts); n > 0 {
		state += ", " + Plural(n, "report part") + " to add"
	}
	return state, len(missingParts) == 0 && len(missingAlerts) == 0, nil
}

// KibanaCallAlerts reads the alerts of an AttachAlerts call, as planned ([]AlertRef) or
// as read back from the journal's JSON. A call without alerts, or with an alert that
// has no id, is an error: it would attach nothing while saying it did.
func KibanaCallAlerts(c APICall) ([]AlertRef, error) {
	v, ok := c.Params["alerts"]
	if !ok || v == nil {
		return nil, fmt.Errorf("the %s call has no alerts", c.Operation)
	}
	refs, isRefs := v.([]AlertRef)
	if !isRefs {
		b, err := json.Marshal(v)
		if err == nil {
			err = json.Unmarshal(b, &refs)
		}
		if err != nil {
			return nil, fmt.Errorf("the alerts of the %s call: %v", c.Operation, err)
		}
	}
	for i, r := range refs {
		if r.ID == "" {
			return nil, fmt.Errorf("alert %d of the %s call has no id", i+1, c.Operation)
		}
	}
	return refs, nil
}
