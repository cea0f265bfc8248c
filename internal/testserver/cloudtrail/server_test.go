package cloudtrail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/smithy-go"
	"golang.org/x/time/rate"
)

const corpusDir = "../../../../shared/corpus/stratus-detonation-logs"

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// client is the real SDK client, signing for region with keyID, without retries so that
// every answer of the server is seen.
func client(srv *Server, region, keyID string, opts ...func(*sdk.Options)) *sdk.Client {
	cfg := aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, "test-secret", ""),
		BaseEndpoint: aws.String(srv.URL()),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   HTTPClient(),
	}
	return sdk.NewFromConfig(cfg, opts...)
}

// makeRecord is a minimal real-shape CloudTrail management event.
func makeRecord(id string, at time.Time, name, key, region, account string) []byte {
	b, err := json.Marshal(map[string]any{
		"eventVersion": "1.09", "eventID": id, "eventTime": at.UTC().Format(time.RFC3339),
		"eventSource": "iam.amazonaws.com", "eventName": name, "awsRegion": region,
		"recipientAccountId": account, "readOnly": strings.HasPrefix(name, "List"),
		"eventType": "AwsApiCall", "managementEvent": true, "eventCategory": "Management",
		"sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.15.0",
		"userIdentity": map[string]any{"type": "IAMUser", "userName": "alice", "accessKeyId": key,
			"accountId": account, "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::" + account + ":user/alice"},
		"requestParameters": map[string]any{"userName": "bob"}, "responseElements": nil,
	})
	if err != nil {
		panic(err)
	}
	return b
}

func byKey(key string) []types.LookupAttribute {
	return []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyAccessKeyId, AttributeValue: aws.String(key)}}
}

func lookupAll(t *testing.T, c *sdk.Client, in *sdk.LookupEventsInput) (events []types.Event, pages int) {
	t.Helper()
	p := sdk.NewLookupEventsPaginator(c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		pages++
		events = append(events, out.Events...)
	}
	return events, pages
}

func TestPaginationReturnsEverythingNewestFirst(t *testing.T) {
	srv := New(t, Options{Rate: rate.Inf, Now: func() time.Time { return now }})
	const key, region, account = "AKIAPAGINATION000001", "us-east-1", "111111111111"
	var raw [][]byte
	var want []string // newest first
	for i := range 120 {
		// Three events a second: pages must be cut between events of the same second.
		at := now.Add(-time.Hour).Add(time.Duration(i/3) * time.Second)
		id := fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
		raw = append(raw, makeRecord(id, at, "CreateUser", key, region, account))
		want = append(want, id)
	}
	slices.Reverse(want)
	// Noise: another key in the same region, the same key in another region.
	for i := range 10 {
		raw = append(raw, makeRecord(fmt.Sprintf("other-key-%d", i), now.Add(-time.Minute), "ListUsers", "AKIAOTHER00000000001", region, account))
		raw = append(raw, makeRecord(fmt.Sprintf("other-region-%d", i), now.Add(-time.Minute), "ListUsers", key, "eu-west-1", account))
	}
	if err := srv.AddRecords("", raw); err != nil {
		t.Fatal(err)
	}

	events, pages := lookupAll(t, client(srv, region, "AKIACALLER0000000001"), &sdk.LookupEventsInput{LookupAttributes: byKey(key)})
	if pages != 3 {
		t.Errorf("pages = %d, want 3 (50 + 50 + 20)", pages)
	}
	var got []string
	for _, e := range events {
		got = append(got, aws.ToString(e.EventId))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("event ids (%d) are not the %d expected, newest first:\ngot  %v\nwant %v", len(got), len(want), got, want)
	}
	for i := 1; i < len(events); i++ {
		if events[i].EventTime.After(*events[i-1].EventTime) {
			t.Fatalf("event %d (%v) is newer than event %d (%v)", i, events[i].EventTime, i-1, events[i-1].EventTime)
		}
	}

	// The fields of one event, as the SDK decoded them.
	e := events[0]
	if aws.ToString(e.EventName) != "CreateUser" || aws.ToString(e.AccessKeyId) != key || aws.ToString(e.ReadOnly) != "false" ||
		aws.ToString(e.EventSource) != "iam.amazonaws.com" || aws.ToString(e.Username) != "alice" {
		t.Errorf("event fields = %s %s %s %s %s", aws.ToString(e.EventName), aws.ToString(e.AccessKeyId),
			aws.ToString(e.ReadOnly), aws.ToString(e.EventSource), aws.ToString(e.Username))
	}
	if wantT := now.Add(-time.Hour).Add(39 * time.Second); !e.EventTime.Equal(wantT) {
		t.Errorf("EventTime = %v, want %v", e.EventTime, wantT)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec); err != nil || rec["eventID"] != want[0] || rec["awsRegion"] != region {
		t.Errorf("CloudTrailEvent is not the record: %v, %v", err, aws.ToString(e.CloudTrailEvent))
	}

	// Smaller pages, and a token replayed with another MaxResults, still cover everything.
	small, pages := lookupAll(t, client(srv, region, "AKIACALLER0000000001"),
		&sdk.LookupEventsInput{LookupAttributes: byKey(key), MaxResults: aws.Int32(7)})
	if len(small) != 120 || pages != 18 {
		t.Errorf("MaxResults 7: %d events in %d pages, want 120 in 18", len(small), pages)
	}
}

func TestTimeRangeAndNinetyDayWindow(t *testing.T) {
	srv := New(t, Options{Rate: rate.Inf, Now: func() time.Time { return now }})
	const key, region = "AKIAWINDOW0000000001", "us-east-1"
	ages := map[string]time.Duration{"fresh": time.Hour, "old": 89 * 24 * time.Hour, "expired": 91 * 24 * time.Hour, "future": -time.Hour}
	var raw [][]byte
	for id, age := range ages {
		raw = append(raw, makeRecord(id, now.Add(-age), "CreateUser", key, region, "111111111111"))
	}
	// A data event is in trail files but never in LookupEvents.
	var data map[string]any
	json.Unmarshal(makeRecord("data", now.Add(-time.Minute), "GetObject", key, region, "111111111111"), &data)
	data["managementEvent"], data["eventCategory"], data["eventSource"] = false, "Data", "s3.amazonaws.com"
	b, _ := json.Marshal(data)
	raw = append(raw, b)
	if err := srv.AddRecords("", raw); err != nil {
		t.Fatal(err)
	}
	c := client(srv, region, "AKIACALLER0000000001")
	ids := func(in *sdk.LookupEventsInput) []string {
		events, _ := lookupAll(t, c, in)
		var out []string
		for _, e := range events {
			out = append(out, aws.ToString(e.EventId))
		}
		return out
	}
	if got := ids(&sdk.LookupEventsInput{LookupAttributes: byKey(key)}); !slices.Equal(got, []string{"fresh", "old"}) {
		t.Errorf("default window = %v, want [fresh old]: nothing older than 90 days, nothing after now, no data events", got)
	}
	got := ids(&sdk.LookupEventsInput{StartTime: aws.Time(now.Add(-2 * time.Hour)), EndTime: aws.Time(now)})
	if !slices.Equal(got, []string{"fresh"}) {
		t.Errorf("last two hours = %v, want [fresh]", got)
	}
	// Both bounds are inclusive.
	at := now.Add(-time.Hour)
	if got := ids(&sdk.LookupEventsInput{StartTime: aws.Time(at), EndTime: aws.Time(at)}); !slices.Equal(got, []string{"fresh"}) {
		t.Errorf("StartTime = EndTime = the event's time: %v, want [fresh]", got)
	}
	// Moving the clock moves the window.
	srv.SetNow(now.Add(30 * 24 * time.Hour))
	if got := ids(&sdk.LookupEventsInput{}); !slices.Equal(got, []string{"future", "fresh"}) {
		t.Errorf("30 days later = %v, want [future fresh]", got)
	}
}

func TestValidationErrorsMapToTheSDKsTypes(t *testing.T) {
	srv := New(t, Options{Rate: rate.Inf, Now: func() time.Time { return now }})
	var raw [][]byte
	for i := range 3 {
		raw = append(raw, makeRecord(fmt.Sprint("e", i), now.Add(-time.Duration(i)*time.Minute), "CreateUser", "AKIAVALID00000000001", "us-east-1", "111111111111"))
	}
	if err := srv.AddRecords("", raw); err != nil {
		t.Fatal(err)
	}
	c := client(srv, "us-east-1", "AKIACALLER0000000001")
	ctx := context.Background()
	first, err := c.LookupEvents(ctx, &sdk.LookupEventsInput{LookupAttributes: byKey("AKIAVALID00000000001"), MaxResults: aws.Int32(1)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %v, NextToken %v", err, first)
	}
	tok := first.NextToken

	var (
		attrs     *types.InvalidLookupAttributesException
		maxRes    *types.InvalidMaxResultsException
		timeRange *types.InvalidTimeRangeException
		nextTok   *types.InvalidNextTokenException
		category  *types.InvalidEventCategoryException
	)
	for _, tc := range []struct {
		name string
		in   sdk.LookupEventsInput
		as   any
	}{
		{"two attributes", sdk.LookupEventsInput{LookupAttributes: append(byKey("AKIAVALID00000000001"),
			types.LookupAttribute{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateUser")})}, &attrs},
		{"unknown attribute key", sdk.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
			{AttributeKey: "SourceIPAddress", AttributeValue: aws.String("198.51.100.7")}}}, &attrs},
		{"empty attribute value", sdk.LookupEventsInput{LookupAttributes: byKey("")}, &attrs},
		{"MaxResults 51", sdk.LookupEventsInput{MaxResults: aws.Int32(51)}, &maxRes},
		{"MaxResults 0", sdk.LookupEventsInput{MaxResults: aws.Int32(0)}, &maxRes},
		{"StartTime after EndTime", sdk.LookupEventsInput{StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Second))}, &timeRange},
		{"event category", sdk.LookupEventsInput{EventCategory: "data"}, &category},
		{"token of another attribute", sdk.LookupEventsInput{LookupAttributes: byKey("AKIAOTHER00000000001"), NextToken: tok}, &nextTok},
		{"token without its attribute", sdk.LookupEventsInput{NextToken: tok}, &nextTok},
		{"token with another time range", sdk.LookupEventsInput{LookupAttributes: byKey("AKIAVALID00000000001"), StartTime: aws.Time(now.Add(-time.Hour)), NextToken: tok}, &nextTok},
		{"forged token", sdk.LookupEventsInput{LookupAttributes: byKey("AKIAVALID00000000001"), NextToken: aws.String(strings.ToUpper(*tok))}, &nextTok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.LookupEvents(ctx, &tc.in)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.As(err, tc.as) {
				t.Errorf("err = %v, want %T", err, tc.as)
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest {
				t.Errorf("err = %v, want HTTP 400", err)
			}
		})
	}
	if got := srv.Counts("us-east-1").Invalid; got != 11 {
		t.Errorf("Counts.Invalid = %d, want 11", got)
	}

	// The token is good in its own request, with any MaxResults, and not in another region.
	next, err := c.LookupEvents(ctx, &sdk.LookupEventsInput{LookupAttributes: byKey("AKIAVALID00000000001"), NextToken: tok, MaxResults: aws.Int32(50)})
	if err != nil || len(next.Events) != 2 || aws.ToString(next.Events[0].EventId) != "e1" {
		t.Errorf("replayed token: %v, %+v; want e1 and e2", err, next)
	}
	_, err = client(srv, "us-west-2", "AKIACALLER0000000001").LookupEvents(ctx,
		&sdk.LookupEventsInput{LookupAttributes: byKey("AKIAVALID00000000001"), NextToken: tok})
	if !errors.As(err, &nextTok) {
		t.Errorf("token replayed in another region: err = %v, want InvalidNextTokenException", err)
	}
}

// Each validation error carries AWS's code in both places the SDK looks.
func TestErrorWireShape(t *testing.T) {
	srv := New(t, Options{})
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/", strings.NewReader(`{"MaxResults":500}`))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", Target)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAWIRE000000000001/20261123/ap-isob-east-1r/cloudtrail/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "InvalidMaxResultsException" ||
		body["__type"] != "InvalidMaxResultsException" || body["message"] == "" || resp.Header.Get("x-amzn-RequestId") == "" {
		t.Errorf("HTTP %d, X-Amzn-ErrorType %q, body %v", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body)
	}
	if got := srv.Counts("ap-isob-east-1r").Requests; got != 1 {
		t.Errorf("the request was not counted for the region of its credential scope: Counts = %+v", srv.Counts(""))
	}

	req.Header.Del("Authorization")
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 400 || resp2.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned request: HTTP %d %s", resp2.StatusCode, resp2.Header.Get("X-Amzn-ErrorType"))
	}
}

func isThrottle(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ThrottlingException" && ae.ErrorMessage() == "Rate exceeded"
}

func TestSustainedCallsAreThrottled(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{}) // the real 2 requests/second, burst 2
	const region = "eu-west-1"
	c := client(srv, region, "AKIACALLER0000000001")
	ctx := context.Background()
	start := time.Now()
	var ok, throttled int
	for range 20 {
		_, err := c.LookupEvents(ctx, &sdk.LookupEventsInput{LookupAttributes: byKey("AKIAANY0000000000001")})
		switch {
		case err == nil:
			ok++
		case isThrottle(err):
			throttled++
			if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) != aws.TrueTernary {
				t.Errorf("the SDK's retryer does not see %v as a throttle", err)
			}
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	allowed := DefaultBurst + int(float64(DefaultRate)*time.Since(start).Seconds()) + 1
	if ok > allowed || throttled < 20-allowed {
		t.Errorf("20 calls in %v: %d served, %d throttled; at most %d may be served", time.Since(start), ok, throttled, allowed)
	}
	got := srv.Counts(region)
	if got.Throttled != throttled || got.Served != ok || got.Requests != 20 {
		t.Errorf("Counts = %+v, want %d requests, %d served, %d throttled", got, 20, ok, throttled)
	}

	// The bucket is per account and region: another region and another account are untouched.
	if _, err := client(srv, "eu-west-2", "AKIACALLER0000000001").LookupEvents(ctx, &sdk.LookupEventsInput{}); err != nil {
		t.Errorf("another region: %v", err)
	}
	srv.BindKey("AKIAACCOUNTB00000001", "222222222222")
	if _, err := client(srv, region, "AKIAACCOUNTB00000001").LookupEvents(ctx, &sdk.LookupEventsInput{}); err != nil {
		t.Errorf("another account in the throttled region: %v", err)
	}
}

func TestCallsPacedAtTwoPerSecondAreNeverThrottled(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{})
	const region = "us-west-2"
	c := client(srv, region, "AKIACALLER0000000001")
	pace := rate.NewLimiter(DefaultRate, 1)
	ctx := context.Background()
	for i := range 8 {
		if err := pace.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.LookupEvents(ctx, &sdk.LookupEventsInput{LookupAttributes: byKey("AKIAANY0000000000001")}); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := srv.Counts(region); got.Throttled != 0 || got.Served != 8 {
		t.Errorf("Counts = %+v, want 8 served, none throttled", got)
	}
}

func TestFaultInjection(t *testing.T) {
	srv := New(t, Options{Rate: rate.Inf})
	ctx := context.Background()
	in := &sdk.LookupEventsInput{}

	srv.SetFault("ap-south-1", FaultInternalError)
	_, err := client(srv, "ap-south-1", "AKIACALLER0000000001").LookupEvents(ctx, in)
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
		t.Errorf("internal error fault: err = %v, want HTTP 500", err)
	}
	srv.SetFault("me-south-1", FaultUnrecognizedClient)
	_, err = client(srv, "me-south-1", "AKIACALLER0000000001").LookupEvents(ctx, in)
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnrecognizedClientException" {
		t.Errorf("disabled region: err = %v, want UnrecognizedClientException", err)
	}
	srv.SetFault("af-south-1", FaultAccessDenied)
	_, err = client(srv, "af-south-1", "AKIACALLER0000000001").LookupEvents(ctx, in)
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Errorf("access denied: err = %v, want AccessDeniedException", err)
	}
	// Other regions are unaffected; cleared regions recover.
	if _, err := client(srv, "us-east-1", "AKIACALLER0000000001").LookupEvents(ctx, in); err != nil {
		t.Errorf("healthy region: %v", err)
	}
	srv.ClearFault("ap-south-1")
	if _, err := client(srv, "ap-south-1", "AKIACALLER0000000001").LookupEvents(ctx, in); err != nil {
		t.Errorf("cleared region: %v", err)
	}

	// A fault for one request: the SDK's standard retryer gets through on its second attempt.
	f := FaultInternalError
	f.Times = 1
	srv.SetFault("eu-central-1", f)
	retrying := client(srv, "eu-central-1", "AKIACALLER0000000001", func(o *sdk.Options) {
		o.Retryer = retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 10 * time.Millisecond })
	})
	if _, err := retrying.LookupEvents(ctx, in); err != nil {
		t.Errorf("one-off fault with retries: %v", err)
	}
	if got := srv.Counts("eu-central-1"); got != (Counts{Requests: 2, Faulted: 1, Served: 1}) {
		t.Errorf("Counts(eu-central-1) = %+v, want 2 requests, 1 faulted, 1 served", got)
	}

	// A slow region: the caller's deadline ends the call.
	srv.SetFault("sa-east-1", Fault{Delay: 2 * time.Second})
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = client(srv, "sa-east-1", "AKIACALLER0000000001").LookupEvents(short, in)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("slow region: err = %v after %v, want a deadline error after 100ms", err, time.Since(start))
	}
	if got := srv.Counts("").Faulted; got != 4 {
		t.Errorf("Counts(\"\").Faulted = %d, want 4", got)
	}
}

// corpusRecords reads the corpus independently of the server: region -> records.
func corpusRecords(t *testing.T) map[string][]map[string]any {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus at %s: %v", corpusDir, err)
	}
	out := map[string][]map[string]any{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var recs []map[string]any
		if err := json.Unmarshal(b, &recs); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, r := range recs {
			out[r["awsRegion"].(string)] = append(out[r["awsRegion"].(string)], r)
		}
	}
	return out
}

func TestCorpus(t *testing.T) {
	clock := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)
	srv := New(t, Options{Rate: rate.Inf, Now: func() time.Time { return clock }})
	if err := srv.LoadDir(corpusDir); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// GetFederationToken signed by the AKIA key, found in its odd region by the key.
	const region, akia, asia = "ap-isob-east-1r", "AKIA6V1GNZTT65XQH36M", "ASIASTJKC5GCM7ZE6LUP"
	c := client(srv, region, "AKIACALLER0000000001")
	out, err := c.LookupEvents(ctx, &sdk.LookupEventsInput{LookupAttributes: byKey(akia)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 1 || aws.ToString(out.Events[0].EventName) != "GetFederationToken" {
		t.Fatalf("events of %s = %+v, want the GetFederationToken", akia, out.Events)
	}
	e := out.Events[0]
	var rec struct {
		ResponseElements struct {
			Credentials struct{ AccessKeyID string } `json:"credentials"`
		} `json:"responseElements"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec); err != nil || rec.ResponseElements.Credentials.AccessKeyID != asia {
		t.Errorf("CloudTrailEvent does not carry the derived key %s: %v %s", asia, err, aws.ToString(e.CloudTrailEvent))
	}
	if aws.ToString(e.ReadOnly) != "false" {
		t.Errorf("ReadOnly = %q, want \"false\"", aws.ToString(e.ReadOnly))
	}
	// The derived session's own event, signed by the ASIA key; its Username is the federated name.
	out, err = c.LookupEvents(ctx, &sdk.LookupEventsInput{LookupAttributes: byKey(asia)})
	if err != nil || len(out.Events) != 1 || aws.ToString(out.Events[0].EventName) != "GetCallerIdentity" || aws.ToString(out.Events[0].Username) == "" {
		t.Errorf("events of %s: %v %+v, want one GetCallerIdentity with a Username", asia, err, out)
	}

	// Accounts: a key bound to the record's account sees it, one bound to another does not.
	srv.BindKey("AKIAOWNER00000000001", "742491224508")
	srv.BindKey("AKIASTRANGER00000001", "999999999999")
	for key, want := range map[string]int{"AKIAOWNER00000000001": 1, "AKIASTRANGER00000001": 0} {
		out, err := client(srv, region, key).LookupEvents(ctx, &sdk.LookupEventsInput{LookupAttributes: byKey(akia)})
		if err != nil || len(out.Events) != want {
			t.Errorf("signed by %s: %v, %d events, want %d", key, err, len(out.Events), want)
		}
	}

	// Every region of the corpus answers exactly its records of the last 90 days.
	horizon := clock.Add(-Retention)
	for region, recs := range corpusRecords(t) {
		want := 0
		for _, r := range recs {
			at, _ := time.Parse(time.RFC3339, r["eventTime"].(string))
			if !at.Before(horizon) {
				want++
			}
		}
		events, _ := lookupAll(t, client(srv, region, "AKIACALLER0000000001"), &sdk.LookupEventsInput{})
		if len(events) != want {
			t.Errorf("region %s: %d events, want %d of %d records", region, len(events), want, len(recs))
		}
	}
}

func TestAddRecordsRejectsBadInputAndSkipsDuplicates(t *testing.T) {
	srv := New(t, Options{Rate: rate.Inf, Now: func() time.Time { return now }})
	good := makeRecord("dup", now.Add(-time.Minute), "CreateUser", "AKIADUP0000000000001", "us-east-1", "111111111111")
	for _, tc := range []struct {
		name, bad, want string
	}{
		{"not JSON", `{"eventID":`, "record 1: not a CloudTrail record"},
		{"no eventTime", `{"eventID":"x","eventName":"A","eventSource":"s","awsRegion":"r","recipientAccountId":"1"}`, "record 1: not a CloudTrail record: no eventTime"},
		{"bad eventTime", `{"eventID":"x","eventTime":"Jul 30, 2024","eventName":"A","eventSource":"s","awsRegion":"r","recipientAccountId":"1"}`, `eventTime "Jul 30, 2024"`},
		{"no account", `{"eventID":"x","eventTime":"2026-11-23T00:00:00Z","eventName":"A","eventSource":"s","awsRegion":"r"}`, "no recipientAccountId"},
	} {
		err := srv.AddRecords("", [][]byte{good, []byte(tc.bad)})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
	if err := srv.AddRecords("", [][]byte{good, good}); err != nil {
		t.Fatal(err)
	}
	out, err := client(srv, "us-east-1", "AKIACALLER0000000001").LookupEvents(context.Background(), &sdk.LookupEventsInput{})
	if err != nil || len(out.Events) != 1 {
		t.Errorf("after rejected batches and a duplicate: %v, %d events, want 1", err, len(out.Events))
	}
	if err := srv.LoadDir(t.TempDir()); err == nil {
		t.Error("LoadDir of an empty directory: no error")
	}
}

// Many quick, large answers in a row: without HTTPClient's fix, about one request in a
// hundred fails with "use of closed network connection" (see HTTPClient).
func TestManyFastRequests(t *testing.T) {
	srv := New(t, Options{Rate: rate.Inf, Now: func() time.Time { return now }})
	var raw [][]byte
	for i := range MaxResults {
		raw = append(raw, makeRecord(fmt.Sprint("fast-", i), now.Add(-time.Duration(i)*time.Second), "CreateUser", "AKIAFAST000000000001", "us-east-1", "111111111111"))
	}
	if err := srv.AddRecords("", raw); err != nil {
		t.Fatal(err)
	}
	c := client(srv, "us-east-1", "AKIACALLER0000000001")
	for i := range 500 {
		out, err := c.LookupEvents(context.Background(), &sdk.LookupEventsInput{LookupAttributes: byKey("AKIAFAST000000000001")})
		if err != nil || len(out.Events) != MaxResults {
			t.Fatalf("request %d: %v", i, err)
		}
	}
}
