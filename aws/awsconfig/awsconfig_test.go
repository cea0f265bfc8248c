package awsconfig

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	cttest "github.com/keypivot/keypivot/internal/testserver/cloudtrail"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

func TestIsReadOperation(t *testing.T) {
	for _, c := range []struct {
		svc, op string
		want    bool
	}{
		{"CloudTrail", "LookupEvents", true},
		{"EC2", "DescribeInstances", true},
		{"EC2", "DescribeRegions", true},
		{"IAM", "GetAccessKeyLastUsed", true},
		{"IAM", "ListAccessKeys", true},
		{"STS", "GetCallerIdentity", true},
		{"STS", "GetAccessKeyInfo", true},
		{"S3", "HeadObject", true},
		{"SecurityHub", "GetFindings", true},
		{"Athena", "StartQueryExecution", true},
		{"IAM", "UpdateAccessKey", false},
		{"IAM", "PutUserPolicy", false},
		{"IAM", "PutRolePolicy", false},
		{"IAM", "DeleteAccessKey", false},
		{"EC2", "StopInstances", false},
		{"EC2", "ModifyInstanceAttribute", false},
		{"STS", "GetSessionToken", false},
		{"STS", "GetFederationToken", false},
		{"STS", "AssumeRole", false},
		{"S3", "PutObject", false},
		{"EC2", "GetConsoleOutput", true},
		{"Foo", "Listen", false},     // List + lower case is another verb
		{"Foo", "Gettysburg", false}, // likewise
		{"", "GetUser", false},
		{"IAM", "", false},
	} {
		if got := IsReadOperation(c.svc, c.op); got != c.want {
			t.Errorf("IsReadOperation(%q, %q) = %v, want %v", c.svc, c.op, got, c.want)
		}
	}
}

func TestUserNameAndAccountOfARN(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::123456789012:user/alice":              "alice",
		"arn:aws:iam::123456789012:user/ops/team/bob":       "bob",
		"arn:aws-cn:iam::123456789012:user/carol":           "carol",
		"arn:aws:sts::123456789012:assumed-role/Admin/sess": "",
		"arn:aws:iam::123456789012:root":                    "",
		"not an arn":                                        "",
	} {
		if got := UserNameOf(arn); got != want {
			t.Errorf("UserNameOf(%q) = %q, want %q", arn, got, want)
		}
	}
	if got := AccountOf("arn:aws:iam::210987654321:role/x"); got != "210987654321" {
		t.Errorf("AccountOf = %q", got)
	}
	if got := PartitionOf("arn:aws-us-gov:iam::1:user/x"); got != "aws-us-gov" {
		t.Errorf("PartitionOf = %q", got)
	}
}

// The read-only switch lives in the clients: a write made directly on an IAM client of a
// read-only session, bypassing every check of the remediation runner, never reaches AWS.
func TestReadOnlyGuardBlocksWritesMadeDirectly(t *testing.T) {
	srv := moto.Start(t)
	ctx := context.Background()
	rw, err := FromConfig(ctx, srv.AWSConfig(t, "us-east-1"), Options{Profile: "test"})
	if err != nil {
		t.Fatal(err)
	}
	admin := iam.NewFromConfig(rw.Config)
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}

	ro, err := FromConfig(ctx, srv.AWSConfig(t, "us-east-1"), Options{Profile: "test", ReadOnly: true})
	if err != nil {
		t.Fatalf("a read-only session still reads who it is: %v", err)
	}
	roIAM := iam.NewFromConfig(ro.Config)
	_, err = roIAM.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{
		AccessKeyId: key.AccessKey.AccessKeyId, UserName: aws.String("alice"), Status: "Inactive"})
	if !errors.Is(err, investigate.ErrReadOnly) {
		t.Fatalf("UpdateAccessKey on a read-only client: err = %v, want ErrReadOnly", err)
	}
	if !strings.Contains(err.Error(), "iam:UpdateAccessKey") {
		t.Errorf("the refusal should name the call: %v", err)
	}
	if _, err := roIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mallory")}); !errors.Is(err, investigate.ErrReadOnly) {
		t.Errorf("CreateUser on a read-only client: err = %v, want ErrReadOnly", err)
	}
	// EC2 writes are refused too, dry runs included: nothing that is not a read leaves.
	_, err = ec2.NewFromConfig(ro.ForRegion("eu-west-1")).StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}, DryRun: aws.Bool(true)})
	if !errors.Is(err, investigate.ErrReadOnly) {
		t.Errorf("StopInstances DryRun on a read-only client: err = %v, want ErrReadOnly", err)
	}

	// Reads still work, and moto shows nothing was written.
	keys, err := roIAM.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatalf("ListAccessKeys on a read-only client: %v", err)
	}
	if len(keys.AccessKeyMetadata) != 1 || keys.AccessKeyMetadata[0].Status != "Active" {
		t.Errorf("the key should still be Active: %+v", keys.AccessKeyMetadata)
	}
	if _, err := admin.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("mallory")}); err == nil {
		t.Error("mallory exists: a read-only CreateUser reached moto")
	}
	if !ro.ReadOnly || !strings.Contains(ro.Describe(), "read-only") {
		t.Errorf("Describe should say read-only: %q", ro.Describe())
	}
}

func TestIdentityComesFromSTSAndTheSigningKey(t *testing.T) {
	srv := moto.Start(t)
	ctx := context.Background()
	cfg := srv.AWSConfig(t, "us-east-1")
	cfg.Region = "" // nothing names a region
	s, err := FromConfig(ctx, cfg, Options{Profile: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Identity.Account != moto.Account || s.Identity.AccessKeyID != moto.AccessKeyID {
		t.Errorf("identity = %+v, want account %s signing with %s", s.Identity, moto.Account, moto.AccessKeyID)
	}
	if s.Identity.ARN == "" || !strings.Contains(s.Identity.ARN, moto.Account) {
		t.Errorf("ARN = %q", s.Identity.ARN)
	}
	if s.Region != DefaultRegion || !s.RegionDefaulted {
		t.Errorf("no region anywhere: Region = %q (defaulted %v), want %s", s.Region, s.RegionDefaulted, DefaultRegion)
	}
	c := s.Caller()
	if c.Profile != "prod" || c.AccessKeyID != moto.AccessKeyID || c.Account != moto.Account || c.Region != DefaultRegion {
		t.Errorf("Caller = %+v", c)
	}
	for _, want := range []string{"profile prod", s.Identity.ARN, "us-east-1 (default)"} {
		if !strings.Contains(s.Describe(), want) {
			t.Errorf("Describe() = %q, want it to contain %q", s.Describe(), want)
		}
	}
}

// isolate points the SDK's shared files at empty temporary ones and clears the
// credential variables, so that a developer's own ~/.aws never leaks into a test.
func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
		"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_CLOUDTRAIL", "AWS_CA_BUNDLE",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return dir
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// An assume-role profile with mfa_serial is resolved in Load: the MFA code is asked for
// once, there, and the session is the role's. AWS_ENDPOINT_URL sends every service to
// moto, while AWS_ENDPOINT_URL_CLOUDTRAIL sends CloudTrail to the LookupEvents server.
func TestLoadResolvesAssumeRoleWithMFAAndHonoursEndpointVariables(t *testing.T) {
	srv := moto.Start(t)
	ct := cttest.New(t, cttest.Options{})
	dir := isolate(t)
	writeFile(t, filepath.Join(dir, "credentials"), "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = secret\n")
	writeFile(t, filepath.Join(dir, "config"), `[profile base]
region = eu-west-1

[profile responder]
role_arn = arn:aws:iam::`+moto.Account+`:role/IncidentResponder
source_profile = base
mfa_serial = arn:aws:iam::`+moto.Account+`:mfa/alice
region = eu-central-1
`)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL())
	t.Setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", ct.URL())

	asked := 0
	ctx := context.Background()
	s, err := Load(ctx, Options{Profile: "responder", TokenProvider: func() (string, error) { asked++; return "123456", nil }})
	if err != nil {
		t.Fatal(err)
	}
	if asked != 1 {
		t.Errorf("the MFA code was asked %d times during Load, want once", asked)
	}
	if !strings.Contains(s.Identity.ARN, ":assumed-role/IncidentResponder/") {
		t.Errorf("caller ARN = %q, want the assumed role's session", s.Identity.ARN)
	}
	if !strings.HasPrefix(s.Identity.AccessKeyID, "ASIA") || s.Identity.CredentialSource != "AssumeRoleProvider" {
		t.Errorf("signing key %q from %q, want a session key from AssumeRoleProvider", s.Identity.AccessKeyID, s.Identity.CredentialSource)
	}
	if s.Region != "eu-central-1" || s.Profile != "responder" {
		t.Errorf("region %q profile %q, want the profile's", s.Region, s.Profile)
	}
	// --region wins over the profile's region.
	s2, err := Load(ctx, Options{Profile: "base", Region: "ap-southeast-2"})
	if err != nil {
		t.Fatal(err)
	}
	if s2.Region != "ap-southeast-2" || s2.Identity.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" {
		t.Errorf("base profile: region %q key %q", s2.Region, s2.Identity.AccessKeyID)
	}

	// CloudTrail goes to its own endpoint: the LookupEvents server answers, moto could not.
	out, err := cloudtrailLookup(ctx, s)
	if err != nil {
		t.Fatalf("LookupEvents through AWS_ENDPOINT_URL_CLOUDTRAIL: %v", err)
	}
	if out != 0 {
		t.Errorf("empty server returned %d events", out)
	}
	if got := ct.Counts("eu-central-1").Served; got != 1 {
		t.Errorf("the LookupEvents server served %d requests in eu-central-1, want 1", got)
	}
}

func cloudtrailLookup(ctx context.Context, s *Session) (int, error) {
	out, err := cloudtrailClient(s).LookupEvents(ctx, lookupInput())
	if err != nil {
		return 0, err
	}
	return len(out.Events), nil
}

func TestMissingProfileAndNoMFATerminalAreExplained(t *testing.T) {
	isolate(t)
	_, err := Load(context.Background(), Options{Profile: "nope"})
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "not in ~/.aws/config") {
		t.Errorf("missing profile: err = %v", err)
	}
	code, err := promptMFA(strings.NewReader("654321\nDEACTIVATE\n"), &bytes.Buffer{})
	if err != nil || code != "654321" {
		t.Errorf("promptMFA = %q, %v", code, err)
	}
	if _, err := promptMFA(strings.NewReader(""), &bytes.Buffer{}); err == nil {
		t.Error("an empty answer must not be an MFA code")
	}
	asked := 0
	g := &mfaGate{ask: func() (string, error) { asked++; return "111111", nil }}
	if c, err := g.token(); err != nil || c != "111111" {
		t.Errorf("open gate: %q, %v", c, err)
	}
	g.seal()
	if _, err := g.token(); err == nil || !strings.Contains(err.Error(), "restart keypivot") || asked != 1 {
		t.Errorf("sealed gate: err = %v, asked %d times; want a refusal without asking", err, asked)
	}
}

// AWS_CA_BUNDLE is honoured: an endpoint behind TLS with a private CA works only with it.
func TestCABundleFromEnvironment(t *testing.T) {
	srv := moto.Start(t)
	target, _ := url.Parse(srv.URL())
	proxy := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(target))
	proxy.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	proxy.StartTLS()
	t.Cleanup(proxy.Close)
	dir := isolate(t)
	writeFile(t, filepath.Join(dir, "credentials"), "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = secret\n")
	t.Setenv("AWS_ENDPOINT_URL", proxy.URL)
	t.Setenv("AWS_REGION", "us-west-2")

	ctx := context.Background()
	if _, err := Load(ctx, Options{}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without AWS_CA_BUNDLE the private CA must be refused: err = %v", err)
	}
	bundle := filepath.Join(dir, "ca.pem")
	writeFile(t, bundle, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: proxy.Certificate().Raw})))
	t.Setenv("AWS_CA_BUNDLE", bundle)
	s, err := Load(ctx, Options{})
	if err != nil {
		t.Fatalf("with AWS_CA_BUNDLE: %v", err)
	}
	if s.Identity.Account != moto.Account || s.Region != "us-west-2" || s.Profile != "default" {
		t.Errorf("session = %+v", s)
	}
}

// A refusal names the missing permission, whatever the service's error shape: CloudTrail's
// JSON AccessDeniedException, IAM's query-protocol AccessDenied, EC2's UnauthorizedOperation.
func TestDeniedCallsNameTheMissingPermission(t *testing.T) {
	ctx := context.Background()
	ct := cttest.New(t, cttest.Options{})
	ct.SetFault("eu-west-1", cttest.FaultAccessDenied)
	srv := moto.Start(t)
	s, err := FromConfig(ctx, srv.AWSConfig(t, "eu-west-1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.Config.Copy()
	cfg.BaseEndpoint = aws.String(ct.URL())
	cfg.HTTPClient = cttest.HTTPClient()
	_, err = cloudtrailClient(&Session{Config: cfg}).LookupEvents(ctx, lookupInput())
	var de *DeniedError
	if !errors.As(err, &de) || de.Permission != "cloudtrail:LookupEvents" || !IsDenied(err) {
		t.Fatalf("LookupEvents denied: err = %v, want a DeniedError naming cloudtrail:LookupEvents", err)
	}
	if !strings.Contains(err.Error(), "lacks IAM permission cloudtrail:LookupEvents") {
		t.Errorf("message: %v", err)
	}

	// IAM (query protocol, XML errors) and EC2 (EC2 protocol) from a canned AWS answer.
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		switch r.Form.Get("Action") {
		case "GetAccessKeyLastUsed":
			w.Write([]byte(`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/analyst is not authorized to perform: iam:GetAccessKeyLastUsed on resource: user alice because no identity-based policy allows the iam:GetAccessKeyLastUsed action</Message></Error><RequestId>req-iam-1</RequestId></ErrorResponse>`))
		default:
			w.Write([]byte(`<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation. Encoded authorization failure message: abc</Message></Error></Errors><RequestID>req-ec2-1</RequestID></Response>`))
		}
	}))
	t.Cleanup(fake.Close)
	cfg = s.Config.Copy()
	cfg.BaseEndpoint = aws.String(fake.URL)
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	_, err = iam.NewFromConfig(cfg).GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String("AKIAEXAMPLEEXAMPLE01")})
	if !errors.As(err, &de) || de.Permission != "iam:GetAccessKeyLastUsed" || ErrorRequestID(err) != "req-iam-1" {
		t.Errorf("IAM denied: err = %v (request id %q)", err, ErrorRequestID(err))
	}
	_, err = ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	if !errors.As(err, &de) || de.Permission != "ec2:DescribeInstances" || !strings.Contains(err.Error(), "decode-authorization-message") {
		t.Errorf("EC2 denied: err = %v", err)
	}
}

func lookupInput() *cloudtrail.LookupEventsInput {
	return &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{{
		AttributeKey: cttypes.LookupAttributeKeyAccessKeyId, AttributeValue: aws.String("AKIAEXAMPLEEXAMPLE01")}}}
}

func cloudtrailClient(s *Session) *cloudtrail.Client {
	return cloudtrail.NewFromConfig(s.Config, func(o *cloudtrail.Options) { o.Retryer = aws.NopRetryer{} })
}
