package investigate_test

import (
	"encoding/json"
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

// A whole number reads the same as planned (an int) and as read back from a journal's
// JSON (a float64 or a json.Number); anything else is not one.
func TestParamIntAsPlannedAndAsJournalled(t *testing.T) {
	call := func(v any) investigate.APICall { return investigate.APICall{Params: map[string]any{"N": v}} }
	for _, v := range []any{25, int32(25), int64(25), float64(25), json.Number("25")} {
		if n, ok := call(v).ParamInt("N"); !ok || n != 25 {
			t.Errorf("%T %v: %d %v, want 25", v, v, n, ok)
		}
	}
	for _, v := range []any{nil, 0.5, "25", json.Number("x"), true, 1e300} {
		if n, ok := call(v).ParamInt("N"); ok {
			t.Errorf("%T %v read as %d", v, v, n)
		}
	}
	if f, ok := call(0.5).ParamNumber("N"); !ok || f != 0.5 {
		t.Errorf("0.5 is a number: %v %v", f, ok)
	}
	if _, ok := call("0").ParamNumber("N"); ok {
		t.Error(`"0" is a string, not a number`)
	}
}
