// Package journal is keypivot's append-only remediation journal: JSON lines, one per
// phase of each write (planned before a batch runs, intent before the call, outcome
// after), each fsynced before the next step so that a crash leaves a record a rerun can
// complete.
//
// A crash or a full disk can leave the last line cut short. Such a torn tail never
// swallows what comes after it: Append starts every record on a new line, and Entries
// reads every line on its own, reports the damage with its byte offset, and still
// returns every record around it.
//
// This package is the journal's file: locking, fsync, framing and reading back. The
// records (investigate.JournalEntry) and the interface it implements
// (investigate.Journal) are the domain's. It imports investigate and
// investigate/sanitize, never aws, elastic or tui.
package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// MaxLine is the longest line Entries reads as a record (a Kibana case report in a
// call's parameters is the largest thing journalled); a longer one is reported as damage.
const MaxLine = 16 << 20

// File is a journal in one file.
type File struct {
	Path string
	// noSync skips the fsyncs: for tests about framing alone, which run thousands of
	// appends (the fsyncs, not the framing, would take their time).
	noSync bool
}

var _ investigate.Journal = (*File)(nil)

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

// Open returns the journal at path, creating its directory. It writes nothing: a torn
// tail is reported by Entries and set right by the next Append.
func Open(path string) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal directory: %w", err)
	}
	return &File{Path: path}, nil
}

// Append writes one entry durably: under an exclusive lock, with O_APPEND, fsynced before
// Append returns (and the directory fsynced when the file is new). When the file does not
// end with a newline (a torn tail: a write a crash or a full disk cut short), the record
// is written after a newline, so that it is never merged with the fragment. A write that
// fails part way is cut off again where it started, when the file lets it.
func (j *File) Append(e investigate.JournalEntry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	// A last line of defence: no secret the process was given is ever written down.
	line = append(sanitize.MaskSecrets(line), '\n')
	_, statErr := os.Stat(j.Path)
	f, err := os.OpenFile(j.Path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open journal %s: %w", j.Path, err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock journal %s: %w", j.Path, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("journal %s: %w", j.Path, err)
	}
	if size := st.Size(); size > 0 {
		var last [1]byte
		if _, err := f.ReadAt(last[:], size-1); err != nil {
			return fmt.Errorf("read the end of journal %s: %w", j.Path, err)
		}
		if last[0] != '\n' {
			line = append([]byte{'\n'}, line...) // one write: the separator and the record land together
		}
	}
	if _, err := f.Write(line); err != nil {
		_ = f.Truncate(st.Size()) // best effort: the next Append copes with a fragment anyway
		return fmt.Errorf("write journal %s: %w", j.Path, err)
	}
	if j.noSync {
		return nil
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

// Damage is a part of the journal that is not a record.
type Damage struct {
	// Offset is the byte offset of the damaged bytes in the file, Length their length.
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
	// Line is the 1-based line they are on.
	Line int `json:"line"`
	// Torn is set for a record cut short: a write a crash or a full disk interrupted
	// (at the end of the file, or followed by a newline the next Append wrote).
	Torn bool `json:"torn,omitempty"`
	// Reason says what is wrong.
	Reason string `json:"reason"`
}

func (d Damage) String() string {
	return fmt.Sprintf("line %d, byte %d (%s): %s", d.Line, d.Offset, investigate.Plural(int(d.Length), "byte"), d.Reason)
}

// DamageError is returned by Entries, with every record it could read, when part of the
// journal is not a record.
type DamageError struct {
	Path   string
	Damage []Damage
}

func (e *DamageError) Error() string {
	parts := make([]string, len(e.Damage))
	for i, d := range e.Damage {
		parts[i] = d.String()
	}
	what := "damaged"
	if len(e.Damage) == 1 && e.Damage[0].Torn {
		what = "torn tail"
	}
	return fmt.Sprintf("journal %s: %s at %s; every other record was read", e.Path, what, strings.Join(parts, "; "))
}

// recordStart is how every record begins (JournalEntry's first field): a record written
// after a fragment by an older keypivot, on the fragment's line, is found by it.
var recordStart = []byte(`{"time":`)

// Entries reads the journal, line by line, under a shared lock. A line that is not a
// record (a torn tail, a malformed line, a fragment merged with the record after it by an
// older keypivot) never hides another: every record is returned, and the damage comes
// back as a *DamageError naming each damaged part's byte offset.
func (j *File) Entries() ([]investigate.JournalEntry, error) {
	f, err := os.Open(j.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		return nil, fmt.Errorf("lock journal %s: %w", j.Path, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)

	var out []investigate.JournalEntry
	var damage []Damage
	r := bufio.NewReaderSize(f, 64<<10)
	var off int64
	for n := 1; ; n++ {
		line, size, long, err := readLine(r)
		if size == 0 {
			if err != nil && err != io.EOF {
				return out, fmt.Errorf("read journal %s: %w", j.Path, err)
			}
			break
		}
		start := off
		off += size
		terminated := err == nil
		body := bytes.TrimSuffix(line, []byte{'\n'})
		switch {
		case long:
			damage = append(damage, Damage{Offset: start, Length: size, Line: n, Torn: !terminated, Reason: fmt.Sprintf("a line over %d MiB: not read", MaxLine>>20)})
		case len(bytes.TrimSpace(body)) == 0:
		default:
			e, perr := parse(body)
			if perr == nil {
				out = append(out, e)
				break
			}
			if i := bytes.Index(body[1:], recordStart); i >= 0 {
				if e, err := parse(body[i+1:]); err == nil {
					damage = append(damage, Damage{Offset: start, Length: int64(i + 1), Line: n, Torn: true,
						Reason: "a record cut short, followed on its line by a whole record (which was read)"})
					out = append(out, e)
					break
				}
			}
			d := Damage{Offset: start, Length: int64(len(body)), Line: n, Reason: "not a journal record: " + perr.Error()}
			switch {
			case errors.Is(perr, io.ErrUnexpectedEOF) && !terminated:
				d.Torn, d.Reason = true, "the last record cut short (a crash or a full disk while writing): the next record starts on a new line"
			case errors.Is(perr, io.ErrUnexpectedEOF):
				d.Torn, d.Reason = true, "a record cut short (a crash or a full disk while writing)"
			}
			damage = append(damage, d)
		}
		if err != nil {
			if err != io.EOF {
				return out, fmt.Errorf("read journal %s: %w", j.Path, err)
			}
			break
		}
	}
	if len(damage) > 0 {
		return out, &DamageError{Path: j.Path, Damage: damage}
	}
	return out, nil
}

// parse reads one record: a line cut short fails with io.ErrUnexpectedEOF, and a line
// that is JSON but not a journal record fails too.
func parse(b []byte) (investigate.JournalEntry, error) {
	var e investigate.JournalEntry
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&e); err != nil {
		return e, err
	}
	if dec.More() {
		return e, errors.New("text after the record")
	}
	if e.Phase == "" || e.ActionID == "" {
		return e, errors.New("no phase or action id")
	}
	return e, nil
}

// readLine reads up to and including the next newline: the line (nil when it is longer
// than MaxLine: long is set), the bytes consumed, and io.EOF when the file ended first.
func readLine(r *bufio.Reader) (line []byte, size int64, long bool, err error) {
	for {
		frag, e := r.ReadSlice('\n')
		size += int64(len(frag))
		if !long {
			if len(line)+len(frag) > MaxLine {
				long, line = true, nil
			} else {
				line = append(line, frag...)
			}
		}
		if e != bufio.ErrBufferFull {
			return line, size, long, e
		}
	}
}

// Pending returns the actions that were planned or started and have no outcome since: for
// each, its latest planned or intent record, in the order they were first journalled.
// Damage does not stop it (no record is hidden by it, and a torn intent was never
// followed by its call): it is reported by Entries.
func (j *File) Pending() ([]investigate.JournalEntry, error) {
	entries, err := j.Entries()
	var de *DamageError
	if err != nil && !errors.As(err, &de) {
		return nil, err
	}
	return investigate.PendingEntries(entries), nil
}
