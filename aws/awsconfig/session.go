// Package awsconfig loads the aws-sdk-go-v2 configuration every keypivot AWS adapter
// shares: the profile and region the analyst chose (SSO and assume-role profiles, MFA
// prompts included), the endpoints and CA bundle of the environment, who the calls are
// made as, a read-only switch enforced for every call, and errors that name the missing
// IAM permission.
//
// Load resolves credentials at once, so that every prompt (an MFA code, an expired SSO
// session) happens before the workbench takes the terminal. An adapter gets its client
// from the Session:
//
//	s, err := awsconfig.Load(ctx, awsconfig.Options{Profile: "prod", ReadOnly: true})
//	iamc := iam.NewFromConfig(s.Config)
//	ec2c := ec2.NewFromConfig(s.ForRegion("eu-west-1"))
//
// Tests build a Session from a ready configuration (moto's) with FromConfig.
//
// Like every aws/ package it imports investigate (the interfaces it implements, the
// types it fills) and the AWS SDK, never tui, cmd or internal.
package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// DefaultRegion is the region global calls (IAM, STS, DescribeRegions) use when neither
// --region, AWS_REGION nor the profile names one. IAM and global STS events are logged in it.
const DefaultRegion = "us-east-1"

// Options say how to load a Session.
type Options struct {
	// Profile is the shared-config profile; empty means AWS_PROFILE, else "default", else
	// the environment's credentials.
	Profile string
	// Region is the home region; empty means AWS_REGION or the profile's, else DefaultRegion.
	Region string
	// ReadOnly refuses, in every client made from the Session, each operation that is not
	// on the read allowlist (see IsReadOperation).
	ReadOnly bool
	// TokenProvider answers the MFA prompt of an assume-role profile with mfa_serial. Nil
	// prompts on the terminal (PromptMFA). It is only consulted while Load runs: a later
	// refresh that needs a new code fails instead of reading the terminal under the
	// workbench.
	TokenProvider func() (string, error)
	// LoadOptions are passed to config.LoadDefaultConfig after keypivot's own.
	LoadOptions []func(*config.LoadOptions) error
}

// Identity is who the calls are made as (sts:GetCallerIdentity) and with which key.
type Identity struct {
	Account string
	ARN     string
	UserID  string
	// AccessKeyID is the key the SDK signs with, from the resolved credentials.
	AccessKeyID string
	// UserName is the IAM user's name when the caller is an IAM user.
	UserName string
	// CredentialSource says where the SDK found the credentials (SharedConfigCredentials,
	// SSOProvider, AssumeRoleProvider, EnvConfigCredentials, ...).
	CredentialSource string
}

// Root reports whether the caller is an account's root user.
func (i Identity) Root() bool { return strings.HasSuffix(i.ARN, ":root") }

// Session is a loaded configuration with its caller identity.
type Session struct {
	// Config is the configuration every client is made from: region, credentials,
	// endpoints, and keypivot's middlewares (read-only guard, error translation).
	Config aws.Config
	// Profile names the profile for humans and the journal ("default", "environment").
	Profile string
	// Region is Config.Region; RegionDefaulted is set when nothing named it.
	Region          string
	RegionDefaulted bool
	Identity        Identity
	ReadOnly        bool
}

// Load reads the shared configuration and the environment (AWS_PROFILE, AWS_REGION,
// AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, AWS_CA_BUNDLE, ...), resolves the
// credentials (prompting for an MFA code when the profile asks for one) and asks STS who
// they belong to.
func Load(ctx context.Context, o Options) (*Session, error) {
	gate := &mfaGate{ask: o.TokenProvider}
	if gate.ask == nil {
		gate.ask = PromptMFA
	}
	opts := []func(*config.LoadOptions) error{
		config.WithAssumeRoleCredentialOptions(func(ao *stscreds.AssumeRoleOptions) {
			ao.Client = withGlobalEndpoint(ao.Client)
			ao.TokenProvider = gate.token
		}),
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	opts = append(opts, o.LoadOptions...)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, explainLoad(o.Profile, err)
	}
	registerConfiguredSecrets(cfg.ConfigSources)
	s, err := FromConfig(ctx, cfg, o)
	gate.seal()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// FromConfig makes a Session of a ready configuration (a test's, pointed at moto):
// it installs keypivot's middlewares, retrieves the credentials and calls
// sts:GetCallerIdentity. o.Profile only names the profile; o.Region overrides cfg's.
func FromConfig(ctx context.Context, cfg aws.Config, o Options) (*Session, error) {
	cfg = cfg.Copy()
	cfg.APIOptions = slices.Clone(cfg.APIOptions)
	if o.Region != "" {
		cfg.Region = o.Region
	}
	s := &Session{Profile: profileName(o.Profile), ReadOnly: o.ReadOnly}
	if cfg.Region == "" {
		cfg.Region, s.RegionDefaulted = DefaultRegion, true
	}
	s.Region = cfg.Region
	// Order matters: the guard refuses a write before anything else runs; errors are
	// translated last, so they name the permission whatever produced them.
	cfg.APIOptions = append(cfg.APIOptions, addErrorTranslation)
	if o.ReadOnly {
		cfg.APIOptions = append(cfg.APIOptions, addReadOnlyGuard)
	}
	if cfg.Credentials == nil {
		return nil, errors.New("no AWS credentials found: configure a profile (--profile, AWS_PROFILE), SSO (aws sso login), or AWS_ACCESS_KEY_ID")
	}
	// The secret key and session token of every credentials the SDK retrieves (these, and
	// any refreshed later) are registered with sanitize: no error, report or screen shows them.
	cfg.Credentials = secretRegistering{cfg.Credentials}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, explainLoad(o.Profile, err)
	}
	s.Config = cfg
	if s.Profile == "default" && strings.HasPrefix(creds.Source, "EnvConfigCredentials") {
		s.Profile = "environment"
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("who am I (sts:GetCallerIdentity) with profile %s: %w", s.Profile, err)
	}
	s.Identity = Identity{
		Account:          aws.ToString(out.Account),
		ARN:              aws.ToString(out.Arn),
		UserID:           aws.ToString(out.UserId),
		AccessKeyID:      creds.AccessKeyID,
		UserName:         UserNameOf(aws.ToString(out.Arn)),
		CredentialSource: creds.Source,
	}
	return s, nil
}

// withGlobalEndpoint points the STS client of an assume-role profile at AWS_ENDPOINT_URL.
// The SDK resolves AWS_ENDPOINT_URL after the credentials, so that client would otherwise
// call the real STS even when every other call goes to the configured endpoint
// (AWS_ENDPOINT_URL_STS it does honour).
func withGlobalEndpoint(c stscreds.AssumeRoleAPIClient) stscreds.AssumeRoleAPIClient {
	global := os.Getenv("AWS_ENDPOINT_URL")
	if global == "" || os.Getenv("AWS_ENDPOINT_URL_STS") != "" || os.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") == "true" {
		return c
	}
	sc, ok := c.(*sts.Client)
	if !ok {
		return c
	}
	o := sc.Options()
	if o.BaseEndpoint == nil {
		o.BaseEndpoint = aws.String(global)
	}
	return sts.New(o)
}

func profileName(p string) string {
	if p != "" {
		return p
	}
	if env := os.Getenv("AWS_PROFILE"); env != "" {
		return env
	}
	if env := os.Getenv("AWS_DEFAULT_PROFILE"); env != "" {
		return env
	}
	return "default"
}

// UserNameOf is the IAM user name in a user ARN (arn:aws:iam::123456789012:user/path/name),
// or "" for any other principal.
func UserNameOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" || !strings.HasPrefix(parts[5], "user/") {
		return ""
	}
	res := parts[5]
	return res[strings.LastIndex(res, "/")+1:]
}

// AccountOf is the account id in an ARN, or "".
func AccountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	return parts[4]
}

// PartitionOf is the partition of an ARN (aws, aws-cn, aws-us-gov), "aws" when unknown.
func PartitionOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[1] == "" {
		return "aws"
	}
	return parts[1]
}

// ForRegion is the session's configuration in another region.
func (s *Session) ForRegion(region string) aws.Config {
	cfg := s.Config.Copy()
	if region != "" {
		cfg.Region = region
	}
	return cfg
}

// Caller is the session's identity as remediation records it.
func (s *Session) Caller() investigate.Caller {
	return investigate.Caller{
		ARN: s.Identity.ARN, Account: s.Identity.Account, UserName: s.Identity.UserName,
		AccessKeyID: s.Identity.AccessKeyID, Profile: s.Profile, Region: s.Region,
	}
}

// Describe is one line for headers and reports: profile, region, caller, read-only.
func (s *Session) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "AWS profile %s, region %s", s.Profile, s.Region)
	if s.RegionDefaulted {
		b.WriteString(" (default)")
	}
	fmt.Fprintf(&b, ", as %s", s.Identity.ARN)
	if s.ReadOnly {
		b.WriteString(", read-only")
	}
	return b.String()
}

// explainLoad turns configuration and credential failures into what to do about them.
func explainLoad(profile string, err error) error {
	msg := err.Error()
	p := profileName(profile)
	switch {
	case strings.Contains(msg, "failed to get shared config profile"), strings.Contains(msg, "SharedConfigProfileNotExistError"):
		return fmt.Errorf("AWS profile %q is not in ~/.aws/config or ~/.aws/credentials (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE): %w", p, err)
	case strings.Contains(msg, "sso") && (strings.Contains(msg, "expired") || strings.Contains(msg, "token") || strings.Contains(msg, "InvalidGrant")):
		return fmt.Errorf("the SSO session of profile %s is missing or expired: run `aws sso login --profile %s`, then retry: %w", p, p, err)
	case strings.Contains(msg, "no EC2 IMDS role found"), strings.Contains(msg, "failed to refresh cached credentials, no EC2"):
		return fmt.Errorf("no AWS credentials found (profile %s): configure one with aws configure or aws configure sso, or set AWS_ACCESS_KEY_ID: %w", p, err)
	case strings.Contains(msg, "MFA"), strings.Contains(msg, "TokenCode"):
		return fmt.Errorf("assuming the role of profile %s needs a valid MFA code: %w", p, err)
	}
	return fmt.Errorf("AWS credentials of profile %s: %w", p, err)
}

// secretRegistering registers the secrets of the credentials its provider retrieves.
type secretRegistering struct{ aws.CredentialsProvider }

func (p secretRegistering) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := p.CredentialsProvider.Retrieve(ctx)
	if err == nil {
		sanitize.RegisterSecret(c.SecretAccessKey, c.SessionToken)
	}
	return c, err
}

// IsCredentialsProvider lets aws.IsCredentialsProvider see the provider it wraps (the
// SDK asks whether the credentials are anonymous).
func (p secretRegistering) IsCredentialsProvider(target aws.CredentialsProvider) bool {
	return aws.IsCredentialsProvider(p.CredentialsProvider, target)
}

// ProviderSources reports the wrapped provider's sources (the SDK's user agent names them).
func (p secretRegistering) ProviderSources() []aws.CredentialSource {
	if s, ok := p.CredentialsProvider.(aws.CredentialProviderSource); ok {
		return s.ProviderSources()
	}
	return nil
}

// registerConfiguredSecrets registers the secret keys and session tokens the environment
// and the shared files hold for the profile and its source profiles: an assume-role
// profile's source credentials sign only the STS call, never through the session's own
// provider.
func registerConfiguredSecrets(sources []any) {
	for _, src := range sources {
		switch c := src.(type) {
		case config.EnvConfig:
			sanitize.RegisterSecret(c.Credentials.SecretAccessKey, c.Credentials.SessionToken)
		case config.SharedConfig:
			for sc, n := &c, 0; sc != nil && n < 16; sc, n = sc.Source, n+1 {
				sanitize.RegisterSecret(sc.Credentials.SecretAccessKey, sc.Credentials.SessionToken)
			}
		}
	}
}
