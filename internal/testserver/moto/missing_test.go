package moto

import (
	"strings"
	"testing"
)

// Without Main the first skip warns, and only the first.
func TestFirstSkipWarnsOnce(t *testing.T) {
	var got []string
	r := &skipReport{warn: func(m string) { got = append(got, m) }}
	r.skip()
	r.skip()
	r.exit()
	if len(got) != 1 || !strings.Contains(got[0], "WARNING: moto_server not found: the AWS adapter tests of ") ||
		!strings.Contains(got[0], "pip install 'moto[server]'") || !strings.Contains(got[0], "CI=true") {
		t.Errorf("warnings: %q", got)
	}
}

// Under Main the warning waits for the end, and counts the skipped tests; no skip, no
// warning.
func TestWarningAtExitCountsTheSkips(t *testing.T) {
	var got []string
	r := &skipReport{warn: func(m string) { got = append(got, m) }, atExit: true}
	r.exit()
	if len(got) != 0 {
		t.Fatalf("warned with nothing skipped: %q", got)
	}
	r.skip()
	r.skip()
	if len(got) != 0 {
		t.Fatalf("warned before the end: %q", got)
	}
	r.exit()
	if len(got) != 1 || !strings.Contains(got[0], "moto_server not found: 2 AWS adapter tests of ") {
		t.Errorf("warnings: %q", got)
	}
}
