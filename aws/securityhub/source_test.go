package securityhub

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sh "github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/alertdoc"
)

const (
	gdKey    = "AKIA4XQJ7ZK3PEXAMPLE" // the GuardDuty finding of the ASFF sample
	otherKey = "AKIAGGWFBBHBE7D3M9WI"
)

// asffSamples are real ASFF findings: the sample of `aws securityhub get-findings`
// output in alertdoc's testdata (a GuardDuty finding about an access key, a Security Hub
// control finding about a user), plus variants of the first: another finding type for
// another key, and an archived one.
func asffSamples(t *testing.T) []map[string]any {
	t.Helper()
	b, err := os.ReadFile("../../investigate/alertdoc/testdata/securityhub-get-findings.json")
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Findings []map[string]any }
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	clone := func(m map[string]any) map[string]any {
		b, _ := json.Marshal(m)
		var c map[string]any
		_ = json.Unmarshal(b, &c)
		return c
	}
	second := clone(out.Findings[0])
	second["Id"] = "arn:aws:guardduty:us-east-1:210987654321:detector/5ec7a1b2c3d4e5f60718293a4b5c6d/finding/second"
	second["Types"] = []any{"TTPs/Defense Evasion/Stealth:IAMUser-CloudTrailLoggingDisabled"}
	second["Title"] = "CloudTrail logging disabled"
	second["Severity"] = map[string]any{"Label": "HIGH", "Normalized": 70}
	second["Resources"].([]any)[0].(map[string]any)["Id"] = "AWS::IAM::AccessKey:" + otherKey
	archived := clone(out.Findings[0])
	archived["Id"] = archived["Id"].(string) + "/archived"
	archived["RecordState"] = "ARCHIVED"
	return append(out.Findings, second, archived)
}

func session(t *testing.T, srv *moto.Server) *awsconfig.Session {
	t.Helper()
	s, err := awsconfig.FromConfig(context.Background(), srv.AWSConfig(t, "us-east-1"), awsconfig.Options{Profile: "test", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// importFindings puts findings into moto's Security Hub in region.
func importFindings(t *testing.T, srv *moto.Server, region string, findings []map[string]any) {
	t.Helper()
	b, _ := json.Marshal(findings)
	var asff []types.AwsSecurityFinding
	if err := json.Unmarshal(b, &asff); err != nil {
		t.Fatalf("the samples are not ASFF the SDK reads: %v", err)
	}
	c := sh.NewFromConfig(srv.AWSConfig(t, region))
	out, err := c.BatchImportFindings(context.Background(), &sh.BatchImportFindingsInput{Findings: asff})
	if err != nil || aws.ToInt32(out.FailedCount) != 0 {
		t.Fatalf("BatchImportFindings: %v %+v", err, out)
	}
}

func read(t *testing.T, src *Source, q investigate.AlertQuery) ([]investigate.Alert, investigate.SourceReport) {
	t.Helper()
	var mu sync.Mutex
	var got []investigate.Alert
	rep, err := src.Alerts(context.Background(), q, func(b []investigate.Alert) {
		mu.Lock()
		got = append(got, b...)
		mu.Unlock()
	})
	if err != nil {
		t.Fatalf("Alerts: %v (%+v)", err, rep)
	}
	return got, rep
}

func TestFindingsImportedInMotoAreReadBackAsAlerts(t *testing.T) {
	srv := moto.Start(t)
	samples := asffSamples(t)
	importFindings(t, srv, "us-east-1", samples)
	src := &Source{Session: session(t, srv), Regions: []string{"us-east-1"}}
	got, rep := read(t, src, investigate.AlertQuery{})

	// The user finding has no access key and the archived one is not ACTIVE.
	if len(got) != 2 || rep.Records < 2 || rep.Matched != 2 {
		t.Fatalf("%d alerts, report %+v", len(got), rep)
	}
	want, err := alertdoc.FromASFF(samples[0])
	if err != nil {
		t.Fatal(err)
	}
	var first investigate.Alert
	for _, a := range got {
		if a.ID == want.ID {
			first = a
		}
	}
	first.Origin = ""
	gj, _ := json.Marshal(first)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Errorf("read back through keypivot:\n got %s\nwant %s", gj, wj)
	}
	if first.AccessKeyID != gdKey || first.Provider != investigate.ProviderSecurityHub || first.Severity != investigate.SeverityMedium || first.RiskScore != 50 {
		t.Errorf("mapped %+v", first)
	}
	if len(rep.Regions) != 1 || rep.Regions[0].Status != investigate.RegionSearched || rep.Regions[0].Account != "123456789012" {
		t.Errorf("regions %+v", rep.Regions)
	}
}

func TestKeyQueryKeepsOnlyThatKey(t *testing.T) {
	srv := moto.Start(t)
	importFindings(t, srv, "us-east-1", asffSamples(t))
	src := &Source{Session: session(t, srv), Regions: []string{"us-east-1"}}
	got, _ := read(t, src, investigate.AlertQuery{AccessKeys: []string{otherKey}})
	if len(got) != 1 || got[0].AccessKeyID != otherKey || got[0].Severity != investigate.SeverityHigh {
		t.Fatalf("%+v", got)
	}
	f := filters(investigate.AlertQuery{AccessKeys: []string{otherKey}})
	var ids []string
	for _, r := range f.ResourceId {
		ids = append(ids, aws.ToString(r.Value))
	}
	if !slices.Contains(ids, "AWS::IAM::AccessKey:"+otherKey) || aws.ToString(f.ResourceType[0].Value) != "AwsIamAccessKey" || aws.ToString(f.RecordState[0].Value) != "ACTIVE" {
		t.Errorf("filters %+v", f)
	}
}

func TestEveryRegionWithoutAnAggregator(t *testing.T) {
	srv := moto.Start(t)
	importFindings(t, srv, "eu-west-1", asffSamples(t)[:1])
	sess := session(t, srv)
	src := &Source{Session: sess, ListRegions: func(context.Context) ([]string, error) {
		return []string{"us-east-1", "eu-west-1"}, nil
	}}
	got, rep := read(t, src, investigate.AlertQuery{})
	if len(got) != 1 || got[0].AccessKeyID != gdKey || !strings.HasSuffix(got[0].Origin, "eu-west-1") {
		t.Fatalf("%+v", got)
	}
	if len(rep.Regions) != 2 || len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "every region") {
		t.Errorf("report %+v", rep)
	}
}

// The session is read-only: reads go through, and a write is still refused before it
// leaves the process.
func TestReadOnlySessionReadsButNeverWrites(t *testing.T) {
	srv := moto.Start(t)
	c := (&Source{Session: session(t, srv)}).clientFor("us-east-1")
	if _, err := c.GetFindings(context.Background(), &sh.GetFindingsInput{}); err != nil {
		t.Fatalf("read refused: %v", err)
	}
	_, err := c.BatchImportFindings(context.Background(), &sh.BatchImportFindingsInput{Findings: []types.AwsSecurityFinding{{Id: aws.String("x")}}})
	if !errors.Is(err, investigate.ErrReadOnly) || !strings.Contains(err.Error(), "BatchImportFindings") {
		t.Fatalf("write under --read-only: %v", err)
	}
}
