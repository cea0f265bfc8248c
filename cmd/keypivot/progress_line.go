package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// progressEvery is the least scan time between two progress lines.
const progressEvery = 200 * time.Millisecond

// progressLine is the progress callback of an archive scan that shows its advance on one
// line of w, rewritten in place: the label ("indexing trail"), cleaned of terminal
// control sequences, then what describe says of the scan and an estimate of the time
// left. It writes at most once every progressEvery of the scan's elapsed time, and
// always when every file is done, which ends the line. Scan workers call it
// concurrently.
func progressLine(w io.Writer, label string, describe func(cloudtrail.ScanProgress) string) func(cloudtrail.ScanProgress) {
	var (
		mu   sync.Mutex
		last time.Duration
	)
	label = sanitize.Clean(label)
	return func(p cloudtrail.ScanProgress) {
		mu.Lock()
		defer mu.Unlock()
		done := p.Files >= p.TotalFiles
		if p.Elapsed-last < progressEvery && !done {
			return
		}
		last = p.Elapsed
		eta := ""
		if r := p.Remaining(); r > 0 && !done {
			eta = ", about " + r.Round(time.Second).String() + " left"
		}
		fmt.Fprintf(w, "\r\033[K%s: %s%s", label, describe(p), eta)
		if done {
			fmt.Fprintln(w)
		}
	}
}
