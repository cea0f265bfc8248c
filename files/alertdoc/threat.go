package alertdoc

import (
	"strings"

	"github.com/keypivot/keypivot/investigate"
)

// readThreats reads a rule's MITRE ATT&CK mapping (kibana.alert.rule.threat): an array
// of {framework, tactic{id,name,reference}, technique[{id,name,reference,
// subtechnique[...]}]}, from the first of paths that holds any. An entry that is not an
// object, or names neither a tactic nor a technique, is a problem and left out; a
// field of the wrong type inside one is left unset, as everywhere.
func readThreats(r fieldReader, paths ...string) []investigate.Threat {
	for _, path := range paths {
		var out []investigate.Threat
		for _, t := range r.objects(path) {
			th := investigate.Threat{Framework: t.keyword("framework"), Tactic: threatRef(t.object("tactic"))}
			for _, te := range t.objects("technique") {
				ref := threatRef(te)
				tq := investigate.Technique{ID: ref.ID, Name: ref.Name, Reference: ref.Reference}
				for _, st := range te.objects("subtechnique") {
					if sr := threatRef(st); sr != (investigate.ThreatRef{}) {
						tq.Subtechniques = append(tq.Subtechniques, sr)
					}
				}
				if tq.ID != "" || tq.Name != "" || len(tq.Subtechniques) > 0 {
					th.Techniques = append(th.Techniques, tq)
				}
			}
			if th.Tactic == (investigate.ThreatRef{}) && len(th.Techniques) == 0 {
				*t.bad = append(*t.bad, FieldProblem{Field: strings.TrimSuffix(t.prefix, "."), Got: "an entry naming no tactic or technique", Want: "a tactic with its techniques"})
				continue
			}
			out = append(out, th)
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// threatRef reads one tactic, technique or subtechnique: its id, name and reference.
func threatRef(r fieldReader) investigate.ThreatRef {
	if r.m == nil {
		return investigate.ThreatRef{}
	}
	return investigate.ThreatRef{ID: r.keyword("id"), Name: r.keyword("name"), Reference: r.keyword("reference")}
}
