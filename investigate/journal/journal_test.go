package journal

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

func TestPendingListsEachInterruptedActionOnce(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "j", "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, phase := range []string{investigate.PhaseIntent, investigate.PhaseDone, investigate.PhaseIntent, investigate.PhaseIntent} {
		if err := j.Append(investigate.JournalEntry{ActionID: "deactivate-key:AKIA1", Phase: phase}); err != nil {
			t.Fatal(err)
		}
	}
	j.Append(investigate.JournalEntry{ActionID: "stop-instances:AKIA1", Phase: investigate.PhaseIntent})
	j.Append(investigate.JournalEntry{ActionID: "stop-instances:AKIA1", Phase: investigate.PhaseSkipped})
	p, err := j.Pending()
	if err != nil || len(p) != 1 || p[0].ActionID != "deactivate-key:AKIA1" {
		t.Fatalf("pending = %+v %v", p, err)
	}
}

func TestTornLastLineIsTolerated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, _ := Open(path)
	j.Append(investigate.JournalEntry{ActionID: "a", Phase: investigate.PhaseIntent})
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"action_id":"a","pha`) // a crash mid-write
	f.Close()
	p, err := j.Pending()
	if err != nil || len(p) != 1 {
		t.Fatalf("pending = %+v %v", p, err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Fatalf("journal mode %v: it holds account details, keep it private", info.Mode().Perm())
	}
}
