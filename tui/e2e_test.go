package tui

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tmuxSession runs the real binary in a detached tmux server of its own.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", "main") }

func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		s.tmux("send-keys", "-t", "main", k)
		time.Sleep(150 * time.Millisecond) // a lone Escape must not merge with the next key
	}
}

// waitFor polls the screen until it shows every part.
func (s *tmuxSession) waitFor(step string, parts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		scr := s.screen()
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(scr, p)
		}
		if ok {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: the screen never showed %q:\n%s", step, parts, scr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startTmux builds keypivot and runs it on the demo (at its fixed anchor, with a journal
// of its own) in a detached 80x24 tmux server; it returns the session and the directory
// the binary runs in.
func startTmux(t *testing.T, socket string) (*tmuxSession, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and drives it in tmux")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "keypivot")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/keypivot").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := &tmuxSession{t: t, socket: socket + strconv.Itoa(os.Getpid())}
	script := "cd " + dir + " && KEYPIVOT_DEMO_ANCHOR=fixed KEYPIVOT_JOURNAL=" + filepath.Join(dir, "journal.jsonl") + " TERM=xterm-256color " + bin + "; echo EXIT=$?; sleep 60"
	s.tmux("new-session", "-d", "-s", "main", "-x", "80", "-y", "24", "sh", "-c", script)
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s, dir
}

// TestEndToEndInTmux builds keypivot and drives it as an analyst would, on the demo
// case at 80x24: keys -> workbench -> artifacts -> timeline -> an event's record -> the
// remediation prompt -> cancel -> quit.
func TestEndToEndInTmux(t *testing.T) {
	s, dir := startTmux(t, "keypivot-e2e-")
	key := demoSet().Facts.CompromisedKey
	s.waitFor("keys", "access keys correlated", "[DEMO]", "▸   1 "+key, "correlated keys")
	s.keys("Enter")
	s.waitFor("workbench", key+" │ user", "[1 Overview]", "ASSESSMENT", "events by the key", "acting as user/incident-responder in ")
	s.keys("7")
	s.waitFor("artifacts", "[7 Artifacts]", "CHILD KEYS (1)", "CreateAccessKey event ")
	s.keys("3")
	scr := s.waitFor("timeline", "[3 Timeline", "TIME (UTC)", "event 1 of")
	if !strings.Contains(scr, "▸ 03-") {
		t.Fatalf("the first event should be selected:\n%s", scr)
	}
	s.keys("j", "Enter")
	s.waitFor("record", `"eventVersion"`, "eventID ", "lines 1-")
	s.keys("Escape")
	s.waitFor("back to the timeline", "event 2 of")
	s.keys("a")
	s.waitFor("remediation", "REMEDIATION PLAN for "+key, "aws iam update-access-key", "acting as")
	s.keys("Enter")
	s.waitFor("prompt", "Type the key id "+key+" to confirm")
	s.keys("Enter")
	s.waitFor("enter alone", "Enter alone does not confirm")
	s.keys("Escape")
	s.waitFor("cancelled", "cancelled: nothing was done")
	s.keys("Escape")
	s.waitFor("back to the workbench", "[3 Timeline")
	s.keys("Escape")
	s.waitFor("back to the keys", "access keys correlated")
	s.keys("q")
	s.waitFor("quit", "EXIT=0")
	if b, err := os.ReadFile(filepath.Join(dir, "demo-journal.jsonl")); err == nil && len(b) > 0 {
		t.Fatalf("a cancelled prompt wrote to the journal:\n%s", b)
	}
}

// TestEndToEndDeactivationStaysInTmux drives the real binary on the demo at 80x24:
// deactivate the top key, leave to the keys list (which says Inactive), reopen it (the
// header says Inactive; the plan shows the deactivation done and offers the
// reactivation).
func TestEndToEndDeactivationStaysInTmux(t *testing.T) {
	s, _ := startTmux(t, "keypivot-e2e-state-")
	key := demoSet().Facts.CompromisedKey
	s.waitFor("keys", "▸   1 "+key, "STATUS")
	s.keys("Enter")
	s.waitFor("workbench", key+" │ user", "ASSESSMENT", "acting as")
	s.keys("a")
	s.waitFor("plan", "REMEDIATION PLAN for "+key, "Deactivate access key "+key)
	s.keys("Enter")
	s.waitFor("prompt", "Type the key id "+key+" to confirm")
	s.keys(key, "Enter")
	s.waitFor("done", "[done]", "Reactivate access key "+key)
	s.keys("Escape")
	s.waitFor("back to the workbench", "key Inactive", "[1 Overview]")
	s.keys("Escape")
	scr := s.waitFor("back to the keys", "access keys correlated", "Inactive")
	if !strings.Contains(lineWith(scr, key), "Inactive") {
		t.Fatalf("the keys list should say the key is Inactive:\n%s", scr)
	}
	s.keys("Enter")
	s.waitFor("reopened", key+" │ user", "key Inactive", "ASSESSMENT")
	s.keys("Space", "Space") // the Overview's owner block, pages down
	if scr := s.waitFor("the Overview's owner block", "key status     Inactive"); strings.Contains(scr, "deactivate the key now") {
		t.Fatalf("the assessment should not recommend deactivating an Inactive key:\n%s", scr)
	}
	s.keys("a")
	s.waitFor("plan again", "[done]", "Reactivate access key "+key)
	s.keys("Escape", "Escape", "q")
	s.waitFor("quit", "EXIT=0")
}
