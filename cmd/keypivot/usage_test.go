package main

import (
	"strings"
	"testing"
)

// A misspelt command is named as one, with the commands it is close to, instead of being
// read as the workbench's malformed key id; a word meant as a key keeps the key's error.
func TestUnknownCommandIsNamed(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"pivto", "--demo"}, `unknown command "pivto" (did you mean "pivot"?)`},
		{[]string{"--since", "7d", "keyz"}, `unknown command "keyz" (did you mean "keys"?)`},
		{[]string{"DEACTIVATE", "AKIAQQQQQQQQQQQQQQQ1"}, `unknown command "DEACTIVATE" (did you mean "deactivate"?)`},
		{[]string{"xyz"}, `unknown command "xyz": the commands are tui, keys, pivot, deactivate, reactivate, journal, undo, alerts, watch, index, version`},
		{[]string{"--", "pivto"}, `unknown command "pivto" (did you mean "pivot"?)`},
		// Meant as keys: the key id's own error.
		{[]string{"AKIA123"}, `access key id "AKIA123" has 7 characters`},
		{[]string{"akiaexamplekey000001"}, "must be upper case"},
		{[]string{"ABCDEFGHIJKLMNOPQRST"}, "must start with AKIA"},
		// The mistake is a flag: kong's error stands.
		{[]string{"--bogus", "pivto"}, "unknown flag --bogus"},
	} {
		r := kp(t, nil, c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, r.code, r.stderr, c.want)
		}
		if strings.Contains(c.want, "unknown command") && strings.Contains(r.stderr, "access key id") {
			t.Errorf("%v: a command word read as a key: %q", c.args, r.stderr)
		}
	}
}

// A command without its argument says what to type, with an example.
func TestMissingArgumentSaysWhatToType(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"deactivate"}, "missing the access key id: keypivot deactivate AKIA... (the access key id to deactivate; keypivot keys lists candidates)"},
		{[]string{"reactivate", "--demo"}, "keypivot reactivate AKIA... (the access key id to reactivate;"},
		{[]string{"alerts", "ack"}, "keypivot alerts ack AKIA... (the access key id whose alerts to update;"},
		{[]string{"undo"}, "missing ID: keypivot undo ID (the journalled action's id: keypivot journal names it"},
	} {
		r := kp(t, nil, c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stderr, `expected "<`) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}
