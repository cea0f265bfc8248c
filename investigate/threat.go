package investigate

import (
	"strings"
)

// MITRE ATT&CK as a detection rule names it (kibana.alert.rule.threat): which tactic
// the behaviour serves and by which techniques, so that an analyst reading an alert
// knows where in an attack it sits without opening the rule.

// FrameworkMITRE is the framework Elastic's prebuilt rules map to.
const FrameworkMITRE = "MITRE ATT&CK"

// Threat is one tactic a rule maps to, with the techniques it detects for it. The JSON
// names are Elastic's (kibana.alert.rule.threat: framework, tactic, technique[],
// technique[].subtechnique[]).
type Threat struct {
	Framework  string      `json:"framework"`
	Tactic     ThreatRef   `json:"tactic"`
	Techniques []Technique `json:"technique"`
}

// ThreatRef names one tactic, technique or subtechnique: its id (TA0001, T1078,
// T1078.004), its name, and the framework's page about it.
type ThreatRef struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Reference string `json:"reference"`
}

// Technique is one technique of a tactic, with the subtechniques the rule names.
type Technique struct {
	ID            string      `json:"id"`
	Name          string      `json:"name"`
	Reference     string      `json:"reference"`
	Subtechniques []ThreatRef `json:"subtechnique"`
}

// Ref is the technique without its subtechniques.
func (t Technique) Ref() ThreatRef { return ThreatRef{ID: t.ID, Name: t.Name, Reference: t.Reference} }

// String names a tactic or technique: "Initial Access (TA0001)", the id or the name
// alone when only one is known.
func (r ThreatRef) String() string {
	switch {
	case r.ID == "":
		return r.Name
	case r.Name == "":
		return r.ID
	}
	return r.Name + " (" + r.ID + ")"
}

// String writes one tactic and its techniques on one line: "Initial Access (TA0001):
// Valid Accounts (T1078) > Cloud Accounts (T1078.004)"; techniques are separated by
// "; ". A framework other than MITRE ATT&CK is named first.
func (t Threat) String() string {
	s := t.Tactic.String()
	if s == "" {
		s = "tactic not named"
	}
	if t.Framework != "" && t.Framework != FrameworkMITRE {
		s = t.Framework + ": " + s
	}
	techs := make([]string, 0, len(t.Techniques))
	for _, te := range t.Techniques {
		w := te.Ref().String()
		subs := make([]string, 0, len(te.Subtechniques))
		for _, st := range te.Subtechniques {
			subs = append(subs, st.String())
		}
		if len(subs) > 0 {
			w += " > " + strings.Join(subs, ", ")
		}
		techs = append(techs, w)
	}
	if len(techs) > 0 {
		s += ": " + strings.Join(techs, "; ")
	}
	return s
}

// ThreatIDs lists the ids a rule maps to, tactics first, most specific technique last:
// "TA0001 T1078.004", compact enough for a table cell. A technique is left out when one
// of its subtechniques is named.
func ThreatIDs(threats []Threat) []string {
	var ids []string
	for _, t := range threats {
		if t.Tactic.ID != "" {
			ids = appendUnique(ids, t.Tactic.ID)
		}
	}
	for _, t := range threats {
		for _, te := range t.Techniques {
			if len(te.Subtechniques) == 0 {
				if te.ID != "" {
					ids = appendUnique(ids, te.ID)
				}
				continue
			}
			for _, st := range te.Subtechniques {
				if st.ID != "" {
					ids = appendUnique(ids, st.ID)
				}
			}
		}
	}
	return ids
}
