package investigate_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/internal/demo"
	"github.com/keypivot/keypivot/investigate"
)

const (
	roundsKey     = "AKIAROUNDSTEST000001"
	roundsSession = "ASIAROUNDSSESSION001"
	roundsOther   = "AKIAROUNDSOTHER00001"
)

// trailRecord is a CloudTrail record signed by key; extra members are appended.
func trailRecord(id, key, name string, extra ...string) string {
	ex := ""
	for _, e := range extra {
		ex += "," + e
	}
	return fmt.Sprintf(`{"eventVersion":"1.09","eventID":%q,"eventTime":"2026-11-20T09:%02d:00Z","eventName":%q,"eventSource":"sts.amazonaws.com","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","readOnly":true,"userIdentity":{"type":"IAMUser","accessKeyId":%q,"accountId":"111122223333","userName":"u"}%s}`,
		id, len(id)%60, name, key, ex)
}

// getSessionToken is the call by which the key derives the session.
func getSessionToken(id string) string {
	return trailRecord(id, roundsKey, "GetSessionToken",
		`"responseElements":{"credentials":{"accessKeyId":"`+roundsSession+`","sessionToken":"x","expiration":"Nov 20, 2026, 9:00:00 PM"}}`)
}

func writeFiles(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func sumRounds(rounds []investigate.SourceReport) (files int, records int64) {
	for _, r := range rounds {
		files += r.Files
		records += r.Records
	}
	return files, records
}

// TestCoverageCountsEachFileOnce: a pivot reads a file again when a later round's key is
// in it; the coverage must still say one file and its records once (it said files 2,
// records 4 for a two-record lookup-events export).
func TestCoverageCountsEachFileOnce(t *testing.T) {
	lookup, _ := json.Marshal(map[string]any{"Events": []any{
		map[string]any{"EventId": "e1", "EventName": "GetSessionToken", "CloudTrailEvent": getSessionToken("e1")},
		map[string]any{"EventId": "e2", "EventName": "GetCallerIdentity", "CloudTrailEvent": trailRecord("e2", roundsSession, "GetCallerIdentity")},
	}})
	dir := writeFiles(t, map[string][]byte{"lookup.json": lookup})
	col := investigate.Collect(context.Background(), investigate.MustParseAccessKeyID(roundsKey), []investigate.EventSource{&cloudtrail.FileSource{Paths: []string{dir}}}, nil, investigate.CollectOptions{})
	if len(col.Errors) > 0 {
		t.Fatal(col.Errors)
	}
	if len(col.Rounds) != 1 || len(col.Rounds[0]) < 2 {
		t.Fatalf("rounds %+v: the session must be queried in a second round", col.Rounds)
	}
	if files, records := sumRounds(col.Rounds[0]); files < 2 || records < 2 {
		t.Fatalf("rounds read %d files and %d records: the file was not read again, the test proves nothing", files, records)
	}
	rep := col.Reports[0]
	if rep.Files != 1 || rep.Records != 2 || rep.Matched != 2 || col.Set.Len() != 2 {
		t.Fatalf("coverage: files %d records %d matched %d (events %d), want 1, 2, 2", rep.Files, rep.Records, rep.Matched, col.Set.Len())
	}
}

// TestCoverageOverRoundsOfADirectory: the first round reads every file, the second reads
// again those holding the session key; records of a file decoded twice count once, those
// of a file decoded only in the second round count too; a damaged file tried in every
// round is one problem; the skipped count is the listing's, not once per round.
func TestCoverageOverRoundsOfADirectory(t *testing.T) {
	doc := func(recs ...string) []byte { return []byte(`{"Records":[` + strings.Join(recs, ",") + `]}`) }
	var cut bytes.Buffer
	zw := gzip.NewWriter(&cut)
	zw.Write(doc(trailRecord("c1", roundsKey, "ListUsers"), trailRecord("c2", roundsSession, "ListRoles"), trailRecord("c3", roundsOther, "ListRoles")))
	zw.Close()
	files := map[string][]byte{
		// key and session: decoded in both rounds, 3 records
		"a.json": doc(getSessionToken("a1"), trailRecord("a2", roundsSession, "ListBuckets"), trailRecord("a3", roundsOther, "ListBuckets")),
		// session only: decoded in the second round only, 2 records
		"b.json": doc(trailRecord("b1", roundsSession, "ListBuckets"), trailRecord("b2", roundsOther, "ListBuckets")),
		// neither: never decoded
		"d.json": doc(trailRecord("d1", roundsOther, "ListBuckets"), trailRecord("d2", roundsOther, "ListBuckets")),
		// key and session, but its gzip is cut: read (and reported) in every round
		"cut.json.gz": cut.Bytes()[:cut.Len()-12],
		// skipped by the listing
		"marker.json": {},
	}
	dir := writeFiles(t, files)
	col := investigate.Collect(context.Background(), investigate.MustParseAccessKeyID(roundsKey), []investigate.EventSource{&cloudtrail.FileSource{Paths: []string{dir}}}, nil, investigate.CollectOptions{})
	if len(col.Errors) > 0 {
		t.Fatal(col.Errors)
	}
	rounds := col.Rounds[0]
	if len(rounds) < 2 {
		t.Fatalf("%d rounds", len(rounds))
	}
	rep := col.Reports[0]
	sumFiles, _ := sumRounds(rounds)
	if rep.Files != 4 || sumFiles <= 4 {
		t.Errorf("files %d (rounds add up to %d), want 4", rep.Files, sumFiles)
	}
	// a: 3, b: 2, cut: what came before the damage, counted once.
	cutRecords := rounds[0].Records - 3
	if cutRecords < 0 || rep.Records != 3+2+cutRecords {
		t.Errorf("records %d, want %d (rounds %+v)", rep.Records, 3+2+cutRecords, rounds)
	}
	if rep.Skipped != 1 {
		t.Errorf("skipped %d, want 1 (the marker, once)", rep.Skipped)
	}
	if int(rep.Matched) != col.Set.Len() {
		t.Errorf("matched %d, events %d", rep.Matched, col.Set.Len())
	}
	n := 0
	for _, p := range rep.Problems {
		if strings.HasSuffix(p.Where, "cut.json.gz") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the cut file is reported %d times: %+v", n, rep.Problems)
	}
}

// TestDemoCoverageCountsTrailFiles: the demo's coverage says as many files as the demo
// has trail files (it said 849 for 837).
func TestDemoCoverageCountsTrailFiles(t *testing.T) {
	ds := demo.Generate(demo.DefaultAnchor())
	logs, skipped := 0, 0
	for name, data := range ds.Files {
		lf, ok := cloudtrail.ParseLayout(name)
		switch {
		case !ok:
		case lf.Digest || len(data) == 0:
			skipped++
		default:
			logs++
		}
	}
	col := investigate.Collect(context.Background(), investigate.MustParseAccessKeyID(ds.CompromisedKey), []investigate.EventSource{demo.TrailSource(ds)}, nil, investigate.CollectOptions{})
	if len(col.Errors) > 0 {
		t.Fatal(col.Errors)
	}
	rep := col.Reports[0]
	sum, _ := sumRounds(col.Rounds[0])
	if rep.Files != logs || rep.Skipped != skipped || len(col.Rounds[0]) < 2 {
		t.Fatalf("files %d skipped %d over %d rounds (adding up to %d files), want %d files, %d skipped", rep.Files, rep.Skipped, len(col.Rounds[0]), sum, logs, skipped)
	}
}

// A duplicate copy (same eventID, another place) read again by a later round is still
// one duplicate; the copy held read again is none.
func TestDuplicateCopiesCountOnceOverRounds(t *testing.T) {
	s := investigate.NewEventSet()
	held := investigate.Event{ID: "e1", Origin: investigate.OriginAt("a.json#record 1")}
	copy := investigate.Event{ID: "e1", Origin: investigate.OriginAt("a.json#record 3")}
	other := investigate.Event{ID: "e1", Origin: investigate.OriginAt("b.json:7")}
	s.Add([]investigate.Event{held, copy})
	s.Add([]investigate.Event{held, copy}) // a later round reads the file again
	if s.Duplicates() != 1 || s.Len() != 1 {
		t.Fatalf("after two rounds: %d duplicates, %d events; want 1 and 1", s.Duplicates(), s.Len())
	}
	s.Add([]investigate.Event{other})
	if s.Duplicates() != 2 {
		t.Fatalf("a copy in another file: %d duplicates, want 2", s.Duplicates())
	}
}
