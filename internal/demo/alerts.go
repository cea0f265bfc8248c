package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// rule is an Elastic Security prebuilt rule, as its alerts name it: with its
// description and MITRE ATT&CK mapping (threat) as elastic/detection-rules has them.
type rule struct {
	name, id, typ, severity string
	risk                    int
	tags                    []string
	description             string
	threat                  []any
}

// tactic is one entry of a rule's threat (kibana.alert.rule.threat): a MITRE ATT&CK
// tactic and its techniques.
func tactic(id, name string, techniques ...obj) obj {
	return obj{
		"framework": "MITRE ATT&CK",
		"tactic":    obj{"id": id, "name": name, "reference": "https://attack.mitre.org/tactics/" + id + "/"},
		"technique": toAny(techniques),
	}
}

// technique is one technique of a tactic, with its subtechniques (ids T1234.001).
func technique(id, name string, subtechniques ...obj) obj {
	t := obj{"id": id, "name": name, "reference": "https://attack.mitre.org/techniques/" + id + "/"}
	if len(subtechniques) > 0 {
		t["subtechnique"] = toAny(subtechniques)
	}
	return t
}

// subtechnique is one subtechnique: its reference is its parent's page and its number.
func subtechnique(id, name string) obj {
	parent, num, _ := strings.Cut(id, ".")
	return obj{"id": id, "name": name, "reference": "https://attack.mitre.org/techniques/" + parent + "/" + num + "/"}
}

// toAny is l as the []any a JSON document holds.
func toAny[T any](l []T) []any {
	out := make([]any, len(l))
	for i, v := range l {
		out[i] = v
	}
	return out
}

func threats(t ...obj) []any { return toAny(t) }

var awsTags = []string{"Domain: Cloud", "Data Source: AWS", "Data Source: Amazon Web Services", "Data Source: AWS CloudTrail"}

func tags(extra ...string) []string { return append(append([]string{}, awsTags...), extra...) }

// The rules of the scenario's alerts (facts §1 and elastic/detection-rules), with their
// descriptions and ATT&CK mappings as the rules' files have them. The key-pair rule is
// not in elastic/detection-rules: its description is the demo's own and its mapping
// follows its tags (Persistence, Lateral Movement).
var (
	ruleFirstSeen = rule{"AWS IAM Long-Term Access Key First Seen from Source IP", investigate.FirstSeenRuleID, "new_terms", "medium", 47,
		tags("Data Source: AWS IAM", "Use Case: Threat Detection", "Tactic: Credential Access", "Tactic: Initial Access", "Resources: Investigation Guide", "Noise: High", "Performance: Normal", "Profile: Aggressive"),
		"Identifies the first time, within the configured history window, that a long-term IAM access key ID (prefix AKIA) is used successfully from a given source.ip in AWS CloudTrail. Long-term access keys belong to IAM users or the account root user. They are a common target after credential theft or leakage, including supply-chain and exposed-key scenarios. Temporary security credentials (prefix ASIA) and console sessions are excluded so the signal emphasizes programmatic access patterns.",
		threats(tactic("TA0006", "Credential Access", technique("T1552", "Unsecured Credentials")),
			tactic("TA0001", "Initial Access", technique("T1078", "Valid Accounts", subtechnique("T1078.004", "Cloud Accounts"))))}
	ruleCorrelated = rule{"AWS IAM Long-Term Access Key Correlated with Elevated Detection Alerts", investigate.CorrelatedKeyRuleID, "esql", "high", 73,
		tags("Data Source: AWS IAM", "Use Case: Threat Detection", "Tactic: Credential Access", "Tactic: Initial Access", "Resources: Investigation Guide", investigate.HigherOrderRuleTag, "Noise: Low", "Performance: Normal"),
		"Correlates open detection alerts that share the same long-term IAM access key ID (prefix AKIA). It fires when the rule AWS Long-Term Access Key First Seen from Source IP (rule_id: 9f8e3c5e-f72e-4e91-93f6-e98a4fae3e4f) has triggered for that key and at least one other open alert for the same key is medium, high, or critical severity. This higher-order rule helps prioritize long-term key novelty when it co-occurs with elevated detections that may indicate post-compromise activity.",
		threats(tactic("TA0006", "Credential Access", technique("T1552", "Unsecured Credentials")),
			tactic("TA0001", "Initial Access", technique("T1078", "Valid Accounts", subtechnique("T1078.004", "Cloud Accounts"))))}
	ruleCallerIdentity = rule{"AWS STS GetCallerIdentity API Called for the First Time", "30fbf4db-c502-4e68-a239-2e99af0f70da", "new_terms", "medium", 47,
		tags("Data Source: AWS STS", "Use Case: Identity and Access Audit", "Tactic: Discovery", "Resources: Investigation Guide"),
		"An adversary with access to a set of compromised credentials may attempt to verify that the credentials are valid and determine what account they are using. This rule looks for the first time an identity has called the STS GetCallerIdentity API, which may be an indicator of compromised credentials. A legitimate user would not need to perform this operation as they should know the account they are using.",
		threats(tactic("TA0007", "Discovery", technique("T1033", "System Owner/User Discovery"),
			technique("T1087", "Account Discovery", subtechnique("T1087.004", "Cloud Account"))))}
	ruleKeyForOther = rule{"AWS IAM User Created Access Keys For Another User", "696015ef-718e-40ff-ac4a-cc2ba88dbeeb", "esql", "high", 73,
		tags("Data Source: AWS IAM", "Use Case: Threat Detection", "Tactic: Privilege Escalation", "Tactic: Persistence", "Resources: Investigation Guide"),
		"An adversary with access to a set of compromised credentials may attempt to persist or escalate privileges by creating a new set of credentials for an existing user. This rule looks for use of the IAM `CreateAccessKey` API operation to create new programmatic access keys for another IAM user.",
		threats(tactic("TA0003", "Persistence", technique("T1098", "Account Manipulation", subtechnique("T1098.001", "Additional Cloud Credentials"))),
			tactic("TA0004", "Privilege Escalation", technique("T1098", "Account Manipulation", subtechnique("T1098.001", "Additional Cloud Credentials"))))}
	ruleAdminAttached = rule{"AWS IAM AdministratorAccess Policy Attached to User", "9aa4be8d-5828-417d-9f54-7cd304571b24", "esql", "high", 73,
		tags("Data Source: AWS IAM", "Use Case: Identity and Access Audit", "Tactic: Privilege Escalation", "Resources: Investigation Guide"),
		"An adversary with access to a set of compromised credentials may attempt to persist or escalate privileges by attaching additional permissions to compromised user accounts. This rule looks for use of the IAM AttachUserPolicy API operation to attach the highly permissive AdministratorAccess AWS managed policy to an existing IAM user.",
		threats(tactic("TA0004", "Privilege Escalation", technique("T1098", "Account Manipulation", subtechnique("T1098.003", "Additional Cloud Roles"))),
			tactic("TA0003", "Persistence", technique("T1098", "Account Manipulation", subtechnique("T1098.003", "Additional Cloud Roles"))))}
	ruleLoginProfile = rule{"AWS IAM Login Profile Created or Modified for an IAM User", "f4dc90eb-e77e-4f0e-b18b-eb50da9e827e", "query", "medium", 47,
		tags("Domain: Identity", "Data Source: AWS IAM", "Use Case: Identity and Access Audit", "Tactic: Persistence", "Resources: Investigation Guide", "Noise: Low", "Performance: Fast", "Rule Type: Custom Query (KQL)"),
		"Identifies creation or modification of a console login profile for an AWS IAM user via CreateLoginProfile or UpdateLoginProfile. A login profile enables password-based console sign-in for an IAM user. Adversaries who obtain programmatic credentials may create a login profile to add persistent interactive console access, or update an existing profile to reset another user's password and take over the account, even after the original access keys are rotated.",
		threats(tactic("TA0003", "Persistence", technique("T1098", "Account Manipulation", subtechnique("T1098.001", "Additional Cloud Credentials"))))}
	ruleKeyPair = rule{"AWS EC2 CreateKeyPair by New Principal from Non-Cloud AS Organization", "c8e4f1a2-9b3d-4c5e-a6f7-8b9c0d1e2f3a", "new_terms", "high", 73,
		tags("Data Source: AWS EC2", "Use Case: Threat Detection", "Tactic: Persistence", "Tactic: Lateral Movement", "Resources: Investigation Guide"),
		"Identifies the creation of an EC2 key pair by a principal that has not created one before, from a source whose AS organization is not a cloud provider. An adversary holding stolen credentials may create a key pair to log in to instances it launches or already runs, keeping access that outlives the credentials.",
		threats(tactic("TA0003", "Persistence", technique("T1098", "Account Manipulation", subtechnique("T1098.001", "Additional Cloud Credentials"))),
			tactic("TA0008", "Lateral Movement", technique("T1021", "Remote Services", subtechnique("T1021.004", "SSH"))))}
	ruleDiscoveryCLI = rule{"AWS Discovery API Calls via CLI from a Single Resource", "74f45152-9aee-11ef-b0a5-f661ea17fbcd", "esql", "low", 21,
		tags("Data Source: AWS EC2", "Data Source: AWS IAM", "Data Source: AWS S3", "Use Case: Threat Detection", "Tactic: Discovery", "Resources: Investigation Guide"),
		"Detects when a single AWS resource is running multiple `Describe` and `List` API calls in a 10-second window. This behavior could indicate an actor attempting to discover the AWS infrastructure using compromised credentials or a compromised instance. Adversaries may use this information to identify potential targets for further exploitation or to gain a better understanding of the target's infrastructure.",
		threats(tactic("TA0007", "Discovery", technique("T1580", "Cloud Infrastructure Discovery")))}
	ruleRareError = rule{"Rare AWS Error Code", "19de8096-e2b0-4bd8-80c9-34a820813fff", "machine_learning", "low", 21,
		[]string{"Domain: Cloud", "Data Source: AWS", "Data Source: Amazon Web Services", "Rule Type: ML", "Rule Type: Machine Learning", "Resources: Investigation Guide"},
		"A machine learning job detected an unusual error in a CloudTrail message. These can be byproducts of attempted or successful persistence, privilege escalation, defense evasion, discovery, lateral movement, or collection.",
		nil}
	ruleSnapshotDeprecated = rule{"Deprecated - AWS EC2 Snapshot Activity", "98fd7407-0bd5-5817-cda0-3fcc33113a56", "query", "medium", 47,
		[]string{"Domain: Cloud", "Data Source: AWS", "Data Source: Amazon Web Services", "Use Case: Asset Visibility", "Tactic: Exfiltration", "Resources: Investigation Guide"},
		"An attempt was made to modify AWS EC2 snapshot attributes. Snapshots are sometimes shared by threat actors in order to exfiltrate bulk data from an EC2 fleet. If the permissions were modified, verify the snapshot was not shared with an unauthorized or unexpected AWS account.",
		threats(tactic("TA0010", "Exfiltration", technique("T1537", "Transfer Data to Cloud Account")))}
	ruleSecretsBurst = rule{"AWS Secrets Manager Rapid Secrets Retrieval", "185c782e-f86a-11ee-9d9f-f661ea17fbce", "threshold", "medium", 47,
		[]string{"Domain: Cloud", "Data Source: AWS", "Data Source: Amazon Web Services", "Data Source: AWS Secrets Manager", "Tactic: Credential Access", "Resources: Investigation Guide"},
		"Identifies rapid secret retrieval activity from AWS Secrets Manager using the GetSecretValue or BatchGetSecretValue API actions. Adversaries who compromise an IAM user, instance role, or temporary credentials may attempt to enumerate or exfiltrate secrets in bulk to escalate privileges, move laterally, or gain persistence. This rule detects 20 or more unique secret retrievals by the same user identity within a short time window, which may indicate credential compromise or automated secret harvesting.",
		threats(tactic("TA0006", "Credential Access", technique("T1555", "Credentials from Password Stores", subtechnique("T1555.006", "Cloud Secrets Management Stores"))),
			tactic("TA0009", "Collection", technique("T1213", "Data from Information Repositories", subtechnique("T1213.006", "Databases"))))}
)

// Rules that name long-term keys in what they look for, raised on the attack patterns
// (patterns.go): both are EQL sequences.
var (
	ruleBedrockLLM = rule{"AWS Bedrock Foundation Model Enumeration Followed by Invocation via Long-Term Key", "a17f2e5f-de52-49e8-9d86-ccfe91cd54d4", "eql", "high", 73,
		[]string{"Domain: Cloud", "Domain: LLM", "Data Source: Amazon Web Services", "Data Source: AWS", "Data Source: AWS CloudTrail", "Use Case: Identity and Access Audit",
			"Resources: Investigation Guide", "Tactic: Discovery", "Tactic: Initial Access", "Noise: Low", "Performance: Fast", "Profile: Recommended",
			"Threat: Unauthorized AI Usage", "Threat: LLMjacking", "Rule Type: Event Correlation (EQL)", "Platform: AWS", "Domain: GenAI", "Service: AWS Bedrock"},
		"Detects when an AWS principal using long-term IAM user credentials (AKIA* access key) enumerates available Bedrock foundation models and then invokes a model within the same 15-minute window. Most legitimate Bedrock workloads run under IAM roles with short-lived credentials; the combination of model enumeration followed by direct model invocation from a long-term IAM user key is unusual in production environments and consistent with an adversary using stolen credentials to discover and exploit available AI model capabilities. This pattern is associated with LLMjacking attacks where threat actors abuse compromised cloud credentials to run high-volume or high-cost model inference at the account owner's expense.",
		threats(tactic("TA0007", "Discovery", technique("T1526", "Cloud Service Discovery")),
			tactic("TA0001", "Initial Access", technique("T1078", "Valid Accounts", subtechnique("T1078.004", "Cloud Accounts"))))}
	ruleFederationConsole = rule{"AWS GetFederationToken Followed by Console Login via Federation Exchange", "065a9a1b-9e48-45a1-8fa5-72373245847c", "eql", "high", 73,
		[]string{"Domain: Cloud", "Platform: AWS", "Data Source: AWS CloudTrail", "Service: AWS STS", "Rule Type: Event Correlation (EQL)", "Tactic: Credential Access", "Resources: Investigation Guide"},
		"Detects the three-event chain produced by tools like aws_consoler that convert exfiltrated long-term IAM access keys into browser-accessible AWS console sessions: GetFederationToken obtains temporary credentials, GetSigninToken exchanges them for a federation sign-in token via the AWS federation endpoint, and ConsoleLogin confirms the resulting console session was opened — all from the same source IP within two minutes. This sequence is a high-confidence indicator of credential abuse using stolen IAM access keys.",
		threats(tactic("TA0006", "Credential Access", technique("T1550", "Use Alternate Authentication Material", subtechnique("T1550.001", "Application Access Token"))))}
)

var ruleCategories = map[string][2]string{
	"new_terms":        {"New Terms Rule", "siem.newTermsRule"},
	"eql":              {"Event Correlation Rule", "siem.eqlRule"},
	"esql":             {"ES|QL Rule", "siem.esqlRule"},
	"query":            {"Custom Query Rule", "siem.queryRule"},
	"machine_learning": {"Machine Learning Rule", "siem.mlRule"},
	"threshold":        {"Threshold Rule", "siem.thresholdRule"},
}

// network is what GeoIP and ASN enrichment say about an address.
type network struct {
	asn                                int
	org, iso, country, city, continent string
	lat, lon                           float64
}

var networks = map[string]network{
	attackerIP:  {attackerASN, attackerASOrg, "RO", "Romania", "Bucharest", "Europe", 44.4323, 26.1063},
	vpsIP:       {vpsASN, vpsASOrg, "NL", "Netherlands", "Amsterdam", "Europe", 52.3759, 4.8975},
	officeIP:    {officeASN, officeASOrg, "GB", "United Kingdom", "London", "Europe", 51.5164, -0.093},
	officeNewIP: {officeASN, officeASOrg, "GB", "United Kingdom", "Manchester", "Europe", 53.4794, -2.2453},
}

// alertDoc is one alert's _source.
type alertDoc struct {
	at  time.Time
	id  string
	doc obj
}

// buildAlerts raises the alerts Elastic Security would have raised on the scenario.
func (g *gen) buildAlerts() {
	ids := newIDs(g.seed, streamAlerts)
	ruleUUIDs := map[string]string{}
	a := &g.f.Alerts
	a.Ineligible = map[string]string{}
	m := g.marks
	raise := func(r rule, ev *record, delay time.Duration, status string) alertDoc {
		if ruleUUIDs[r.id] == "" {
			ruleUUIDs[r.id] = ids.uuid()
		}
		d := g.eventAlert(ids, r, ruleUUIDs[r.id], ev, ev.at.Add(delay), status)
		g.alerts = append(g.alerts, d)
		return d
	}

	// The leaked key: first seen, with an elevated sibling at once, then the higher-order
	// alert that groups them by source.ip.
	fs := raise(ruleFirstSeen, m["trufflehog"], 4*time.Minute+12*time.Second, investigate.WorkflowOpen)
	a.FirstSeen = fs.id
	gci := raise(ruleCallerIdentity, m["trufflehog"], 4*time.Minute+31*time.Second, investigate.WorkflowOpen)
	a.Eligible = append(a.Eligible, gci.id)
	if ruleUUIDs[ruleCorrelated.id] == "" {
		ruleUUIDs[ruleCorrelated.id] = ids.uuid()
	}
	ho := g.higherOrderAlert(ids, ruleUUIDs[ruleCorrelated.id], attackerIP, m["trufflehog"].at.Add(9*time.Minute+3*time.Second), fs, gci)
	g.alerts = append(g.alerts, ho)
	a.HigherOrder = ho.id

	d := raise(ruleDiscoveryCLI, m["listusers"], 5*time.Minute+40*time.Second, investigate.WorkflowOpen)
	a.Ineligible[d.id] = investigate.ReasonNotElevated
	ml := g.mlAlert(ids, ruleUUIDs, m["denied-gaad"], 47*time.Minute)
	a.Ineligible[ml.id] = investigate.ReasonRuleType
	kp := raise(ruleKeyPair, m["keypair-us-east-1"], 3*time.Minute+8*time.Second, investigate.WorkflowOpen)
	a.Eligible = append(a.Eligible, kp.id)
	kp2 := raise(ruleKeyPair, m["keypair-eu-west-1"], 3*time.Minute+2*time.Second, investigate.WorkflowClosed)
	kp2.doc["kibana.alert.workflow_reason"] = "duplicate"
	kp2.doc["kibana.alert.workflow_status_updated_at"] = stamp(kp2.at.Add(38 * time.Minute))
	kp2.doc["kibana.alert.workflow_user"] = ids.uuid()
	a.Ineligible[kp2.id] = investigate.ReasonNotOpen
	for _, x := range []struct {
		r    rule
		mark string
	}{{ruleKeyForOther, "createkey"}, {ruleAdminAttached, "adminpolicy"}, {ruleLoginProfile, "loginprofile"}} {
		s := raise(x.r, m[x.mark], 2*time.Minute+time.Duration(len(a.Eligible))*17*time.Second, investigate.WorkflowOpen)
		a.Eligible = append(a.Eligible, s.id)
	}
	dep := raise(ruleSnapshotDeprecated, m["snapshot"], 6*time.Minute+51*time.Second, investigate.WorkflowOpen)
	a.Ineligible[dep.id] = investigate.ReasonDeprecated

	// A derived session's own alert: it names the session key, not the leaked one.
	via := raise(ruleCallerIdentity, m["s1-whoami"], 4*time.Minute+7*time.Second, investigate.WorkflowOpen)
	a.ViaSession = append(a.ViaSession, via.id)
	// Secret harvesting by the chained session: a threshold alert, which keeps only the
	// grouped field (user.id): no source.ip, no access key.
	g.thresholdAlert(ids, ruleUUIDs, m["secret-first"], m["secret-last"], len(harvestedSecrets))

	// The backdoor key is new: first seen, with its own GetCallerIdentity, so the
	// higher-order rule fires for the VPS address too. The key is the leaked key's child:
	// its alerts are the case's, and so is the higher-order alert of its address.
	bfs := raise(ruleFirstSeen, m["backdoor-whoami"], 3*time.Minute+55*time.Second, investigate.WorkflowOpen)
	a.BackdoorFirstSeen = bfs.id
	bgci := raise(ruleCallerIdentity, m["backdoor-whoami"], 4*time.Minute+20*time.Second, investigate.WorkflowOpen)
	a.ViaChild = append(a.ViaChild, bfs.id, bgci.id)
	bho := g.higherOrderAlert(ids, ruleUUIDs[ruleCorrelated.id], vpsIP, m["backdoor-whoami"].at.Add(8*time.Minute+41*time.Second), bfs, bgci)
	g.alerts = append(g.alerts, bho)
	a.ChildHigherOrder = bho.id

	// The developer: a first-seen alert for the new office link, and nothing else.
	dfs := raise(ruleFirstSeen, m["dev-newip"], 4*time.Minute+2*time.Second, investigate.WorkflowOpen)
	a.DeveloperFirstSeen = dfs.id

	// EQL sequences on the attack patterns. The Bedrock rule sequences by access key: its
	// shell and building blocks all name the leaked key. The federation rule sequences by
	// source.ip: its blocks name the leaked key, the federation session and no key (the
	// console login), and its shell, which keeps what they share, names no key.
	sequence := func(r rule, marks []string, delay time.Duration) (alertDoc, []alertDoc) {
		if ruleUUIDs[r.id] == "" {
			ruleUUIDs[r.id] = ids.uuid()
		}
		evs := make([]*record, len(marks))
		for i, mk := range marks {
			evs[i] = m[mk]
		}
		return g.sequenceAlerts(ids, r, ruleUUIDs[r.id], evs, evs[len(evs)-1].at.Add(delay))
	}
	bshell, bblocks := sequence(ruleBedrockLLM, []string{"bedrock-list", "bedrock-invoke"}, 6*time.Minute+14*time.Second)
	g.f.Patterns.BedrockAlert = bshell.id
	a.Eligible = append(a.Eligible, bshell.id)
	for _, b := range bblocks {
		a.Eligible = append(a.Eligible, b.id)
	}
	_, fblocks := sequence(ruleFederationConsole, []string{"federation-token", "signin-token", "federated-login"}, 3*time.Minute+37*time.Second)
	a.Eligible = append(a.Eligible, fblocks[0].id)
	a.ViaSession = append(a.ViaSession, fblocks[1].id)
	g.f.Patterns.FederationSessionAlert = fblocks[1].id

	sort.SliceStable(g.alerts, func(i, j int) bool {
		if !g.alerts[i].at.Equal(g.alerts[j].at) {
			return g.alerts[i].at.Before(g.alerts[j].at)
		}
		return g.alerts[i].id < g.alerts[j].id
	})
	a.Total = len(g.alerts)
}

// ruleThreat is a rule's kibana.alert.rule.threat: [] for a rule that maps to no tactic,
// as Kibana writes it.
func ruleThreat(r rule) []any {
	if r.threat == nil {
		return []any{}
	}
	return r.threat
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// kibanaFields are the flat kibana.* keys every detection alert has.
func kibanaFields(ids *ids, r rule, ruleUUID, id string, at time.Time, status, reason string) obj {
	cat := ruleCategories[r.typ]
	return obj{
		"@timestamp":                         stamp(at),
		"kibana.alert.uuid":                  id,
		"kibana.alert.rule.name":             r.name,
		"kibana.alert.rule.rule_id":          r.id,
		"kibana.alert.rule.uuid":             ruleUUID,
		"kibana.alert.rule.type":             r.typ,
		"kibana.alert.rule.category":         cat[0],
		"kibana.alert.rule.rule_type_id":     cat[1],
		"kibana.alert.rule.consumer":         "siem",
		"kibana.alert.rule.producer":         "siem",
		"kibana.alert.rule.tags":             r.tags,
		"kibana.alert.rule.severity":         r.severity,
		"kibana.alert.rule.description":      r.description,
		"kibana.alert.rule.threat":           ruleThreat(r),
		"kibana.alert.rule.risk_score":       r.risk,
		"kibana.alert.rule.enabled":          true,
		"kibana.alert.rule.from":             "now-6m",
		"kibana.alert.rule.interval":         "5m",
		"kibana.alert.rule.created_by":       "elastic",
		"kibana.alert.rule.execution.uuid":   ids.uuid(),
		"kibana.alert.severity":              r.severity,
		"kibana.alert.risk_score":            r.risk,
		"kibana.alert.workflow_status":       status,
		"kibana.alert.status":                "active",
		"kibana.alert.reason":                reason,
		"kibana.alert.depth":                 1,
		"kibana.alert.start":                 stamp(at),
		"kibana.alert.last_detected":         stamp(at),
		"kibana.alert.intended_timestamp":    stamp(at),
		"kibana.space_ids":                   []any{"default"},
		"kibana.version":                     "9.3.1",
		"kibana.alert.rule.parameters.index": []any{"logs-aws.cloudtrail-*"},
	}
}

// eventAlert is an alert on one CloudTrail event: kibana.* flat, the event's fields as
// Elastic's CloudTrail integration maps them, nested.
func (g *gen) eventAlert(ids *ids, r rule, ruleUUID string, ev *record, at time.Time, status string) alertDoc {
	id := ids.uuid()
	who := userName(ev.UserIdentity)
	outcome := "success"
	if ev.ErrorCode != "" {
		outcome = "failure"
	}
	reason := fmt.Sprintf("event with source %s by %s created %s alert %s.", ev.SourceIPAddress, who, r.severity, r.name)
	doc := kibanaFields(ids, r, ruleUUID, id, at, status, reason)
	doc["kibana.alert.original_time"] = stamp(ev.at)
	doc["kibana.alert.ancestors"] = []any{obj{"id": ids.pick(20, mixedAlnum), "type": "event", "index": ".ds-logs-aws.cloudtrail-default-" + ev.at.Format("2006.01.02") + "-000041", "depth": 0}}
	doc["kibana.alert.original_event.action"] = ev.EventName
	doc["kibana.alert.original_event.provider"] = ev.EventSource
	doc["kibana.alert.original_event.outcome"] = outcome
	doc["kibana.alert.original_event.kind"] = "event"
	doc["kibana.alert.original_event.dataset"] = "aws.cloudtrail"
	doc["kibana.alert.original_event.id"] = ev.EventID
	if r.typ == "new_terms" && r.id == investigate.FirstSeenRuleID {
		doc["kibana.alert.new_terms"] = []any{ev.UserIdentity.AccessKeyID, ev.SourceIPAddress}
	} else if r.typ == "new_terms" {
		doc["kibana.alert.new_terms"] = []any{ev.UserIdentity.ARN}
	}
	doc["event"] = obj{
		"kind": "signal", "action": ev.EventName, "provider": ev.EventSource, "outcome": outcome,
		"dataset": "aws.cloudtrail", "module": "aws", "id": ev.EventID, "type": []any{"info"},
		"created": stamp(ev.at.Add(9 * time.Minute)), "ingested": stamp(ev.at.Add(11 * time.Minute)),
	}
	src := obj{"address": ev.SourceIPAddress}
	related := obj{"user": []any{who}}
	if _, err := netip.ParseAddr(ev.SourceIPAddress); err == nil {
		src["ip"] = ev.SourceIPAddress
		related["ip"] = []any{ev.SourceIPAddress}
		if n, ok := networks[ev.SourceIPAddress]; ok {
			src["as"] = obj{"number": n.asn, "organization": obj{"name": n.org}}
			src["geo"] = obj{"country_iso_code": n.iso, "country_name": n.country, "city_name": n.city, "continent_name": n.continent, "location": obj{"lat": n.lat, "lon": n.lon}}
		}
	}
	doc["source"] = src
	doc["related"] = related
	doc["user_agent"] = obj{"original": ev.UserAgent, "name": "Other", "device": obj{"name": "Other"}}
	doc["cloud"] = obj{"provider": "aws", "region": ev.AWSRegion, "account": obj{"id": ev.RecipientAccountID}}
	u := obj{"name": who, "id": ev.UserIdentity.PrincipalID}
	if ev.UserIdentity.ARN != "" {
		// Newer versions of the integration name the caller's entity: its ARN.
		u["entity"] = obj{"id": []any{ev.UserIdentity.ARN}}
	}
	doc["user"] = u
	doc["ecs"] = obj{"version": "8.11.0"}
	doc["data_stream"] = obj{"dataset": "aws.cloudtrail", "namespace": "default", "type": "logs"}
	ui := obj{"type": ev.UserIdentity.Type, "arn": ev.UserIdentity.ARN}
	if ev.UserIdentity.AccessKeyID != "" {
		ui["access_key_id"] = ev.UserIdentity.AccessKeyID
	}
	if sc := ev.UserIdentity.SessionContext; sc != nil {
		ui["session_context"] = obj{"mfa_authenticated": sc.Attributes.MFAAuthenticated, "creation_date": sc.Attributes.CreationDate}
	}
	ct := obj{
		"event_version": ev.EventVersion, "event_type": ev.EventType, "event_category": ev.EventCategory,
		"management_event": true, "read_only": ev.ReadOnly, "recipient_account_id": ev.RecipientAccountID,
		"request_id": ev.RequestID, "user_identity": ui,
		"tls_details": obj{"tls_version": ev.TLSDetails.TLSVersion, "cipher_suite": ev.TLSDetails.CipherSuite, "client_provided_host_header": ev.TLSDetails.ClientProvidedHostHeader},
	}
	flat := obj{}
	if ev.RequestParameters != nil {
		ct["request_parameters"] = javaString(ev.RequestParameters)
		flat["request_parameters"] = ev.RequestParameters
	}
	if ev.ResponseElements != nil {
		ct["response_elements"] = javaString(ev.ResponseElements)
		flat["response_elements"] = ev.ResponseElements
	}
	if len(flat) > 0 {
		ct["flattened"] = flat
	}
	if ev.ErrorCode != "" {
		ct["error_code"], ct["error_message"] = ev.ErrorCode, ev.ErrorMessage
	}
	doc["aws"] = obj{"cloudtrail": ct}
	return alertDoc{at: at, id: id, doc: doc}
}

// higherOrderAlert is the correlation rule's alert: an aggregating ES|QL query grouped by
// source.ip, so it carries source.ip and its Esql.* columns, and no access key (facts §1).
func (g *gen) higherOrderAlert(ids *ids, ruleUUID, ip string, at time.Time, first, sibling alertDoc) alertDoc {
	id := ids.uuid()
	r := ruleCorrelated
	reason := fmt.Sprintf("event with source %s created %s alert %s.", ip, r.severity, r.name)
	doc := kibanaFields(ids, r, ruleUUID, id, at, investigate.WorkflowOpen, reason)
	doc["kibana.alert.rule.parameters.index"] = []any{".alerts-security.*"}
	doc["event"] = obj{"kind": "signal"}
	doc["source"] = obj{"ip": ip}
	names, ruleIDs := []any{}, []any{}
	risks, sevs := []any{}, []any{}
	for _, d := range []alertDoc{first, sibling} {
		names = appendNew(names, d.doc["kibana.alert.rule.name"])
		ruleIDs = appendNew(ruleIDs, d.doc["kibana.alert.rule.rule_id"])
		risks = appendNew(risks, d.doc["kibana.alert.risk_score"])
		sevs = appendNew(sevs, d.doc["kibana.alert.severity"])
	}
	doc["Esql.alert_count_long_term_key_new_ip_rule"] = 1
	doc["Esql.alert_count_other_elevated_rule"] = 1
	doc["Esql.kibana_alert_rule_name_values"] = names
	doc["Esql.kibana_alert_rule_id_values"] = ruleIDs
	doc["Esql.kibana_alert_risk_score_values"] = risks
	doc["Esql.kibana_alert_severity_values"] = sevs
	doc["Esql.user_entity_id_values"] = []any{first.doc["aws"].(obj)["cloudtrail"].(obj)["user_identity"].(obj)["arn"]}
	doc["Esql.timestamp_min"] = stamp(first.at)
	doc["Esql.timestamp_max"] = stamp(sibling.at)
	return alertDoc{at: at, id: id, doc: doc}
}

func appendNew(l []any, v any) []any {
	for _, x := range l {
		if x == v {
			return l
		}
	}
	return append(l, v)
}

// mlAlert is an anomaly-detection alert: the anomaly record's fields and its influencers.
func (g *gen) mlAlert(ids *ids, ruleUUIDs map[string]string, ev *record, delay time.Duration) alertDoc {
	r := ruleRareError
	if ruleUUIDs[r.id] == "" {
		ruleUUIDs[r.id] = ids.uuid()
	}
	id := ids.uuid()
	at := ev.at.Add(delay)
	doc := kibanaFields(ids, r, ruleUUIDs[r.id], id, at, investigate.WorkflowOpen, fmt.Sprintf("event with source %s created %s alert %s.", ev.SourceIPAddress, r.severity, r.name))
	delete(doc, "kibana.alert.rule.parameters.index")
	doc["kibana.alert.rule.parameters.machine_learning_job_id"] = []any{"rare_error_code"}
	doc["kibana.alert.rule.parameters.anomaly_threshold"] = 50
	doc["job_id"] = "rare_error_code"
	doc["result_type"] = "record"
	doc["record_score"] = 72.48
	doc["initial_record_score"] = 72.48
	doc["probability"] = 0.000213
	doc["by_field_name"] = "aws.cloudtrail.error_code"
	doc["by_field_value"] = ev.ErrorCode
	doc["timestamp"] = ev.at.Truncate(time.Hour).UnixMilli()
	doc["bucket_span"] = 3600
	doc["influencers"] = []any{
		obj{"influencer_field_name": "source.ip", "influencer_field_values": []any{ev.SourceIPAddress}},
		obj{"influencer_field_name": "aws.cloudtrail.user_identity.arn", "influencer_field_values": []any{ev.UserIdentity.ARN}},
		obj{"influencer_field_name": "aws.cloudtrail.user_identity.access_key_id", "influencer_field_values": []any{ev.UserIdentity.AccessKeyID}},
	}
	doc["event"] = obj{"kind": "signal"}
	doc["source"] = obj{"ip": ev.SourceIPAddress}
	doc["aws"] = obj{"cloudtrail": obj{"error_code": ev.ErrorCode, "user_identity": obj{"arn": ev.UserIdentity.ARN, "access_key_id": ev.UserIdentity.AccessKeyID}}}
	d := alertDoc{at: at, id: id, doc: doc}
	g.alerts = append(g.alerts, d)
	return d
}

// thresholdAlert is a threshold rule's alert: the grouped field and the counts, nothing
// of the events.
func (g *gen) thresholdAlert(ids *ids, ruleUUIDs map[string]string, first, last *record, n int) alertDoc {
	r := ruleSecretsBurst
	if ruleUUIDs[r.id] == "" {
		ruleUUIDs[r.id] = ids.uuid()
	}
	id := ids.uuid()
	at := last.at.Add(3*time.Minute + 44*time.Second)
	user := last.UserIdentity.PrincipalID
	doc := kibanaFields(ids, r, ruleUUIDs[r.id], id, at, investigate.WorkflowOpen, fmt.Sprintf("event by %s created %s alert %s.", user, r.severity, r.name))
	doc["kibana.alert.rule.parameters.index"] = []any{"filebeat-*", "logs-aws.cloudtrail*"}
	doc["kibana.alert.original_time"] = stamp(first.at)
	doc["kibana.alert.threshold_result"] = obj{
		"terms":       []any{obj{"field": "user.id", "value": user}},
		"count":       n,
		"from":        stamp(first.at),
		"cardinality": []any{obj{"field": "aws.cloudtrail.request_parameters", "value": n}},
	}
	doc["event"] = obj{"kind": "signal"}
	doc["user"] = obj{"id": user}
	d := alertDoc{at: at, id: id, doc: doc}
	g.alerts = append(g.alerts, d)
	g.f.Alerts.Ineligible[id] = investigate.ReasonNoSourceIP
	return d
}

// userName is the user.name Elastic's integration derives from userIdentity.
func userName(id identity) string {
	switch {
	case id.UserName != "":
		return id.UserName
	case id.ARN != "":
		return id.ARN[strings.LastIndexByte(id.ARN, '/')+1:]
	}
	return id.PrincipalID
}

// javaString renders a value the way Elastic's integration stores request_parameters:
// {k=v, k2=v2} (facts §2).
func javaString(v any) string {
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case obj:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			b.WriteByte('{')
			for i, k := range keys {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(k)
				b.WriteByte('=')
				walk(x[k])
			}
			b.WriteByte('}')
		case []any:
			b.WriteByte('[')
			for i, e := range x {
				if i > 0 {
					b.WriteString(", ")
				}
				walk(e)
			}
			b.WriteByte(']')
		default:
			fmt.Fprint(&b, x)
		}
	}
	walk(v)
	return b.String()
}

// alertNDJSON writes the alerts, one _source a line.
func (g *gen) alertNDJSON() []byte {
	var buf bytes.Buffer
	for _, a := range g.alerts {
		b, err := json.Marshal(a.doc)
		if err != nil {
			panic("demo: alert does not encode: " + err.Error())
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// sequenceAlerts raises an EQL sequence rule's alerts as Kibana writes them: a building
// block alert on each event of the sequence (kibana.alert.building_block_type, and
// kibana.alert.group.id and .index that join them) and the shell alert that stands for
// the sequence, which keeps only the source fields all its events share.
func (g *gen) sequenceAlerts(ids *ids, r rule, ruleUUID string, evs []*record, at time.Time) (alertDoc, []alertDoc) {
	group := ids.hex(20)
	var blocks []alertDoc
	for i, ev := range evs {
		b := g.eventAlert(ids, r, ruleUUID, ev, at, investigate.WorkflowOpen)
		b.doc["kibana.alert.building_block_type"] = "default"
		b.doc["kibana.alert.group.id"] = group
		b.doc["kibana.alert.group.index"] = i
		blocks = append(blocks, b)
	}
	id := ids.uuid()
	var shared obj
	var ancestors []any
	for i, b := range blocks {
		src := obj{}
		for _, k := range []string{"source", "cloud", "user", "user_agent", "aws", "event", "data_stream", "ecs"} {
			if v, ok := b.doc[k]; ok {
				src[k] = v
			}
		}
		if i == 0 {
			shared = src
		} else {
			shared = intersect(shared, src)
		}
		ancestors = append(ancestors, b.doc["kibana.alert.ancestors"].([]any)[0],
			obj{"id": b.id, "type": "signal", "index": ".internal.alerts-security.alerts-default-000001", "depth": 1, "rule": ruleUUID})
	}
	reason := fmt.Sprintf("event created %s alert %s.", r.severity, r.name)
	if src, _ := shared["source"].(obj); src["ip"] != nil {
		ip := src["ip"]
		reason = fmt.Sprintf("event with source %v created %s alert %s.", ip, r.severity, r.name)
	}
	doc := kibanaFields(ids, r, ruleUUID, id, at, investigate.WorkflowOpen, reason)
	doc["kibana.alert.group.id"] = group
	doc["kibana.alert.depth"] = 2
	doc["kibana.alert.original_time"] = stamp(evs[0].at)
	doc["kibana.alert.ancestors"] = ancestors
	maps.Copy(doc, shared)
	shell := alertDoc{at: at, id: id, doc: doc}
	g.alerts = append(g.alerts, blocks...)
	g.alerts = append(g.alerts, shell)
	return shell, blocks
}

// intersect keeps what a and b share: equal values, and the shared part of objects both
// hold (an object left empty is dropped).
func intersect(a, b obj) obj {
	out := obj{}
	for k, av := range a {
		bv, ok := b[k]
		if !ok {
			continue
		}
		ao, aIsObj := av.(obj)
		bo, bIsObj := bv.(obj)
		switch {
		case aIsObj && bIsObj:
			if sub := intersect(ao, bo); len(sub) > 0 {
				out[k] = sub
			}
		case reflect.DeepEqual(av, bv):
			out[k] = av
		}
	}
	return out
}
