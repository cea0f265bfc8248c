package investigate_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

// Each persistence detonation of the corpus leaves its artifact in the case, with its
// event id, and the plan offers the matching action.
func TestCorpusArtifactsHaveTheirActions(t *testing.T) {
	cases := []struct {
		file, key, kind, eventID, action, target string
		irreversible                             bool
	}{
		{"aws.persistence.iam-backdoor-user.json", "AKIA30BEZSJBVKOFKZW0", investigate.ArtAccessKey, "", investigate.ActDeactivateChildKey, "AKIAL80DWDVKKM0UXEER", false},
		{"aws.persistence.iam-create-admin-user.json", "AKIAOZUDECYXYM4ONAN4", investigate.ArtUser, "", investigate.ActDenyAllUser, "malicious-iam-user", false},
		{"aws.persistence.iam-create-admin-user.json", "AKIAOZUDECYXYM4ONAN4", investigate.ArtAttachedPolicy, "", investigate.ActDetachPolicy, "user/malicious-iam-user:arn:aws:iam::aws:policy/AdministratorAccess", false},
		{"aws.persistence.iam-create-backdoor-role.json", "AKIA0W5KI69TY8X86BGT", investigate.ArtRole, "", investigate.ActDenyAllRole, "stratus-red-team-malicious-iam-role", false},
		{"aws.persistence.iam-create-backdoor-role.json", "AKIA0W5KI69TY8X86BGT", investigate.ArtAttachedPolicy, "", investigate.ActDetachPolicy, "role/stratus-red-team-malicious-iam-role:arn:aws:iam::aws:policy/AdministratorAccess", false},
		{"aws.persistence.iam-create-user-login-profile.json", "AKIAE18PGYHCY2CYMTFK", investigate.ArtLoginProfile, "", investigate.ActDeleteLoginProfile, "stratus-red-team-login-profile-user", true},
		{"aws.privilege-escalation.iam-update-user-login-profile.json", "AKIAV1MIS7NGMDMR83FC", investigate.ArtLoginProfile, "", investigate.ActDeleteLoginProfile, "stratus-red-team-update-login-profile-user", true},
		{"aws.persistence.lambda-backdoor-function.json", "AKIAYALJGCQ7J893JO5I", investigate.ArtLambdaFunction, "", investigate.ActThrottleFunction, "", false},
		{"aws.persistence.lambda-overwrite-code.json", "AKIAKHYV6FI4F4CJQMDV", investigate.ArtLambdaFunction, "", investigate.ActThrottleFunction, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.file+"/"+tc.kind, func(t *testing.T) {
			c := caseFor(t, tc.file, tc.key)
			i := slices.IndexFunc(c.Artifacts, func(a investigate.Artifact) bool { return a.Kind == tc.kind })
			if i < 0 {
				t.Fatalf("no %s artifact in %+v", tc.kind, c.Artifacts)
			}
			art := c.Artifacts[i]
			ev := slices.IndexFunc(c.Events, func(e *investigate.Event) bool { return e.ID == art.EventID })
			if art.EventID == "" || ev < 0 || c.Events[ev].Signer() != art.Signer || art.Time.IsZero() {
				t.Fatalf("artifact not tied to its event: %+v", art)
			}
			j := slices.IndexFunc(c.Plan, func(s investigate.PlanStep) bool { return s.Artifact == art.ID })
			if j < 0 {
				t.Fatalf("no plan step for %s in %+v", art.ID, c.Plan)
			}
			step := c.Plan[j]
			if step.Kind != tc.action || step.Reversible == tc.irreversible || len(step.Calls) == 0 {
				t.Fatalf("step = %+v", step)
			}
			if tc.target != "" && step.Target != tc.target {
				t.Fatalf("target = %q, want %q", step.Target, tc.target)
			}
			if step.Reversible && len(step.UndoCalls) == 0 {
				t.Fatalf("reversible step without undo calls: %+v", step)
			}
			// Irreversible steps come after every reversible one.
			for _, s := range c.Plan[j+1:] {
				if tc.irreversible && s.Reversible {
					t.Fatalf("reversible %s after irreversible %s", s.ID, step.ID)
				}
			}
		})
	}
}

// The backdoored role's trust policy is an artifact; its earlier document is not in the
// file (no CreateRole there), so the plan does not pretend to restore it: it removes the
// other account the edit let in (193672423079), keeps the EC2 service, and says so.
func TestCorpusTrustPolicyWithoutEarlierDocument(t *testing.T) {
	c := caseFor(t, "aws.persistence.iam-backdoor-role.json", "AKIAMUV7B57OZM0RV05D")
	i := slices.IndexFunc(c.Artifacts, func(a investigate.Artifact) bool { return a.Kind == investigate.ArtTrustPolicy })
	if i < 0 || c.Artifacts[i].EventID != "62e290e2-ee95-4a7c-a9f8-db4ef462b12d" || !strings.Contains(c.Artifacts[i].Document, "sts:AssumeRole") || c.Artifacts[i].PreviousDocument != "" {
		t.Fatalf("artifacts = %+v", c.Artifacts)
	}
	p := investigate.PlanRemediation(c, nil, c.GeneratedAt)
	j := slices.IndexFunc(p.Actions, func(a investigate.Action) bool { return a.Kind == investigate.ActRestoreTrustPolicy })
	if j < 0 {
		t.Fatalf("no trust-policy action: %+v %q", p.Actions, p.Notes)
	}
	a := p.Actions[j]
	doc := a.Calls[0].Param("PolicyDocument")
	if strings.Contains(doc, "193672423079") || !strings.Contains(doc, "ec2.amazonaws.com") || a.UndoCalls[0].Param("PolicyDocument") != c.Artifacts[i].Document ||
		!slices.ContainsFunc(a.Warnings, func(w string) bool { return strings.Contains(w, "not in the sources") }) ||
		!slices.ContainsFunc(a.Affects, func(s string) bool { return strings.Contains(s, "arn:aws:iam::193672423079:root") }) {
		t.Fatalf("action = %+v", a)
	}
}

func TestWithoutOutsiders(t *testing.T) {
	for _, tc := range []struct {
		doc, want string
		removed   []string
		ok        bool
	}{
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::999999999999:user/x"]},"Action":"sts:AssumeRole"}]}`,
			`{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"]}}],"Version":"2012-10-17"}`, []string{"arn:aws:iam::999999999999:user/x"}, true},
		{`{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}`, "", []string{"*"}, false}, // nothing left
		{`{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"AWS":"999999999999"},"Action":"sts:AssumeRole"}]}`,
			`{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"}}]}`, []string{"999999999999"}, true},
		{`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/r"},"Action":"sts:AssumeRole"}]}`, "", nil, false}, // nothing to remove
		{`not json`, "", nil, false},
		{`{"Statement":"x"}`, "", nil, false},
	} {
		got, removed, ok := investigate.WithoutOutsiders(tc.doc, "111122223333")
		if ok != tc.ok || got != tc.want || !slices.Equal(removed, tc.removed) {
			t.Errorf("WithoutOutsiders(%s) = %s %v %v", tc.doc, got, removed, ok)
		}
	}
}
