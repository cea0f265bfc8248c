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
	// The key stays ranked on GuardDuty's attack sequence, which a Kibana acknowledgement
	// does not close; its acknowledged Elastic alerts no longer count as siblings.
	if k := ranked(t, kp(t, env, "keys", "--demo", "--format", "json").stdout, key); k.SiblingCount != 0 || k.Basis != "attack-sequence" {
		t.Fatalf("acknowledged alerts no longer count: %s should be ranked on its attack sequence alone, got %+v", key, k)
	}
	reopen := kp(t, env, "alerts", "open", key, "--demo", "--yes")
	if reopen.code != 0 || !strings.Contains(reopen.stderr, "-> open") {
		t.Fatalf("alerts open --demo: exit %d\n%s", reopen.code, reopen.stderr)
	}
	if k := ranked(t, kp(t, env, "keys", "--demo", "--format", "json").stdout, key); !k.Correlated || k.SiblingCount == 0 {
		t.Fatalf("reopened, %s's alerts should count again, got %+v", key, k)
	}
}

// rankedKey is what the write-back test reads of a key in a keys JSON ranking.
type rankedKey struct {
	Key          string `json:"key"`
	Correlated   bool   `json:"correlated"`
	Basis        string `json:"basis"`
	SiblingCount int    `json:"sibling_count"`
}

// ranked reads key's standing in a keys JSON ranking (zero when it is not there).
func ranked(t *testing.T, out, key string) rankedKey {
	t.Helper()
	var r struct {
		Keys []rankedKey `json:"keys"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("keys JSON: %v\n%.500s", err, out)
	}
	for _, k := range r.Keys {
		if k.Key == key {
			return k
		}
	}
	return rankedKey{}
}
