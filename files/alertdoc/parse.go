package alertdoc

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keypivot/keypivot/files"
	"github.com/keypivot/keypivot/files/jsonstream"

	"github.com/keypivot/keypivot/investigate"
)

const (
	// MaxProblemsPerFile bounds the problems reported for one file; the rest are counted
	// in one last problem.
	MaxProblemsPerFile = 5
	batchSize          = 256
	// peekBytes is how much of a file is looked at to tell NDJSON from a JSON document.
	peekBytes = 1 << 20
	// cloudTrailStopAfter: a file whose first records are this many CloudTrail events and
	// no alert is a CloudTrail log; reading stops there.
	cloudTrailStopAfter = 100
	// maxNesting bounds how deep wrappers (arrays of search responses of hits...) are
	// followed inside one record.
	maxNesting     = 4
	kindAlertFiles = "alert-files"
)

// Record kinds, as counted in a file's summary.
const (
	kindElasticDoc = "Elastic alert documents"
	kindElasticHit = "Elastic hits"
	kindESQLRow    = "ES|QL rows"
	kindGuardDuty  = "GuardDuty findings"
	kindASFF       = "Security Hub findings"
)

// Parse reads one alert export from r and passes the alerts that match q to sink in
// batches. name names the file in problems ("name:line" for NDJSON, "name#record 3"
// for the records of arrays, from 1, as trail sources name theirs) and in each alert's
// Origin. The content may be gzip (detected by its magic bytes) and may be, in any mix:
// NDJSON of alert documents or of hits (elasticdump) or of bulk action/document pairs, a
// _search response, an ES|QL response, GuardDuty or Security Hub {"Findings":[...]},
// EventBridge events, concatenated or pretty-printed documents, or a bare JSON array of
// any of those.
//
// q.Window filters on alert time; q.AccessKeys, when set, keeps alerts of those keys and
// every higher-order alert. Records counts the alerts read, Matched those passed to sink.
// Malformed records are problems and the rest still loads; so is a field of the wrong
// type (see MapElastic, MapGuardDuty, MapASFF), named with its record. A record larger
// than DefaultMaxRecordBytes is reported and skipped without being held. A truncated
// gzip keeps what was read before the damage. Span covers the time of every alert read,
// matched or not. Parse never panics on any input.
func Parse(name string, r io.Reader, q investigate.AlertQuery, sink func([]investigate.Alert)) investigate.SourceReport {
	rep, sum := parseFile(context.Background(), name, r, q, sink, DefaultMaxRecordBytes)
	if s := sum.String(); s != "" {
		rep.Notes = append(rep.Notes, name+": "+s)
	}
	return rep
}

// fileSummary says what one file held.
type fileSummary struct {
	container string // NDJSON, JSON document, JSON array
	kinds     map[string]int
}

func (s fileSummary) String() string {
	if s.container == "" {
		return ""
	}
	return s.container + kindsString(s.kinds)
}

func kindsString(kinds map[string]int) string {
	if len(kinds) == 0 {
		return ", no alerts"
	}
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(kinds)) {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d %s", kinds[k], k)
	}
	return b.String()
}

// parseFile reads one file; maxRecord bounds the bytes of one record (<= 0: the default).
func parseFile(ctx context.Context, name string, r io.Reader, q investigate.AlertQuery, sink func([]investigate.Alert), maxRecord int) (investigate.SourceReport, fileSummary) {
	return newParser(ctx, name, q, sink, maxRecord).read(r)
}

// newParser returns a parser of one file; maxRecord bounds the bytes of one record (<= 0:
// the default).
func newParser(ctx context.Context, name string, q investigate.AlertQuery, sink func([]investigate.Alert), maxRecord int) *parser {
	if maxRecord <= 0 {
		maxRecord = DefaultMaxRecordBytes
	}
	p := &parser{
		ctx:   ctx,
		name:  name,
		q:     q,
		sink:  sink,
		limit: maxRecord,
		rep:   investigate.SourceReport{Source: name, Kind: kindAlertFiles, Files: 1},
		sum:   fileSummary{kinds: map[string]int{}},
	}
	if len(q.AccessKeys) > 0 {
		p.keys = make(map[string]struct{}, len(q.AccessKeys))
		for _, k := range q.AccessKeys {
			p.keys[k.String()] = struct{}{}
		}
	}
	return p
}

// read reads the file from r.
func (p *parser) read(r io.Reader) (investigate.SourceReport, fileSummary) {
	start := time.Now()
	func() {
		defer func() {
			// Parse promises never to panic; a bug here must cost one file, not the program.
			if v := recover(); v != nil {
				p.problem(p.name, "internal error while reading this file (please report it): %v", v)
			}
		}()
		p.run(r)
	}()
	p.flush()
	p.finish()
	p.rep.Elapsed = time.Since(start)
	return p.rep, p.sum
}

type parser struct {
	ctx   context.Context
	name  string
	q     investigate.AlertQuery
	keys  map[string]struct{}
	sink  func([]investigate.Alert)
	limit int // the largest record read, in bytes

	batch []investigate.Alert
	rep   investigate.SourceReport
	sum   fileSummary
	in    *files.CountingReader // the decompressed content: bytes read, and the error that cut it short
	// gzipped: the file is gzip (by its content), so that content cut short is a
	// truncated gzip stream.
	gzipped bool
	sc      *jsonstream.Stream
	// lastSize is the size of the last record read from a document or array.
	lastSize int64
	extra    int // problems past the cap
	// extraFields counts the problems past the cap by field, to name them in the count.
	extraFields map[string]int

	// Records that are valid JSON but not alerts: counted, and the first few kept, so
	// that a file of them gives one problem, not one per record.
	nonAlerts     int
	cloudTrail    int
	nonAlertProbs []investigate.Problem

	stopped  bool
	trailLog bool // the file is a CloudTrail log ({"Records":[...]})
	seen     int  // records dispatched, for cancellation checks

	// sniff, for a file without an extension, tells from the file's start whether it is
	// an alert export at all (sniff.go).
	sniff *sniffing
}

func (p *parser) problem(where, format string, args ...any) {
	if len(p.rep.Problems) >= MaxProblemsPerFile {
		p.extra++
		return
	}
	p.rep.Problems = append(p.rep.Problems, investigate.Problem{Where: where, Message: fmt.Sprintf(format, args...)})
}

// fieldProblem reports a field of a kept alert that could not be read.
func (p *parser) fieldProblem(where string, fp FieldProblem) {
	if len(p.rep.Problems) >= MaxProblemsPerFile {
		if p.extraFields == nil {
			p.extraFields = map[string]int{}
		}
		p.extraFields[fp.Field]++
	}
	p.problem(where, "%s: ignored, the alert is kept without it", fp)
}

// tooLarge reports a record over the size limit.
func (p *parser) tooLarge(where string, n int64, at string) {
	p.problem(where, "record of %s%s is larger than the %s limit: skipped, not read (raise the limit with --max-record-size)", sizeString(n), at, sizeString(int64(p.limit)))
}

// sizeString formats a byte count for a message: "100 MiB", "1.5 KiB", "12 bytes".
func sizeString(n int64) string {
	f := func(v float64, unit string) string {
		s := strconv.FormatFloat(v, 'f', 1, 64)
		return strings.TrimSuffix(s, ".0") + " " + unit
	}
	switch {
	case n >= 1<<30:
		return f(float64(n)/(1<<30), "GiB")
	case n >= 1<<20:
		return f(float64(n)/(1<<20), "MiB")
	case n >= 1<<10:
		return f(float64(n)/(1<<10), "KiB")
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func (p *parser) flush() {
	if len(p.batch) > 0 && p.sink != nil {
		p.sink(p.batch)
	}
	p.batch = nil
}

// DefaultMaxRecordBytes is the largest record (an NDJSON line, an element of an array,
// a hit, a finding, a row, a document) read by default. A larger one is reported and
// skipped without being held: a hostile or broken export cannot exhaust memory.
const DefaultMaxRecordBytes = 64 << 20

// finish turns the counted non-alert records and the read error into problems.
func (p *parser) finish() {
	if p.sniff != nil && p.sniff.verdict == undecided {
		p.sniffDecide() // the whole file fits in its start
	}
	if p.in != nil && p.in.Err != nil {
		p.rep.Truncated = true
		msg := fmt.Sprintf("%s after %s: kept the %s read before it; the rest of the file is lost", files.DescribeReadError(p.in.Err, p.gzipped),
			investigate.Plural(int(p.in.N), "byte"), investigate.Plural(int(p.rep.Records), "alert"))
		p.rep.Problems = slices.Insert(p.rep.Problems, 0, investigate.Problem{Where: p.name, Message: msg})
		if len(p.rep.Problems) > MaxProblemsPerFile {
			p.extra += len(p.rep.Problems) - MaxProblemsPerFile
			p.rep.Problems = p.rep.Problems[:MaxProblemsPerFile]
		}
	}
	if p.nonAlerts > 0 {
		switch {
		case p.rep.Records == 0 && p.cloudTrail == p.nonAlerts:
			p.problem(p.name, "a CloudTrail log, not an alert export: %s (read it as a trail source)", p.cloudTrailCount())
		case p.rep.Records == 0:
			first := p.nonAlertProbs[0]
			p.problem(p.name, "no alerts in this file: none of its %s is an alert or finding (the first, %s: %s)", investigate.Plural(p.nonAlerts, "record"), first.Where, first.Message)
		default:
			for _, pr := range p.nonAlertProbs {
				p.problem(pr.Where, "%s", pr.Message)
			}
			p.extra += p.nonAlerts - len(p.nonAlertProbs)
		}
	}
	if p.extra > 0 {
		msg := investigate.Plural(p.extra, "more problem") + " in this file"
		if len(p.extraFields) > 0 {
			var parts []string
			for _, f := range slices.Sorted(maps.Keys(p.extraFields)) {
				parts = append(parts, fmt.Sprintf("%s: %d", f, p.extraFields[f]))
			}
			msg += " (fields ignored: " + strings.Join(parts, ", ") + ")"
		}
		p.rep.Problems = append(p.rep.Problems, investigate.Problem{Where: p.name, Message: msg})
	}
}

func (p *parser) cloudTrailCount() string {
	switch {
	case p.stopped && p.cloudTrail >= cloudTrailStopAfter:
		return "its first " + investigate.Plural(p.cloudTrail, "record") + " are CloudTrail events (reading stopped there)"
	case p.cloudTrail == 1:
		return "its one record is a CloudTrail event"
	}
	return "its " + investigate.Plural(p.cloudTrail, "record") + " are CloudTrail events"
}

func (p *parser) cancelled() bool {
	p.seen++
	if p.seen%batchSize == 0 && p.ctx.Err() != nil {
		p.stopped = true
		p.rep.Truncated = true
		return true
	}
	return false
}
