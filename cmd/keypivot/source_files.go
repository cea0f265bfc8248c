package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/keypivot/keypivot/files/alertdoc"
	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/investigate"
)

// openTrailFiles opens a --trail value no other kind claims: a local trail file or
// directory tree, pruned to --accounts and --regions.
func openTrailFiles(b *builder, spec string) (investigate.EventSource, error) {
	if err := checkPath("--trail", spec); err != nil {
		return nil, err
	}
	accounts, regions, err := b.g.archiveScope()
	if err != nil {
		return nil, err
	}
	return &cloudtrail.FileSource{Paths: []string{spec}, Workers: b.g.Workers, Accounts: accounts, Regions: regions,
		MaxRecordBytes: int(b.g.MaxRecordSize), OnProgress: b.scanProgress(spec), IndexStore: b.g.indexStore()}, nil
}

// openAlertFiles opens an --alerts value no other kind claims: a local alert export file
// or directory.
func openAlertFiles(b *builder, spec string) (investigate.AlertSource, error) {
	if err := checkPath("--alerts", spec); err != nil {
		return nil, err
	}
	return &alertdoc.FileSource{Paths: []string{spec}, MaxRecordBytes: int(b.g.MaxRecordSize)}, nil
}

// scanProgress is the progress line of an archive scan of spec (scanProgressPrinter), or
// nil when --no-progress is given or stderr is no terminal.
func (b *builder) scanProgress(spec string) func(cloudtrail.ScanProgress) {
	if !b.g.Progress || !stderrIsTerminal() {
		return nil
	}
	return scanProgressPrinter(spec)
}

// scanProgressPrinter shows an archive scan's advance on one stderr line: files (and
// those answered from the index of an earlier pass), decompressed megabytes, events,
// rate, and an estimate of the time left from the share of stored bytes done. Scan
// workers call it concurrently.
func scanProgressPrinter(name string) func(cloudtrail.ScanProgress) {
	var (
		mu   sync.Mutex
		last time.Time
	)
	return func(p cloudtrail.ScanProgress) {
		mu.Lock()
		defer mu.Unlock()
		done := p.Files >= p.TotalFiles
		if time.Since(last) < 200*time.Millisecond && !done {
			return
		}
		last = time.Now()
		idx := ""
		if p.FromIndex+p.Skipped > 0 {
			idx = fmt.Sprintf(" (%d answered from the index)", p.FromIndex+p.Skipped)
		}
		eta := ""
		if r := p.Remaining(); r > 0 && !done {
			eta = ", about " + r.Round(time.Second).String() + " left"
		}
		fmt.Fprintf(os.Stderr, "\r\033[K%s: %d/%s%s, %.0f MB, %s, %.0f MB/s%s", filepath.Base(name), p.Files, investigate.Plural(p.TotalFiles, "file"), idx, float64(p.Bytes)/1e6, investigate.Plural(int(p.Events), "event"), p.Rate()/1e6, eta)
		if done {
			fmt.Fprintln(os.Stderr)
		}
	}
}
