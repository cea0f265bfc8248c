package investigate

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func writebackCase() *Case {
	return &Case{
		Key:   MustParseAccessKeyID("AKIAIOSFODNN7EXAMPLE"),
		Owner: Owner{User: "alice", Account: "111122223333"},
		Siblings: []Sibling{
			{AlertID: "fs-1", RuleName: "AWS IAM Long-Term Access Key First Seen from Source IP", Provider: ProviderElastic, Status: "open", Index: ".internal.alerts-security.alerts-default-000001", Severity: SeverityMedium, Eligible: true, FirstSeen: true},
			{AlertID: "sib-open", RuleName: "AWS CloudTrail Log Suspended", Provider: ProviderElastic, Status: "open", Index: ".internal.alerts-security.alerts-default-000001", Severity: SeverityHigh, Eligible: true},
			{AlertID: "sib-ack", RuleName: "AWS IAM User Created Access Keys For Another User", Provider: ProviderElastic, Status: "in-progress", Index: ".internal.alerts-security.alerts-default-000001", Severity: SeverityHigh, Eligible: true},
			{AlertID: "sib-closed", RuleName: "AWS IAM User Created Access Keys For Another User", Provider: ProviderElastic, Status: "closed", Index: ".internal.alerts-security.alerts-default-000001", Severity: SeverityCritical},
			{AlertID: "sess-1", RuleName: "AWS EC2 CreateKeyPair", Provider: ProviderElastic, Status: "open", Index: ".internal.alerts-security.alerts-default-000001", ViaKey: "ASIAEXAMPLESESSION01", Severity: SeverityHigh},
			{AlertID: "gd-1", RuleName: "Unusual API call", Provider: ProviderGuardDuty, Status: "open", Severity: SeverityHigh, Eligible: true},
		},
		HigherOrderAlerts: []Sibling{
			{AlertID: "ho-1", RuleName: "AWS IAM Long-Term Access Key Correlated with Elevated Detection Alerts", Provider: ProviderElastic, Status: "open", Index: ".internal.alerts-security.alerts-default-000001"},
		},
	}
}

func ids(a Action) []string {
	v := a.Calls[0].Params["signal_ids"].([]string)
	out := slices.Clone(v)
	slices.Sort(out)
	return out
}

func TestAcknowledgeAddressesOnlyOpenElasticAlerts(t *testing.T) {
	c := writebackCase()
	a, err := PlanAlertStatus(c, KibanaTarget{URL: "https://kb", Space: "soc"}, "acknowledged", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"fs-1", "ho-1", "sess-1", "sib-open"}; !slices.Equal(ids(a), want) {
		t.Fatalf("acknowledges %v, want %v", ids(a), want)
	}
	if a.Kind != ActKibanaSetStatus || a.ConfirmToken != c.Key.String() || !a.Confirmed(c.Key.String()) || a.Confirmed("") {
		t.Errorf("action %+v", a)
	}
	aff := strings.Join(a.Affects, "\n")
	for _, want := range []string{"higher-order", "ASIAEXAMPLESESSION01", "GuardDuty", "not affected: 2 other Elastic alerts"} {
		if !strings.Contains(aff, want) {
			t.Errorf("affects lacks %q:\n%s", want, aff)
		}
	}
	// The HTTP request each call makes is elastic.KibanaRequest's (tested there).
	if p := a.Calls[0].Params; a.Calls[0].Operation != OpSetAlertStatus || p["space"] != "soc" || p["status"] != "acknowledged" || p["reason"] != nil {
		t.Errorf("call %+v", a.Calls[0])
	}
	if a.Target != (Target{System: SystemKibana, Account: "111122223333", Kibana: "https://kb", Space: "soc"}) || !a.OnKibana() {
		t.Errorf("target %+v", a.Target)
	}
	if len(a.UndoCalls) != 1 || a.UndoCalls[0].Params["status"] != "open" {
		t.Errorf("undo %+v", a.UndoCalls)
	}
}

func TestCloseWithAReasonUndoesToEachFormerStatus(t *testing.T) {
	c := writebackCase()
	a, err := PlanAlertStatus(c, KibanaTarget{}, "closed", "false_positive")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"fs-1", "ho-1", "sess-1", "sib-ack", "sib-open"}; !slices.Equal(ids(a), want) {
		t.Fatalf("closes %v, want %v", ids(a), want)
	}
	if a.Calls[0].Params["reason"] != "false_positive" || a.Calls[0].Params["space"] != "default" || len(a.Warnings) != 0 {
		t.Errorf("call %+v warnings %v", a.Calls[0], a.Warnings)
	}
	undo := map[string][]string{}
	for _, u := range a.UndoCalls {
		undo[u.Params["status"].(string)] = u.Params["signal_ids"].([]string)
	}
	if !slices.Equal(undo["acknowledged"], []string{"sib-ack"}) || len(undo["open"]) != 4 {
		t.Errorf("undo %v", undo)
	}
	if a.ID == "" || strings.Contains(a.ID, " ") {
		t.Errorf("id %q", a.ID)
	}
}

func TestStatusPlanningRefusesWhatKibanaWould(t *testing.T) {
	c := writebackCase()
	for _, tc := range []struct{ status, reason, want string }{
		{"acknowledged", "false_positive", "only given when closing"},
		{"closed", "Because!", "want one of"},
		{"resolved-ish", "", "want open, acknowledged or closed"},
	} {
		if _, err := PlanAlertStatus(c, KibanaTarget{}, tc.status, tc.reason); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s/%s: err = %v", tc.status, tc.reason, err)
		}
	}
	a, err := PlanAlertStatus(c, KibanaTarget{}, "closed", "accepted_risk")
	if err != nil || len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "closeReasons") {
		t.Errorf("custom reason: %v %v", a.Warnings, err)
	}
	for i := range c.Siblings {
		c.Siblings[i].Status = "closed"
	}
	c.HigherOrderAlerts[0].Status = "closed"
	if _, err := PlanAlertStatus(c, KibanaTarget{}, "acknowledged", ""); !errors.Is(err, ErrNothingToChange) {
		t.Errorf("all closed, acknowledge: %v", err)
	}
	if _, err := PlanAlertStatus(&Case{Key: c.Key}, KibanaTarget{}, "closed", ""); !errors.Is(err, ErrNothingToChange) {
		t.Errorf("no alerts: %v", err)
	}
}

func TestKibanaCaseHoldsTheReportAndTheAlerts(t *testing.T) {
	c := writebackCase()
	report := "# Access key `AKIAIOSFODNN7EXAMPLE`\n\nSiblings...\n"
	a, err := PlanKibanaCase(c, KibanaTarget{URL: "https://kb", Space: "soc"}, report, KibanaCaseOptions{Tags: []string{"INC-42"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Calls) != 2 || a.Calls[0].Operation != OpCreateCase || a.Calls[1].Operation != OpAttachAlerts {
		t.Fatalf("calls %+v", a.Calls)
	}
	p := a.Calls[0].Params
	tags := p["tags"].([]string)
	if p["description"] != report || p["severity"] != "high" || p["owner"] != KibanaCaseOwner || !slices.Contains(tags, KibanaCaseTag(c.Key.String())) || !slices.Contains(tags, "INC-42") {
		t.Errorf("create params %v", p)
	}
	if title := p["title"].(string); !strings.Contains(title, c.Key.String()) || !strings.Contains(title, "alice") {
		t.Errorf("title %q", title)
	}
	alerts := a.Calls[1].Params["alerts"].([]AlertRef)
	if len(alerts) != 6 {
		t.Errorf("%d alerts attached, want the 6 Elastic ones", len(alerts))
	}
	if p["space"] != "soc" || p["sync_alerts"] != false {
		t.Errorf("create params %v", p)
	}
	// The action survives the journal (JSON) with its target and calls.
	b, _ := json.Marshal(a)
	var back Action
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Target != a.Target || back.Calls[1].Operation != OpAttachAlerts || len(back.Calls[1].ParamList("space")) != 1 {
		t.Errorf("after JSON: %+v", back)
	}
}

func TestLongReportGoesIntoCommentsInParts(t *testing.T) {
	c := writebackCase()
	var b strings.Builder
	for b.Len() < 75000 {
		b.WriteString("| 2026-03-12T10:00:00Z | ec2:RunInstances | us-east-1 | 203.0.113.7 | é |\n")
	}
	b.WriteString(strings.Repeat("x", 31000) + "\n") // one line longer than a comment
	report := b.String()
	a, err := PlanKibanaCase(c, KibanaTarget{}, report, KibanaCaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	desc := a.Calls[0].Params["description"].(string)
	if utf8.RuneCountInString(desc) > KibanaMaxText || !strings.Contains(desc, "comments") {
		t.Fatalf("description: %d characters: %.100s", utf8.RuneCountInString(desc), desc)
	}
	var joined strings.Builder
	parts := 0
	for _, call := range a.Calls[1:] {
		if call.Operation != OpAddCaseComment {
			continue
		}
		parts++
		text := call.Params["comment"].(string)
		if n := utf8.RuneCountInString(text); n > KibanaMaxText {
			t.Errorf("part %v: %d characters", call.Params["part"], n)
		}
		_, body, _ := strings.Cut(text, "**\n\n")
		joined.WriteString(body)
	}
	if parts < 4 || joined.String() != report {
		t.Errorf("%d parts; rejoined report equal: %v", parts, joined.String() == report)
	}
}

// A case without Elastic alerts says what was searched for them: the Elastic sources,
// not GuardDuty's findings; with no Elastic source it says that none was searched.
func TestNoElasticAlertSaysWhatWasSearchedForThem(t *testing.T) {
	c := &Case{Key: MustParseAccessKeyID("AKIAIOSFODNN7EXAMPLE")}
	c.Completeness.Alerts.Sources = []SourceCompleteness{
		{Source: "guardduty", Kind: "guardduty", Status: SearchComplete, Searched: "4 regions"},
	}
	_, err := PlanAlertStatus(c, KibanaTarget{}, "closed", "")
	if !errors.Is(err, ErrNothingToChange) || !strings.Contains(err.Error(), "no Elastic alert source was searched") || strings.Contains(err.Error(), "4 regions") {
		t.Errorf("GuardDuty only: %v", err)
	}
	c.Completeness.Alerts.Sources = append(c.Completeness.Alerts.Sources,
		SourceCompleteness{Source: "elastic:.alerts-security.alerts-*", Kind: "elasticsearch", Status: SearchComplete, Searched: "3 pages covering 2026-03-01 – 2026-03-12 UTC"})
	_, err = PlanAlertStatus(c, KibanaTarget{}, "closed", "")
	if err == nil || !strings.Contains(err.Error(), "none in elastic:.alerts-security.alerts-*: 3 pages covering") || strings.Contains(err.Error(), "guardduty") {
		t.Errorf("with Elasticsearch: %v", err)
	}
}
