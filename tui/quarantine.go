package tui

import (
	"strings"

	"github.com/keypivot/keypivot/investigate"
)

// AWS's compromised-key quarantine policy, as the workbench shows it: a short marker in
// the header, a block in the Overview, a line on the remediation screen. It is no
// containment: the key keeps every action the policy does not deny.

// quarantineMarker is the header's short marker: "AWS quarantine V2" while it is in
// effect (stressed), "AWS quarantine V2 detached" once it is not.
func quarantineMarker(st *styles, q *investigate.Quarantine) string {
	s := "AWS quarantine " + clean(q.Version)
	if !q.InEffect() {
		return s + " detached"
	}
	return st.warn.Render(s)
}

// quarantineState says whether the policy is attached, and how that is known.
func quarantineState(q *investigate.Quarantine) string {
	switch {
	case q.Attached != nil && *q.Attached:
		return "attached (live)"
	case q.Attached != nil:
		return "detached since (live)"
	case q.RemovedBy != "":
		return "detached by event " + clean(q.RemovedBy)
	case q.EventID != "":
		return "attached by event " + clean(q.EventID) + " (not checked live)"
	}
	return "attached"
}

// overviewQuarantine is the Overview's block: which policy, whether it is attached, what
// it denies and what it still allows, and where that comes from. Nothing without one.
func overviewQuarantine(st *styles, c *investigate.Case, width int) []textLine {
	q := c.Quarantine
	if q == nil {
		return nil
	}
	b := &lineBuilder{st: st, width: width}
	b.section("AWS QUARANTINE")
	state := quarantineState(q)
	if q.InEffect() {
		state = st.warn.Render(state)
	}
	b.kv("policy", clean(investigate.ShortTarget(q.PolicyARN))+" ("+clean(q.Version)+") · "+state)
	b.kv("effect", clean(q.StillAllows))
	from := clean(strings.Join(q.Sources, ", "))
	if q.EventID != "" {
		from += " · event " + clean(q.EventID)
	}
	b.kv("known from", orDash(from))
	return b.lines
}

// quarantinePlanLine is the remediation screen's line: the quarantine is no reason to
// wait, the key keeps what the policy does not deny.
func quarantinePlanLine(q *investigate.Quarantine) string {
	if !q.InEffect() {
		return "AWS quarantine " + clean(q.Version) + " " + quarantineState(q) + ": the key is not restricted by it"
	}
	return "AWS quarantine " + clean(q.Version) + " is attached but is no containment: the key keeps every action it does not deny (details)"
}
