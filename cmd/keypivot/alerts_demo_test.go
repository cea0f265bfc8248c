package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// The demo writes back to a simulated Kibana: the acknowledgement is journalled, and a
// later command (a process of its own) sees it through the demo journal; reopening
// brings the key back to the ranking.
func TestAlertsWriteBackOnTheDemo(t *testing.T) {
	key, env, demoJournal := demoJournalEnv(t)
	ack := kp(t, env, "alerts", "ack", key, "--demo", "--yes")
	if ack.code != 0 || !strings.Contains(ack.stderr, "acknowledged") || !strings.Contains(ack.stderr, "kibana.demo.invalid") {
		t.Fatalf("alerts ack --demo: exit %d\n%s", ack.code, ack.stderr)
	}
	if b, err := os.ReadFile(demoJournal); err != nil || !strings.Contains(string(b), `"phase":"done"`) {
		t.Fatalf("the demo journal should hold the write-back: %v\n%s", err, b)
	}
	again := kp(t, env, "alerts", "ack", key, "--demo", "--yes")
	if again.code != 0 || !strings.Contains(again.stderr, "nothing to change") {
		t.Fatalf("a second ack should find them acknowledged: exit %d\n%s", again.code, again.stderr)
	}
	if correlated(t, kp(t, env, "keys", "--demo", "--format", "json").stdout, key) {
		t.Fatalf("acknowledged alerts no longer count: %s should not be correlated", key)
	}
	reopen := kp(t, env, "alerts", "open", key, "--demo", "--yes")
	if reopen.code != 0 || !strings.Contains(reopen.stderr, "-> open") {
		t.Fatalf("alerts open --demo: exit %d\n%s", reopen.code, reopen.stderr)
	}
	if !correlated(t, kp(t, env, "keys", "--demo", "--format", "json").stdout, key) {
		t.Fatalf("reopened, %s should be correlated again", key)
	}
}

// correlated reads a keys JSON ranking: is key in it, correlated?
func correlated(t *testing.T, out, key string) bool {
	t.Helper()
	var r struct {
		Keys []struct {
			Key        string `json:"key"`
			Correlated bool   `json:"correlated"`
		} `json:"keys"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("keys JSON: %v\n%.500s", err, out)
	}
	for _, k := range r.Keys {
		if k.Key == key {
			return k.Correlated
		}
	}
	return false
}
