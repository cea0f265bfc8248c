package demo

import (
	"slices"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

// The attack patterns the demo plants show in the case built through the real sources:
// each as one finding, with its counts and the events it rests on.
func TestDemoCaseShowsTheAttackPatterns(t *testing.T) {
	ds := dataset(t)
	p := ds.Facts.Patterns
	inv := investigateKey(t, ds, ds.CompromisedKey)
	c := inv.c
	byAction := map[string][]investigate.Finding{}
	for _, f := range c.Findings {
		byAction[f.Action] = append(byAction[f.Action], f)
	}
	one := func(action string) investigate.Finding {
		t.Helper()
		if len(byAction[action]) != 1 {
			t.Fatalf("%s findings: %+v", action, byAction[action])
		}
		return byAction[action][0]
	}
	inCase := map[string]*investigate.Event{}
	for _, e := range c.Events {
		inCase[e.ID] = e
	}
	restOnCase := func(f investigate.Finding, n int) {
		t.Helper()
		if len(f.EventIDs) != n {
			t.Errorf("%s: %d event ids, want %d", f.Title, len(f.EventIDs), n)
		}
		for _, id := range f.EventIDs {
			if inCase[id] == nil {
				t.Errorf("%s: event %s is not in the case", f.Title, id)
			}
		}
	}

	llm := one("bedrock:InvokeModel")
	if want := "LLM-jacking: " + investigate.Plural(p.BedrockInvocations, "Bedrock model invocation") + " of 1 model"; llm.Title != want ||
		llm.Severity != investigate.SeverityCritical || llm.Signer != ds.CompromisedKey ||
		!strings.Contains(llm.Detail, "model access: PutUseCaseForModelAccess, CreateFoundationModelAgreement, PutFoundationModelEntitlement") ||
		!strings.Contains(llm.Detail, "InvokeModel/Converse: 1 failed (AccessDeniedException)") {
		t.Errorf("LLM-jacking: %+v", llm)
	}
	restOnCase(llm, p.BedrockEvents)

	ses := one("ses:VerifyEmailIdentity")
	if ses.Title != "SES sending set up: identity verified, sending enabled" || ses.Severity != investigate.SeverityHigh ||
		!strings.Contains(ses.Detail, "identities "+sesSender) || !strings.Contains(ses.Detail, "no send in the events read") {
		t.Errorf("SES: %+v", ses)
	}
	restOnCase(ses, p.SESEvents)

	s3 := one("s3:GetObject")
	if want := "S3 data access: " + investigate.Plural(p.FinanceObjectsRead, "object") + " read, 1 listing call (ListObjectsV2)"; s3.Title != want ||
		s3.Severity != investigate.SeverityHigh || !strings.Contains(s3.Detail, "in 1 bucket: "+p.FinanceBucket) {
		t.Errorf("S3: %+v", s3)
	}
	restOnCase(s3, min(p.S3DataEvents, 50))
	for _, f := range c.Findings {
		if strings.Contains(f.Title, "not visible") {
			t.Errorf("the case has data events, yet: %+v", f)
		}
	}

	mfa := one("iam:CreateVirtualMFADevice")
	if mfa.Signer != ds.Facts.BackdoorKey || mfa.Severity != investigate.SeverityHigh || !strings.HasPrefix(mfa.Title, "MFA device registered: ") ||
		!strings.Contains(mfa.Title, "enabled for "+ds.Facts.BackdoorUser) {
		t.Errorf("MFA: %+v", mfa)
	}
	restOnCase(mfa, 2)

	// The federation session's sign-in token is the case's (its key signed it); the
	// federated ConsoleLogin carries no key, so a search by key does not bring it.
	token := one("signin:GetSigninToken")
	if token.Title != "console sign-in token via GetFederationToken for reporting-sync" || token.Severity != investigate.SeverityHigh ||
		!slices.Contains(token.EventIDs, p.SigninTokenEvent) {
		t.Errorf("console: %+v", token)
	}
	if inCase[p.FederatedLogin] != nil {
		t.Errorf("the federated ConsoleLogin %s carries no key, yet is in the case", p.FederatedLogin)
	}

	// Elastic's Bedrock sequence rule: its shell and building blocks are counted siblings;
	// the federation rule's block on the sign-in token is the session's.
	sib := map[string]investigate.Sibling{}
	for _, s := range c.Siblings {
		sib[s.AlertID] = s
	}
	if s := sib[p.BedrockAlert]; !s.Eligible || s.RuleID != "a17f2e5f-de52-49e8-9d86-ccfe91cd54d4" || s.Severity != investigate.SeverityHigh {
		t.Errorf("Bedrock alert: %+v", s)
	}
	if s, ok := sib[p.FederationSessionAlert]; !ok || s.ViaKey != ds.Facts.Sessions[3].Key || !s.Eligible {
		t.Errorf("federation session alert: %+v", s)
	}
}

// The demo's alerts are shaped as current Kibana writes them from the current AWS
// integration: data_stream.dataset, the caller's entity, and an EQL sequence's shell
// keeping only what its events share.
func TestDemoAlertsFollowCurrentShapes(t *testing.T) {
	ds := dataset(t)
	inv := investigateKey(t, ds, ds.CompromisedKey)
	var shell, blocks int
	for _, a := range inv.alerts {
		if a.RuleID != ruleBedrockLLM.id {
			continue
		}
		if a.AccessKeyID != ds.CompromisedKey || a.UserARN != ds.Facts.CompromisedARN {
			t.Errorf("Bedrock alert %s: key %q, ARN %q", a.ID, a.AccessKeyID, a.UserARN)
		}
		if a.ID == ds.Facts.Patterns.BedrockAlert {
			shell++
			if a.Action != "" || a.EventID != "" {
				t.Errorf("the shell keeps what its events do not share: action %q, event %q", a.Action, a.EventID)
			}
		} else {
			blocks++
		}
	}
	if shell != 1 || blocks != 2 {
		t.Errorf("Bedrock sequence: %d shell, %d building blocks", shell, blocks)
	}
	for _, a := range inv.alerts {
		if a.RuleID == ruleFederationConsole.id && a.AccessKeyID == "" && a.SourceIP != attackerIP {
			t.Errorf("federation alert %s without a key groups nothing: %+v", a.ID, a)
		}
	}
}
