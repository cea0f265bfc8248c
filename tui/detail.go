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
	ui    *ui
	gen   int
	title string
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
// string once decoded).
func eventJSON(e *investigate.Event) []byte {
	raw := sanitize.RedactRecord(e.Raw)
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		// Not JSON (should not happen for a decoded record): show it as read.
		return sanitize.JSON(raw)
	}
	return sanitize.JSON(out.Bytes())
}

func newEventDetail(u *ui, gen int, c *investigate.Case, i int, tl *timelineView) *detailView {
	d := &detailView{ui: u, gen: gen, c: c, tl: tl, list: textList{st: &u.st}}
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
		case childKeys(d.c)[e.Signer()]:
			who = "by child key " + e.Signer() + " (created by the key's lineage)"
		case te.Session:
			who = "by derived session " + e.Signer()
		}
		d.title = fmt.Sprintf("%s · %s · %s %s · %s", e.Name, fullTime(e.Time), e.Service(), e.Region, who)
		if e.ErrorCode != "" {
			d.title += " · ERROR " + e.ErrorCode
		}
		origin := e.Origin
		if origin == "" {
			origin = "unknown"
		}
		d.body = sanitize.Multiline("eventID " + e.ID + " · read from " + sanitize.Redact(origin) + "\n\n" + string(prettyJSON(sanitize.RedactRecord(e.Raw))))
	}
	d.list.offset = 0
	d.wrap()
}

func prettyJSON(raw []byte) []byte {
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return raw
	}
	return out.Bytes()
}

func newJSONDetail(u *ui, gen int, title string, v any) *detailView {
	d := &detailView{ui: u, gen: gen, title: title, index: -1, list: textList{st: &u.st}}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		b = []byte(err.Error())
	}
	d.body = sanitize.Multiline(string(sanitize.RedactRecord(b)))
	d.wrap()
	return d
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

func (d *detailView) setSize(w, h int) {
	d.width = w
	d.list.setSize(w, h-1)
	d.wrap()
}

// refresh is called when a new case snapshot arrives: the record shown stays.
func (d *detailView) refresh(c *investigate.Case) {
	if d.event == nil || c == nil || d.tl == nil {
		return
	}
	if i := d.tl.indexOf(d.event.ID); i >= 0 {
		d.c, d.index = c, i
	}
}

func (d *detailView) update(a *App, msg tea.Msg) tea.Cmd {
	km := &d.ui.km
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if km.navigate(m, &d.list) {
		return nil
	}
	switch {
	case key.Matches(m, km.Back):
		return a.back()
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
			a.setStatus("no more events in this direction (with the timeline's filters)", false)
		}
	case key.Matches(m, km.Remediate):
		return a.openRemediation()
	}
	return nil
}

func (d *detailView) view(a *App) string {
	st := &d.ui.st
	return st.title.Render(truncate(clean(d.title), d.width)) + "\n" + d.list.view()
}

func (d *detailView) statusLine() string { return d.list.scrollInfo() }

func (d *detailView) keys() help.KeyMap {
	km := &d.ui.km
	copyEv := km.Copy
	if d.event != nil {
		copyEv.SetHelp("y", "copy record JSON")
	}
	short := []key.Binding{km.Down, km.Up, km.PageDown}
	if d.tl != nil {
		short = append(short, km.NextEvent, km.PrevEvent)
	}
	short = append(short, copyEv, km.Back, km.Help)
	return bindings{
		short: short,
		full:  [][]key.Binding{km.nav(), {km.NextEvent, km.PrevEvent, copyEv, km.CopyKey, km.Remediate, km.Export, km.Back, km.Help, km.Quit}},
	}
}
