package cloudtrail

import (
	"bytes"
	"slices"
	"time"

	"github.com/keypivot/keypivot/investigate"

	"github.com/keypivot/keypivot/files/internal/pairscan"
)

// Coverage facts. An answer of "0 events" is believable only with what was searched:
// the time the records searched cover, and their accounts and regions. Every file
// searched contributes, matched or not: a file read (whether the token pre-scan rules it
// out or its records are decoded) is searched for its records' eventTime values, in the
// buffer the token scan reads while it is still in cache (BenchmarkPreScan/facts-share
// measures the cost against the rest of a file's reading); a streamed file, record by
// record; a file ruled out by its place in the layout contributes the layout's account,
// region and delivery time; a file answered from the index contributes what was learned
// when it was read. An eventTime nested inside a record (a request parameter of that
// name) is counted as well: the search does not parse, and no CloudTrail API takes one.

// facts are what one file's records cover.
type facts struct {
	// Canonical eventTime values ("2006-01-02T15:04:05Z", CloudTrail's own form) compare
	// as bytes: the earliest and latest are parsed once, at the end.
	lo, hi [20]byte
	has    bool
	// Other forms (fractional seconds, offsets) are parsed as they come.
	span investigate.Window
	// Accounts and regions of the records (recipientAccountId, awsRegion), for files
	// outside the S3 layout; a file in the layout is its folder's account and region.
	accounts, regions []string
}

var (
	timeNeedle    = []byte("Time")
	accountNeedle = []byte("recipientAccountId")
	regionNeedle  = []byte("awsRegion")
)

// maxPlaceEntries bounds the accounts or regions remembered per file.
const maxPlaceEntries = 64

// scanTimes adds the eventTime values of the records in b. CloudTrail writes them in one
// form, "2006-01-02T15:04:05Z" (exports may add fractional seconds), so they are found
// by their last byte: 'Z' is the rarest byte of a record near its eventTime (a few a
// record), and each is checked in place for the form, the quotes and the member's name
// before its value is compared. A file where that finds none (offsets instead of Z, a
// lookup-events file whose records are escaped strings) is searched by the member's
// name instead, which reads every form.
func (f *facts) scanTimes(b []byte) {
	if !f.scanZuluTimes(b) {
		f.scanTimesByName(b)
	}
}

// scanZuluTimes adds the eventTime values of b that end in Z; false when it found none.
func (f *facts) scanZuluTimes(b []byte) bool {
	found := false
	for i := 0; ; {
		j := pairscan.IndexPair(b[i:], 'Z', '"')
		if j < 0 {
			return found
		}
		z := i + j
		i = z + 1
		if z < 32 {
			continue
		}
		// "eventTime":"2006-01-02T15:04:05Z": the value starts 19 bytes before its Z; with
		// fractional seconds, after the last quote within a few bytes more.
		v := z - 19
		if b[v-1] != '"' || b[z-9] != 'T' || b[z-3] != ':' || b[z-15] != '-' {
			if b[z-9] < '0' || b[z-9] > '9' {
				continue // not the end of seconds' fractions either
			}
			q := bytes.LastIndexByte(b[max(0, z-36):z], '"')
			if q < 0 {
				continue
			}
			v = max(0, z-36) + q + 1
			if v < 13 || z-v < 21 || b[v+10] != 'T' || b[v+4] != '-' || b[v+19] != '.' {
				continue
			}
		}
		k := v - 2 // before the value's quote: white space, ':', white space, the name's quote
		for k > 0 && isSpace(b[k]) {
			k--
		}
		if b[k] != ':' {
			continue
		}
		k--
		for k > 0 && isSpace(b[k]) {
			k--
		}
		if k < 10 || b[k] != '"' || string(b[k-9:k]) != "eventTime" || b[k-10] != '"' {
			continue
		}
		f.addTime(b[v : z+1])
		found = true
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// scanTimesByName adds every eventTime value of b, in any form, plain or escaped (inside
// a lookup-events CloudTrailEvent string): found by the "Time" of the member's name,
// then the rest of the name checked and the value read.
func (f *facts) scanTimesByName(b []byte) {
	for i := 0; ; {
		j := bytes.Index(b[i:], timeNeedle)
		if j < 0 {
			return
		}
		at := i + j
		i = at + len(timeNeedle)
		if at < 6 || b[at-1] != 't' || b[at-6] != '"' || string(b[at-5:at]) != "event" {
			continue
		}
		if v, ok := keyNameValue(b[i:]); ok && v != nil {
			f.addTime(v)
		}
	}
}

func (f *facts) addTime(v []byte) {
	if len(v) == 20 && v[19] == 'Z' && v[10] == 'T' && v[4] == '-' && v[13] == ':' {
		if !f.has {
			copy(f.lo[:], v)
			copy(f.hi[:], v)
			f.has = true
			return
		}
		if bytes.Compare(v, f.lo[:]) < 0 {
			copy(f.lo[:], v)
		} else if bytes.Compare(v, f.hi[:]) > 0 {
			copy(f.hi[:], v)
		}
		return
	}
	if t, err := time.Parse(time.RFC3339Nano, string(v)); err == nil {
		f.span.Widen(t.UTC())
	}
}

// scanPlaces adds the records' recipientAccountId and awsRegion values.
func (f *facts) scanPlaces(b []byte) {
	f.accounts = scanValues(b, accountNeedle, f.accounts)
	f.regions = scanValues(b, regionNeedle, f.regions)
}

func scanValues(b, needle []byte, out []string) []string {
	for i := 0; ; {
		j := bytes.Index(b[i:], needle)
		if j < 0 {
			return out
		}
		at := i + j
		i = at + len(needle)
		if at == 0 || b[at-1] != '"' && b[at-1] != '\\' {
			continue
		}
		v, ok := keyNameValue(b[i:])
		if !ok || len(v) == 0 || len(v) > 64 {
			continue
		}
		if !slices.ContainsFunc(out, func(s string) bool { return s == string(v) }) && len(out) < maxPlaceEntries {
			out = append(out, string(v))
		}
	}
}

// window is the span of the times seen.
func (f *facts) window() investigate.Window {
	w := f.span
	if f.has {
		if t, err := time.Parse(time.RFC3339, string(f.lo[:])); err == nil {
			w.Widen(t)
		}
		if t, err := time.Parse(time.RFC3339, string(f.hi[:])); err == nil {
			w.Widen(t)
		}
	}
	return w
}

func (f *facts) reset() { *f = facts{accounts: f.accounts[:0], regions: f.regions[:0]} }

// timeSpan is a span of time as Unix nanoseconds, cheap to compare file after file.
type timeSpan struct {
	lo, hi int64
	ok     bool
}

func spanOf(w investigate.Window) timeSpan {
	if w.Since.IsZero() || w.Until.IsZero() {
		return timeSpan{}
	}
	return timeSpan{w.Since.UnixNano(), w.Until.UnixNano(), true}
}

func (s *timeSpan) union(o timeSpan) {
	switch {
	case !o.ok:
	case !s.ok:
		*s = o
	default:
		s.lo, s.hi = min(s.lo, o.lo), max(s.hi, o.hi)
	}
}

func (s timeSpan) window() investigate.Window {
	if !s.ok {
		return investigate.Window{}
	}
	return investigate.Window{Since: time.Unix(0, s.lo).UTC(), Until: time.Unix(0, s.hi).UTC()}
}

// coverage accumulates the facts of the files one worker searched.
type coverage struct {
	span              timeSpan
	accounts, regions map[string]bool
	// The last layout account and region added: files come in path order, so most
	// share their folder's with the one before, and the maps are not touched.
	lastAccount, lastRegion string
}

func (c *coverage) add(w timeSpan, lf *LogFile, accounts, regions []string) {
	if c.accounts == nil {
		c.accounts, c.regions = map[string]bool{}, map[string]bool{}
	}
	c.span.union(w)
	if lf != nil {
		if lf.Account != c.lastAccount {
			c.accounts[lf.Account] = true
			c.lastAccount = lf.Account
		}
		if lf.Region != c.lastRegion {
			c.regions[lf.Region] = true
			c.lastRegion = lf.Region
		}
		return
	}
	for _, a := range accounts {
		c.accounts[a] = true
	}
	for _, r := range regions {
		c.regions[r] = true
	}
}

// layoutSpan is what the layout says of the time a file ruled out without reading
// covers: its delivery time, or its day.
func layoutSpan(lf *LogFile) timeSpan {
	if !lf.Delivery.IsZero() {
		t := lf.Delivery.UnixNano()
		return timeSpan{t, t, true}
	}
	return timeSpan{lf.Day.UnixNano(), lf.Day.Add(24*time.Hour - time.Second).UnixNano(), true}
}

// fill writes the accumulated coverage of all workers into the report, sorted.
func fillCoverage(rep *investigate.SourceReport, all []*coverage) {
	accounts, regions := map[string]bool{}, map[string]bool{}
	for _, c := range all {
		rep.Span = rep.Span.Union(c.span.window())
		for a := range c.accounts {
			accounts[a] = true
		}
		for r := range c.regions {
			regions[r] = true
		}
	}
	for a := range accounts {
		rep.Accounts = append(rep.Accounts, a)
	}
	for r := range regions {
		rep.AWSRegions = append(rep.AWSRegions, r)
	}
	slices.Sort(rep.Accounts)
	slices.Sort(rep.AWSRegions)
}
