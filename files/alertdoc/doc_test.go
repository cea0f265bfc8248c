package alertdoc

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// decode parses a JSON object literal for a test.
func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON: %v\n%s", err, s)
	}
	return m
}

// fixture reads a JSON object from testdata.
func fixture(t testing.TB, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, string(b))
}

func TestDocStr(t *testing.T) {
	tests := []struct {
		name, doc, path, want string
	}{
		{"flat dotted key", `{"kibana.alert.rule.name":"R"}`, "kibana.alert.rule.name", "R"},
		{"nested path", `{"kibana":{"alert":{"rule":{"name":"R"}}}}`, "kibana.alert.rule.name", "R"},
		{"mixed: dotted parent, nested rest", `{"kibana.alert":{"rule":{"name":"R"}}}`, "kibana.alert.rule.name", "R"},
		{"mixed: nested parent, dotted rest", `{"kibana":{"alert.rule.name":"R"}}`, "kibana.alert.rule.name", "R"},
		{"flat key wins over nested", `{"event.kind":"signal","event":{"kind":"event"}}`, "event.kind", "signal"},
		{"nested used when flat is null", `{"event.kind":null,"event":{"kind":"event"}}`, "event.kind", "event"},
		{"a split that dead-ends falls through to the next", `{"source":{"geo":{}},"source.geo":{"country_name":"Germany"}}`, "source.geo.country_name", "Germany"},
		{"array: first element", `{"source":{"ip":["1.2.3.4","5.6.7.8"]}}`, "source.ip", "1.2.3.4"},
		{"array: first non-null element", `{"source.ip":[null,"5.6.7.8"]}`, "source.ip", "5.6.7.8"},
		{"nested arrays", `{"a":[[["x"]]]}`, "a", "x"},
		{"array of objects on the way", `{"PortProbeDetails":[{"RemoteIpDetails":{"IpAddressV4":"9.9.9.9"}}]}`, "PortProbeDetails.RemoteIpDetails.IpAddressV4", "9.9.9.9"},
		{"PascalCase asked, camelCase held", `{"service":{"action":{"awsApiCallAction":{"api":"ListUsers"}}}}`, "Service.Action.AwsApiCallAction.Api", "ListUsers"},
		{"camelCase asked, PascalCase held", `{"Resource":{"AccessKeyDetails":{"AccessKeyId":"AKIA"}}}`, "resource.accessKeyDetails.accessKeyId", "AKIA"},
		{"exact case preferred over folded", `{"Id":"upper","id":"lower"}`, "id", "lower"},
		{"folded choice is deterministic", `{"ID":"a","Id":"b"}`, "id", "a"},
		{"number formatted without exponent", `{"cloud":{"account":{"id":210987654321}}}`, "cloud.account.id", "210987654321"},
		{"boolean formatted", `{"archived":true}`, "archived", "true"},
		{"object is not a string", `{"source":{"ip":{"x":1}}}`, "source.ip", ""},
		{"absent", `{"source":{"port":443}}`, "source.ip", ""},
		{"path through a scalar", `{"source":"1.2.3.4"}`, "source.ip", ""},
		{"empty path", `{"":"x"}`, "", ""},
		{"trailing dot", `{"a":{"":"x"}}`, "a.", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Doc(decode(t, tt.doc)).Str(tt.path); got != tt.want {
				t.Errorf("Str(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestDocStrs(t *testing.T) {
	tests := []struct {
		name, doc, path string
		want            []string
	}{
		{"list field keeps all", `{"kibana.alert.rule.tags":["Domain: Cloud","Rule Type: Higher-Order Rule"]}`, "kibana.alert.rule.tags", []string{"Domain: Cloud", "Rule Type: Higher-Order Rule"}},
		{"scalar is a list of one", `{"source":{"ip":"1.2.3.4"}}`, "source.ip", []string{"1.2.3.4"}},
		{"nulls, empties and objects left out", `{"x":["a",null,"",{"k":1},2]}`, "x", []string{"a", "2"}},
		{"gathered across an array of objects", `{"hosts":[{"ip":"a"},{"ip":["b","c"]},{"other":1}]}`, "hosts.ip", []string{"a", "b", "c"}},
		{"absent", `{}`, "x", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Doc(decode(t, tt.doc)).Strs(tt.path); !slices.Equal(got, tt.want) {
				t.Errorf("Strs(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestDocTypedGetters(t *testing.T) {
	d := Doc(decode(t, `{
		"risk": 47, "riskStr": " 73.5 ", "bad": "high",
		"archived": "true", "flag": false,
		"rfc": "2026-03-02T09:14:47.361Z", "millis": 1772442887361, "millisStr": "1772442887361",
		"seconds": 1772442887, "java": "Mar 2, 2026 9:14:47 AM", "notTime": "yesterday"
	}`))
	if f, ok := d.Float("risk"); !ok || f != 47 {
		t.Errorf("Float(risk) = %v, %v", f, ok)
	}
	if f, ok := d.Float("riskStr"); !ok || f != 73.5 {
		t.Errorf("Float(riskStr) = %v, %v", f, ok)
	}
	if _, ok := d.Float("bad"); ok {
		t.Error("Float(bad) ok, want not ok")
	}
	if b, ok := d.Bool("archived"); !ok || !b {
		t.Errorf("Bool(archived) = %v, %v", b, ok)
	}
	if b, ok := d.Bool("flag"); !ok || b {
		t.Errorf("Bool(flag) = %v, %v", b, ok)
	}
	want := time.Date(2026, 3, 2, 9, 14, 47, 361e6, time.UTC)
	for _, p := range []string{"rfc", "millis", "millisStr"} {
		if got, ok := d.Time(p); !ok || !got.Equal(want) {
			t.Errorf("Time(%s) = %v, %v; want %v", p, got, ok, want)
		}
	}
	if got, ok := d.Time("seconds"); !ok || !got.Equal(want.Truncate(time.Second)) {
		t.Errorf("Time(seconds) = %v, %v", got, ok)
	}
	if got, ok := d.Time("java"); !ok || !got.Equal(want.Truncate(time.Second)) {
		t.Errorf("Time(java) = %v, %v", got, ok)
	}
	if _, ok := d.Time("notTime"); ok {
		t.Error("Time(notTime) ok, want not ok")
	}
	if got, ok := d.TimeAny("absent", "rfc"); !ok || !got.Equal(want) {
		t.Errorf("TimeAny = %v, %v", got, ok)
	}
}

func TestDocNil(t *testing.T) {
	var d Doc
	if d.Has("a") || d.Str("a") != "" || d.Strs("a") != nil || d.Object("a") != nil || d.Objects("a") != nil {
		t.Error("nil Doc returned something")
	}
}
