package tui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/investigate"
)

// targetAlert is a story line that leads to an alert of the case (its detail); the
// workbench's own targets (targetEvent) lead to records.
const targetAlert = 100

// sequenceStory shows an attack sequence of the case (GuardDuty Extended Threat
// Detection) as its story: the signals in time order, each with what the case holds of
// it beside it (the alerts and records it resolved to, enter opens them; or why it is
// not in the case), then who and what the sequence involves. The Alerts tab opens it on
// the sequence's finding.
type sequenceStory struct {
	ui        *ui
	wb        *workbench
	findingID string
	cs        investigate.CaseSequence
	alert     *investigate.Sibling // the sequence's own alert, when the case lists it
	list      targetList
	width     int
	sized     bool // SetSize has run: the story has its height
	// eventLabels is the label of each case event the story names (its signals'
	// EventIDs), read in one pass over labelsOf's timeline (labelEvents).
	eventLabels map[string]string
	labelsOf    *investigate.Case
}

// sequenceFor is the case's attack sequence whose finding (or a copy of it) is alert id,
// nil when the alert is no sequence.
func sequenceFor(c *investigate.Case, id string) *investigate.CaseSequence {
	if c == nil {
		return nil
	}
	for i := range c.AttackSequences {
		cs := &c.AttackSequences[i]
		if cs.FindingID == id {
			return cs
		}
		if slices.Contains(cs.OtherFindingIDs, id) {
			return cs
		}
	}
	return nil
}

// newSequenceStory is the story of the sequence alert s raised, nil when s is no attack
// sequence of the case.
func newSequenceStory(w *workbench, s *investigate.Sibling) *sequenceStory {
	cs := sequenceFor(w.c, s.AlertID)
	if cs == nil {
		return nil
	}
	// Drawn when pushed: App.push sizes it (SetSize builds it).
	return &sequenceStory{ui: w.ui, wb: w, findingID: cs.FindingID, cs: *cs, alert: s,
		list: targetList{list: textList{st: &w.ui.st}}}
}

// labelEvents reads the labels of the events the story names from the case's timeline,
// in one pass over it.
func (v *sequenceStory) labelEvents() {
	c := v.wb.c
	v.labelsOf, v.eventLabels = c, map[string]string{}
	if c == nil {
		return
	}
	for i := range v.cs.Signals {
		for _, id := range v.cs.Signals[i].Resolution.EventIDs {
			v.eventLabels[id] = ""
		}
	}
	left := len(v.eventLabels)
	for i := 0; i < len(c.Timeline) && left > 0; i++ {
		te := &c.Timeline[i]
		if l, ok := v.eventLabels[te.ID]; ok && l == "" {
			v.eventLabels[te.ID] = "  " + clean(te.Name+" "+te.Region+" "+shortTime(te.Time))
			left--
		}
	}
}

// build draws the story's lines for the width.
func (v *sequenceStory) build() {
	if v.eventLabels == nil || v.labelsOf != v.wb.c {
		v.labelEvents() // first drawn, or the workbench has another snapshot of the case
	}
	st := &v.ui.st
	cs := &v.cs
	b := &lineBuilder{st: st, width: max(v.width, 40)}
	b.add(" " + st.severity(cs.Severity).Render(cs.Severity.String()) + " " + clean(cs.Type) + " · " + clean(cs.Provider) + " · " + clean(orDash(cs.Status)))
	if cs.Title != "" {
		for _, l := range wrapText(clean(cs.Title), max(b.width-2, 20)) {
			b.add(" " + l)
		}
	}
	b.kv("in the case", clean(cs.ResolvedText()))
	b.kv("seen", clean(cs.SpanText()))
	b.section("STORY  signals in time order, with what the case holds of each (enter opens it)")
	for i := range cs.Signals {
		s := &cs.Signals[i]
		r := &s.Resolution
		mark, style := "–", st.dim
		switch r.Status {
		case investigate.SignalMatched:
			mark, style = "✔", st.ok
		case investigate.SignalPartial:
			mark, style = "≈", st.warn
		}
		head := clean(s.SpanText() + " · " + s.Label())
		for j, l := range wrapText(head, max(b.width-4, 20)) {
			if j == 0 {
				b.add(" " + style.Render(mark) + " " + l)
			} else {
				b.add("   " + l)
			}
		}
		for _, id := range r.AlertIDs {
			b.addTarget("     alert "+clean(id)+v.alertName(id), targetAlert, id)
		}
		for _, id := range r.EventIDs {
			b.addTarget("     event "+clean(id)+v.eventName(id), targetEvent, id)
		}
		var note string
		switch {
		case r.Status == investigate.SignalNotInCase:
			note = "not in case: " + r.Note
		case r.Status == investigate.SignalUnresolvable:
			note = "not resolvable: " + r.Note
		case r.Events > len(r.EventIDs):
			note = plural(r.Events-len(r.EventIDs), "more event") + " of the signal in the case"
			if r.Note != "" {
				note += "; " + r.Note
			}
		default:
			note = r.Note
		}
		if note != "" {
			for _, l := range wrapText(clean(note), max(b.width-5, 20)) {
				b.add("     " + st.dim.Render(l))
			}
		}
	}
	b.section("WHO AND WHAT")
	b.kv("finding", clean(cs.FindingID))
	for _, o := range cs.OtherFindingIDs {
		b.kv("also", clean(o))
	}
	if cs.UID != "" {
		b.kv("sequence", clean(cs.UID))
	}
	if cs.ViaKey != "" {
		b.kv("via", clean(investigate.LineageKind(cs.ViaKey)+" "+cs.ViaKey))
	}
	b.kv("keys", clean(strings.Join(cs.AccessKeys, ", ")))
	for i := range cs.Actors {
		b.kv("actor", clean(cs.Actors[i].ActorText()))
	}
	for i := range cs.Endpoints {
		b.kv("endpoint", clean(cs.Endpoints[i].EndpointText()))
	}
	for i := range cs.Resources {
		b.kv("resource", clean(cs.Resources[i].ResourceText()))
	}
	for i := range cs.Indicators {
		b.kv("indicator", clean(cs.Indicators[i].IndicatorText()))
	}
	if len(cs.AdditionalTypes) > 0 {
		b.kv("also typed", clean(strings.Join(cs.AdditionalTypes, ", ")))
	}
	if cs.Description != "" {
		b.section("DESCRIPTION")
		for _, l := range wrapText(clean(cs.Description), max(b.width-2, 20)) {
			b.add(" " + l)
		}
	}
	v.list.set(b.lines, b.targets)
}

// alertName is the rule of the case's alert id, for its line.
func (v *sequenceStory) alertName(id string) string {
	if s := v.sibling(id); s != nil && s.RuleName != "" {
		return "  " + clean(s.RuleName)
	}
	return ""
}

// eventName is the name, region and time of the case's event id, for its line ("" when
// the case's timeline has no such event).
func (v *sequenceStory) eventName(id string) string { return v.eventLabels[id] }

func (v *sequenceStory) sibling(id string) *investigate.Sibling {
	if v.wb.c == nil {
		return nil
	}
	for i := range v.wb.c.Siblings {
		if v.wb.c.Siblings[i].AlertID == id {
			return &v.wb.c.Siblings[i]
		}
	}
	return nil
}

// refresh takes a new snapshot of the case: the same sequence, resolved again.
func (v *sequenceStory) refresh() {
	if cs := sequenceFor(v.wb.c, v.findingID); cs != nil {
		v.cs = *cs
		v.labelEvents()
		v.build()
	}
}

func (v *sequenceStory) Update(msg tea.Msg) tea.Cmd {
	km := &v.ui.km
	if c, ok := msg.(caseMsg); ok && c.gen == v.wb.gen {
		v.refresh() // the workbench under has taken the snapshot
		return nil
	}
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if km.navigate(m, &v.list) {
		return nil
	}
	switch {
	case key.Matches(m, km.Back):
		return pop()
	case key.Matches(m, km.Enter):
		t := v.list.selected()
		if t == nil {
			return nil
		}
		if t.kind == targetAlert {
			if s := v.sibling(t.value); s != nil {
				return push(newAlertDetail(v.wb, s))
			}
			return status("alert "+clean(t.value)+" is not among the case's alerts", true)
		}
		return v.wb.follow(t)
	case key.Matches(m, km.CopyLink):
		if v.alert == nil {
			return nil
		}
		ls := alertLinks(v.ui, v.alert)
		if len(ls) == 0 {
			return status("no link for this finding (no region or id, or no Kibana configured)", true)
		}
		return tea.Batch(tea.SetClipboard(ls[0].url), status("copied "+ls[0].what+" to the clipboard (OSC 52): "+clean(ls[0].url), false))
	case key.Matches(m, km.Remediate):
		return v.wb.openRemediation()
	}
	return nil
}

// copyText is what y copies: the sequence, resolved, as JSON.
func (v *sequenceStory) copyText() (what, text string) {
	return "the attack sequence as JSON", indentedJSON(v.cs)
}

func (v *sequenceStory) View() string {
	st := &v.ui.st
	title := "attack sequence " + v.cs.Type + " · " + v.cs.ResolvedText()
	return v.wb.header() + "\n" + st.title.Render(truncate(clean(title), v.width)) + "\n" + v.list.view()
}

func (v *sequenceStory) SetSize(w, h int) {
	v.width = w
	v.list.setSize(w, h-v.wb.headerHeight()-1)
	v.build()
	if !v.sized {
		// First shown: from the top, the finding above the story, the cursor on the
		// story's first evidence.
		v.sized = true
		v.list.list.offset = 0
		v.list.list.clamp()
	}
}

func (v *sequenceStory) Keys() help.KeyMap {
	km := &v.ui.km
	open := km.Enter
	open.SetHelp("enter", "open alert/record")
	cp := km.Copy
	cp.SetHelp("y", "copy sequence JSON")
	short := []key.Binding{km.Down, km.Up, open, cp, km.CopyLink, km.Back, km.Help}
	return bindings{short: short, full: [][]key.Binding{km.nav(), {open, cp, km.CopyLink, km.CopyKey, km.Remediate, km.Export, km.Back, km.Help, km.Quit}}}
}

func (v *sequenceStory) Status() string {
	if v.wb.loading {
		return v.wb.Status()
	}
	return v.list.list.scrollInfo()
}

func (v *sequenceStory) Capturing() bool { return false }

func (v *sequenceStory) Crumb() string { return "sequence " + clean(v.cs.Type) }

func (v *sequenceStory) nav(act string) bool { return v.list.nav(act) }
