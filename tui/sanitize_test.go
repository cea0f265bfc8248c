package tui

import (
	"strings"
	"testing"
)

// evil is what an attacker can put in a user agent or a resource name: a screen clear,
// colour, an OSC 52 clipboard write ended by BEL, a bare BEL, a carriage return that
// would overwrite the line, a bidi override and isolate, and a C1 CSI.
const evil = "curl\x1b[2J\x1b[31mRED\x1b]52;c;ZXZpbA==\x07BEL\a\rOVERWRITTEN\u202eDESREVER\u2066iso\u009b31m"

// inert fails when s (a frame as the terminal receives it) holds anything but the
// workbench's own colour and attribute sequences.
func inert(t *testing.T, where, s string) {
	t.Helper()
	rest := sgr.ReplaceAllString(s, "")
	for _, bad := range []string{"\x1b", "\a", "\r", "\u202e", "\u2066", "\u009b"} {
		if i := strings.Index(rest, bad); i >= 0 {
			t.Fatalf("%s: the frame carries %q raw, near %q", where, bad, rest[max(i-40, 0):min(i+40, len(rest))])
		}
	}
}

func TestAttackerStringsRenderInert(t *testing.T) {
	for _, color := range []bool{false, true} {
		trail := &memTrail{events: fixtureEventsNamed(t, evil, "bob"+evil, "kp"+evil)}
		d := newDriver(t, Options{Workspace: fixtureWorkspace(trail), NoColor: !color, UpdateInterval: 1}, 250, 60)
		d.press("enter")
		if d.app.wb() == nil || d.app.wb().c == nil {
			t.Fatalf("the case did not load:\n%s", d.screen())
		}
		// Every screen that shows the agent or the names: each must show the escapes
		// as text, so the analyst sees the attempt, and carry none of them raw.
		visible := []string{`\x1b]52;c;ZXZpbA==\x07`, `\r`, `\u202e`}
		screens := []struct {
			keys []string
			name string
			show []string
		}{
			{[]string{"1"}, "overview", []string{`bobcurl\x1b[2J`}},
			{[]string{"3"}, "timeline", visible},
			{[]string{"3", "enter"}, "record view", []string{`\u202e`, `\u001b]52;c;ZXZpbA==\u0007`}},
			{[]string{"esc", "5"}, "follow-ups", []string{`kpcurl\x1b[2J`}},
			{[]string{"6"}, "network", visible},
			{[]string{"G", "k", "enter"}, "timeline filtered by the agent", append(visible, "agent curl")},
			{[]string{"n"}, "signer picker", nil},
			{[]string{"esc", "?"}, "help", nil},
			{[]string{"esc", "7"}, "artifacts", []string{`user bobcurl\x1b[2J`, `EC2 key pair kpcurl\x1b[2J`}},
			{[]string{"a"}, "remediation", []string{`user bobcurl\x1b[2J`, `key pair kpcurl\x1b[2J`}},
		}
		for _, s := range screens {
			d.press(s.keys...)
			inert(t, s.name, d.raw())
			d.mustShow(s.show...)
		}
		d.press("esc", "esc")
		inert(t, "keys", d.raw())
	}
}
