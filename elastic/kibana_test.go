package elastic

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/journal"
	estest "github.com/keypivot/keypivot/internal/testserver/elasticsearch"
	kbtest "github.com/keypivot/keypivot/internal/testserver/kibana"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

type kibanaEnv struct {
	es *estest.Server
	kb *kbtest.Server
	c  *Client
	k  *Kibana
	j  *journal.File
}

func newKibanaEnv(t *testing.T, space string) *kibanaEnv {
	t.Helper()
	es := estest.New(t)
	if _, err := es.LoadSampleAlerts(space); err != nil {
		t.Fatal(err)
	}
	kb := kbtest.New(t, es)
	c := connect(t, es, func(c *Config) { c.KibanaURL, c.Space = kb.URL(), space })
	k, err := c.Kibana()
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return &kibanaEnv{es: es, kb: kb, c: c, k: k, j: j}
}

func (e *kibanaEnv) caseOf(t *testing.T, key string) *investigate.Case {
	t.Helper()
	ws := &investigate.Workspace{Alerts: []investigate.AlertSource{e.c.AlertSource()}}
	cs, err := ws.Investigate(context.Background(), investigate.MustParseAccessKeyID(key), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func (e *kibanaEnv) runner() *investigate.Runner {
	return &investigate.Runner{Remediator: e.k, Journal: e.j}
}

func (e *kibanaEnv) status(t *testing.T, space, id string) (status, reason string) {
	t.Helper()
	d, ok := e.es.Get(estest.AlertsIndex(space), id)
	if !ok {
		t.Fatalf("alert %s not found", id)
	}
	s, _ := d.Source["kibana.alert.workflow_status"].(string)
	r, _ := d.Source["kibana.alert.workflow_reason"].(string)
	return s, r
}

func sampleIDs(key string) (open, closed []string) {
	for _, a := range estest.SampleAlerts() {
		if investigateKey(a) != key {
			continue
		}
		id := a["kibana.alert.uuid"].(string)
		if a["kibana.alert.workflow_status"] == "closed" {
			closed = append(closed, id)
		} else {
			open = append(open, id)
		}
	}
	return open, closed
}

func investigateKey(a map[string]any) string {
	aws, _ := a["aws"].(map[string]any)
	ct, _ := aws["cloudtrail"].(map[string]any)
	ui, _ := ct["user_identity"].(map[string]any)
	k, _ := ui["access_key_id"].(string)
	return k
}

func TestAcknowledgeInKibanaIsConfirmedJournalledAndNeverRepeated(t *testing.T) {
	e := newKibanaEnv(t, "default")
	cs := e.caseOf(t, keyBackdoor)
	a, err := investigate.PlanAlertStatus(cs, investigate.KibanaTarget{URL: e.k.URL()}, "acknowledged", "")
	if err != nil {
		t.Fatal(err)
	}
	open, closed := sampleIDs(keyBackdoor)
	r := e.runner()

	// Not confirmed, or read-only: nothing reaches Kibana.
	if o := r.Run(context.Background(), a, "AKIA-WRONG", ""); o.Err == nil {
		t.Fatal("ran without the typed key id")
	}
	ro := *r
	ro.ReadOnly = true
	if o := ro.Run(context.Background(), a, keyBackdoor, ""); !errors.Is(o.Err, investigate.ErrReadOnly) {
		t.Fatalf("read-only: %v", o.Err)
	}
	if n := e.kb.Requests(kbtest.EndpointSignalsStatus); n != 0 {
		t.Fatalf("%d status requests before confirmation", n)
	}

	o := r.Run(context.Background(), a, keyBackdoor, "")
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	if o.StateBefore != "2 open" || o.StateAfter != "2 acknowledged" {
		t.Errorf("state %q -> %q", o.StateBefore, o.StateAfter)
	}
	for _, id := range open {
		if s, _ := e.status(t, "default", id); s != "acknowledged" {
			t.Errorf("%s is %s", id, s)
		}
	}
	for _, id := range closed {
		if s, _ := e.status(t, "default", id); s != "closed" {
			t.Errorf("closed alert %s became %s", id, s)
		}
	}
	// Only the key's alerts: the other key's stay open.
	other, _ := sampleIDs(keyStopLog)
	if s, _ := e.status(t, "default", other[0]); s != "open" {
		t.Errorf("another key's alert is %s", s)
	}
	req := e.kb.RequestLog()
	var sawXSRF bool
	for _, rq := range req {
		if rq.Endpoint == kbtest.EndpointSignalsStatus {
			sawXSRF = rq.Header.Get("kbn-xsrf") != ""
		}
	}
	if !sawXSRF {
		t.Error("no kbn-xsrf header")
	}

	// A rerun finds it done and calls nothing.
	o2 := r.Run(context.Background(), a, keyBackdoor, "")
	if o2.Err != nil || !o2.Skipped || e.kb.Requests(kbtest.EndpointSignalsStatus) != 1 {
		t.Errorf("rerun: %+v, %d status requests", o2, e.kb.Requests(kbtest.EndpointSignalsStatus))
	}
	entries, err := e.j.Entries()
	if err != nil {
		t.Fatal(err)
	}
	var phases []string
	for _, en := range entries {
		phases = append(phases, en.Phase)
		if en.CallerARN == "" {
			t.Errorf("journal entry without caller: %+v", en)
		}
	}
	if !slices.Equal(phases, []string{investigate.PhaseIntent, investigate.PhaseDone, investigate.PhaseSkipped}) {
		t.Errorf("journal phases %v", phases)
	}
}

func TestCloseWithAReasonAndUndoIt(t *testing.T) {
	e := newKibanaEnv(t, "default")
	cs := e.caseOf(t, keyStopLog)
	a, err := investigate.PlanAlertStatus(cs, investigate.KibanaTarget{}, "closed", "false_positive")
	if err != nil {
		t.Fatal(err)
	}
	if o := e.runner().Run(context.Background(), a, keyStopLog, ""); o.Err != nil || o.StateAfter != "2 closed" {
		t.Fatalf("%+v", o)
	}
	open, _ := sampleIDs(keyStopLog)
	for _, id := range open {
		if s, r := e.status(t, "default", id); s != "closed" || r != "false_positive" {
			t.Errorf("%s: %s / %s", id, s, r)
		}
	}
	// The undo calls put every alert back as it was.
	for _, u := range a.UndoCalls {
		undo := investigate.Action{ID: "undo", Kind: investigate.ActKibanaSetStatus, Key: keyStopLog, Calls: []investigate.APICall{u}}
		if _, err := e.k.Apply(context.Background(), undo); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range open {
		if s, r := e.status(t, "default", id); s != "open" || r != "" {
			t.Errorf("after undo %s: %s / %s", id, s, r)
		}
	}
}

func caseReport(t *testing.T, cs *investigate.Case) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.Markdown(&b, cs, report.Options{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestKibanaCaseIsCreatedOnceWithTheReportAndTheAlerts(t *testing.T) {
	e := newKibanaEnv(t, "soc")
	cs := e.caseOf(t, keyBackdoor)
	md := caseReport(t, cs)
	a, err := investigate.PlanKibanaCase(cs, investigate.KibanaTarget{URL: e.k.URL(), Space: "soc"}, md, investigate.KibanaCaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := e.runner().Run(context.Background(), a, keyBackdoor, "")
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	if o.StateBefore != "no case tagged keypivot:"+keyBackdoor || !strings.Contains(o.StateAfter, "3 alerts attached") {
		t.Errorf("state %q -> %q", o.StateBefore, o.StateAfter)
	}
	cases := e.kb.Cases("soc")
	if len(cases) != 1 || len(e.kb.Cases("default")) != 0 {
		t.Fatalf("%d cases in soc, %d in default", len(cases), len(e.kb.Cases("default")))
	}
	c := cases[0]
	if c["description"] != md || c["owner"] != "securitySolution" || c["totalAlerts"] != 3 || c["severity"] != "high" {
		t.Errorf("case %v", c)
	}
	caseID := c["id"].(string)
	open, closed := sampleIDs(keyBackdoor)
	for _, id := range append(open, closed...) {
		d, _ := e.es.Get(estest.AlertsIndex("soc"), id)
		if ids, _ := d.Source["kibana.alert.case_ids"].([]any); !slices.Contains(ids, any(caseID)) {
			t.Errorf("alert %s does not record the case: %v", id, d.Source["kibana.alert.case_ids"])
		}
		// The case does not sync statuses: attaching changed none.
		if s, _ := e.status(t, "soc", id); s == "" {
			t.Errorf("alert %s lost its status", id)
		}
	}
	if s, _ := e.status(t, "soc", closed[0]); s != "closed" {
		t.Errorf("attaching reopened the closed alert: %s", s)
	}
	for _, rq := range e.kb.RequestLog() {
		if rq.Method == http.MethodPost && !strings.HasPrefix(rq.Path, "/s/soc/") {
			t.Errorf("write outside the space: %s", rq.Path)
		}
	}

	// A rerun finds the case complete.
	creates := e.kb.Requests(kbtest.EndpointCreateCase)
	if o := e.runner().Run(context.Background(), a, keyBackdoor, ""); o.Err != nil || !o.Skipped {
		t.Errorf("rerun %+v", o)
	}
	if e.kb.Requests(kbtest.EndpointCreateCase) != creates || len(e.kb.Cases("soc")) != 1 {
		t.Error("a rerun created a second case")
	}
}

// A crash after the case was created, before the alerts were attached: the journal's
// intent is resumed, the existing case is found by its tag and completed.
func TestInterruptedCaseIsCompletedNotDuplicated(t *testing.T) {
	e := newKibanaEnv(t, "default")
	cs := e.caseOf(t, keyBackdoor)
	var big strings.Builder
	for big.Len() < 40000 {
		big.WriteString(caseReport(t, cs))
	}
	a, err := investigate.PlanKibanaCase(cs, investigate.KibanaTarget{URL: e.k.URL()}, big.String(), investigate.KibanaCaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// What the runner journals before calling, then the first call only.
	spec := a
	if err := e.j.Append(investigate.JournalEntry{Time: time.Now(), Phase: investigate.PhaseIntent, ActionID: a.ID, Action: a.Kind, Key: a.Key, Calls: a.Calls, Spec: &spec}); err != nil {
		t.Fatal(err)
	}
	if err := e.k.call(context.Background(), a.Calls[0], "", nil); err != nil {
		t.Fatal(err)
	}
	if n := len(e.kb.Cases("default")); n != 1 {
		t.Fatalf("%d cases", n)
	}

	outs, err := e.runner().Resume(context.Background(), func(investigate.Action) bool { return true }, keyBackdoor)
	if err != nil || len(outs) != 1 || outs[0].Err != nil {
		t.Fatalf("resume: %+v %v", outs, err)
	}
	if !strings.Contains(outs[0].StateBefore, "3 to attach") || !strings.Contains(outs[0].StateBefore, "report parts to add") {
		t.Errorf("state before %q", outs[0].StateBefore)
	}
	cases := e.kb.Cases("default")
	if len(cases) != 1 || cases[0]["totalAlerts"] != 3 {
		t.Fatalf("cases after resume: %d, %v alerts", len(cases), cases[0]["totalAlerts"])
	}
	parts := 0
	for _, c := range a.Calls {
		if c.Operation == investigate.OpAddCaseComment {
			parts++
		}
	}
	if parts < 2 || cases[0]["totalComment"] != parts {
		t.Errorf("%v comments for %d report parts", cases[0]["totalComment"], parts)
	}
	if pending, _ := e.j.Pending(); len(pending) != 0 {
		t.Errorf("still pending: %+v", pending)
	}
}

func TestKibanaRefusalsSayWhatIsMissing(t *testing.T) {
	e := newKibanaEnv(t, "default")
	cs := e.caseOf(t, keyBackdoor)
	a, _ := investigate.PlanAlertStatus(cs, investigate.KibanaTarget{}, "acknowledged", "")
	e.kb.InjectFault(kbtest.Fault{Endpoint: kbtest.EndpointSignalsStatus, Status: http.StatusForbidden})
	o := e.runner().Run(context.Background(), a, keyBackdoor, "")
	if o.Err == nil || !strings.Contains(o.Error, "privilege") {
		t.Fatalf("%+v", o)
	}
	entries, _ := e.j.Entries()
	if last := entries[len(entries)-1]; last.Phase != investigate.PhaseFailed || !strings.Contains(last.Result, "403") {
		t.Errorf("journal %+v", last)
	}
	c2 := connect(t, e.es)
	if _, err := c2.Kibana(); err == nil || !strings.Contains(err.Error(), "--kibana") {
		t.Errorf("no Kibana URL: %v", err)
	}
	// A Kibana action never goes to another remediator's kind, nor the reverse.
	if _, _, err := e.k.State(context.Background(), investigate.Action{Kind: investigate.ActDeactivateKey}); err == nil {
		t.Error("the Kibana remediator accepted an AWS action")
	}
}
