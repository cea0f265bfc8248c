package demo

import (
	"fmt"
	"strconv"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

const (
	attackerAccount = "931847562019" // where the attacker tried to share a snapshot
	auditTrailARN   = "arn:aws:cloudtrail:us-east-1:" + prodAccount + ":trail/org-audit-trail"
	attackKeyPair   = "ops-recovery"
	adminPolicy     = "arn:aws:iam::aws:policy/AdministratorAccess"
	vcpuLimitMsg    = "You have requested more vCPU capacity than your current vCPU limit of 0 allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit."
	gpuAMIName      = "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *"
)

// amis are the GPU AMIs the attacker launched, per region.
var amis = map[string]string{
	"us-east-1": "ami-0a7d3b2c9e4f61a85",
	"eu-west-1": "ami-04c5e1f8b92d7a316",
}

// harvestedSecrets are the secrets a derived session read in the data account.
var harvestedSecrets = []string{
	"analytics/redshift/admin", "analytics/redshift/etl", "analytics/snowflake/loader",
	"analytics/looker/api", "analytics/airflow/fernet", "analytics/airflow/db", "analytics/dbt/ci",
	"analytics/segment/write-key", "analytics/stripe/readonly", "analytics/hubspot/api",
	"analytics/zendesk/api", "analytics/salesforce/integration", "analytics/bigquery/sa",
	"analytics/fivetran/api", "analytics/s3-export/signing", "analytics/datadog/api",
	"analytics/slack/webhook", "analytics/pagerduty/events", "analytics/github/deploy",
	"analytics/sftp/partner", "analytics/mixpanel/secret",
}

// attack plays the incident. Times are relative to t1, the key's first use by the attacker.
func (g *gen) attack() {
	w := &g.w
	f := &g.f
	ids := g.id
	rep := w.reporting
	t1 := g.ago(27*time.Hour + 13*time.Minute)
	t := t1
	at := func(d time.Duration) time.Time { t = t1.Add(d); return t }
	next := func(s int) time.Time { t = t.Add(time.Duration(s) * time.Second); return t }
	kali := func(cmd string) *actor { return rep.keyActor(attackerIP, kaliCLI(cmd)) }

	// 1. A secret scanner validates the leaked key: one GetCallerIdentity, TruffleHog's agent.
	g.mark("trufflehog", g.call(rep.keyActor(attackerIP, trufflehogUA), ids, t, "sts", "GetCallerIdentity", ""))

	// 2. Discovery by hand, with AccessDenied bursts.
	at(41*time.Minute + 7*time.Second)
	g.mark("whoami", g.call(kali("sts.get-caller-identity"), ids, t, "sts", "GetCallerIdentity", ""))
	g.call(kali("iam.get-user"), ids, next(6), "iam", "GetUser", "").req(nil)
	g.call(kali("iam.list-attached-user-policies"), ids, next(9), "iam", "ListAttachedUserPolicies", "").req(obj{"userName": rep.name})
	g.call(kali("iam.list-user-policies"), ids, next(5), "iam", "ListUserPolicies", "").req(obj{"userName": rep.name})
	g.call(kali("iam.list-groups-for-user"), ids, next(7), "iam", "ListGroupsForUser", "").req(obj{"userName": rep.name})
	g.mark("listusers", g.call(kali("iam.list-users"), ids, next(11), "iam", "ListUsers", ""))
	g.call(kali("iam.list-roles"), ids, next(8), "iam", "ListRoles", "").denied("iam:ListRoles", "arn:aws:iam::"+prodAccount+":role/")
	g.mark("denied-gaad", g.call(kali("iam.get-account-authorization-details"), ids, next(6), "iam", "GetAccountAuthorizationDetails", "").
		denied("iam:GetAccountAuthorizationDetails", "*"))
	g.call(kali("iam.list-policies"), ids, next(7), "iam", "ListPolicies", "").req(obj{"scope": "Local", "onlyAttached": false}).
		denied("iam:ListPolicies", "arn:aws:iam::"+prodAccount+":policy/")
	g.call(kali("s3.ls"), ids, next(10), "s3", "ListBuckets", "us-east-1").req(obj{"Host": "s3.amazonaws.com"})
	g.call(kali("ec2.describe-regions"), ids, next(6), "ec2", "DescribeRegions", "us-east-1").req(obj{"regionSet": obj{}, "allRegions": false})
	for _, region := range []string{"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-1"} {
		g.call(kali("ec2.describe-instances"), ids, next(4), "ec2", "DescribeInstances", region).req(obj{"instancesSet": obj{}, "filterSet": obj{}})
	}
	g.call(kali("organizations.describe-organization"), ids, next(9), "organizations", "DescribeOrganization", "").
		denied("organizations:DescribeOrganization", "*")
	g.call(kali("guardduty.list-detectors"), ids, next(7), "guardduty", "ListDetectors", "us-east-1").
		denied("guardduty:ListDetectors", "arn:aws:guardduty:us-east-1:"+prodAccount+":detector/*")
	g.call(kali("lambda.list-functions"), ids, next(6), "lambda", "ListFunctions20150331", "us-east-1").
		denied("lambda:ListFunctions", "*")
	g.call(kali("kms.list-keys"), ids, next(8), "kms", "ListKeys", "us-east-1").denied("kms:ListKeys", "*")
	g.call(kali("secretsmanager.list-secrets"), ids, next(12), "secretsmanager", "ListSecrets", "us-east-1")
	g.call(kali("cloudtrail.describe-trails"), ids, next(9), "cloudtrail", "DescribeTrails", "us-east-1").req(obj{"includeShadowTrails": true})
	g.call(kali("cloudtrail.get-trail-status"), ids, next(7), "cloudtrail", "GetTrailStatus", "us-east-1").req(obj{"name": auditTrailARN})
	for _, q := range []string{"L-417A185B", "L-DB2E81BA"} { // Running On-Demand P, and G and VT instances
		g.call(kali("service-quotas.get-service-quota"), ids, next(14), "servicequotas", "GetServiceQuota", "us-east-1").
			req(obj{"serviceCode": "ec2", "quotaCode": q})
	}

	// 3. AssumeRole into the data account's cross-account role: session S1.
	etl := g.newRole(ids, dataAccount, "analytics-etl-cross-account")
	admin := g.newRole(ids, dataAccount, "analytics-admin")
	s1Name := "botocore-session-" + strconv.FormatInt(at(55*time.Minute+31*time.Second).Unix(), 10)
	s1, s1Ev := g.assumeRole(ids, kali("sts.assume-role"), etl, s1Name, t, 3600, true)
	f.Sessions = append(f.Sessions, SessionFact{Key: s1.id.AccessKeyID, IssuedBy: "AssumeRole", Parent: rep.key, Account: dataAccount, RoleARN: etl.arn, IssuedAt: t, Expires: t.Add(time.Hour), EventID: s1Ev.EventID})

	// S1 from the VPS: who am I, what data is there; Athena reads Glue on its behalf.
	s1a := s1.with(vpsIP, vpsBoto3UA)
	at(58*time.Minute + 2*time.Second)
	g.mark("s1-whoami", g.call(s1a, ids, t, "sts", "GetCallerIdentity", ""))
	g.call(s1a, ids, next(5), "s3", "ListBuckets", "us-east-1").req(obj{"Host": "s3.amazonaws.com"})
	g.call(s1a, ids, next(21), "athena", "ListWorkGroups", "us-west-2").req(obj{"maxResults": 50})
	qid := ids.uuid()
	g.call(s1a, ids, next(34), "athena", "StartQueryExecution", "us-west-2").req(obj{
		"queryString":           "SELECT * FROM customers_pii LIMIT 100000",
		"queryExecutionContext": obj{"database": "analytics", "catalog": "AwsDataCatalog"},
		"workGroup":             "primary",
		"resultConfiguration":   obj{"outputLocation": "s3://analytics-athena-results-" + dataAccount + "/adhoc/"},
	}).resp(obj{"queryExecutionId": qid})
	viaAthena := *s1a
	viaAthena.id.InvokedBy = "athena.amazonaws.com"
	viaAthena.ip, viaAthena.ua = "athena.amazonaws.com", "athena.amazonaws.com"
	g.call(&viaAthena, ids, next(1), "glue", "GetTable", "us-west-2").req(obj{"catalogId": dataAccount, "databaseName": "analytics", "name": "customers_pii"})
	g.call(s1a, ids, next(4), "athena", "GetQueryExecution", "us-west-2").req(obj{"queryExecutionId": qid})
	g.call(s1a, ids, next(6), "athena", "GetQueryResults", "us-west-2").req(obj{"queryExecutionId": qid, "maxResults": 1000})

	// Role chaining: S1 assumes the data account's admin role: session S3.
	s3Name := "botocore-session-" + strconv.FormatInt(next(47).Unix(), 10)
	s3, s3Ev := g.assumeRole(ids, s1a, admin, s3Name, t, 3600, false)
	f.Sessions = append(f.Sessions, SessionFact{Key: s3.id.AccessKeyID, IssuedBy: "AssumeRole", Parent: s1.id.AccessKeyID, Account: dataAccount, RoleARN: admin.arn, IssuedAt: t, Expires: t.Add(time.Hour), EventID: s3Ev.EventID})
	s3a := s3.with(vpsIP, vpsBoto3UA)
	g.call(s3a, ids, next(8), "iam", "ListRoles", "")
	g.call(s3a, ids, next(13), "secretsmanager", "ListSecrets", "us-west-2").req(obj{"maxResults": 100})
	for i, name := range harvestedSecrets {
		r := g.call(s3a, ids, next(2+i%3), "secretsmanager", "GetSecretValue", "us-west-2").
			req(obj{"secretId": fmt.Sprintf("arn:aws:secretsmanager:us-west-2:%s:secret:%s-%s", dataAccount, name, ids.pick(6, mixedAlnum))})
		if i == 0 {
			g.mark("secret-first", r)
		}
		g.mark("secret-last", r)
		f.SecretsRead++
	}
	g.call(s3a, ids, next(19), "ec2", "DescribeInstances", "us-west-2").req(obj{"instancesSet": obj{}, "filterSet": obj{}})

	// 4. GetSessionToken through the regional STS endpoint: session S2, valid 36 hours.
	at(80*time.Minute + 12*time.Second)
	s2Key := ids.accessKey("ASIA", prodAccount)
	gst := g.call(kali("sts.get-session-token"), ids, t, "sts", "GetSessionToken", "eu-west-1").
		req(obj{"durationSeconds": 129600}).
		resp(obj{"credentials": credentials(ids, s2Key, t.Add(36*time.Hour))})
	s2Issued := t
	f.Sessions = append(f.Sessions, SessionFact{Key: s2Key, IssuedBy: "GetSessionToken", Parent: rep.key, Account: prodAccount, IssuedAt: t, Expires: t.Add(36 * time.Hour), EventID: gst.EventID})

	// 5. Key pairs in two regions, then GPU launches: quota denials, then a success.
	at(84*time.Minute + 3*time.Second)
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		kp := g.call(kali("ec2.create-key-pair"), ids, next(37), "ec2", "CreateKeyPair", region)
		id := "key-0" + ids.hex(16)
		kp.req(obj{"keyName": attackKeyPair, "keyType": "rsa", "keyFormat": "pem"}).
			resp(obj{"requestId": kp.RequestID, "keyName": attackKeyPair, "keyFingerprint": ids.fingerprint(), "keyPairId": id, "keyMaterial": "<sensitiveDataRemoved>"})
		g.mark("keypair-"+region, kp)
		g.plant(investigate.ArtKeyPair, region+"/"+attackKeyPair, kp)
		f.KeyPairs = append(f.KeyPairs, KeyPairFact{Name: attackKeyPair, Region: region, Account: prodAccount, ID: id, EventID: kp.EventID})
	}
	g.call(kali("ec2.describe-images"), ids, next(25), "ec2", "DescribeImages", "us-east-1").req(obj{
		"executableBySet": obj{}, "ownersSet": items(obj{"owner": "amazon"}),
		"filterSet": items(obj{"name": "name", "valueSet": items(obj{"value": gpuAMIName})}),
	})
	g.launch(kali("ec2.run-instances"), next(41), "us-east-1", "p3.16xlarge", 4, investigate.MatchedBySigner, "Client.VcpuLimitExceeded")
	g.launch(kali("ec2.run-instances"), next(33), "us-east-1", "p3.8xlarge", 2, investigate.MatchedBySigner, "Client.VcpuLimitExceeded")
	g.launch(kali("ec2.run-instances"), next(46), "us-east-1", "g5.2xlarge", 2, investigate.MatchedBySigner, "")

	// S2 from the VPS launches in Ireland.
	s2a := rep.userSession(s2Key, s2Issued, false, vpsIP, vpsBoto3UA)
	at(95*time.Minute + 40*time.Second)
	g.call(s2a, ids, t, "sts", "GetCallerIdentity", "eu-west-1")
	g.call(s2a, ids, next(9), "ec2", "DescribeImages", "eu-west-1").req(obj{
		"executableBySet": obj{}, "ownersSet": items(obj{"owner": "amazon"}),
		"filterSet": items(obj{"name": "name", "valueSet": items(obj{"value": gpuAMIName})}),
	})
	g.launch(s2a, next(27), "eu-west-1", "g5.4xlarge", 1, investigate.MatchedBySigner, "")
	g.call(s2a, ids, next(31), "ec2", "DescribeInstances", "eu-west-1").req(obj{"instancesSet": obj{}, "filterSet": items(obj{"name": "key-name", "valueSet": items(obj{"value": attackKeyPair})})})

	// 6. GetFederationToken: session S4, a federated user with an allow-all policy.
	at(100*time.Minute + 18*time.Second)
	s4Key := ids.accessKey("ASIA", prodAccount)
	fedName := "reporting-sync"
	gft := g.call(kali("sts.get-federation-token"), ids, t, "sts", "GetFederationToken", "").
		req(obj{"name": fedName, "durationSeconds": 129600, "policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}).
		resp(obj{
			"credentials":      credentials(ids, s4Key, t.Add(36*time.Hour)),
			"federatedUser":    obj{"federatedUserId": prodAccount + ":" + fedName, "arn": fmt.Sprintf("arn:aws:sts::%s:federated-user/%s", prodAccount, fedName)},
			"packedPolicySize": 6,
		})
	f.Sessions = append(f.Sessions, SessionFact{Key: s4Key, IssuedBy: "GetFederationToken", Parent: rep.key, Account: prodAccount, IssuedAt: t, Expires: t.Add(36 * time.Hour), EventID: gft.EventID})
	s4a := rep.federated(fedName, s4Key, t, vpsIP, vpsBoto3UA)
	g.call(s4a, ids, next(64), "sts", "GetCallerIdentity", "")
	g.call(s4a, ids, next(7), "ec2", "DescribeRegions", "ap-southeast-1").req(obj{"regionSet": obj{}, "allRegions": false})
	g.call(s4a, ids, next(5), "ec2", "DescribeInstanceTypeOfferings", "ap-southeast-1").req(obj{
		"locationType": "availability-zone",
		"filterSet":    items(obj{"name": "instance-type", "valueSet": items(obj{"value": "g5.*"}, obj{"value": "p3.*"})}),
	})
	g.call(s4a, ids, next(12), "ec2", "DescribeInstances", "ap-southeast-1").req(obj{"instancesSet": obj{}, "filterSet": obj{}})

	// 7. Persistence: a backdoor administrator with a key and a console password.
	at(110*time.Minute + 51*time.Second)
	bd := w.backdoor
	g.plant(investigate.ArtUser, bd.name, g.call(kali("iam.create-user"), ids, t, "iam", "CreateUser", "").req(obj{"userName": bd.name}).
		resp(obj{"user": obj{"path": "/", "userName": bd.name, "userId": bd.principal, "arn": bd.arn, "createDate": t.Format(javaTime)}}))
	g.plant(investigate.ArtAccessKey, bd.key, g.mark("createkey", g.call(kali("iam.create-access-key"), ids, next(14), "iam", "CreateAccessKey", "").req(obj{"userName": bd.name}).
		resp(obj{"accessKey": obj{"userName": bd.name, "accessKeyId": bd.key, "status": "Active", "createDate": t.Format(javaTime)}})))
	g.plant(investigate.ArtAttachedPolicy, "user/"+bd.name+":"+adminPolicy, g.mark("adminpolicy", g.call(kali("iam.attach-user-policy"), ids, next(18), "iam", "AttachUserPolicy", "").
		req(obj{"userName": bd.name, "policyArn": adminPolicy})))
	g.plant(investigate.ArtLoginProfile, bd.name, g.mark("loginprofile", g.call(kali("iam.create-login-profile"), ids, next(23), "iam", "CreateLoginProfile", "").
		req(obj{"userName": bd.name, "passwordResetRequired": false}).
		resp(obj{"loginProfile": obj{"userName": bd.name, "createDate": t.Format(javaTime), "passwordResetRequired": false}})))

	// 8. Defence evasion, denied: StopLogging on the organisation's trail.
	at(118*time.Minute + 4*time.Second)
	g.call(kali("cloudtrail.describe-trails"), ids, t, "cloudtrail", "DescribeTrails", "us-east-1").req(obj{"includeShadowTrails": true})
	g.mark("stoplogging", g.call(kali("cloudtrail.stop-logging"), ids, next(16), "cloudtrail", "StopLogging", "us-east-1").
		req(obj{"name": auditTrailARN}).denied("cloudtrail:StopLogging", auditTrailARN))
	f.StopLoggingTrail = auditTrailARN

	// 9. Exfiltration attempt, denied: share an EBS snapshot with the attacker's account.
	at(125*time.Minute + 30*time.Second)
	g.call(kali("ec2.describe-snapshots"), ids, t, "ec2", "DescribeSnapshots", "us-east-1").
		req(obj{"snapshotSet": obj{}, "ownersSet": items(obj{"owner": "self"}), "sharedUsersSet": obj{}, "filterSet": obj{}})
	snap := "snap-0" + ids.hex(16)
	g.mark("snapshot", g.call(kali("ec2.modify-snapshot-attribute"), ids, next(29), "ec2", "ModifySnapshotAttribute", "us-east-1").
		req(obj{"snapshotId": snap, "attributeType": "CREATE_VOLUME_PERMISSION", "createVolumePermission": obj{"add": items(obj{"userId": attackerAccount})}}).
		denied("ec2:ModifySnapshotAttribute", "arn:aws:ec2:us-east-1::snapshot/"+snap))

	// 10. The backdoor key, the leaked key's child, acts from the VPS: its events are the
	// case's own. It launches with the attacker's key pair, then uses its administrator
	// rights to make more ways in (blast.go).
	bka := bd.keyActor(vpsIP, vpsBoto3UA)
	at(3*time.Hour + 5*time.Minute + 9*time.Second)
	g.mark("backdoor-whoami", g.call(bka, ids, t, "sts", "GetCallerIdentity", ""))
	g.call(bka, ids, next(11), "ec2", "DescribeInstances", "eu-west-1").req(obj{"instancesSet": obj{}, "filterSet": obj{}})
	g.launch(bka, next(38), "eu-west-1", "g5.xlarge", 1, investigate.MatchedBySigner, "")
	g.childPersistence(bka, t1.Add(3*time.Hour+8*time.Minute+2*time.Second))

	// 11. The backdoor user signs in to the console: sessions derived from no key.
	at(3*time.Hour + 21*time.Minute + 2*time.Second)
	g.consoleLogin(bd, ids, t, vpsIP, firefoxLinuxUA, false)
	cs := ids.accessKey("ASIA", prodAccount)
	f.ConsoleSessionKeys = append(f.ConsoleSessionKeys, cs)
	csa := bd.userSession(cs, t, false, vpsIP, firefoxLinuxUA)
	for _, c := range []struct{ svc, name, region string }{
		{"ec2", "DescribeInstances", "eu-west-1"}, {"ec2", "DescribeInstanceStatus", "eu-west-1"},
		{"ce", "GetCostAndUsage", ""}, {"servicequotas", "ListServiceQuotas", "eu-west-1"},
		{"iam", "ListUsers", ""}, {"iam", "GetAccountSummary", ""}, {"ec2", "DescribeInstances", "us-east-1"},
	} {
		g.consoleCall(csa, ids, next(8+g.id.r.IntN(30)), c.svc, c.name, c.region)
	}
	// From the console, a launch with the attacker's key pair: a sign-in session derives
	// from no key, so only the key pair ties it to the case.
	cl := g.launchWith(g.bid, csa, t1.Add(3*time.Hour+29*time.Minute+11*time.Second), "us-east-1", "g5.xlarge", 1, investigate.MatchedByKeyPair, "")
	cl.SessionCredentialFromConsole = "true"

	// 12. Hours later the attacker checks on the miners, with an agent crafted to attack
	// the analyst's terminal.
	esc := rep.keyActor(attackerIP, escapeUA)
	at(24*time.Hour + 1*time.Minute + 13*time.Second)
	g.mark("escape", g.call(esc, ids, t, "s3", "ListBuckets", "us-east-1").req(obj{"Host": "s3.amazonaws.com"}))
	g.call(esc, ids, next(6), "ec2", "DescribeInstances", "us-east-1").req(obj{"instancesSet": obj{}, "filterSet": items(obj{"name": "key-name", "valueSet": items(obj{"value": attackKeyPair})})})
	g.call(esc, ids, next(5), "ec2", "DescribeInstances", "eu-west-1").req(obj{"instancesSet": obj{}, "filterSet": items(obj{"name": "key-name", "valueSet": items(obj{"value": attackKeyPair})})})
	g.call(esc, ids, next(9), "iam", "ListAccessKeys", "").req(obj{"userName": bd.name})

	// 13. The day's other abuses, placed among the above (patterns.go): LLM-jacking, SES,
	// the finance bucket, the federation session's console login, the backdoor's MFA.
	g.patterns(t1, s4Key, fedName, gft)
}

// assumeRole records an AssumeRole by a into r and returns the session's actor (with
// no address yet) and the issuing event. A cross-account call is recorded in both
// accounts, as CloudTrail does: the caller's copy and the role owner's copy share a
// sharedEventID; the owner's copy names the caller as an AWSAccount.
func (g *gen) assumeRole(ids *ids, a *actor, r role, session string, t time.Time, seconds int, crossAccount bool) (*actor, *record) {
	key := ids.accessKey("ASIA", r.account)
	exp := t.Add(time.Duration(seconds) * time.Second)
	ev := g.call(a, ids, t, "sts", "AssumeRole", "").
		req(obj{"roleArn": r.arn, "roleSessionName": session, "durationSeconds": seconds}).
		resp(obj{
			"credentials":     credentials(ids, key, exp),
			"assumedRoleUser": obj{"assumedRoleId": r.principal + ":" + session, "arn": fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", r.account, r.name, session)},
		})
	ev.Resources = []resource{{AccountID: r.account, Type: "AWS::IAM::Role", ARN: r.arn}}
	if crossAccount {
		shared := ids.uuid()
		ev.SharedEventID = shared
		cp := *ev
		cp.UserIdentity = identity{Type: "AWSAccount", PrincipalID: a.id.PrincipalID, AccountID: a.id.AccountID}
		cp.EventID = ids.uuid()
		cp.RecipientAccountID = r.account
		g.recs = append(g.recs, &cp)
	}
	return r.assumed(session, key, t, "", ""), ev
}

func credentials(ids *ids, key string, exp time.Time) obj {
	return obj{"accessKeyId": key, "sessionToken": ids.sessionToken(), "expiration": exp.UTC().Format(javaTimeComma)}
}

// launch records a RunInstances with the attacker's key pair, failed with errCode or
// successful, and notes it in the facts.
func (g *gen) launch(a *actor, t time.Time, region, itype string, n int, matched, errCode string) *record {
	return g.launchWith(g.id, a, t, region, itype, n, matched, errCode)
}

// launchWith is launch with identifiers drawn from ids.
func (g *gen) launchWith(ids *ids, a *actor, t time.Time, region, itype string, n int, matched, errCode string) *record {
	r := g.call(a, ids, t, "ec2", "RunInstances", region).req(runRequest(ids, amis[region], itype, attackKeyPair, n))
	lf := LaunchFact{EventID: r.EventID, Region: region, Account: a.account, Signer: a.id.AccessKeyID, KeyName: attackKeyPair, InstanceType: itype, Count: n, ErrorCode: errCode, MatchedBy: matched}
	if errCode != "" {
		r.fail(errCode, vcpuLimitMsg)
	} else {
		resp, instances := runResponse(ids, r.RequestID, a.account, region, amis[region], itype, attackKeyPair, n, t)
		r.resp(resp)
		lf.InstanceIDs = instances
	}
	g.f.Launches = append(g.f.Launches, lf)
	for i := range g.f.Sessions {
		if g.f.Sessions[i].Key == lf.Signer {
			g.f.Sessions[i].LaunchIDs = append(g.f.Sessions[i].LaunchIDs, lf.EventID)
		}
	}
	return r
}

// runRequest is RunInstances' requestParameters: the key name sits in
// instancesSet.items[], not at the top level.
func runRequest(ids *ids, ami, itype, keyName string, n int) obj {
	item := obj{"imageId": ami, "minCount": n, "maxCount": n}
	if keyName != "" {
		item["keyName"] = keyName
	}
	return obj{
		"instancesSet":          items(item),
		"instanceType":          itype,
		"blockDeviceMapping":    items(obj{"deviceName": "/dev/sda1", "ebs": obj{"volumeSize": 200, "deleteOnTermination": true, "volumeType": "gp3"}}),
		"userData":              "<sensitiveDataRemoved>",
		"monitoring":            obj{"enabled": false},
		"disableApiTermination": false,
		"disableApiStop":        false,
		"clientToken":           ids.uuid(),
	}
}

// runResponse is a successful RunInstances' responseElements, with n instances.
func runResponse(ids *ids, requestID, account, region, ami, itype, keyName string, n int, t time.Time) (obj, []string) {
	var list []obj
	var out []string
	vpc, subnet, sg := "vpc-0"+ids.hex(16), "subnet-0"+ids.hex(16), "sg-0"+ids.hex(16)
	suffix := ".ec2.internal"
	if region != "us-east-1" {
		suffix = "." + region + ".compute.internal"
	}
	for i := 0; i < n; i++ {
		id := "i-0" + ids.hex(16)
		out = append(out, id)
		ip := fmt.Sprintf("172.31.%d.%d", 16+ids.r.IntN(32), 1+ids.r.IntN(254))
		item := obj{
			"instanceId":                       id,
			"imageId":                          ami,
			"currentInstanceBootMode":          "legacy-bios",
			"instanceState":                    obj{"code": 0, "name": "pending"},
			"privateDnsName":                   "ip-" + dashed(ip) + suffix,
			"amiLaunchIndex":                   i,
			"productCodes":                     obj{},
			"instanceType":                     itype,
			"launchTime":                       t.UnixMilli(),
			"placement":                        obj{"availabilityZone": region + "a", "tenancy": "default"},
			"monitoring":                       obj{"state": "disabled"},
			"subnetId":                         subnet,
			"vpcId":                            vpc,
			"privateIpAddress":                 ip,
			"stateReason":                      obj{"code": "pending", "message": "pending"},
			"architecture":                     "x86_64",
			"rootDeviceType":                   "ebs",
			"rootDeviceName":                   "/dev/sda1",
			"blockDeviceMapping":               obj{},
			"virtualizationType":               "hvm",
			"hypervisor":                       "xen",
			"groupSet":                         items(obj{"groupId": sg, "groupName": "default"}),
			"sourceDestCheck":                  true,
			"ebsOptimized":                     true,
			"enaSupport":                       true,
			"metadataOptions":                  obj{"state": "pending", "httpTokens": "required", "httpPutResponseHopLimit": 2, "httpEndpoint": "enabled", "httpProtocolIpv4": "enabled", "httpProtocolIpv6": "disabled", "instanceMetadataTags": "disabled"},
			"capacityReservationSpecification": obj{"capacityReservationPreference": "open"},
			"enclaveOptions":                   obj{"enabled": false},
			"maintenanceOptions":               obj{"autoRecovery": "default"},
		}
		if keyName != "" {
			item["keyName"] = keyName
		}
		list = append(list, item)
	}
	return obj{
		"requestId":     requestID,
		"reservationId": "r-0" + ids.hex(16),
		"ownerId":       account,
		"groupSet":      obj{},
		"instancesSet":  items(list...),
	}, out
}

func dashed(ip string) string {
	b := []byte(ip)
	for i, c := range b {
		if c == '.' {
			b[i] = '-'
		}
	}
	return string(b)
}

// consoleLogin records a successful console sign-in: no access key, eventType AwsConsoleSignIn.
func (g *gen) consoleLogin(u user, ids *ids, t time.Time, ip, ua string, mfa bool) *record {
	r := g.call(&actor{
		id:      identity{Type: "IAMUser", PrincipalID: u.principal, ARN: u.arn, AccountID: u.account, UserName: u.name},
		account: u.account, ip: ip, ua: ua,
	}, ids, t, "signin", "ConsoleLogin", "")
	used := "No"
	if mfa {
		used = "Yes"
	}
	r.EventType = "AwsConsoleSignIn"
	r.RequestID = ""
	r.resp(obj{"ConsoleLogin": "Success"})
	r.AdditionalEventData = obj{"LoginTo": "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_c885b81ed0514ab4", "MobileVersion": "No", "MFAUsed": used}
	return r
}

// consoleCall records a call the console made with a sign-in's session key.
func (g *gen) consoleCall(a *actor, ids *ids, t time.Time, svc, name, region string) *record {
	r := g.call(a, ids, t, svc, name, region)
	r.SessionCredentialFromConsole = "true"
	return r
}

// mark names an event for the alert generator.
func (g *gen) mark(name string, r *record) *record {
	if g.marks == nil {
		g.marks = map[string]*record{}
	}
	g.marks[name] = r
	return r
}
