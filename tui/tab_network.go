package tui

import (
	"fmt"

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
	for _, ip := range c.SourceIPs {
		kind := ip.Kind
		if ip.FirstSeenAlert != "" {
			kind += "*"
			marked = true
		}
		s := "  " + fit(clean(ip.IP), ipw, false) + " " + fit(clean(kind), 11, false) + " " + fit(commas(ip.Count), 7, true) + " " + fit(commas(ip.Errors), 6, true) + " " + shortTime(ip.First) + " " + shortTime(ip.Last) + " " + clean(ip.ASOrg)
		b.addTarget(s, targetIP, ip.IP)
	}
	if len(c.SourceIPs) == 0 {
		b.none(c.Completeness.Events.NoneIn("no source address"))
	}
	if marked {
		b.add(st.dim.Render("  * a first-seen alert fired for this address"))
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
