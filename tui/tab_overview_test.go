package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// A case built without any alert source says so where the overview counts alerts, not
// "0 alerts": a zero produced by not looking is no answer.
func TestOverviewSaysAlertsWereNotSearched(t *testing.T) {
	evs := fixtureEvents(t, "aws-cli/2.15")
	ptrs := make([]*investigate.Event, len(evs))
	for i := range evs {
		ptrs[i] = &evs[i]
	}
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(fxKey), Events: ptrs, Now: fxStart.Add(time.Hour)})
	if c.Completeness.Alerts.Status != investigate.SearchNotAsked {
		t.Fatalf("alerts completeness %q, want not searched", c.Completeness.Alerts.Status)
	}
	st := newStyles(false, true)
	text := tabText(t, overviewActivity(&st, c, 200))
	if strings.Contains(text, "0 alerts") || !strings.Contains(text, c.Completeness.Alerts.Summary) || c.Completeness.Alerts.Summary == "" {
		t.Errorf("the overview should say alerts were not searched (%q):\n%s", c.Completeness.Alerts.Summary, text)
	}
	if !strings.Contains(text, "source IP") || strings.Contains(text, "1 source IPs") {
		t.Errorf("source IPs counted in words that do not fit:\n%s", text)
	}
}
