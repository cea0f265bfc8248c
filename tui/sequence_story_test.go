package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// seqFixtureAlerts are the fixture's alerts, a GuardDuty finding of the key, and an
// attack sequence of the key whose signals are: that finding (by its id), the key's
// ListUsers (by API and time), and two CreateAccessKey calls the fixture does not hold.
// Its description and a signal's name carry what an attacker could put there.
func seqFixtureAlerts() []investigate.Alert {
	at := fxStart.Add(time.Minute)
	finding := investigate.Alert{ID: "gd-finding-0001", Provider: investigate.ProviderGuardDuty, RuleID: "Discovery:IAMUser/AnomalousBehavior",
		RuleName: "Anomalous discovery by alice", Severity: investigate.SeverityMedium, RiskScore: 50, Status: "open", Kind: "signal",
		Time: at, AccessKeyID: fxKey, SourceIP: "198.51.100.7", Account: fxAccount}
	seq := &investigate.AttackSequence{
		UID: "seq-uid-0001", Description: "compromise of alice \x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07 from 198.51.100.7",
		Actors: []investigate.SequenceActor{{ID: "actor-1", UserName: "alice", UserType: "IAMUser", CredentialUID: fxKey, Account: fxAccount}},
		Signals: []investigate.SequenceSignal{
			{UID: "sig-3", Type: investigate.SignalCloudTrail, Name: "iam:CreateAccessKey", Count: 2, FirstSeen: fxStart.Add(30 * time.Second), LastSeen: fxStart.Add(40 * time.Second), ActorIDs: []string{"actor-1"}, Severity: investigate.SeverityHigh},
			{UID: "gd-finding-0001", Type: investigate.SignalFinding, Name: "Discovery:IAMUser/AnomalousBehavior", Count: 1, FirstSeen: fxStart, LastSeen: at, Severity: investigate.SeverityMedium},
			{UID: "sig-2", Type: investigate.SignalCloudTrail, Name: "iam:ListUsers\x1b[31m", Count: 1, FirstSeen: fxStart.Add(2 * time.Second), LastSeen: fxStart.Add(2 * time.Second), ActorIDs: []string{"actor-1"}},
			{UID: "sig-2b", Type: investigate.SignalCloudTrail, Name: "iam:ListUsers", Count: 1, FirstSeen: fxStart.Add(2 * time.Second), LastSeen: fxStart.Add(2 * time.Second), ActorIDs: []string{"actor-1"}},
		},
	}
	sa := investigate.Alert{ID: "seq-finding-0001", Provider: investigate.ProviderGuardDuty, RuleID: "AttackSequence:IAM/CompromisedCredentials",
		RuleName: "Potential credential compromise of IAM user alice", Severity: investigate.SeverityCritical, RiskScore: 90, Status: "open", Kind: "signal",
		Time: at.Add(5 * time.Minute), Account: fxAccount, Sequence: seq}
	sa.KeyTo(fxKey)
	return append(fixtureAlerts(), finding, sa)
}

// openSequence moves the Alerts tab's cursor to the alert id and presses enter.
func openSequence(t *testing.T, d *driver, id string) {
	t.Helper()
	d.press("2")
	tab := d.app.wb().alerts
	row := -1
	for i, s := range tab.rows {
		if s.AlertID == id {
			row = i
		}
	}
	if row < 0 {
		t.Fatalf("alert %s is not on the Alerts tab", id)
	}
	d.press("g")
	for range row {
		d.press("down")
	}
	d.press("enter")
}

// Enter on an attack sequence's alert opens its story: signals in time order, the
// case's evidence beside each (enter opens it), what is not in the case and why, and
// nothing the finding carries reaches the terminal raw.
func TestSequenceStoryShowsTheCasesEvidence(t *testing.T) {
	trail := &memTrail{events: fixtureEvents(t, "aws-cli/2.15")}
	ws := fixtureWorkspace(trail)
	ws.Alerts = []investigate.AlertSource{&memAlerts{alerts: seqFixtureAlerts()}}
	d := newDriver(t, Options{Workspace: ws, NoColor: true, Journal: &memJournal{}, Now: func() time.Time { return testClock },
		Key: investigate.MustParseAccessKeyID(fxKey)}, 120, 40)
	openSequence(t, d, "seq-finding-0001")
	story, ok := d.app.top().(*sequenceStory)
	if !ok {
		t.Fatalf("enter on the sequence opened %T:\n%s", d.app.top(), d.screen())
	}
	listUsers := "00000000-0000-4000-8000-000000000002"
	d.mustShow("attack sequence AttackSequence:IAM/CompromisedCredentials · 2 of 4 signals in the case",
		"STORY", "alert gd-finding-0001  Anomalous discovery by alice", "event "+listUsers+"  ListUsers us-east-1",
		"not in case: no CloudTrail event of iam:CreateAccessKey signed by "+fxKey, `\x1b[2J`, `iam:ListUsers\x1b[31m`)
	if raw := d.raw(); strings.Contains(raw, "\x1b[2J") || strings.Contains(raw, "\x1b]52") {
		t.Fatalf("the finding's escape sequences reach the terminal raw")
	}
	checkFits(t, d, 120, 40)
	// The story is in time order: the finding (first seen first), then the calls.
	screen := d.screen()
	if f, c := strings.Index(screen, "FINDING Discovery"), strings.Index(screen, "CLOUD_TRAIL iam:CreateAccessKey"); f < 0 || c < 0 || f > c {
		t.Errorf("story order: finding at %d, CreateAccessKey at %d", f, c)
	}

	// Enter on the alert opens its detail; on the event, its record.
	if sel := story.list.selected(); sel == nil || sel.kind != targetAlert || sel.value != "gd-finding-0001" {
		t.Fatalf("first selectable line %+v", sel)
	}
	d.press("enter")
	if _, ok := d.app.top().(*detailView); !ok {
		t.Fatalf("enter on the alert opened %T", d.app.top())
	}
	d.mustShow("alert gd-finding-0001")
	d.press("esc", "down")
	if sel := story.list.selected(); sel == nil || sel.kind != targetEvent || sel.value != listUsers {
		t.Fatalf("second selectable line %+v", sel)
	}
	d.press("enter")
	dv, ok := d.app.top().(*detailView)
	if !ok || dv.event == nil || dv.event.ID != listUsers {
		t.Fatalf("enter on the event opened %T", d.app.top())
	}
	d.press("esc", "y")
	if len(d.clips) == 0 || !strings.Contains(d.clips[len(d.clips)-1], `"finding_id": "seq-finding-0001"`) {
		t.Errorf("y copied %v", d.clips)
	}
	// Another alert opens its detail as before.
	d.press("esc")
	openSequence(t, d, "alert-sib-1")
	if _, ok := d.app.top().(*detailView); !ok {
		t.Errorf("enter on an alert that is no sequence opened %T", d.app.top())
	}
}

// The demo's attack sequence, as the workbench tells it.
func TestGoldenSequenceStory(t *testing.T) {
	id := demoSet().Facts.Alerts.AttackSequence
	if id == "" {
		t.Fatal("the demo plants no attack sequence")
	}
	for _, sz := range [][2]int{{80, 24}, {120, 36}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			d := newDriver(t, demoOptions(&memJournal{}), sz[0], sz[1])
			d.press("enter")
			openSequence(t, d, id)
			if _, ok := d.app.top().(*sequenceStory); !ok {
				t.Fatalf("opened %T", d.app.top())
			}
			checkFits(t, d, sz[0], sz[1])
			golden(t, fmt.Sprintf("sequence_story_%dx%d", sz[0], sz[1]), d.screen())
		})
	}
}
