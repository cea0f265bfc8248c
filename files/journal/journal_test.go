package journal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keypivot/keypivot/internal/simaccount"
	"github.com/keypivot/keypivot/investigate"
)

// clock is the fixed time of every plan and journal record in these tests.
var clock = time.Date(2026, time.March, 12, 16, 0, 0, 0, time.UTC)

func fixed() time.Time { return clock }

var analyst = investigate.Caller{ARN: "arn:aws:iam::111122223333:user/analyst", Account: "111122223333", UserName: "analyst", AccessKeyID: "AKIAANALYST000000001", Profile: "ir"}

func testCase() *investigate.Case {
	return &investigate.Case{
		Key:   investigate.MustParseAccessKeyID("AKIAEXAMPLEKEY000001"),
		Owner: investigate.Owner{User: "svc-reporting", Account: "111122223333", Type: "IAMUser"},
		FollowUps: investigate.FollowUps{Instances: []investigate.Instance{
			{InstanceID: "i-0abc", Region: "us-east-1", State: "running"},
		}},
	}
}

func planned(t *testing.T, c *investigate.Case, kind string) investigate.Action {
	t.Helper()
	for _, a := range investigate.PlanRemediation(c, &analyst, clock).Actions {
		if a.Kind == kind {
			return a
		}
	}
	t.Fatalf("no %s planned", kind)
	return investigate.Action{}
}

// lines reads the journal file's lines as they are on disk.
func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(string(b), "\n")
}

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

// A planned action is pending until its outcome, cancelled included; a phase the
// journal does not know neither opens nor closes one.
func TestPlannedActionsArePendingUntilTheirOutcome(t *testing.T) {
	j, _ := Open(filepath.Join(t.TempDir(), "journal.jsonl"))
	for _, e := range []investigate.JournalEntry{
		{ActionID: "deactivate-key:K", Phase: investigate.PhasePlanned},
		{ActionID: "revoke-user-sessions:u", Phase: investigate.PhasePlanned},
		{ActionID: "stop-instances:K", Phase: investigate.PhasePlanned},
		{ActionID: "deactivate-key:K", Phase: investigate.PhaseIntent},
		{ActionID: "deactivate-key:K", Phase: investigate.PhaseDone},
		{ActionID: "stop-instances:K", Phase: investigate.PhaseCancelled},
		{ActionID: "revoke-user-sessions:u", Phase: "some-future-phase"},
		{ActionID: "other:K", Phase: "some-future-phase"},
	} {
		if err := j.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	p, err := j.Pending()
	if err != nil || len(p) != 1 || p[0].ActionID != "revoke-user-sessions:u" || p[0].Phase != investigate.PhasePlanned {
		t.Fatalf("pending = %+v %v", p, err)
	}
}

func TestTornLastLineIsReportedAndTolerated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, _ := Open(path)
	j.Append(investigate.JournalEntry{ActionID: "a", Phase: investigate.PhaseIntent})
	st, _ := os.Stat(path)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"2026-03-12T16:00:00Z","pha`) // a crash mid-write
	f.Close()
	p, err := j.Pending()
	if err != nil || len(p) != 1 {
		t.Fatalf("pending = %+v %v", p, err)
	}
	entries, err := j.Entries()
	var de *DamageError
	if len(entries) != 1 || !errors.As(err, &de) || len(de.Damage) != 1 {
		t.Fatalf("entries %+v, err %v", entries, err)
	}
	if d := de.Damage[0]; !d.Torn || d.Offset != st.Size() || d.Line != 2 || d.Length != 35 {
		t.Errorf("damage %+v, want torn line 2 at byte %d, 35 bytes", d, st.Size())
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("byte %d", st.Size())) || !strings.Contains(msg, "torn tail") {
		t.Errorf("the error must name the torn tail and its offset: %s", msg)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Fatalf("journal mode %v: it holds account details, keep it private", info.Mode().Perm())
	}
}

// The journal survives a torn last line at every byte of a real intent record: after a
// complete record and the intent cut at offset n, an action runs (planned, intent, done
// through the Runner); every record reads back, none merged with the fragment, and the
// fragment is reported at its byte offset.
func TestTornIntentAtEveryOffsetLosesNothing(t *testing.T) {
	c := testCase()
	deact := planned(t, c, investigate.ActDeactivateKey)
	stop := planned(t, c, investigate.ActStopInstances)

	// The real records, as the Runner writes them.
	scratch := filepath.Join(t.TempDir(), "scratch.jsonl")
	sj, _ := Open(scratch)
	acct := simaccount.FromCase(c, analyst)
	out := (&investigate.Runner{Remediator: acct, Journal: sj, Now: fixed}).Run(context.Background(), deact, c.Key.String(), "")
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	recs := lines(t, scratch)
	complete := recs[1] // the deactivation's outcome, with its newline
	intent := strings.TrimSuffix(recs[0], "\n")
	var parsed investigate.JournalEntry
	if err := json.Unmarshal([]byte(intent), &parsed); err != nil || parsed.Phase != investigate.PhaseIntent || parsed.Spec == nil || parsed.Spec.ID != deact.ID || parsed.CallerAccount != analyst.Account {
		t.Fatalf("not a real intent record: %+v %v", parsed, err)
	}

	path := filepath.Join(t.TempDir(), "journal.jsonl")
	for cut := 0; cut <= len(intent); cut++ {
		if err := os.WriteFile(path, []byte(complete+intent[:cut]), 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		j.noSync = true // thousands of appends: the framing is tested, not the disk
		// The action: two confirmed actions, so the batch is planned first.
		acct := simaccount.FromCase(c, analyst)
		run := &investigate.Runner{Remediator: acct, Journal: j, Now: fixed}
		outs := run.RunAll(context.Background(), []investigate.Confirmed{{Action: deact, Typed: c.Key.String()}, {Action: stop, Typed: c.Key.String()}})
		if outs[0].Err != nil || outs[1].Err != nil {
			t.Fatalf("cut %d: %v / %v", cut, outs[0].Err, outs[1].Err)
		}

		entries, err := j.Entries()
		var got []string
		for _, e := range entries {
			got = append(got, e.Phase+" "+e.ActionID)
		}
		want := []string{"done " + deact.ID}
		if cut == len(intent) {
			want = append(want, "intent "+deact.ID) // whole but for its newline: a record
		}
		want = append(want, "planned "+deact.ID, "planned "+stop.ID, "intent "+deact.ID, "done "+deact.ID, "intent "+stop.ID, "done "+stop.ID)
		if !slices.Equal(got, want) {
			t.Fatalf("cut %d of %d: records\n%v\nwant\n%v (err %v)", cut, len(intent), got, want, err)
		}
		var de *DamageError
		switch {
		case cut == 0 || cut == len(intent):
			if err != nil {
				t.Fatalf("cut %d: no damage expected: %v", cut, err)
			}
		case !errors.As(err, &de) || len(de.Damage) != 1:
			t.Fatalf("cut %d: damage not reported: %v", cut, err)
		default:
			d := de.Damage[0]
			if d.Offset != int64(len(complete)) || d.Length != int64(cut) || d.Line != 2 || !d.Torn {
				t.Fatalf("cut %d: damage %+v, want the torn record at byte %d, %d bytes, line 2", cut, d, len(complete), cut)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("byte %d", len(complete))) {
				t.Fatalf("cut %d: the message lacks the offset: %s", cut, err)
			}
		}
		if p, err := j.Pending(); err != nil || len(p) != 0 {
			t.Fatalf("cut %d: pending %+v %v", cut, p, err)
		}
		// Every record starts a line of its own: the fragment stays on its line.
		for i, l := range lines(t, path) {
			if strings.Count(l, `{"time":`) > 1 {
				t.Fatalf("cut %d: line %d holds two records: %q", cut, i+1, l)
			}
		}
	}
}

// A journal an older keypivot wrote appended a record onto a fragment: the record is
// still read, and the fragment is reported at its offset.
func TestRecordMergedOntoAFragmentIsRecovered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, _ := Open(path)
	rec, _ := json.Marshal(investigate.JournalEntry{Time: clock, ActionID: "deactivate-key:K", Phase: investigate.PhaseIntent, Key: "K"})
	first, _ := json.Marshal(investigate.JournalEntry{Time: clock, ActionID: "x", Phase: investigate.PhaseDone})
	frag := rec[:40]
	body := string(first) + "\n" + string(frag) + string(rec) + "\n"
	os.WriteFile(path, []byte(body), 0o600)
	entries, err := j.Entries()
	var de *DamageError
	if len(entries) != 2 || entries[1].ActionID != "deactivate-key:K" || !errors.As(err, &de) {
		t.Fatalf("entries %+v err %v", entries, err)
	}
	if d := de.Damage[0]; d.Offset != int64(len(first)+1) || d.Length != int64(len(frag)) || d.Line != 2 {
		t.Errorf("damage %+v", d)
	}
	if p, _ := j.Pending(); len(p) != 1 || p[0].ActionID != "deactivate-key:K" {
		t.Errorf("the merged intent must stay pending: %+v", p)
	}
}

// A malformed line in the middle, an over-long line and a JSON line that is no record
// hide nothing: the records around them are read and each bad line is named.
func TestBadLinesHideNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, _ := Open(path)
	var b bytes.Buffer
	rec := func(id string) {
		l, _ := json.Marshal(investigate.JournalEntry{Time: clock, ActionID: id, Phase: investigate.PhaseDone})
		b.Write(l)
		b.WriteByte('\n')
	}
	rec("a")
	garbage := b.Len()
	b.WriteString("not json at all\n")
	rec("b")
	long := b.Len()
	b.WriteString(`{"time":"` + strings.Repeat("x", MaxLine) + "\"}\n")
	rec("c")
	b.WriteString("{}\n\n")
	rec("d")
	os.WriteFile(path, b.Bytes(), 0o600)
	entries, err := j.Entries()
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.ActionID)
	}
	var de *DamageError
	if !slices.Equal(ids, []string{"a", "b", "c", "d"}) || !errors.As(err, &de) || len(de.Damage) != 3 {
		t.Fatalf("ids %v err %v", ids, err)
	}
	if de.Damage[0].Offset != int64(garbage) || de.Damage[0].Torn || de.Damage[1].Offset != int64(long) || !strings.Contains(de.Damage[1].Reason, "MiB") {
		t.Errorf("damage %+v", de.Damage)
	}
}

// Appends from many writers after a torn tail: one separator, every record whole.
func TestConcurrentAppendsAfterATornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	os.WriteFile(path, []byte(`{"time":"2026-03-12T16:00:00Z","phase":"int`), 0o600)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j, _ := Open(path)
			for i := range 25 {
				if err := j.Append(investigate.JournalEntry{Time: clock, ActionID: fmt.Sprintf("w%d-%d", w, i), Phase: investigate.PhaseDone}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	j, _ := Open(path)
	entries, err := j.Entries()
	var de *DamageError
	if len(entries) != 100 || !errors.As(err, &de) || len(de.Damage) != 1 || de.Damage[0].Offset != 0 {
		t.Fatalf("%d entries, err %v", len(entries), err)
	}
}
