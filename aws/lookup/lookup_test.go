package lookup

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/internal/sourcetest"
	cttest "github.com/keypivot/keypivot/internal/testserver/cloudtrail"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// Under throttling (the server allows half our rate, and one region answers
// ThrottlingException more often than the SDK's three attempts would survive), every
// event of every region is found, every region is "searched", and pages are resumed with
// their NextToken (the server refuses a token replayed with other parameters).
func TestAllEventsFoundAcrossRegionsUnderThrottling(t *testing.T) {
	t.Parallel()
	f := newFixture(t, cttest.Options{Rate: 1, Burst: 1})
	const key = "AKIAW9X2Q2U25SK79UCX"
	recs := corpusRecords(t, "aws.execution.ssm-send-command.json", key)
	now := latest(t, recs)
	f.ct.SetNow(now)
	regions := []string{"us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2", "sa-east-1"}
	for _, r := range regions {
		if err := f.ct.AddRecords("", inRegion(t, recs, r, 2)); err != nil { // 112 events: 3 pages
			t.Fatal(err)
		}
	}
	f.ct.SetFault("eu-central-1", cttest.Fault{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded", Times: 5})

	src := f.source(now, regions[1:]...) // us-east-1 is always added
	var got sourcetest.Sink[investigate.Event]
	rep, err := src.Events(context.Background(), investigate.EventQuery{AccessKeys: investigate.KeyIDs(key)}, got.Receive)
	if err != nil {
		t.Fatal(err)
	}
	want := len(recs) * 2
	ids := deliveries(got.Items)
	if len(ids) != want*len(regions) {
		t.Errorf("found %d distinct events, want %d (%d in each of %d regions)", len(ids), want*len(regions), want, len(regions))
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
	if rep.Matched != int64(want*len(regions)) || rep.Kind != "cloudtrail-lookup" {
		t.Errorf("report: matched %d kind %q", rep.Matched, rep.Kind)
	}
	if len(rep.Regions) != len(regions) || rep.Regions[0].Region != "us-east-1" {
		t.Errorf("regions reported: %+v", rep.Regions)
	}
	for _, r := range regions {
		st := regionStatus(rep, r)
		if st.Status != investigate.RegionSearched || st.Events != want || st.Pages != 3 || st.Error != "" {
			t.Errorf("%s: %+v, want searched with %d events in 3 pages", r, st, want)
		}
	}
	if st := regionStatus(rep, "eu-central-1"); st.Retries < 5 {
		t.Errorf("eu-central-1 answered ThrottlingException 5 times but the report shows %d retries", st.Retries)
	}
	total := f.ct.Counts("")
	if total.Throttled == 0 || total.Faulted != 5 || total.Invalid != 0 {
		t.Errorf("server counts %+v: want throttling seen, 5 faults, no invalid request", total)
	}
	if got.Batches < len(regions)*3 {
		t.Errorf("%d batches: events must stream page by page (want at least %d)", got.Batches, len(regions)*3)
	}
	for _, e := range got.Items {
		raw, err := e.Raw()
		if e.Signer() != key || !strings.HasPrefix(e.Origin.String(), "lookup ") || err != nil || len(raw) == 0 {
			t.Fatalf("event %s: signer %s origin %q", e.ID, e.Signer(), e.Origin)
		}
	}
}

// A region that fails is reported failed, with why, in the report and in the case's
// coverage gaps; a region that stays throttled is reported throttled, not as "no events";
// the other regions' events are all there.
func TestFailingAndThrottledRegionsAreReportedInTheCoverage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, cttest.Options{})
	const key = "AKIAW9X2Q2U25SK79UCX"
	recs := corpusRecords(t, "aws.execution.ssm-send-command.json", key)
	now := latest(t, recs)
	f.ct.SetNow(now)
	for _, r := range []string{"us-east-1", "eu-west-1", "eu-west-2", "eu-north-1"} {
		if err := f.ct.AddRecords("", inRegion(t, recs, r, 1)); err != nil {
			t.Fatal(err)
		}
	}
	f.ct.SetFault("eu-west-2", cttest.FaultInternalError)
	f.ct.SetFault("eu-north-1", cttest.Fault{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded"})
	f.ct.SetFault("ap-south-1", cttest.FaultAccessDenied)
	f.ct.SetFault("ca-central-1", cttest.Fault{Delay: time.Minute}) // never answers
	src := f.source(now, "eu-west-1", "eu-west-2", "eu-north-1", "ap-south-1", "ca-central-1")
	src.Retry = RetryPolicy{Throttles: 3, Errors: 2, Base: 20 * time.Millisecond, Max: 100 * time.Millisecond, Timeout: 300 * time.Millisecond}

	col := investigate.Collect(context.Background(), investigate.MustParseAccessKeyID(key), []investigate.EventSource{src}, nil, investigate.CollectOptions{})
	if len(col.Errors) != 0 {
		t.Fatalf("partial failure must not fail the source: %v", col.Errors)
	}
	rep := col.Reports[0]
	for region, want := range map[string]string{"us-east-1": "searched", "eu-west-1": "searched", "eu-west-2": "failed", "eu-north-1": "throttled", "ap-south-1": "failed", "ca-central-1": "failed"} {
		if st := regionStatus(rep, region); st.Status != want {
			t.Errorf("%s: %+v, want %s", region, st, want)
		}
	}
	if st := regionStatus(rep, "ap-south-1"); !strings.Contains(st.Error, "cloudtrail:LookupEvents") {
		t.Errorf("a denied region must name the missing permission: %q", st.Error)
	}
	if st := regionStatus(rep, "ca-central-1"); !strings.Contains(st.Error, "no answer within 300ms, 3 times") {
		t.Errorf("a region that never answers: %q", st.Error)
	}
	if st := regionStatus(rep, "eu-north-1"); !strings.Contains(st.Error, "throttled") {
		t.Errorf("throttled region error: %q", st.Error)
	}
	if got := col.Set.Len(); got != 2*len(recs) {
		t.Errorf("%d events, want the %d of us-east-1 and eu-west-1", got, 2*len(recs))
	}
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(key), Events: col.Set.Events(), Reports: col.Reports, Now: now})
	gaps := strings.Join(c.Coverage.Gaps, "\n")
	for _, want := range []string{"region eu-west-2 failed", "region eu-north-1 throttled", "region ap-south-1 failed"} {
		if !strings.Contains(gaps, want) {
			t.Errorf("coverage gaps lack %q:\n%s", want, gaps)
		}
	}
	// Every region failing is an error of the source.
	f.ct.SetFault("us-east-1", cttest.FaultAccessDenied)
	f.ct.SetFault("eu-west-1", cttest.FaultAccessDenied)
	f.ct.SetFault("eu-north-1", cttest.FaultAccessDenied)
	f.ct.SetFault("ca-central-1", cttest.FaultAccessDenied)
	_, err := src.Events(context.Background(), investigate.EventQuery{AccessKeys: investigate.KeyIDs(key)}, func([]investigate.Event) {})
	if err == nil || !awsconfig.IsDenied(err) {
		t.Errorf("every region denied: err = %v, want a denial naming the permission", err)
	}
}

// Collect calls the source again with the keys of derived sessions: the ASIA key of a
// GetFederationToken is looked up in a later round, and its events join the case.
func TestDerivedSessionKeysAreLookedUpInLaterRounds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, cttest.Options{})
	recs := corpusRecords(t, "aws.persistence.sts-federation-token.json", "")
	now := latest(t, recs)
	f.ct.SetNow(now)
	var raw [][]byte
	for _, r := range recs {
		b, _ := json.Marshal(r)
		raw = append(raw, b)
	}
	if err := f.ct.AddRecords("", raw); err != nil {
		t.Fatal(err)
	}
	region := recs[0]["awsRegion"].(string)
	src := f.source(now, region)
	var rounds [][]string
	col := investigate.Collect(context.Background(), investigate.MustParseAccessKeyID("AKIA6V1GNZTT65XQH36M"), []investigate.EventSource{&recording{src, &rounds}}, nil, investigate.CollectOptions{})
	if !slices.Contains(investigate.KeyStrings(col.Keys), "ASIASTJKC5GCM7ZE6LUP") {
		t.Fatalf("keys %v: the federation token's ASIA key was not derived", col.Keys)
	}
	if len(rounds) < 2 || !slices.Equal(rounds[1], []string{"ASIASTJKC5GCM7ZE6LUP"}) {
		t.Errorf("rounds %v: want the session key asked for in round 2", rounds)
	}
	var signers []string
	for _, e := range col.Set.Events() {
		signers = append(signers, e.Signer())
	}
	if !slices.Contains(signers, "ASIASTJKC5GCM7ZE6LUP") || !slices.Contains(signers, "AKIA6V1GNZTT65XQH36M") {
		t.Errorf("signers %v: want events of both keys", signers)
	}
}

type recording struct {
	*Source
	rounds *[][]string
}

func (r *recording) Events(ctx context.Context, q investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	if len(q.AccessKeys) > 0 {
		*r.rounds = append(*r.rounds, investigate.KeyStrings(q.AccessKeys))
	}
	return r.Source.Events(ctx, q, sink)
}

// A key of another account is looked up in that account when a session for it is
// configured, and reported as a gap (naming the flag) when not.
func TestKeysAreSearchedInTheirOwnAccount(t *testing.T) {
	t.Parallel()
	f := newFixture(t, cttest.Options{})
	const other = "210987654321"
	ctx := context.Background()
	// A user and key of the other account, so that STS GetAccessKeyInfo knows the key.
	ocfg := f.moto.AWSConfigFor(t, "us-east-1", other)
	oiam := iam.NewFromConfig(ocfg)
	if _, err := oiam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("deploy")}); err != nil {
		t.Fatal(err)
	}
	k, err := oiam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("deploy")})
	if err != nil {
		t.Fatal(err)
	}
	key := aws.ToString(k.AccessKey.AccessKeyId)
	recs := corpusRecords(t, "aws.execution.ssm-send-command.json", "AKIAW9X2Q2U25SK79UCX")
	for _, r := range recs {
		r["userIdentity"].(map[string]any)["accessKeyId"] = key
	}
	now := latest(t, recs)
	f.ct.SetNow(now)
	if err := f.ct.AddRecords(other, inRegion(t, recs, "eu-west-1", 1)); err != nil {
		t.Fatal(err)
	}
	f.ct.BindKey(moto.AccessKeyID, moto.Account)

	// Without a session for the other account: a gap, and the caller's account searched.
	src := f.source(now, "eu-west-1")
	rep, err := src.Events(ctx, investigate.EventQuery{AccessKeys: investigate.KeyIDs(key)}, func([]investigate.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "--account-profile "+other+"=PROFILE") {
		t.Errorf("notes %v: want the flag that fixes it", rep.Notes)
	}
	var skipped bool
	for _, r := range rep.Regions {
		if r.Account == other && r.Status == investigate.RegionSkipped {
			skipped = true
		}
		if r.Account == moto.Account && r.Status == investigate.RegionSearched && r.Events != 0 {
			t.Errorf("the caller's account has none of the key's events: %+v", r)
		}
	}
	if !skipped || rep.Matched != 0 {
		t.Errorf("regions %+v matched %d: want account %s skipped", rep.Regions, rep.Matched, other)
	}

	// With a session for it (its own credentials, bound to the account in the server).
	ocfg.Credentials = credentials.NewStaticCredentialsProvider("AKIAOTHERACCOUNT0001", "secret", "")
	osess, err := awsconfig.FromConfig(ctx, ocfg, awsconfig.Options{Profile: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if osess.Identity.Account != other {
		t.Fatalf("other session is in %s", osess.Identity.Account)
	}
	f.ct.BindKey("AKIAOTHERACCOUNT0001", other)
	src = f.source(now, "eu-west-1")
	src.Accounts = map[string]*awsconfig.Session{other: osess}
	rep, events, err := sourcetest.Events(ctx, src, investigate.EventQuery{AccessKeys: investigate.KeyIDs(key)})
	if err != nil {
		t.Fatal(err)
	}
	if ids := deliveries(events); len(ids) != len(recs) || rep.Regions[0].Account != other {
		t.Errorf("found %d of %d events; regions %+v", len(ids), len(recs), rep.Regions)
	}
	if len(events) > 0 && events[0].Origin.String() != "lookup "+other+" eu-west-1" {
		t.Errorf("origin %q should name the account", events[0].Origin)
	}
}

// Without --regions, every region enabled for the account is searched (moto's list), with
// us-east-1 first; key pairs in the query are noted as not searchable; the window is
// clamped to 90 days and a window older than that searches nothing.
func TestRegionsWindowAndKeyPairNotes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, cttest.Options{Rate: 100, Burst: 100})
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.ct.SetNow(now)
	ctx := context.Background()
	enabled, err := EnabledRegions(ctx, f.sess)
	if err != nil {
		t.Fatal(err)
	}
	if len(enabled) < 10 || !slices.Contains(enabled, "eu-west-1") {
		t.Fatalf("moto's enabled regions: %v", enabled)
	}
	src := f.source(now)
	q := investigate.EventQuery{
		AccessKeys: investigate.KeyIDs("AKIAW9X2Q2U25SK79UCX"),
		KeyPairs:   []investigate.KeyPairRef{{Name: "miner", Region: "eu-west-1"}},
		Window:     investigate.Window{Since: now.Add(-200 * 24 * time.Hour)},
	}
	rep, err := src.Events(ctx, q, func([]investigate.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Regions) != len(sortedRegions(enabled)) || rep.Regions[0].Region != "us-east-1" {
		t.Errorf("searched %d regions (first %s), want the %d enabled ones, us-east-1 first", len(rep.Regions), rep.Regions[0].Region, len(sortedRegions(enabled)))
	}
	for _, r := range rep.Regions {
		if r.Status != investigate.RegionSearched || r.Pages < 1 {
			t.Errorf("%+v", r)
		}
	}
	notes := strings.Join(rep.Notes, "\n")
	for _, want := range []string{"RunInstances event of their regions", "keeps 90 days"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q: %v", want, rep.Notes)
		}
	}
	if got := f.ct.Counts("").Requests; got != len(rep.Regions)+1 {
		t.Errorf("%d requests for %d regions and one launch search", got, len(rep.Regions))
	}

	old := investigate.EventQuery{AccessKeys: q.AccessKeys, Window: investigate.Window{Since: now.Add(-400 * 24 * time.Hour), Until: now.Add(-100 * 24 * time.Hour)}}
	rep, err = src.Events(ctx, old, func([]investigate.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Regions {
		if r.Status != investigate.RegionSkipped {
			t.Errorf("a window older than 90 days: %+v, want skipped", r)
		}
	}
}

// Two lookups running at once in one region share its limiter: together they stay at
// 2 requests per second, and a server enforcing exactly that never throttles them.
func TestConcurrentLookupsShareTheRegionsLimiter(t *testing.T) {
	t.Parallel()
	f := newFixture(t, cttest.Options{}) // the real limits: 2/s, burst 2
	recs := corpusRecords(t, "aws.execution.ssm-send-command.json", "AKIAW9X2Q2U25SK79UCX")
	now := latest(t, recs)
	f.ct.SetNow(now)
	if err := f.ct.AddRecords("", inRegion(t, recs, "us-east-1", 2)); err != nil {
		t.Fatal(err)
	}
	shared := NewLimiters(Rate, 1)
	a, b := f.source(now), f.source(now)
	a.Limiters, b.Limiters = shared, shared
	a.Regions, b.Regions = []string{"us-east-1"}, []string{"us-east-1"}
	var wg sync.WaitGroup
	var errA, errB error
	var repA, repB investigate.SourceReport
	q := investigate.EventQuery{AccessKeys: investigate.KeyIDs("AKIAW9X2Q2U25SK79UCX")}
	wg.Go(func() { repA, errA = a.Events(context.Background(), q, func([]investigate.Event) {}) })
	wg.Go(func() { repB, errB = b.Events(context.Background(), q, func([]investigate.Event) {}) })
	wg.Wait()
	if err := errors.Join(errA, errB); err != nil {
		t.Fatal(err)
	}
	if c := f.ct.Counts("us-east-1"); c.Throttled != 0 || c.Served != 6 {
		t.Errorf("server counts %+v: want 6 pages served and no throttling", c)
	}
	if repA.Regions[0].Retries+repB.Regions[0].Retries != 0 {
		t.Errorf("retries: %d + %d", repA.Regions[0].Retries, repB.Regions[0].Retries)
	}
}

// Launches by another principal with a key pair the key created are found: LookupEvents
// cannot filter on the key name, so the RunInstances events of the key pair's region are
// read and matched here, and the case shows the launch as matched by key pair.
func TestLaunchesWithTheKeysKeyPairsAreFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t, cttest.Options{})
	run := corpusRecords(t, "aws.execution.ec2-launch-unusual-instances.json", "")
	var tmpl map[string]any
	for _, r := range run {
		if r["eventName"] == "RunInstances" {
			tmpl = r
		}
	}
	const key, backdoor, region = "AKIAW9X2Q2U25SK79UCX", "AKIABACKDOORKEY00001", "eu-west-1"
	now := time.Now().UTC().Truncate(time.Second)
	f.ct.SetNow(now)
	rec := func(id, signer, name string, at time.Duration, req, resp map[string]any) []byte {
		r := map[string]any{}
		for k, v := range tmpl {
			r[k] = v
		}
		r["eventID"], r["eventName"], r["awsRegion"], r["eventTime"] = id, name, region, now.Add(-at).Format(time.RFC3339)
		r["userIdentity"] = map[string]any{"type": "IAMUser", "userName": "u-" + signer[len(signer)-4:], "accessKeyId": signer, "accountId": moto.Account}
		r["requestParameters"], r["responseElements"], r["errorCode"], r["errorMessage"] = req, resp, nil, nil
		b, _ := json.Marshal(r)
		return b
	}
	launch := func(keyName string) map[string]any {
		return map[string]any{"instanceType": "p3.16xlarge", "instancesSet": map[string]any{"items": []any{map[string]any{"imageId": "ami-0abc", "keyName": keyName, "minCount": 1, "maxCount": 1}}}}
	}
	recs := [][]byte{
		rec("kp-1", key, "CreateKeyPair", 3*time.Hour, map[string]any{"keyName": "miner"}, map[string]any{"keyName": "miner", "keyPairId": "key-0miner"}),
		rec("run-1", backdoor, "RunInstances", 2*time.Hour, launch("miner"), map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": "i-0aaaaaaaaaaaaaaa1"}}}}),
		rec("run-2", backdoor, "RunInstances", time.Hour, launch("someone-elses"), map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": "i-0bbbbbbbbbbbbbbb2"}}}}),
	}
	if err := f.ct.AddRecords("", recs); err != nil {
		t.Fatal(err)
	}
	col := investigate.Collect(context.Background(), investigate.MustParseAccessKeyID(key), []investigate.EventSource{f.source(now, region)}, nil, investigate.CollectOptions{})
	ids := map[string]bool{}
	for _, e := range col.Set.Events() {
		ids[e.ID] = true
	}
	if !ids["kp-1"] || !ids["run-1"] || ids["run-2"] {
		t.Fatalf("events %v: want the key pair and the launch with it, not the other launch", ids)
	}
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(key), Events: col.Set.Events(), Reports: col.Reports, Now: now})
	if len(c.FollowUps.Launches) != 1 || c.FollowUps.Launches[0].MatchedBy != investigate.MatchedByKeyPair || c.FollowUps.Launches[0].Signer != backdoor {
		t.Errorf("launches: %+v", c.FollowUps.Launches)
	}
	if st := regionStatus(col.Reports[0], region); st.Status != investigate.RegionSearched {
		t.Errorf("%s: %+v", region, st)
	}
}

// The key backdoors a role's trust policy (a real record); the role round reads the
// CreateRole, UpdateAssumeRolePolicy and DeleteRole events of us-east-1, by anyone, keeps
// those of the role, and the case restores the document the administrator created the
// role with. Another role's creation is dropped; the role's policy changes are not read,
// and the report says so.
func TestRoleHistoryIsFoundByEventNameAndMatchedOnTheRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t, cttest.Options{})
	edit := corpusRecords(t, "aws.persistence.iam-backdoor-role.json", "")
	const key, role = "AKIAMUV7B57OZM0RV05D", "stratus-red-team-backdoor-r-role"
	var create map[string]any
	for _, r := range corpusRecords(t, "aws.persistence.iam-create-backdoor-role.json", "") {
		if r["eventName"] == "CreateRole" {
			create = r
		}
	}
	if create == nil {
		t.Fatal("the corpus has no CreateRole")
	}
	before := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	admin := func(id, name, roleName string, at string, params map[string]any) map[string]any {
		r := map[string]any{}
		for k, v := range create {
			r[k] = v
		}
		params["roleName"] = roleName
		r["eventID"], r["eventName"], r["eventTime"], r["requestParameters"], r["responseElements"] = id, name, at, params, nil
		// The admin acts in the account of the edited role (the corpus CreateRole is of another).
		acct := edit[0]["recipientAccountId"]
		ui := map[string]any{}
		for k, v := range r["userIdentity"].(map[string]any) {
			ui[k] = v
		}
		ui["accountId"], r["recipientAccountId"], r["userIdentity"] = acct, acct, ui
		return r
	}
	recs := append(edit, // the key's edit, 2024-08-01T13:29:57Z
		admin("admin-create", "CreateRole", role, "2024-08-01T10:00:00Z", map[string]any{"assumeRolePolicyDocument": before}),
		admin("admin-other", "CreateRole", "someone-elses-role", "2024-08-01T10:01:00Z", map[string]any{"assumeRolePolicyDocument": before}),
		admin("admin-attach", "AttachRolePolicy", role, "2024-08-01T10:02:00Z", map[string]any{"policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
	)
	now := latest(t, recs)
	f.ct.SetNow(now)
	if err := f.ct.AddRecords("", inRegion(t, recs, "us-east-1", 1)); err != nil {
		t.Fatal(err)
	}
	col := sourcetest.Collect(t, f.source(now, "us-east-1"), key, investigate.Window{})
	if !slices.Equal(col.Roles, []string{role}) {
		t.Fatalf("role round asked for %v", col.Roles)
	}
	var ids []string
	for _, e := range col.Set.Events() {
		ids = append(ids, strings.TrimSuffix(e.ID, "-us-east-1-0"))
	}
	slices.Sort(ids)
	if want := []string{edit[0]["eventID"].(string), "admin-create"}; !slices.Equal(ids, slices.Sorted(slices.Values(want))) {
		t.Errorf("events %v, want %v", ids, want)
	}
	rounds := col.Rounds[0]
	if len(rounds) != 2 || rounds[1].Records != 3 || rounds[1].Matched != 2 {
		t.Errorf("role round: %+v; want the 3 CreateRole and UpdateAssumeRolePolicy events read, 2 kept", rounds[len(rounds)-1])
	}
	notes := strings.Join(col.Reports[0].Notes, "\n")
	if !strings.Contains(notes, "CreateRole, UpdateAssumeRolePolicy, DeleteRole event of us-east-1 in account "+moto.Account) ||
		!strings.Contains(notes, "AttachRolePolicy, DetachRolePolicy, PutRolePolicy, DeleteRolePolicy calls by others were not searched") {
		t.Errorf("notes %q", notes)
	}
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(key), Events: col.Set.Events(), Reports: col.Reports, Now: now})
	i := slices.IndexFunc(c.Artifacts, func(a investigate.Artifact) bool { return a.Kind == investigate.ArtTrustPolicy })
	if i < 0 || c.Artifacts[i].PreviousEvent != "admin-create-us-east-1-0" || !investigate.SamePolicy(c.Artifacts[i].PreviousDocument, before) {
		t.Fatalf("artifacts %+v: want the trust policy with admin-create's document", c.Artifacts)
	}
	if !slices.ContainsFunc(c.Plan, func(s investigate.PlanStep) bool { return s.Kind == investigate.ActRestoreTrustPolicy }) {
		t.Errorf("plan %+v: no restore-trust-policy", c.Plan)
	}
}
