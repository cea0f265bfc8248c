package trailgen

import (
	"math/rand/v2"
	"time"
)

// attackEvent is one call of the attack, placed in a stream's file.
type attackEvent struct {
	at              time.Time
	account, region int
	p               *principal
	key             string
	a               action
	err             string
	seed            uint64
	decoy           bool
}

func (e *attackEvent) write(b []byte, w *world) []byte {
	c := ctx{p: e.p, account: w.accounts[e.account], region: w.regions[e.region], at: e.at, key: e.key,
		r: rand.New(rand.NewPCG(e.seed, 0xa77ac))}
	return w.write(b, &c, &e.a, e)
}

// attack scripts the incident: a leaked long-term key of svc-reporting is tested with
// TruffleHog from a non-cloud address, used for discovery, to derive a session token
// (used from a second address) and a cross-account role session (which assumes another
// role), to create key pairs in two regions and launch GPU instances (some denied by the
// vCPU limit, one from the derived session), to create a backdoor user and key (which
// launches with the attacker's key pair), and to try StopLogging. A decoy launch with the
// same key pair name in another region is not the attacker's.
func (w *world) attack(r *rand.Rand, t0 time.Time) (Attack, []attackEvent) {
	const acctA, acctB = 1, 2
	rEast, rDecoy, rEU := 0, min(1, len(w.regions)-1), min(2, len(w.regions)-1)
	v := w.victim
	ip1, ip2 := "185.220.101.47", "45.142.212.61"
	cli := "aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2023 prompt/off"
	attacker := &principal{kind: iamUser, account: v.account, name: v.name, principalID: v.principalID, key: v.key, ip: ip1, ua: cli}
	truffle := *attacker
	truffle.ua = "TruffleHog"
	fromSecond := *attacker
	fromSecond.ip = ip2
	fromSecond.ua = "Boto3/1.34.100 md/Botocore#1.34.100 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.100"
	acctBID := w.accounts[acctB]
	roleB := &principal{kind: assumedRole, account: acctBID, name: "OrganizationAccountAccessRole", principalID: "AROA" + upperAlnum(r, 17), session: v.name, ip: ip1, ua: cli}
	opsB := &principal{kind: assumedRole, account: acctBID, name: "ops-admin", principalID: "AROA" + upperAlnum(r, 17), session: "ops", ip: ip1, ua: cli}
	s1, s2, s3 := "ASIA"+upperAlnum(r, 16), "ASIA"+upperAlnum(r, 16), "ASIA"+upperAlnum(r, 16)
	newKey := "AKIA" + upperAlnum(r, 16)
	backdoor := &principal{kind: iamUser, account: v.account, name: "backup-svc2", principalID: "AIDA" + upperAlnum(r, 17), key: newKey, ip: ip2, ua: cli}
	scaling := &principal{kind: assumedRole, account: w.accounts[acctA], name: "AWSServiceRoleForAutoScaling", principalID: "AROA" + upperAlnum(r, 17), session: "AutoScaling", ip: "autoscaling.amazonaws.com", ua: "autoscaling.amazonaws.com"}
	kpEast, kpEU := "ops-2026", "ops-2026-eu"

	var evs []attackEvent
	add := func(min float64, account, region int, p *principal, key string, a action, err string) {
		evs = append(evs, attackEvent{at: t0.Add(time.Duration(min * float64(time.Minute))), account: account, region: region, p: p, key: key, a: a, err: err, seed: r.Uint64()})
	}
	ro := func(source, name string) action { return action{source: source, name: name, readOnly: true} }
	A, V := acctA, v.key

	add(0, A, rEast, &truffle, V, ro("sts.amazonaws.com", "GetCallerIdentity"), "")
	// Discovery, with AccessDenied where the key's policy stops it.
	add(1.0, A, rEast, attacker, V, ro("iam.amazonaws.com", "ListUsers"), "")
	add(1.2, A, rEast, attacker, V, ro("iam.amazonaws.com", "ListRoles"), "")
	add(1.5, A, rEast, attacker, V, action{source: "iam.amazonaws.com", name: "ListAttachedUserPolicies", readOnly: true, req: raw(`{"userName":"svc-reporting"}`)}, "")
	add(1.9, A, rEast, attacker, V, ro("iam.amazonaws.com", "GetAccountAuthorizationDetails"), "AccessDenied")
	add(2.1, A, rEast, attacker, V, action{source: "iam.amazonaws.com", name: "ListAccessKeys", readOnly: true, req: raw(`{"userName":"terraform-ci"}`)}, "AccessDenied")
	add(2.4, A, rEast, attacker, V, ro("secretsmanager.amazonaws.com", "ListSecrets"), "AccessDenied")
	add(2.8, A, rEast, attacker, V, action{source: "s3.amazonaws.com", name: "ListBuckets", readOnly: true, req: raw(`{"Host":"s3.amazonaws.com"}`)}, "")
	add(3.0, A, rEast, attacker, V, ro("ec2.amazonaws.com", "DescribeRegions"), "")
	for i, reg := range []int{rEast, rDecoy, rEU, min(3, len(w.regions)-1)} {
		add(3.5+float64(i)*0.4, A, reg, attacker, V, action{source: "ec2.amazonaws.com", name: "DescribeInstances", readOnly: true, req: raw(`{"instancesSet":{},"filterSet":{}}`)}, "")
	}
	// A session token, used from a second address.
	add(8, A, rEast, attacker, V, action{source: "sts.amazonaws.com", name: "GetSessionToken", readOnly: true, req: raw(`{"durationSeconds":43200}`), resp: credentialsResp(s1, 12*time.Hour, "")}, "")
	add(10, A, rEast, &fromSecond, s1, action{source: "s3.amazonaws.com", name: "ListBuckets", readOnly: true, req: raw(`{"Host":"s3.amazonaws.com"}`)}, "")
	add(11, A, rEast, &fromSecond, s1, action{source: "ec2.amazonaws.com", name: "DescribeInstances", readOnly: true, req: raw(`{"instancesSet":{},"filterSet":{}}`)}, "")
	// A cross-account role session, which assumes another role.
	roleArn := "arn:aws:iam::" + acctBID + ":role/OrganizationAccountAccessRole"
	add(13, A, rEast, attacker, V, action{source: "sts.amazonaws.com", name: "AssumeRole", readOnly: true,
		req:  raw(`{"roleArn":"` + roleArn + `","roleSessionName":"svc-reporting","durationSeconds":3600}`),
		resp: credentialsResp(s2, time.Hour, `,"assumedRoleUser":{"assumedRoleId":"`+roleB.principalID+`:svc-reporting","arn":"arn:aws:sts::`+acctBID+`:assumed-role/OrganizationAccountAccessRole/svc-reporting"}`)}, "")
	add(14, acctB, rEast, roleB, s2, ro("iam.amazonaws.com", "ListUsers"), "")
	add(15, acctB, rEast, roleB, s2, action{source: "s3.amazonaws.com", name: "ListBuckets", readOnly: true, req: raw(`{"Host":"s3.amazonaws.com"}`)}, "")
	add(16, acctB, rEast, roleB, s2, action{source: "sts.amazonaws.com", name: "AssumeRole", readOnly: true,
		req:  raw(`{"roleArn":"arn:aws:iam::` + acctBID + `:role/ops-admin","roleSessionName":"ops","durationSeconds":3600}`),
		resp: credentialsResp(s3, time.Hour, `,"assumedRoleUser":{"assumedRoleId":"`+opsB.principalID+`:ops","arn":"arn:aws:sts::`+acctBID+`:assumed-role/ops-admin/ops"}`)}, "")
	add(17, acctB, rEU, roleB, s2, action{source: "ec2.amazonaws.com", name: "DescribeInstances", readOnly: true, req: raw(`{"instancesSet":{},"filterSet":{}}`)}, "")
	add(18, acctB, rEU, opsB, s3, action{source: "ec2.amazonaws.com", name: "DescribeInstances", readOnly: true, req: raw(`{"instancesSet":{},"filterSet":{}}`)}, "")
	add(19, acctB, rEast, opsB, s3, action{source: "cloudtrail.amazonaws.com", name: "StopLogging", req: raw(`{"name":"arn:aws:cloudtrail:us-east-1:` + acctBID + `:trail/org-trail"}`)}, "AccessDenied")
	add(20, acctB, rEU, opsB, s3, ro("guardduty.amazonaws.com", "ListDetectors"), "")
	// Key pairs in two regions, and GPU launches with them.
	add(21, A, rEast, attacker, V, createKeyPair(kpEast), "")
	add(22, A, rEU, attacker, V, createKeyPair(kpEU), "")
	add(23, A, rEast, attacker, V, action{source: "ec2.amazonaws.com", name: "RunInstances", req: runInstancesReq(kpEast, "p3.16xlarge", 10)}, "Client.VcpuLimitExceeded")
	add(24, A, rEast, attacker, V, action{source: "ec2.amazonaws.com", name: "RunInstances", req: runInstancesReq(kpEast, "g4dn.12xlarge", 2), resp: runInstancesResp(kpEast, "g4dn.12xlarge", 2, nil)}, "")
	add(25, A, rEU, attacker, V, action{source: "ec2.amazonaws.com", name: "RunInstances", req: runInstancesReq(kpEU, "p3.8xlarge", 1), resp: runInstancesResp(kpEU, "p3.8xlarge", 1, nil)}, "")
	add(26, A, rEast, &fromSecond, s1, action{source: "ec2.amazonaws.com", name: "RunInstances", req: runInstancesReq(kpEast, "g4dn.xlarge", 1), resp: runInstancesResp(kpEast, "g4dn.xlarge", 1, nil)}, "")
	// Persistence: a backdoor user with a key, and an attempt to stop logging.
	add(28, A, rEast, attacker, V, action{source: "iam.amazonaws.com", name: "CreateUser", req: raw(`{"userName":"backup-svc2"}`),
		resp: raw(`{"user":{"path":"/","userName":"backup-svc2","userId":"` + backdoor.principalID + `","arn":"arn:aws:iam::` + v.account + `:user/backup-svc2","createDate":"Mar 3, 2026, 12:45:10 PM"}}`)}, "")
	add(29, A, rEast, attacker, V, action{source: "iam.amazonaws.com", name: "CreateAccessKey", req: raw(`{"userName":"backup-svc2"}`),
		resp: raw(`{"accessKey":{"userName":"backup-svc2","accessKeyId":"` + newKey + `","status":"Active","createDate":"Mar 3, 2026, 12:46:10 PM"}}`)}, "")
	add(30, A, rEast, attacker, V, action{source: "iam.amazonaws.com", name: "AttachUserPolicy", req: raw(`{"userName":"backup-svc2","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}`)}, "")
	add(32, A, rEast, attacker, V, action{source: "cloudtrail.amazonaws.com", name: "StopLogging", req: raw(`{"name":"org-trail"}`)}, "AccessDenied")
	// The backdoor key launches with the attacker's key pair: found through the key pair.
	add(45, A, rEast, backdoor, newKey, action{source: "ec2.amazonaws.com", name: "RunInstances", req: runInstancesReq(kpEast, "t3.large", 1), resp: runInstancesResp(kpEast, "t3.large", 1, nil)}, "")
	// Decoy: the same key pair name in another region, someone else's.
	add(50, A, rDecoy, scaling, keyFrom("ASIA", 7, 7), action{source: "ec2.amazonaws.com", name: "RunInstances", req: runInstancesReq(kpEast, "m6i.large", 1), resp: runInstancesResp(kpEast, "m6i.large", 1, nil)}, "")
	evs[len(evs)-1].decoy = true
	// The session token again, hours later.
	add(190, A, rEast, &fromSecond, s1, action{source: "s3.amazonaws.com", name: "ListBuckets", readOnly: true, req: raw(`{"Host":"s3.amazonaws.com"}`)}, "")

	att := Attack{Key: V, User: v.name, Account: v.account, SessionKeys: []string{s1, s2, s3},
		KeyPairs:    []KeyPair{{kpEast, w.regions[rEast]}, {kpEU, w.regions[rEU]}},
		Decoy:       KeyPair{kpEast, w.regions[rDecoy]},
		CreatedKeys: []string{newKey}}
	for _, e := range evs {
		switch {
		case e.key == V:
			att.Events++
			att.SignedByKey++
		case e.key == s1 || e.key == s2 || e.key == s3 || e.key == newKey:
			att.Events++
		}
		if e.a.name == "RunInstances" && !e.decoy {
			att.Launches++
		}
	}
	return att, evs
}

func credentialsResp(key string, d time.Duration, more string) func(b []byte, c *ctx) []byte {
	return func(b []byte, c *ctx) []byte {
		b = append(b, `{"credentials":{"accessKeyId":"`...)
		b = append(b, key...)
		b = append(b, `","sessionToken":"IQoJb3JpZ2luX2Vj`...)
		b = appendB64(b, c.r, 560)
		b = append(b, `","expiration":"`...)
		b = c.at.Add(d).UTC().AppendFormat(b, "Jan 2, 2006, 3:04:05 PM")
		b = append(b, `"}`...)
		b = append(b, more...)
		return append(b, '}')
	}
}

func createKeyPair(name string) action {
	return action{source: "ec2.amazonaws.com", name: "CreateKeyPair",
		req: raw(`{"keyName":"` + name + `","keyType":"rsa","keyFormat":"pem"}`),
		resp: func(b []byte, c *ctx) []byte {
			b = append(b, `{"requestId":"`...)
			b = uuid(b, c.r)
			b = append(b, `","keyName":"`...)
			b = append(b, name...)
			b = append(b, `","keyFingerprint":"`...)
			for i := 0; i < 20; i++ {
				if i > 0 {
					b = append(b, ':')
				}
				b = hexApp(b, c.r, 2)
			}
			b = append(b, `","keyPairId":"key-0`...)
			b = hexApp(b, c.r, 16)
			return append(b, `","keyMaterial":"<sensitiveDataRemoved>"}`...)
		}}
}
