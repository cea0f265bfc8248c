package alertdoc

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	gdtest "github.com/keypivot/keypivot/internal/testserver/guardduty"
	"github.com/keypivot/keypivot/investigate"
)

const (
	seqKey      = "AKIAGGWFBBHBE7D3M9WI"
	seqFindings = "../../internal/testserver/guardduty/samples/attack-sequence.json" // `aws guardduty get-findings`
)

// cliSequence is the sample attack-sequence finding as the AWS CLI prints it.
func cliSequence(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(seqFindings)
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Findings []map[string]any }
	if err := json.Unmarshal(b, &out); err != nil || len(out.Findings) != 1 {
		t.Fatalf("%s: %v", seqFindings, err)
	}
	return out.Findings[0]
}

// decoded is v as a JSON decoder gives it: numbers as float64.
func decoded(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func mapNoProblems(t *testing.T, mapf func(map[string]any) (investigate.Alert, []FieldProblem, error), doc map[string]any) investigate.Alert {
	t.Helper()
	a, probs, err := mapf(doc)
	if err != nil || len(probs) > 0 {
		t.Fatalf("err %v, problems %v", err, probs)
	}
	return a
}

// A GuardDuty attack sequence is read from every form GuardDuty gives it in (the CLI's
// PascalCase with ISO times, the API's camelCase with epoch seconds, an EventBridge
// event), to the same sequence, and filed under its actor's key: the finding's own
// resource is the sequence, not the key.
func TestGuardDutyAttackSequenceInEveryForm(t *testing.T) {
	cli := cliSequence(t)
	a := mapNoProblems(t, MapGuardDuty, cli)
	if a.RuleID != "AttackSequence:IAM/CompromisedCredentials" || a.Severity != investigate.SeverityCritical || a.RiskScore != 90 ||
		a.AccessKeyID != seqKey || a.UserName != "christophe" || a.IdentityType != "IAMUser" || a.Account != "143434273843" {
		t.Errorf("finding %+v", a)
	}
	s := a.Sequence
	if s == nil {
		t.Fatal("no sequence")
	}
	if s.UID != "a1f3c5e7b9d24f6081a3c5e7b9d24f60" || !strings.HasPrefix(s.Description, "Potential credential compromise") || len(s.Signals) != 5 ||
		len(s.Actors) != 1 || len(s.Endpoints) != 2 || len(s.Resources) != 1 || len(s.Indicators) != 4 {
		t.Fatalf("sequence %+v", s)
	}
	act := s.Actors[0]
	if act.CredentialUID != seqKey || act.AccountName != "stratus-lab" || act.Account != "143434273843" || act.MFAStatus != "DISABLED" || act.UserUID != "AIDAOC1SYDVN0AF0FMMR" {
		t.Errorf("actor %+v", act)
	}
	if e := s.Endpoints[0]; e.IP != "86.245.153.234" || e.ASN != 3215 || e.ASOrg != "Orange S.A." || e.Country != "France" || e.City != "Lyon" {
		t.Errorf("endpoint %+v", e)
	}
	if r := s.Resources[0]; r.Type != "S3_BUCKET" || r.Account != "143434273843" || r.Name == "" {
		t.Errorf("resource %+v", r)
	}
	stop := s.Signals[1]
	at := time.Date(2024, 7, 31, 13, 6, 24, 0, time.UTC)
	if stop.Type != investigate.SignalCloudTrail || stop.Name != "cloudtrail:StopLogging" || stop.Count != 1 || stop.SeverityScore != 8 ||
		stop.Severity != investigate.SeverityHigh || !stop.FirstSeen.Equal(at) || !stop.LastSeen.Equal(at) || len(stop.ActorIDs) != 1 ||
		len(stop.Indicators) != 2 || stop.Indicators[0].Key != "HIGH_RISK_API" {
		t.Errorf("signal %+v", stop)
	}
	if got := s.Signals[4].ResourceIDs; len(got) != 1 || !strings.HasPrefix(got[0], "arn:aws:s3:::") {
		t.Errorf("an S3 signal's resources %v", got)
	}
	want, _ := json.Marshal(s)

	// The API's form: camelCase, epoch seconds, the account's name as "account".
	wire := decoded(t, gdtest.SampleAttackSequence("143434273843", "us-east-1", ""))
	w := mapNoProblems(t, MapGuardDuty, wire)
	if got, _ := json.Marshal(w.Sequence); !bytes.Equal(got, want) || w.AccessKeyID != seqKey {
		t.Errorf("from the API's form:\n got %s\nwant %s", got, want)
	}
	// EventBridge delivers the API's form under detail.
	ev := map[string]any{"version": "0", "source": "aws.guardduty", "detail-type": "GuardDuty Finding", "detail": wire}
	e := mapNoProblems(t, MapGuardDuty, ev)
	if got, _ := json.Marshal(e.Sequence); !bytes.Equal(got, want) {
		t.Errorf("from EventBridge:\n got %s\nwant %s", got, want)
	}
}

// Security Hub carries the same sequence under Detection.Sequence, with signal ids,
// times in epoch milliseconds and ResourceIds: read to the same story, under the
// GuardDuty finding type, filed under the actor's key (its resource is the user, not an
// AwsIamAccessKey).
func TestASFFAttackSequence(t *testing.T) {
	f := findings(t, "securityhub-attack-sequence.json")[0]
	a := mapNoProblems(t, MapASFF, f)
	if a.RuleID != "AttackSequence:IAM/CompromisedCredentials" || a.Provider != investigate.ProviderSecurityHub || a.Severity != investigate.SeverityCritical ||
		a.AccessKeyID != seqKey || a.UserName != "christophe" || a.Status != investigate.WorkflowOpen {
		t.Errorf("finding %+v", a)
	}
	g := mapNoProblems(t, MapGuardDuty, cliSequence(t))
	s, gs := a.Sequence, g.Sequence
	if s == nil || s.UID != gs.UID || len(s.Signals) != len(gs.Signals) || len(s.Actors) != 1 || len(s.Endpoints) != 2 || len(s.Resources) != 0 || len(s.Indicators) != 4 {
		t.Fatalf("sequence %+v", s)
	}
	for i, sg := range s.Signals {
		want := gs.Signals[i]
		if sg.Name != want.Name || sg.Type != want.Type || !sg.FirstSeen.Equal(want.FirstSeen) || !sg.LastSeen.Equal(want.LastSeen) || sg.Count != want.Count ||
			sg.Severity != want.Severity || sg.Title == "" || len(sg.ResourceIDs) != len(want.ResourceIDs) {
			t.Errorf("signal %d: %+v\nwant (GuardDuty's) %+v", i, sg, want)
		}
	}
	if id := s.Signals[0].UID; !strings.HasSuffix(id, "/finding/"+gs.Signals[0].UID) {
		t.Errorf("a FINDING signal's id in ASFF: %q", id)
	}
}

// Fields of the wrong type in a sequence are problems named by their path; the finding
// and the rest of its sequence are kept.
func TestSequenceFieldProblemsKeepTheFinding(t *testing.T) {
	f := cliSequence(t)
	seq := f["Service"].(map[string]any)["Detection"].(map[string]any)["Sequence"].(map[string]any)
	sig := seq["Signals"].([]any)[1].(map[string]any)
	sig["FirstSeenAt"] = "yesterday"
	sig["Count"] = -3
	seq["Actors"].([]any)[0].(map[string]any)["User"].(map[string]any)["CredentialUid"] = map[string]any{"nested": true}
	a, probs, err := MapGuardDuty(f)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, p := range probs {
		fields = append(fields, p.Field)
	}
	joined := strings.Join(fields, " ")
	for _, want := range []string{"Service.Detection.Sequence.Signals[1].FirstSeenAt", "Service.Detection.Sequence.Signals[1].Count", "Service.Detection.Sequence.Actors[0].User.CredentialUid"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no problem for %s in %v", want, probs)
		}
	}
	if a.Sequence == nil || len(a.Sequence.Signals) != 5 || !a.Sequence.Signals[1].FirstSeen.IsZero() || a.Sequence.Signals[1].Count != 0 {
		t.Errorf("sequence kept %+v", a.Sequence)
	}
	// Without its credential the sequence names no key, and the finding is no key's.
	if a.AccessKeyID != "" {
		t.Errorf("filed under %q", a.AccessKeyID)
	}
}

// An export holding the sequence answers a case's query for the key its actor used.
func TestParsedExportKeepsTheSequenceForItsKey(t *testing.T) {
	b, err := os.ReadFile(seqFindings)
	if err != nil {
		t.Fatal(err)
	}
	var got []investigate.Alert
	rep := Parse("gd.json", bytes.NewReader(b), investigate.AlertQuery{AccessKeys: investigate.KeyIDs(seqKey)}, func(b []investigate.Alert) { got = append(got, b...) })
	if len(got) != 1 || got[0].Sequence == nil || got[0].Origin == "" || got[0].Raw == nil || len(rep.Problems) > 0 {
		t.Fatalf("%d alerts, report %+v", len(got), rep)
	}
	got = nil
	Parse("gd.json", bytes.NewReader(b), investigate.AlertQuery{AccessKeys: investigate.KeyIDs("AKIAOTHERKEY00000001")}, func(b []investigate.Alert) { got = append(got, b...) })
	if len(got) != 0 {
		t.Errorf("kept for a key its actors did not use: %+v", got)
	}
}
