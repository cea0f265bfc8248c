package tui

import (
	"fmt"
	"testing"
)

// TestGoldenScreens snapshots every screen of the demo case, colour off, at 80x24,
// 120x36 and 160x48. The demo is anchored at demo.DefaultAnchor, so the frames are stable;
// go test ./tui -run Golden -update rewrites them after an intended change.
func TestGoldenScreens(t *testing.T) {
	key := demoSet().Facts.CompromisedKey
	for _, sz := range [][2]int{{80, 24}, {120, 36}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			d := newDriver(t, demoOptions(&memJournal{}), sz[0], sz[1])
			snap := func(name string, keys ...string) {
				t.Helper()
				d.press(keys...)
				got := d.screen()
				checkFits(t, d, sz[0], sz[1])
				golden(t, fmt.Sprintf("%s_%dx%d", name, sz[0], sz[1]), got)
			}
			snap("keys")
			snap("keys_first_seen_only", "f")
			snap("keys_help", "f", "?")
			snap("overview", "esc", "enter")
			snap("alerts", "2")
			snap("alerts_wrap", "z")
			snap("alert_detail", "z", "enter")
			snap("command_prompt", "esc", ":")
			snap("timeline_relative", "esc", "3", "T")
			snap("timeline_first_alert", "T", "A")
			snap("timeline", "g")
			snap("timeline_errors", "x")
			snap("record", "enter")
			snap("sessions", "esc", "c", "4")
			snap("followups", "5")
			snap("network", "6")
			snap("artifacts", "7")
			snap("timeline_help", "3", "?")
			snap("remediation", "esc", "a")
			snap("remediation_prompt", "enter")
			d.typeText(key[:8])
			snap("remediation_not_confirmed", "enter")
			// The extended plan: the last action (irreversible) and the one above it
			// picked, then the batch's confirmation: the key id, then the name.
			snap("remediation_picked", "esc", "G", "space", "up", "space")
			snap("remediation_batch_prompt", "enter")
			d.typeText(key)
			snap("remediation_irreversible_prompt", "enter")
		})
	}
}
