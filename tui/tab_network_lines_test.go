package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate"
)

// tabText renders a tab's lines as text, and fails when an attacker's control sequence
// (an OSC, a BEL) reaches them: the styles' own SGR sequences are stripped.
func tabText(t *testing.T, lines []textLine) string {
	t.Helper()
	var b strings.Builder
	for _, l := range lines {
		if strings.Contains(l.text, "\x1b]") || strings.ContainsRune(l.text, '\a') {
			t.Errorf("control sequence reaches the screen: %q", l.text)
		}
		b.WriteString(ansi.Strip(l.text) + "\n")
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// The follow-ups tab shows each key pair's address, network, first-ness and the
// CreateKeyPair rule's verdict; the network tab each address's network and its sources,
// and what would tell an unknown one.
func TestKeyPairAndNetworkTabsShowWhereCallsCameFrom(t *testing.T) {
	evs := fixtureEvents(t, "aws-cli/2.15")
	ptrs := make([]*investigate.Event, len(evs))
	for i := range evs {
		ptrs[i] = &evs[i]
	}
	obs := investigate.NewObservedNetworks("elastic-event test", investigate.NetFromElasticEvent, 0)
	obs.Observe("203.0.113.9", 64502, "Quickhost VPS Ltd\x1b]52;c;cm0gLXJm\x07")
	build := func(sources ...investigate.NetworkSource) *investigate.Case {
		return investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(fxKey), Events: ptrs, Alerts: fixtureAlerts(),
			Now: fxStart.Add(time.Hour), Networks: investigate.NetworkOptions{Sources: sources}})
	}
	st := newStyles(false, true)

	c := build(obs)
	lines, _ := followUpLines(&st, c, 200)
	text := tabText(t, lines)
	for _, want := range []string{
		`from 203.0.113.9: AS64502 Quickhost VPS Ltd\x1b]52;c;cm0gLXJm\x07`, // shown, not obeyed
		"[non-cloud] (elastic-event)",
		"first CreateKeyPair by arn:aws:iam::111122223333:user/alice in the data searched (window",
		`rule "` + investigate.KeyPairRuleName + `" fires: the principal's first CreateKeyPair`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("follow-ups tab lacks %q:\n%s", want, text)
		}
	}
	lines, _ = networkLines(&st, c, 200)
	text = tabText(t, lines)
	for _, want := range []string{"198.51.100.7", "Example Broadband [non-cloud] · alert", "AS64502 Quickhost VPS Ltd"} {
		if !strings.Contains(text, want) {
			t.Errorf("network tab lacks %q:\n%s", want, text)
		}
	}

	// No source knows the session's address: it is unknown, never "non-cloud", and the
	// tabs say what would tell.
	bare := build()
	lines, _ = followUpLines(&st, bare, 200)
	if text := tabText(t, lines); !strings.Contains(text, "from 203.0.113.9: unknown network") || !strings.Contains(text, "not evaluated: network unknown") || strings.Contains(text, "[non-cloud]") {
		t.Errorf("follow-ups tab without a network:\n%s", text)
	}
	lines, _ = networkLines(&st, bare, 200)
	if text := tabText(t, lines); !strings.Contains(text, "unknown network: searched the case's alerts; give --asn-db") {
		t.Errorf("network tab without a network:\n%s", text)
	}
}
