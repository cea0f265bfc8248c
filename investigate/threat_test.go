package investigate

import (
	"reflect"
	"testing"
)

func TestThreatWording(t *testing.T) {
	initial := Threat{
		Framework: FrameworkMITRE,
		Tactic:    ThreatRef{ID: "TA0001", Name: "Initial Access"},
		Techniques: []Technique{{ID: "T1078", Name: "Valid Accounts",
			Subtechniques: []ThreatRef{{ID: "T1078.004", Name: "Cloud Accounts"}}}},
	}
	discovery := Threat{
		Framework:  FrameworkMITRE,
		Tactic:     ThreatRef{ID: "TA0007", Name: "Discovery"},
		Techniques: []Technique{{ID: "T1033", Name: "System Owner/User Discovery"}, {ID: "T1580"}},
	}
	if got, want := initial.String(), "Initial Access (TA0001): Valid Accounts (T1078) > Cloud Accounts (T1078.004)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := discovery.String(), "Discovery (TA0007): System Owner/User Discovery (T1033); T1580"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	other := Threat{Framework: "Custom", Techniques: []Technique{{Name: "Thing"}}}
	if got, want := other.String(), "Custom: tactic not named: Thing"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Tactics first, then the most specific techniques, each once.
	if got, want := ThreatIDs([]Threat{initial, discovery, initial}), []string{"TA0001", "TA0007", "T1078.004", "T1033", "T1580"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ThreatIDs = %v, want %v", got, want)
	}
	if ThreatIDs(nil) != nil {
		t.Error("no threat, yet ids")
	}
}
