package investigate

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	patKey  = "AKIAPATTERNPATTERN01"
	patAcct = "210987654321"
	patARN  = "arn:aws:iam::210987654321:user/deploy-bot"
)

// call is one CloudTrail event signed by signer (the case key unless set).
type call struct {
	id, svc, name, signer, region, errCode, req, resp, raw string
	at                                                     time.Duration
	identity                                               *Identity
}

// event decodes the CloudTrail record of the call, as a source would.
func (c call) event() *Event {
	signer := c.signer
	if signer == "" {
		signer = patKey
	}
	id := Identity{Type: "IAMUser", ARN: patARN, AccountID: patAcct, UserName: "deploy-bot", AccessKeyID: signer}
	if c.identity != nil {
		id = *c.identity
	}
	rec := map[string]any{
		"eventVersion": "1.09", "eventID": c.id, "eventTime": t0.Add(c.at).Format(time.RFC3339),
		"eventSource": c.svc + ".amazonaws.com", "eventName": c.name, "awsRegion": firstNonEmpty(c.region, "us-east-1"),
		"sourceIPAddress": "203.0.113.9", "userAgent": "aws-cli/2.15.30", "eventType": "AwsApiCall", "recipientAccountId": patAcct,
		"userIdentity": map[string]any{"type": id.Type, "principalId": id.PrincipalID, "arn": id.ARN, "accountId": id.AccountID,
			"accessKeyId": id.AccessKeyID, "userName": id.UserName},
		"requestParameters": nil, "responseElements": nil,
	}
	if c.req != "" {
		rec["requestParameters"] = json.RawMessage(c.req)
	}
	if c.resp != "" {
		rec["responseElements"] = json.RawMessage(c.resp)
	}
	if c.errCode != "" {
		rec["errorCode"], rec["errorMessage"] = c.errCode, "denied"
	}
	if c.raw != "" {
		var extra map[string]any
		if err := json.Unmarshal([]byte(c.raw), &extra); err != nil {
			panic(err)
		}
		maps.Copy(rec, extra)
	}
	b, err := json.Marshal(rec)
	if err != nil {
		panic(err)
	}
	e, err := DecodeRecord(b)
	if err != nil {
		panic(err)
	}
	return &e
}

func events(calls ...call) []*Event {
	out := make([]*Event, len(calls))
	for i, c := range calls {
		out[i] = c.event()
	}
	return out
}

// findingsOf builds the findings of own (all the events read: own and extra), without
// the note that no S3 data event was read (TestNoS3DataEventsIsSaid tests it).
func findingsOf(own []*Event, extra ...*Event) []Finding {
	fs := buildFindings(own, append(slices.Clone(own), extra...), &Owner{User: "deploy-bot", ARN: patARN, Account: patAcct})
	return slices.DeleteFunc(fs, isNoDataNote)
}

func isNoDataNote(f Finding) bool {
	return f.Category == CatDataAccess && f.Severity == SeverityUnknown
}

func findingByAction(t *testing.T, fs []Finding, action string) Finding {
	t.Helper()
	for _, f := range fs {
		if f.Action == action {
			return f
		}
	}
	t.Fatalf("no finding with action %s in %s", action, titles(fs))
	return Finding{}
}

func titles(fs []Finding) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.Category+"/"+f.Severity.String()+": "+f.Title+" ["+f.Detail+"]")
	}
	return strings.Join(s, "\n")
}

func TestLLMJackingFinding(t *testing.T) {
	own := events(
		call{id: "d1", svc: "bedrock", name: "ListFoundationModels"},
		call{id: "d2", svc: "bedrock", name: "GetFoundationModelAvailability", req: `{"modelId":"anthropic.claude-3-sonnet-20240229-v1:0"}`, at: time.Second},
		call{id: "a1", svc: "bedrock", name: "PutUseCaseForModelAccess", at: 2 * time.Second},
		call{id: "a2", svc: "bedrock", name: "CreateFoundationModelAgreement", req: `{"modelId":"anthropic.claude-3-sonnet-20240229-v1:0","offerToken":"x"}`, at: 3 * time.Second},
		call{id: "i1", svc: "bedrock", name: "InvokeModel", req: `{"modelId":"anthropic.claude-3-sonnet-20240229-v1:0"}`, at: time.Minute,
			raw: `{"additionalEventData":{"inputTokens":1200,"outputTokens":800}}`},
		call{id: "i2", svc: "bedrock", name: "Converse", req: `{"modelId":"arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-70b-instruct-v1:0"}`, region: "us-west-2", at: 2 * time.Minute,
			raw: `{"additionalEventData":{"inputTokens":"300","outputTokens":100}}`},
		call{id: "i3", svc: "bedrock", name: "InvokeModel", req: `{"modelId":"anthropic.claude-3-opus-20240229-v1:0"}`, errCode: "AccessDeniedException", at: 3 * time.Minute},
	)
	fs := findingsOf(own)
	f := findingByAction(t, fs, "bedrock:InvokeModel")
	if f.Title != "LLM-jacking: 2 Bedrock model invocations of 2 models" || f.Severity != SeverityCritical || f.Category != CatResourceHijack {
		t.Fatalf("finding = %+v", f)
	}
	for _, want := range []string{"models anthropic.claude-3-sonnet-20240229-v1:0, meta.llama3-70b-instruct-v1:0", "1,500 input and 900 output tokens",
		"2 discovery calls (ListFoundationModels, GetFoundationModelAvailability)", "model access: PutUseCaseForModelAccess, CreateFoundationModelAgreement",
		"InvokeModel/Converse: 1 failed (AccessDeniedException)"} {
		if !strings.Contains(f.Detail, want) {
			t.Errorf("detail %q lacks %q", f.Detail, want)
		}
	}
	if !sameSet(f.EventIDs, []string{"d1", "d2", "a1", "a2", "i1", "i2", "i3"}) || f.Region != "us-east-1, us-west-2" || !f.Time.Equal(t0) {
		t.Errorf("ids %v region %q time %v", f.EventIDs, f.Region, f.Time)
	}
	// The pattern owns its calls: no discovery summary, no finding per call.
	if len(fs) != 1 {
		t.Errorf("findings:\n%s", titles(fs))
	}
}

func TestBedrockStepsAlone(t *testing.T) {
	disc := findingsOf(events(call{id: "d1", svc: "bedrock", name: "ListFoundationModels"}, call{id: "d2", svc: "bedrock", name: "ListFoundationModels"}))
	if len(disc) != 1 || disc[0].Title != "Bedrock model discovery: 2 calls" || disc[0].Severity != SeverityMedium || disc[0].Category != CatDiscovery {
		t.Errorf("discovery only:\n%s", titles(disc))
	}
	access := findingsOf(events(call{id: "a1", svc: "bedrock", name: "PutUseCaseForModelAccess"}))
	if len(access) != 1 || access[0].Title != "Bedrock model access enabled" || access[0].Severity != SeverityHigh {
		t.Errorf("access only:\n%s", titles(access))
	}
	denied := findingsOf(events(call{id: "i1", svc: "bedrock", name: "InvokeModel", errCode: "AccessDeniedException"}))
	if len(denied) != 1 || denied[0].Title != "Bedrock model use attempted, failed" || denied[0].Severity != SeverityMedium {
		t.Errorf("denied only:\n%s", titles(denied))
	}
}

func TestSESAbuseFinding(t *testing.T) {
	recon := events(call{id: "r1", svc: "ses", name: "GetSendQuota"}, call{id: "r2", svc: "ses", name: "ListIdentities", at: time.Second})
	fs := findingsOf(recon)
	if len(fs) != 1 || fs[0].Title != "SES reconnaissance: 2 calls" || fs[0].Severity != SeverityMedium ||
		!strings.Contains(fs[0].Detail, "no send in the events read: CloudTrail logs SendEmail and SendRawEmail only as data events") {
		t.Fatalf("recon:\n%s", titles(fs))
	}
	setup := append(recon, events(
		call{id: "s1", svc: "ses", name: "VerifyEmailIdentity", req: `{"emailAddress":"billing@evil.example"}`, at: time.Minute},
		call{id: "s2", svc: "ses", name: "UpdateAccountSendingEnabled", req: `{"enabled":true}`, at: 2 * time.Minute},
	)...)
	f := findingsOf(setup)[0]
	if f.Title != "SES sending set up: identity verified, sending enabled" || f.Severity != SeverityHigh || !strings.Contains(f.Detail, "identities billing@evil.example") {
		t.Fatalf("setup: %+v", f)
	}
	sent := append(setup, events(
		call{id: "m1", svc: "ses", name: "SendEmail", at: 3 * time.Minute},
		call{id: "m2", svc: "ses", name: "SendRawEmail", at: 4 * time.Minute},
		call{id: "m3", svc: "ses", name: "SendEmail", errCode: "MessageRejected", at: 5 * time.Minute},
	)...)
	f = findingsOf(sent)[0]
	if f.Title != "SES abuse: 2 email send calls" || f.Severity != SeverityCritical || strings.Contains(f.Detail, "no send") ||
		!strings.Contains(f.Detail, "SendEmail/SendRawEmail: 1 failed (MessageRejected)") || len(f.EventIDs) != 7 {
		t.Fatalf("sent: %+v", f)
	}
}

func TestMFADeviceFinding(t *testing.T) {
	fs := findingsOf(events(
		call{id: "c1", svc: "iam", name: "CreateVirtualMFADevice", req: `{"virtualMFADeviceName":"backdoor-mfa","path":"/"}`,
			resp: `{"virtualMFADevice":{"serialNumber":"arn:aws:iam::210987654321:mfa/backdoor-mfa"}}`},
		call{id: "e1", svc: "iam", name: "EnableMFADevice", req: `{"userName":"backdoor","serialNumber":"arn:aws:iam::210987654321:mfa/backdoor-mfa"}`, at: time.Second},
	))
	if len(fs) != 1 || fs[0].Title != "MFA device registered: created (mfa/backdoor-mfa), enabled for backdoor (mfa/backdoor-mfa)" ||
		fs[0].Severity != SeverityHigh || fs[0].Category != CatPersistence || len(fs[0].EventIDs) != 2 {
		t.Fatalf("register:\n%s", titles(fs))
	}
	fs = findingsOf(events(
		call{id: "x1", svc: "iam", name: "DeactivateMFADevice", req: `{"userName":"alice","serialNumber":"arn:aws:iam::210987654321:mfa/alice"}`},
		call{id: "x2", svc: "iam", name: "DeleteVirtualMFADevice", req: `{"serialNumber":"arn:aws:iam::210987654321:mfa/bob"}`, errCode: "AccessDenied", at: time.Second},
	))
	if len(fs) != 1 || fs[0].Title != "MFA removed: deactivated for alice (mfa/alice)" || fs[0].Category != CatDefenseEvasion ||
		fs[0].Severity != SeverityHigh || !strings.Contains(fs[0].Detail, "1 failed (AccessDenied)") {
		t.Fatalf("remove:\n%s", titles(fs))
	}
	fs = findingsOf(events(call{id: "y1", svc: "iam", name: "ResyncMFADevice", req: `{"userName":"alice","serialNumber":"s"}`}))
	if len(fs) != 1 || fs[0].Title != "MFA device resynced for alice (s)" || fs[0].Severity != SeverityMedium {
		t.Fatalf("resync:\n%s", titles(fs))
	}
}

func TestS3DataAccessFinding(t *testing.T) {
	var calls []call
	for i := range 30 {
		calls = append(calls, call{id: "g" + string(rune('a'+i)), svc: "s3", name: "GetObject", at: time.Duration(i) * time.Second,
			req: `{"bucketName":"finance-exports","key":"2026/q` + string(rune('a'+i)) + `.csv","Host":"finance-exports.s3.amazonaws.com"}`})
	}
	calls = append(calls,
		call{id: "g-again", svc: "s3", name: "GetObject", req: `{"bucketName":"finance-exports","key":"2026/qa.csv"}`, at: time.Minute},
		call{id: "l1", svc: "s3", name: "ListObjectsV2", req: `{"bucketName":"hr-archive","list-type":"2"}`, at: 2 * time.Minute},
		call{id: "p1", svc: "s3", name: "PutObject", req: `{"bucketName":"hr-archive","key":"README-RESTORE.txt"}`, at: 3 * time.Minute},
		call{id: "x1", svc: "s3", name: "DeleteObject", req: `{"bucketName":"hr-archive","key":"payroll.xlsx"}`, errCode: "AccessDenied", at: 4 * time.Minute},
		call{id: "lb", svc: "s3", name: "ListBuckets", at: -time.Minute}, // management: discovery
	)
	fs := findingsOf(events(calls...))
	f := findingByAction(t, fs, "s3:GetObject")
	if f.Title != "S3 data access: 30 objects read, 1 object written, 1 listing call (ListObjectsV2)" || f.Severity != SeverityHigh || f.Category != CatDataAccess {
		t.Fatalf("finding = %+v", f)
	}
	if !strings.Contains(f.Detail, "34 data events in 2 buckets: finance-exports, hr-archive") || !strings.Contains(f.Detail, "DeleteObject: 1 failed (AccessDenied)") {
		t.Errorf("detail = %q", f.Detail)
	}
	if len(f.EventIDs) != 34 {
		t.Errorf("event ids = %d", len(f.EventIDs))
	}
	// ListBuckets stays discovery; no "not visible" note when data events are there.
	for _, g := range fs {
		if strings.Contains(g.Title, "not visible") {
			t.Errorf("note despite data events: %+v", g)
		}
	}
	if d := findingByAction(t, append(fs, Finding{}), ""); d.Category != CatDiscovery || !strings.Contains(d.Title, "1 discovery call") {
		t.Errorf("discovery = %+v", d)
	}
}

// When the events read hold no S3 data event, the findings say object access could not
// be seen, rather than let "no data-access finding" read as "no access".
func TestNoS3DataEventsIsSaid(t *testing.T) {
	own := events(call{id: "lb", svc: "s3", name: "ListBuckets"}, call{id: "w", svc: "sts", name: "GetCallerIdentity", at: time.Second})
	all := func(own []*Event, extra ...*Event) []Finding {
		return buildFindings(own, append(slices.Clone(own), extra...), &Owner{User: "deploy-bot"})
	}
	fs := all(own)
	var note *Finding
	for i := range fs {
		if fs[i].Category == CatDataAccess {
			note = &fs[i]
		}
	}
	if note == nil || note.Severity != SeverityUnknown || note.Title != "S3 object access not visible: no S3 data events in the events read" ||
		!strings.Contains(note.Detail, "LookupEvents never returns them") || !note.Time.Equal(t0) {
		t.Fatalf("findings:\n%s", titles(fs))
	}
	// Another signer's data event among the events read means the trail logs them: the
	// key's silence is then an answer, and no note is raised.
	other := call{id: "o", svc: "s3", name: "GetObject", signer: "AKIAOTHEROTHEROTHER1", req: `{"bucketName":"b","key":"k"}`}.event()
	for _, f := range all(own, other) {
		if f.Category == CatDataAccess {
			t.Errorf("note raised though data events were read: %+v", f)
		}
	}
	if fs := all(nil); len(fs) != 0 {
		t.Errorf("a case with no events got findings:\n%s", titles(fs))
	}
}

func federationToken(id string, at time.Duration) call {
	return call{id: id, svc: "sts", name: "GetFederationToken", at: at, req: `{"name":"reporting-sync","durationSeconds":129600}`,
		resp: `{"credentials":{"accessKeyId":"ASIAFEDERATEDFED0001","expiration":"Nov 21, 2026, 9:00:00 PM","sessionToken":"x"},` +
			`"federatedUser":{"federatedUserId":"210987654321:reporting-sync","arn":"arn:aws:sts::210987654321:federated-user/reporting-sync"}}`}
}

var fedIdentity = &Identity{Type: "FederatedUser", ARN: "arn:aws:sts::210987654321:federated-user/reporting-sync", AccountID: patAcct, PrincipalID: patAcct + ":reporting-sync"}

func TestConsoleAccessThroughFederationToken(t *testing.T) {
	gft := federationToken("gft", 0)
	token := call{id: "tok", svc: "signin", name: "GetSigninToken", signer: "ASIAFEDERATEDFED0001", at: 40 * time.Second,
		identity: &Identity{Type: "FederatedUser", ARN: fedIdentity.ARN, AccountID: patAcct, AccessKeyID: "ASIAFEDERATEDFED0001"}}
	login := call{id: "login", svc: "signin", name: "ConsoleLogin", at: 52 * time.Second, identity: fedIdentity,
		resp: `{"ConsoleLogin":"Success"}`, raw: `{"additionalEventData":{"MFAUsed":"No","LoginTo":"https://console.aws.amazon.com/"}}`}
	own := events(gft, token) // the token is signed by the session: it is the case's own
	fs := findingsOf(own, login.event())
	f := findingByAction(t, fs, "signin:ConsoleLogin")
	if f.Title != "console access via GetFederationToken: 1 ConsoleLogin as reporting-sync" || f.Severity != SeverityCritical || f.Category != CatInitialAccess {
		t.Fatalf("finding = %+v", f)
	}
	if !slices.Equal(f.EventIDs, []string{"gft", "login", "tok"}) || !strings.Contains(f.Detail, "ConsoleLogin from 203.0.113.9 at 2026-11-20T09:00:52Z, MFA No") {
		t.Errorf("ids %v detail %q", f.EventIDs, f.Detail)
	}
	// The token event is explained by the chain: no finding of its own.
	for _, g := range fs {
		if g.Action == "signin:GetSigninToken" {
			t.Errorf("token raised its own finding: %+v", g)
		}
	}
	// Without the ConsoleLogin among the events read: the token alone.
	f = findingByAction(t, findingsOf(own), "signin:GetSigninToken")
	if f.Title != "console sign-in token via GetFederationToken for reporting-sync" || f.Severity != SeverityHigh {
		t.Errorf("token only: %+v", f)
	}
	// Neither: the federation token's own finding says no sign-in was found, and where
	// it was looked for.
	fs = findingsOf(events(gft))
	g := findingByAction(t, fs, "sts:GetFederationToken")
	if !strings.Contains(g.Detail, "no console sign-in as federated user reporting-sync in the events read (a ConsoleLogin carries no access key") {
		t.Errorf("federation token alone: %+v", g)
	}
}

func TestConsoleAccessThroughLoginProfile(t *testing.T) {
	profile := call{id: "lp", svc: "iam", name: "CreateLoginProfile", req: `{"userName":"backdoor","passwordResetRequired":false}`}
	backdoor := &Identity{Type: "IAMUser", ARN: "arn:aws:iam::210987654321:user/backdoor", AccountID: patAcct, UserName: "backdoor", PrincipalID: "AIDABACKDOOR"}
	before := call{id: "early", svc: "signin", name: "ConsoleLogin", at: -time.Hour, identity: backdoor, resp: `{"ConsoleLogin":"Success"}`}
	failed := call{id: "bad", svc: "signin", name: "ConsoleLogin", at: time.Hour, identity: backdoor, resp: `{"ConsoleLogin":"Failure"}`}
	ok := call{id: "good", svc: "signin", name: "ConsoleLogin", at: 2 * time.Hour, identity: backdoor, resp: `{"ConsoleLogin":"Success"}`}
	otherAcct := *backdoor
	otherAcct.AccountID = "111111111111"
	elsewhere := call{id: "elsewhere", svc: "signin", name: "ConsoleLogin", at: 3 * time.Hour, identity: &otherAcct, resp: `{"ConsoleLogin":"Success"}`}
	own := events(profile)
	fs := findingsOf(own, before.event(), failed.event(), ok.event(), elsewhere.event())
	f := findingByAction(t, fs, "signin:ConsoleLogin")
	if f.Title != "console access via CreateLoginProfile: 1 ConsoleLogin as backdoor" || f.Severity != SeverityCritical {
		t.Fatalf("finding = %+v", f)
	}
	if !slices.Equal(f.EventIDs, []string{"lp", "good", "bad"}) || !strings.Contains(f.Detail, "ConsoleLogin from 203.0.113.9 at 2026-11-20T10:00:00Z, failed") {
		t.Errorf("ids %v detail %q", f.EventIDs, f.Detail)
	}
	lp := findingByAction(t, fs, "iam:CreateLoginProfile")
	if strings.Contains(lp.Detail, "no console sign-in") {
		t.Errorf("login profile says no sign-in though one was found: %q", lp.Detail)
	}
	// Only a failed attempt: high, and said to have failed.
	f = findingByAction(t, findingsOf(own, failed.event()), "signin:ConsoleLogin")
	if f.Title != "console sign-in via CreateLoginProfile attempted as backdoor, failed" || f.Severity != SeverityHigh {
		t.Errorf("failed only: %+v", f)
	}
	// No sign-in: the profile's finding says none was found among the events read.
	lp = findingByAction(t, findingsOf(own), "iam:CreateLoginProfile")
	if !strings.Contains(lp.Detail, "no console sign-in as backdoor in the events read") {
		t.Errorf("no sign-in: %q", lp.Detail)
	}
}

// Events read from a log file keep their records by reference: the parts a finding
// reads beyond the parameters (a model invocation's tokens, a sign-in's MFAUsed) are
// held with them all the same, and the record is never read again for them.
func TestPatternsReadRecordsKeptByReference(t *testing.T) {
	src := &mapSource{records: map[uint64][]byte{}}
	byRef := func(c call) *Event {
		t.Helper()
		raw, err := c.event().Raw()
		if err != nil {
			t.Fatal(err)
		}
		loc := uint64(len(src.records) + 1)
		src.records[loc] = raw
		e, err := DecodeRecordAt(raw, src, loc)
		if err != nil || !e.RawKeptByReference() {
			t.Fatalf("%s: by reference %v, %v", c.id, e.RawKeptByReference(), err)
		}
		return &e
	}
	invoke := byRef(call{id: "i1", svc: "bedrock", name: "InvokeModel", req: `{"modelId":"anthropic.claude-3-sonnet-20240229-v1:0"}`,
		raw: `{"additionalEventData":{"inputTokens":1200,"outputTokens":800}}`})
	f := findingByAction(t, findingsOf([]*Event{invoke}), "bedrock:InvokeModel")
	if !strings.Contains(f.Detail, "1,200 input and 800 output tokens") {
		t.Errorf("tokens of an invocation kept by reference: %q", f.Detail)
	}
	login := byRef(call{id: "login", svc: "signin", name: "ConsoleLogin", at: 52 * time.Second, identity: fedIdentity,
		resp: `{"ConsoleLogin":"Success"}`, raw: `{"additionalEventData":{"MFAUsed":"No","LoginTo":"https://console.aws.amazon.com/"}}`})
	f = findingByAction(t, findingsOf(events(federationToken("gft", 0)), login), "signin:ConsoleLogin")
	if !strings.Contains(f.Detail, "MFA No") {
		t.Errorf("MFAUsed of a sign-in kept by reference: %q", f.Detail)
	}
	if src.reads != 0 {
		t.Errorf("the records were read again %d times for the findings", src.reads)
	}
}

// A case's S3 data events are the object-level calls the findings count, one list for
// every part of the case: a bucket's object-lock configuration is a management event
// (its name holds "Object"), a part of an upload is a data event (its name does not).
func TestSequenceResolverKnowsS3DataEventsByTheFindingsList(t *testing.T) {
	r := newSignalResolver(nil, events(call{id: "m", svc: "s3", name: "GetObjectLockConfiguration"}), Window{}, true)
	if r.s3Data {
		t.Error("GetObjectLockConfiguration taken for a data event")
	}
	r = newSignalResolver(nil, events(call{id: "d", svc: "s3", name: "UploadPart"}), Window{}, true)
	if !r.s3Data {
		t.Error("UploadPart not taken for a data event")
	}
}
