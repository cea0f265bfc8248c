package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// A journal whose last line a crash tore: keypivot journal warns with the byte offset and
// lists every whole record; the next action starts on a new line, so nothing it writes
// is merged with the fragment, and the action reads back done.
func TestTornJournalIsReportedAndTheNextActionIsKept(t *testing.T) {
	t.Parallel()
	key, env, demoJournal := demoJournalEnv(t)
	if r := kp(t, env, "reactivate", key, "--demo", "--yes"); r.code != 0 {
		t.Fatalf("reactivate: exit %d %s", r.code, r.stderr)
	}
	whole, err := os.ReadFile(demoJournal)
	if err != nil || !strings.HasSuffix(string(whole), "\n") {
		t.Fatalf("journal: %v %q", err, whole)
	}
	// A deactivation's intent, torn by a crash half way through its line.
	first := strings.SplitAfter(string(whole), "\n")[0]
	torn := strings.Replace(first, `"phase":"skipped"`, `"phase":"intent"`, 1)
	torn = strings.Replace(torn, "reactivate-key", "deactivate-key", -1)
	torn = torn[:len(torn)/2]
	os.WriteFile(demoJournal, append(whole, torn...), 0o600)

	shown := kp(t, env, "journal", "--demo")
	if shown.code != 0 || !strings.Contains(shown.stderr, fmt.Sprintf("torn tail at line %d, byte %d", strings.Count(string(whole), "\n")+1, len(whole))) {
		t.Fatalf("journal: exit %d\nstderr %s", shown.code, shown.stderr)
	}
	if !strings.Contains(shown.stdout, "reactivate-key") || strings.Contains(shown.stdout, "interrupted") {
		t.Fatalf("journal listing:\n%s", shown.stdout)
	}

	if r := kp(t, env, "deactivate", key, "--demo", "--yes"); r.code != 0 || !strings.Contains(r.stderr, "done: Active -> Inactive") {
		t.Fatalf("deactivate after the tear: exit %d %s", r.code, r.stderr)
	}
	after := kp(t, env, "journal", "--demo")
	if !strings.Contains(after.stderr, fmt.Sprintf("byte %d", len(whole))) || !strings.Contains(after.stderr, "cut short") {
		t.Errorf("the fragment is no longer reported:\n%s", after.stderr)
	}
	var done int
	for _, l := range strings.Split(after.stdout, "\n") {
		if strings.Contains(l, " done ") && strings.Contains(l, "deactivate-key") {
			done++
		}
	}
	if done != 1 || strings.Contains(after.stdout, "interrupted") {
		t.Errorf("the deactivation after the tear is lost or pending:\n%s", after.stdout)
	}
	b, _ := os.ReadFile(demoJournal)
	if !strings.Contains(string(b), torn+"\n{") {
		t.Errorf("the next record does not start on a line of its own:\n%s", b)
	}
}
