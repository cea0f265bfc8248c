package cloudtrail

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/keypivot/keypivot/investigate"
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

// ParseLayout recognises the S3 archive layout in a path or object key: the first
// AWSLogs/ segment followed by the layout (a listing parses every name of an archive of
// tens of thousands of files, so this is written out rather than a regular expression;
// layout_test.go holds the expression it must agree with).
func ParseLayout(p string) (LogFile, bool) {
	p = strings.ReplaceAll(p, "\\", "/")
	for from := 0; ; {
		i := strings.Index(p[from:], "AWSLogs/")
		if i < 0 {
			return LogFile{}, false
		}
		at := from + i
		from = at + 1
		if at > 0 && p[at-1] != '/' {
			continue
		}
		if lf, ok := parseLayoutAt(p[at+len("AWSLogs/"):]); ok {
			if d, ok := deliveryOf(path.Base(p)); ok {
				lf.Delivery = d
			}
			return lf, true
		}
	}
}

// parseLayoutAt reads [o-org/]<account>/<kind>/<region>/YYYY/MM/DD followed by '/' or
// the end, from just after "AWSLogs/".
func parseLayoutAt(s string) (LogFile, bool) {
	var lf LogFile
	seg, rest, ok := strings.Cut(s, "/")
	if !ok {
		return LogFile{}, false
	}
	if org, isOrg := strings.CutPrefix(seg, "o-"); isOrg {
		if org == "" || !allIn(org, isLowerAlnum) {
			return LogFile{}, false
		}
		lf.Org = seg
		if seg, rest, ok = strings.Cut(rest, "/"); !ok {
			return LogFile{}, false
		}
	}
	if len(seg) != 12 || !allIn(seg, isDigit) {
		return LogFile{}, false
	}
	lf.Account = seg
	parts := strings.SplitN(rest, "/", 6)
	if len(parts) < 5 {
		return LogFile{}, false
	}
	switch parts[0] {
	case "CloudTrail":
	case "CloudTrail-Digest", "CloudTrail-Insight":
		lf.Digest = true
	default:
		return LogFile{}, false
	}
	if parts[1] == "" || !allIn(parts[1], isRegionChar) {
		return LogFile{}, false
	}
	lf.Region = parts[1]
	y, m, d := parts[2], parts[3], parts[4]
	if len(y) != 4 || len(m) != 2 || len(d) != 2 || !allIn(y+m+d, isDigit) {
		return LogFile{}, false
	}
	day, err := time.Parse("2006/01/02", y+"/"+m+"/"+d)
	if err != nil {
		return LogFile{}, false
	}
	lf.Day = day
	return lf, true
}

// deliveryOf is the delivery time in a log file's name: the first _YYYYMMDDTHHmmZ_.
func deliveryOf(name string) (time.Time, bool) {
	const n = len("_20060102T1504Z_")
	for i := 0; i+n <= len(name); i++ {
		c := name[i : i+n]
		if c[0] != '_' || c[n-1] != '_' || c[9] != 'T' || c[14] != 'Z' || !allIn(c[1:9], isDigit) || !allIn(c[10:14], isDigit) {
			continue
		}
		t, err := time.Parse("20060102T1504Z", c[1:n-1])
		return t, err == nil
	}
	return time.Time{}, false
}

func allIn(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || isDigit(c) }
func isRegionChar(c byte) bool { return isLowerAlnum(c) || c == '-' }

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

// Scope is the part of an archive a query wants, as the layout can tell it: the window's
// days and, when set, only some accounts and regions. Listings prune by it before reading.
type Scope struct {
	Window investigate.Window
	// Accounts, when set, keeps only these accounts' folders (AWSLogs/<account>/ and
	// AWSLogs/o-<org>/<account>/).
	Accounts []string
	// Regions, when set, keeps only these regions' folders (.../CloudTrail/<region>/).
	Regions []string
}

// WantsAccount reports whether the scope keeps the account's folder.
func (s Scope) WantsAccount(account string) bool {
	return len(s.Accounts) == 0 || slices.Contains(s.Accounts, account)
}

// WantsRegion reports whether the scope keeps the region's folder.
func (s Scope) WantsRegion(region string) bool {
	return len(s.Regions) == 0 || slices.Contains(s.Regions, region)
}

// Narrowed reports whether the scope names accounts or regions.
func (s Scope) Narrowed() bool { return len(s.Accounts) > 0 || len(s.Regions) > 0 }

var dirRe = regexp.MustCompile(`(?:^|/)AWSLogs/(?:o-[a-z0-9]+/)?(\d{12})(?:/|$)(?:(?:CloudTrail|CloudTrail-Digest|CloudTrail-Insight)/([a-z0-9-]+)(?:/|$))?`)

// LayoutFolder recognises how far a folder (a directory, an S3 prefix ending in "/")
// reaches into the layout: the account of AWSLogs/[o-org/]<account>/, and the region of
// .../CloudTrail/<region>/ ("" when the folder does not reach it).
func LayoutFolder(p string) (account, region string) {
	m := dirRe.FindStringSubmatch(strings.ReplaceAll(p, "\\", "/"))
	if m == nil {
		return "", ""
	}
	return m[1], m[2]
}

// Pruning records what a listing left out by account and region, and which of the
// accounts and regions asked for it found, for the source's notes. It is not safe for
// concurrent use.
type Pruning struct {
	Scope Scope
	// Accounts and Regions count the folders (or files) left out, by account and region.
	Accounts, Regions map[string]int
	found             map[string]bool
}

// Admit decides a folder or file of account and region ("" when unknown): false means
// it is out of scope, and is counted.
func (p *Pruning) Admit(account, region string) bool {
	if p.found == nil {
		p.found, p.Accounts, p.Regions = map[string]bool{}, map[string]int{}, map[string]int{}
	}
	if account != "" && !p.Scope.WantsAccount(account) {
		p.Accounts[account]++
		return false
	}
	if region != "" && !p.Scope.WantsRegion(region) {
		p.Regions[region]++
		return false
	}
	if account != "" {
		p.found["a/"+account] = true
	}
	if region != "" {
		p.found["r/"+region] = true
	}
	return true
}

// Note says what was pruned; "" when the scope names no accounts or regions.
func (p *Pruning) Note() string {
	if !p.Scope.Narrowed() {
		return ""
	}
	var parts []string
	if len(p.Scope.Accounts) > 0 {
		parts = append(parts, "accounts "+strings.Join(p.Scope.Accounts, ","))
	}
	if len(p.Scope.Regions) > 0 {
		parts = append(parts, "regions "+strings.Join(p.Scope.Regions, ","))
	}
	note := "listing pruned to " + strings.Join(parts, " and ")
	var out []string
	if len(p.Accounts) > 0 {
		out = append(out, fmt.Sprintf("%s (%s)", investigate.Plural(len(p.Accounts), "other account"), strings.Join(sortedKeys(p.Accounts), ",")))
	}
	if len(p.Regions) > 0 {
		n := 0
		for _, c := range p.Regions {
			n += c
		}
		out = append(out, fmt.Sprintf("%s (%s; %s)", investigate.Plural(len(p.Regions), "other region"), strings.Join(sortedKeys(p.Regions), ","), investigate.Plural(n, "folder")))
	}
	if len(out) > 0 {
		note += ": not read: " + strings.Join(out, ", ")
	} else {
		note += ": nothing else in the archive"
	}
	var missing []string
	for _, a := range p.Scope.Accounts {
		if !p.found["a/"+a] {
			missing = append(missing, "account "+a)
		}
	}
	for _, r := range p.Scope.Regions {
		if !p.found["r/"+r] {
			missing = append(missing, "region "+r)
		}
	}
	if len(missing) > 0 {
		note += "; not in the archive: " + strings.Join(missing, ", ")
	}
	return note
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
