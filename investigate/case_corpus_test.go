package investigate_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/investigate"
)

const corpusDir = "../../shared/corpus/stratus-detonation-logs"

// missingCorpus fails the test in CI (.ci/run exports CI=true), where a missing corpus
// means its facts went unchecked, and skips it elsewhere (a bare clone).
func missingCorpus(t *testing.T, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("corpus not present (CI is set, so it must be): %v", err)
	}
	t.Skipf("corpus not present: %v", err)
}

// caseFor pivots on key over one corpus file through the real collector and parser.
func caseFor(t *testing.T, file, key string) *investigate.Case {
	t.Helper()
	p := filepath.Join(corpusDir, file)
	if _, err := os.Stat(p); err != nil {
		missingCorpus(t, err)
	}
	src := &cloudtrail.FileSource{Paths: []string{p}}
	col := investigate.Collect(context.Background(), investigate.MustParseAccessKeyID(key), []investigate.EventSource{src}, nil, investigate.CollectOptions{})
	if len(col.Errors) > 0 {
		t.Fatal(col.Errors)
	}
	return investigate.BuildCase(investigate.CaseInput{
		Key: investigate.MustParseAccessKeyID(key), Events: col.Set.Events(), Reports: col.Reports,
		Now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
	})
}

func TestFederationTokenYieldsDerivedSession(t *testing.T) {
	c := caseFor(t, "aws.persistence.sts-federation-token.json", "AKIA6V1GNZTT65XQH36M")
	if len(c.Sessions) != 1 {
		t.Fatalf("sessions = %+v", c.Sessions)
	}
	s := c.Sessions[0]
	if s.AccessKeyID != "ASIASTJKC5GCM7ZE6LUP" || s.IssuedBy != "GetFederationToken" || s.FederatedUser != "stratus_red_team" ||
		s.IssuedByEvent != "6e882b9d-2af8-4c67-b91f-aeac6a0e5e70" || s.ParentKey != "AKIA6V1GNZTT65XQH36M" {
		t.Fatalf("session = %+v", s)
	}
	// "Nov 30, 2024, 8:43:17 PM": not RFC 3339.
	if want := time.Date(2024, 11, 30, 20, 43, 17, 0, time.UTC); !s.Expiration.Equal(want) {
		t.Fatalf("expiration = %v, want %v", s.Expiration, want)
	}
	if s.EventCount != 1 || s.Actions[0] != "sts:GetCallerIdentity" || s.ValidAtGeneration {
		t.Fatalf("session use = %+v", s)
	}
	if c.EventCount != 1 || c.SessionEventCount != 1 || len(c.Timeline) != 2 || !c.Timeline[1].Session {
		t.Fatalf("counts: key %d session %d timeline %+v", c.EventCount, c.SessionEventCount, c.Timeline)
	}
	if c.Owner.User != "stratus-red-team-user-federation-user" || c.Owner.Account != "742491224508" || c.Owner.Type != "IAMUser" || c.Owner.Root {
		t.Fatalf("owner = %+v", c.Owner)
	}
}

func TestCreateAccessKeyYieldsNewKey(t *testing.T) {
	c := caseFor(t, "aws.persistence.iam-backdoor-user.json", "AKIA30BEZSJBVKOFKZW0")
	if len(c.CreatedAccessKeys) != 1 {
		t.Fatalf("created keys = %+v", c.CreatedAccessKeys)
	}
	k := c.CreatedAccessKeys[0]
	if k.AccessKeyID != "AKIAL80DWDVKKM0UXEER" || k.User != "stratus-red-team-backdoor-u-user" || k.Signer != "AKIA30BEZSJBVKOFKZW0" {
		t.Fatalf("created key = %+v", k)
	}
	var f *investigate.Finding
	for i := range c.Findings {
		if c.Findings[i].Action == "iam:CreateAccessKey" {
			f = &c.Findings[i]
		}
	}
	if f == nil || f.Category != investigate.CatPersistence || !strings.Contains(f.Title, "another user") || !strings.Contains(f.Detail, "AKIAL80DWDVKKM0UXEER") {
		t.Fatalf("finding = %+v", f)
	}
}

func TestFailedRunInstancesByAssumedRoleSession(t *testing.T) {
	c := caseFor(t, "aws.execution.ec2-launch-unusual-instances.json", "AKIAR7ISFR69YWROPYAN")
	if len(c.Sessions) != 2 {
		t.Fatalf("sessions = %+v", c.Sessions)
	}
	var used *investigate.Session
	for i := range c.Sessions {
		if c.Sessions[i].AccessKeyID == "ASIA9F6MXE9HSYOXYQOS" {
			used = &c.Sessions[i]
		}
	}
	if used == nil || used.RoleARN != "arn:aws:iam::900138736586:role/stratus-red-team-ec2lui-role-idtzskbvtd" || used.EventCount != 1 || used.ErrorCount != 1 || used.Account != "900138736586" {
		t.Fatalf("session = %+v", used)
	}
	if len(c.FollowUps.Launches) != 1 {
		t.Fatalf("launches = %+v", c.FollowUps.Launches)
	}
	l := c.FollowUps.Launches[0]
	if l.ErrorCode != "Client.UnauthorizedOperation" || l.Signer != "ASIA9F6MXE9HSYOXYQOS" || l.InstanceType != "p2.xlarge" || l.MaxCount != 10 ||
		l.MinCount != 1 || l.MatchedBy != investigate.MatchedBySigner || len(l.InstanceIDs) != 0 || l.EventID != "1a4debbb-12e9-4bde-b8c7-ea29002bb2a7" {
		t.Fatalf("launch = %+v", l)
	}
	// The unused session is a gap the analyst must know about.
	found := false
	for _, g := range c.Coverage.Gaps {
		if strings.Contains(g, "ASIAYY9090UIYYUOIF2U") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no gap for the unused session: %v", c.Coverage.Gaps)
	}
	var hijack bool
	for _, f := range c.Findings {
		if f.Category == investigate.CatResourceHijack && f.Severity == investigate.SeverityCritical && f.ErrorCode == "Client.UnauthorizedOperation" {
			hijack = true
		}
	}
	if !hijack {
		t.Fatalf("GPU launch attempt not a critical finding: %+v", c.Findings)
	}
}

func TestStopLoggingIsDefenceEvasion(t *testing.T) {
	c := caseFor(t, "aws.defense-evasion.cloudtrail-stop.json", "AKIAGGWFBBHBE7D3M9WI")
	for _, f := range c.Findings {
		if f.Action == "cloudtrail:StopLogging" && f.Category == investigate.CatDefenseEvasion && f.Severity == investigate.SeverityCritical {
			return
		}
	}
	t.Fatalf("findings = %+v", c.Findings)
}

func TestCorpusAssessmentsDoNotPanicOnEveryKey(t *testing.T) {
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		missingCorpus(t, err)
	}
	src := &cloudtrail.FileSource{Paths: []string{corpusDir}}
	set := investigate.NewEventSet()
	if _, err := src.Events(context.Background(), investigate.EventQuery{}, func(b []investigate.Event) { set.Add(b) }); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, e := range set.Events() {
		if investigate.IsLongTermKey(e.Signer()) {
			keys[e.Signer()] = true
		}
	}
	if len(keys) < len(entries)/2 {
		t.Fatalf("only %d long-term keys in %d files", len(keys), len(entries))
	}
	for k := range keys {
		c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(k), Events: set.Events()})
		if c.EventCount == 0 || len(c.Assessment) == 0 {
			t.Fatalf("%s: empty case", k)
		}
	}
}

// ssm-send-command: 55 DescribeInstanceInformation calls fold into one discovery finding
// (to one service, in the singular), and SendCommand is lateral movement.
func TestSSMSendCommandFindings(t *testing.T) {
	c := caseFor(t, "aws.execution.ssm-send-command.json", "AKIAW9X2Q2U25SK79UCX")
	titles := map[string]string{}
	for _, f := range c.Findings {
		titles[f.Category] = f.Title
	}
	if titles["discovery"] != "55 discovery calls to 1 service" || titles["lateral-movement"] != "SendCommand AWS-RunShellScript" {
		t.Errorf("findings: %v", titles)
	}
}
