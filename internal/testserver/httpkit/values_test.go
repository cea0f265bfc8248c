package httpkit

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestCopyJSONCopiesAllTheWayDownAndRenames(t *testing.T) {
	in := map[string]any{"Outer": map[string]any{"Inner": []any{map[string]any{"Leaf": json.Number("1")}, "s"}}}
	same := CopyJSON(in, nil).(map[string]any)
	if !reflect.DeepEqual(same, in) {
		t.Fatalf("copy %v differs from %v", same, in)
	}
	same["Outer"].(map[string]any)["Inner"].([]any)[0].(map[string]any)["Leaf"] = "changed"
	if in["Outer"].(map[string]any)["Inner"].([]any)[0].(map[string]any)["Leaf"] != json.Number("1") {
		t.Error("changing the copy changed the original")
	}
	lower := CopyJSON(in, strings.ToLower)
	want := map[string]any{"outer": map[string]any{"inner": []any{map[string]any{"leaf": json.Number("1")}, "s"}}}
	if !reflect.DeepEqual(lower, want) {
		t.Errorf("renamed %v, want %v", lower, want)
	}
}

func TestNumber(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want float64
		ok   bool
	}{
		{json.Number("2.5"), 2.5, true},
		{json.Number("x"), 0, false},
		{float64(3), 3, true},
		{int64(4), 4, true},
		{5, 5, true},
		{"6", 6, true},
		{" 6", 0, false},
		{true, 0, false},
		{nil, 0, false},
	} {
		if got, ok := Number(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("Number(%#v) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
