package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// Globals are the flags every command shares: where data comes from, the window, and the
// correlation rules. Adapter-specific flags live in flags_*.go. Their help is shown by
// --help-sources only (help.go).
type Globals struct {
	HelpSources helpSourcesFlag `name:"help-sources" help:"Show this help with the flags every command shares: --demo, --trail, --alerts, --elastic, --profile, --region, --since, --read-only, ..."`

	Alerts []string `name:"alerts" sep:"none" placeholder:"PATH|securityhub|guardduty" help:"Alert source (repeatable): an export file or directory (NDJSON, _search or ES|QL response, GuardDuty or Security Hub findings JSON, .gz), or a live source." group:"Sources"`
	Trail  []string `name:"trail" sep:"none" placeholder:"PATH|lookup|s3://BUCKET/PREFIX|athena://DB.TABLE|elastic" help:"CloudTrail source (repeatable): a file or directory tree (S3 layout, Records, arrays, NDJSON, lookup-events output, .gz), or a live source." group:"Sources"`
	Demo   bool     `help:"Use the embedded demo case (the default when no source is given)." group:"Sources"`

	Since TimeArg `placeholder:"TIME" help:"Start of the window: RFC 3339, a date (2026-11-20), or an age (72h, 7d). Default: everything in the input." group:"Window"`
	Until TimeArg `placeholder:"TIME" help:"End of the window (same forms). Default: now / everything." group:"Window"`

	FirstSeenRule   []string `name:"first-seen-rule" placeholder:"RULE_ID" help:"Rule id(s) of first-seen alerts." default:"${first_seen_rule}" group:"Correlation"`
	HigherOrderRule []string `name:"higher-order-rule" placeholder:"RULE_ID" help:"Rule id(s) of higher-order rules (besides rules tagged 'Rule Type: Higher-Order Rule')." default:"${higher_order_rule}" group:"Correlation"`
	MinRisk         float64  `name:"min-risk" help:"An alert is elevated at this risk score..." default:"47" group:"Correlation"`
	MinSeverity     string   `name:"min-severity" enum:"low,medium,high,critical" help:"...or at this severity (${enum})." default:"medium" group:"Correlation"`
	MinSiblings     int      `name:"min-siblings" help:"Elevated alerts besides the first-seen one needed to correlate a key." default:"1" group:"Correlation"`

	ReadOnly    bool   `name:"read-only" env:"KEYPIVOT_READ_ONLY" help:"Turn every write to AWS or Kibana off." group:"Safety"`
	JournalPath string `name:"journal" env:"KEYPIVOT_JOURNAL" placeholder:"FILE" help:"Remediation journal (default ~/.local/state/keypivot/journal.jsonl)." group:"Safety"`

	AWSFlags     `embed:"" group:"AWS"`
	ElasticFlags `embed:"" group:"Elastic"`
	ScaleFlags   `embed:"" group:"Archives and Athena"`
	NetworkFlags `embed:"" group:"Networks"`
}

// AfterApply checks the window: a start after its end is a usage error, not an empty case.
func (g *Globals) AfterApply() error {
	if !g.Since.IsZero() && !g.Until.IsZero() && !g.Since.Before(g.Until.Time) {
		return usageErr("--since %s is not before --until %s", g.Since.Text, g.Until.Text)
	}
	return nil
}

// Window turns --since/--until into a window.
func (g *Globals) Window() investigate.Window {
	return investigate.Window{Since: g.Since.Time, Until: g.Until.Time}
}

// Correlation turns the correlation flags into options.
func (g *Globals) Correlation() investigate.CorrelationOptions {
	sev, _ := investigate.ParseSeverity(g.MinSeverity)
	return investigate.CorrelationOptions{
		FirstSeenRuleIDs:   g.FirstSeenRule,
		HigherOrderRuleIDs: g.HigherOrderRule,
		MinRiskScore:       g.MinRisk,
		MinSeverity:        sev,
		MinFirstSeen:       1,
		MinOthers:          g.MinSiblings,
	}
}

// TimeArg is a point in time typed on the command line: RFC 3339, a date, or an age
// counted back from now (30m, 72h, 7d).
type TimeArg struct {
	time.Time
	Text string
}

// now is the clock TimeArg ages count from (tests set it).
var now = func() time.Time { return time.Now().UTC() }

// UnmarshalText implements encoding.TextUnmarshaler, which kong uses.
func (t *TimeArg) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	t.Text = s
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	if strings.HasSuffix(s, "d") {
		if n, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && n >= 0 {
			t.Time = now().Add(-time.Duration(n) * 24 * time.Hour)
			return nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		t.Time = now().Add(-d)
		return nil
	}
	return fmt.Errorf("%q is not a time: use RFC 3339 (2026-11-20T09:00:00Z), a date (2026-11-20) or an age (30m, 72h, 7d)", s)
}

// allOrList reads a list flag whose "all" (or nothing) means every item: nil, else the
// comma-separated items, each of which valid must match (want says what it is, for the
// usage error).
func allOrList(flag, value string, valid *regexp.Regexp, want string) ([]string, error) {
	v := strings.TrimSpace(value)
	if v == "" || v == "all" {
		return nil, nil
	}
	list, bad := splitList(v, valid)
	if bad != "" {
		return nil, usageErr("%s %s: %q is not %s, nor \"all\"", flag, value, bad, want)
	}
	return list, nil
}

// splitList splits a comma-separated list, its items trimmed and the empty ones dropped;
// bad is the first item valid does not match.
func splitList(v string, valid *regexp.Regexp) (list []string, bad string) {
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !valid.MatchString(item) {
			return nil, item
		}
		list = append(list, item)
	}
	return list, ""
}
