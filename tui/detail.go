package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// detailView shows one full record, pretty-printed, its secrets redacted, sanitised and
// scrollable.
type detailView struct {
	ui *ui
	// frame is the key's workbench: its header heads the record, and its case streams in.
	frame *workbench
	title string
	crumb string
	// links are what L copies (the first); copyWhat/copyBody what y copies when the
	// record is not an event (an alert's document).
	links              []link
	copyWhat, copyBody string
	// body is the sanitised, pretty-printed record; it is wrapped to the width.
	body  string
	list  textList
	event *investigate.Event
	// For events: the timeline index, and the timeline to step through.
	index int
	tl    *timelineView
	c     *investigate.Case
	width int
}

// eventJSON is the record as an analyst copies it: indented, its secrets redacted (the
// session token and secret key of an AssumeRole or GetSessionToken answer, passwords),
// with every character that could act on a terminal written as a JSON escape (the same
// string once decoded). A record that can no longer be read gives a JSON object whose
// "error" says so, never an empty copy.
func eventJSON(e *investigate.Event) []byte {
	raw, err := e.Raw()
	if err != nil {
		b, _ := json.MarshalIndent(map[string]string{"eventID": e.ID, "error": unreadableRecord(e, err)}, "", "  ")
		return sanitize.JSON(b)
	}
	raw = sanitize.RedactRecord(raw)
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		// Not JSON (should not happen for a decoded record): show it as read.
		return sanitize.JSON(raw)
	}
	return sanitize.JSON(out.Bytes())
}

// newEventDetail shows the record at timeline index i of the workbench's case; n and N
// step through the timeline as it is filtered.
func newEventDetail(w *workbench, i int) *detailView {
	d := &detailView{ui: w.ui, frame: w, c: w.c, tl: w.timeline, list: textList{st: &w.ui.st}}
	d.show(i)
	return d
}

func (d *detailView) show(i int) {
	e := eventAt(d.c, i)
	d.index = i
	d.event = e
	if e == nil {
		d.title = "record not found"
		d.body = ""
	} else {
		te := d.c.Timeline[i]
		who := "by the key"
		switch {
		case te.Other:
			who = "by another signer (launch with the key's key pair)"
		case te.Child:
			who = "by " + investigate.LineageKind(e.Signer()) + " " + e.Signer() + " (of the keys the key's lineage created)"
		case te.Session:
			who = "by derived session " + e.Signer()
		}
		d.title = fmt.Sprintf("%s · %s · %s %s · %s", e.Name, fullTime(e.Time), e.Service(), e.Region, who)
		d.crumb = "event " + e.Name
		d.links = nil
		if l := e.CloudTrailURL(); l != "" {
			d.links = []link{{"the event in the CloudTrail console", l}}
		}
		if e.ErrorCode != "" {
			d.title += " · ERROR " + e.ErrorCode
		}
		origin := e.Origin.String()
		if origin == "" {
			origin = "unknown"
		}
		head := "eventID " + e.ID + " · read from " + sanitize.Redact(origin)
		for _, l := range d.links {
			head += "\n" + l.what + " (L copies it): " + l.url
		}
		d.body = sanitize.Multiline(head + "\n\n" + recordText(e))
	}
	d.list.offset = 0
	d.wrap()
}

// recordText is the event's record, pretty-printed and redacted, or why it can no
// longer be read (a record kept by reference, read again from its file).
func recordText(e *investigate.Event) string {
	raw, err := e.Raw()
	if err != nil {
		return unreadableRecord(e, err)
	}
	return string(prettyJSON(sanitize.RedactRecord(raw)))
}

// unreadableRecord says that e's record can no longer be read, where and why.
func unreadableRecord(e *investigate.Event, err error) string {
	where := e.Origin.String()
	if where == "" {
		where = "its source"
	}
	return fmt.Sprintf("record no longer readable at %s: %v", sanitize.Redact(where), err)
}

func prettyJSON(raw []byte) []byte {
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return raw
	}
	return out.Bytes()
}

// newTextDetail shows a text body (already made of sanitised parts) under the
// workbench's header.
func newTextDetail(w *workbench, title, crumb, body string) *detailView {
	d := &detailView{ui: w.ui, frame: w, title: title, crumb: crumb, index: -1, list: textList{st: &w.ui.st}}
	d.body = body
	d.wrap()
	return d
}

// indentedJSON is v as indented JSON, its secrets redacted, made inert.
func indentedJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		b = []byte(err.Error())
	}
	return sanitize.Multiline(string(sanitize.RedactRecord(b)))
}

// wrap splits the body into lines of the width (long values fold onto the next line).
func (d *detailView) wrap() {
	w := max(d.width-2, 20)
	var lines []textLine
	for _, l := range strings.Split(d.body, "\n") {
		if ansi.StringWidth(l) <= w {
			lines = append(lines, textLine{text: " " + l, ref: -1})
			continue
		}
		for _, p := range strings.Split(ansi.Hardwrap(l, w, true), "\n") {
			lines = append(lines, textLine{text: " " + p, ref: -1})
		}
	}
	d.list.setLines(lines)
}

func (d *detailView) SetSize(w, h int) {
	d.width = w
	d.list.setSize(w, h-d.frame.headerHeight()-1)
	d.wrap()
}

func (d *detailView) Capturing() bool { return false }

func (d *detailView) Crumb() string { return clean(d.crumb) }

func (d *detailView) nav(act string) bool { return d.list.nav(act) }

func (d *detailView) selectedEvent() *investigate.Event { return d.event }

// copyText is what y copies on a record that is not an event: the alert's document.
func (d *detailView) copyText() (what, text string) { return d.copyWhat, d.copyBody }

// refresh is called when a new case snapshot arrives: the record shown stays.
func (d *detailView) refresh(c *investigate.Case) {
	if d.event == nil || c == nil || d.tl == nil {
		return
	}
	if i := d.tl.indexOf(d.event.ID); i >= 0 {
		d.c, d.index = c, i
	}
}

func (d *detailView) Update(msg tea.Msg) tea.Cmd {
	km := &d.ui.km
	if c, ok := msg.(caseMsg); ok && c.gen == d.frame.gen {
		d.refresh(d.frame.c) // the workbench under has taken the snapshot
		return nil
	}
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if km.navigate(m, &d.list) {
		return nil
	}
	switch {
	case key.Matches(m, km.Back):
		return pop()
	case key.Matches(m, km.NextEvent, km.PrevEvent):
		if d.tl == nil || d.index < 0 {
			return nil
		}
		dir := 1
		if key.Matches(m, km.PrevEvent) {
			dir = -1
		}
		if i := d.tl.step(d.index, dir); i >= 0 {
			d.show(i)
		} else {
			return status("no more events in this direction (with the timeline's filters)", false)
		}
	case key.Matches(m, km.Remediate):
		return d.frame.openRemediation()
	case key.Matches(m, km.CopyLink):
		if len(d.links) == 0 {
			return status("no link for this record (no region or id, or no Kibana configured)", true)
		}
		l := d.links[0]
		return tea.Batch(tea.SetClipboard(l.url), status("copied "+l.what+" to the clipboard (OSC 52): "+clean(l.url), false))
	}
	return nil
}

func (d *detailView) View() string {
	st := &d.ui.st
	return d.frame.header() + "\n" + st.title.Render(truncate(clean(d.title), d.width)) + "\n" + d.list.view()
}

func (d *detailView) Status() string {
	if d.frame.loading {
		return d.frame.Status()
	}
	return d.list.scrollInfo()
}

func (d *detailView) Keys() help.KeyMap {
	km := &d.ui.km
	copyEv := km.Copy
	if d.event != nil {
		copyEv.SetHelp("y", "copy record JSON")
	}
	short := []key.Binding{km.Down, km.Up, km.PageDown}
	if d.tl != nil {
		short = append(short, km.NextEvent, km.PrevEvent)
	}
	if d.event == nil && d.copyWhat != "" {
		copyEv.SetHelp("y", "copy "+d.copyWhat)
	}
	copyLink := km.CopyLink
	copyLink.SetEnabled(len(d.links) > 0)
	short = append(short, copyEv, copyLink, km.Back, km.Help)
	return bindings{
		short: short,
		full:  [][]key.Binding{km.nav(), {km.NextEvent, km.PrevEvent, copyEv, copyLink, km.CopyKey, km.Remediate, km.Export, km.Back, km.Help, km.Quit}},
	}
}
