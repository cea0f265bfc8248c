package files

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

type skipList []string

func (l *skipList) AddSkip(reason string, n int, example string) {
	*l = append(*l, fmt.Sprintf("%s %d %s", reason, n, example))
}

// TestSkipTally: counts by reason, the least path as the example whatever the order of
// the workers, reasons in the order given and then any others by name.
func TestSkipTally(t *testing.T) {
	var (
		tally SkipTally
		wg    sync.WaitGroup
	)
	for _, p := range []string{"d/c.txt", "d/a.txt", "d/b.txt"} {
		wg.Go(func() { tally.Add("not-a-log", 1, p) })
	}
	wg.Wait()
	tally.Add("pruned", 2, "d/x/")
	tally.Add("empty-file", 1, "d/e.json")
	tally.Add("zzz", 1, "d/z")
	tally.Add("aaa", 1, "d/y")
	var got skipList
	tally.Into(&got, []string{"not-a-log", "empty-file", "hidden", "pruned"})
	want := skipList{"not-a-log 3 d/a.txt", "empty-file 1 d/e.json", "pruned 2 d/x/", "aaa 1 d/y", "zzz 1 d/z"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
