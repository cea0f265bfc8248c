package investigate

import (
	"strings"
	"testing"
)

// The default space has no prefix however it is named; another is one path-escaped
// segment, so a space name cannot reach another path.
func TestKibanaSpacePath(t *testing.T) {
	for space, want := range map[string]string{
		"":                 "",
		DefaultKibanaSpace: "",
		"soc":              "/s/soc",
		"team a/../x":      "/s/team%20a%2F..%2Fx",
	} {
		if got := KibanaSpacePath(space); got != want {
			t.Errorf("KibanaSpacePath(%q) = %q, want %q", space, got, want)
		}
	}
}

// A Kibana error names the request and, for the answers an analyst can act on, what
// to check.
func TestKibanaErrorSaysWhatToCheck(t *testing.T) {
	for status, want := range map[int]string{
		400: "Kibana POST /s/soc/api/cases: HTTP 400: bad",
		401: "(check the API key or user and password)",
		403: "need All in the space",
	} {
		err := &KibanaError{Method: "POST", Path: "/s/soc/api/cases", Status: status, Message: "bad"}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("HTTP %d: %q lacks %q", status, err.Error(), want)
		}
	}
	if s := (&KibanaError{Status: 400}).Error(); strings.Contains(s, "(") {
		t.Errorf("a 400 gives advice: %q", s)
	}
}
