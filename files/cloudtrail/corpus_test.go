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

func corpus(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		missingCorpus(t, err)
	}
	return corpusDir
}

// missingCorpus fails the test in CI (.ci/run exports CI=true), where a missing corpus
// means its facts went unchecked, and skips it elsewhere (a bare clone).
func missingCorpus(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("corpus not present (CI is set, so it must be): %v", err)
	}
	t.Skipf("corpus not present: %v", err)
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
