package alertdoc

import (
	"bytes"
	"context"
	"io"
	"regexp"

	"github.com/keypivot/keypivot/files"

	"github.com/keypivot/keypivot/investigate"
)

// A file without an extension is read when its start sniffs as an alert export (what
// Parse reads: NDJSON of documents or hits, a _search or ES|QL response, GuardDuty or
// Security Hub findings). It is read and parsed once: the parse of the file itself
// decides, from the records and keys of its start, before it passes on any alert.

// sniffBytes is how much of the start of a file without an extension decides whether it
// is an alert export.
const sniffBytes = peekBytes

// alertKeys are the keys only alert exports have at their start: Elastic hits and
// alert documents, search and ES|QL responses, findings lists, ASFF findings. They
// decide when no whole record fits in the sniffed start.
var alertKeys = regexp.MustCompile(`"(_source|kibana\.alert\.[a-z_.]+|kibana|signal|hits|columns|[Ff]indings|GeneratorId|ProductArn)"\s*:`)

// verdict is what the start of a file without an extension says it is.
type verdict int

const (
	undecided verdict = iota
	alertExport
	notAlertExport
	unreadable // not readable enough to tell: a problem, not a skip
)

// sniffing is what the parse of a file without an extension keeps to decide.
type sniffing struct {
	head    []byte // the file's start (decompressed), for its keys
	verdict verdict
	err     string // why the file is unreadable
}

func (s *sniffing) decide(p *parser, v verdict) {
	s.verdict, s.head = v, nil
	if v != alertExport {
		p.stopped = true
	}
}

func (s *sniffing) unreadable(why string) { s.verdict, s.err = unreadable, why }

// parseSniffed reads a file without an extension as parseFile does, once its start says
// it is an alert export: read is false when it is not (rep counts it as left out, not a
// log) or when it could not be read to tell (rep's problem names it). No alert is
// passed to sink before the start has decided.
func parseSniffed(ctx context.Context, name string, r io.Reader, q investigate.AlertQuery, sink func([]investigate.Alert), maxRecord int) (rep investigate.SourceReport, sum fileSummary, read bool) {
	p := newParser(ctx, name, q, sink, maxRecord)
	p.sniff = &sniffing{}
	rep, sum = p.read(r)
	switch p.sniff.verdict {
	case alertExport:
		return rep, sum, true
	case unreadable:
		return investigate.SourceReport{Problems: []investigate.Problem{{Where: name, Message: p.sniff.err}}}, fileSummary{}, false
	}
	var skip investigate.SourceReport
	skip.AddSkip(investigate.SkipNotLog, 1, name)
	return skip, fileSummary{}, false
}

// sniffStart looks at the start of the file (gzip or not) as the parse begins: a start
// that is not JSON, or nothing, is no alert export; nothing read for an error makes the
// file unreadable. It reports whether the parse goes on.
func (p *parser) sniffStart() bool {
	head := p.sc.Head(sniffBytes)
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte{0xef, 0xbb, 0xbf}), " \t\r\n")
	switch {
	case len(t) == 0 && p.in.Err != nil:
		p.sniff.unreadable("cannot read: " + files.DescribeReadError(p.in.Err, p.gzipped))
		return false
	case len(t) == 0 || (t[0] != '{' && t[0] != '['):
		p.sniff.decide(p, notAlertExport)
		return false
	}
	p.sniff.head = append(p.sniff.head[:0], head...)
	return true
}

// sniffPast decides, once the parse has gone past the file's start undecided, from what
// the start held (sniffDecide). It reports whether the parse goes on: false once the
// file is known to be no alert export.
func (p *parser) sniffPast() bool {
	if p.sniff == nil {
		return true
	}
	if p.sniff.verdict == undecided && p.sc.Offset() > sniffBytes {
		p.sniffDecide()
	}
	return p.sniff.verdict != notAlertExport && p.sniff.verdict != unreadable
}

// sniffDecide decides from the start of the file: an alert read within it makes an alert
// export (mapped decides as it reads one); whole records, none an alert, make none; when
// no record ends within the start, an alert export's keys there decide.
func (p *parser) sniffDecide() {
	switch {
	case p.rep.Records > 0:
		p.sniff.decide(p, alertExport)
	case p.nonAlerts > 0 || p.trailLog:
		p.sniff.decide(p, notAlertExport)
	case alertKeys.Match(p.sniff.head):
		p.sniff.decide(p, alertExport)
	default:
		p.sniff.decide(p, notAlertExport)
	}
}
