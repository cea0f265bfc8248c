package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/keypivot/keypivot/investigate"
)

// showSequences says whether a case report has an attack-sequence section: when the case
// holds a sequence, or when GuardDuty or Security Hub was searched, where a sequence
// would have been found (the section then says none was, with what was searched). A
// case whose alert sources could hold none says nothing of sequences.
func showSequences(c *investigate.Case) bool {
	if len(c.AttackSequences) > 0 {
		return true
	}
	for _, s := range c.Coverage.AlertSources {
		if s.Kind == investigate.ProviderGuardDuty || s.Kind == investigate.ProviderSecurityHub {
			return true
		}
	}
	return false
}

// noSequence is the section's negative, with what was searched.
func noSequence(c *investigate.Case) string {
	return c.Completeness.Alerts.NoneIn("no attack sequence (GuardDuty Extended Threat Detection) involves this key or its sessions")
}

// writeSequences writes the ATTACK SEQUENCES section: each sequence's finding, who and
// what it involves, then its story, signal by signal in time order, with what the case
// holds of each.
func writeSequences(o *textOut, c *investigate.Case) {
	if !showSequences(c) {
		return
	}
	o.section(counted("ATTACK SEQUENCES", c.Completeness.Alerts, strconv.Itoa(len(c.AttackSequences))))
	if len(c.AttackSequences) == 0 {
		o.wrapped("  ", noSequence(c), 2)
		return
	}
	for i := range c.AttackSequences {
		cs := &c.AttackSequences[i]
		if i > 0 {
			o.blank()
		}
		o.line(fmt.Sprintf(" %-8s %s  %s", cs.Severity, shortTS(cs.Time), cell(cs.Type)))
		if cs.Title != "" {
			o.wrapped("    ", cs.Title, 4)
		}
		o.parts("    ", 4, sequenceFacts(cs)...)
		for _, line := range sequenceContext(cs) {
			o.wrapped("    ", line, 6)
		}
		if cs.Description != "" && cs.Description != cs.Title {
			o.wrapped("    ", cs.Description, 4)
		}
		o.line("    STORY (signals in time order; what the case holds of each)")
		for j := range cs.Signals {
			s := &cs.Signals[j]
			mark := "-"
			switch s.Resolution.Status {
			case investigate.SignalMatched:
				mark = "+"
			case investigate.SignalPartial:
				mark = "~"
			}
			o.wrapped(fmt.Sprintf("    %s ", mark), s.SpanText()+" · "+s.Label(), 6)
			o.wrapped("        ", s.EvidenceText(), 8)
		}
	}
	o.wrapped("  ", "(+ = in the case, ~ = in part, - = not in the case)", 3)
}

// sequenceFacts are the finding's identifiers and the story's measure, as parts kept
// whole on a line.
func sequenceFacts(cs *investigate.CaseSequence) []string {
	facts := []string{providerName(cs.Provider) + " finding " + cs.FindingID}
	if cs.UID != "" {
		facts = append(facts, "sequence "+cs.UID)
	}
	facts = append(facts, cs.ResolvedText(), cs.SpanText())
	if cs.Status != "" && cs.Status != investigate.WorkflowOpen {
		facts = append(facts, "status "+cs.Status)
	}
	if cs.ViaKey != "" {
		facts = append(facts, "via "+viaWhat(cs.ViaKey)+" "+cs.ViaKey)
	}
	for _, id := range cs.OtherFindingIDs {
		facts = append(facts, "also "+id)
	}
	return facts
}

// sequenceContext is who and what the sequence involves, a line each: keys, actors,
// endpoints, resources, indicators.
func sequenceContext(cs *investigate.CaseSequence) []string {
	var out []string
	add := func(label string, items []string) {
		if len(items) > 0 {
			out = append(out, label+": "+strings.Join(items, "; "))
		}
	}
	add("keys", cs.AccessKeys)
	var actors, endpoints, resources, indicators []string
	for i := range cs.Actors {
		actors = append(actors, cs.Actors[i].ActorText())
	}
	for i := range cs.Endpoints {
		endpoints = append(endpoints, cs.Endpoints[i].EndpointText())
	}
	for i := range cs.Resources {
		resources = append(resources, cs.Resources[i].ResourceText())
	}
	for i := range cs.Indicators {
		indicators = append(indicators, cs.Indicators[i].IndicatorText())
	}
	add("actors", actors)
	add("endpoints", endpoints)
	add("resources", resources)
	add("indicators", indicators)
	add("also typed", cs.AdditionalTypes)
	return out
}

// markdownSequences writes the "Attack sequences" section: a subsection per sequence,
// its story as a table.
func markdownSequences(p func(format string, args ...any), c *investigate.Case) {
	if !showSequences(c) {
		return
	}
	markdownSection(p, "Attack sequences", len(c.AttackSequences) == 0, noSequence(c), func() {
		for i := range c.AttackSequences {
			cs := &c.AttackSequences[i]
			p("### %s — %s\n\n", md(cs.Type), cs.Severity)
			if cs.Title != "" {
				p("%s\n\n", md(cs.Title))
			}
			p("| | |\n|---|---|\n")
			p("| Finding | %s (%s, %s) |\n", code(cs.FindingID), providerName(cs.Provider), md(cs.Status))
			if cs.UID != "" {
				p("| Sequence | %s |\n", code(cs.UID))
			}
			p("| In the case | %s |\n", md(cs.ResolvedText()))
			p("| Seen | %s |\n", md(cs.SpanText()))
			if cs.ViaKey != "" {
				p("| Via | %s %s |\n", md(viaWhat(cs.ViaKey)), code(cs.ViaKey))
			}
			for _, id := range cs.OtherFindingIDs {
				p("| Also reported as | %s |\n", code(id))
			}
			for _, line := range sequenceContext(cs) {
				label, value, _ := strings.Cut(line, ": ")
				p("| %s | %s |\n", md(capitalise(label)), md(value))
			}
			if cs.Description != "" && cs.Description != cs.Title {
				p("| Description | %s |\n", md(cs.Description))
			}
			p("\n| Seen (UTC) | Signal | In the case |\n|---|---|---|\n")
			for j := range cs.Signals {
				s := &cs.Signals[j]
				p("| %s | %s | %s |\n", md(s.SpanText()), md(s.Label()), md(s.EvidenceText()))
			}
			p("\n")
		}
	})
}

// sequenceRankNote is what a ranking says of a key's attack sequences ("" for none):
// "attack sequence AttackSequence:IAM/CompromisedCredentials (critical, GuardDuty, 10
// signals)", and how many more. The keys reports print it beside the key's siblings.
func sequenceRankNote(k *investigate.KeySummary) string {
	if k.AttackSequenceCount == 0 || len(k.AttackSequences) == 0 {
		return ""
	}
	s := k.AttackSequences[0]
	note := fmt.Sprintf("attack sequence %s (%s, %s, %s)", s.Type, s.Severity, providerName(s.Provider), plural(s.Signals, "signal"))
	if more := k.AttackSequenceCount - 1; more > 0 {
		note += fmt.Sprintf(" and %d more", more)
	}
	return note
}
