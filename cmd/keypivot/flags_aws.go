package main

// AWSFlags configure the AWS adapters (credentials are resolved by aws-sdk-go-v2's
// default chain: profiles, SSO, assume-role, environment; AWS_ENDPOINT_URL[_<SERVICE>]
// and AWS_CA_BUNDLE are honoured by the SDK).
type AWSFlags struct {
	Profile string `name:"profile" env:"AWS_PROFILE" placeholder:"NAME" help:"AWS profile."`
	Region  string `name:"region" env:"AWS_REGION" placeholder:"REGION" help:"AWS region for global calls and Security Hub."`
	Regions string `name:"regions" placeholder:"all|r1,r2" default:"all" help:"Regions searched by CloudTrail lookups and GuardDuty."`
	Live    bool   `name:"live" help:"Look up the key's owner and the follow-ups' live state in AWS even when no AWS source is used."`
}
