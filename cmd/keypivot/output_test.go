package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// Text written to a pipe or a file keeps every column (no cell or line cut short with
// an ellipsis, the heading's rule as before); --width still wraps and cuts to it.
func TestTextOffTheTerminalIsNotCut(t *testing.T) {
	lines := func(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }
	full := kp(t, nil, "pivot", "--demo", "--format", "text")
	if full.code != 0 {
		t.Fatalf("exit %d: %s", full.code, full.stderr)
	}
	longest := 0
	for i, l := range lines(full.stdout) {
		longest = max(longest, ansi.StringWidth(l))
		if strings.Contains(l, "…") {
			t.Errorf("line %d cut short: %q", i+1, l)
		}
	}
	if !regexp.MustCompile(`(?m)^  athena\.amazonaws\.com +\d+ +aws-service `).MatchString(full.stdout) {
		t.Errorf("the ADDRESS column does not hold a service's name in full:\n%s", full.stdout)
	}
	keys := kp(t, nil, "keys", "--demo", "-a", "--format", "text")
	if keys.code != 0 || strings.Contains(keys.stdout, "…") {
		t.Errorf("keys -a piped: exit %d, cut short:\n%s", keys.code, keys.stdout)
	}
	if rule := lines(full.stdout)[1]; rule != strings.Repeat("=", 80) {
		t.Errorf("heading rule: %d columns %.20q", len(rule), rule)
	}
	if longest <= 120 {
		t.Errorf("the longest line has %d columns: the text was wrapped or cut", longest)
	}

	narrow := kp(t, nil, "pivot", "--demo", "--format", "text", "--width", "100")
	cut := 0
	for _, l := range lines(narrow.stdout) {
		if w := ansi.StringWidth(l); w > 100 {
			t.Errorf("--width 100: line of %d columns: %q", w, l)
		}
		if strings.HasSuffix(l, "…") {
			cut++
		}
	}
	if narrow.code != 0 || cut == 0 {
		t.Errorf("--width 100: exit %d, %d lines cut", narrow.code, cut)
	}

	file := filepath.Join(t.TempDir(), "keys.txt")
	r := kp(t, nil, "keys", "--demo", "-a", "-o", file)
	b, _ := os.ReadFile(file)
	if r.code != 0 || !strings.HasPrefix(string(b), "Access keys correlated") || strings.Contains(string(b), "…") {
		t.Errorf("keys -o FILE: exit %d\n%s", r.code, b)
	}
}

// Without --format, piped output is JSON (what README.md says).
func TestPipedOutputIsJSON(t *testing.T) {
	for _, args := range [][]string{{"pivot", "--demo"}, {"keys", "--demo"}} {
		r := kp(t, nil, args...)
		if r.code != 0 || !json.Valid([]byte(r.stdout)) {
			t.Errorf("%v piped: exit %d, not JSON: %.80q", args, r.code, r.stdout)
		}
	}
}
