package guardduty_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	gd "github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	gdtest "github.com/keypivot/keypivot/internal/testserver/guardduty"
)

// The sample attack sequence goes over the wire as the API sends it and the SDK reads
// it back whole: its sequence's signals (times as epoch seconds on the wire), actors
// with their credentials, endpoints and resources. Only the type criterion finds it,
// never the access-key one: the key is in its actors.
func TestAttackSequenceOverTheWire(t *testing.T) {
	s := gdtest.New(t, gdtest.WithAccountID("143434273843"))
	wire := gdtest.SampleAttackSequence("143434273843", "us-east-1", "")
	seqWire := wire["service"].(map[string]any)["detection"].(map[string]any)["sequence"].(map[string]any)
	sig := seqWire["signals"].([]any)[1].(map[string]any)
	if _, isString := sig["firstSeenAt"].(string); isString || sig["uid"] == nil || sig["signalIndicators"] == nil {
		t.Errorf("signal on the wire: %v", sig)
	}
	acct := seqWire["actors"].([]any)[0].(map[string]any)["user"].(map[string]any)["account"].(map[string]any)
	if acct["account"] != "stratus-lab" || acct["uid"] != "143434273843" {
		t.Errorf("the account's name goes on the wire as \"account\": %v", acct)
	}
	if err := s.AddFindings("us-east-1", append(gdtest.SampleFindings("143434273843", "us-east-1", ""), wire)...); err != nil {
		t.Fatal(err)
	}
	c := client(s, "us-east-1", "AKIDANY", "any", 1)
	ctx := context.Background()
	det := s.DetectorID("us-east-1", 0)
	list := func(crit map[string]types.Condition) []string {
		t.Helper()
		out, err := c.ListFindings(ctx, &gd.ListFindingsInput{DetectorId: &det, FindingCriteria: &types.FindingCriteria{Criterion: crit}})
		if err != nil {
			t.Fatal(err)
		}
		return out.FindingIds
	}
	if ids := list(map[string]types.Condition{"resource.accessKeyDetails.accessKeyId": {Equals: []string{key}}}); slices.Contains(ids, gdtest.SampleAttackSequenceID) {
		t.Errorf("the accessKeyId criterion found the sequence: %v", ids)
	}
	ids := list(map[string]types.Condition{"type": {Equals: []string{"AttackSequence:IAM/CompromisedCredentials", "AttackSequence:S3/CompromisedData"}}})
	if len(ids) != 1 || ids[0] != gdtest.SampleAttackSequenceID {
		t.Fatalf("by type: %v", ids)
	}
	out, err := c.GetFindings(ctx, &gd.GetFindingsInput{DetectorId: &det, FindingIds: ids})
	if err != nil || len(out.Findings) != 1 {
		t.Fatalf("GetFindings: %v %+v", err, out)
	}
	f := out.Findings[0]
	if f.Service == nil || f.Service.Detection == nil || f.Service.Detection.Sequence == nil {
		t.Fatalf("no sequence read back: %+v", f.Service)
	}
	seq := f.Service.Detection.Sequence
	if aws.ToString(seq.Uid) == "" || len(seq.Signals) != 5 || len(seq.Actors) != 1 || len(seq.Endpoints) != 2 || len(seq.Resources) != 1 || len(seq.SequenceIndicators) != 4 {
		t.Fatalf("sequence %+v", seq)
	}
	u := seq.Actors[0].User
	if aws.ToString(u.CredentialUid) != key || aws.ToString(u.Account.Name) != "stratus-lab" || seq.Actors[0].Session.MfaStatus != types.MfaStatusDisabled {
		t.Errorf("actor %+v", u)
	}
	st := seq.Signals[1]
	want := time.Date(2024, 7, 31, 13, 6, 24, 0, time.UTC)
	if st.Type != types.SignalTypeCloudTrail || aws.ToString(st.Name) != "cloudtrail:StopLogging" || !aws.ToTime(st.FirstSeenAt).Equal(want) ||
		aws.ToInt32(st.Count) != 1 || aws.ToFloat64(st.Severity) != 8 || st.SignalIndicators[0].Key != types.IndicatorTypeHighRiskApi {
		t.Errorf("signal %+v", st)
	}
	if e := seq.Endpoints[0]; aws.ToString(e.Ip) != "86.245.153.234" || aws.ToInt32(e.AutonomousSystem.Number) != 3215 || aws.ToFloat64(e.Location.Latitude) != 45.7485 {
		t.Errorf("endpoint %+v", e)
	}
	if r := seq.Resources[0]; r.ResourceType != types.FindingResourceTypeS3Bucket {
		t.Errorf("resource %+v", r)
	}
	if aws.ToString(f.Resource.ResourceType) != "AttackSequence" || f.Resource.AccessKeyDetails != nil {
		t.Errorf("the finding's resource is the sequence, not a key: %+v", f.Resource)
	}
	// A replaced credential goes where the key is.
	other := gdtest.SampleAttackSequence("143434273843", "us-east-1", "AKIAOTHERKEY00000001")
	u2 := other["service"].(map[string]any)["detection"].(map[string]any)["sequence"].(map[string]any)["actors"].([]any)[0].(map[string]any)["user"].(map[string]any)
	if u2["credentialUid"] != "AKIAOTHERKEY00000001" {
		t.Errorf("credential not replaced: %v", u2)
	}
}
