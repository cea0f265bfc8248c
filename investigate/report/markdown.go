package report

import (
	"fmt"
	"io"

	"strings"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// md sanitises s and escapes what Markdown would interpret in a table cell or a line.
func md(s string) string {
	s = sanitize.Clean(s)
	r := strings.NewReplacer("|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`, "#", `\#`)
	return r.Replace(s)
}

// code renders s as inline code, safe whatever it holds.
func code(s string) string {
	s = sanitize.Clean(s)
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "|", `\|`)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// inert cleans every string among args (and what a Stringer says). The Markdown writers
// pass every value through it, so a field printed without md or code still cannot carry a
// control character into the ticket; md and code also escape what Markdown interprets.
func inert(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = sanitize.Clean(v)
		case fmt.Stringer:
			out[i] = sanitize.Clean(v.String())
		default:
			out[i] = a
		}
	}
	return out
}

// Markdown writes the case for a ticket.
func Markdown(w io.Writer, c *investigate.Case, o Options) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, inert(args)...) }
	counts := investigate.CaseCounts(c)
	title := "Access key " + code(c.Key.String())
	if c.Demo {
		title += " (demo data)"
	}
	if m := c.Completeness.Mark(); m != "" {
		title += " — " + m
	}
	p("# %s\n\n", title)
	ow := c.Owner
	p("| | |\n|---|---|\n")
	user := md(ow.User)
	if ow.Root {
		user = "**ROOT ACCOUNT KEY**"
	}
	if user == "" {
		user = "unknown user"
	}
	if ow.Type != "" {
		user += " (" + md(ow.Type) + ")"
	}
	p("| Owner | %s |\n", user)
	if ow.ARN != "" {
		p("| ARN | %s |\n", code(ow.ARN))
	}
	if ow.Account != "" {
		p("| Account | %s |\n", code(ow.Account))
	}
	if ow.Status != "" {
		p("| Status | %s |\n", md(ow.Status))
	}
	if q := c.Quarantine; q != nil {
		p("| AWS quarantine | %s |\n", md(q.Summary()))
	}
	if ow.LastUsed != nil {
		p("| Last used | %s |\n", md(investigate.LastUsedText(ow.LastUsed)))
	}
	for _, k := range ow.OtherKeys {
		if k.AccessKeyID != c.Key.String() {
			p("| Other key | %s %s, %s |\n", code(k.AccessKeyID), md(k.Status), md(investigate.LastUsedText(k.LastUsed)))
		}
	}
	if c.Context != "" {
		p("| Sources | %s |\n", md(c.Context))
	}
	if len(c.Events) > 0 {
		p("| Events | %s |\n", md(joinParts(counts.EventParts())))
		p("| Activity | %s to %s UTC |\n", ts(c.FirstActivity), ts(c.LastActivity))
	}
	p("| Searched | %s |\n", md(c.Completeness.Headline))
	p("| Generated | %s UTC |\n\n", ts(c.GeneratedAt))

	if len(c.Assessment) > 0 {
		p("## Assessment\n\n")
		for _, a := range c.Assessment {
			p("- %s\n", md(a))
		}
		p("\n")
	}

	markdownSection(p, "Alerts", counts.Alerts == 0, c.Completeness.Alerts.NoneIn("No alert of this key or its sessions"), func() {
		p("%s.\n\n", md(capitalise(counts.AlertsText())))
		for _, g := range counts.AlertGroups() {
			p("- %s: %s\n", md(capitalise(g[0])), md(g[1]))
		}
		p("\n| Severity | Risk | Status | Time (UTC) | Rule | Rule id | Alert id | Source | ATT&CK | Counted |\n|---|---|---|---|---|---|---|---|---|---|\n")
		for _, s := range c.Siblings {
			counted := "yes"
			if s.FirstSeen {
				counted = "first seen"
			}
			if !s.Eligible {
				counted = "no: " + s.Ineligible
			}
			if s.ViaKey != "" {
				counted += " (via " + viaWhat(s.ViaKey) + " " + s.ViaKey + ")"
			}
			markdownAlertRow(p, s, md(counted))
		}
		for _, s := range c.HigherOrderAlerts {
			counted := "higher-order, source.ip " + code(s.SourceIP)
			if len(s.TiedBy) > 0 {
				counted += md(", tied by " + investigate.TiesText(s.TiedBy))
			}
			if s.ViaKey != "" {
				counted += md(" (via " + viaWhat(s.ViaKey) + " " + s.ViaKey + ")")
			}
			markdownAlertRow(p, s, counted)
		}
		p("\n")
	})

	markdownSequences(p, c)

	markdownSection(p, "Findings", len(c.Findings) == 0, c.Completeness.Events.NoneIn("Nothing notable"), func() {
		p("| Time (UTC) | Severity | Category | What | Detail | Signer |\n|---|---|---|---|---|---|\n")
		for _, f := range c.Findings {
			p("| %s | %s | %s | %s | %s | %s |\n", ts(f.Time), f.Severity, md(f.Category), md(f.Title), md(f.Detail), code(f.Signer))
		}
		p("\n")
	})

	markdownSection(p, "Derived sessions", len(c.Sessions) == 0, c.Completeness.Events.NoneIn("No session issued to this key"), func() {
		p("| Session key | Issued by | Issued (UTC) | Expires (UTC) | Role / federated user | Account | Events | From |\n|---|---|---|---|---|---|---|---|\n")
		for _, s := range c.Sessions {
			who := code(s.RoleARN)
			if s.FederatedUser != "" {
				who = md(s.FederatedUser)
			}
			exp := ts(s.Expiration)
			if s.ValidAtGeneration {
				exp += " **may still be valid**"
			}
			p("| %s | %s (%s) | %s | %s | %s | %s | %d | %s |\n", code(s.AccessKeyID), md(s.IssuedBy), code(s.IssuedByEvent), ts(s.IssuedAt), exp, who, code(s.Account), s.EventCount, md(strings.Join(s.SourceIPs, ", ")))
		}
		p("\n")
	})
	f := c.FollowUps
	markdownSection(p, "EC2 follow-ups", len(f.KeyPairs)+len(f.Launches) == 0, c.Completeness.Events.NoneIn("No key pairs or launches"), func() {
		if len(f.KeyPairs) > 0 {
			p("| Key pair | Id | Region | Created (UTC) | Result | Source address | First by its principal | %s |\n|---|---|---|---|---|---|---|---|\n", investigate.KeyPairRuleName)
			for _, k := range f.KeyPairs {
				res := "created"
				if k.EventName == "ImportKeyPair" {
					res = "imported"
				}
				if k.ErrorCode != "" {
					res = "failed: " + k.ErrorCode
				}
				if k.Exists != nil && !*k.Exists {
					res += ", since deleted"
				}
				p("| %s | %s | %s | %s | %s | %s | %s | %s |\n", code(k.Name), code(k.ID), md(k.Region), ts(k.Time), md(res), md(k.OriginText()), md(k.FirstText()), md(k.Rule+": "+k.RuleReason))
			}
			p("\n")
		}
		if len(f.Launches) > 0 {
			p("| Launch (UTC) | Region | Type | Count | Key pair | Signer | Result |\n|---|---|---|---|---|---|---|\n")
			for _, l := range f.Launches {
				res := strings.Join(l.InstanceIDs, ", ")
				if l.ErrorCode != "" {
					res = "failed: " + l.ErrorCode
				}
				signer := code(l.Signer)
				if l.MatchedBy == investigate.MatchedByKeyPair {
					signer += " (other signer)"
				}
				p("| %s | %s | %s | %d | %s | %s | %s |\n", ts(l.Time), md(l.Region), md(l.InstanceType), l.MaxCount, code(l.KeyName), signer, md(res))
			}
			p("\n")
		}
		if len(f.Instances) > 0 {
			p("| Instance | Region | Type | State | Public IP |\n|---|---|---|---|---|\n")
			for _, i := range f.Instances {
				p("| %s | %s | %s | %s | %s |\n", code(i.InstanceID), md(i.Region), md(i.InstanceType), md(orDash(i.State)), md(i.PublicIP))
			}
			p("\n")
		}
	})

	writeMarkdownContain(p, c)

	if len(c.Events) == 0 {
		none := md(c.Completeness.Events.NoneIn("No event"))
		p("## Source addresses, user agents, errors\n\n%s.\n", none)
		if o.Timeline != TimelineNone {
			p("\n## Timeline\n\n%s.\n", none)
		}
	} else {
		writeMarkdownEvents(&b, c, o)
	}
	writeMarkdownCoverage(&b, c)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMarkdownEvents writes the sections drawn from the events: addresses, user
// agents, errors and the timeline.
func writeMarkdownEvents(b *strings.Builder, c *investigate.Case, o Options) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, inert(args)...) }
	p("## Source addresses\n\n| Address | Events | Kind | First (UTC) | Last (UTC) | Network | First-seen alert |\n|---|---|---|---|---|---|---|\n")
	for i, ip := range c.SourceIPs {
		if i >= o.maxRows() {
			p("| +%d more | | | | | | |\n", len(c.SourceIPs)-o.maxRows())
			break
		}
		p("| %s | %d | %s | %s | %s | %s | %s |\n", code(ip.IP), ip.Count, md(ip.Kind), ts(ip.First), ts(ip.Last), md(ip.Network.Summary()), code(ip.FirstSeenAlert))
	}
	p("\n## User agents\n\n| Count | First (UTC) | Last (UTC) | Tool | User agent |\n|---|---|---|---|---|\n")
	for i, u := range c.UserAgents {
		if i >= o.maxRows() {
			p("| +%d more | | | | |\n", len(c.UserAgents)-o.maxRows())
			break
		}
		p("| %d | %s | %s | %s | %s |\n", u.Count, ts(u.First), ts(u.Last), md(u.Tool), code(u.UserAgent))
	}
	p("\n## Errors\n\n")
	if len(c.Errors) == 0 {
		p("None failed.\n")
	}
	for _, e := range c.Errors {
		denied := ""
		if e.Denied {
			denied = " (access denied)"
		}
		p("- %s x%d%s: %s\n", code(e.Code), e.Count, denied, md(strings.Join(e.Actions, ", ")))
	}

	if o.Timeline != TimelineNone {
		p("\n## Timeline\n\n| Time (UTC) | Signer | Region | Action | Error | Source IP |\n|---|---|---|---|---|---|\n")
		skipped := 0
		seen := map[string]bool{}
		for _, e := range c.Timeline {
			if o.Timeline != TimelineAll && !notableEntry(e, seen) {
				skipped++
				continue
			}
			signer := code(e.Signer())
			if e.Session {
				signer += " (session)"
			}
			if e.Other {
				signer += " (other signer)"
			}
			p("| %s | %s | %s | %s | %s | %s |\n", ts(e.Time), signer, md(e.Region), code(e.Service()+":"+e.Name), code(e.ErrorCode), code(e.SourceIP))
		}
		if skipped > 0 {
			p("\n%s not shown (`--timeline all` shows them).\n", plural(skipped, "routine or read-only call"))
		}
	}
}

// writeMarkdownCoverage writes what was searched and what could not be.
func writeMarkdownCoverage(b *strings.Builder, c *investigate.Case) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, inert(args)...) }
	cv := c.Coverage
	p("\n## Coverage\n\n")
	p("- **searched:** %s\n", md(c.Completeness.Headline))
	for i, s := range cv.AlertSources {
		p("- alerts %s: %s, %d read, %d kept%s\n", code(s.Source), md(sourceStatus(c.Completeness.Alerts.Sources, i)), s.Records, s.Matched, md(skips(s)))
	}
	for i, s := range cv.Sources {
		p("- trail %s: %s, %s%s, %s, %d matched\n", code(s.Source), md(sourceStatus(c.Completeness.Events.Sources, i)), plural(s.Files, "file"), md(skips(s)), plural(int(s.Records), "record"), s.Matched)
		notable, quiet := splitRegions(s.Regions)
		for _, r := range notable {
			p("  - %s %s: %s %s\n", md(regionWhere(r)), md(r.Status), plural(r.Events, "event"), md(r.Error))
		}
		if len(quiet) > 0 {
			p("  - searched, no events: %s\n", md(strings.Join(quiet, ", ")))
		}
		if s.Query != "" {
			// A block of its own: the query keeps its line feeds (Multiline escapes every other control).
			b.WriteString("\n```sql\n" + strings.ReplaceAll(sanitize.Multiline(s.Query), "```", "'''") + "\n```\n\n")
		}
		for _, l := range indexLines(s.Index) {
			p("  - %s\n", md(l))
		}
	}
	if len(c.Events) > 0 {
		p("- events span %s to %s UTC; accounts %s; regions %s\n", ts(cv.FirstEvent), ts(cv.LastEvent), md(strings.Join(cv.Accounts, ", ")), md(strings.Join(cv.Regions, ", ")))
	}
	for _, g := range cv.Gaps {
		p("- **gap:** %s\n", md(g))
	}
	for _, pr := range cv.Problems {
		p("- problem %s: %s\n", code(pr.Where), md(pr.Message))
	}
}

// markdownSection writes a section's title, then its table, or, when the section has
// nothing, none: what was searched without finding it.
func markdownSection(p func(format string, args ...any), title string, empty bool, none string, table func()) {
	p("## %s\n\n", title)
	if empty {
		p("%s.\n\n", md(none))
		return
	}
	table()
}

// markdownAlertRow writes one alert of the case as a row of the Alerts table; counted
// says whether and why the correlation rule counts it.
func markdownAlertRow(p func(format string, args ...any), s investigate.Sibling, counted string) {
	p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s.Severity, num(s.RiskScore), md(s.Status), ts(s.Time), md(s.RuleName), code(s.RuleID), code(s.AlertID), providerName(s.Provider),
		md(strings.Join(investigate.ThreatIDs(s.Threats), " ")), counted)
}

// providerName names where an alert came from.
func providerName(p string) string {
	if p == "" {
		return "-"
	}
	return md(investigate.ProviderTitle(p))
}
