package main

import (
	"strings"
	"testing"
)

// A command's help shows its own flags and one line naming --help-sources; the shared
// flags (sources, AWS, Elastic, ...) are all reachable there, and still accepted and
// suggested on the command line.
func TestHelpIsShortAndTheSharedFlagsAreReachable(t *testing.T) {
	r := kp(t, nil, "deactivate", "--help")
	lines := strings.Count(r.stdout, "\n")
	if r.code != 0 || lines >= 40 || !strings.Contains(r.stdout, "--help-sources") || !strings.Contains(r.stdout, "--revoke-sessions") {
		t.Fatalf("deactivate --help: exit %d, %d lines:\n%s", r.code, lines, r.stdout)
	}
	for _, shared := range []string{"--trail=", "--elastic-api-key", "--athena-workgroup", "--min-severity"} {
		if strings.Contains(r.stdout, shared) {
			t.Errorf("deactivate --help lists the shared flag %s", shared)
		}
	}

	full := kp(t, nil, "deactivate", "--help-sources")
	if full.code != 0 || !strings.Contains(full.stdout, "--revoke-sessions") {
		t.Fatalf("deactivate --help-sources: exit %d\n%s%s", full.code, full.stdout, full.stderr)
	}
	for _, shared := range []string{"--demo", "--trail=", "--alerts=", "--since=", "--read-only", "--profile=", "--live", "--elastic=", "--elastic-api-key", "--kibana-space", "--accounts=", "--athena-workgroup", "--min-severity"} {
		if !strings.Contains(full.stdout, shared) {
			t.Errorf("deactivate --help-sources lacks %s", shared)
		}
	}
	if top := kp(t, nil, "--help"); top.code != 0 || strings.Count(top.stdout, "\n") >= 40 || !strings.Contains(top.stdout, "deactivate") || !strings.Contains(top.stdout, "--help-sources") {
		t.Errorf("keypivot --help: exit %d\n%s", top.code, top.stdout)
	}
	if all := kp(t, nil, "--help-sources"); all.code != 0 || !strings.Contains(all.stdout, "--elastic-trail-index") || !strings.Contains(all.stdout, "deactivate") {
		t.Errorf("keypivot --help-sources: exit %d\n%s", all.code, all.stdout)
	}
	// Hidden from help only: a misspelt shared flag is still suggested.
	if r := kp(t, nil, "keys", "--demo", "--profle", "x"); r.code != exitUsage || !strings.Contains(r.stderr, `did you mean "--profile"?`) {
		t.Errorf("misspelt shared flag: exit %d %q", r.code, r.stderr)
	}
}
