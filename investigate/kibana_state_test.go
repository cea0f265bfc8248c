package investigate

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// throughJournal is the action as a resume reads it back from the journal's JSON: its
// lists are []any there.
func throughJournal(t *testing.T, a Action) Action {
	t.Helper()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back Action
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

func statusAction(status string, ids ...string) Action {
	return Action{ID: "kibana-set-status:soc:KEY:" + status, Kind: ActKibanaSetStatus, Key: "KEY",
		Calls: []APICall{{Service: KibanaService, Operation: OpSetAlertStatus,
			Params: map[string]any{"space": "soc", "status": status, "signal_ids": ids}}}}
}

// The state counts the alerts by status in a fixed order (a status of another Kibana
// version last); the change is in effect when every alert found has the status asked,
// ids the index does not hold counted as not found and not holding it back.
func TestKibanaStatusStateCountsAndJudges(t *testing.T) {
	a := statusAction(WorkflowClosed, "a", "b", "c", "d", "e")
	for _, tc := range []struct {
		name     string
		statuses map[string]string
		state    string
		inEffect bool
	}{
		{"some already closed", map[string]string{"a": "closed", "b": "open", "c": "closed", "d": "acknowledged"}, "1 open, 1 acknowledged, 2 closed, 1 not found", false},
		{"every alert found is closed", map[string]string{"a": "closed", "c": "closed"}, "2 closed, 3 not found", true},
		{"none found", map[string]string{}, "5 not found", false},
		{"another version's status", map[string]string{"a": "closed", "b": "zz-later", "c": "going", "d": "closed", "e": "closed"}, "3 closed, 1 going, 1 zz-later", false},
	} {
		for _, act := range []Action{a, throughJournal(t, a)} {
			var space string
			var asked []string
			state, inEffect, err := KibanaStatusState(act, func(sp string, ids []string) (map[string]string, error) {
				space, asked = sp, ids
				return tc.statuses, nil
			})
			if err != nil || state != tc.state || inEffect != tc.inEffect {
				t.Errorf("%s: %q %v %v, want %q %v", tc.name, state, inEffect, err, tc.state, tc.inEffect)
			}
			if space != "soc" || !slices.Equal(asked, []string{"a", "b", "c", "d", "e"}) {
				t.Errorf("%s: read space %q ids %v", tc.name, space, asked)
			}
		}
	}

	down := errors.New("connection refused")
	if _, _, err := KibanaStatusState(a, func(string, []string) (map[string]string, error) { return nil, down }); !errors.Is(err, down) {
		t.Errorf("a failed read: %v", err)
	}
}

// A status change makes exactly one SetAlertStatus call; anything else is refused,
// naming the action, before any read.
func TestOnlyCallRefusesOtherShapes(t *testing.T) {
	a := statusAction(WorkflowOpen, "a")
	if c, err := OnlyCall(a, OpSetAlertStatus); err != nil || c.Operation != OpSetAlertStatus {
		t.Fatalf("%+v %v", c, err)
	}
	two := a
	two.Calls = []APICall{a.Calls[0], a.Calls[0]}
	read := false
	for _, bad := range []Action{two, {ID: "none", Kind: ActKibanaSetStatus}, {ID: "other", Kind: ActKibanaSetStatus, Calls: []APICall{{Operation: OpCreateCase}}}} {
		_, _, err := KibanaStatusState(bad, func(string, []string) (map[string]string, error) { read = true; return nil, nil })
		if err == nil || !strings.HasPrefix(err.Error(), bad.ID+": want one SetAlertStatus call") {
			t.Errorf("%s: %v", bad.ID, err)
		}
	}
	if read {
		t.Error("a refused action was read")
	}
}

func caseAction() Action {
	return Action{ID: "kibana-create-case:default:AKIAIOSFODNN7EXAMPLE", Kind: ActKibanaCreateCase, Key: "AKIAIOSFODNN7EXAMPLE",
		Calls: []APICall{
			{Service: KibanaService, Operation: OpCreateCase, Params: map[string]any{"space": "default", "title": "T", "description": "report, part 0"}},
			{Service: KibanaService, Operation: OpAddCaseComment, Params: map[string]any{"space": "default", "comment": "part 1", "part": 1}},
			{Service: KibanaService, Operation: OpAddCaseComment, Params: map[string]any{"space": "default", "comment": "part 2", "part": 2}},
			{Service: KibanaService, Operation: OpAttachAlerts, Params: map[string]any{"space": "default", "alerts": []AlertRef{
				{ID: "al-1", Index: "idx", RuleName: "Rule A"}, {ID: "al-2", Index: "idx", RuleName: "Rule B"}}}},
		}}
}

// A case that lacks one report part and one alert says so, in the words both Kibana
// remediators use, and is not in effect; the complete case is. The journal's JSON reads
// the same.
func TestKibanaCaseStateSaysWhatTheCaseLacks(t *testing.T) {
	for _, a := range []Action{caseAction(), throughJournal(t, caseAction())} {
		if st, ok, err := KibanaCaseState(a, nil); err != nil || ok || st != "no case tagged keypivot:AKIAIOSFODNN7EXAMPLE" {
			t.Errorf("no case: %q %v %v", st, ok, err)
		}
		partial := &KibanaCase{ID: "c-1", Title: "T", Comments: []string{"part 1", "an analyst's note"}, Alerts: []string{"al-1", "elsewhere"}}
		parts, alerts, err := partial.Missing(a)
		if err != nil || len(parts) != 1 || parts[0].Param("comment") != "part 2" || len(alerts) != 1 || alerts[0].ID != "al-2" || alerts[0].RuleName != "Rule B" {
			t.Errorf("missing: %+v %+v %v", parts, alerts, err)
		}
		st, ok, err := KibanaCaseState(a, partial)
		if want := `case "T" (c-1): 2 alerts attached, 1 to attach, 1 report part to add`; err != nil || ok || st != want {
			t.Errorf("partial case: %q %v %v, want %q", st, ok, err, want)
		}
		bare := &KibanaCase{ID: "c-2", Title: "T", Alerts: []string{"al-2"}}
		if st, ok, _ := KibanaCaseState(a, bare); ok || st != `case "T" (c-2): 1 alert attached, 1 to attach, 2 report parts to add` {
			t.Errorf("bare case: %q %v", st, ok)
		}
		full := &KibanaCase{ID: "c-3", Title: "T", Comments: []string{"part 2", "part 1"}, Alerts: []string{"al-2", "al-1"}}
		if st, ok, err := KibanaCaseState(a, full); err != nil || !ok || st != `case "T" (c-3): 2 alerts attached` {
			t.Errorf("complete case: %q %v %v", st, ok, err)
		}
	}
}

// A case creation without its CreateCase call, or whose alerts to attach cannot be
// read, has no state and is refused: it would otherwise look complete with nothing
// attached.
func TestKibanaCaseCreationRefusesADamagedAction(t *testing.T) {
	create, err := KibanaCaseCreation(caseAction())
	if err != nil || create.Param("title") != "T" || create.Param("space") != "default" {
		t.Fatalf("%+v %v", create, err)
	}
	noCreate := caseAction()
	noCreate.Calls = noCreate.Calls[1:]
	if _, err := KibanaCaseCreation(noCreate); err == nil || !strings.Contains(err.Error(), "no CreateCase call") {
		t.Errorf("no CreateCase call: %v", err)
	}
	if _, _, err := KibanaCaseState(noCreate, nil); err == nil {
		t.Error("a state without a CreateCase call")
	}
	for _, tc := range []struct {
		alerts any
		want   string
	}{
		{nil, "the AttachAlerts call has no alerts"},
		{"al-1", "the alerts of the AttachAlerts call"},
		{[]any{map[string]any{"id": "al-1"}, map[string]any{"index": "idx"}}, "alert 2 of the AttachAlerts call has no id"},
	} {
		a := caseAction()
		a.Calls[3].Params = map[string]any{"space": "default", "alerts": tc.alerts}
		if _, err := KibanaCaseCreation(a); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), a.ID+": ") {
			t.Errorf("alerts %v: %v, want %q", tc.alerts, err, tc.want)
		}
		if _, _, err := KibanaCaseState(a, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("state with alerts %v: %v", tc.alerts, err)
		}
		if _, _, err := (&KibanaCase{ID: "c"}).Missing(a); err == nil {
			t.Errorf("missing with alerts %v: no error", tc.alerts)
		}
	}
}

// The alerts of an AttachAlerts call read the same as planned and from the journal.
func TestKibanaCallAlertsReadsPlannedAndJournalled(t *testing.T) {
	planned := caseAction().Calls[3]
	back := throughJournal(t, caseAction()).Calls[3]
	if _, isRefs := back.Params["alerts"].([]AlertRef); isRefs {
		t.Fatal("the journal's JSON kept the Go type: the test proves nothing")
	}
	want := []AlertRef{{ID: "al-1", Index: "idx", RuleName: "Rule A"}, {ID: "al-2", Index: "idx", RuleName: "Rule B"}}
	for _, c := range []APICall{planned, back} {
		if refs, err := KibanaCallAlerts(c); err != nil || !slices.Equal(refs, want) {
			t.Errorf("%v %v", refs, err)
		}
	}
}
