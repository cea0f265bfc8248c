package guardduty_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	gd "github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/smithy-go"

	gdtest "github.com/keypivot/keypivot/internal/testserver/guardduty"
)

const key = "AKIAGGWFBBHBE7D3M9WI"

func client(s *gdtest.Server, region, keyID, secret string, attempts int) *gd.Client {
	return gd.New(gd.Options{
		Region:       region,
		BaseEndpoint: aws.String(s.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
			o.RateLimiter = ratelimit.None
		}),
	})
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// manyFindings makes n findings for key, cycling the sample shapes.
func manyFindings(n int, region string) []map[string]any {
	samples := gdtest.SampleFindings("111122223333", region, key)
	var out []map[string]any
	for i := 0; i < n; i++ {
		f := gdtest.SampleFindings("111122223333", region, key)[i%len(samples)]
		f["id"] = fmt.Sprintf("%032x", i+1)
		f["updatedAt"] = time.Date(2024, 7, 31, 13, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000Z")
		out = append(out, f)
	}
	return out
}

func TestListAndGetFindingsWithPaging(t *testing.T) {
	s := gdtest.New(t, gdtest.WithCredentials("AKIDTESTCLIENT000001", "test-secret"), gdtest.WithAccountID("111122223333"))
	if err := s.AddFindings("us-east-1", manyFindings(120, "us-east-1")...); err != nil {
		t.Fatal(err)
	}
	s.AddDetector("us-east-1") // a second detector, empty
	if err := s.AddFindings("eu-west-1", manyFindings(3, "eu-west-1")...); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := client(s, "us-east-1", "AKIDTESTCLIENT000001", "test-secret", 1)

	// ListDetectors, one per page.
	var detectors []string
	dp := gd.NewListDetectorsPaginator(c, &gd.ListDetectorsInput{MaxResults: aws.Int32(1)})
	for dp.HasMorePages() {
		out, err := dp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		detectors = append(detectors, out.DetectorIds...)
	}
	if len(detectors) != 2 || detectors[0] != s.DetectorID("us-east-1", 0) {
		t.Fatalf("detectors = %v", detectors)
	}

	// ListFindings by access key (88 of the 120 name it as IAM user key: the
	// instance-credential samples keep their ASIA key), paged 50 at a time.
	input := &gd.ListFindingsInput{
		DetectorId: aws.String(detectors[0]),
		FindingCriteria: &types.FindingCriteria{Criterion: map[string]types.Condition{
			"resource.accessKeyDetails.accessKeyId": {Equals: []string{key}},
			"service.archived":                      {Equals: []string{"false"}},
		}},
	}
	var ids []string
	pages := 0
	lp := gd.NewListFindingsPaginator(c, input)
	for lp.HasMorePages() {
		out, err := lp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.FindingIds) > 50 {
			t.Fatalf("page of %d ids", len(out.FindingIds))
		}
		ids = append(ids, out.FindingIds...)
		pages++
	}
	if len(ids) != 80 || pages != 2 {
		t.Fatalf("%d ids in %d pages, want 80 in 2", len(ids), pages)
	}

	// GetFindings in batches of 50; the SDK decodes every member.
	var got []types.Finding
	for i := 0; i < len(ids); i += 50 {
		out, err := c.GetFindings(ctx, &gd.GetFindingsInput{DetectorId: aws.String(detectors[0]), FindingIds: ids[i:min(i+50, len(ids))]})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out.Findings...)
	}
	if len(got) != 80 {
		t.Fatalf("got %d findings", len(got))
	}
	var recon *types.Finding
	for i, f := range got {
		if aws.ToString(f.Resource.AccessKeyDetails.AccessKeyId) != key {
			t.Fatalf("finding %s has key %s", aws.ToString(f.Id), aws.ToString(f.Resource.AccessKeyDetails.AccessKeyId))
		}
		if aws.ToString(f.Type) == "Recon:IAMUser/MaliciousIPCaller" {
			recon = &got[i]
		}
	}
	if recon == nil {
		t.Fatal("no Recon:IAMUser/MaliciousIPCaller finding")
	}
	api := recon.Service.Action.AwsApiCallAction
	if aws.ToString(api.RemoteIpDetails.IpAddressV4) != "185.220.101.45" || aws.ToFloat64(api.RemoteIpDetails.GeoLocation.Lat) != 50.1188 ||
		aws.ToString(api.RemoteIpDetails.Organization.Asn) != "60729" || aws.ToString(api.ErrorCode) != "AccessDenied" {
		t.Errorf("remote ip details = %+v", api.RemoteIpDetails)
	}
	if aws.ToFloat64(recon.Severity) != 5 || aws.ToString(recon.Service.DetectorId) != detectors[0] ||
		!strings.HasPrefix(aws.ToString(recon.Arn), "arn:aws:guardduty:us-east-1:111122223333:detector/"+detectors[0]+"/finding/") {
		t.Errorf("finding = severity %v detector %s arn %s", aws.ToFloat64(recon.Severity), aws.ToString(recon.Service.DetectorId), aws.ToString(recon.Arn))
	}
	if len(recon.Service.Evidence.ThreatIntelligenceDetails) != 1 || recon.Service.Evidence.ThreatIntelligenceDetails[0].ThreatNames[0] != "Tor exit node" {
		t.Errorf("evidence = %+v", recon.Service.Evidence)
	}

	// More than 50 ids is refused.
	_, err := c.GetFindings(ctx, &gd.GetFindingsInput{DetectorId: aws.String(detectors[0]), FindingIds: ids[:51]})
	var bre *types.BadRequestException
	if !errors.As(err, &bre) {
		t.Fatalf("51 ids: %v", err)
	}
	// maxResults beyond 50 too.
	_, err = c.ListFindings(ctx, &gd.ListFindingsInput{DetectorId: aws.String(detectors[0]), MaxResults: aws.Int32(51)})
	if !errors.As(err, &bre) {
		t.Fatalf("maxResults 51: %v", err)
	}
	// A detector of another region is not found here.
	eu := s.DetectorID("eu-west-1", 0)
	_, err = c.ListFindings(ctx, &gd.ListFindingsInput{DetectorId: aws.String(eu)})
	if !errors.As(err, &bre) || !strings.Contains(err.Error(), "not owned by the current account") {
		t.Fatalf("foreign detector: %v", err)
	}
	euc := client(s, "eu-west-1", "AKIDTESTCLIENT000001", "test-secret", 1)
	out, err := euc.ListFindings(ctx, &gd.ListFindingsInput{DetectorId: aws.String(eu)})
	if err != nil || len(out.FindingIds) != 3 {
		t.Fatalf("eu-west-1: %v %v", out, err)
	}
	if s.RequestsIn("us-east-1", gdtest.OpGetFindings) != 3 || s.RequestsIn("eu-west-1", gdtest.OpListFindings) != 1 {
		t.Errorf("counters: get %d, eu list %d", s.RequestsIn("us-east-1", gdtest.OpGetFindings), s.RequestsIn("eu-west-1", gdtest.OpListFindings))
	}
}

func TestCriteria(t *testing.T) {
	s := gdtest.New(t)
	if err := s.AddFindings("us-east-1", manyFindings(30, "us-east-1")...); err != nil {
		t.Fatal(err)
	}
	archived := fmt.Sprintf("%032x", 2)
	s.SetArchived("us-east-1", archived, true)
	c := client(s, "us-east-1", "AKIDANY", "any", 1)
	ctx := context.Background()
	det := s.DetectorID("us-east-1", 0)
	count := func(crit map[string]types.Condition, sort *types.SortCriteria) []string {
		t.Helper()
		out, err := c.ListFindings(ctx, &gd.ListFindingsInput{DetectorId: &det, FindingCriteria: &types.FindingCriteria{Criterion: crit}, SortCriteria: sort})
		if err != nil {
			t.Fatal(err)
		}
		return out.FindingIds
	}
	cut := time.Date(2024, 7, 31, 13, 10, 0, 0, time.UTC).UnixMilli()
	cases := []struct {
		name string
		crit map[string]types.Condition
		want int
	}{
		{"all", nil, 30},
		{"severity gte 7", map[string]types.Condition{"severity": {Gte: aws.Int32(7)}}, 10},
		{"severity greaterThanOrEqual 4", map[string]types.Condition{"severity": {GreaterThanOrEqual: aws.Int64(4)}}, 30},
		{"updatedAt window", map[string]types.Condition{"updatedAt": {GreaterThanOrEqual: aws.Int64(cut), LessThan: aws.Int64(cut + 5*60000)}}, 5},
		{"archived", map[string]types.Condition{"service.archived": {Eq: []string{"true"}}}, 1},
		{"not archived", map[string]types.Condition{"service.archived": {Equals: []string{"false"}}}, 29},
		{"type neq", map[string]types.Condition{"type": {NotEquals: []string{"Recon:IAMUser/MaliciousIPCaller"}}}, 20},
		{"user type", map[string]types.Condition{"resource.accessKeyDetails.userType": {Eq: []string{"AssumedRole"}}}, 10},
		{"ip", map[string]types.Condition{"service.action.awsApiCallAction.remoteIpDetails.ipAddressV4": {Eq: []string{"86.245.153.234"}}}, 20},
	}
	for _, tc := range cases {
		if got := len(count(tc.crit, nil)); got != tc.want {
			t.Errorf("%s: %d findings, want %d", tc.name, got, tc.want)
		}
	}
	ids := count(nil, &types.SortCriteria{AttributeName: aws.String("updatedAt"), OrderBy: types.OrderByDesc})
	if ids[0] != fmt.Sprintf("%032x", 30) {
		t.Errorf("newest first = %s", ids[0])
	}
	_, err := c.ListFindings(ctx, &gd.ListFindingsInput{DetectorId: &det, FindingCriteria: &types.FindingCriteria{
		Criterion: map[string]types.Condition{"resource.noSuchField": {Eq: []string{"x"}}}}})
	if apiCode(err) != "BadRequestException" {
		t.Errorf("unknown criterion: %v", err)
	}
	// A nextToken replayed with other criteria is refused.
	first, err := c.ListFindings(ctx, &gd.ListFindingsInput{DetectorId: &det, MaxResults: aws.Int32(10)})
	if err != nil || aws.ToString(first.NextToken) == "" {
		t.Fatalf("first page: %v", err)
	}
	_, err = c.ListFindings(ctx, &gd.ListFindingsInput{DetectorId: &det, NextToken: first.NextToken, FindingCriteria: &types.FindingCriteria{
		Criterion: map[string]types.Condition{"severity": {Gte: aws.Int32(7)}}}})
	if apiCode(err) != "BadRequestException" {
		t.Errorf("replayed token: %v", err)
	}
}

func TestRateLimitFaultsAndAuth(t *testing.T) {
	s := gdtest.New(t, gdtest.WithRateLimit(1, 2), gdtest.WithCredentials("AKIDTESTCLIENT000001", "test-secret"))
	if err := s.AddFindings("us-east-1", manyFindings(3, "us-east-1")...); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := client(s, "us-east-1", "AKIDTESTCLIENT000001", "test-secret", 1)
	var throttled error
	for i := 0; i < 4 && throttled == nil; i++ {
		_, throttled = c.ListDetectors(ctx, &gd.ListDetectorsInput{})
	}
	if apiCode(throttled) != "TooManyRequestsException" {
		t.Fatalf("no throttling: %v", throttled)
	}
	var re *smithy.GenericAPIError
	if !errors.As(throttled, &re) {
		t.Logf("throttle error type %T", throttled)
	}
	// Another region has its own budget.
	if _, err := client(s, "eu-west-1", "AKIDTESTCLIENT000001", "test-secret", 1).ListDetectors(ctx, &gd.ListDetectorsInput{}); err != nil {
		t.Fatalf("eu-west-1 throttled by us-east-1's budget: %v", err)
	}
	// The SDK's retryer treats the 429 as throttling and succeeds once tokens return.
	s2 := gdtest.New(t, gdtest.WithRateLimit(20, 1))
	retrying := gd.New(gd.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s2.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDANY", "any", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 60 * time.Millisecond, nil })
			o.RateLimiter = ratelimit.None
		}),
	})
	for i := 0; i < 3; i++ {
		if _, err := retrying.ListDetectors(ctx, &gd.ListDetectorsInput{}); err != nil {
			t.Fatalf("retrying client failed: %v", err)
		}
	}
	if s2.Requests(gdtest.OpListDetectors) <= 3 {
		t.Errorf("expected throttled attempts, saw %d requests", s2.Requests(gdtest.OpListDetectors))
	}

	// Fault injection per region.
	s.InjectFault(gdtest.Fault{Region: "ap-southeast-2", Operation: gdtest.OpListDetectors, Status: http.StatusInternalServerError})
	_, err := client(s, "ap-southeast-2", "AKIDTESTCLIENT000001", "test-secret", 1).ListDetectors(ctx, &gd.ListDetectorsInput{})
	var ise *types.InternalServerErrorException
	if !errors.As(err, &ise) {
		t.Errorf("injected fault: %v", err)
	}
	s.DisableRegion("me-south-1")
	_, err = client(s, "me-south-1", "AKIDTESTCLIENT000001", "test-secret", 1).ListDetectors(ctx, &gd.ListDetectorsInput{})
	if apiCode(err) != "UnrecognizedClientException" {
		t.Errorf("opted-out region: %v", err)
	}

	// Signatures are verified with WithCredentials.
	_, err = client(s, "sa-east-1", "AKIDTESTCLIENT000001", "wrong-secret", 1).ListDetectors(ctx, &gd.ListDetectorsInput{})
	if apiCode(err) != "InvalidSignatureException" {
		t.Errorf("wrong secret: %v", err)
	}
	_, err = client(s, "sa-east-1", "AKIDUNKNOWN", "x", 1).ListDetectors(ctx, &gd.ListDetectorsInput{})
	if apiCode(err) != "UnrecognizedClientException" {
		t.Errorf("unknown key: %v", err)
	}
	// Unsigned requests are refused.
	res, err := http.Get(s.URL() + "/detector")
	if err != nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned: %v %v", res, err)
	}
}

func TestFromCLI(t *testing.T) {
	in := map[string]any{
		"Id": "abc", "Type": "Discovery:IAMUser/AnomalousBehavior", "Severity": 5,
		"Resource": map[string]any{
			"ResourceType":     "AccessKey",
			"AccessKeyDetails": map[string]any{"AccessKeyId": key, "UserType": "IAMUser"},
			"InstanceDetails": map[string]any{
				"IamInstanceProfile": map[string]any{"Arn": "arn:aws:iam::1:instance-profile/x", "Id": "AIPA"},
				"ProductCodes":       []any{map[string]any{"Code": "pc", "ProductType": "marketplace"}},
			},
			"EksClusterDetails": map[string]any{"Name": "c", "CreatedAt": "2021-11-11T10:15:55.218000+00:00"},
		},
		"Service": map[string]any{
			// Synthetic anomaly detail: its map keys are data and must survive as they are.
			"Detection": map[string]any{"Anomaly": map[string]any{
				"Unusual": map[string]any{"Behavior": map[string]any{
					"ListAccessKeys": map[string]any{"SomeFeature": map[string]any{"ProfileType": "frequency", "ProfileSubtype": "rare"}},
				}},
			}},
			"Action": map[string]any{"AwsApiCallAction": map[string]any{
				"AffectedResources": map[string]any{"AWS::IAM::User": "christophe"},
				"RemoteIpDetails":   map[string]any{"GeoLocation": map[string]any{"Lat": 1.5, "Lon": 2.5}},
			}},
		},
		"SomethingNew": map[string]any{"InnerThing": 1},
	}
	out, err := gdtest.FromCLI(in)
	if err != nil {
		t.Fatal(err)
	}
	get := func(p string) any {
		var v any = out
		for _, k := range strings.Split(p, "/") {
			m, _ := v.(map[string]any) // a nil map reads as nil
			v = m[k]
		}
		return v
	}
	checks := map[string]any{
		"resource/accessKeyDetails/accessKeyId":                                             key,
		"resource/instanceDetails/iamInstanceProfile/arn":                                   "arn:aws:iam::1:instance-profile/x",
		"service/detection/anomaly/unusual/behavior/ListAccessKeys/SomeFeature/profileType": "frequency",
		"service/action/awsApiCallAction/affectedResources/AWS::IAM::User":                  "christophe",
		"service/action/awsApiCallAction/remoteIpDetails/geoLocation/lat":                   1.5,
		"somethingNew/innerThing":                                                           1,
	}
	for p, want := range checks {
		if got := get(p); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", p, got, want)
		}
	}
	pc := get("resource/instanceDetails/productCodes").([]any)[0].(map[string]any)
	if pc["productCodeId"] != "pc" || pc["productCodeType"] != "marketplace" {
		t.Errorf("product code = %v", pc)
	}
	if got := fmt.Sprint(get("resource/eksClusterDetails/createdAt")); got != "1.636625755218e+09" && got != "1636625755.218" {
		t.Errorf("timestamp = %v", got)
	}
	// Wire-form input passes through.
	again, err := gdtest.FromCLI(out)
	if err != nil || fmt.Sprint(again) != fmt.Sprint(out) {
		t.Errorf("not idempotent: %v", err)
	}
	if _, err := gdtest.FromCLI(map[string]any{"Resource": "not an object"}); err == nil {
		t.Error("a malformed finding was accepted")
	}
}
