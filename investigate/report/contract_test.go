package report_test

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/internal/demo"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// injection holds what an attacker can put in any string CloudTrail or an alert carries:
// a screen clear, an OSC 52 clipboard write ended by BEL, a carriage return that would
// overwrite the line, a bidi override, a C1 CSI, and a line feed followed by a forged line.
const injection = "x\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07\rEVIL\u202egnp.exe\u009b31m\nFORGED LINE"

// fill is what setAll writes into a value.
type fill struct {
	str  string
	num  int64
	flag bool
}

// setAll sets every exported string, number and bool reachable from v, through structs,
// pointers (allocated), slices (given one element when empty) and maps (given one entry,
// keyed by f.str). Byte slices (raw records) are left alone.
func setAll(v reflect.Value, f fill, depth int) {
	if depth > 12 {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.str)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(f.num)
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(f.num))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(f.num))
	case reflect.Bool:
		v.SetBool(f.flag)
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		setAll(v.Elem(), f, depth+1)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && v.Field(i).CanSet() {
				setAll(v.Field(i), f, depth+1)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		if v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		}
		for i := range v.Len() {
			setAll(v.Index(i), f, depth+1)
		}
	case reflect.Map:
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		k := reflect.New(v.Type().Key()).Elem()
		setAll(k, f, depth+1)
		e := reflect.New(v.Type().Elem()).Elem()
		setAll(e, f, depth+1)
		v.SetMapIndex(k, e)
	}
}

func injectedCase(flag bool) *investigate.Case {
	c := &investigate.Case{}
	setAll(reflect.ValueOf(c), fill{str: injection, num: 2, flag: flag}, 0)
	return c
}

func injectedRanking(flag bool) *investigate.Ranking {
	r := &investigate.Ranking{}
	setAll(reflect.ValueOf(r), fill{str: injection, num: 2, flag: flag}, 0)
	return r
}

// dangerousRune is what must never reach a terminal from a report: C0 controls but the
// line feed, DEL, C1 controls, bidi controls, line separators and zero-width characters.
func dangerousRune(r rune) bool {
	switch {
	case r < 0x20 && r != '\n', r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	case r == 0x2028, r == 0x2029, r == 0xfeff, r >= 0x200b && r <= 0x200d, r == 0x2060:
		return true
	}
	return false
}

// checkInert fails on any dangerous character or ANSI sequence in out, on a line forged
// by a line feed inside a value, and on a line wider than width (when width > 0).
func checkInert(t *testing.T, name, out string, width int) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s: invalid UTF-8", name)
	}
	for i, r := range out {
		if dangerousRune(r) {
			t.Errorf("%s: raw %U at byte %d: %q", name, r, i, out[max(0, i-40):min(len(out), i+40)])
			return
		}
	}
	if ansi.Strip(out) != out {
		t.Errorf("%s: ANSI sequences survive", name)
	}
	if !strings.Contains(out, `\x1b[2J`) || !strings.Contains(out, `\u202e`) {
		t.Errorf("%s: the injected values are not shown escaped", name)
	}
	fenced := false // inside a Markdown code block (an Athena query keeps its line feeds there)
	for i, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		if !fenced && strings.HasPrefix(strings.TrimLeft(line, " |-*#>"), "FORGED") {
			t.Errorf("%s: line %d was forged by a line feed in a value: %q", name, i+1, line)
		}
		if w := ansi.StringWidth(line); width > 0 && w > width {
			t.Errorf("%s: line %d is %d columns (width %d): %q", name, i+1, w, width, line)
		}
	}
}

// Every string of the case and of the ranking, whatever its field, reaches the text,
// Markdown and keys reports inert: set by reflection, so a field added later is covered.
func TestEveryStringFieldIsInertInEveryReport(t *testing.T) {
	for _, flag := range []bool{false, true} {
		c := injectedCase(flag)
		for _, width := range []int{80, 100, -1} {
			for _, tl := range []string{report.TimelineNotable, report.TimelineAll} {
				var b bytes.Buffer
				if err := report.Text(&b, c, report.Options{Width: width, Timeline: tl, MaxRows: -1}); err != nil {
					t.Fatal(err)
				}
				checkInert(t, "text", b.String(), width)
			}
		}
		var m bytes.Buffer
		if err := report.Markdown(&m, c, report.Options{Timeline: report.TimelineAll, MaxRows: -1}); err != nil {
			t.Fatal(err)
		}
		checkInert(t, "markdown", m.String(), 0)

		r := injectedRanking(flag)
		var kt, km bytes.Buffer
		if err := report.KeysText(&kt, r, report.Options{Width: 80}); err != nil {
			t.Fatal(err)
		}
		checkInert(t, "keys text", kt.String(), 80)
		kt.Reset()
		if err := report.KeysText(&kt, r, report.Options{Width: -1}); err != nil {
			t.Fatal(err)
		}
		checkInert(t, "keys text, no width limit", kt.String(), 0)
		if err := report.KeysMarkdown(&km, r); err != nil {
			t.Fatal(err)
		}
		checkInert(t, "keys markdown", km.String(), 0)

		var j bytes.Buffer
		if err := report.CaseJSON(&j, c); err != nil {
			t.Fatal(err)
		}
		for i, r := range j.String() {
			if dangerousRune(r) {
				t.Fatalf("json: raw %U at byte %d", r, i)
			}
		}
		var back investigate.Case
		if err := json.Unmarshal(j.Bytes(), &back); err != nil {
			t.Fatal(err)
		}
		if back.FollowUps.Launches[0].InstanceType != injection || back.Coverage.Sources[0].Regions[0].Region != injection {
			t.Fatal("JSON did not keep the values exactly")
		}
	}
}

// The fields the review found printed raw, one by one: each is shown escaped in the text.
func TestTextEscapesTheFieldsOnceShownRaw(t *testing.T) {
	c := testCase(t)
	c.CreatedAccessKeys[0].AccessKeyID = "AKIA\x1b[2Jcreated"
	c.FollowUps.KeyPairs[0].ID = "key-\x1b]52;c;eA==\x07id"
	c.FollowUps.KeyPairs[0].Region = "us-\rregion"
	l := &c.FollowUps.Launches[0]
	l.Region, l.InstanceIDs, l.ErrorCode, l.EventID, l.InstanceType = "eu-\u202eregion", []string{"i-\x1b[5mid"}, "", "ev\x07id", "p3.\x1b[31mbig"
	c.FollowUps.Instances = []investigate.Instance{{InstanceID: "i-\x1b[1minst", Region: "ap-\x9bregion", InstanceType: "g5.\x1b[2Jtype"}}
	c.Timeline[0].Region = "tl-\x1b[2Jregion"
	c.Coverage.Regions = []string{"cv-\u202eregion"}
	var b bytes.Buffer
	if err := report.Text(&b, c, report.Options{Width: 100, Timeline: report.TimelineAll}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	assertInert(t, out)
	for _, want := range []string{`AKIA\x1b[2Jcreated`, `key-\x1b]52;c;eA==\x07id`, `us-\rregion`, `eu-\u202eregion`, `i-\x1b[5mid`, `ev\x07id`,
		`p3.\x1b[31mbig`, `i-\x1b[1minst`, `ap-\x9bregion`, `g5.\x1b[2Jtype`, `tl-\x1b[2J`, `cv-\u202eregion`} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q", want)
		}
	}
}

var (
	demoOnce    sync.Once
	demoCase    *investigate.Case
	demoRanking *investigate.Ranking
	demoErr     error
)

// theDemo is the embedded demo case as `keypivot pivot --demo` builds it.
func theDemo(t *testing.T) (*investigate.Case, *investigate.Ranking) {
	t.Helper()
	demoOnce.Do(func() {
		ds := demo.Generate(demo.DefaultAnchor())
		w := &investigate.Workspace{
			Alerts:      []investigate.AlertSource{demo.AlertSource(ds)},
			Trails:      []investigate.EventSource{demo.TrailSource(ds)},
			Correlation: investigate.DefaultCorrelationOptions(),
			Demo:        true,
			Now:         func() time.Time { return ds.Anchor },
			Describe:    "DEMO: embedded scenario, simulated account",
		}
		ctx := context.Background()
		if demoRanking, demoErr = w.Rank(ctx, false); demoErr != nil {
			return
		}
		demoCase, demoErr = w.Investigate(ctx, investigate.MustParseAccessKeyID(ds.CompromisedKey), 0, nil)
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	return demoCase, demoRanking
}

// Every line of the demo's text reports fits the width, in every timeline mode.
func TestDemoTextFitsTheWidth(t *testing.T) {
	c, r := theDemo(t)
	for _, width := range []int{80, 100} {
		for _, tl := range []string{report.TimelineNotable, report.TimelineAll, report.TimelineNone} {
			var b bytes.Buffer
			if err := report.Text(&b, c, report.Options{Width: width, Timeline: tl, MaxRows: -1}); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(b.String(), "\n")
			if len(lines) < 100 {
				t.Fatalf("width %d, timeline %s: only %d lines", width, tl, len(lines))
			}
			for i, line := range lines {
				if w := ansi.StringWidth(line); w > width {
					t.Errorf("width %d, timeline %s: line %d is %d columns: %q", width, tl, i+1, w, line)
				}
			}
			// What the long lines held is still all there, wrapped rather than cut.
			for _, k := range c.CreatedAccessKeys {
				if !strings.Contains(b.String(), k.AccessKeyID) || !strings.Contains(b.String(), "by "+k.Signer) {
					t.Errorf("width %d: created key %s or its signer %s is missing", width, k.AccessKeyID, k.Signer)
				}
			}
		}
		var b bytes.Buffer
		if err := report.KeysText(&b, r, report.Options{Width: width}); err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(b.String(), "\n") {
			if w := ansi.StringWidth(line); w > width {
				t.Errorf("keys, width %d: line %d is %d columns: %q", width, i+1, w, line)
			}
		}
	}
}

// The JSON contract of the issue, checked on the demo case: every path is present on
// every element, arrays are arrays, and a launch without an error still has error_code.
func TestDemoJSONHasEveryContractField(t *testing.T) {
	c, _ := theDemo(t)
	var b bytes.Buffer
	if err := report.CaseJSON(&b, c); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	contract := map[string][]string{
		"":                    {"key", "owner", "siblings", "event_count", "source_ips", "sessions", "followups", "created_access_keys", "coverage"},
		"owner":               {"user", "arn", "account", "type"},
		"siblings":            {"rule_id", "rule_name", "alert_id", "severity", "risk_score", "status", "time"},
		"source_ips":          {"ip", "count", "first", "last"},
		"sessions":            {"access_key_id", "issued_by_event", "role_arn", "event_count"},
		"followups":           {"key_pairs", "launches"},
		"followups.key_pairs": {"name", "id", "region"},
		"followups.launches":  {"event_id", "region", "signer", "key_name", "instance_type", "instance_ids", "error_code"},
		"coverage":            {"sources", "alert_sources", "accounts", "regions", "events", "duplicates", "problems", "gaps"},
		"coverage.sources":    {"source", "kind", "files", "files_skipped", "bytes", "records", "matched", "regions", "truncated", "query", "notes", "problems"},
	}
	arrays := []string{"siblings", "source_ips", "sessions", "created_access_keys", "followups.key_pairs", "followups.launches",
		"followups.launches.instance_ids", "coverage.sources", "coverage.sources.regions", "coverage.sources.notes", "coverage.sources.problems"}
	for path, fields := range contract {
		objs := objectsAt(t, doc, path)
		if len(objs) == 0 {
			t.Fatalf("%s: nothing in the demo case", path)
		}
		for i, o := range objs {
			for _, f := range fields {
				if _, ok := o[f]; !ok {
					t.Errorf("%s[%d] lacks %q", path, i, f)
				}
			}
		}
	}
	for _, path := range arrays {
		parent, last := "", path
		if i := strings.LastIndex(path, "."); i >= 0 {
			parent, last = path[:i], path[i+1:]
		}
		for i, o := range objectsAt(t, doc, parent) {
			if _, ok := o[last].([]any); !ok {
				t.Errorf("%s (element %d of %s) is %T, not an array", path, i, parent, o[last])
			}
		}
	}
	clean := 0
	for _, l := range objectsAt(t, doc, "followups.launches") {
		if l["error_code"] == "" {
			clean++
			if ids, _ := l["instance_ids"].([]any); len(ids) == 0 {
				t.Errorf("a launch without an error has no instance ids: %v", l)
			}
		}
	}
	if clean == 0 {
		t.Fatal("the demo has no launch without an error to check")
	}
}

// A case built from nothing but zero values: every field of every object is still in
// the JSON (whatever omitempty says, here or in the types case.go uses), arrays are []
// and maps {}, never null, and a zero time is null.
func TestJSONWritesEveryFieldOfEveryObject(t *testing.T) {
	c := &investigate.Case{}
	setAll(reflect.ValueOf(c), fill{}, 0)
	// Nested nil slices and maps, which BuildCase does not normalise.
	c.FollowUps.Launches[0].InstanceIDs = nil
	c.FollowUps.Instances[0].Tags = nil
	c.Coverage.Sources[0].Regions, c.Coverage.Sources[0].Notes, c.Coverage.Sources[0].Problems = nil, nil, nil
	c.Owner.OtherKeys = nil
	var b bytes.Buffer
	if err := report.CaseJSON(&b, c); err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	checkComplete(t, "case", reflect.ValueOf(c).Elem(), doc)
}

var timeType = reflect.TypeFor[time.Time]()

// checkComplete walks v and its JSON form together.
func checkComplete(t *testing.T, path string, v reflect.Value, doc any) {
	t.Helper()
	switch {
	case v.Type() == timeType:
		if v.Interface().(time.Time).IsZero() && doc != nil {
			t.Errorf("%s: a zero time is %v, want null", path, doc)
		}
		return
	case v.Type().Implements(reflect.TypeFor[json.Marshaler]()):
		return
	case v.Type().Implements(reflect.TypeFor[encoding.TextMarshaler]()):
		if _, ok := doc.(string); !ok {
			t.Errorf("%s is %T, want a string", path, doc)
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			if doc != nil {
				t.Errorf("%s: nil pointer is %v", path, doc)
			}
			return
		}
		checkComplete(t, path, v.Elem(), doc)
	case reflect.Struct:
		obj, ok := doc.(map[string]any)
		if !ok {
			t.Errorf("%s is %T, want an object", path, doc)
			return
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				// An untagged embedded struct's fields sit beside the others.
				checkComplete(t, path, v.Field(i), doc)
				continue
			}
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			val, ok := obj[name]
			if !ok {
				t.Errorf("%s lacks %q", path, name)
				continue
			}
			checkComplete(t, path+"."+name, v.Field(i), val)
		}
	case reflect.Slice:
		arr, ok := doc.([]any)
		if !ok {
			t.Errorf("%s is %v (%T), want an array", path, doc, doc)
			return
		}
		for i := range min(v.Len(), len(arr)) {
			checkComplete(t, path+"[]", v.Index(i), arr[i])
		}
	case reflect.Map:
		if _, ok := doc.(map[string]any); !ok {
			t.Errorf("%s is %v (%T), want an object", path, doc, doc)
		}
	}
}

// objectsAt returns the objects at a dotted path, through every element of arrays.
func objectsAt(t *testing.T, doc map[string]any, path string) []map[string]any {
	t.Helper()
	cur := []any{doc}
	if path != "" {
		for _, p := range strings.Split(path, ".") {
			var next []any
			for _, c := range cur {
				m, ok := c.(map[string]any)
				if !ok {
					t.Fatalf("%s: %T is not an object", path, c)
				}
				switch v := m[p].(type) {
				case []any:
					next = append(next, v...)
				default:
					next = append(next, v)
				}
			}
			cur = next
		}
	}
	out := make([]map[string]any, 0, len(cur))
	for _, c := range cur {
		m, ok := c.(map[string]any)
		if !ok {
			t.Fatalf("%s holds %T, not objects", path, c)
		}
		out = append(out, m)
	}
	return out
}
