package tui

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate"
)

func lipglossWidth(s string) int { return ansi.StringWidth(s) }

// lineBuilder collects the lines of a text tab. Every value from the case passes
// through clean before it is styled.
type lineBuilder struct {
	st      *styles
	width   int
	lines   []textLine
	targets []target
}

// addTarget adds a selectable line that leads to a target.
func (b *lineBuilder) addTarget(s string, kind int, value string) {
	b.targets = append(b.targets, target{kind: kind, value: value})
	b.addRef(s, len(b.targets)-1)
}

func (b *lineBuilder) add(s string)           { b.lines = append(b.lines, textLine{text: s, ref: -1}) }
func (b *lineBuilder) addRef(s string, r int) { b.lines = append(b.lines, textLine{text: s, ref: r}) }
func (b *lineBuilder) blank()                 { b.add("") }
func (b *lineBuilder) section(s string) {
	if len(b.lines) > 0 {
		b.blank()
	}
	b.add(b.st.section.Render(s))
}

// kv adds "  label   value" with the value wrapped under itself.
func (b *lineBuilder) kv(label, value string) {
	const lw = 14
	pad := "  " + fit(label, lw, false) + " "
	for i, l := range wrapText(value, max(b.width-len(pad), 20)) {
		if i == 0 {
			b.add(b.st.dim.Render(pad) + l)
		} else {
			b.add(strings.Repeat(" ", len(pad)) + l)
		}
	}
}

// none adds a wrapped "  text": a negative, which says what was searched.
func (b *lineBuilder) none(s string) {
	for _, l := range wrapText(clean(s), max(b.width-2, 20)) {
		b.add("  " + l)
	}
}

// bullet adds a wrapped "  • text".
func (b *lineBuilder) bullet(s string, style *lipgloss.Style) {
	for i, l := range wrapText(s, max(b.width-4, 20)) {
		if style != nil {
			l = style.Render(l)
		}
		if i == 0 {
			b.add("  • " + l)
		} else {
			b.add("    " + l)
		}
	}
}

// wrapText wraps clean text to w cells at spaces, splitting words longer than a line.
func wrapText(s string, w int) []string {
	if w <= 0 || ansi.StringWidth(s) <= w {
		return []string{s}
	}
	var out []string
	line, lw := "", 0
	flush := func() {
		out = append(out, line)
		line, lw = "", 0
	}
	for _, word := range strings.Split(s, " ") {
		ww := ansi.StringWidth(word)
		if lw > 0 && lw+1+ww > w {
			flush()
		}
		for ww > w {
			if lw > 0 {
				flush()
			}
			head := ansi.Cut(word, 0, w)
			out = append(out, head)
			word = ansi.Cut(word, w, ww)
			ww = ansi.StringWidth(word)
		}
		if lw > 0 {
			line += " "
			lw++
		}
		line += word
		lw += ww
	}
	if lw > 0 || len(out) == 0 {
		flush()
	}
	return out
}

func commas(n int) string { return investigate.Thousands(n) }

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
	ev := commas(c.EventCount) + " by the key"
	if len(c.Events) == 0 {
		// No bare zero: what was searched, or that nothing could be.
		ev = clean(c.Completeness.Events.Summary)
	}
	if len(c.Sessions) > 0 {
		ev += fmt.Sprintf(" · %s by %d derived sessions", commas(c.SessionEventCount), len(c.Sessions))
	}
	if len(c.CreatedAccessKeys) > 0 || c.ChildEventCount > 0 {
		ev += fmt.Sprintf(" · %s by %s it created (and their sessions)", commas(c.ChildEventCount), plural(len(c.CreatedAccessKeys), "access key"))
	}
	if c.OtherEventCount > 0 {
		ev += " · " + plural(c.OtherEventCount, "launch") + " by other signers"
	}
	b.kv("events", ev)
	b.kv("first → last", fullTime(c.FirstActivity)+" → "+fullTime(c.LastActivity)+" UTC")
	pub := 0
	for _, ip := range c.SourceIPs {
		if ip.Kind == "public" {
			pub++
		}
	}
	net := fmt.Sprintf("%d source IPs (%d public) · %d user agents", len(c.SourceIPs), pub, len(c.UserAgents))
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
	counted, fs := 0, 0
	for _, s := range c.Siblings {
		if s.FirstSeen {
			fs++
		} else if s.Eligible {
			counted++
		}
	}
	b.kv("alerts", fmt.Sprintf("%d alerts: %d first-seen, %d elevated siblings counted, %d higher-order", len(c.Siblings), fs, counted, len(c.HigherOrderAlerts)))

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
		b.add(fmt.Sprintf("  %s %s %s · %d events%s", clean(s.AccessKeyID), clean(s.IssuedBy), orDash(who), s.EventCount, valid))
	}

	b.section("LAUNCHES AND INSTANCES")
	fu := c.FollowUps
	if len(fu.KeyPairs)+len(fu.Launches)+len(fu.Instances) == 0 {
		b.none(c.Completeness.Events.NoneIn("no key pairs or launches"))
	} else {
		failed := 0
		for _, l := range fu.Launches {
			if l.ErrorCode != "" {
				failed++
			}
		}
		b.kv("key pairs", itoa(len(fu.KeyPairs))+" created or imported")
		b.kv("launches", fmt.Sprintf("%d RunInstances (%d failed)", len(fu.Launches), failed))
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

// alertsTab lists the case's alerts.
type alertsTab struct {
	ui    *ui
	table *table
	rows  []investigate.Sibling
	ho    []bool
}

func newAlertsTab(u *ui) *alertsTab {
	t := &alertsTab{ui: u}
	t.table = newTable(&u.st, []column{
		{title: "SEVERITY", width: 8},
		{title: "RISK", width: 4, right: true},
		{title: "STATUS", width: 12, prio: 2},
		{title: "TIME (UTC)", width: 11},
		{title: "RULE", flex: 3, min: 20},
		{title: "COUNTED", flex: 2, min: 14, prio: 1},
		{title: "ALERT ID", width: 36, prio: 3},
	})
	t.table.cell = t.cell
	t.table.cellStyle = func(row, col int) *lipgloss.Style {
		if col == 0 {
			s := u.st.severity(t.rows[row].Severity)
			return &s
		}
		return nil
	}
	t.table.empty = "no alerts for this key or its sessions in the alert sources"
	return t
}

func (t *alertsTab) setCase(c *investigate.Case) {
	t.rows = append(append(t.rows[:0], c.Siblings...), c.HigherOrderAlerts...)
	t.ho = t.ho[:0]
	for range c.Siblings {
		t.ho = append(t.ho, false)
	}
	for range c.HigherOrderAlerts {
		t.ho = append(t.ho, true)
	}
	t.table.setLen(len(t.rows))
	t.table.empty = clean(c.Completeness.Alerts.NoneIn("no alert of this key or its sessions"))
}

// emptyEvents is what an empty event list says: where the events were looked for, or
// that they could not be.
func emptyEvents(c *investigate.Case) string {
	if c == nil {
		return "no event yet"
	}
	return clean(c.Completeness.Events.NoneIn("no event of this key"))
}

func (t *alertsTab) setSize(w, h int)    { t.table.setSize(w, h) }
func (t *alertsTab) nav(act string) bool { return t.table.nav(act) }
func (t *alertsTab) view() string        { return t.table.view() }

func (t *alertsTab) selected() *investigate.Sibling {
	if t.table.cursor < len(t.rows) {
		return &t.rows[t.table.cursor]
	}
	return nil
}

func (t *alertsTab) cell(row, col int) string {
	s := &t.rows[row]
	switch col {
	case 0:
		return s.Severity.String()
	case 1:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", s.RiskScore), ".0")
	case 2:
		return s.Status
	case 3:
		return shortTime(s.Time)
	case 4:
		return s.RuleName
	case 5:
		switch {
		case t.ho[row]:
			return "higher-order (" + s.SourceIP + ")"
		case s.FirstSeen:
			return "first seen " + s.SourceIP
		case !s.Eligible:
			return "no: " + s.Ineligible
		case s.ViaKey != "":
			return "yes, via " + s.ViaKey
		}
		return "yes"
	case 6:
		return s.AlertID
	}
	return ""
}

// sessionsTab lists derived sessions, with what the selected one did below.
type sessionsTab struct {
	ui     *ui
	table  *table
	rows   []investigate.Session
	detail textList
	// chained is the widest depth marker (one · per hop beyond the first): sessions
	// issued by another derived session (role chaining). A legend explains it.
	chained int
	width   int
	height  int
}

// sessionKeyWidth is the width of an ASIA... key id.
const sessionKeyWidth = 20

func newSessionsTab(u *ui) *sessionsTab {
	t := &sessionsTab{ui: u, detail: textList{st: &u.st}}
	t.table = newTable(&u.st, []column{
		{title: "SESSION KEY", width: sessionKeyWidth},
		{title: "ISSUED BY", width: 18},
		{title: "ISSUED", width: 11},
		{title: "EXPIRES", width: 11, prio: 2},
		{title: "ROLE / FEDERATED USER", flex: 2, min: 10, prio: 1},
		{title: "EVENTS", width: 6, right: true},
		{title: "VALID?", width: 7, prio: 3},
	})
	t.table.cell = t.cell
	t.table.cellStyle = func(row, col int) *lipgloss.Style {
		if col == 6 && t.rows[row].ValidAtGeneration {
			return &u.st.warn
		}
		return nil
	}
	t.table.empty = "no session was derived from this key (AssumeRole, GetSessionToken, GetFederationToken)"
	return t
}

// depthMark is a session's marker: one · per hop beyond the key's own sessions (at most 3).
func depthMark(s *investigate.Session) string {
	return strings.Repeat("·", min(max(s.Depth-1, 0), 3))
}

func (t *sessionsTab) setCase(c *investigate.Case, width int) {
	t.rows = append(t.rows[:0], c.Sessions...)
	t.chained = 0
	for i := range t.rows {
		t.chained = max(t.chained, len([]rune(depthMark(&t.rows[i]))))
	}
	// The key column holds the whole key id after its depth marker.
	t.table.cols[0].width = sessionKeyWidth + t.chained
	t.table.setLen(len(t.rows))
	t.table.empty = clean(c.Completeness.Events.NoneIn("no session derived from this key (AssumeRole, GetSessionToken, GetFederationToken)"))
	t.resize()
	t.refreshDetail()
}

func (t *sessionsTab) setSize(w, h int) {
	t.width, t.height = w, h
	t.resize()
	t.refreshDetail()
}

// resize shares the height between the table (as tall as its rows, up to half), the
// depth legend when a session is chained, and the selected session's details.
func (t *sessionsTab) resize() {
	th := min(max(len(t.rows)+2, 4), t.height/2)
	if t.chained > 0 {
		th = max(th-1, 2)
	}
	t.table.setSize(t.width, th)
	t.detail.setSize(t.width, t.height-th-t.legendHeight())
}

func (t *sessionsTab) legendHeight() int {
	if t.chained > 0 {
		return 1
	}
	return 0
}

func (t *sessionsTab) legend() string {
	return t.ui.st.dim.Render(truncate("  · before a key: issued by another derived session, not the key (one · per hop)", t.width))
}

func (t *sessionsTab) nav(act string) bool {
	ok := t.table.nav(act)
	t.refreshDetail()
	return ok
}

func (t *sessionsTab) selected() *investigate.Session {
	if t.table.cursor < len(t.rows) {
		return &t.rows[t.table.cursor]
	}
	return nil
}

func (t *sessionsTab) refreshDetail() {
	s := t.selected()
	if s == nil {
		t.detail.setLines(nil)
		return
	}
	b := &lineBuilder{st: &t.ui.st, width: t.width}
	b.section("SESSION " + clean(s.AccessKeyID))
	b.kv("issued", fmt.Sprintf("%s by %s to %s (event %s)", fullTime(s.IssuedAt), clean(s.IssuedBy), clean(s.ParentKey), clean(s.IssuedByEvent)))
	if s.RoleARN != "" {
		b.kv("role", clean(s.RoleARN)+" as "+orDash(clean(s.SessionName)))
	}
	if s.FederatedUser != "" {
		b.kv("federated", clean(s.FederatedUser))
	}
	if s.AssumedARN != "" {
		b.kv("acting as", clean(s.AssumedARN))
	}
	exp := fullTime(s.Expiration)
	if s.ValidAtGeneration {
		exp += "  (may still be valid: deactivating the key does not end it)"
	}
	b.kv("expires", exp)
	b.kv("account", orDash(clean(s.Account))+" · region "+orDash(clean(s.Region)))
	b.kv("did", fmt.Sprintf("%d events, %d errors, %s → %s", s.EventCount, s.ErrorCount, fullTime(s.First), fullTime(s.Last)))
	b.kv("from", orDash(clean(strings.Join(s.SourceIPs, ", "))))
	b.kv("actions", orDash(clean(strings.Join(s.Actions, ", "))))
	t.detail.setLines(b.lines)
}

func (t *sessionsTab) view() string {
	if t.chained > 0 {
		return t.table.view() + "\n" + t.legend() + "\n" + t.detail.view()
	}
	return t.table.view() + "\n" + t.detail.view()
}

func (t *sessionsTab) cell(row, col int) string {
	s := &t.rows[row]
	switch col {
	case 0:
		return depthMark(s) + s.AccessKeyID
	case 1:
		return s.IssuedBy
	case 2:
		return shortTime(s.IssuedAt)
	case 3:
		return shortTime(s.Expiration)
	case 4:
		if s.FederatedUser != "" {
			return "federated " + s.FederatedUser
		}
		return orDash(s.RoleARN)
	case 5:
		return itoa(s.EventCount)
	case 6:
		if s.ValidAtGeneration {
			return "VALID"
		}
		return "expired"
	}
	return ""
}

// Target kinds: what Enter does on a line of the Follow-ups, Network and Artifacts tabs.
const (
	targetEvent = iota
	targetIP
	targetAgent
	targetSigner
)

type target struct {
	kind  int
	value string
}

// targetList is a text list whose selectable lines lead somewhere.
type targetList struct {
	list    textList
	targets []target
}

func (t *targetList) setSize(w, h int)    { t.list.setSize(w, h) }
func (t *targetList) nav(act string) bool { return t.list.nav(act) }
func (t *targetList) view() string        { return t.list.view() }

func (t *targetList) set(lines []textLine, targets []target) {
	t.targets = targets
	t.list.setLines(lines)
}

func (t *targetList) selected() *target {
	if r := t.list.selected(); r >= 0 && r < len(t.targets) {
		return &t.targets[r]
	}
	return nil
}

// followUpLines draws key pairs -> launches -> instances as a tree.
func followUpLines(st *styles, c *investigate.Case, width int) ([]textLine, []target) {
	b := &lineBuilder{st: st, width: width}
	fu := c.FollowUps
	if len(fu.KeyPairs)+len(fu.Launches)+len(fu.Instances) == 0 {
		b.none(c.Completeness.Events.NoneIn("no CreateKeyPair, ImportKeyPair or RunInstances by the key or its sessions"))
		return b.lines, b.targets
	}
	live := false
	for _, i := range fu.Instances {
		if i.State != "" || i.LiveError != "" {
			live = true
		}
	}
	instancesOf := map[string][]investigate.Instance{}
	for _, i := range fu.Instances {
		instancesOf[i.LaunchEvent] = append(instancesOf[i.LaunchEvent], i)
	}
	launch := func(l investigate.Launch, indent string) {
		by := clean(l.Signer)
		if l.MatchedBy == investigate.MatchedByKeyPair {
			by += " (another signer, with the key's key pair)"
		}
		what := fmt.Sprintf("%sRunInstances %s %s x%d ", indent, shortTime(l.Time), orDash(clean(l.InstanceType)), max(l.MaxCount, 1))
		if l.ErrorCode != "" {
			what += st.danger.Render("FAILED "+clean(l.ErrorCode)) + " "
		}
		what += "by " + by
		b.addTarget(what, targetEvent, l.EventID)
		for _, i := range instancesOf[l.EventID] {
			state := clean(i.State)
			switch {
			case state == "" && !live:
				state = "state unknown (no live source)"
			case state == "":
				state = "state unknown"
			case i.State == "running" || i.State == "pending":
				state = st.warn.Render(state)
			}
			s := fmt.Sprintf("%s  └ instance %s %s %s", indent, clean(i.InstanceID), clean(i.Region), state)
			if i.PublicIP != "" {
				s += " " + clean(i.PublicIP)
			}
			if i.LiveError != "" {
				s += " (" + clean(i.LiveError) + ")"
			}
			b.add(s)
		}
	}
	used := map[string]bool{}
	b.section("KEY PAIRS → LAUNCHES → INSTANCES")
	for _, kp := range fu.KeyPairs {
		s := fmt.Sprintf("  key pair %s (%s) %s %s · %s by %s", clean(kp.Name), orDash(clean(kp.ID)), clean(kp.Region), clean(kp.Account), clean(kp.EventName), clean(kp.Signer))
		if kp.ErrorCode != "" {
			s += " " + st.danger.Render("FAILED "+clean(kp.ErrorCode))
		}
		if kp.Exists != nil {
			if *kp.Exists {
				s += " " + st.warn.Render("exists")
			} else {
				s += " deleted"
			}
		}
		b.addTarget(s, targetEvent, kp.EventID)
		n := 0
		for _, l := range fu.Launches {
			if l.KeyName == kp.Name && l.Region == kp.Region {
				launch(l, "    ")
				used[l.EventID] = true
				n++
			}
		}
		if n == 0 {
			b.add(st.dim.Render("    no launch used it"))
		}
	}
	var rest []investigate.Launch
	for _, l := range fu.Launches {
		if !used[l.EventID] {
			rest = append(rest, l)
		}
	}
	if len(rest) > 0 {
		b.section("OTHER LAUNCHES BY THE KEY OR ITS SESSIONS")
		for _, l := range rest {
			launch(l, "  ")
		}
	}
	return b.lines, b.targets
}

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
