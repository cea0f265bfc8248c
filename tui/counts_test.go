package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/investigate"
)

// Every count the workbench shows is the domain's one definition: the keys list's SIB,
// the tab bar, the Alerts tab's rows, the Overview's alerts and events lines, and the
// status line say what investigate.CaseCounts and SummaryCounts say (the reports are
// held to the same numbers in investigate/report).
func TestWorkbenchCountsAreTheDomainsCounts(t *testing.T) {
	d := newDriver(t, demoOptions(&memJournal{}), 160, 48)
	sum := d.app.keys.summary(0)
	sn := investigate.SummaryCounts(sum)
	if got := d.app.keys.cell(0, kcSiblings); got != itoa(sn.Siblings) {
		t.Fatalf("SIB %s, SummaryCounts %d", got, sn.Siblings)
	}
	d.press("enter")
	c := d.app.wb().c
	n := investigate.CaseCounts(c)
	if n.Key != sn {
		t.Fatalf("the case's own counts %+v differ from the ranking's %+v", n.Key, sn)
	}
	bar := lineWith(d.screen(), "1 Overview")
	for _, want := range []string{"2 Alerts " + itoa(n.Alerts), "3 Timeline " + itoa(n.Events), "4 Sessions " + itoa(n.Sessions), "7 Artifacts " + itoa(n.Artifacts)} {
		if !strings.Contains(bar, want) {
			t.Errorf("the tab bar lacks %q: %s", want, bar)
		}
	}
	d.press("2") // tabs are drawn when shown
	if d.app.wb().alerts.table.n != n.Alerts {
		t.Errorf("the Alerts tab lists %d alerts, CaseCounts %d", d.app.wb().alerts.table.n, n.Alerts)
	}
	d.press("1")
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24}) // one column: each value reads whole
	ov := listText(&d.app.wb().overview.textList)
	for _, want := range append([]string{n.AlertsText(), strings.Join(n.EventParts(), " · ")}, n.AlertGroups()[0][1]) {
		if !words(ov, want) {
			t.Errorf("the Overview lacks %q", want)
		}
	}
	if st := d.app.wb().Status(); !strings.Contains(st, strings.Join(n.EventParts(), ", ")) {
		t.Errorf("the status line %q lacks the event counts", st)
	}
}
