package cloudtrail

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/investigate"
)

const corpusDir = "../../../shared/corpus/stratus-detonation-logs"

// corpus is corpusDir; a missing corpus fails the test in CI and skips it elsewhere
// (sourcetest.RequireCorpus).
func corpus(t testing.TB) string {
	t.Helper()
	sourcetest.RequireCorpus(t, corpusDir)
	return corpusDir
}

func loadAll(t testing.TB, paths ...string) ([]*investigate.Event, investigate.SourceReport) {
	t.Helper()
	rep, events, err := sourcetest.Events(context.Background(), &FileSource{Paths: paths}, investigate.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*investigate.Event, len(events))
	for i := range events {
		out[i] = &events[i]
	}
	return out, rep
}

func TestEveryCorpusFileParses(t *testing.T) {
	dir := corpus(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 30 {
		t.Fatalf("corpus has %d files, want the 35 Stratus detonations", len(entries))
	}
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			evs, rep := loadAll(t, filepath.Join(dir, e.Name()))
			if len(rep.Problems) > 0 {
				t.Fatalf("problems: %+v", rep.Problems)
			}
			if len(evs) == 0 || rep.Records != int64(len(evs)) {
				t.Fatalf("decoded %d events of %d records", len(evs), rep.Records)
			}
			for _, ev := range evs {
				if ev.ID == "" || ev.Time.IsZero() || ev.Name == "" {
					t.Fatalf("incomplete event %+v", ev)
				}
			}
		})
	}
}
