package main

import (
	"fmt"
	"os"
	"path/filepath"

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
// rate, and an estimate of the time left from the share of stored bytes done
// (progressLine). Scan workers call it concurrently.
func scanProgressPrinter(name string) func(cloudtrail.ScanProgress) {
	return progressLine(os.Stderr, filepath.Base(name), func(p cloudtrail.ScanProgress) string {
		idx := ""
		if p.FromIndex+p.Skipped > 0 {
			idx = fmt.Sprintf(" (%d answered from the index)", p.FromIndex+p.Skipped)
		}
		return fmt.Sprintf("%d/%s%s, %.0f MB, %s, %.0f MB/s", p.Files, investigate.Plural(p.TotalFiles, "file"), idx, float64(p.Bytes)/1e6, investigate.Plural(int(p.Events), "event"), p.Rate()/1e6)
	})
}
