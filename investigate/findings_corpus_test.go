package investigate_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

func findingWith(t *testing.T, c *investigate.Case, action string) investigate.Finding {
	t.Helper()
	for _, f := range c.Findings {
		if f.Action == action {
			return f
		}
	}
	t.Fatalf("no %s finding in %+v", action, c.Findings)
	return investigate.Finding{}
}

// Stratus Red Team's Bedrock detonation: a session enables model access (use-case form,
// agreement, entitlement), polls the model's availability, then invokes it.
func TestCorpusBedrockIsLLMJacking(t *testing.T) {
	c := caseFor(t, "aws.impact.bedrock-invoke-model.json", "ASIA6FTSFH98XNF7DFZB")
	f := findingWith(t, c, "bedrock:InvokeModel")
	if f.Title != "LLM-jacking: 1 Bedrock model invocation of 1 model" || f.Severity != investigate.SeverityCritical || f.Category != investigate.CatResourceHijack {
		t.Fatalf("finding = %+v", f)
	}
	for _, want := range []string{"models anthropic.claude-3-sonnet-20240229-v1:0", "11 discovery calls (",
		"model access: PutUseCaseForModelAccess, CreateFoundationModelAgreement, PutFoundationModelEntitlement"} {
		if !strings.Contains(f.Detail, want) {
			t.Errorf("detail %q lacks %q", f.Detail, want)
		}
	}
	if len(f.EventIDs) != 15 || f.EventIDs[0] != "8452e2fb-1252-460b-8f58-d3f5333c2630" {
		t.Errorf("event ids = %v (want the 15 records, the use-case form first)", f.EventIDs)
	}
	// Every Bedrock record is the pattern's: none is left as discovery.
	for _, g := range c.Findings {
		if g.Category == investigate.CatDiscovery {
			t.Errorf("discovery finding left: %+v", g)
		}
	}
}

// The federation-token detonation never signs in to the console: the token's finding says
// no sign-in was found, and why a search by key could not find one.
func TestCorpusFederationTokenWithoutSignIn(t *testing.T) {
	c := caseFor(t, "aws.persistence.sts-federation-token.json", "AKIA6V1GNZTT65XQH36M")
	f := findingWith(t, c, "sts:GetFederationToken")
	if !strings.Contains(f.Detail, "no console sign-in as federated user stratus_red_team in the events read") {
		t.Fatalf("detail = %q", f.Detail)
	}
	for _, g := range c.Findings {
		if g.Action == "signin:ConsoleLogin" {
			t.Errorf("console finding without a sign-in: %+v", g)
		}
	}
	// No S3 data event among the records: the findings say object access is not visible.
	var note bool
	for _, g := range c.Findings {
		note = note || g.Category == investigate.CatDataAccess && g.Severity == investigate.SeverityUnknown
	}
	if !note {
		t.Errorf("no data-events note in %+v", c.Findings)
	}
}

// The login-profile detonation's CreateLoginProfile, and the console-login detonation's
// real ConsoleLogin record (no access key, MFA "No") made the profile user's sign-in in
// the profile's account: the case ties them.
func TestCorpusLoginProfileThenConsoleLogin(t *testing.T) {
	profile := corpusRecord(t, "aws.persistence.iam-create-user-login-profile.json", "CreateLoginProfile")
	login := corpusRecord(t, "aws.initial-access.console-login-without-mfa.json", "ConsoleLogin")
	user := login["userIdentity"].(map[string]any)["userName"].(string)
	acct := login["recipientAccountId"].(string)
	profile["requestParameters"].(map[string]any)["userName"] = user
	profile["userIdentity"].(map[string]any)["accountId"] = acct
	profile["recipientAccountId"] = acct
	profile["eventTime"] = "2024-08-02T08:41:07Z" // twelve minutes before the sign-in
	key := investigate.MustParseAccessKeyID("AKIAE18PGYHCY2CYMTFK")
	build := func(records ...map[string]any) *investigate.Case {
		var evs []*investigate.Event
		for _, r := range records {
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			e, err := investigate.DecodeRecord(b)
			if err != nil {
				t.Fatal(err)
			}
			evs = append(evs, &e)
		}
		return investigate.BuildCase(investigate.CaseInput{Key: key, Events: evs, Now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
	}
	c := build(profile, login)
	f := findingWith(t, c, "signin:ConsoleLogin")
	if f.Title != "console access via CreateLoginProfile: 1 ConsoleLogin as "+user || f.Severity != investigate.SeverityCritical ||
		!strings.Contains(f.Detail, "ConsoleLogin from 225.01.00.16 at 2024-08-02T08:53:24Z, MFA No") {
		t.Fatalf("finding = %+v", f)
	}
	if len(f.EventIDs) != 2 || f.EventIDs[1] != "865d9377-9c6b-4fd7-8aad-725e95f6a140" {
		t.Errorf("event ids = %v", f.EventIDs)
	}
	// Without the sign-in among the events read, the profile's finding says so.
	c = build(profile)
	if lp := findingWith(t, c, "iam:CreateLoginProfile"); !strings.Contains(lp.Detail, "no console sign-in as "+user+" in the events read") {
		t.Errorf("profile detail = %q", lp.Detail)
	}
}

// corpusRecord reads the first record named name from a corpus file.
func corpusRecord(t *testing.T, file, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, file))
	if err != nil {
		missingCorpus(t, err)
	}
	var recs []map[string]any
	if err := json.Unmarshal(b, &recs); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r["eventName"] == name {
			return r
		}
	}
	t.Fatalf("%s has no %s record", file, name)
	return nil
}
