package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate"
)

// The Artifacts tab: the blast radius of the key. First the access keys its lineage
// created (child keys), each attributed (by which key or session, for which user, when,
// by which event), with its own use and its state now; then what the key, its sessions
// and its children left behind that can outlive the key, each with who made it, when,
// the event, its live state (or that it was not checked) and a later event that removed
// it. Nothing is cut: a line that does not fit wraps. enter on a child key shows its
// timeline; on an artifact, the record of the event that made it.

// kindWidth is the width of the artifact kind column (group-membership).
const kindWidth = 16

// artifactLines draws the tab.
func artifactLines(st *styles, c *investigate.Case, width int) ([]textLine, []target) {
	b := &lineBuilder{st: st, width: width}
	key := c.Key.String()
	b.section(fmt.Sprintf("CHILD KEYS (%s) · access keys created by the key, its sessions or its children", tabCount(len(c.CreatedAccessKeys), c.Completeness.Events)))
	if len(c.CreatedAccessKeys) == 0 {
		b.none(c.Completeness.Events.NoneIn("no access key created by the key or its sessions"))
	}
	for _, k := range c.CreatedAccessKeys {
		head := "  " + clean(k.AccessKeyID) + " for user " + orDash(clean(k.User))
		if k.Depth > 1 {
			head += " · " + plural(k.Depth, "hop") + " from the key"
		}
		b.addTarget(head, targetSigner, k.AccessKeyID)
		created := []string{"created " + fullTime(k.Time) + " UTC", "by " + signerText(key, k.Signer, k.SignerARN), "CreateAccessKey event " + clean(k.EventID)}
		b.parts("    ", created, nil)
		use := plural(k.EventCount, "event")
		if k.ErrorCount > 0 {
			use += fmt.Sprintf(" (%d failed)", k.ErrorCount)
		}
		used := []string{"used: " + use}
		if k.EventCount > 0 {
			used = append(used, fullTime(k.First)+" → "+fullTime(k.Last)+" UTC")
		}
		if len(k.SourceIPs) > 0 {
			used = append(used, "from "+clean(strings.Join(k.SourceIPs, ", ")))
		}
		b.parts("    ", used, nil)
		now, style := childLive(st, k)
		b.parts("    ", []string{"now: " + now}, style)
	}

	b.section(fmt.Sprintf("LEFT BEHIND (%s) · made by the key, its sessions or its children", tabCount(len(c.Artifacts), c.Completeness.Events)))
	if len(c.Artifacts) == 0 {
		b.none(c.Completeness.Events.NoneIn("nothing left behind: no user, password, key, policy, group membership, role, trust policy, function or key pair made by the key, its sessions or its children"))
	}
	for i := range c.Artifacts {
		a := &c.Artifacts[i]
		for j, l := range wrapText(clean(a.Resource), max(width-kindWidth-3, 20)) {
			if j == 0 {
				b.addTarget("  "+fit(clean(a.Kind), kindWidth, false)+" "+l, targetEvent, a.EventID)
			} else {
				b.add(strings.Repeat(" ", kindWidth+3) + l)
			}
		}
		b.parts("    ", []string{"made " + fullTime(a.Time) + " UTC", "by " + signerText(key, a.Signer, a.SignerARN), clean(a.EventName) + " event " + clean(a.EventID)}, nil)
		now, style := artifactLive(st, a)
		state := []string{"now: " + now}
		if a.RemovedBy != "" {
			state = append(state, "removed by event "+clean(a.RemovedBy))
		}
		if a.PreviousEvent != "" {
			state = append(state, "earlier document from event "+clean(a.PreviousEvent))
		}
		b.parts("    ", state, style)
	}
	return b.lines, b.targets
}

// parts adds parts joined by " · ", as many on a line as fit; a part wider than a line
// wraps under itself. Every line starts with indent.
func (b *lineBuilder) parts(indent string, parts []string, style *lipgloss.Style) {
	room := max(b.width-len(indent), 20)
	render := func(s string) string {
		if style != nil {
			return style.Render(s)
		}
		return s
	}
	cur := ""
	flush := func() {
		if cur != "" {
			b.add(indent + render(cur))
			cur = ""
		}
	}
	for _, p := range parts {
		switch {
		case cur == "" && ansi.StringWidth(p) <= room:
			cur = p
		case cur != "" && ansi.StringWidth(cur)+3+ansi.StringWidth(p) <= room:
			cur += " · " + p
		default:
			flush()
			lines := wrapText(p, room)
			for _, l := range lines[:len(lines)-1] {
				b.add(indent + render(l))
			}
			cur = lines[len(lines)-1]
		}
	}
	flush()
}

// signerText names the key that made something: the case key itself, one of its
// sessions, or a key it created (with the identity it acted as).
func signerText(key, signer, arn string) string {
	switch {
	case signer == key:
		return "the key"
	case investigate.IsSessionKey(signer):
		s := "session " + clean(signer)
		if arn != "" {
			s += " as " + clean(arn)
		}
		return s
	case signer == "":
		return "an unknown signer"
	}
	s := "child key " + clean(signer)
	if arn != "" {
		s += " as " + clean(arn)
	}
	return s
}

// childLive is a child key's state now: Active is stressed (it still works).
func childLive(st *styles, k investigate.CreatedKey) (string, *lipgloss.Style) {
	switch {
	case k.LiveError != "":
		return "unknown (" + clean(k.LiveError) + ")", &st.warn
	case k.LiveStatus == "":
		return "not checked live (created " + orDash(clean(k.Status)) + ")", nil
	case k.LiveStatus == "Active":
		return "Active: the key still works", &st.warn
	}
	return clean(k.LiveStatus), nil
}

// artifactLive is an artifact's state now: still in place is stressed.
func artifactLive(st *styles, a *investigate.Artifact) (string, *lipgloss.Style) {
	switch {
	case a.Live == nil:
		return "not checked live", nil
	case a.Live.Error != "":
		return "unknown (" + clean(a.Live.Error) + ")", &st.warn
	case a.Live.Present:
		return "STILL IN PLACE: " + clean(a.Live.State), &st.warn
	}
	return "gone: " + clean(a.Live.State), nil
}

// artifactsStatus is the tab's footer: how many of each, and how many are known to be
// still in place.
func artifactsStatus(c *investigate.Case) string {
	s := plural(len(c.CreatedAccessKeys), "child key") + " · " + plural(len(c.Artifacts), "artifact")
	if live := liveSummary(c); live != "" {
		s += ": " + live
	}
	return s
}

// liveSummary counts the artifacts by what is known of them now: still in place, gone,
// unknown, not checked live ("" without artifacts).
func liveSummary(c *investigate.Case) string {
	var in, gone, unknown, unchecked int
	for i := range c.Artifacts {
		l := c.Artifacts[i].Live
		switch {
		case l == nil:
			unchecked++
		case l.Error != "":
			unknown++
		case l.Present:
			in++
		default:
			gone++
		}
	}
	var out []string
	for _, p := range []struct {
		n    int
		text string
	}{{in, "still in place"}, {gone, "gone"}, {unknown, "unknown"}, {unchecked, "not checked live"}} {
		if p.n > 0 {
			out = append(out, fmt.Sprintf("%d %s", p.n, p.text))
		}
	}
	return strings.Join(out, ", ")
}

// kindCounts lists the kinds of the artifacts in the order they first appear, with a
// count when there are several: "user, attached-policy ×2, key-pair ×2".
func kindCounts(c *investigate.Case) string {
	var kinds []string
	n := map[string]int{}
	for _, a := range c.Artifacts {
		if n[a.Kind] == 0 {
			kinds = append(kinds, a.Kind)
		}
		n[a.Kind]++
	}
	for i, k := range kinds {
		kinds[i] = clean(k)
		if n[k] > 1 {
			kinds[i] += fmt.Sprintf(" ×%d", n[k])
		}
	}
	return strings.Join(kinds, ", ")
}

// overviewBlastRadius is the Overview's summary of the Artifacts tab: each child key
// with its use and state, and the artifacts by kind and by state.
func overviewBlastRadius(st *styles, c *investigate.Case, width int) []textLine {
	b := &lineBuilder{st: st, width: width}
	b.section("LEFT BEHIND (tab 7 Artifacts)")
	if len(c.CreatedAccessKeys)+len(c.Artifacts) == 0 {
		b.none(c.Completeness.Events.NoneIn("nothing left behind by the key, its sessions or its children"))
		return b.lines
	}
	for i, k := range c.CreatedAccessKeys {
		label := ""
		if i == 0 {
			label = "child keys"
		}
		now, style := childLive(st, k)
		if style != nil {
			now = style.Render(now)
		}
		b.kv(label, fmt.Sprintf("%s for %s · %s · %s", clean(k.AccessKeyID), orDash(clean(k.User)), plural(k.EventCount, "event"), now))
	}
	if len(c.Artifacts) > 0 {
		b.kv("artifacts", fmt.Sprintf("%d: %s · %s", len(c.Artifacts), kindCounts(c), liveSummary(c)))
	}
	return b.lines
}
