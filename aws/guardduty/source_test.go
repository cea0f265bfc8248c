package guardduty

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/aws/fanout/fanouttest"
	"github.com/keypivot/keypivot/files/alertdoc"
	gdtest "github.com/keypivot/keypivot/internal/testserver/guardduty"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

const userKey = "AKIAGGWFBBHBE7D3M9WI" // the IAM user key of the sample findings

// env is a read-only session (its identity from moto's STS) whose GuardDuty calls go to
// the GuardDuty test server.
func env(t *testing.T) (*awsconfig.Session, *gdtest.Server) {
	t.Helper()
	srv := moto.Start(t)
	sess, err := awsconfig.FromConfig(context.Background(), srv.AWSConfig(t, "us-east-1"), awsconfig.Options{Profile: "test", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	g := gdtest.New(t, gdtest.WithAccountID(sess.Identity.Account))
	sess.Config.BaseEndpoint = aws.String(g.URL())
	return sess, g
}

func TestFindingsAreReadAndMappedWithTheirSeverity(t *testing.T) {
	sess, g := env(t)
	if err := g.AddFindings("us-east-1", gdtest.SampleFindings(sess.Identity.Account, "us-east-1", "")...); err != nil {
		t.Fatal(err)
	}
	got, rep := fanouttest.Read(t, &Source{Session: sess, Regions: []string{"us-east-1"}}, investigate.AlertQuery{})
	if len(got) != 3 || rep.Records != 3 || rep.Matched != 3 {
		t.Fatalf("%d alerts, report %+v", len(got), rep)
	}
	// The same findings as the AWS CLI prints them, mapped by alertdoc.
	var cli struct{ Findings []map[string]any }
	if err := json.Unmarshal(gdtest.SampleFindingsCLI(), &cli); err != nil {
		t.Fatal(err)
	}
	want := map[string]investigate.Alert{}
	for _, f := range cli.Findings {
		a, err := alertdoc.FromGuardDuty(f)
		if err != nil {
			t.Fatal(err)
		}
		want[a.RuleID] = a
	}
	for _, a := range got {
		w, ok := want[a.RuleID]
		if !ok {
			t.Errorf("unexpected finding %s", a.RuleID)
			continue
		}
		if a.AccessKeyID != w.AccessKeyID || a.Severity != w.Severity || a.RiskScore != w.RiskScore || a.SourceIP != w.SourceIP ||
			a.Action != w.Action || a.UserName != w.UserName || a.Provider != investigate.ProviderGuardDuty || a.Status != investigate.WorkflowOpen {
			t.Errorf("%s:\n got %+v\nwant %+v", a.RuleID, a, w)
		}
		if !strings.HasPrefix(a.Origin, "guardduty us-east-1 detector ") {
			t.Errorf("origin %q", a.Origin)
		}
	}
	if w := want["UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"]; w.Severity != investigate.SeverityHigh {
		t.Errorf("severity 8 is %v", w.Severity)
	}
	// The ranking asks for every access-key finding.
	body := firstBody(t, g, gdtest.OpListFindings)
	if !strings.Contains(body, `"resource.resourceType"`) || !strings.Contains(body, `"AccessKey"`) {
		t.Errorf("ListFindings criteria %s", body)
	}
}

// firstBody is the body of the first op request: for ListFindings, the listing by key
// (the attack-sequence listing comes after it).
func firstBody(t *testing.T, g *gdtest.Server, op string) string {
	t.Helper()
	for _, r := range g.RequestLog() {
		if r.Operation == op {
			return string(r.Body)
		}
	}
	return ""
}

func TestKeyQueryUsesTheAccessKeyCriterionAndBatchesOf50(t *testing.T) {
	sess, g := env(t)
	base := gdtest.SampleFindings(sess.Identity.Account, "us-east-1", userKey)[1]
	var many []map[string]any
	for i := range 120 {
		f := fanouttest.Copy(t, base)
		f["id"] = fmt.Sprintf("%032x", i)
		many = append(many, f)
	}
	other := gdtest.SampleFindings(sess.Identity.Account, "us-east-1", "AKIAOTHERKEY00000000")[2]
	if err := g.AddFindings("us-east-1", append(many, other)...); err != nil {
		t.Fatal(err)
	}
	got, rep := fanouttest.Read(t, &Source{Session: sess, Regions: []string{"us-east-1"}}, investigate.AlertQuery{AccessKeys: investigate.KeyIDs(userKey)})
	if len(got) != 120 || rep.Matched != 120 {
		t.Fatalf("%d alerts, report %+v", len(got), rep)
	}
	for _, a := range got {
		if a.AccessKeyID != userKey {
			t.Fatalf("finding of %s returned", a.AccessKeyID)
		}
	}
	if n := g.Requests(gdtest.OpGetFindings); n != 3 {
		t.Errorf("%d GetFindings calls for 120 findings, want 3", n)
	}
	for _, r := range g.RequestLog() {
		if r.Operation != gdtest.OpGetFindings {
			continue
		}
		var in struct{ FindingIds []string }
		_ = json.Unmarshal(r.Body, &in)
		if len(in.FindingIds) == 0 || len(in.FindingIds) > 50 {
			t.Errorf("GetFindings with %d ids", len(in.FindingIds))
		}
	}
	if body := firstBody(t, g, gdtest.OpListFindings); !strings.Contains(body, `"resource.accessKeyDetails.accessKeyId"`) || !strings.Contains(body, userKey) {
		t.Errorf("ListFindings criteria %s", body)
	}
	if rep.Regions[0].Pages != 4 {
		t.Errorf("%d pages, want 3 of the key listing and 1 of the attack-sequence listing", rep.Regions[0].Pages)
	}
}

func TestEveryRegionIsSearchedAndFailuresAreSaid(t *testing.T) {
	sess, g := env(t)
	if err := g.AddFindings("eu-west-1", gdtest.SampleFindings(sess.Identity.Account, "eu-west-1", "")...); err != nil {
		t.Fatal(err)
	}
	g.AddDetector("us-west-2")
	g.DisableRegion("ap-east-1")
	g.InjectFault(gdtest.Fault{Region: "us-west-2", Operation: gdtest.OpListFindings, Status: http.StatusInternalServerError, Times: -1})
	src := &Source{Session: sess, ListRegions: func(context.Context) ([]string, error) {
		return []string{"us-east-1", "eu-west-1", "us-west-2", "ap-east-1"}, nil
	}}
	got, rep := fanouttest.Read(t, src, investigate.AlertQuery{})
	if len(got) != 3 {
		t.Fatalf("%d alerts", len(got))
	}
	status := map[string]string{}
	for _, r := range rep.Regions {
		status[r.Region] = r.Status
	}
	want := map[string]string{"us-east-1": investigate.RegionSkipped, "eu-west-1": investigate.RegionSearched, "us-west-2": investigate.RegionFailed, "ap-east-1": investigate.RegionSkipped}
	for r, s := range want {
		if status[r] != s {
			t.Errorf("%s: %s, want %s (%+v)", r, status[r], s, rep.Regions)
		}
	}
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Where, "us-west-2") {
		t.Errorf("problems %+v", rep.Problems)
	}
	if !slices.ContainsFunc(rep.Regions, func(r investigate.RegionStatus) bool {
		return r.Region == "us-east-1" && strings.Contains(r.Error, "no detector")
	}) {
		t.Errorf("no detector not said: %+v", rep.Regions)
	}
}

// A source of only failed regions is an error, with the cause.
func TestNoRegionReadableIsAnError(t *testing.T) {
	sess, g := env(t)
	g.AddDetector("us-east-1")
	g.InjectFault(gdtest.Fault{Operation: gdtest.OpListFindings, Status: http.StatusForbidden, Code: "AccessDeniedException", Message: "User is not authorized to perform: guardduty:ListFindings", Times: -1})
	_, err := (&Source{Session: sess, Regions: []string{"us-east-1"}}).Alerts(context.Background(), investigate.AlertQuery{}, func([]investigate.Alert) {})
	if err == nil || !strings.Contains(err.Error(), "guardduty:ListFindings") {
		t.Fatalf("err = %v", err)
	}
}

// A finding that cannot be mapped is a problem (the first ten one by one, then a
// count), kept apart from findings that simply name no access key (a note).
func TestUnreadableFindingsAreProblems(t *testing.T) {
	sess, g := env(t)
	findings := gdtest.SampleFindings(sess.Identity.Account, "us-east-1", "")
	keyless := fanouttest.Copy(t, findings[0])
	keyless["id"] = "keyless0000000000000000000000000"
	delete(keyless["resource"].(map[string]any)["accessKeyDetails"].(map[string]any), "accessKeyId")
	findings = append(findings, keyless)
	for i := range investigate.DefaultMaxProblems + 3 {
		bad := fanouttest.Copy(t, findings[1])
		bad["id"] = fmt.Sprintf("unreadable%022d", i)
		bad["type"] = "" // GuardDuty always names a type; without one keypivot cannot read it
		findings = append(findings, bad)
	}
	if err := g.AddFindings("us-east-1", findings...); err != nil {
		t.Fatal(err)
	}
	got, rep := fanouttest.Read(t, &Source{Session: sess, Regions: []string{"us-east-1"}}, investigate.AlertQuery{})
	if len(got) != 3 || rep.Matched != 3 || rep.Records != int64(len(findings)) {
		t.Fatalf("%d alerts, report %+v", len(got), rep)
	}
	fanouttest.CheckSkipped(t, rep, func(p investigate.Problem) bool {
		return strings.HasPrefix(p.Where, "guardduty us-east-1 detector ") && strings.Contains(p.Where, " finding unreadable") && strings.Contains(p.Message, "Type")
	})
}
