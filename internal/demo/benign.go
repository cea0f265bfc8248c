package demo

import (
	"fmt"
	"strconv"
	"time"
)

// The benign workload the incident hides in: a deployment pipeline, Terraform plans
// across two accounts, a Kubernetes DNS controller, the reporting job the leaked key
// belongs to, and a developer at the command line and in the console.

const (
	noiseSpan  = 72 * time.Hour
	noiseQuiet = 12 * time.Minute // nothing in the last minutes: their files are not delivered yet
	hostedZone = "Z0481726ABCDEF1G2H3I4"
	dockerUA   = "docker/24.0.7 go/go1.20.10 git-commit/311b9ff kernel/6.1.79-99.164.amzn2023.x86_64 os/linux arch/amd64 UpstreamClient(Docker-Client/24.0.7 \\(linux\\))"
)

var ciServices = []string{"billing-api", "checkout", "search", "notifications", "accounts"}

var terraformRoles = []string{"ecs-task-execution", "billing-api-task", "checkout-task", "rds-monitoring"}

var terraformBuckets = []string{"acme-prod-assets", "acme-prod-logs", "acme-terraform-state", "acme-prod-backups"}

// terraformNet are the network ids Terraform refreshes in one region.
type terraformNet struct {
	vpc, sg, instance, volume string
	subnets                   []string
}

func (g *gen) benign() {
	start, end := g.ago(noiseSpan), g.ago(noiseQuiet)
	nets := map[string]terraformNet{}
	for _, region := range []string{"us-east-1", "us-west-2", "ap-southeast-1", "eu-west-1"} {
		nets[region] = terraformNet{
			vpc: "vpc-0" + g.nid.hex(16), sg: "sg-0" + g.nid.hex(16), instance: "i-0" + g.nid.hex(16), volume: "vol-0" + g.nid.hex(16),
			subnets: []string{"subnet-0" + g.nid.hex(16), "subnet-0" + g.nid.hex(16), "subnet-0" + g.nid.hex(16)},
		}
	}
	tfRole := g.newRole(g.nid, dataAccount, "terraform-deploy")

	g.every(start.Add(g.jitter(20*time.Minute)), end, 30*time.Minute, 3*time.Hour, g.ciRun)
	g.every(start.Add(g.jitter(40*time.Minute)), end, 100*time.Minute, 150*time.Minute, func(t time.Time) { g.terraformPlan(t, nets, tfRole) })
	for _, d := range []time.Duration{50*time.Hour + 17*time.Minute, 20*time.Hour + 3*time.Minute} {
		g.terraformApply(g.ago(d), nets["us-west-2"])
	}
	for t := start.Add(g.jitter(10 * time.Minute)); t.Before(end); t = t.Add(10*time.Minute + g.jitter(40*time.Second)) {
		g.externalDNS(t)
	}
	for t := start.Add(g.jitter(30 * time.Minute)); t.Before(end); t = t.Add(30*time.Minute + g.jitter(20*time.Second) - 10*time.Second) {
		g.reportingJob(t)
	}
	g.developer(start, end)
	g.breakGlass()
}

// every calls fn at times from start to end, spaced by exponential gaps: busy on
// working hours (07:00-19:00 UTC), quiet otherwise.
func (g *gen) every(start, end time.Time, busy, quiet time.Duration, fn func(time.Time)) {
	for t := start; t.Before(end); {
		fn(t)
		mean := quiet
		if h := t.Hour(); h >= 7 && h < 19 {
			mean = busy
		}
		gap := time.Duration(g.rnd.ExpFloat64() * float64(mean))
		t = t.Add(max(gap, 4*time.Minute))
	}
}

// steps advances a clock by random gaps.
type steps struct {
	g *gen
	t time.Time
}

func (s *steps) next(minSec, maxSec int) time.Time {
	s.t = s.t.Add(time.Duration(minSec+s.g.rnd.IntN(maxSec-minSec+1)) * time.Second)
	return s.t
}

// ciRun is one deployment: log in to ECR, push an image, roll an ECS service, wait.
func (g *gen) ciRun(t time.Time) {
	ci, ids := g.w.ci, g.nid
	ip := ciNATIPs[g.rnd.IntN(len(ciNATIPs))]
	region := "us-east-1"
	if g.rnd.IntN(10) < 3 {
		region = "eu-west-1"
	}
	svc := ciServices[g.rnd.IntN(len(ciServices))]
	tag := "git-" + ids.hex(7)
	s := &steps{g: g, t: t}
	cli := func(cmd string) *actor { return ci.keyActor(ip, ciCLI(cmd)) }
	boto := ci.keyActor(ip, ciBoto3UA)
	docker := ci.keyActor(ip, dockerUA)
	registry := prodAccount + ".dkr.ecr." + region + ".amazonaws.com"

	g.call(cli("sts.get-caller-identity"), ids, s.t, "sts", "GetCallerIdentity", "")
	g.call(cli("ecr.get-login-password"), ids, s.next(2, 5), "ecr", "GetAuthorizationToken", region).
		resp(obj{"authorizationData": []any{obj{"authorizationToken": "HIDDEN_DUE_TO_SECURITY_REASONS", "expiresAt": s.t.Add(12 * time.Hour).Format(javaTimeComma), "proxyEndpoint": "https://" + registry}}})
	for i := 0; i < 2; i++ {
		g.call(docker, ids, s.next(3, 20), "ecr", "BatchCheckLayerAvailability", region).
			req(obj{"repositoryName": svc, "registryId": prodAccount, "layerDigests": []any{"sha256:" + ids.hex(64)}})
	}
	g.call(docker, ids, s.next(20, 90), "ecr", "PutImage", region).
		req(obj{"repositoryName": svc, "registryId": prodAccount, "imageTag": tag, "imageManifestMediaType": "application/vnd.docker.distribution.manifest.v2+json"}).
		resp(obj{"image": obj{"registryId": prodAccount, "repositoryName": svc, "imageId": obj{"imageDigest": "sha256:" + ids.hex(64), "imageTag": tag}}})
	g.call(boto, ids, s.next(2, 6), "ssm", "GetParameters", region).
		req(obj{"names": []any{"/ci/" + svc + "/cpu", "/ci/" + svc + "/memory"}, "withDecryption": false})
	g.call(boto, ids, s.next(1, 3), "ecs", "DescribeTaskDefinition", region).req(obj{"taskDefinition": svc})
	rev := strconv.Itoa(100 + g.rnd.IntN(300))
	tdARN := fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s:%s", region, prodAccount, svc, rev)
	g.call(boto, ids, s.next(1, 3), "ecs", "RegisterTaskDefinition", region).
		req(obj{"family": svc, "networkMode": "awsvpc", "requiresCompatibilities": []any{"FARGATE"}, "cpu": "512", "memory": "1024",
			"containerDefinitions": []any{obj{"name": svc, "image": registry + "/" + svc + ":" + tag, "essential": true}}}).
		resp(obj{"taskDefinition": obj{"taskDefinitionArn": tdARN, "family": svc, "revision": rev, "status": "ACTIVE"}})
	svcARN := fmt.Sprintf("arn:aws:ecs:%s:%s:service/prod/%s", region, prodAccount, svc)
	g.call(boto, ids, s.next(1, 3), "ecs", "UpdateService", region).
		req(obj{"cluster": "prod", "service": svc, "taskDefinition": svc + ":" + rev, "forceNewDeployment": false}).
		resp(obj{"service": obj{"serviceName": svc, "serviceArn": svcARN, "clusterArn": fmt.Sprintf("arn:aws:ecs:%s:%s:cluster/prod", region, prodAccount), "status": "ACTIVE", "desiredCount": 3, "taskDefinition": tdARN}})
	for i, n := 0, 3+g.rnd.IntN(4); i < n; i++ {
		r := g.call(boto, ids, s.next(14, 16), "ecs", "DescribeServices", region).req(obj{"cluster": "prod", "services": []any{svc}})
		if g.rnd.IntN(40) == 0 {
			r.fail("ThrottlingException", "Rate exceeded")
		}
	}
	g.call(boto, ids, s.next(2, 4), "elasticloadbalancing", "DescribeTargetHealth", region).
		req(obj{"targetGroupArn": fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", region, prodAccount, svc, ids.hex(16))})
	if g.rnd.IntN(5) == 0 {
		g.call(cli("cloudfront.create-invalidation"), ids, s.next(2, 5), "cloudfront", "CreateInvalidation", "").
			req(obj{"distributionId": "E2QWRUHAPOMQZL", "invalidationBatch": obj{"paths": obj{"quantity": 1, "items": []any{"/*"}}, "callerReference": "cli-" + strconv.FormatInt(s.t.Unix(), 10)}}).
			resp(obj{"location": "https://cloudfront.amazonaws.com/2020-05-31/distribution/E2QWRUHAPOMQZL/invalidation/I" + ids.pick(13, upperAlnum), "invalidation": obj{"status": "InProgress", "createTime": s.t.Format(javaTimeComma)}})
	}
}

// terraformPlan refreshes state in the production account, then assumes a role into the
// data account and refreshes there.
func (g *gen) terraformPlan(t time.Time, nets map[string]terraformNet, dataRole role) {
	tf, ids := g.w.terraform, g.nid
	ip := terraformIPs[g.rnd.IntN(len(terraformIPs))]
	a := func(svc string) *actor { return tf.keyActor(ip, terraformUA(svc)) }
	s := &steps{g: g, t: t}
	g.call(a("sts"), ids, s.t, "sts", "GetCallerIdentity", "")
	ec2 := func(a *actor, region string, n terraformNet, all bool) {
		subnets := make([]obj, len(n.subnets))
		for i, sn := range n.subnets {
			subnets[i] = obj{"subnetId": sn}
		}
		g.call(a, ids, s.next(0, 2), "ec2", "DescribeVpcs", region).req(obj{"vpcSet": items(obj{"vpcId": n.vpc}), "filterSet": obj{}})
		g.call(a, ids, s.next(0, 2), "ec2", "DescribeSubnets", region).req(obj{"subnetSet": items(subnets...), "filterSet": obj{}})
		g.call(a, ids, s.next(0, 2), "ec2", "DescribeSecurityGroups", region).req(obj{"securityGroupSet": obj{}, "securityGroupIdSet": items(obj{"groupId": n.sg}), "filterSet": obj{}})
		if !all {
			return
		}
		g.call(a, ids, s.next(0, 2), "ec2", "DescribeRouteTables", region).req(obj{"routeTableIdSet": obj{}, "filterSet": items(obj{"name": "vpc-id", "valueSet": items(obj{"value": n.vpc})})})
		g.call(a, ids, s.next(0, 2), "ec2", "DescribeInstances", region).req(obj{"instancesSet": items(obj{"instanceId": n.instance}), "filterSet": obj{}})
		g.call(a, ids, s.next(0, 2), "ec2", "DescribeVolumes", region).req(obj{"volumeSet": items(obj{"volumeId": n.volume}), "filterSet": obj{}})
		g.call(a, ids, s.next(0, 1), "ec2", "DescribeInstanceAttribute", region).req(obj{"instanceId": n.instance, "attribute": "disableApiStop"})
	}
	for _, region := range []string{"us-east-1", "us-west-2", "ap-southeast-1"} {
		ec2(a("ec2"), region, nets[region], true)
	}
	for _, r := range terraformRoles {
		g.call(a("iam"), ids, s.next(0, 1), "iam", "GetRole", "").req(obj{"roleName": r})
		g.call(a("iam"), ids, s.next(0, 1), "iam", "ListAttachedRolePolicies", "").req(obj{"roleName": r})
		g.call(a("iam"), ids, s.next(0, 1), "iam", "ListRolePolicies", "").req(obj{"roleName": r})
	}
	for _, p := range []string{"ci-deploy-boundary", "ecs-secrets-read"} {
		arn := fmt.Sprintf("arn:aws:iam::%s:policy/%s", prodAccount, p)
		g.call(a("iam"), ids, s.next(0, 1), "iam", "GetPolicy", "").req(obj{"policyArn": arn})
		g.call(a("iam"), ids, s.next(0, 1), "iam", "GetPolicyVersion", "").req(obj{"policyArn": arn, "versionId": "v3"})
	}
	for i, b := range terraformBuckets {
		bucket := func(name string, q string) *record {
			return g.call(a("s3"), ids, s.next(0, 1), "s3", name, "us-east-1").req(obj{"bucketName": b, "Host": b + ".s3.amazonaws.com", q: ""})
		}
		if r := bucket("GetBucketPolicy", "policy"); i%2 == 1 {
			r.fail("NoSuchBucketPolicy", "The bucket policy does not exist")
		}
		bucket("GetBucketVersioning", "versioning")
		if r := bucket("GetBucketTagging", "tagging"); i == 2 {
			r.fail("NoSuchTagSet", "The TagSet does not exist")
		}
		bucket("GetBucketEncryption", "encryption")
	}
	g.call(a("rds"), ids, s.next(0, 2), "rds", "DescribeDBInstances", "us-east-1").req(obj{"dBInstanceIdentifier": "orders-prod"})
	for _, k := range []string{"mrk-3c1f0a9e2b7d4e8f9a6b5c4d3e2f1a0b", "8d2e4f6a-1b3c-4d5e-8f7a-9b0c1d2e3f4a"} {
		g.call(a("kms"), ids, s.next(0, 1), "kms", "DescribeKey", "us-east-1").req(obj{"keyId": fmt.Sprintf("arn:aws:kms:us-east-1:%s:key/%s", prodAccount, k)})
	}
	g.call(a("route53"), ids, s.next(0, 1), "route53", "GetHostedZone", "").req(obj{"id": hostedZone})
	g.call(a("route53"), ids, s.next(0, 1), "route53", "ListResourceRecordSets", "").req(obj{"hostedZoneId": hostedZone, "maxItems": "300"})
	g.call(a("logs"), ids, s.next(0, 2), "logs", "DescribeLogGroups", "us-east-1").req(obj{"logGroupNamePrefix": "/ecs/"})

	// The data account, through a role.
	sess, _ := g.assumeRole(ids, a("sts"), dataRole, "atlantis-plan-"+strconv.FormatInt(s.next(1, 3).Unix(), 10), s.t, 3600, true)
	g.f.AutomationSessionKeys = append(g.f.AutomationSessionKeys, sess.id.AccessKeyID)
	for _, region := range []string{"eu-west-1", "us-west-2"} {
		ec2(sess.with(ip, terraformUA("ec2")), region, nets[region], false)
	}
	for _, r := range []string{"analytics-etl-cross-account", "analytics-admin"} {
		g.call(sess.with(ip, terraformUA("iam")), ids, s.next(0, 1), "iam", "GetRole", "").req(obj{"roleName": r})
	}
}

// terraformApply launches a bastion with the team's own key pair.
func (g *gen) terraformApply(t time.Time, n terraformNet) {
	tf, ids := g.w.terraform, g.nid
	a := tf.keyActor(terraformIPs[0], terraformUA("ec2"))
	const ami = "ami-0b9f27b05e1de14e9"
	r := g.call(a, ids, t, "ec2", "RunInstances", "us-west-2").req(runRequest(ids, ami, "t3.large", "platform-ops", 1))
	resp, inst := runResponse(ids, r.RequestID, prodAccount, "us-west-2", ami, "t3.large", "platform-ops", 1, t)
	r.resp(resp)
	g.call(a, ids, t.Add(2*time.Second), "ec2", "CreateTags", "us-west-2").
		req(obj{"resourcesSet": items(obj{"resourceId": inst[0]}), "tagSet": items(obj{"key": "Name", "value": "bastion"}, obj{"key": "ManagedBy", "value": "terraform"})}).
		resp(obj{"requestId": r.RequestID, "_return": true})
}

// externalDNS is one sync of the Kubernetes DNS controller.
func (g *gen) externalDNS(t time.Time) {
	a := g.w.dns.keyActor(dnsNATIP, externalDNSUA)
	a.tls12 = true
	ids := g.nid
	r := g.call(a, ids, t, "route53", "ListHostedZones", "").req(obj{"maxitems": "100"})
	if g.rnd.IntN(60) == 0 {
		r.fail("Throttling", "Rate exceeded")
		return
	}
	g.call(a, ids, t.Add(time.Second), "route53", "ListResourceRecordSets", "").req(obj{"hostedZoneId": hostedZone, "maxitems": "300"})
	if g.rnd.IntN(36) == 0 {
		name := ciServices[g.rnd.IntN(len(ciServices))] + ".prod.acme.example."
		g.call(a, ids, t.Add(2*time.Second), "route53", "ChangeResourceRecordSets", "").
			req(obj{"hostedZoneId": hostedZone, "changeBatch": obj{"changes": []any{obj{"action": "UPSERT", "resourceRecordSet": obj{"name": name, "type": "A",
				"aliasTarget": obj{"hostedZoneId": "Z35SXDOTRQ7X7K", "dNSName": "k8s-prod-ingress-" + ids.hex(10) + ".us-east-1.elb.amazonaws.com.", "evaluateTargetHealth": true}}}}}}).
			resp(obj{"changeInfo": obj{"id": "/change/C" + ids.pick(20, upperAlnum), "status": "PENDING", "submittedAt": t.Format(javaTimeComma)}})
	}
}

// reportingJob is the legitimate use of the key that will leak: an Athena report every
// half hour from the reporting host. Athena reads Glue on the caller's behalf, from
// "athena.amazonaws.com".
func (g *gen) reportingJob(t time.Time) {
	u, ids := g.w.reporting, g.nid
	a := u.keyActor(reportingIP, reportingUA)
	via := u.keyActor("athena.amazonaws.com", "athena.amazonaws.com")
	via.id.InvokedBy = "athena.amazonaws.com"
	qid := ids.uuid()
	day := t.AddDate(0, 0, -1).Format(time.DateOnly)
	g.call(a, ids, t, "athena", "StartQueryExecution", "us-east-1").req(obj{
		"queryString":           "SELECT region, sum(total) FROM daily_orders WHERE dt = '" + day + "' GROUP BY 1",
		"queryExecutionContext": obj{"database": "reporting", "catalog": "AwsDataCatalog"},
		"workGroup":             "reporting",
	}).resp(obj{"queryExecutionId": qid})
	g.call(via, ids, t.Add(time.Second), "glue", "GetTable", "us-east-1").req(obj{"catalogId": prodAccount, "databaseName": "reporting", "name": "daily_orders"})
	g.call(a, ids, t.Add(3*time.Second), "athena", "GetQueryExecution", "us-east-1").req(obj{"queryExecutionId": qid})
	g.call(a, ids, t.Add(7*time.Second), "athena", "GetQueryExecution", "us-east-1").req(obj{"queryExecutionId": qid})
	g.call(a, ids, t.Add(8*time.Second), "athena", "GetQueryResults", "us-east-1").req(obj{"queryExecutionId": qid, "maxResults": 1000})
}

var developerCalls = []struct{ svc, name, region, cmd string }{
	{"sts", "GetCallerIdentity", "", "sts.get-caller-identity"},
	{"s3", "ListBuckets", "us-east-1", "s3.ls"},
	{"ec2", "DescribeInstances", "eu-west-1", "ec2.describe-instances"},
	{"logs", "DescribeLogGroups", "eu-west-1", "logs.describe-log-groups"},
	{"logs", "DescribeLogStreams", "eu-west-1", "logs.describe-log-streams"},
	{"cloudformation", "DescribeStacks", "eu-west-1", "cloudformation.describe-stacks"},
	{"lambda", "ListFunctions20150331", "eu-west-1", "lambda.list-functions"},
	{"ecs", "ListServices", "eu-west-1", "ecs.list-services"},
	{"ecs", "DescribeServices", "eu-west-1", "ecs.describe-services"},
	{"ssm", "GetParameter", "eu-west-1", "ssm.get-parameter"},
	{"dynamodb", "DescribeTable", "eu-west-1", "dynamodb.describe-table"},
}

var consoleCalls = []struct{ svc, name, region string }{
	{"ec2", "DescribeInstances", "eu-west-1"}, {"ec2", "DescribeInstanceStatus", "eu-west-1"},
	{"monitoring", "DescribeAlarms", "eu-west-1"}, {"monitoring", "GetMetricData", "eu-west-1"},
	{"ce", "GetCostAndUsage", ""}, {"health", "DescribeEventAggregates", ""},
	{"cloudtrail", "LookupEvents", "eu-west-1"}, {"iam", "GetAccountSummary", ""},
	{"ecs", "ListClusters", "eu-west-1"}, {"ecs", "DescribeClusters", "eu-west-1"},
	{"logs", "DescribeLogGroups", "eu-west-1"}, {"s3", "ListBuckets", "us-east-1"},
}

// developer is a person: CLI bursts in office hours, and console sign-ins with MFA. In
// the last hours she works from the new office link, which the key was never seen from.
func (g *gen) developer(start, end time.Time) {
	u, ids := g.w.developer, g.nid
	moved := g.ago(8*time.Hour + 51*time.Minute)
	var bursts []time.Time
	day0 := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	for day := day0; day.Before(moved); day = day.AddDate(0, 0, 1) {
		// A console sign-in before the day's first CLI burst.
		if login := day.Add(8*time.Hour + 52*time.Minute + g.jitter(10*time.Minute)); login.After(start) && login.Before(moved) {
			g.consoleLogin(u, ids, login, officeIP, chromeUA, true)
			key := ids.accessKey("ASIA", prodAccount)
			g.f.ConsoleSessionKeys = append(g.f.ConsoleSessionKeys, key)
			a := u.userSession(key, login, true, officeIP, chromeUA)
			s := &steps{g: g, t: login}
			for i := 0; i < 14; i++ {
				c := consoleCalls[g.rnd.IntN(len(consoleCalls))]
				g.consoleCall(a, ids, s.next(20, 240), c.svc, c.name, c.region)
			}
		}
		for _, h := range []time.Duration{9*time.Hour + 15*time.Minute, 11*time.Hour + 40*time.Minute, 14*time.Hour + 20*time.Minute, 16*time.Hour + 50*time.Minute} {
			if t := day.Add(h + g.jitter(30*time.Minute)); t.After(start) && t.Before(moved) {
				bursts = append(bursts, t)
			}
		}
	}
	for _, d := range []time.Duration{9 * time.Minute, 3*time.Hour + 2*time.Minute, 6*time.Hour + 14*time.Minute} {
		bursts = append(bursts, moved.Add(d+g.jitter(20*time.Minute)))
	}
	for _, t := range bursts {
		ip := officeIP
		if !t.Before(moved) {
			ip = officeNewIP
		}
		s := &steps{g: g, t: t}
		for i, n := 0, 4+g.rnd.IntN(6); i < n; i++ {
			c := developerCalls[g.rnd.IntN(len(developerCalls))]
			if i == 0 {
				c = developerCalls[0]
			}
			r := g.call(u.keyActor(ip, devCLI(c.cmd)), ids, s.next(5, 70), c.svc, c.name, c.region)
			if ip == officeNewIP && g.marks["dev-newip"] == nil {
				g.mark("dev-newip", r) // a successful GetCallerIdentity: what the first-seen rule fires on
			}
			switch c.name {
			case "GetParameter":
				r.req(obj{"name": "/prod/checkout/feature-flags", "withDecryption": false})
				if g.rnd.IntN(4) == 0 {
					r.req(obj{"name": "/prod/checkout/db-password", "withDecryption": true}).
						denied("ssm:GetParameter", fmt.Sprintf("arn:aws:ssm:eu-west-1:%s:parameter/prod/checkout/db-password", prodAccount))
				}
			case "DescribeServices":
				r.req(obj{"cluster": "prod", "services": []any{"checkout"}})
			case "DescribeLogStreams":
				r.req(obj{"logGroupName": "/ecs/checkout", "orderBy": "LastEventTime", "descending": true})
			case "DescribeTable":
				r.req(obj{"tableName": "checkout-sessions"})
			case "ListServices":
				r.req(obj{"cluster": "prod"})
			}
		}
	}
}
