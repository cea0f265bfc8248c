// Package journal is keypivot's append-only remediation journal: JSON lines, one per
// phase of each write (intent before the call, outcome after), each fsynced before the
// next step so that a crash leaves a record a rerun can complete.
package journal

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/keypivot/keypivot/investigate"
)

// File is a journal in one file.
type File struct {
	Path string
}

// DefaultPath is $KEYPIVOT_JOURNAL, else $XDG_STATE_HOME/keypivot/journal.jsonl, else
// ~/.local/state/keypivot/journal.jsonl.
func DefaultPath() string {
	if p := os.Getenv("KEYPIVOT_JOURNAL"); p != "" {
		return p
	}
	base := os.Getenv("XDG_STATE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "keypivot-journal.jsonl"
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "keypivot", "journal.jsonl")
}

// Open returns the journal at path, creating its directory.
func Open(path string) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal directory: %w", err)
	}
	return &File{Path: path}, nil
}

// Append writes one entry durably: the line is written under an exclusive lock with
// O_APPEND and fsynced before Append returns (and the directory is fsynced when the file
// is new).
func (j *File) Append(e investigate.JournalEntry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	_, statErr := os.Stat(j.Path)
	f, err := os.OpenFile(j.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open journal %s: %w", j.Path, err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock journal %s: %w", j.Path, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("write journal %s: %w", j.Path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync journal %s: %w", j.Path, err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		if d, err := os.Open(filepath.Dir(j.Path)); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return nil
}

// Entries reads the journal. A torn last line (a crash mid-write) is skipped and reported
// in the error only if some other line is malformed.
func (j *File) Entries() ([]investigate.JournalEntry, error) {
	f, err := os.Open(j.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []investigate.JournalEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var bad []int
	n := 0
	for sc.Scan() {
		n++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e investigate.JournalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			bad = append(bad, n)
			continue
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("%s: %w", j.Path, err)
	}
	if len(bad) > 1 || (len(bad) == 1 && bad[0] != n) {
		return out, fmt.Errorf("%s: malformed lines %v", j.Path, bad)
	}
	return out, nil
}

// Pending returns intents with no later outcome for the same action.
func (j *File) Pending() ([]investigate.JournalEntry, error) {
	entries, err := j.Entries()
	if err != nil {
		return nil, err
	}
	open := map[string]int{}
	listed := map[string]bool{}
	var order []string
	for i, e := range entries {
		switch e.Phase {
		case investigate.PhaseIntent:
			if !listed[e.ActionID] {
				listed[e.ActionID] = true
				order = append(order, e.ActionID)
			}
			open[e.ActionID] = i
		default:
			delete(open, e.ActionID)
		}
	}
	var out []investigate.JournalEntry
	for _, id := range order {
		if i, ok := open[id]; ok {
			out = append(out, entries[i])
		}
	}
	return out, nil
}
