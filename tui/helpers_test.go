package tui

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/internal/demo"
	"github.com/keypivot/keypivot/internal/simaccount"
	"github.com/keypivot/keypivot/investigate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// demoSet is the demo dataset at its fixed anchor, generated once for the package.
var demoSet = sync.OnceValue(func() *demo.Dataset { return demo.Generate(demo.DefaultAnchor()) })

func demoWorkspace() *investigate.Workspace {
	ds := demoSet()
	anchor := ds.Anchor
	return &investigate.Workspace{
		Alerts:      []investigate.AlertSource{demo.AlertSource(ds)},
		Trails:      []investigate.EventSource{demo.TrailSource(ds)},
		Correlation: investigate.DefaultCorrelationOptions(),
		Demo:        true,
		Now:         func() time.Time { return anchor },
		Describe:    "DEMO: embedded scenario, simulated account",
	}
}

// memJournal is a journal in memory.
type memJournal struct {
	mu      sync.Mutex
	entries []investigate.JournalEntry
}

func (j *memJournal) Append(e investigate.JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, e)
	return nil
}

func (j *memJournal) Pending() ([]investigate.JournalEntry, error) { return nil, nil }

func (j *memJournal) phases() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []string
	for _, e := range j.entries {
		out = append(out, e.Phase+" "+e.ActionID)
	}
	return out
}

// testClock is the fixed "now" of remediation plans and exports in tests.
var testClock = time.Date(2026, time.March, 12, 16, 0, 0, 0, time.UTC)

// demoOptions wires the demo like the command line does, with a simulated account per
// key and an in-memory journal.
func demoOptions(j *memJournal) Options {
	accounts := map[string]*simaccount.Account{}
	var mu sync.Mutex
	return Options{
		Workspace: demoWorkspace(),
		Remediator: func(_ context.Context, c *investigate.Case) (investigate.Remediator, error) {
			mu.Lock()
			defer mu.Unlock()
			if a := accounts[c.Key.String()]; a != nil {
				return a, nil
			}
			a := simaccount.FromCase(c, investigate.Caller{
				ARN: "arn:aws:iam::" + c.Owner.Account + ":user/incident-responder", Account: c.Owner.Account,
				UserName: "incident-responder", AccessKeyID: "AKIADEMORESPONDER001", Profile: "demo (simulated account)",
			})
			accounts[c.Key.String()] = a
			return a, nil
		},
		Journal:        j,
		JournalPath:    "journal.jsonl",
		NoColor:        true,
		Now:            func() time.Time { return testClock },
		UpdateInterval: time.Millisecond,
	}
}

// driver feeds messages to the workbench and runs the commands they return, the way
// the Bubble Tea runtime does, but synchronously: a test sees the state once every
// command has finished. Spinner ticks are not fed back (they would tick forever).
type driver struct {
	t     testing.TB
	app   *App
	clips []string
	other []tea.Msg
}

func newDriver(t testing.TB, opts Options, w, h int) *driver {
	t.Helper()
	d := &driver{t: t, app: newApp(context.Background(), opts)}
	t.Cleanup(d.app.close)
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(d.app.Init())
	return d
}

func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	_, cmd := d.app.Update(msg)
	d.run(cmd)
}

// exec runs one command with a deadline and returns its message.
func (d *driver) exec(cmd tea.Cmd) tea.Msg {
	d.t.Helper()
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case m := <-ch:
		return m
	case <-time.After(20 * time.Second):
		d.t.Fatalf("a command did not return within 20s")
		return nil
	}
}

func (d *driver) run(cmd tea.Cmd) {
	d.t.Helper()
	if cmd == nil {
		return
	}
	msg := d.exec(cmd)
	switch m := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range m {
			d.run(c)
		}
	case spinner.TickMsg:
	case caseMsg, rankMsg, remSetupMsg, outcomeMsg, exportedMsg, callerMsg:
		d.send(m)
	default:
		if s := fmt.Sprintf("%T", m); strings.Contains(s, "setClipboardMsg") {
			d.clips = append(d.clips, fmt.Sprint(m))
			return
		}
		d.other = append(d.other, m)
	}
}

// press sends keys by name: "enter", "esc", "tab", "shift+tab", "up", "down",
// "backspace", "space", "ctrl+c", or a single character.
func (d *driver) press(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

// typeText types s one key at a time.
func (d *driver) typeText(s string) {
	d.t.Helper()
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// screen is the view as text, colour and attributes removed.
func (d *driver) screen() string {
	return ansi.Strip(d.app.View().Content)
}

// raw is the view as the terminal receives it.
func (d *driver) raw() string { return d.app.View().Content }

func (d *driver) mustShow(parts ...string) {
	d.t.Helper()
	s := d.screen()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			d.t.Fatalf("screen lacks %q:\n%s", p, s)
		}
	}
}

func (d *driver) mustNotShow(parts ...string) {
	d.t.Helper()
	s := d.screen()
	for _, p := range parts {
		if strings.Contains(s, p) {
			d.t.Fatalf("screen shows %q:\n%s", p, s)
		}
	}
}

// golden compares the screen with testdata/name.golden (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -run %s -update to create it)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("%s differs from the screen (go test ./tui -update rewrites it):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// --- a small synthetic case, for tests that need control over the data ---

const (
	fxKey     = "AKIAFIXTUREKEY000001"
	fxOther   = "AKIAFIXTUREKEY000002"
	fxSession = "ASIAFIXTURESESSION01"
	fxAccount = "111122223333"
)

var fxStart = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

// record builds one CloudTrail record.
func record(i int, key, name, svc, region, ip, ua, errCode string, req, resp any) []byte {
	ident := map[string]any{"type": "IAMUser", "arn": "arn:aws:iam::" + fxAccount + ":user/alice", "accountId": fxAccount, "accessKeyId": key, "userName": "alice", "principalId": "AIDAFIXTURE"}
	if strings.HasPrefix(key, "ASIA") {
		ident = map[string]any{"type": "IAMUser", "arn": "arn:aws:iam::" + fxAccount + ":user/alice", "accountId": fxAccount, "accessKeyId": key, "userName": "alice",
			"sessionContext": map[string]any{"attributes": map[string]any{"creationDate": fxStart.Format(time.RFC3339), "mfaAuthenticated": "false"}}}
	}
	r := map[string]any{
		"eventVersion": "1.09", "userIdentity": ident,
		"eventTime": fxStart.Add(time.Duration(i) * time.Second).Format(time.RFC3339), "eventSource": svc + ".amazonaws.com",
		"eventName": name, "awsRegion": region, "sourceIPAddress": ip, "userAgent": ua,
		"requestParameters": req, "responseElements": resp,
		"requestID": fmt.Sprintf("req-%08d", i), "eventID": fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
		"readOnly":  strings.HasPrefix(name, "Get") || strings.HasPrefix(name, "List") || strings.HasPrefix(name, "Describe"),
		"eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": fxAccount,
	}
	if errCode != "" {
		r["errorCode"], r["errorMessage"] = errCode, "User: arn:aws:iam::"+fxAccount+":user/alice is not authorized"
		r["responseElements"] = nil
	}
	b, _ := json.Marshal(r)
	return b
}

func decode(t testing.TB, raw []byte) investigate.Event {
	e, err := investigate.DecodeRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// fixtureEvents is a small case: discovery with a denied call, a derived session, a
// key pair and a launch. ua is the user agent of the key's own calls.
func fixtureEvents(t testing.TB, ua string) []investigate.Event {
	return fixtureEventsNamed(t, ua, "backdoor", "kp1")
}

// fixtureEventsNamed is fixtureEvents with the attacker's choice of a user name and a
// key pair name.
func fixtureEventsNamed(t testing.TB, ua, user, kp string) []investigate.Event {
	ev := []investigate.Event{
		decode(t, record(1, fxKey, "GetCallerIdentity", "sts", "us-east-1", "198.51.100.7", ua, "", map[string]any{}, map[string]any{"account": fxAccount})),
		decode(t, record(2, fxKey, "ListUsers", "iam", "us-east-1", "198.51.100.7", ua, "", map[string]any{}, map[string]any{})),
		decode(t, record(3, fxKey, "ListRoles", "iam", "us-east-1", "198.51.100.7", ua, "AccessDenied", map[string]any{}, nil)),
		decode(t, record(4, fxKey, "GetSessionToken", "sts", "us-east-1", "198.51.100.7", ua, "", map[string]any{"durationSeconds": 43200},
			map[string]any{"credentials": map[string]any{"accessKeyId": fxSession, "expiration": fxStart.Add(12 * time.Hour).Format("Jan 2, 2006 3:04:05 PM"), "sessionToken": "x"}})),
		decode(t, record(5, fxSession, "CreateKeyPair", "ec2", "eu-west-1", "203.0.113.9", "aws-cli/2.15", "", map[string]any{"keyName": kp},
			map[string]any{"keyName": kp, "keyPairId": "key-0123456789abcdef0", "keyFingerprint": "aa:bb"})),
		decode(t, record(6, fxSession, "RunInstances", "ec2", "eu-west-1", "203.0.113.9", "aws-cli/2.15", "", map[string]any{"instanceType": "g5.xlarge", "instancesSet": map[string]any{"items": []any{map[string]any{"keyName": kp, "minCount": 1, "maxCount": 1}}}},
			map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": "i-0fixture00000001"}}}})),
		decode(t, record(7, fxKey, "CreateUser", "iam", "us-east-1", "198.51.100.7", ua, "", map[string]any{"userName": user}, map[string]any{"user": map[string]any{"userName": user}})),
		decode(t, record(8, fxOther, "ListBuckets", "s3", "us-east-1", "192.0.2.1", "Boto3/1.34", "", map[string]any{}, map[string]any{})),
	}
	return ev
}

func fixtureAlerts() []investigate.Alert {
	at := fxStart.Add(time.Minute)
	return []investigate.Alert{
		{ID: "alert-fs-1", Provider: "elastic", RuleID: investigate.FirstSeenRuleID, RuleName: "AWS IAM Long-Term Access Key First Seen from Source IP", RuleType: "new_terms",
			Severity: investigate.SeverityMedium, RiskScore: 47, Status: "open", Kind: "signal", Time: at, AccessKeyID: fxKey, SourceIP: "198.51.100.7", ASOrg: "Example Broadband", UserName: "alice", Account: fxAccount},
		{ID: "alert-sib-1", Provider: "elastic", RuleID: "696015ef-718e-40ff-ac4a-cc2ba88dbeeb", RuleName: "AWS IAM User Created Access Keys For Another User", RuleType: "query",
			Severity: investigate.SeverityHigh, RiskScore: 73, Status: "open", Kind: "signal", Time: at.Add(time.Minute), AccessKeyID: fxKey, SourceIP: "198.51.100.7", UserName: "alice", Account: fxAccount},
		{ID: "alert-fs-2", Provider: "elastic", RuleID: investigate.FirstSeenRuleID, RuleName: "AWS IAM Long-Term Access Key First Seen from Source IP", RuleType: "new_terms",
			Severity: investigate.SeverityMedium, RiskScore: 47, Status: "open", Kind: "signal", Time: at, AccessKeyID: fxOther, SourceIP: "192.0.2.1", UserName: "bob", Account: fxAccount},
	}
}

// memTrail serves events from memory. When gate is set, each query waits for it (or for
// its context) before answering, and cancelled records that a context ended it.
type memTrail struct {
	events    []investigate.Event
	gate      chan struct{}
	mu        sync.Mutex
	cancelled int
	queries   int
	// scan, when set, is reported through the query's OnScan before the gate opens.
	scan *investigate.ScanProgress
}

func (m *memTrail) Name() string { return "mem:trail" }

func (m *memTrail) Events(ctx context.Context, q investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	m.mu.Lock()
	m.queries++
	m.mu.Unlock()
	if m.scan != nil && q.OnScan != nil {
		q.OnScan(*m.scan)
	}
	if m.gate != nil {
		select {
		case <-m.gate:
		case <-ctx.Done():
			m.mu.Lock()
			m.cancelled++
			m.mu.Unlock()
			return investigate.SourceReport{Source: m.Name()}, ctx.Err()
		}
	}
	var out []investigate.Event
	for _, e := range m.events {
		match := false
		for _, k := range q.AccessKeys {
			match = match || e.Signer() == k.String()
		}
		if e.Name == "RunInstances" {
			for _, kn := range investigate.RunInstancesKeyNames(&e) {
				for _, p := range q.KeyPairs {
					match = match || (p.Name == kn && p.Region == e.Region)
				}
			}
		}
		if match {
			out = append(out, e)
		}
	}
	if len(out) > 0 {
		sink(out)
	}
	return investigate.SourceReport{Source: m.Name(), Kind: "memory", Records: int64(len(m.events)), Matched: int64(len(out))}, nil
}

type memAlerts struct{ alerts []investigate.Alert }

func (m *memAlerts) Name() string { return "mem:alerts" }

func (m *memAlerts) Alerts(ctx context.Context, q investigate.AlertQuery, sink func([]investigate.Alert)) (investigate.SourceReport, error) {
	sink(m.alerts)
	return investigate.SourceReport{Source: m.Name(), Kind: "memory", Records: int64(len(m.alerts))}, nil
}

func fixtureWorkspace(trail *memTrail) *investigate.Workspace {
	return &investigate.Workspace{
		Alerts:      []investigate.AlertSource{&memAlerts{alerts: fixtureAlerts()}},
		Trails:      []investigate.EventSource{trail},
		Correlation: investigate.DefaultCorrelationOptions(),
		Now:         func() time.Time { return fxStart.Add(time.Hour) },
		Describe:    "fixture",
	}
}
