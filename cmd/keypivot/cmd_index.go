package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// IndexCmd builds the key index of a trail archive ahead of the pivots (a pivot builds it
// as it reads, too): every log file is read once and the access key ids in it recorded
// with the file's fingerprint, in the cache directory.
type IndexCmd struct {
	Archive string `arg:"" name:"archive" placeholder:"PATH|s3://BUCKET/PREFIX" help:"The trail archive: a local folder or file, or s3://BUCKET/PREFIX. --accounts and --regions prune it; the window does not (every file is indexed)."`
}

// indexBuilder is an archive source that can build its key index.
type indexBuilder interface {
	BuildIndex(ctx context.Context, progress func(cloudtrail.ScanProgress)) (cloudtrail.IndexSummary, error)
}

func (c *IndexCmd) Run(ctx context.Context, g *Globals) error {
	if !g.Index {
		return usageErr("keypivot index builds the key index that --no-index turns off: drop --no-index")
	}
	_, claimed := trailSources.kind(c.Archive)
	if claimed && !strings.HasPrefix(c.Archive, "s3://") || !claimed && strings.Contains(c.Archive, "://") {
		return usageErr("keypivot index %s: only archives are indexed, a local folder or file or s3://BUCKET/PREFIX", c.Archive)
	}
	if !claimed {
		// Named as what it is here, an archive to index, not a --trail.
		if err := checkPath("index", c.Archive); err != nil {
			return err
		}
	}
	b := &builder{ctx: ctx, g: g, w: &Wiring{}}
	src, err := trailSources.open(b, c.Archive)
	if err != nil {
		return err
	}
	ib, ok := src.(indexBuilder)
	if !ok {
		return usageErr("keypivot index %s: this kind of source keeps no index", c.Archive)
	}
	var progress func(cloudtrail.ScanProgress)
	if g.Progress && stderrIsTerminal() {
		progress = indexProgressPrinter(os.Stderr, c.Archive)
	}
	sum, err := ib.BuildIndex(ctx, progress)
	if err != nil {
		return withCode(exitError, err)
	}
	writeIndexSummary(os.Stdout, sum)
	for _, w := range sum.Warnings {
		fmt.Fprintln(os.Stderr, "keypivot: warning:", sanitize.Clean(w))
	}
	if err := ctx.Err(); err != nil {
		return withCode(exitError, fmt.Errorf("interrupted: the files read so far are indexed"))
	}
	if sum.Files == 0 {
		// Nothing indexed is no index: say what was there instead, as a pivot would.
		why := "no log file in it"
		if t := investigate.SkipsText(sum.Skips, false); t != "" {
			why += " (left out: " + t + ")"
		}
		return withCode(exitError, fmt.Errorf("nothing to index: %s", why))
	}
	if n := len(sum.Problems); n > 0 {
		for i, p := range sum.Problems {
			if i == 20 {
				fmt.Fprintf(os.Stderr, "  +%s\n", investigate.Plural(n-20, "more problem"))
				break
			}
			fmt.Fprintf(os.Stderr, "  ! %s: %s\n", sanitize.Clean(p.Where), sanitize.Clean(p.Message))
		}
		why := investigate.Plural(n, "problem") + " (above)"
		if s := sum.NotIndexed; s > 0 {
			why += fmt.Sprintf("; %s not indexed: every pivot reads them again", investigate.Plural(s, "file"))
		}
		return withCode(exitPartial, fmt.Errorf("%s", why))
	}
	return nil
}

// indexStore is where the sources keep their key indexes: nil with --no-index. Without a
// cache directory (no $XDG_CACHE_HOME nor $HOME) the store has none, and each index
// serves its run only and says so in the coverage.
func (g *Globals) indexStore() *cloudtrail.IndexStore {
	if !g.Index {
		return nil
	}
	dir, err := cacheDir(g.CacheDir)
	if err != nil {
		return &cloudtrail.IndexStore{}
	}
	return &cloudtrail.IndexStore{Dir: filepath.Join(dir, "index")}
}

// writeIndexSummary says what building the index did: the files, the keys found, the
// index's size and place, and the rate.
func writeIndexSummary(w io.Writer, s cloudtrail.IndexSummary) {
	fmt.Fprintf(w, "key index of %s\n", sanitize.Clean(strings.TrimPrefix(s.Root, "file:")))
	files := fmt.Sprintf("%s: %s read now, %s already indexed", investigate.Plural(s.Files, "log file"), investigate.Thousands(s.Read), investigate.Thousands(s.Already))
	if s.NotIndexed > 0 {
		files += fmt.Sprintf(", %s not indexed (unreadable, too large to hold, or no room: read by every pivot)", investigate.Thousands(s.NotIndexed))
	}
	fmt.Fprintf(w, "  files     %s\n", files)
	if t := investigate.SkipsText(s.Skips, false); t != "" {
		fmt.Fprintf(w, "  left out  %s\n", t)
	}
	fmt.Fprintf(w, "  keys      %s (long-term and session)\n", investigate.Plural(s.Keys, "access key id"))
	where := "not kept: no cache directory"
	if s.Path != "" {
		where = fmt.Sprintf("%s at %s", megabytes(s.IndexBytes), sanitize.Clean(s.Path))
	}
	fmt.Fprintf(w, "  index     %s\n", where)
	rate := 0.0
	if sec := s.Elapsed.Seconds(); sec > 0 {
		rate = float64(s.Bytes) / 1e6 / sec
	}
	fmt.Fprintf(w, "  read      %.0f MB (%.0f MB stored) in %s, %.0f MB/s\n", float64(s.Bytes)/1e6, float64(s.Compressed)/1e6, s.Elapsed.Round(10*time.Millisecond), rate)
}

// indexProgressPrinter shows an index build's advance on one line of w: files done of
// the total (and those already indexed), decompressed megabytes, the rate and an estimate
// of the time left (progressLine). Scan workers call it concurrently.
func indexProgressPrinter(w io.Writer, name string) func(cloudtrail.ScanProgress) {
	return progressLine(w, "indexing "+name, func(p cloudtrail.ScanProgress) string {
		already := ""
		if p.FromIndex > 0 {
			already = fmt.Sprintf(" (%s already indexed)", investigate.Thousands(p.FromIndex))
		}
		return fmt.Sprintf("%s/%s%s, %.0f MB, %.0f MB/s", investigate.Thousands(p.Files), investigate.Plural(p.TotalFiles, "file"), already, float64(p.Bytes)/1e6, p.Rate()/1e6)
	})
}

// megabytes writes a size: "1.2 MB", or "80 KB" under a megabyte.
func megabytes(n int64) string {
	if n < 1e6 {
		return fmt.Sprintf("%.0f KB", float64(n)/1e3)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
