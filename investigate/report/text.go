// Package report renders a case and a key ranking as text (for a terminal), Markdown
// (for a ticket) and JSON (for a script). Every attacker-controlled string is sanitised.
//
// Like investigate it does no I/O of its own: it writes to the io.Writer it is given.
//
// It imports investigate, sanitize and text-width measuring only.
package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// Timeline modes.
const (
	TimelineNotable = "notable" // writes, errors, findings; read-only runs collapsed
	TimelineAll     = "all"
	TimelineNone    = "none"
)

// Options tune the text and Markdown renderers.
type Options struct {
	// Width is the text width (default 80; below 0, no limit: no line is cut or
	// wrapped, for text written to a pipe or a file).
	Width int
	// Timeline is notable (default), all or none.
	Timeline string
	// MaxRows bounds long lists (IPs, agents, actions) per section (default 15; 0 keeps the default, <0 is unlimited).
	MaxRows int
}

func (o Options) width() int {
	switch {
	case o.Width < 0:
		return unlimited
	case o.Width == 0:
		return 80
	}
	return max(o.Width, 60)
}

// unlimited is the width of text with no limit (Options.Width < 0): wider than any
// line, so that none is cut or wrapped. Rules are drawn at ruleWidth at most, and the
// columns of a table as wide as their widest cell (table.render).
const unlimited = 1 << 20

// ruleWidth is the most columns a heading's rule of '=' takes.
const ruleWidth = 80

func (o Options) maxRows() int {
	switch {
	case o.MaxRows == 0:
		return 15
	case o.MaxRows < 0:
		return 1 << 30
	}
	return o.MaxRows
}

const stamp = "2006-01-02 15:04:05"

func ts(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(stamp)
}

func shortTS(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("01-02 15:04:05")
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// counted is a section title with its counts, or, when its kind of source could not be
// searched, with no count at all: a zero there would be no answer.
func counted(title string, k investigate.KindCompleteness, counts string) string {
	switch k.Status {
	case investigate.SearchComplete, investigate.SearchPartial:
		return title + "  " + counts
	}
	return title + "  (not searched)"
}

// activity writes the case's event counts (investigate.Counts.EventParts) and their span.
func activity(c *investigate.Case, n investigate.Counts) string {
	act := joinParts(n.EventParts())
	if !c.FirstActivity.IsZero() {
		act += fmt.Sprintf("; %s to %s UTC", ts(c.FirstActivity), ts(c.LastActivity))
	}
	return act
}

// Text writes the case for a terminal.
func Text(w io.Writer, c *investigate.Case, o Options) error {
	width := o.width()
	out := &textOut{width: width}
	// The counts are counted once, for every section that prints some.
	n := investigate.CaseCounts(c)
	out.heading("keypivot case "+c.Key.String(), c.Demo, c.Completeness.Mark())

	// Owner and activity.
	ow := c.Owner
	kv := func(k, v string) { out.wrapped(pad(k, 10), v, 10) }
	who := cell(ow.User)
	if who == "" {
		who = "(unknown user)"
	}
	if ow.Root {
		who = "ROOT ACCOUNT KEY"
	}
	if ow.Type != "" {
		who += " (" + ow.Type + ")"
	}
	if ow.Account != "" {
		who += "  account " + ow.Account
	}
	kv("Owner", who)
	if ow.ARN != "" {
		kv("", cell(ow.ARN))
	}
	if ow.Status != "" || ow.LastUsed != nil {
		kv("Status", strings.TrimPrefix(ow.Status+", "+investigate.LastUsedText(ow.LastUsed), ", "))
	}
	for _, k := range ow.OtherKeys {
		if k.AccessKeyID != c.Key.String() {
			kv("Other key", fmt.Sprintf("%s %s, created %s, %s", k.AccessKeyID, k.Status, ts(k.Created), investigate.LastUsedText(k.LastUsed)))
		}
	}
	if ow.Error != "" {
		kv("Lookup", cell(ow.Error))
	}
	writeQuarantine(kv, c)
	if len(ow.Sources) > 0 {
		kv("From", strings.Join(ow.Sources, ", "))
	}
	if c.Context != "" {
		kv("Sources", cell(c.Context))
	}
	if len(c.Events) > 0 {
		kv("Activity", activity(c, n))
	}
	// What was searched: with it, a negative is an answer; without it, never shown.
	kv("Searched", c.Completeness.Headline)

	if len(c.Assessment) > 0 {
		out.section("ASSESSMENT")
		for _, a := range c.Assessment {
			out.wrapped("  * ", a, 4)
		}
	}

	writeAlerts(out, c, n)
	writeSequences(out, c)
	writeFindings(out, c)
	writeSessions(out, c, n)
	writeFollowUps(out, c, n)
	writeArtifacts(out, c)
	writePlan(out, c)
	writeNetwork(out, c, o.maxRows())
	if o.Timeline != TimelineNone {
		writeTimeline(out, c, o.Timeline)
	}
	writeCoverage(out, c)
	_, err := io.WriteString(w, out.String())
	return err
}

func writeAlerts(o *textOut, c *investigate.Case, n investigate.Counts) {
	o.section(counted("ALERTS", c.Completeness.Alerts, n.AlertsText()))
	if n.Alerts == 0 {
		o.wrapped("  ", c.Completeness.Alerts.NoneIn("no alert of this key or its sessions"), 2)
	} else {
		// What the correlation rule counts, the key's own apart (what the keys list shows).
		for _, g := range n.AlertGroups() {
			o.wrapped("  ", capitalise(g[0])+": "+g[1], 4)
		}
	}
	for _, s := range c.Siblings {
		mark := " "
		switch {
		case s.FirstSeen:
			mark = "1"
		case s.Eligible:
			mark = "*"
		}
		o.line(fmt.Sprintf(" %s %-8s %3s  %-12s %s  %s", mark, s.Severity, num(s.RiskScore), cell(s.Status), shortTS(s.Time), cell(s.RuleName)))
		detail := "rule " + s.RuleID + "  alert " + s.AlertID
		if s.SourceIP != "" {
			detail += "  ip " + cell(s.SourceIP)
		}
		if s.ViaKey != "" {
			detail += "  via " + viaWhat(s.ViaKey) + " " + s.ViaKey
		}
		if !s.Eligible && s.Ineligible != "" {
			detail += "  (not counted: " + s.Ineligible + ")"
		}
		if s.Provider != investigate.ProviderElastic {
			detail += "  [" + s.Provider + "]"
		}
		if ids := investigate.ThreatIDs(s.Threats); len(ids) > 0 {
			detail += "  ATT&CK " + strings.Join(ids, " ")
		}
		o.wrapped("    ", detail, 4)
	}
	for _, s := range c.HigherOrderAlerts {
		o.line(fmt.Sprintf(" H %-8s %3s  %-12s %s  %s", s.Severity, num(s.RiskScore), cell(s.Status), shortTS(s.Time), cell(s.RuleName)))
		detail := "alert " + s.AlertID + "  grouped by source.ip " + s.SourceIP
		if len(s.TiedBy) > 0 {
			detail += "  tied by " + investigate.TiesText(s.TiedBy)
		}
		if s.ViaKey != "" {
			detail += "  via " + viaWhat(s.ViaKey) + " " + s.ViaKey
		}
		o.wrapped("    ", detail, 4)
	}
	if len(c.Siblings)+len(c.HigherOrderAlerts) > 0 {
		legend := "1 = first seen from source IP, * = counted sibling, H = higher-order"
		for _, s := range c.Siblings {
			if s.Provider != investigate.ProviderElastic {
				legend += "; untagged alerts are Elastic's"
				break
			}
		}
		o.wrapped("  ", "("+legend+")", 3)
	}
}

func writeFindings(o *textOut, c *investigate.Case) {
	o.section(counted("FINDINGS", c.Completeness.Events, strconv.Itoa(len(c.Findings))))
	if len(c.Findings) == 0 {
		o.wrapped("  ", c.Completeness.Events.NoneIn("nothing notable"), 2)
		return
	}
	for _, f := range c.Findings {
		o.line(fmt.Sprintf("  %s %-8s %-18s %s", shortTS(f.Time), f.Severity, cell(f.Category), cell(f.Title)))
		var extra []string
		if f.Detail != "" {
			extra = append(extra, f.Detail)
		}
		if f.Signer != "" && f.Signer != c.Key.String() {
			extra = append(extra, "by "+f.Signer)
		}
		if f.Region != "" {
			extra = append(extra, f.Region)
		}
		if len(extra) > 0 {
			o.wrapped(strings.Repeat(" ", 17), strings.Join(extra, "  "), 17)
		}
	}
}

func writeSessions(o *textOut, c *investigate.Case, n investigate.Counts) {
	o.section(counted("DERIVED SESSIONS AND KEYS", c.Completeness.Events, n.LineageText()))
	if len(c.Sessions)+len(c.CreatedAccessKeys) == 0 {
		o.wrapped("  ", c.Completeness.Events.NoneIn("no session issued to this key and no access key created by it"), 2)
	}
	for _, s := range c.Sessions {
		valid := "expired"
		if s.ValidAtGeneration {
			valid = "MAY STILL BE VALID"
		}
		o.linef("  %s%s  %s %s  (%s)", strings.Repeat("  ", max(s.Depth-1, 0)), s.AccessKeyID, s.IssuedBy, shortTS(s.IssuedAt), valid)
		ind := 6 + 2*max(s.Depth-1, 0)
		var lines []string
		if s.ParentKey != c.Key.String() {
			lines = append(lines, "issued to "+s.ParentKey)
		}
		switch {
		case s.RoleARN != "":
			lines = append(lines, "role "+cell(s.RoleARN)+" session "+cell(s.SessionName))
		case s.FederatedUser != "":
			lines = append(lines, "federated user "+cell(s.FederatedUser))
		}
		exp := "expires " + ts(s.Expiration)
		if s.Account != "" {
			exp += "  account " + s.Account
		}
		lines = append(lines, exp+"  event "+s.IssuedByEvent)
		use := plural(s.EventCount, "event")
		if s.ErrorCount > 0 {
			use += fmt.Sprintf(" (%d failed)", s.ErrorCount)
		}
		if len(s.SourceIPs) > 0 {
			use += " from " + cell(strings.Join(s.SourceIPs, ", "))
		}
		lines = append(lines, use)
		if len(s.Actions) > 0 {
			acts := s.Actions
			if len(acts) > 8 {
				acts = append(acts[:8:8], fmt.Sprintf("+%d more", len(s.Actions)-8))
			}
			lines = append(lines, "did "+cell(strings.Join(acts, ", ")))
		}
		for _, l := range lines {
			o.wrapped(strings.Repeat(" ", ind), l, ind)
		}
	}
	if len(c.CreatedAccessKeys) > 0 {
		o.blank()
		o.line("  Access keys created (children, followed like sessions):")
		for _, k := range c.CreatedAccessKeys {
			o.parts("    ", 6, childLine(k)...)
		}
	}
}

func writeFollowUps(o *textOut, c *investigate.Case, n investigate.Counts) {
	f := c.FollowUps
	o.section(counted("EC2 FOLLOW-UPS", c.Completeness.Events, n.FollowUpsText()))
	if len(f.KeyPairs)+len(f.Launches) == 0 {
		o.wrapped("  ", c.Completeness.Events.NoneIn("no key pairs or launches"), 2)
		return
	}
	for _, k := range f.KeyPairs {
		s := fmt.Sprintf("  key pair %s  %s  %s  %s", k.Name, orDash(k.ID), k.Region, shortTS(k.Time))
		if k.EventName == "ImportKeyPair" {
			s += "  imported"
		}
		if k.ErrorCode != "" {
			s += "  FAILED " + k.ErrorCode
		}
		if k.Exists != nil {
			if *k.Exists {
				s += "  still exists"
			} else {
				s += "  deleted"
			}
		}
		o.line(s)
		for _, l := range []string{k.OriginText(), k.FirstText(), k.RuleText()} {
			o.wrapped("      ", l, 6)
		}
	}
	for _, l := range f.Launches {
		count := strconv.Itoa(l.MaxCount)
		if l.MinCount != l.MaxCount {
			count = fmt.Sprintf("%d-%d", l.MinCount, l.MaxCount)
		}
		s := fmt.Sprintf("  launch %s  %s x%s  %s", shortTS(l.Time), orDash(l.InstanceType), count, l.Region)
		if l.KeyName != "" {
			s += "  key " + l.KeyName
		}
		o.line(s)
		res := "-> " + strings.Join(l.InstanceIDs, ", ")
		if l.ErrorCode != "" {
			res = "FAILED " + l.ErrorCode
		}
		who := "by " + l.Signer
		if l.MatchedBy == investigate.MatchedByKeyPair {
			who = "by OTHER signer " + l.Signer + " " + l.SignerARN
		}
		o.wrapped("      ", res+"  "+who+"  event "+l.EventID, 6)
	}
	for _, i := range f.Instances {
		state := i.State
		if state == "" {
			state = "state unknown (no live source)"
		}
		s := fmt.Sprintf("  instance %s  %s  %s  %s", i.InstanceID, i.Region, orDash(i.InstanceType), state)
		if i.PublicIP != "" {
			s += "  " + i.PublicIP
		}
		if i.LiveError != "" {
			s += "  (" + i.LiveError + ")"
		}
		o.line(s)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeNetwork(o *textOut, c *investigate.Case, maxRows int) {
	if len(c.Events) == 0 {
		o.section("SOURCE IPS, USER AGENTS, SERVICES")
		o.wrapped("  ", c.Completeness.Events.NoneIn("no event"), 2)
		return
	}
	o.section(fmt.Sprintf("SOURCE IPS  %d", len(c.SourceIPs)))
	t := &table{width: o.width, indent: 2, widths: []int{15, 6, 11, 14, 0}, header: []string{"ADDRESS", "EVENTS", "KIND", "FIRST", "LAST"}}
	for i, ip := range c.SourceIPs {
		if i >= maxRows {
			t.add(fmt.Sprintf("+%d more", len(c.SourceIPs)-maxRows))
			break
		}
		var notes []string
		if ip.FirstSeenAlert != "" {
			notes = append(notes, "FIRST-SEEN ALERT")
		}
		notes = append(notes, ip.Network.Summary())
		if ip.Errors > 0 {
			notes = append(notes, plural(ip.Errors, "error"))
		}
		for _, k := range ip.Keys {
			if k != c.Key.String() {
				notes = append(notes, "used by a derived session")
				break
			}
		}
		t.add(ip.IP, strconv.Itoa(ip.Count), ip.Kind, shortTS(ip.First), shortTS(ip.Last))
		if len(notes) > 0 {
			t.addNote(2, strings.Join(notes, "; "))
		}
	}
	t.render(o)

	o.section(fmt.Sprintf("USER AGENTS  %d", len(c.UserAgents)))
	for i, u := range c.UserAgents {
		if i >= maxRows {
			o.linef("  +%d more", len(c.UserAgents)-maxRows)
			break
		}
		tool := ""
		if u.Tool != "" {
			tool = "  [" + u.Tool + "]"
		}
		o.linef("  %6d  %s - %s%s", u.Count, shortTS(u.First), shortTS(u.Last), tool)
		o.wrapped(strings.Repeat(" ", 10), u.UserAgent, 10)
	}

	o.section("SERVICES, REGIONS, ERRORS")
	counts := func(label string, cs []investigate.CountSummary) {
		var parts []string
		for i, s := range cs {
			if i >= maxRows {
				parts = append(parts, fmt.Sprintf("+%d more", len(cs)-maxRows))
				break
			}
			p := fmt.Sprintf("%s %d", s.Name, s.Count)
			if s.Errors > 0 {
				p += fmt.Sprintf(" (%d err)", s.Errors)
			}
			parts = append(parts, p)
		}
		o.wrapped(pad("  "+label, 12), strings.Join(parts, ", "), 12)
	}
	counts("Services", c.Services)
	counts("Regions", c.Regions)
	var errs []string
	for _, e := range c.Errors {
		s := fmt.Sprintf("%s %d", e.Code, e.Count)
		if e.Denied {
			s += " (denied)"
		}
		errs = append(errs, s)
	}
	if len(errs) == 0 {
		errs = []string{"none"}
	}
	o.wrapped(pad("  Errors", 12), strings.Join(errs, ", "), 12)
}

func writeTimeline(o *textOut, c *investigate.Case, mode string) {
	if len(c.Timeline) == 0 {
		o.section("TIMELINE")
		o.wrapped("  ", c.Completeness.Events.NoneIn("no event"), 2)
		return
	}
	title := "TIMELINE  " + plural(len(c.Timeline), "event")
	if mode != TimelineAll {
		title += " (routine and read-only runs collapsed: --timeline all)"
	}
	o.section(title)
	run := 0
	var runActions []string
	flush := func() {
		if run == 0 {
			return
		}
		acts := runActions
		if len(acts) > 4 {
			acts = append(acts[:4:4], "...")
		}
		o.linef("  %16s  ... %s: %s", "", plural(run, "routine or read-only call"), strings.Join(acts, ", "))
		run, runActions = 0, nil
	}
	seen := map[string]bool{}
	for i := 0; i < len(c.Timeline); i++ {
		e := c.Timeline[i]
		if mode != TimelineAll && !notableEntry(e, seen) {
			run++
			if len(runActions) < 5 {
				runActions = appendUnique(runActions, e.Service()+":"+e.Name)
			}
			continue
		}
		flush()
		// Consecutive repeats of one call by one signer from one address fold into one line.
		n := 1
		if mode != TimelineAll {
			for i+n < len(c.Timeline) && sameCall(e, c.Timeline[i+n]) {
				n++
			}
			i += n - 1
		}
		who := " "
		switch {
		case e.Other:
			who = "O"
		case e.Child:
			who = "C"
		case e.Session:
			who = "S"
		}
		line := fmt.Sprintf("  %s %s %-14s %s", shortTS(e.Time), who, fit(cell(e.Region), 14), e.Service()+":"+e.Name)
		if n > 1 {
			line += fmt.Sprintf(" x%d", n)
		}
		if e.ErrorCode != "" {
			line += "  ! " + e.ErrorCode
		}
		if e.SourceIP != "" {
			line += "  " + e.SourceIP
		}
		o.line(line)
	}
	flush()
	o.wrapped("  ", "(S = derived session, C = child key (created by the key) or its sessions, O = other signer using the key's key pair, ! = error)", 3)
}

// notableEntry decides what the collapsed timeline shows: findings, errors, sessions'
// and other signers' events, and the first write of each action from each address.
// Repeats of a write already shown (routine jobs) and read-only calls are collapsed.
func notableEntry(e investigate.TimelineEntry, seen map[string]bool) bool {
	switch {
	case e.ErrorCode != "", e.Other, e.Session, e.Category != "" && e.Category != investigate.CatDiscovery:
		return true
	case !e.IsWrite():
		return false
	}
	k := e.Service() + ":" + e.Name + "@" + e.SourceIP
	if seen[k] {
		return false
	}
	seen[k] = true
	return true
}

func sameCall(a, b investigate.TimelineEntry) bool {
	return a.Service() == b.Service() && a.Name == b.Name && a.Signer() == b.Signer() && a.SourceIP == b.SourceIP &&
		a.ErrorCode == b.ErrorCode && a.Region == b.Region && a.Other == b.Other
}

func appendUnique(dst []string, s string) []string {
	for _, d := range dst {
		if d == s {
			return dst
		}
	}
	return append(dst, s)
}

func writeCoverage(o *textOut, c *investigate.Case) {
	cv := c.Coverage
	o.section("COVERAGE")
	o.wrapped("  ", "searched: "+c.Completeness.Headline, 4)
	for i, s := range cv.AlertSources {
		line := fmt.Sprintf("alerts %s: %s, %d read, %d kept", s.Source, sourceStatus(c.Completeness.Alerts.Sources, i), s.Records, s.Matched)
		if s.Files > 0 {
			line += fmt.Sprintf(", %s", plural(s.Files, "file"))
		}
		o.wrapped("  ", line+skips(s), 4)
	}
	for i, s := range cv.Sources {
		line := fmt.Sprintf("trail %s: %s, %s%s", s.Source, sourceStatus(c.Completeness.Events.Sources, i), plural(s.Files, "file"), skips(s))
		line += fmt.Sprintf(", %s, %d matched", plural(int(s.Records), "record"), s.Matched)
		if s.Bytes > 0 {
			line += fmt.Sprintf(", %.1f MB", float64(s.Bytes)/1e6)
		}
		o.wrapped("  ", line, 4)
		notable, quiet := splitRegions(s.Regions)
		for _, r := range notable {
			rl := fmt.Sprintf("%s %s: %s", regionWhere(r), r.Status, plural(r.Events, "event"))
			if r.Retries > 0 {
				rl += ", " + plural(r.Retries, "retry")
			}
			if r.Truncated {
				rl += ", TRUNCATED"
			}
			if r.Error != "" {
				rl += " (" + r.Error + ")"
			}
			o.wrapped("      ", rl, 6)
		}
		if len(quiet) > 0 {
			o.wrapped("      ", "searched, no events: "+strings.Join(quiet, ", "), 6)
		}
		if s.Query != "" {
			o.wrapped("      query: ", s.Query, 13)
		}
		for _, n := range s.Notes {
			o.wrapped("      ", n, 6)
		}
		for _, l := range indexLines(s.Index) {
			o.wrapped("      ", l, 6)
		}
	}
	if len(c.Events) > 0 {
		o.wrapped("  ", fmt.Sprintf("events span %s to %s UTC; accounts %s; regions %s", ts(cv.FirstEvent), ts(cv.LastEvent), orDash(strings.Join(cv.Accounts, ", ")), orDash(strings.Join(cv.Regions, ", "))), 4)
	}
	if cv.Duplicates > 0 {
		o.linef("  %s dropped (same eventID)", plural(cv.Duplicates, "duplicate record"))
	}
	for _, g := range cv.Gaps {
		o.wrapped("  GAP ", g, 6)
	}
	for i, p := range cv.Problems {
		if i >= 20 {
			o.linef("  +%s (see --format json)", plural(len(cv.Problems)-20, "more problem"))
			break
		}
		o.wrapped("  ! ", p.Where+": "+p.Message, 4)
	}
}

// sourceStatus is the completeness status of the i-th source of a kind.
func sourceStatus(scs []investigate.SourceCompleteness, i int) string {
	if i < len(scs) {
		return scs[i].Status
	}
	return "?"
}

// skips says what a source left out, by reason: " (left out: 2 digests; 1 file not a log)".
func skips(s investigate.SourceReport) string {
	if t := investigate.SkipsText(s.Skips, false); t != "" {
		return " (left out: " + t + ")"
	}
	return ""
}

func plural(n int, noun string) string { return investigate.Plural(n, noun) }

// capitalise upper-cases the first letter of a label that starts a line.
func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// splitRegions separates the regions worth a line of their own (failed, skipped,
// throttled, retried, truncated, or with events) from the quiet ones, searched without
// finding anything, which reports name in one line.
func splitRegions(regions []investigate.RegionStatus) (notable []investigate.RegionStatus, quiet []string) {
	for _, r := range regions {
		if r.Status == investigate.RegionSearched && r.Events == 0 && r.Retries == 0 && !r.Truncated {
			quiet = append(quiet, regionWhere(r))
			continue
		}
		notable = append(notable, r)
	}
	return notable, quiet
}

// regionWhere names a region, with its account when there is one.
func regionWhere(r investigate.RegionStatus) string {
	if r.Account != "" {
		return r.Account + "/" + r.Region
	}
	return r.Region
}
