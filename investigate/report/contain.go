package report

import (
	"fmt"
	"strings"

	"github.com/keypivot/keypivot/investigate"
)

// The blast radius in the reports: the keys the key created, what the case's keys left
// behind (artifacts) with their live state, and the plan that contains them.

// childLine describes a child key: for whom, by whom, when, from which event, its use
// and its state now.
func childLine(k investigate.CreatedKey) []string {
	use := plural(k.EventCount, "event")
	if k.EventCount == 0 {
		use = "no event of its own in the sources searched"
	}
	if k.ErrorCount > 0 {
		use += fmt.Sprintf(" (%d failed)", k.ErrorCount)
	}
	parts := []string{k.AccessKeyID, "for " + k.User, "created " + shortTS(k.Time) + " by " + k.Signer, "event " + k.EventID, use}
	if k.Depth > 1 {
		parts = append(parts, fmt.Sprintf("depth %d", k.Depth))
	}
	parts = append(parts, "now: "+liveText(k.LiveStatus, k.LiveError))
	return parts
}

// liveText says an artifact's live state, or that it was not checked.
func liveText(state, err string) string {
	switch {
	case err != "":
		return "unknown (" + err + ")"
	case state == "":
		return "not checked live"
	}
	return state
}

// artifactLive says whether an artifact is still in place.
func artifactLive(a investigate.Artifact) string {
	if a.Live == nil {
		if a.RemovedBy != "" {
			return "removed by event " + a.RemovedBy + " (not checked live)"
		}
		return "not checked live"
	}
	if a.Live.Error != "" {
		return "unknown (" + a.Live.Error + ")"
	}
	if a.Live.Present {
		return "STILL IN PLACE: " + a.Live.State
	}
	return "gone: " + a.Live.State
}

// madeBy names who made an artifact.
func madeBy(a investigate.Artifact) string {
	if a.ByChild {
		return "by child " + a.Signer
	}
	return "by " + a.Signer
}

func writeArtifacts(o *textOut, c *investigate.Case) {
	o.section(counted("LEFT BEHIND", c.Completeness.Events, plural(len(c.Artifacts), "artifact")))
	if len(c.Artifacts) == 0 {
		o.wrapped("  ", c.Completeness.Events.NoneIn("no user, password, key, policy, role, trust policy, function or key pair made by the key, its sessions or its children"), 2)
		return
	}
	for _, a := range c.Artifacts {
		o.wrapped("  ", a.Resource, 4)
		o.parts("    ", 4, a.Kind, shortTS(a.Time), madeBy(a), a.EventName+" "+a.EventID)
		o.wrapped("    ", artifactLive(a), 4)
		if a.PreviousEvent != "" {
			o.wrapped("    ", "earlier document from event "+a.PreviousEvent, 4)
		}
	}
}

func writeQuarantine(kv func(k, v string), c *investigate.Case) {
	if q := c.Quarantine; q != nil {
		kv("Quarantine", q.Summary())
	}
}

// planPending is what a report of a case still being built says of its plan.
const planPending = "not made yet: the plan is made from the whole case, when the search ends"

// writePlan lists the plan's steps: what each does, how it is picked, whether it can be
// undone. `keypivot deactivate --plan` shows each in full.
func writePlan(o *textOut, c *investigate.Case) {
	if c.PlanPending() {
		o.section("PLAN")
		o.wrapped("  ", planPending, 2)
		return
	}
	o.section("PLAN  " + plural(len(c.Plan), "action") + " (keypivot deactivate " + c.Key.String() + " --plan shows each in full; irreversible ones ask for the resource's name)")
	for _, s := range c.Plan {
		mark := "reversible"
		if !s.Reversible {
			mark = "IRREVERSIBLE"
		}
		o.wrapped("  - ", s.Title, 4)
		o.parts("    ", 4, mark, PickedBy(s.Group))
		if s.Refusal != "" {
			o.wrapped("    REFUSED: ", s.Refusal, len("    REFUSED: "))
		}
	}
	for _, n := range c.PlanNotes {
		o.wrapped("  note: ", n, len("  note: "))
	}
}

// PickedBy names how an analyst picks a group of actions on the command line
// (investigate.GroupFlag).
func PickedBy(group string) string { return investigate.GroupFlag(group) }

func writeMarkdownContain(p func(format string, args ...any), c *investigate.Case) {
	if len(c.CreatedAccessKeys) > 0 {
		p("## Access keys created (children)\n\n| Key | User | Created (UTC) | By | Event | Events | Now |\n|---|---|---|---|---|---|---|\n")
		for _, k := range c.CreatedAccessKeys {
			p("| %s | %s | %s | %s | %s | %d | %s |\n", code(k.AccessKeyID), md(k.User), ts(k.Time), code(k.Signer), code(k.EventID), k.EventCount, md(liveText(k.LiveStatus, k.LiveError)))
		}
		p("\n")
	}
	markdownSection(p, "Left behind", len(c.Artifacts) == 0, c.Completeness.Events.NoneIn("Nothing left behind"), func() {
		p("| What | Kind | Time (UTC) | By | Event | Now |\n|---|---|---|---|---|---|\n")
		for _, a := range c.Artifacts {
			p("| %s | %s | %s | %s | %s %s | %s |\n", md(a.Resource), md(a.Kind), ts(a.Time), md(madeBy(a)), md(a.EventName), code(a.EventID), md(artifactLive(a)))
		}
		p("\n")
	})
	if c.PlanPending() {
		p("## Plan\n\n%s.\n\n", capitalise(planPending))
		return
	}
	p("## Plan\n\n| Action | Picked by | Undo |\n|---|---|---|\n")
	for _, s := range c.Plan {
		undo := md(s.Undo)
		if !s.Reversible {
			undo = "**IRREVERSIBLE**: " + undo
		}
		title := md(s.Title)
		if s.Refusal != "" {
			title += " (**refused**: " + md(s.Refusal) + ")"
		}
		p("| %s | %s | %s |\n", title, code(PickedBy(s.Group)), undo)
	}
	p("\n")
	for _, n := range c.PlanNotes {
		p("- %s\n", md(n))
	}
	if len(c.PlanNotes) > 0 {
		p("\n")
	}
}

func joinParts(p []string) string { return strings.Join(p, ", ") }

// viaWhat names the kind of key an alert was raised for: a derived session (ASIA) or a
// child access key (AKIA) the case key created.
func viaWhat(key string) string { return investigate.LineageKind(key) }
