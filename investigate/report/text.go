// Package report renders a case and a key ranking as text (for a terminal), Markdown
// (for a ticket) and JSON (for a script). Every attacker-controlled string is sanitised.
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
	// Width is the text width (default 80).
	Width int
	// Timeline is notable (default), all or none.
	Timeline string
	// MaxRows bounds long lists (IPs, agents, actions) per section (default 15; 0 keeps the default, <0 is unlimited).
	MaxRows int
}

func (o Options) width() int {
	if o.Width <= 0 {
		return 80
	}
	return max(o.Width, 60)
}

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

// Text writes the case for a terminal.
func Text(w io.Writer, c *investigate.Case, o Options) error {
	var b strings.Builder
	width := o.width()
	rule := strings.Repeat("=", width)
	section := func(title string) {
		b.WriteString("\n" + title + "\n" + strings.Repeat("-", min(len(title), width)) + "\n")
	}
	title := "keypivot case " + c.Key
	if c.Demo {
		title += "   [DEMO DATA]"
	}
	b.WriteString(title + "\n" + rule + "\n")

	// Owner and activity.
	ow := c.Owner
	kv := func(k, v string) { b.WriteString(pad(k, 10) + wrap(v, width, 10) + "\n") }
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
		kv("Status", strings.TrimPrefix(ow.Status+", "+lastUsed(ow.LastUsed), ", "))
	}
	for _, k := range ow.OtherKeys {
		if k.AccessKeyID != c.Key {
			kv("Other key", fmt.Sprintf("%s %s, created %s, %s", k.AccessKeyID, k.Status, ts(k.Created), lastUsed(k.LastUsed)))
		}
	}
	if ow.Error != "" {
		kv("Lookup", cell(ow.Error))
	}
	if len(ow.Sources) > 0 {
		kv("From", strings.Join(ow.Sources, ", "))
	}
	if c.Context != "" {
		kv("Sources", cell(c.Context))
	}
	act := fmt.Sprintf("%d events by the key", c.EventCount)
	if len(c.Sessions) > 0 {
		act += fmt.Sprintf(", %d by %d derived sessions", c.SessionEventCount, len(c.Sessions))
	}
	if !c.FirstActivity.IsZero() {
		act += fmt.Sprintf("; %s to %s UTC", ts(c.FirstActivity), ts(c.LastActivity))
	}
	kv("Activity", act)

	if len(c.Assessment) > 0 {
		section("ASSESSMENT")
		for _, a := range c.Assessment {
			b.WriteString("  * " + wrap(cell(a), width, 4) + "\n")
		}
	}

	writeAlerts(&b, c, width, section)
	writeFindings(&b, c, width, section)
	writeSessions(&b, c, width, section)
	writeFollowUps(&b, c, width, section)
	writeNetwork(&b, c, width, o.maxRows(), section)
	if o.Timeline != TimelineNone {
		writeTimeline(&b, c, width, o.Timeline, section)
	}
	writeCoverage(&b, c, width, section)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeAlerts(b *strings.Builder, c *investigate.Case, width int, section func(string)) {
	eligible := 0
	for _, s := range c.Siblings {
		if s.Eligible {
			eligible++
		}
	}
	section(fmt.Sprintf("ALERTS  %d for this key, %d elevated and open", len(c.Siblings), eligible))
	if len(c.Siblings) == 0 {
		b.WriteString("  none in the alert sources\n")
	}
	for _, s := range c.Siblings {
		mark := " "
		switch {
		case s.FirstSeen:
			mark = "1"
		case s.Eligible:
			mark = "*"
		}
		line := fmt.Sprintf("%s %-8s %3s  %-12s %s  ", mark, s.Severity, num(s.RiskScore), s.Status, shortTS(s.Time))
		b.WriteString(" " + line + fit(cell(s.RuleName), width-len(line)-1) + "\n")
		detail := "rule " + s.RuleID + "  alert " + s.AlertID
		if s.SourceIP != "" {
			detail += "  ip " + cell(s.SourceIP)
		}
		if s.ViaKey != "" {
			detail += "  via session " + s.ViaKey
		}
		if !s.Eligible && s.Ineligible != "" {
			detail += "  (not counted: " + s.Ineligible + ")"
		}
		if s.Provider != investigate.ProviderElastic {
			detail += "  [" + s.Provider + "]"
		}
		b.WriteString("    " + wrap(cell(detail), width, 4) + "\n")
	}
	for _, s := range c.HigherOrderAlerts {
		line := fmt.Sprintf("H %-8s %3s  %-12s %s  ", s.Severity, num(s.RiskScore), s.Status, shortTS(s.Time))
		b.WriteString(" " + line + fit(cell(s.RuleName), width-len(line)-1) + "\n")
		b.WriteString("    " + wrap(cell("alert "+s.AlertID+"  grouped by source.ip "+s.SourceIP), width, 4) + "\n")
	}
	if len(c.Siblings)+len(c.HigherOrderAlerts) > 0 {
		legend := "1 = first seen from source IP, * = elevated sibling, H = higher-order"
		for _, s := range c.Siblings {
			if s.Provider != investigate.ProviderElastic {
				legend += "; untagged alerts are Elastic's"
				break
			}
		}
		b.WriteString(wrap("  ("+legend+")", width, 3) + "\n")
	}
}

func writeFindings(b *strings.Builder, c *investigate.Case, width int, section func(string)) {
	section(fmt.Sprintf("FINDINGS  %d", len(c.Findings)))
	if len(c.Findings) == 0 {
		b.WriteString("  none\n")
		return
	}
	for _, f := range c.Findings {
		prefix := fmt.Sprintf("  %s %-8s %-18s ", shortTS(f.Time), f.Severity, f.Category)
		b.WriteString(prefix + fit(cell(f.Title), width-len(prefix)) + "\n")
		var extra []string
		if f.Detail != "" {
			extra = append(extra, f.Detail)
		}
		if f.Signer != "" && f.Signer != c.Key {
			extra = append(extra, "by "+f.Signer)
		}
		if f.Region != "" {
			extra = append(extra, f.Region)
		}
		if len(extra) > 0 {
			b.WriteString(strings.Repeat(" ", 17) + wrap(cell(strings.Join(extra, "  ")), width, 17) + "\n")
		}
	}
}

func writeSessions(b *strings.Builder, c *investigate.Case, width int, section func(string)) {
	section(fmt.Sprintf("DERIVED SESSIONS  %d", len(c.Sessions)))
	if len(c.Sessions) == 0 {
		b.WriteString("  none issued to this key in the data\n")
	}
	for _, s := range c.Sessions {
		valid := "expired"
		if s.ValidAtGeneration {
			valid = "MAY STILL BE VALID"
		}
		b.WriteString(fmt.Sprintf("  %s%s  %s %s  (%s)\n", strings.Repeat("  ", s.Depth-1), s.AccessKeyID, s.IssuedBy, shortTS(s.IssuedAt), valid))
		ind := 6 + 2*(s.Depth-1)
		var lines []string
		if s.ParentKey != c.Key {
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
		use := fmt.Sprintf("%d events", s.EventCount)
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
			b.WriteString(strings.Repeat(" ", ind) + wrap(l, width, ind) + "\n")
		}
	}
	if len(c.CreatedAccessKeys) > 0 {
		b.WriteString("\n  Access keys created:\n")
		for _, k := range c.CreatedAccessKeys {
			b.WriteString(fmt.Sprintf("    %s  for %s  %s  by %s\n", k.AccessKeyID, cell(k.User), shortTS(k.Time), k.Signer))
		}
	}
}

func writeFollowUps(b *strings.Builder, c *investigate.Case, width int, section func(string)) {
	f := c.FollowUps
	section(fmt.Sprintf("EC2 FOLLOW-UPS  %d key pairs, %d launches, %d instances", len(f.KeyPairs), len(f.Launches), len(f.Instances)))
	if len(f.KeyPairs)+len(f.Launches) == 0 {
		b.WriteString("  no key pairs or launches\n")
		return
	}
	for _, k := range f.KeyPairs {
		s := fmt.Sprintf("  key pair %s  %s  %s  %s", cell(k.Name), orDash(k.ID), k.Region, shortTS(k.Time))
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
		b.WriteString(fit(s, width) + "\n")
	}
	for _, l := range f.Launches {
		count := strconv.Itoa(l.MaxCount)
		if l.MinCount != l.MaxCount {
			count = fmt.Sprintf("%d-%d", l.MinCount, l.MaxCount)
		}
		s := fmt.Sprintf("  launch %s  %s x%s  %s", shortTS(l.Time), orDash(cell(l.InstanceType)), count, l.Region)
		if l.KeyName != "" {
			s += "  key " + cell(l.KeyName)
		}
		b.WriteString(fit(s, width) + "\n")
		res := "-> " + strings.Join(l.InstanceIDs, ", ")
		if l.ErrorCode != "" {
			res = "FAILED " + l.ErrorCode
		}
		who := "by " + l.Signer
		if l.MatchedBy == investigate.MatchedByKeyPair {
			who = "by OTHER signer " + l.Signer + " " + cell(l.SignerARN)
		}
		b.WriteString("      " + wrap(res+"  "+who+"  event "+l.EventID, width, 6) + "\n")
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
			s += "  (" + cell(i.LiveError) + ")"
		}
		b.WriteString(fit(s, width) + "\n")
	}
}

// lastUsed renders IAM's last use of a key; a key IAM reports as never used says so.
func lastUsed(l *investigate.LastUsed) string {
	switch {
	case l == nil:
		return "last use unknown"
	case l.Date.IsZero():
		return "never used"
	}
	s := "last used " + ts(l.Date)
	if l.Service != "" || l.Region != "" {
		s += " (" + strings.TrimSpace(l.Service+" "+l.Region) + ")"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeNetwork(b *strings.Builder, c *investigate.Case, width, maxRows int, section func(string)) {
	section(fmt.Sprintf("SOURCE IPS  %d", len(c.SourceIPs)))
	t := &table{width: width, indent: 2, widths: []int{15, 6, 11, 14, 0}, header: []string{"ADDRESS", "EVENTS", "KIND", "FIRST", "LAST"}}
	for i, ip := range c.SourceIPs {
		if i >= maxRows {
			t.add(fmt.Sprintf("+%d more", len(c.SourceIPs)-maxRows))
			break
		}
		var notes []string
		if ip.FirstSeenAlert != "" {
			notes = append(notes, "FIRST-SEEN ALERT")
		}
		if ip.ASOrg != "" {
			notes = append(notes, ip.ASOrg)
		}
		if ip.Errors > 0 {
			notes = append(notes, fmt.Sprintf("%d errors", ip.Errors))
		}
		for _, k := range ip.Keys {
			if k != c.Key {
				notes = append(notes, "used by a derived session")
				break
			}
		}
		t.add(cell(ip.IP), strconv.Itoa(ip.Count), ip.Kind, shortTS(ip.First), shortTS(ip.Last))
		if len(notes) > 0 {
			t.add("  " + cell(strings.Join(notes, "; "))) // one column: a continuation line
		}
	}
	t.render(b)

	section(fmt.Sprintf("USER AGENTS  %d", len(c.UserAgents)))
	for i, u := range c.UserAgents {
		if i >= maxRows {
			b.WriteString(fmt.Sprintf("  +%d more\n", len(c.UserAgents)-maxRows))
			break
		}
		tool := ""
		if u.Tool != "" {
			tool = "  [" + u.Tool + "]"
		}
		b.WriteString(fmt.Sprintf("  %6d  %s - %s%s\n", u.Count, shortTS(u.First), shortTS(u.Last), tool))
		b.WriteString("          " + wrap(cell(u.UserAgent), width, 10) + "\n")
	}

	section("SERVICES, REGIONS, ERRORS")
	counts := func(label string, cs []investigate.CountSummary) {
		var parts []string
		for i, s := range cs {
			if i >= maxRows {
				parts = append(parts, fmt.Sprintf("+%d more", len(cs)-maxRows))
				break
			}
			p := fmt.Sprintf("%s %d", cell(s.Name), s.Count)
			if s.Errors > 0 {
				p += fmt.Sprintf(" (%d err)", s.Errors)
			}
			parts = append(parts, p)
		}
		b.WriteString(pad("  "+label, 12) + wrap(strings.Join(parts, ", "), width, 12) + "\n")
	}
	counts("Services", c.Services)
	counts("Regions", c.Regions)
	var errs []string
	for _, e := range c.Errors {
		s := fmt.Sprintf("%s %d", cell(e.Code), e.Count)
		if e.Denied {
			s += " (denied)"
		}
		errs = append(errs, s)
	}
	if len(errs) == 0 {
		errs = []string{"none"}
	}
	b.WriteString(pad("  Errors", 12) + wrap(strings.Join(errs, ", "), width, 12) + "\n")
}

func writeTimeline(b *strings.Builder, c *investigate.Case, width int, mode string, section func(string)) {
	title := fmt.Sprintf("TIMELINE  %d events", len(c.Timeline))
	if mode != TimelineAll {
		title += " (routine and read-only runs collapsed; --timeline all shows all)"
	}
	section(title)
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
		b.WriteString(fit(fmt.Sprintf("  %16s  ... %d routine or read-only calls: %s", "", run, strings.Join(acts, ", ")), width) + "\n")
		run, runActions = 0, nil
	}
	seen := map[string]bool{}
	for i := 0; i < len(c.Timeline); i++ {
		e := c.Timeline[i]
		if mode != TimelineAll && !notableEntry(e, seen) {
			run++
			if len(runActions) < 5 {
				runActions = appendUnique(runActions, e.Service+":"+e.EventName)
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
		case e.Session:
			who = "S"
		}
		line := fmt.Sprintf("  %s %s %-14s %s", shortTS(e.Time), who, fit(e.Region, 14), cell(e.Service+":"+e.EventName))
		if n > 1 {
			line += fmt.Sprintf(" x%d", n)
		}
		if e.ErrorCode != "" {
			line += "  ! " + cell(e.ErrorCode)
		}
		if e.SourceIP != "" {
			line += "  " + cell(e.SourceIP)
		}
		b.WriteString(fit(line, width) + "\n")
	}
	flush()
	b.WriteString("  (S = derived session, O = other signer using the key's key pair, ! = error)\n")
}

// notableEntry decides what the collapsed timeline shows: findings, errors, sessions'
// and other signers' events, and the first write of each action from each address.
// Repeats of a write already shown (routine jobs) and read-only calls are collapsed.
func notableEntry(e investigate.TimelineEntry, seen map[string]bool) bool {
	switch {
	case e.ErrorCode != "", e.Other, e.Session, e.Category != "" && e.Category != investigate.CatDiscovery:
		return true
	case !e.Write:
		return false
	}
	k := e.Service + ":" + e.EventName + "@" + e.SourceIP
	if seen[k] {
		return false
	}
	seen[k] = true
	return true
}

func sameCall(a, b investigate.TimelineEntry) bool {
	return a.Service == b.Service && a.EventName == b.EventName && a.Signer == b.Signer && a.SourceIP == b.SourceIP &&
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

func writeCoverage(b *strings.Builder, c *investigate.Case, width int, section func(string)) {
	cv := c.Coverage
	section("COVERAGE")
	for _, s := range cv.AlertSources {
		b.WriteString("  " + wrap(cell(fmt.Sprintf("alerts %s: %d read, %d kept", s.Source, s.Records, s.Matched)), width, 4) + "\n")
	}
	for _, s := range cv.Sources {
		line := fmt.Sprintf("trail %s: %d files", s.Source, s.Files)
		if s.Skipped > 0 {
			line += fmt.Sprintf(" (+%d skipped)", s.Skipped)
		}
		line += fmt.Sprintf(", %d records, %d matched", s.Records, s.Matched)
		if s.Bytes > 0 {
			line += fmt.Sprintf(", %.1f MB", float64(s.Bytes)/1e6)
		}
		b.WriteString("  " + wrap(cell(line), width, 4) + "\n")
		var quiet []string
		for _, r := range s.Regions {
			where := r.Region
			if r.Account != "" {
				where = r.Account + "/" + r.Region
			}
			if r.Status == investigate.RegionSearched && r.Events == 0 && r.Retries == 0 && !r.Truncated {
				quiet = append(quiet, where)
				continue
			}
			rl := fmt.Sprintf("%s %s: %d events", where, r.Status, r.Events)
			if r.Retries > 0 {
				rl += fmt.Sprintf(", %d retries", r.Retries)
			}
			if r.Truncated {
				rl += ", TRUNCATED"
			}
			if r.Error != "" {
				rl += " (" + r.Error + ")"
			}
			b.WriteString("      " + wrap(cell(rl), width, 6) + "\n")
		}
		if len(quiet) > 0 {
			b.WriteString("      " + wrap(cell(fmt.Sprintf("searched, no events: %s", strings.Join(quiet, ", "))), width, 6) + "\n")
		}
		if s.Query != "" {
			b.WriteString("      query: " + wrap(cell(s.Query), width, 13) + "\n")
		}
		for _, n := range s.Notes {
			b.WriteString("      " + wrap(cell(n), width, 6) + "\n")
		}
	}
	span := "no events"
	if !cv.FirstEvent.IsZero() {
		span = ts(cv.FirstEvent) + " to " + ts(cv.LastEvent) + " UTC"
	}
	b.WriteString("  " + wrap(fmt.Sprintf("span %s; accounts %s; regions %s", span, orDash(strings.Join(cv.Accounts, ", ")), orDash(strings.Join(cv.Regions, ", "))), width, 4) + "\n")
	if cv.Duplicates > 0 {
		b.WriteString(fmt.Sprintf("  %d duplicate records dropped (same eventID)\n", cv.Duplicates))
	}
	for _, g := range cv.Gaps {
		b.WriteString("  GAP " + wrap(cell(g), width, 6) + "\n")
	}
	for i, p := range cv.Problems {
		if i >= 20 {
			b.WriteString(fmt.Sprintf("  +%d more problems (see --format json)\n", len(cv.Problems)-20))
			break
		}
		b.WriteString("  ! " + wrap(cell(p.Where+": "+p.Message), width, 4) + "\n")
	}
}
