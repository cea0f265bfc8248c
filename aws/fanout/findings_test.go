package fanout

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// finding stands for an SDK finding. One with a Session key stands for an attack
// sequence whose actors used Key and Session.
type finding struct {
	Id, Key  string
	Time     time.Time
	Archived bool
	Session  string `json:",omitempty"`
}

// recorded is what a search recorded of the findings that became no alert.
type recorded struct {
	fields, unreadable []string
	noKey              int
}

func (r *recorded) FieldProblems(where string, probs []string) {
	for _, p := range probs {
		r.fields = append(r.fields, where+": "+p)
	}
}
func (r *recorded) Unreadable(where string, err error) {
	r.unreadable = append(r.unreadable, where+": "+err.Error())
}
func (r *recorded) NoAccessKey()                     { r.noKey++ }
func (r *recorded) Report(*investigate.SourceReport) {}

// Every finding of a page is read once and either kept, or left out for a reason the
// report can say: unreadable, no access key, another key, outside the window, archived.
func TestPageKeepsWhatAnswersTheQueryAndRecordsTheRest(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	const key = "AKIAGGWFBBHBE7D3M9WI"
	page := []finding{
		{Id: "kept", Key: key, Time: at},
		{Id: "bad", Key: key, Time: at},
		{Id: "keyless", Time: at},
		{Id: "other", Key: "AKIAOTHERKEY00000000", Time: at},
		{Id: "late", Key: key, Time: at.Add(72 * time.Hour)},
		{Id: "archived", Key: key, Time: at, Archived: true},
	}
	rec := &recorded{}
	fs := Findings[finding, string]{
		Query:   investigate.AlertQuery{AccessKeys: investigate.KeyIDs(key), Window: investigate.Window{Since: at.Add(-time.Hour), Until: at.Add(time.Hour)}},
		ID:      func(f finding) string { return f.Id },
		LeftOut: func(f finding) bool { return f.Archived },
		Map: func(doc map[string]any) (investigate.Alert, []string, error) {
			if doc["Id"] == "bad" {
				return investigate.Alert{}, []string{"Severity is a list"}, errors.New("no type")
			}
			tm, _ := time.Parse(time.RFC3339, doc["Time"].(string))
			return investigate.Alert{ID: doc["Id"].(string), AccessKeyID: doc["Key"].(string), Time: tm}, nil, nil
		},
		Skips: rec,
	}
	var sent [][]investigate.Alert
	r := &Region{sink: func(b []investigate.Alert) { sent = append(sent, b) }}
	fs.Page(r, "svc eu-west-1", page)
	if r.Read != int64(len(page)) || r.Status.Events != 1 || len(sent) != 1 || len(sent[0]) != 1 {
		t.Fatalf("read %d, kept %d, sent %v", r.Read, r.Status.Events, sent)
	}
	if a := sent[0][0]; a.ID != "kept" || a.Origin != "svc eu-west-1" {
		t.Errorf("kept %+v", a)
	}
	if !slices.Equal(rec.unreadable, []string{"svc eu-west-1 finding bad: no type"}) || !slices.Equal(rec.fields, []string{"svc eu-west-1 finding bad: Severity is a list"}) || rec.noKey != 1 {
		t.Errorf("recorded %+v", rec)
	}
	fs.Page(r, "svc eu-west-1", page[2:4])
	if len(sent) != 1 || r.Read != int64(len(page)+2) {
		t.Errorf("a page with nothing kept sends nothing: %d batches, read %d", len(sent), r.Read)
	}
}

// A finding kept for a query of given keys (a case) carries its document, as the
// service's API gave it; kept for a query of every key (a ranking), it carries none.
func TestFindingsOfGivenKeysKeepTheirDocument(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	const key = "AKIAGGWFBBHBE7D3M9WI"
	page := []finding{{Id: "f1", Key: key, Time: at}}
	read := func(q investigate.AlertQuery) investigate.Alert {
		t.Helper()
		fs := Findings[finding, string]{
			Query: q,
			ID:    func(f finding) string { return f.Id },
			Map: func(doc map[string]any) (investigate.Alert, []string, error) {
				return investigate.Alert{ID: doc["Id"].(string), AccessKeyID: doc["Key"].(string), Time: at}, nil, nil
			},
			Skips: &recorded{},
		}
		var sent []investigate.Alert
		fs.Page(&Region{sink: func(b []investigate.Alert) { sent = append(sent, b...) }}, "svc eu-west-1", page)
		if len(sent) != 1 {
			t.Fatalf("query %+v: %d alerts kept", q, len(sent))
		}
		return sent[0]
	}

	a := read(investigate.AlertQuery{AccessKeys: investigate.KeyIDs(key)})
	var doc finding
	if err := json.Unmarshal(a.Raw, &doc); err != nil || doc != page[0] || a.RawSize != len(a.Raw) {
		t.Errorf("raw document %q (size %d): %+v, %v", a.Raw, a.RawSize, doc, err)
	}
	if a := read(investigate.AlertQuery{}); a.Raw != nil || a.RawSize != 0 {
		t.Errorf("a ranking's finding kept its document: %q", a.Raw)
	}
}

// The reading by key leaves the attack sequences to the sequence reading, which reads
// only them, counts what it read and kept, and files a sequence of several keys under
// the key asked for: each finding is read once, whatever an endpoint returns.
func TestKeyAndSequencePagesReadEachFindingOnce(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	const key, session = "AKIAGGWFBBHBE7D3M9WI", "ASIASZ4SI7REEEXAMPLE"
	page := func() []finding {
		return []finding{
			{Id: "f1", Key: session, Time: at},
			{Id: "seq", Key: key, Session: session, Time: at},
			{Id: "f2", Key: session, Time: at},
		}
	}
	fs := Findings[finding, string]{
		Query: investigate.AlertQuery{AccessKeys: investigate.KeyIDs(session)},
		ID:    func(f finding) string { return f.Id },
		Map: func(doc map[string]any) (investigate.Alert, []string, error) {
			a := investigate.Alert{ID: doc["Id"].(string), AccessKeyID: doc["Key"].(string), Time: at}
			if s, _ := doc["Session"].(string); s != "" {
				a.Sequence = &investigate.AttackSequence{Actors: []investigate.SequenceActor{{CredentialUID: a.AccessKeyID}, {CredentialUID: s}}}
			}
			return a, nil, nil
		},
		Skips:      &recorded{},
		IsSequence: func(f finding) bool { return f.Session != "" },
		Sequences:  &investigate.SequenceListing{},
	}
	var sent []investigate.Alert
	r := &Region{sink: func(b []investigate.Alert) { sent = append(sent, b...) }}
	fs.KeyPage(r, "svc eu-west-1", page())
	if r.Read != 2 || len(sent) != 2 || sent[0].ID != "f1" || sent[1].ID != "f2" {
		t.Fatalf("key page: read %d, kept %+v", r.Read, sent)
	}
	fs.SequencePage(r, "svc eu-west-1", page())
	if r.Read != 3 || len(sent) != 3 || sent[2].ID != "seq" || sent[2].AccessKeyID != session {
		t.Fatalf("sequence page: read %d, kept %+v", r.Read, sent)
	}
	if note := fs.Sequences.Note("listed by type", fs.Query); !strings.Contains(note, "1 finding read, 1 kept whose actors used "+session) {
		t.Errorf("note %q", note)
	}
}
