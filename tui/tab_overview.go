package tui

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/keypivot/keypivot/investigate"
)

// overviewLines is what the analyst needs to decide, most decisive first: the
// assessment, the key's owner, its activity and the riskiest findings; then sessions,
// launches, what the key left behind (the Artifacts tab) and what the sources covered. In two columns when the
// terminal is wide, one after the other when it is not.
func overviewLines(st *styles, c *investigate.Case, width int) []textLine {
	// blocks joins blocks with one blank line between them.
	blocks := func(bs ...[]textLine) []textLine {
		var out []textLine
		for i, b := range bs {
			if i > 0 {
				out = append(out, textLine{ref: -1})
			}
			out = append(out, b...)
		}
		return out
	}
	// owner is the owner's block, and AWS's quarantine policy on the owner when there is one.
	owner := func(w int) []textLine {
		if q := overviewQuarantine(st, c, w); q != nil {
			return blocks(overviewOwner(st, c, w), q)
		}
		return overviewOwner(st, c, w)
	}
	if width < 140 {
		return blocks(overviewAssessment(st, c, width), owner(width), overviewActivity(st, c, width),
			overviewRight(st, c, width, 6), overviewCoverage(st, c, width))
	}
	colw := (width - 3) / 2
	left := blocks(overviewAssessment(st, c, colw), owner(colw), overviewActivity(st, c, colw), overviewCoverage(st, c, colw))
	right := overviewRight(st, c, width-colw-3, 10)
	out := make([]textLine, max(len(left), len(right)))
	for i := range out {
		l, r := "", ""
		if i < len(left) {
			l = left[i].text
		}
		if i < len(right) {
			r = right[i].text
		}
		out[i] = textLine{text: fit(truncate(l, colw), colw, false) + " │ " + r, ref: -1}
	}
	return out
}

// overviewOwner is who the key belongs to and what IAM says of it now: status, last
// use, and the owner's other keys (a live owner lookup fills these; without one the
// block says they are unknown).
func overviewOwner(st *styles, c *investigate.Case, width int) []textLine {
	b := &lineBuilder{st: st, width: width}
	b.section("OWNER")
	ow := c.Owner
	user := orDash(clean(ow.User))
	if ow.Root {
		user = st.danger.Render("ROOT ACCOUNT KEY")
	} else if ow.Type != "" {
		user += " (" + clean(ow.Type) + ")"
	}
	b.kv("user", user)
	b.kv("arn", orDash(clean(ow.ARN)))
	b.kv("account", orDash(clean(ow.Account)))
	// A live lookup (IAM) knows the key's status, last use and the owner's other keys.
	// Without one, the status may still be known: keypivot's own action set it.
	live := slices.Contains(ow.Sources, "iam") || ow.LastUsed != nil || len(ow.OtherKeys) > 0
	unknown, hint := "unknown: no live IAM lookup", " (with AWS, --profile reads it)"
	if ow.Error != "" {
		unknown, hint = "unknown: the live IAM lookup failed", " (below)"
	}
	status := clean(ow.Status)
	switch {
	case status == "Active":
		status = st.warn.Render(status)
	case status == "" && live:
		status = "not listed by IAM"
	case status == "":
		status = unknown + hint
	}
	if !ow.Created.IsZero() {
		status += " · created " + fullTime(ow.Created) + " UTC"
	}
	b.kv("key status", status)
	if !live {
		b.kv("last used", unknown)
		b.kv("other keys", unknown)
	} else {
		if ow.LastUsed != nil {
			b.kv("last used", investigate.LastUsedWhen(ow.LastUsed))
		} else {
			b.kv("last used", "not reported by IAM")
		}
		n := 0
		for _, k := range ow.OtherKeys {
			if k.AccessKeyID == c.Key.String() {
				continue
			}
			label := ""
			if n == 0 {
				label = "other keys"
			}
			n++
			s := clean(k.AccessKeyID) + " " + orDash(clean(k.Status))
			if k.Status == "Active" {
				s = clean(k.AccessKeyID) + " " + st.warn.Render("Active")
			}
			if !k.Created.IsZero() {
				s += " · created " + shortTime(k.Created)
			}
			b.kv(label, s+" · "+investigate.LastUsedText(k.LastUsed))
		}
		if n == 0 {
			b.kv("other keys", "none")
		}
	}
	if ow.Error != "" {
		b.kv("lookup", st.warn.Render(clean(ow.Error)))
	}
	if len(ow.Sources) > 0 {
		b.kv("from", clean(strings.Join(ow.Sources, ", ")))
	}
	return b.lines
}

func overviewActivity(st *styles, c *investigate.Case, width int) []textLine {
	b := &lineBuilder{st: st, width: width}
	b.section("ACTIVITY")
	n := investigate.CaseCounts(c)
	ev := strings.Join(n.EventParts(), " · ")
	if len(c.Events) == 0 {
		// No bare zero: what was searched, or that nothing could be.
		ev = clean(c.Completeness.Events.Summary)
	}
	b.kv("events", ev)
	b.kv("first → last", fullTime(c.FirstActivity)+" → "+fullTime(c.LastActivity)+" UTC")
	pub := 0
	for _, ip := range c.SourceIPs {
		if ip.Kind == "public" {
			pub++
		}
	}
	net := fmt.Sprintf("%s (%s public) · %s", investigate.Plural(len(c.SourceIPs), "source IP"), commas(pub), investigate.Plural(len(c.UserAgents), "user agent"))
	if tools := c.OffensiveTools(); len(tools) > 0 {
		net += " · tools: " + clean(strings.Join(tools, ", "))
	}
	b.kv("network", net)
	var regions []string
	for _, r := range c.Regions {
		regions = append(regions, fmt.Sprintf("%s %s", clean(r.Name), commas(r.Count)))
	}
	b.kv("regions", orDash(strings.Join(regions, " · ")))
	errs, denied := 0, 0
	for _, e := range c.Errors {
		errs += e.Count
		if e.Denied {
			denied += e.Count
		}
	}
	if errs > 0 {
		b.kv("errors", fmt.Sprintf("%s failed calls, %s access denied (probing)", commas(errs), commas(denied)))
	}
	switch al := c.Completeness.Alerts; al.Status {
	case investigate.SearchComplete, investigate.SearchPartial:
		b.kv("alerts", n.AlertsText())
		for _, g := range n.AlertGroups() {
			b.kv("  "+g[0], g[1])
		}
	default:
		// No bare zero: no alert source was searched, or none could be.
		b.kv("alerts", clean(al.Summary))
	}

	return b.lines
}

func overviewAssessment(st *styles, c *investigate.Case, width int) []textLine {
	b := &lineBuilder{st: st, width: width}
	b.section("ASSESSMENT")
	for _, a := range c.Assessment {
		b.bullet(clean(a), nil)
	}
	if len(c.Assessment) == 0 {
		b.add("  nothing notable yet")
	}

	return b.lines
}

func overviewCoverage(st *styles, c *investigate.Case, width int) []textLine {
	b := &lineBuilder{st: st, width: width}
	cv := c.Coverage
	b.section("COVERAGE")
	cm := c.Completeness
	style := (*lipgloss.Style)(nil)
	if !cm.Complete() {
		style = &st.warn
	}
	b.bullet("searched: "+clean(cm.Headline), style)
	var srcs []string
	for _, s := range cv.Sources {
		srcs = append(srcs, fmt.Sprintf("%s (%s records, %s matched)", clean(s.Source), commas(int(s.Records)), commas(int(s.Matched))))
	}
	b.kv("trail", orDash(strings.Join(srcs, "; ")))
	if len(c.Events) > 0 {
		b.kv("events span", fullTime(cv.FirstEvent)+" → "+fullTime(cv.LastEvent)+" UTC")
		b.kv("accounts", orDash(clean(strings.Join(cv.Accounts, ", "))))
	}
	for _, g := range cv.Gaps {
		b.bullet("gap: "+clean(g), &st.warn)
	}
	for i, p := range cv.Problems {
		if i == 5 {
			b.add(st.dim.Render(fmt.Sprintf("  … %d more problems (keypivot pivot shows all)", len(cv.Problems)-5)))
			break
		}
		b.bullet("unreadable: "+clean(p.Where)+": "+clean(p.Message), &st.warn)
	}
	return b.lines
}

func overviewRight(st *styles, c *investigate.Case, width, maxFindings int) []textLine {
	b := &lineBuilder{st: st, width: width}
	b.section("RISKIEST FINDINGS")
	fsorted := slices.Clone(c.Findings)
	sort.SliceStable(fsorted, func(i, j int) bool {
		if fsorted[i].Severity != fsorted[j].Severity {
			return fsorted[i].Severity > fsorted[j].Severity
		}
		return fsorted[i].Time.Before(fsorted[j].Time)
	})
	if len(fsorted) == 0 {
		b.none(c.Completeness.Events.NoneIn("nothing notable"))
	}
	for i, f := range fsorted {
		if i == maxFindings {
			b.add(st.dim.Render(fmt.Sprintf("  … %d more findings in the timeline", len(fsorted)-maxFindings)))
			break
		}
		sev := st.severity(f.Severity).Render(fit(f.Severity.String(), 8, false))
		text := clean(f.Title)
		if f.Detail != "" {
			text += ": " + clean(f.Detail)
		}
		line := "  " + shortTime(f.Time) + " " + sev + " " + fit(clean(f.Category), 15, false) + " " + text
		b.add(line)
	}

	b.section("DERIVED SESSIONS")
	if len(c.Sessions) == 0 {
		b.none(c.Completeness.Events.NoneIn("no session issued to this key"))
	}
	for _, s := range c.Sessions {
		who := clean(s.RoleARN)
		if s.FederatedUser != "" {
			who = "federated " + clean(s.FederatedUser)
		}
		valid := ""
		if s.ValidAtGeneration {
			valid = st.warn.Render(" MAY STILL BE VALID until " + fullTime(s.Expiration))
		}
		b.add(fmt.Sprintf("  %s %s %s · %s%s", clean(s.AccessKeyID), clean(s.IssuedBy), orDash(who), plural(s.EventCount, "event"), valid))
	}

	b.section("LAUNCHES AND INSTANCES")
	fu := c.FollowUps
	if len(fu.KeyPairs)+len(fu.Launches)+len(fu.Instances) == 0 {
		b.none(c.Completeness.Events.NoneIn("no key pairs or launches"))
	} else {
		b.kv("follow-ups", investigate.CaseCounts(c).FollowUpsText())
		var ids []string
		for _, i := range fu.Instances {
			s := clean(i.InstanceID) + " " + clean(i.Region)
			if i.State != "" {
				s += " " + clean(i.State)
			}
			ids = append(ids, s)
		}
		b.kv("instances", orDash(strings.Join(ids, " · ")))
	}

	b.lines = append(append(b.lines, textLine{ref: -1}), overviewBlastRadius(st, c, width)...)
	return b.lines
}

// overviewTab is the case on one page (a pager: nothing on it is selected).
type overviewTab struct {
	textList
}

func (t *overviewTab) show(c *investigate.Case, width int) {
	t.setLines(overviewLines(t.st, c, width))
}

func (t *overviewTab) update(tea.Msg) tea.Cmd { return nil }
func (t *overviewTab) enterHelp() string      { return "" }
func (t *overviewTab) statusTail() string     { return t.scrollInfo() }
