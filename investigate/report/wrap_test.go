package report_test

import (
	"strings"
	"testing"

	"github.com/keypivot/keypivot/investigate/report"
)

// A prompt is wrapped at its spaces, never inside the token to type (which may hold
// spaces: a key pair's name), and keeps the space the cursor waits after; a token
// wider than the line gets a line of its own, unbroken.
func TestWrapPromptKeepsTheTokenWhole(t *testing.T) {
	long := strings.Repeat("x", 50)
	for _, c := range []struct {
		prompt, token string
		width         int
		want          string
	}{
		{"Type its name " + long + " to proceed: ", long, 30, "Type its name\n" + long + "\nto proceed: "},
		{"Delete key pair ops deploy key? Type ops deploy key: ", "ops deploy key", 24,
			"Delete key pair\nops deploy key? Type\nops deploy key: "},
		{"Type AKIAQQQQQQQQQQQQQQQ1: ", "AKIAQQQQQQQQQQQQQQQ1", 80, "Type AKIAQQQQQQQQQQQQQQQ1: "},
		{"", "AKIAQQQQQQQQQQQQQQQ1", 80, ""},
	} {
		if got := report.WrapPrompt(c.prompt, c.token, c.width); got != c.want {
			t.Errorf("WrapPrompt(%q, %q, %d):\n%q\nwant\n%q", c.prompt, c.token, c.width, got, c.want)
		}
	}
}
