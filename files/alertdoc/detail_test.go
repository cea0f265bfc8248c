package alertdoc

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

// An alert read for a case keeps its document (the _source of a hit), re-encoded with its
// values as read; one read for a ranking keeps none.
func TestCaseAlertsKeepTheirDocument(t *testing.T) {
	doc := fixture(t, "alert-first-seen.json")
	line, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	hit, _ := json.Marshal(map[string]any{"_index": ".internal.alerts-security.alerts-default-000003", "_id": "x", "_source": doc})
	search, _ := json.Marshal(map[string]any{"took": 3, "hits": map[string]any{"hits": []any{json.RawMessage(hit)}}})
	for name, data := range map[string][]byte{"a.ndjson": append(line, '\n'), "hits.ndjson": append(hit, '\n'), "search.json": search} {
		read := func(q investigate.AlertQuery) investigate.Alert {
			var got []investigate.Alert
			rep := Parse(name, bytes.NewReader(data), q, func(b []investigate.Alert) { got = append(got, b...) })
			if len(got) != 1 {
				t.Fatalf("%s: %d alerts, problems %v", name, len(got), rep.Problems)
			}
			return got[0]
		}
		if a := read(investigate.AlertQuery{}); a.Raw != nil || a.RawSize != 0 {
			t.Errorf("%s: a ranking's alert keeps its document (%d bytes)", name, len(a.Raw))
		}
		a := read(investigate.AlertQuery{AccessKeys: investigate.KeyIDs(testKey)})
		var raw map[string]any
		if err := json.Unmarshal(a.Raw, &raw); err != nil || a.RawSize != len(a.Raw) {
			t.Fatalf("%s: raw %q (%d of %d bytes): %v", name, a.Raw, len(a.Raw), a.RawSize, err)
		}
		if !reflect.DeepEqual(raw, doc) {
			t.Errorf("%s: the kept document is not the alert's _source:\n%s", name, a.Raw)
		}
		if strings.Contains(string(a.Raw), `\u0026`) {
			t.Errorf("%s: the document's & was escaped for HTML: %s", name, a.Raw)
		}
	}
}

// A threat entry that names nothing, or is no object, is a problem and left out; the
// others are read.
func TestRuleThreatEntriesAreCheckedOneByOne(t *testing.T) {
	doc := fixture(t, "alert-sibling.json")
	doc["kibana.alert.rule.description"] = "An adversary may create keys for another user."
	doc["kibana.alert.rule.threat"] = []any{
		"Persistence",
		map[string]any{"framework": "MITRE ATT&CK", "tactic": map[string]any{}, "technique": []any{}},
		map[string]any{"framework": "MITRE ATT&CK", "tactic": map[string]any{"id": "TA0003", "name": "Persistence"},
			"technique": []any{map[string]any{"id": "T1098", "name": "Account Manipulation", "subtechnique": []any{map[string]any{"id": "T1098.001"}, map[string]any{}}}}},
	}
	a, probs, err := MapElastic(doc, "", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []investigate.Threat{{Framework: "MITRE ATT&CK", Tactic: investigate.ThreatRef{ID: "TA0003", Name: "Persistence"},
		Techniques: []investigate.Technique{{ID: "T1098", Name: "Account Manipulation", Subtechniques: []investigate.ThreatRef{{ID: "T1098.001"}}}}}}
	if !reflect.DeepEqual(a.Threats, want) || a.RuleDescription != "An adversary may create keys for another user." {
		t.Errorf("threats %+v, description %q", a.Threats, a.RuleDescription)
	}
	var fields []string
	for _, p := range probs {
		fields = append(fields, p.String())
	}
	got := strings.Join(fields, "\n")
	for _, want := range []string{`kibana.alert.rule.threat: "Persistence" is not an object`, "kibana.alert.rule.threat[1]: an entry naming no tactic or technique"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}
