package securityhub

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sh "github.com/aws/aws-sdk-go-v2/service/securityhub"

	"github.com/keypivot/keypivot/aws/fanout/fanouttest"
	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// seqKey is the actor of the ASFF attack sequence (the corpus's christophe).
const seqKey = "AKIAGGWFBBHBE7D3M9WI"

// asffSequence is GuardDuty's attack sequence as Security Hub carries it (ASFF,
// Detection.Sequence), from alertdoc's testdata.
func asffSequence(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../../files/alertdoc/testdata/securityhub-attack-sequence.json")
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Findings []map[string]any }
	if err := json.Unmarshal(b, &out); err != nil || len(out.Findings) != 1 {
		t.Fatalf("attack sequence sample: %v", err)
	}
	return out.Findings[0]
}

// moto 5.2.1 keeps an imported finding whole: Detection.Sequence comes back from
// GetFindings as it went in, so the test reads what Security Hub would give.
func TestMotoKeepsTheSequenceOfAnImportedFinding(t *testing.T) {
	srv := moto.Start(t)
	importFindings(t, srv, "us-east-1", []map[string]any{asffSequence(t)})
	out, err := sh.NewFromConfig(srv.AWSConfig(t, "us-east-1")).GetFindings(context.Background(), &sh.GetFindingsInput{})
	if err != nil || len(out.Findings) != 1 {
		t.Fatalf("GetFindings: %v, %d findings", err, len(out.Findings))
	}
	d := out.Findings[0].Detection
	if d == nil || d.Sequence == nil || len(d.Sequence.Signals) != 5 || len(d.Sequence.Actors) != 1 ||
		aws.ToString(d.Sequence.Actors[0].User.CredentialUid) != seqKey || aws.ToInt64(d.Sequence.Signals[1].FirstSeenAt) != time.Date(2024, 7, 31, 13, 6, 24, 0, time.UTC).UnixMilli() {
		t.Fatalf("moto dropped or changed the sequence: %+v", d)
	}
}

// Imported into moto's Security Hub, read back by the source (its second reading, by
// type: the sequence has no AwsIamAccessKey resource), the sequence ranks its actor's key
// first, resolves against the key's real CloudTrail records, and is rendered.
func TestSecurityHubSequenceRankedResolvedAndRendered(t *testing.T) {
	srv := moto.Start(t)
	importFindings(t, srv, "us-east-1", append(asffSamples(t), asffSequence(t)))
	src := &Source{Session: session(t, srv), Regions: []string{"us-east-1"}}

	// The samples hold a finding of the same key (otherKey); the sequence is read besides.
	got, rep := fanouttest.Read(t, src, investigate.AlertQuery{AccessKeys: investigate.KeyIDs(seqKey)})
	i := slices.IndexFunc(got, func(a investigate.Alert) bool { return a.Sequence != nil })
	if len(got) != 2 || i < 0 {
		t.Fatalf("read for %s: %d alerts, sequence at %d", seqKey, len(got), i)
	}
	if a := got[i]; a.AccessKeyID != seqKey || a.RuleID != "AttackSequence:IAM/CompromisedCredentials" || a.Provider != investigate.ProviderSecurityHub ||
		a.Severity != investigate.SeverityCritical || len(a.Sequence.Signals) != 5 {
		t.Errorf("sequence alert %s: key %s, %s, %s, %s, %d signals", a.ID, a.AccessKeyID, a.RuleID, a.Provider, a.Severity, len(a.Sequence.Signals))
	}
	if note := strings.Join(rep.Notes, "\n"); !strings.Contains(note, `read by Type containing "AttackSequence:"`) || !strings.Contains(note, "1 finding read, 1 kept whose actors used "+seqKey) {
		t.Errorf("notes %q", note)
	}
	if rep.Records != int64(len(asffSamples(t))+1) {
		t.Errorf("%d findings read, want each once (%d)", rep.Records, len(asffSamples(t))+1)
	}

	sourcetest.RequireCorpus(t, fanouttest.StopLoggingCorpus)
	ws, rk := fanouttest.StopLoggingWorkspace(t, src)
	ctx := context.Background()
	if len(rk.Keys) < 2 || rk.Keys[0].Key.String() != seqKey || rk.Keys[0].Basis != investigate.BasisAttackSequence || rk.Stats.AttackSequences != 1 {
		t.Fatalf("ranking %+v", rk.Keys)
	}
	if rk.Keys[1].Basis != investigate.BasisAWSFinding {
		t.Errorf("the sample's finding key ranks after, on its finding: %+v", rk.Keys[1])
	}

	c, err := ws.Investigate(ctx, investigate.MustParseAccessKeyID(seqKey), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.AttackSequences) != 1 {
		t.Fatalf("%d sequences", len(c.AttackSequences))
	}
	cs := c.AttackSequences[0]
	if cs.Provider != investigate.ProviderSecurityHub || cs.ResolvedSignals != 1 || len(cs.Resources) != 0 {
		t.Errorf("sequence %s from %s: %d resolved", cs.FindingID, cs.Provider, cs.ResolvedSignals)
	}
	for _, s := range cs.Signals {
		r := s.Resolution
		switch s.Name {
		case "cloudtrail:StopLogging":
			if r.Status != investigate.SignalMatched || !slices.Equal(r.EventIDs, []string{fanouttest.StopLoggingEvent}) {
				t.Errorf("StopLogging: %+v", r)
			}
		case "Discovery:IAMUser/AnomalousBehavior":
			// Its finding is GuardDuty's, not read here: said, with the id looked for.
			if r.Status != investigate.SignalNotInCase || !strings.Contains(r.Note, "6ac7d2dc0fd24a9bb4f1c4f2b2b9a002") {
				t.Errorf("the discovery finding: %+v", r)
			}
		}
	}
	var text, md bytes.Buffer
	if err := report.Text(&text, c, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := report.Markdown(&md, c, report.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ATTACK SEQUENCES  1", "Security Hub finding", "1 of 5 signals in the case", fanouttest.StopLoggingEvent} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if !strings.Contains(md.String(), "| Finding | `arn:aws:guardduty:us-east-1:143434273843:detector/12abc34d567e8fa901bc2d34e56789f0/finding/6ac7d2dc0fd24a9bb4f1c4f2b2b9a0a5` (Security Hub, open) |") {
		t.Errorf("Markdown:\n%s", md.String())
	}
}
