package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate"
)

// networkLines lists source IPs and user agents; Enter filters the timeline by one.
func networkLines(st *styles, c *investigate.Case, width int) ([]textLine, []target) {
	b := &lineBuilder{st: st, width: width}
	b.section(fmt.Sprintf("SOURCE IPS (%d)", len(c.SourceIPs)))
	ipw := 9
	for _, ip := range c.SourceIPs {
		ipw = max(ipw, min(ansi.StringWidth(clean(ip.IP)), 39))
	}
	b.add(st.colHeader.Render(fit("  "+fit("IP", ipw, false)+" "+fit("KIND", 11, false)+" "+fit("EVENTS", 7, true)+" "+fit("ERRORS", 6, true)+" "+fit("FIRST", 11, false)+" "+fit("LAST", 11, false)+" NETWORK", width, false)))
	marked := false
	unknown, failed := "", ""
	for _, ip := range c.SourceIPs {
		kind := ip.Kind
		if ip.FirstSeenAlert != "" {
			kind += "*"
			marked = true
		}
		s := "  " + fit(clean(ip.IP), ipw, false) + " " + fit(clean(kind), 11, false) + " " + fit(commas(ip.Count), 7, true) + " " + fit(commas(ip.Errors), 6, true) + " " + shortTime(ip.First) + " " + shortTime(ip.Last) + " " + clean(networkCell(ip.Network))
		b.addTarget(s, targetIP, ip.IP)
		if !ip.Network.Known() && unknown == "" {
			unknown = ip.Network.UnknownReason()
		}
		if len(ip.Network.Errors) > 0 && failed == "" {
			failed = ip.IP + ": " + strings.Join(ip.Network.Errors, "; ")
		}
	}
	if len(c.SourceIPs) == 0 {
		b.none(c.Completeness.Events.NoneIn("no source address"))
	}
	if marked {
		b.add(st.dim.Render("  * a first-seen alert fired for this address"))
	}
	if unknown != "" {
		b.parts("  ", []string{clean("unknown network: " + unknown)}, &st.dim)
	}
	if failed != "" {
		b.parts("  ", []string{clean("network lookup failed for " + failed)}, &st.warn)
	}
	b.section(fmt.Sprintf("USER AGENTS (%d)", len(c.UserAgents)))
	b.add(st.colHeader.Render(fit("  "+fit("EVENTS", 7, true)+" "+fit("FIRST", 11, false)+" "+fit("LAST", 11, false)+" "+fit("TOOL", 10, false)+" USER AGENT", width, false)))
	for _, u := range c.UserAgents {
		tool := clean(u.Tool)
		s := "  " + fit(commas(u.Count), 7, true) + " " + shortTime(u.First) + " " + shortTime(u.Last) + " " + fit(tool, 10, false) + " " + clean(u.UserAgent)
		if u.Tool != "" {
			s = st.danger.Render(s)
		}
		b.addTarget(s, targetAgent, u.UserAgent)
	}
	if len(c.UserAgents) == 0 {
		b.none(c.Completeness.Events.NoneIn("no user agent"))
	}
	return b.lines, b.targets
}

// networkCell is an address's network in its row: what it is, then where that was
// learned ("AS64501 Vectrolink Broadband LLC [non-cloud] · alert, asn-db").
func networkCell(n investigate.Network) string {
	s := n.Describe()
	if n.Known() && len(n.Sources) > 0 && n.Class != investigate.NetAWSService {
		s += " · " + strings.Join(n.Sources, ", ")
	}
	if len(n.OtherASOrgs) > 0 {
		s += " · also " + strings.Join(n.OtherASOrgs, ", ")
	}
	if len(n.Errors) > 0 {
		s += " · lookup failed"
	}
	return s
}
