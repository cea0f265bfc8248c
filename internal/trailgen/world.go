package trailgen

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"
)

// Principal kinds.
const (
	iamUser = iota
	assumedRole
	awsService
	ssoUser
)

// principal is who signs benign calls.
type principal struct {
	kind        int
	account     string
	name        string // user or role name
	principalID string // AIDA... or AROA...
	key         string // long-term key of an IAM user
	session     string // role session name
	ip, ua      string
	service     string // invokedBy of AWSService calls
	salt        uint64
}

// world is the organisation: accounts, their principals, and the attack's cast.
type world struct {
	accounts []string
	regions  []string
	// per account: principals by kind
	roles   [][]*principal
	users   [][]*principal
	sso     [][]*principal
	service []*principal
	victim  *principal
	seed    uint64
	// victimCalls counts the leaked key's routine calls written so far.
	victimCalls atomic.Int64
}

var (
	sdkAgents = []string{
		"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.171.0",
		"Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10.219-208.866.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.4 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.144",
		"aws-sdk-java/2.25.60 Linux/5.10.219-208.866.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS Java/17.0.11 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/legacy",
		"aws-sdk-js/3.614.0 ua/2.0 os/linux#5.10.219-229.866.amzn2.x86_64 lang/js md/nodejs#20.15.1 api/dynamodb#3.614.0 exec-env/AWS_Lambda_nodejs20.x",
	}
	ciAgents = []string{
		"APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.58.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.30.3 ua/2.0 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.171.0",
		"aws-cli/2.17.13 md/awscrt#0.20.11 ua/2.0 os/linux#6.5.0-1023-azure md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython exec-env/GitHub_Actions cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.22 md/prompt#off md/command#s3.sync",
	}
	browserAgent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
	roleNames    = []string{"app-ecs-task-role", "lambda-ingest-role", "ec2-web-instance-role", "batch-etl-role", "eks-node-role", "AWSServiceRoleForAutoScaling", "AWSServiceRoleForConfig"}
	userNames    = []string{"terraform-ci", "github-deploy", "backup-agent"}
	ssoNames     = []string{"alice@example.com", "bob@example.com", "chen@example.com"}
	serviceNames = []string{"lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "ec2.amazonaws.com", "config.amazonaws.com", "secretsmanager.amazonaws.com"}
)

func newWorld(r *rand.Rand, accounts, regions []string) *world {
	w := &world{accounts: accounts, regions: regions, seed: r.Uint64()}
	for a, acct := range accounts {
		var roles, users, sso []*principal
		for _, n := range roleNames {
			roles = append(roles, &principal{kind: assumedRole, account: acct, name: n, principalID: "AROA" + upperAlnum(r, 17),
				ip: cloudIP(r), ua: sdkAgents[r.IntN(len(sdkAgents))], salt: r.Uint64(), session: sessionName(r, n)})
		}
		for _, n := range userNames {
			users = append(users, &principal{kind: iamUser, account: acct, name: n, principalID: "AIDA" + upperAlnum(r, 17),
				key: "AKIA" + upperAlnum(r, 16), ip: cloudIP(r), ua: ciAgents[r.IntN(len(ciAgents))], salt: r.Uint64()})
		}
		for _, n := range ssoNames {
			sso = append(sso, &principal{kind: ssoUser, account: acct, name: "AWSReservedSSO_AdministratorAccess_" + hex(r, 16), session: n,
				principalID: "AROA" + upperAlnum(r, 17), ip: officeIP(r), ua: browserAgent, salt: r.Uint64()})
		}
		w.roles = append(w.roles, roles)
		w.users = append(w.users, users)
		w.sso = append(w.sso, sso)
		_ = a
	}
	for _, s := range serviceNames {
		w.service = append(w.service, &principal{kind: awsService, service: s})
	}
	w.victim = &principal{kind: iamUser, account: accounts[1], name: "svc-reporting", principalID: "AIDA" + upperAlnum(r, 17),
		key: "AKIA" + upperAlnum(r, 16), ip: "3.91.172.18", ua: "Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10.219-208.866.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.4 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.144", salt: r.Uint64()}
	return w
}

// ctx is one call being written.
type ctx struct {
	p       *principal
	account string // recipient account
	region  string
	at      time.Time
	key     string // signing key (temporary keys rotate hourly for roles)
	r       *rand.Rand
}

// benign appends one benign record of the account and region to b.
func (w *world) benign(b []byte, r *rand.Rand, account, region int, at time.Time) []byte {
	c := ctx{account: w.accounts[account], region: w.regions[region], at: at, r: r}
	if region == 0 && account == 1 && r.IntN(60) == 0 {
		// The leaked key's owner uses it routinely: a reporting job.
		c.p, c.key = w.victim, w.victim.key
		w.victimCalls.Add(1)
		return w.call(b, &c, pick(r, victimActions))
	}
	x := r.IntN(100)
	switch {
	case x < 38:
		c.p = w.roles[account][r.IntN(len(roleNames)-2)]
		c.key = w.sessionKey(c.p, at)
		if r.IntN(25) == 0 {
			return w.call(b, &c, pick(r, deniedActions))
		}
		return w.call(b, &c, pick(r, appActions))
	case x < 63:
		c.p = w.service[r.IntN(len(w.service))]
		return w.call(b, &c, pick(r, serviceActions))
	case x < 76:
		c.p = w.users[account][r.IntN(len(userNames))]
		c.key = c.p.key
		return w.call(b, &c, pick(r, ciActions))
	case x < 88:
		c.p = w.sso[account][r.IntN(len(ssoNames))]
		c.key = w.sessionKey(c.p, at)
		return w.call(b, &c, pick(r, consoleActions))
	case x < 91:
		c.p = w.roles[account][len(roleNames)-2] // auto scaling launches and terminates
		c.key = w.sessionKey(c.p, at)
		return w.call(b, &c, pick(r, scalingActions))
	default:
		c.p = w.roles[account][len(roleNames)-1]
		c.key = w.sessionKey(c.p, at)
		return w.call(b, &c, pick(r, configActions))
	}
}

// sessionKey is a role session's temporary key: a new one every hour.
func (w *world) sessionKey(p *principal, at time.Time) string {
	return keyFrom("ASIA", p.salt^w.seed, uint64(at.Unix()/3600))
}

// action is one API call shape.
type action struct {
	source, name string
	weight       int
	readOnly     bool
	req, resp    func(b []byte, c *ctx) []byte
	err          string // errorCode when the call is denied
	resources    func(b []byte, c *ctx) []byte
}

func pick(r *rand.Rand, as []action) *action {
	total := 0
	for i := range as {
		total += as[i].weight
	}
	x := r.IntN(total)
	for i := range as {
		if x < as[i].weight {
			return &as[i]
		}
		x -= as[i].weight
	}
	return &as[len(as)-1]
}

// call writes one record, fields in the order CloudTrail writes them.
func (w *world) call(b []byte, c *ctx, a *action) []byte {
	return w.write(b, c, a, nil)
}

func (w *world) write(b []byte, c *ctx, a *action, extra *attackEvent) []byte {
	r := c.r
	b = append(b, `{"eventVersion":"1.09","userIdentity":`...)
	b = w.identity(b, c)
	b = append(b, `,"eventTime":"`...)
	b = c.at.UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
	b = append(b, `","eventSource":"`...)
	b = append(b, a.source...)
	b = append(b, `","eventName":"`...)
	b = append(b, a.name...)
	b = append(b, `","awsRegion":"`...)
	region := c.region
	if a.source == "iam.amazonaws.com" {
		region = "us-east-1"
	}
	b = append(b, region...)
	b = append(b, `","sourceIPAddress":"`...)
	if c.p.kind == awsService {
		b = append(b, c.p.service...)
	} else {
		b = append(b, c.p.ip...)
	}
	b = append(b, `","userAgent":`...)
	if c.p.kind == awsService {
		b = appendStr(b, c.p.service)
	} else {
		b = appendStr(b, c.p.ua)
	}
	errCode := a.err
	if extra != nil && extra.err != "" {
		errCode = extra.err
	}
	if errCode != "" {
		b = append(b, `,"errorCode":"`...)
		b = append(b, errCode...)
		b = append(b, `","errorMessage":"`...)
		b = append(b, deniedMessage(c, a, errCode)...)
		b = append(b, '"')
	}
	b = append(b, `,"requestParameters":`...)
	if a.req != nil {
		b = a.req(b, c)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"responseElements":`...)
	if a.resp != nil && errCode == "" {
		b = a.resp(b, c)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"requestID":"`...)
	b = uuid(b, r)
	b = append(b, `","eventID":"`...)
	b = uuid(b, r)
	b = append(b, `","readOnly":`...)
	b = strconv.AppendBool(b, a.readOnly)
	if a.resources != nil {
		b = append(b, `,"resources":`...)
		b = a.resources(b, c)
	}
	b = append(b, `,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"`...)
	b = append(b, c.account...)
	b = append(b, `","eventCategory":"Management"`...)
	if c.p.kind != awsService {
		b = append(b, `,"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"`...)
		b = append(b, hostOf(a.source, region)...)
		b = append(b, `"}`...)
	}
	return append(b, '}')
}

func hostOf(source, region string) string {
	svc := source[:len(source)-len(".amazonaws.com")]
	if svc == "iam" {
		return "iam.amazonaws.com"
	}
	return svc + "." + region + ".amazonaws.com"
}

func deniedMessage(c *ctx, a *action, code string) string {
	switch code {
	case "Client.VcpuLimitExceeded":
		return "You have requested more vCPU capacity than your current vCPU limit of 32 allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit."
	case "TrailNotFoundException", "InvalidKeyPair.Duplicate":
		return "The request could not be completed."
	}
	svc := a.source[:len(a.source)-len(".amazonaws.com")]
	msg := "User: " + arnOf(c.p, c.at) + " is not authorized to perform: " + svc + ":" + a.name + " on resource: arn:aws:" + svc + ":" + c.region + ":" + c.account + ":*" + " because no identity-based policy allows the " + svc + ":" + a.name + " action"
	if svc == "ec2" {
		// EC2 appends an encoded authorization failure message: long and incompressible.
		msg = "You are not authorized to perform this operation. " + msg + ". Encoded authorization failure message: " + b64(c.r, 520)
	}
	return msg
}

func arnOf(p *principal, at time.Time) string {
	switch p.kind {
	case iamUser:
		return "arn:aws:iam::" + p.account + ":user/" + p.name
	case assumedRole, ssoUser:
		return "arn:aws:sts::" + p.account + ":assumed-role/" + p.name + "/" + p.session
	}
	return ""
}

// appendSigner appends the members of a user's or a role's identity after its principalId:
// its ARN, account and access key.
func appendSigner(b []byte, c *ctx) []byte {
	b = append(b, `","arn":"`...)
	b = append(b, arnOf(c.p, c.at)...)
	b = append(b, `","accountId":"`...)
	b = append(b, c.p.account...)
	b = append(b, `","accessKeyId":"`...)
	return append(b, c.key...)
}

func (w *world) identity(b []byte, c *ctx) []byte {
	p := c.p
	switch p.kind {
	case awsService:
		b = append(b, `{"type":"AWSService","invokedBy":"`...)
		b = append(b, p.service...)
		return append(b, `"}`...)
	case iamUser:
		b = append(b, `{"type":"IAMUser","principalId":"`...)
		b = append(b, p.principalID...)
		b = appendSigner(b, c)
		b = append(b, `","userName":"`...)
		b = append(b, p.name...)
		b = append(b, '"')
		if c.key != p.key {
			// A session of the user (GetSessionToken or the console).
			b = append(b, `,"sessionContext":{"sessionIssuer":{},"webIdFederationData":{},"attributes":{"creationDate":"`...)
			b = c.at.Add(-time.Duration(c.r.IntN(1800))*time.Second).UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
			b = append(b, `","mfaAuthenticated":"false"}}`...)
		}
		return append(b, '}')
	default:
		b = append(b, `{"type":"AssumedRole","principalId":"`...)
		b = append(b, p.principalID...)
		b = append(b, ':')
		b = append(b, p.session...)
		b = appendSigner(b, c)
		b = append(b, `","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"`...)
		b = append(b, p.principalID...)
		b = append(b, `","arn":"arn:aws:iam::`...)
		b = append(b, p.account...)
		b = append(b, `:role/`...)
		b = append(b, p.name...)
		b = append(b, `","accountId":"`...)
		b = append(b, p.account...)
		b = append(b, `","userName":"`...)
		b = append(b, p.name...)
		b = append(b, `"},"webIdFederationData":{},"attributes":{"creationDate":"`...)
		b = c.at.Truncate(time.Hour).UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
		b = append(b, `","mfaAuthenticated":"`...)
		if p.kind == ssoUser {
			b = append(b, "true"...)
		} else {
			b = append(b, "false"...)
		}
		b = append(b, `"}}`...)
		if p.kind == assumedRole && p.name == "ec2-web-instance-role" {
			b = append(b, `,"ec2RoleDelivery":"2.0"`...)
		}
		return append(b, '}')
	}
}

// Request and response builders.

func raw(s string) func(b []byte, c *ctx) []byte {
	return func(b []byte, c *ctx) []byte { return append(b, s...) }
}

func instanceIDReq(b []byte, c *ctx) []byte {
	b = append(b, `{"instancesSet":{"items":[{"instanceId":"i-0`...)
	b = hexApp(b, c.r, 16)
	return append(b, `"}]},"filterSet":{},"includeAllInstances":false}`...)
}

func kmsReq(b []byte, c *ctx) []byte {
	b = append(b, `{"encryptionContext":{"aws:lambda:FunctionArn":"arn:aws:lambda:`...)
	b = append(b, c.region...)
	b = append(b, ':')
	b = append(b, c.account...)
	b = append(b, `:function:ingest-`...)
	b = hexApp(b, c.r, 6)
	return append(b, `"},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`...)
}

func kmsResources(b []byte, c *ctx) []byte {
	b = append(b, `[{"accountId":"`...)
	b = append(b, c.account...)
	b = append(b, `","type":"AWS::KMS::Key","ARN":"arn:aws:kms:`...)
	b = append(b, c.region...)
	b = append(b, ':')
	b = append(b, c.account...)
	b = append(b, `:key/`...)
	b = uuid(b, c.r)
	return append(b, `"}]`...)
}

func paramReq(b []byte, c *ctx) []byte {
	b = append(b, `{"name":"/app/prod/`...)
	b = append(b, []string{"db-url", "feature-flags", "api-endpoint", "queue-url"}[c.r.IntN(4)]...)
	return append(b, `","withDecryption":false}`...)
}

func secretReq(b []byte, c *ctx) []byte {
	b = append(b, `{"secretId":"arn:aws:secretsmanager:`...)
	b = append(b, c.region...)
	b = append(b, ':')
	b = append(b, c.account...)
	b = append(b, `:secret:prod/db-`...)
	b = hexApp(b, c.r, 6)
	return append(b, `"}`...)
}

func logsReq(b []byte, c *ctx) []byte {
	b = append(b, `{"logGroupName":"/aws/lambda/ingest","logStreamName":"`...)
	b = c.at.AppendFormat(b, "2006/01/02")
	b = append(b, `/[$LATEST]`...)
	b = hexApp(b, c.r, 32)
	return append(b, `"}`...)
}

// assumeRoleReq and assumeRoleResp are a service or user assuming a role: the response
// carries a new ASIA key, so benign files hold many keys that are not signers.
func assumeRoleReq(b []byte, c *ctx) []byte {
	b = append(b, `{"roleArn":"arn:aws:iam::`...)
	b = append(b, c.account...)
	b = append(b, `:role/`...)
	b = append(b, roleNames[c.r.IntN(5)]...)
	b = append(b, `","roleSessionName":"`...)
	b = strconv.AppendInt(b, c.at.UnixMilli()+int64(c.r.IntN(1000)), 10)
	return append(b, `","durationSeconds":3600}`...)
}

func assumeRoleResp(b []byte, c *ctx) []byte {
	b = append(b, `{"credentials":{"accessKeyId":"ASIA`...)
	b = upperAlnumApp(b, c.r, 16)
	b = append(b, `","sessionToken":"IQoJb3JpZ2luX2Vj`...)
	b = appendB64(b, c.r, 560)
	b = append(b, `","expiration":"`...)
	b = c.at.Add(time.Hour).UTC().AppendFormat(b, "Jan 2, 2006, 3:04:05 PM")
	b = append(b, `"},"assumedRoleUser":{"assumedRoleId":"AROA`...)
	b = upperAlnumApp(b, c.r, 17)
	b = append(b, `:session","arn":"arn:aws:sts::`...)
	b = append(b, c.account...)
	return append(b, `:assumed-role/app/session"}}`...)
}

func runInstancesReq(keyName, instanceType string, count int) func(b []byte, c *ctx) []byte {
	return func(b []byte, c *ctx) []byte {
		b = append(b, `{"instancesSet":{"items":[{"imageId":"ami-0`...)
		b = hexApp(b, c.r, 16)
		b = append(b, `","minCount":1,"maxCount":`...)
		b = strconv.AppendInt(b, int64(count), 10)
		if keyName != "" {
			b = append(b, `,"keyName":`...)
			b = appendStr(b, keyName)
		}
		b = append(b, `}]},"instanceType":"`...)
		b = append(b, instanceType...)
		b = append(b, `","blockDeviceMapping":{},"monitoring":{"enabled":false},"disableApiTermination":false,"disableApiStop":false,"clientToken":"`...)
		b = uuid(b, c.r)
		return append(b, `"}`...)
	}
}

func runInstancesResp(keyName, instanceType string, count int, ids []string) func(b []byte, c *ctx) []byte {
	return func(b []byte, c *ctx) []byte {
		b = append(b, `{"requestId":"`...)
		b = uuid(b, c.r)
		b = append(b, `","reservationId":"r-0`...)
		b = hexApp(b, c.r, 16)
		b = append(b, `","ownerId":"`...)
		b = append(b, c.account...)
		b = append(b, `","groupSet":{},"instancesSet":{"items":[`...)
		for i := 0; i < count; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"instanceId":"`...)
			if i < len(ids) {
				b = append(b, ids[i]...)
			} else {
				b = append(b, "i-0"...)
				b = hexApp(b, c.r, 16)
			}
			b = append(b, `","imageId":"ami-0`...)
			b = hexApp(b, c.r, 16)
			b = append(b, `","instanceState":{"code":0,"name":"pending"},"privateDnsName":"ip-10-0-`...)
			b = strconv.AppendInt(b, int64(c.r.IntN(250)), 10)
			b = append(b, `-`...)
			b = strconv.AppendInt(b, int64(c.r.IntN(250)), 10)
			b = append(b, `.ec2.internal","amiLaunchIndex":`...)
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, `,"productCodes":{},"instanceType":"`...)
			b = append(b, instanceType...)
			b = append(b, `","launchTime":`...)
			b = strconv.AppendInt(b, c.at.UnixMilli(), 10)
			if keyName != "" {
				b = append(b, `,"keyName":`...)
				b = appendStr(b, keyName)
			}
			b = append(b, `,"placement":{"availabilityZone":"`...)
			b = append(b, c.region...)
			b = append(b, `a","tenancy":"default"},"monitoring":{"state":"disabled"},"subnetId":"subnet-0`...)
			b = hexApp(b, c.r, 16)
			b = append(b, `","vpcId":"vpc-0`...)
			b = hexApp(b, c.r, 16)
			b = append(b, `","privateIpAddress":"10.0.`...)
			b = strconv.AppendInt(b, int64(c.r.IntN(250)), 10)
			b = append(b, `.`...)
			b = strconv.AppendInt(b, int64(c.r.IntN(250)), 10)
			b = append(b, `","stateReason":{"code":"pending","message":"pending"},"architecture":"x86_64","rootDeviceType":"ebs","rootDeviceName":"/dev/xvda","blockDeviceMapping":{},"virtualizationType":"hvm","hypervisor":"xen","groupSet":{"items":[{"groupId":"sg-0`...)
			b = hexApp(b, c.r, 16)
			b = append(b, `","groupName":"default"}]},"sourceDestCheck":true,"networkInterfaceSet":{},"ebsOptimized":false,"enaSupport":true,"cpuOptions":{"coreCount":2,"threadsPerCore":2},"capacityReservationSpecification":{"capacityReservationPreference":"open"},"hibernationOptions":{"configured":false},"enclaveOptions":{"enabled":false},"metadataOptions":{"state":"pending","httpTokens":"required","httpPutResponseHopLimit":2,"httpEndpoint":"enabled","httpProtocolIpv4":"ipv4","httpProtocolIpv6":"disabled","instanceMetadataTags":"disabled"},"maintenanceOptions":{"autoRecovery":"default"},"privateDnsNameOptions":{"hostnameType":"ip-name","enableResourceNameDnsARecord":false,"enableResourceNameDnsAAAARecord":false}}`...)
		}
		return append(b, `]},"requesterId":"940372691376"}`...)
	}
}

var (
	appActions = []action{
		{source: "kms.amazonaws.com", name: "Decrypt", weight: 14, readOnly: true, req: kmsReq, resources: kmsResources},
		{source: "kms.amazonaws.com", name: "GenerateDataKey", weight: 5, readOnly: true, req: raw(`{"keyId":"alias/app-data","keySpec":"AES_256"}`), resources: kmsResources},
		{source: "ssm.amazonaws.com", name: "GetParameter", weight: 8, readOnly: true, req: paramReq},
		{source: "secretsmanager.amazonaws.com", name: "GetSecretValue", weight: 5, readOnly: true, req: secretReq},
		{source: "dynamodb.amazonaws.com", name: "DescribeTable", weight: 6, readOnly: true, req: raw(`{"tableName":"orders"}`)},
		{source: "ec2.amazonaws.com", name: "DescribeInstances", weight: 7, readOnly: true, req: instanceIDReq},
		{source: "logs.amazonaws.com", name: "CreateLogStream", weight: 6, req: logsReq},
		{source: "ecr.amazonaws.com", name: "GetAuthorizationToken", weight: 3, readOnly: true, req: raw(`{"registryIds":[]}`)},
		{source: "sts.amazonaws.com", name: "GetCallerIdentity", weight: 3, readOnly: true},
		{source: "s3.amazonaws.com", name: "GetBucketLocation", weight: 3, readOnly: true, req: raw(`{"location":"","bucketName":"app-artifacts","Host":"app-artifacts.s3.amazonaws.com"}`)},
		{source: "sqs.amazonaws.com", name: "GetQueueAttributes", weight: 3, readOnly: true, req: raw(`{"queueUrl":"https://sqs.amazonaws.com/orders","attributeNames":["All"]}`)},
	}
	deniedActions = []action{
		{source: "ec2.amazonaws.com", name: "DescribeInstanceAttribute", weight: 3, readOnly: true, err: "Client.UnauthorizedOperation", req: raw(`{"instanceId":"i-95b86090","attribute":"userData"}`)},
		{source: "s3.amazonaws.com", name: "GetBucketPolicy", weight: 2, readOnly: true, err: "AccessDenied", req: raw(`{"bucketName":"audit-logs","Host":"audit-logs.s3.amazonaws.com","policy":""}`)},
		{source: "iam.amazonaws.com", name: "ListRoles", weight: 1, readOnly: true, err: "AccessDenied"},
	}
	serviceActions = []action{
		{source: "sts.amazonaws.com", name: "AssumeRole", weight: 12, readOnly: true, req: assumeRoleReq, resp: assumeRoleResp},
		{source: "kms.amazonaws.com", name: "Decrypt", weight: 8, readOnly: true, req: kmsReq, resources: kmsResources},
		{source: "kms.amazonaws.com", name: "GenerateDataKey", weight: 3, readOnly: true, req: raw(`{"keyId":"alias/aws/secretsmanager","keySpec":"AES_256"}`), resources: kmsResources},
	}
	ciActions = []action{
		{source: "ec2.amazonaws.com", name: "DescribeSecurityGroups", weight: 6, readOnly: true, req: raw(`{"securityGroupSet":{},"securityGroupIdSet":{},"filterSet":{"items":[{"name":"vpc-id","valueSet":{"items":[{"value":"vpc-0a1b2c3d4e5f60718"}]}}]}}`)},
		{source: "ec2.amazonaws.com", name: "DescribeInstances", weight: 5, readOnly: true, req: instanceIDReq},
		{source: "iam.amazonaws.com", name: "GetRole", weight: 4, readOnly: true, req: raw(`{"roleName":"app-ecs-task-role"}`)},
		{source: "iam.amazonaws.com", name: "ListAttachedRolePolicies", weight: 3, readOnly: true, req: raw(`{"roleName":"app-ecs-task-role"}`)},
		{source: "s3.amazonaws.com", name: "ListBuckets", weight: 3, readOnly: true, req: raw(`{"Host":"s3.amazonaws.com"}`)},
		{source: "sts.amazonaws.com", name: "AssumeRole", weight: 3, readOnly: true, req: assumeRoleReq, resp: assumeRoleResp},
		{source: "lambda.amazonaws.com", name: "GetFunction20150331v2", weight: 2, readOnly: true, req: raw(`{"functionName":"ingest"}`)},
		{source: "ecs.amazonaws.com", name: "DescribeServices", weight: 2, readOnly: true, req: raw(`{"cluster":"prod","services":["api","worker"]}`)},
	}
	consoleActions = []action{
		{source: "ec2.amazonaws.com", name: "DescribeInstances", weight: 5, readOnly: true, req: instanceIDReq},
		{source: "cloudtrail.amazonaws.com", name: "LookupEvents", weight: 2, readOnly: true, req: raw(`{"maxResults":50}`)},
		{source: "iam.amazonaws.com", name: "ListUsers", weight: 2, readOnly: true},
		{source: "s3.amazonaws.com", name: "ListBuckets", weight: 2, readOnly: true, req: raw(`{"Host":"s3.amazonaws.com"}`)},
		{source: "health.amazonaws.com", name: "DescribeEventAggregates", weight: 2, readOnly: true, req: raw(`{"aggregateField":"eventTypeCategory","filter":{"eventStatusCodes":["open","upcoming"]}}`)},
		{source: "ce.amazonaws.com", name: "GetCostAndUsage", weight: 1, readOnly: true, req: raw(`{"granularity":"MONTHLY","metrics":["UnblendedCost"]}`)},
	}
	scalingActions = []action{
		{source: "ec2.amazonaws.com", name: "RunInstances", weight: 2, req: runInstancesReq("web-fleet", "m6i.large", 1), resp: runInstancesResp("web-fleet", "m6i.large", 1, nil)},
		{source: "ec2.amazonaws.com", name: "TerminateInstances", weight: 2, req: instanceIDReq},
		{source: "ec2.amazonaws.com", name: "CreateTags", weight: 3, req: raw(`{"resourcesSet":{"items":[{"resourceId":"i-0a1b2c3d4e5f60718"}]},"tagSet":{"items":[{"key":"aws:autoscaling:groupName","value":"web"}]}}`)},
	}
	configActions = []action{
		{source: "config.amazonaws.com", name: "PutEvaluations", weight: 3, req: raw(`{"evaluations":[{"complianceResourceType":"AWS::EC2::SecurityGroup","complianceType":"COMPLIANT"}],"testMode":false}`)},
		{source: "ec2.amazonaws.com", name: "DescribeVolumes", weight: 2, readOnly: true, req: raw(`{"volumeSet":{},"filterSet":{}}`)},
		{source: "iam.amazonaws.com", name: "GetAccountPasswordPolicy", weight: 1, readOnly: true},
	}
	victimActions = []action{
		{source: "s3.amazonaws.com", name: "ListBuckets", weight: 2, readOnly: true, req: raw(`{"Host":"s3.amazonaws.com"}`)},
		{source: "ce.amazonaws.com", name: "GetCostAndUsage", weight: 3, readOnly: true, req: raw(`{"granularity":"DAILY","metrics":["UnblendedCost"],"groupBy":[{"type":"DIMENSION","key":"SERVICE"}]}`)},
		{source: "athena.amazonaws.com", name: "StartQueryExecution", weight: 1, req: raw(`{"queryString":"SELECT * FROM cur LIMIT 100","workGroup":"reporting"}`)},
	}
)

// Strings.

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
const hexDigits = "0123456789abcdef"
const b64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func upperAlnum(r *rand.Rand, n int) string { return string(upperAlnumApp(nil, r, n)) }

func upperAlnumApp(b []byte, r *rand.Rand, n int) []byte {
	for i := 0; i < n; i++ {
		b = append(b, alnum[r.IntN(len(alnum))])
	}
	return b
}

func randAlnum(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[r.IntN(62)]
	}
	return string(b)
}

func hex(r *rand.Rand, n int) string { return string(hexApp(nil, r, n)) }

func hexApp(b []byte, r *rand.Rand, n int) []byte { return appendDigits(b, r, n, hexDigits, 4) }

func b64(r *rand.Rand, n int) string { return string(appendB64(nil, r, n)) }

func appendB64(b []byte, r *rand.Rand, n int) []byte { return appendDigits(b, r, n, b64Chars, 6) }

// appendDigits appends n random characters of digits, whose number is 1<<bits: each
// 64-bit draw gives as many as it has bits for.
func appendDigits(b []byte, r *rand.Rand, n int, digits string, bits uint) []byte {
	mask := uint64(1)<<bits - 1
	per := int(64 / bits)
	for n > 0 {
		v := r.Uint64()
		for i := 0; i < per && n > 0; i++ {
			b = append(b, digits[v&mask])
			v >>= bits
			n--
		}
	}
	return b
}

func uuid(b []byte, r *rand.Rand) []byte {
	b = hexApp(b, r, 8)
	b = append(b, '-')
	b = hexApp(b, r, 4)
	b = append(b, "-4"...)
	b = hexApp(b, r, 3)
	b = append(b, '-', "89ab"[r.IntN(4)])
	b = hexApp(b, r, 3)
	b = append(b, '-')
	return hexApp(b, r, 12)
}

// keyFrom derives a stable key id from a seed and a counter.
func keyFrom(prefix string, seed, n uint64) string {
	var buf [16]byte
	binary.LittleEndian.PutUint64(buf[:], seed)
	binary.LittleEndian.PutUint64(buf[8:], n)
	x := splitmix(seed ^ splitmix(n))
	out := []byte(prefix)
	for i := 0; i < 16; i++ {
		if i == 8 {
			x = splitmix(x)
		}
		out = append(out, alnum[x%36])
		x /= 36
	}
	return string(out)
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func cloudIP(r *rand.Rand) string {
	prefixes := []string{"3.", "18.", "34.", "44.", "52.", "54."}
	return prefixes[r.IntN(len(prefixes))] + strconv.Itoa(r.IntN(256)) + "." + strconv.Itoa(r.IntN(256)) + "." + strconv.Itoa(1+r.IntN(254))
}

func officeIP(r *rand.Rand) string {
	return "203.0.113." + strconv.Itoa(1+r.IntN(254))
}

func sessionName(r *rand.Rand, role string) string {
	switch role {
	case "ec2-web-instance-role", "eks-node-role":
		return "i-0" + hex(r, 16)
	case "AWSServiceRoleForAutoScaling":
		return "AutoScaling"
	case "AWSServiceRoleForConfig":
		return "AWSConfig-Describe"
	}
	return strconv.FormatInt(1700000000000+r.Int64N(1e11), 10)
}

// appendStr appends s as a JSON string.
func appendStr(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, hexDigits[c>>4], hexDigits[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
