package cloudtrail

import (
	"path"
	"regexp"
	"strings"
	"time"
)

// LogFile describes a log file's place in the S3 archive layout (facts §3):
// AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<rand>.json.gz
type LogFile struct {
	Org      string
	Account  string
	Region   string
	Day      time.Time // from the directory
	Delivery time.Time // from the file name; zero when the name has none
	Digest   bool      // CloudTrail-Digest objects
}

var (
	layoutRe = regexp.MustCompile(`(?:^|/)AWSLogs/(?:(o-[a-z0-9]+)/)?(\d{12})/(CloudTrail|CloudTrail-Digest|CloudTrail-Insight)/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})(?:/|$)`)
	nameRe   = regexp.MustCompile(`_(\d{8}T\d{4}Z)_`)
)

// ParseLayout recognises the S3 archive layout in a path or object key.
func ParseLayout(p string) (LogFile, bool) {
	p = strings.ReplaceAll(p, "\\", "/")
	m := layoutRe.FindStringSubmatch(p)
	if m == nil {
		return LogFile{}, false
	}
	day, err := time.Parse("2006/01/02", m[5]+"/"+m[6]+"/"+m[7])
	if err != nil {
		return LogFile{}, false
	}
	lf := LogFile{Org: m[1], Account: m[2], Region: m[4], Day: day, Digest: m[3] != "CloudTrail"}
	if n := nameRe.FindStringSubmatch(path.Base(p)); n != nil {
		if t, err := time.Parse("20060102T1504Z", n[1]); err == nil {
			lf.Delivery = t
		}
	}
	return lf, true
}

// DeliveryLag pads a window when pruning by the date in a log file's path: the date is
// the delivery time, minutes to hours after the events (facts §3).
const DeliveryLag = 24 * time.Hour

// InWindow reports whether a log file of this layout may hold events in [since, until).
// A file delivered on day D holds events from [D-DeliveryLag, D+24h).
func (lf LogFile) InWindow(since, until time.Time) bool {
	if !since.IsZero() && !lf.Day.Add(24*time.Hour).After(since) {
		return false
	}
	if !until.IsZero() && !lf.Day.Add(-DeliveryLag).Before(until) {
		return false
	}
	return true
}
