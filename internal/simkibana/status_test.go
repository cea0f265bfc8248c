package simkibana_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/internal/simkibana"
	"github.com/keypivot/keypivot/investigate"
)

// The Kibana holds every Elastic alert of the demo, whatever its key or time, each with
// the status the export gives it; findings of other providers are no Kibana alerts.
func TestSeededWithEveryDemoAlert(t *testing.T) {
	e := newEnv(t, "")
	want := demoElasticAlerts(t, e.ds)
	got := e.k.Statuses("default")
	if len(got) != len(want) {
		t.Fatalf("the Kibana holds %d alerts, the demo has %d Elastic alerts", len(got), len(want))
	}
	closed := 0
	for _, a := range want {
		if got[a.ID] != investigate.NormalizeWorkflowStatus(a.Status) {
			t.Errorf("alert %s: %q in Kibana, %q in the export", a.ID, got[a.ID], a.Status)
		}
		if got[a.ID] == investigate.WorkflowClosed {
			closed++
		}
	}
	if closed == 0 {
		t.Error("no alert of the demo is closed: the acknowledge test would not prove closed alerts stay closed")
	}
	if len(e.k.Statuses("soc")) != 0 {
		t.Error("the demo's alerts are in another space too")
	}

	k := simkibana.New()
	gd := investigate.Alert{ID: "gd-1", Provider: investigate.ProviderGuardDuty, Status: "open"}
	noID := investigate.Alert{Provider: investigate.ProviderElastic}
	if n := k.Seed("", []investigate.Alert{want[0], gd, noID, want[0]}); n != 1 {
		t.Errorf("seeded %d alerts, want the one Elastic alert with an id, once", n)
	}
	if _, ok := k.Alert("", "gd-1"); ok {
		t.Error("a GuardDuty finding became a Kibana alert")
	}

	_, err := simkibana.FromWorkspace(context.Background(), &investigate.Workspace{Alerts: []investigate.AlertSource{failing{}}}, "")
	if err == nil || !strings.Contains(err.Error(), "broken-export") {
		t.Errorf("an unreadable alert source: %v", err)
	}
}

type failing struct{}

func (failing) Name() string { return "broken-export" }
func (failing) Alerts(context.Context, investigate.AlertQuery, func([]investigate.Alert)) (investigate.SourceReport, error) {
	return investigate.SourceReport{}, errors.New("cannot open")
}

// Acknowledge, close with a reason and reopen the key's alerts through the runner, as
// `keypivot alerts` does: confirmed, journalled, state read back, never repeated; each
// plan made from the case built again, so it sees what the previous write did.
func TestAcknowledgeCloseReopenThroughTheRunner(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "")
	c := e.caseOf(t)
	all := investigate.ElasticAlerts(c)
	ids := refIDs(all)
	closedBefore := statusCount(e.k, "default", ids, investigate.WorkflowClosed)
	if closedBefore != 1 || len(all) < 10 {
		t.Fatalf("the case has %d Elastic alerts, %d closed: want one closed among many", len(all), closedBefore)
	}
	open := len(all) - closedBefore

	ack := e.planStatus(t, c, investigate.WorkflowAcknowledged, "")
	if o := e.r.Run(ctx, ack, "AKIA-NOT-THE-KEY", ""); o.Err == nil || e.k.Writes() != 0 {
		t.Fatalf("ran unconfirmed: %+v, %d writes", o, e.k.Writes())
	}
	o := e.r.Run(ctx, ack, e.key(), "")
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	if want := fmt.Sprintf("%d open", open); o.StateBefore != want {
		t.Errorf("state before %q, want %q", o.StateBefore, want)
	}
	if want := fmt.Sprintf("%d acknowledged", open); o.StateAfter != want {
		t.Errorf("state after %q, want %q", o.StateAfter, want)
	}
	if want := fmt.Sprintf("signals/status: %d of %d updated", open, open); !slices.Equal(o.RequestIDs, []string{want}) {
		t.Errorf("request ids %v, want %q", o.RequestIDs, want)
	}
	if n := statusCount(e.k, "default", ids, investigate.WorkflowClosed); n != closedBefore {
		t.Errorf("acknowledging changed the closed alert: %d closed", n)
	}
	if n := statusCount(e.k, "default", ids, investigate.WorkflowAcknowledged); n != open {
		t.Errorf("%d of %d open alerts acknowledged", n, open)
	}
	// The other keys' alerts are not the case's: they stay open.
	for id, st := range e.k.Statuses("default") {
		if !slices.Contains(ids, id) && st != investigate.WorkflowOpen {
			t.Errorf("alert %s of another key is %s", id, st)
		}
	}
	// A rerun of the same plan finds it in effect and writes nothing.
	if o := e.r.Run(ctx, ack, e.key(), ""); o.Err != nil || !o.Skipped || e.k.Writes() != 1 {
		t.Errorf("rerun: %+v, %d writes", o, e.k.Writes())
	}
	entries := e.entries(t)
	if got := phases(entries); !slices.Equal(got, []string{investigate.PhaseIntent, investigate.PhaseDone, investigate.PhaseSkipped}) {
		t.Errorf("journal phases %v", got)
	}
	for _, en := range entries {
		if !en.OnKibana() || en.Kibana != simkibana.DemoURL || en.CallerARN == "" || len(en.Calls) != 1 {
			t.Errorf("journal entry %+v: want a Kibana entry naming %s and its caller", en, simkibana.DemoURL)
		}
	}

	// The case built again sees the acknowledgement: nothing left to acknowledge.
	c = e.caseOf(t)
	if _, err := investigate.PlanAlertStatus(c, e.target(), investigate.WorkflowAcknowledged, ""); !errors.Is(err, investigate.ErrNothingToChange) {
		t.Errorf("acknowledging again: %v", err)
	}

	closeAct := e.planStatus(t, c, investigate.WorkflowClosed, "false_positive")
	o = e.r.Run(ctx, closeAct, e.key(), "")
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	if o.StateBefore != fmt.Sprintf("%d acknowledged", open) || o.StateAfter != fmt.Sprintf("%d closed", open) {
		t.Errorf("close: state %q -> %q", o.StateBefore, o.StateAfter)
	}
	withReason := 0
	for _, id := range ids {
		if st, _ := e.k.Alert("default", id); st.Reason == "false_positive" {
			withReason++
		}
	}
	if withReason != open {
		t.Errorf("%d alerts closed with the reason, want %d (the one closed before keeps its own)", withReason, open)
	}

	// The undo calls, run as status changes, put the alerts back as they were.
	for _, u := range closeAct.UndoCalls {
		undo := investigate.Action{ID: "undo:" + closeAct.ID, Kind: investigate.ActKibanaSetStatus, Key: e.key(),
			Target: closeAct.Target, ConfirmToken: e.key(), Calls: []investigate.APICall{u}}
		if o := e.r.Run(ctx, undo, e.key(), ""); o.Err != nil {
			t.Fatal(o.Err)
		}
	}
	if n := statusCount(e.k, "default", ids, investigate.WorkflowAcknowledged); n != open {
		t.Errorf("after the undo %d alerts acknowledged, want %d", n, open)
	}
	for _, id := range ids {
		if st, _ := e.k.Alert("default", id); st.Status == investigate.WorkflowAcknowledged && st.Reason != "" {
			t.Errorf("alert %s kept its closing reason %q after reopening", id, st.Reason)
		}
	}

	// Reopen everything, the alert closed before the case included.
	reopen := e.planStatus(t, e.caseOf(t), investigate.WorkflowOpen, "")
	o = e.r.Run(ctx, reopen, e.key(), "")
	if o.Err != nil || o.StateAfter != fmt.Sprintf("%d open", len(all)) {
		t.Errorf("reopen: %+v", o)
	}
	if want := fmt.Sprintf("%d acknowledged, 1 closed", open); o.StateBefore != want {
		t.Errorf("reopen: state before %q, want %q", o.StateBefore, want)
	}
}

// Kibana answers through the alerts index: once acknowledged, the key's alerts are no
// longer open, so the correlation stops ranking it, as it would against a real Kibana.
func TestWrittenStatusesShowInTheRanking(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "")
	// ranked: is the key ranked on its Elastic alerts? The demo's GuardDuty attack
	// sequence keeps it in the ranking, which a Kibana acknowledgement does not close;
	// its acknowledged alerts no longer count as siblings.
	ranked := func() bool {
		rk, err := e.w.Rank(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range rk.Keys {
			if k.Key.String() == e.key() && k.Correlated && k.SiblingCount > 0 {
				return true
			}
		}
		return false
	}
	if !ranked() {
		t.Fatal("the demo's key is not ranked before any write")
	}
	ack := e.planStatus(t, e.caseOf(t), investigate.WorkflowAcknowledged, "")
	if o := e.r.Run(ctx, ack, e.key(), ""); o.Err != nil {
		t.Fatal(o.Err)
	}
	if ranked() {
		t.Error("the key is still ranked with all its alerts acknowledged")
	}
	got, err := e.k.AlertStatuses(ctx, "default", append(refIDs(investigate.ElasticAlerts(e.caseOf(t))), "no-such-alert"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["no-such-alert"]; ok {
		t.Error("an unknown alert has a status")
	}
	for _, s := range investigate.ElasticAlerts(e.caseOf(t)) {
		if s.Status != got[s.ID] {
			t.Errorf("alert %s: %s in the case, %s in Kibana", s.ID, s.Status, got[s.ID])
		}
	}
}

// What Kibana refuses is refused, nothing is written, and the journal says why; what it
// accepts (an id it does not hold) is answered as it answers it.
func TestStatusRefusals(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "")
	c := e.caseOf(t)

	bogus := e.planStatus(t, c, investigate.WorkflowClosed, "not_a_reason")
	o := e.r.Run(ctx, bogus, e.key(), "")
	if o.Err == nil || !strings.Contains(o.Error, `Reason "not_a_reason" is not a valid closing reason`) || !strings.Contains(o.Error, "HTTP 400") {
		t.Fatalf("an unknown closing reason: %+v", o)
	}
	if e.k.Writes() != 0 || statusCount(e.k, "default", refIDs(investigate.ElasticAlerts(c)), investigate.WorkflowClosed) != 1 {
		t.Error("a refused close changed alerts")
	}
	entries := e.entries(t)
	if last := entries[len(entries)-1]; last.Phase != investigate.PhaseFailed || !strings.Contains(last.Result, "not a valid closing reason") {
		t.Errorf("journal: %+v", last)
	}
	// A reason the space configures is accepted.
	custom := newEnv(t, "", simkibana.WithCloseReasons("not_a_reason"))
	if o := custom.r.Run(ctx, bogus, e.key(), ""); o.Err != nil {
		t.Errorf("a configured closing reason: %v", o.Err)
	}

	ids := refIDs(investigate.ElasticAlerts(c))
	set := func(params map[string]any) (string, error) {
		params["space"] = "default"
		a := investigate.Action{ID: "t", Kind: investigate.ActKibanaSetStatus, Key: e.key(),
			Calls: []investigate.APICall{{Service: investigate.KibanaService, Operation: investigate.OpSetAlertStatus, Params: params}}}
		got, err := e.k.Apply(ctx, a)
		return strings.Join(got, ","), err
	}
	for _, tc := range []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{"status": "paused", "signal_ids": ids}, "Expected 'open' | 'closed' | 'acknowledged' | 'in-progress', received 'paused'"},
		{map[string]any{"signal_ids": ids}, "received 'undefined'"},
		{map[string]any{"status": "open", "signal_ids": []string{}}, "Array must contain at least 1 element(s)"},
		{map[string]any{"status": "open", "signal_ids": []string{ids[0], ""}}, "String must contain at least 1 character(s)"},
		{map[string]any{"status": "closed", "signal_ids": ids, "reason": 3}, "reason: Expected string"},
	} {
		if _, err := set(tc.params); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.params, err, tc.want)
		}
	}
	if e.k.Writes() != 0 {
		t.Errorf("%d writes by refused requests", e.k.Writes())
	}

	// An id the alerts index does not hold matches no document, as in Kibana: the known
	// one is updated, the unknown one is "not found" in the state.
	got, err := set(map[string]any{"status": "acknowledged", "signal_ids": []string{ids[0], "no-such-alert"}})
	if err != nil || got != "signals/status: 1 of 1 updated" {
		t.Errorf("an unknown id: %q, %v", got, err)
	}
	a := investigate.Action{Kind: investigate.ActKibanaSetStatus, Calls: []investigate.APICall{{Operation: investigate.OpSetAlertStatus,
		Params: map[string]any{"space": "default", "status": "acknowledged", "signal_ids": []any{ids[0], "no-such-alert"}}}}}
	if st, applied, err := e.k.State(ctx, a); err != nil || st != "1 acknowledged, 1 not found" || !applied {
		t.Errorf("state with an unknown id: %q %v %v", st, applied, err)
	}
	// Another space has its own alerts index: the demo's alerts are not in it.
	a.Calls[0].Params["space"] = "soc"
	if st, applied, _ := e.k.State(ctx, a); st != "2 not found" || applied {
		t.Errorf("state in another space: %q %v", st, applied)
	}

	// Not a Kibana action: refused, as elastic's remediator refuses it.
	for _, kind := range []string{investigate.ActDeactivateKey, investigate.ActUndo} {
		if _, _, err := e.k.State(ctx, investigate.Action{Kind: kind}); err == nil || !strings.Contains(err.Error(), "is not a Kibana action") {
			t.Errorf("State of %s: %v", kind, err)
		}
		if _, err := e.k.Apply(ctx, investigate.Action{Kind: kind}); err == nil {
			t.Errorf("Apply of %s accepted", kind)
		}
	}
	two := investigate.Action{ID: "two", Kind: investigate.ActKibanaSetStatus, Calls: []investigate.APICall{a.Calls[0], a.Calls[0]}}
	if _, err := e.k.Apply(ctx, two); err == nil || !strings.Contains(err.Error(), "want one SetAlertStatus call") {
		t.Errorf("two calls: %v", err)
	}
}
