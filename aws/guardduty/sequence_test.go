package guardduty

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/aws/fanout/fanouttest"
	"github.com/keypivot/keypivot/internal/sourcetest"
	gdtest "github.com/keypivot/keypivot/internal/testserver/guardduty"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// sessionKey is a session key a test adds to the sample attack sequence's actors.
const sessionKey = "ASIASZ4SI7REEEXAMPLE"

// sequenceEnv is a GuardDuty test server holding the sample findings and the sample
// attack sequence of the corpus key, and a source reading it.
func sequenceEnv(t *testing.T) (*Source, *gdtest.Server) {
	t.Helper()
	sess, g := env(t)
	fs := append(gdtest.SampleFindings(sess.Identity.Account, "us-east-1", ""), gdtest.SampleAttackSequence(sess.Identity.Account, "us-east-1", ""))
	if err := g.AddFindings("us-east-1", fs...); err != nil {
		t.Fatal(err)
	}
	return &Source{Session: sess, Regions: []string{"us-east-1"}}, g
}

// A sequence is found by a second listing, by type, since the accessKeyId criterion
// cannot find it, and kept for the key its actor used; the report says so.
func TestAttackSequenceIsListedByTypeAndKeptForItsActorsKey(t *testing.T) {
	src, g := sequenceEnv(t)
	got, rep := fanouttest.Read(t, src, investigate.AlertQuery{AccessKeys: investigate.KeyIDs(userKey)})
	var seq *investigate.Alert
	for i := range got {
		if got[i].Sequence != nil {
			seq = &got[i]
		}
	}
	if len(got) != 3 || seq == nil {
		t.Fatalf("%d alerts (want the key's 2 findings and its sequence): %+v", len(got), got)
	}
	if seq.ID != gdtest.SampleAttackSequenceID || seq.AccessKeyID != userKey || seq.RuleID != "AttackSequence:IAM/CompromisedCredentials" ||
		seq.Severity != investigate.SeverityCritical || len(seq.Sequence.Signals) != 5 || seq.Raw == nil {
		t.Errorf("sequence alert %+v", seq)
	}
	var criteria []string
	for _, r := range g.RequestLog() {
		if r.Operation == gdtest.OpListFindings {
			criteria = append(criteria, string(r.Body))
		}
	}
	if len(criteria) != 2 || !strings.Contains(criteria[0], "resource.accessKeyDetails.accessKeyId") ||
		!strings.Contains(criteria[1], `"type"`) || !strings.Contains(criteria[1], "AttackSequence:IAM/CompromisedCredentials") {
		t.Errorf("ListFindings criteria %v", criteria)
	}
	note := strings.Join(rep.Notes, "\n")
	if !strings.Contains(note, "attack sequences name their keys in their actors' credentials") || !strings.Contains(note, "1 finding read, 1 kept whose actors used "+userKey) {
		t.Errorf("notes %q", note)
	}

	// Another key: the sequence is read and left out, and the note says so.
	got, rep = fanouttest.Read(t, src, investigate.AlertQuery{AccessKeys: investigate.KeyIDs("AKIAOTHERKEY00000001")})
	if len(got) != 0 || !strings.Contains(strings.Join(rep.Notes, "\n"), "1 finding read, 0 kept") {
		t.Errorf("another key: %d alerts, notes %q", len(got), rep.Notes)
	}
}

// A sequence of several keys answers for each of them when asked: filed under the key
// asked for, with that key's actor.
func TestAttackSequenceOfSeveralKeysIsFiledUnderTheKeyAsked(t *testing.T) {
	sess, g := env(t)
	f := gdtest.SampleAttackSequence(sess.Identity.Account, "us-east-1", "")
	seq := f["service"].(map[string]any)["detection"].(map[string]any)["sequence"].(map[string]any)
	seq["actors"] = append(seq["actors"].([]any), map[string]any{"id": "actor-session",
		"user": map[string]any{"name": "ec2-app-role", "uid": "AROASZ4SI7RFEXAMPLE01", "type": "AssumedRole", "credentialUid": sessionKey}})
	if err := g.AddFindings("us-east-1", f); err != nil {
		t.Fatal(err)
	}
	src := &Source{Session: sess, Regions: []string{"us-east-1"}}
	for _, key := range []string{sessionKey, userKey} {
		got, _ := fanouttest.Read(t, src, investigate.AlertQuery{AccessKeys: investigate.KeyIDs(key)})
		if len(got) != 1 || got[0].AccessKeyID != key {
			t.Errorf("asked for %s: %+v", key, got)
			continue
		}
		wantUser := map[string]string{sessionKey: "ec2-app-role", userKey: "christophe"}[key]
		if got[0].UserName != wantUser {
			t.Errorf("asked for %s: user %q, want %q", key, got[0].UserName, wantUser)
		}
	}
	// The ranking files it under the long-term key, and ranks both.
	got, _ := fanouttest.Read(t, src, investigate.AlertQuery{})
	if len(got) != 1 || got[0].AccessKeyID != userKey {
		t.Fatalf("ranking read %+v", got)
	}
	cor := investigate.NewCorrelator(investigate.CorrelationOptions{})
	cor.Add(got)
	var ranked []string
	for _, k := range cor.Result(false).Keys {
		if k.Basis == investigate.BasisAttackSequence {
			ranked = append(ranked, k.Key.String())
		}
	}
	slices.Sort(ranked)
	if !slices.Equal(ranked, []string{userKey, sessionKey}) { // sorted: AKIA before ASIA
		t.Errorf("ranked on the sequence: %v", ranked)
	}
}

// Over the GuardDuty test server and the real CloudTrail records of the key: the key is
// ranked on its attack sequence, first; its case resolves the sequence's signals to the
// findings read (by id) and to the real StopLogging (by API and time), says why the
// others are not in the case, and every report shows the story.
func TestAttackSequenceRankedResolvedAndRendered(t *testing.T) {
	sourcetest.RequireCorpus(t, fanouttest.StopLoggingCorpus)
	src, _ := sequenceEnv(t)
	ws, rk := fanouttest.StopLoggingWorkspace(t, src)
	ctx := context.Background()
	if len(rk.Keys) == 0 || rk.Keys[0].Key.String() != userKey || rk.Keys[0].Basis != investigate.BasisAttackSequence ||
		rk.Keys[0].AttackSequenceCount != 1 || rk.Keys[0].AttackSequences[0].FindingID != gdtest.SampleAttackSequenceID {
		t.Fatalf("ranking %+v", rk.Keys)
	}
	if k := rk.Keys[0]; k.SiblingCount != 2 || k.AWSFindings != 2 {
		t.Errorf("the key's findings are still its siblings beside the sequence: %+v", k)
	}

	c, err := ws.Investigate(ctx, investigate.MustParseAccessKeyID(userKey), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.AttackSequences) != 1 {
		t.Fatalf("%d sequences in the case", len(c.AttackSequences))
	}
	cs := c.AttackSequences[0]
	status := map[string]investigate.SignalResolution{}
	for _, s := range cs.Signals {
		status[s.Name] = s.Resolution
	}
	want := map[string]string{
		"Discovery:IAMUser/AnomalousBehavior": investigate.SignalMatched,
		"cloudtrail:StopLogging":              investigate.SignalMatched,
		"Recon:IAMUser/MaliciousIPCaller":     investigate.SignalMatched,
		"iam:CreateAccessKey":                 investigate.SignalNotInCase,
		"s3:GetObject":                        investigate.SignalNotInCase,
	}
	for name, st := range want {
		if status[name].Status != st {
			t.Errorf("%s: %+v, want %s", name, status[name], st)
		}
	}
	if r := status["cloudtrail:StopLogging"]; !slices.Equal(r.EventIDs, []string{fanouttest.StopLoggingEvent}) || r.MatchedBy != investigate.MatchedByAPITime {
		t.Errorf("StopLogging resolved to %+v", r)
	}
	if r := status["Discovery:IAMUser/AnomalousBehavior"]; !slices.Equal(r.AlertIDs, []string{"6ac7d2dc0fd24a9bb4f1c4f2b2b9a002"}) || r.MatchedBy != investigate.MatchedByFindingID {
		t.Errorf("the discovery finding resolved to %+v", r)
	}
	if r := status["s3:GetObject"]; !strings.Contains(r.Note, "the case's sources hold no S3 data event") {
		t.Errorf("S3 signal note %q", r.Note)
	}
	if cs.ResolvedSignals != 3 {
		t.Errorf("%d signals resolved", cs.ResolvedSignals)
	}

	var text, md, js bytes.Buffer
	if err := report.Text(&text, c, report.Options{Width: 100}); err != nil {
		t.Fatal(err)
	}
	if err := report.Markdown(&md, c, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := report.CaseJSON(&js, c); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("SHOWSEQ") != "" {
		t.Log("\n" + text.String() + "\n" + md.String())
	}
	for _, want := range []string{"ATTACK SEQUENCES  1", "GuardDuty finding " + gdtest.SampleAttackSequenceID, "AttackSequence:IAM/CompromisedCredentials", "3 of 5 signals in the case", "event " + fanouttest.StopLoggingEvent,
		"alert 6ac7d2dc0fd24a9bb4f1c4f2b2b9a002", "not in case: no CloudTrail event of iam:CreateAccessKey signed by " + userKey} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	for _, want := range []string{"## Attack sequences", "### AttackSequence:IAM/CompromisedCredentials — critical", "| In the case | 3 of 5 signals in the case |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	var doc struct {
		AttackSequences []struct {
			FindingID string `json:"finding_id"`
			Signals   []struct {
				Name       string `json:"name"`
				Resolution struct {
					Status   string   `json:"status"`
					EventIDs []string `json:"event_ids"`
				} `json:"resolution"`
			} `json:"signals"`
		} `json:"attack_sequences"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || len(doc.AttackSequences) != 1 || doc.AttackSequences[0].FindingID != gdtest.SampleAttackSequenceID {
		t.Fatalf("JSON: %v %+v", err, doc)
	}
	for _, s := range doc.AttackSequences[0].Signals {
		if s.Name == "cloudtrail:StopLogging" && (s.Resolution.Status != "matched" || !slices.Equal(s.Resolution.EventIDs, []string{fanouttest.StopLoggingEvent})) {
			t.Errorf("JSON StopLogging %+v", s)
		}
	}
}
