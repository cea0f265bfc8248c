package cloudtrail

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/investigate"
)

const (
	roleCaseKey  = "AKIAROLECASEKEY00001"
	roleAdminKey = "AKIAROLEADMINKEY0001"
	backdoorRole = "ops-break-glass"
	trustBefore  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`
	trustAfter   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole"}]}`
)

// iamRecord is an IAM call by key at minute min of 2026-11-20 in region, with its
// request parameters (a JSON object) and, when errCode is set, its failure.
func iamRecord(id, key, name, region string, min int, params, errCode string) string {
	fail := ""
	if errCode != "" {
		fail = fmt.Sprintf(`,"errorCode":%q,"errorMessage":"no"`, errCode)
	}
	return fmt.Sprintf(`{"eventVersion":"1.09","eventID":%q,"eventTime":"2026-11-20T%02d:%02d:00Z","eventName":%q,"eventSource":"iam.amazonaws.com","awsRegion":%q,"sourceIPAddress":"198.51.100.9","readOnly":false,"recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","accessKeyId":%q,"accountId":"111122223333","userName":"u"},"requestParameters":%s%s}`,
		id, min/60, min%60, name, region, key, params, fail)
}

func roleParams(role string, extra ...string) string {
	b, _ := json.Marshal(role)
	return `{"roleName":` + string(b) + strings.Join(extra, "") + `}`
}

func policyParam(name, doc string) string {
	b, _ := json.Marshal(doc)
	return `,"` + name + `":` + string(b)
}

func decoded(t *testing.T, rec string) *investigate.Event {
	t.Helper()
	e, err := investigate.DecodeRecord([]byte(rec))
	if err != nil {
		t.Fatal(err)
	}
	return &e
}

func TestMatcherFindsARolesHistory(t *testing.T) {
	m := NewMatcher(investigate.EventQuery{Roles: []string{backdoorRole}})
	if m.All() {
		t.Fatal("a roles query wants every record")
	}
	for _, tc := range []struct {
		name string
		rec  string
		want bool
	}{
		{"CreateRole by another signer", iamRecord("c", roleAdminKey, "CreateRole", "us-east-1", 1, roleParams(backdoorRole, policyParam("assumeRolePolicyDocument", trustBefore)), ""), true},
		{"UpdateAssumeRolePolicy", iamRecord("u", roleAdminKey, "UpdateAssumeRolePolicy", "us-east-1", 2, roleParams(backdoorRole, policyParam("policyDocument", trustBefore)), ""), true},
		{"failed DeleteRole", iamRecord("d", roleAdminKey, "DeleteRole", "us-east-1", 3, roleParams(backdoorRole), "DeleteConflict"), true},
		{"DetachRolePolicy in another region", iamRecord("x", roleAdminKey, "DetachRolePolicy", "cn-north-1", 4, roleParams(backdoorRole, `,"policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"`), ""), true},
		{"PutRolePolicy", iamRecord("p", roleAdminKey, "PutRolePolicy", "us-east-1", 5, roleParams(backdoorRole, `,"policyName":"p","policyDocument":"{}"`), ""), true},
		{"another role", iamRecord("o", roleAdminKey, "CreateRole", "us-east-1", 6, roleParams(backdoorRole+"-2"), ""), false},
		{"a read of the role", iamRecord("g", roleAdminKey, "GetRole", "us-east-1", 7, roleParams(backdoorRole), ""), false},
		{"the name elsewhere in the request", iamRecord("n", roleAdminKey, "CreateRole", "us-east-1", 8, roleParams("other", `,"description":"`+backdoorRole+`"`), ""), false},
	} {
		e := decoded(t, tc.rec)
		if got := m.Match(e); got != tc.want {
			t.Errorf("%s: Match %v, want %v", tc.name, got, tc.want)
		}
		if tc.want && !m.MayMatch([]byte(tc.rec)) {
			t.Errorf("%s: MayMatch rules out a record Match wants", tc.name)
		}
		// Inside a lookup-events export the record is an escaped JSON string.
		wrapped, _ := json.Marshal(map[string]string{"CloudTrailEvent": tc.rec})
		if tc.want && !m.MayMatch(wrapped) {
			t.Errorf("%s: MayMatch rules out the lookup-events form", tc.name)
		}
	}
	// Not an IAM event, though it names the role.
	other := strings.Replace(iamRecord("s", roleAdminKey, "CreateRole", "us-east-1", 9, roleParams(backdoorRole), ""), "iam.amazonaws.com", "example.amazonaws.com", 1)
	if m.Match(decoded(t, other)) {
		t.Error("a non-IAM event matched")
	}
	if m.MayMatch([]byte(iamRecord("q", roleAdminKey, "CreateRole", "us-east-1", 10, roleParams("unrelated"), ""))) {
		t.Error("MayMatch kept a record that does not name the role")
	}
	// The window still bounds the events.
	w := NewMatcher(investigate.EventQuery{Roles: []string{backdoorRole}, Window: investigate.Window{Since: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)}})
	if w.Match(decoded(t, iamRecord("c", roleAdminKey, "CreateRole", "us-east-1", 1, roleParams(backdoorRole), ""))) {
		t.Error("an event before the window matched")
	}
}

// Tokens hold no role names: neither a file's tokens nor its place in the layout may
// rule a role query out, with or without keys beside it.
func TestRoleQueryIsNotRuledOutByTokensOrLayout(t *testing.T) {
	var tok Tokens
	scanTokens([]byte(`{"Records":[`+iamRecord("c", roleAdminKey, "CreateRole", "eu-west-1", 1, roleParams(backdoorRole), "")+`]}`), &tok)
	keyOnly := NewMatcher(investigate.EventQuery{AccessKeys: investigate.KeyIDs(roleCaseKey)})
	if keyOnly.MayMatchTokens(&tok) {
		t.Fatal("the tokens keep a file without the key: the test proves nothing")
	}
	pairsOnly := NewMatcher(investigate.EventQuery{KeyPairs: []investigate.KeyPairRef{{Name: "kp", Region: "us-east-1"}}})
	for _, q := range []investigate.EventQuery{
		{Roles: []string{backdoorRole}},
		{Roles: []string{backdoorRole}, AccessKeys: investigate.KeyIDs(roleCaseKey)},
		{Roles: []string{backdoorRole}, KeyPairs: []investigate.KeyPairRef{{Name: "kp", Region: "us-east-1"}}},
	} {
		m := NewMatcher(q)
		if !m.MayMatchTokens(&tok) || !m.MayMatchTokens(&Tokens{}) {
			t.Errorf("%+v: tokens rule out a file", q)
		}
		for _, region := range []string{"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"} {
			if !m.MayMatchLayout(&LogFile{Region: region}) {
				t.Errorf("%+v: layout rules out %s", q, region)
			}
		}
	}
	if pairsOnly.MayMatchLayout(&LogFile{Region: "eu-west-1"}) {
		t.Error("a key pairs query no longer rules out other regions")
	}
}

// writeArchive writes files (S3 layout paths) under a new directory.
func writeArchive(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		data := []byte(body)
		if strings.HasSuffix(name, ".gz") {
			data = gz(t, data)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func trailFile(region, stamp string, recs ...string) (string, string) {
	day := stamp[:4] + "/" + stamp[4:6] + "/" + stamp[6:8]
	name := fmt.Sprintf("AWSLogs/111122223333/CloudTrail/%s/%s/111122223333_CloudTrail_%s_%s_abc%s.json.gz", region, day, region, stamp, strings.ToLower(region[:2]))
	return name, `{"Records":[` + strings.Join(recs, ",") + `]}`
}

// TestPivotFindsTheTrustPolicyBeforeTheBackdoor: the case key rewrites a role's trust
// policy; the administrators' CreateRole that gave the role its document, in a file
// without any key of the case, is found only by the role round, through the index
// that ruled the file out for the keys, and the plan restores that document. The
// history of a role the key failed to change is not asked for, and other roles' events
// stay out.
func TestPivotFindsTheTrustPolicyBeforeTheBackdoor(t *testing.T) {
	created := iamRecord("admin-create", roleAdminKey, "CreateRole", "us-east-1", 60, roleParams(backdoorRole, policyParam("assumeRolePolicyDocument", trustBefore)), "")
	files := map[string]string{}
	add := func(name, body string) { files[name] = body }
	// The day before: the administrators create the role, and another one.
	add(trailFile("us-east-1", "20261119T0100Z",
		strings.Replace(created, "2026-11-20", "2026-11-19", 1),
		strings.Replace(iamRecord("admin-other", roleAdminKey, "CreateRole", "us-east-1", 61, roleParams("ci-deploy", policyParam("assumeRolePolicyDocument", trustBefore)), ""), "2026-11-20", "2026-11-19", 1),
		strings.Replace(iamRecord("admin-denied-role", roleAdminKey, "CreateRole", "us-east-1", 62, roleParams("locked-role"), ""), "2026-11-20", "2026-11-19", 1),
	))
	// The leak: the key backdoors the role; its try on another role is refused.
	add(trailFile("us-east-1", "20261120T0900Z",
		iamRecord("key-read", roleCaseKey, "GetRole", "us-east-1", 9*60, roleParams(backdoorRole), ""),
		iamRecord("key-backdoor", roleCaseKey, "UpdateAssumeRolePolicy", "us-east-1", 9*60+1, roleParams(backdoorRole, policyParam("policyDocument", trustAfter)), ""),
		iamRecord("key-denied", roleCaseKey, "UpdateAssumeRolePolicy", "us-east-1", 9*60+2, roleParams("locked-role", policyParam("policyDocument", trustAfter)), "AccessDenied"),
	))
	// Unrelated traffic elsewhere: an administrator reads the role (no history event).
	add(trailFile("eu-west-1", "20261120T1000Z",
		iamRecord("admin-read", roleAdminKey, "GetRole", "eu-west-1", 10*60, roleParams(backdoorRole), ""),
	))
	dir := writeArchive(t, files)
	src := &FileSource{Paths: []string{dir}}
	var roundsSeen []investigate.Progress
	col := investigate.Collect(context.Background(), investigate.MustParseAccessKeyID(roleCaseKey), []investigate.EventSource{src}, nil, investigate.CollectOptions{
		OnProgress: func(p investigate.Progress) {
			if len(p.Roles) > 0 {
				roundsSeen = append(roundsSeen, p)
			}
		},
	})
	if len(col.Errors) > 0 {
		t.Fatal(col.Errors)
	}
	if !slices.Equal(col.Roles, []string{backdoorRole}) {
		t.Fatalf("role round asked for %v, want [%s]", col.Roles, backdoorRole)
	}
	if len(roundsSeen) == 0 || roundsSeen[0].Round != 2 {
		t.Errorf("role round progress %+v: want round 2 with the roles", roundsSeen)
	}
	ids := sourcetest.EventIDs(col.Set.Events())
	if want := []string{"admin-create", "key-backdoor", "key-denied", "key-read"}; !slices.Equal(ids, want) {
		t.Fatalf("events %v, want %v", ids, want)
	}
	rounds := col.Rounds[0]
	if len(rounds) != 2 {
		t.Fatalf("%d rounds, want the key's and the role round", len(rounds))
	}
	// The first round ruled the administrators' file out by its tokens (it holds no key
	// of the case); the role round read it nevertheless.
	if rounds[0].Matched != 3 || rounds[1].Matched != 2 || rounds[1].Files != 3 {
		t.Errorf("round 1 matched %d (want 3), role round matched %d (want 2: the CreateRole and the backdoor) over %d files", rounds[0].Matched, rounds[1].Matched, rounds[1].Files)
	}

	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(roleCaseKey), Events: col.Set.Events(), Reports: col.Reports,
		Now: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)})
	i := slices.IndexFunc(c.Artifacts, func(a investigate.Artifact) bool { return a.Kind == investigate.ArtTrustPolicy })
	if i < 0 {
		t.Fatalf("no trust-policy artifact in %+v", c.Artifacts)
	}
	if a := c.Artifacts[i]; a.PreviousEvent != "admin-create" || !investigate.SamePolicy(a.PreviousDocument, trustBefore) {
		t.Fatalf("trust policy %+v: want the earlier document of admin-create", a)
	}
	j := slices.IndexFunc(c.Plan, func(s investigate.PlanStep) bool { return s.Kind == investigate.ActRestoreTrustPolicy })
	if j < 0 || c.Plan[j].Calls[0].Params["PolicyDocument"] != trustBefore {
		t.Errorf("plan %+v: want the trust policy restored", c.Plan)
	}
	if c.EventCount != 3 || slices.ContainsFunc(c.Events, func(e *investigate.Event) bool { return e.ID == "admin-create" }) {
		t.Errorf("case events %d: the administrators' CreateRole is not the key's", c.EventCount)
	}
}
