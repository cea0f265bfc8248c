package demo

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// streamSequence is the PCG stream of the attack sequence's identifiers: a stream of its
// own, so that raising the sequence changes no other identifier of the scenario.
const streamSequence = 101

// sequenceWindow is how far GuardDuty Extended Threat Detection correlates (facts §4).
const sequenceWindow = 24 * time.Hour

// sequenceSignal is one kind of activity GuardDuty correlates into the leaked key's
// attack sequence: its signal name ("iam:CreateAccessKey"), type, severity, and the
// indicators it brings.
type sequenceSignal struct {
	typ, name string
	severity  float64
	tactic    string
	highRisk  bool
}

// sequenceSignals are the activities of the leaked key GuardDuty would correlate, in the
// order of the attack. Each is a signal when the key did it within the sequence's 24
// hours; its count, first and last seen are the key's own records'.
var sequenceSignals = []sequenceSignal{
	{investigate.SignalCloudTrail, "sts:GetCallerIdentity", 2, "Discovery", false},
	{investigate.SignalCloudTrail, "ec2:CreateKeyPair", 5, "Persistence", false},
	{investigate.SignalCloudTrail, "ec2:RunInstances", 6, "Impact", false},
	{investigate.SignalCloudTrail, "iam:CreateAccessKey", 8, "Persistence", true},
	{investigate.SignalCloudTrail, "iam:AttachUserPolicy", 8, "Privilege Escalation", true},
	{investigate.SignalCloudTrail, "iam:CreateLoginProfile", 7, "Persistence", true},
	{investigate.SignalCloudTrail, "cloudtrail:StopLogging", 8, "Defense Evasion", true},
	{investigate.SignalCloudTrail, "bedrock:InvokeModel", 6, "Impact", false},
	{investigate.SignalS3Data, "s3:GetObject", 6, "Collection", false},
}

// discoveryCalls are the calls GuardDuty's anomaly model would raise
// Discovery:IAMUser/AnomalousBehavior on: the attacker's enumeration by hand.
var discoveryCalls = []string{"GetUser", "ListAttachedUserPolicies", "ListUserPolicies", "ListGroupsForUser", "ListUsers", "ListRoles", "GetAccountAuthorizationDetails", "ListPolicies"}

// attackSequence raises the GuardDuty attack-sequence finding (AttackSequence:IAM/
// CompromisedCredentials) GuardDuty Extended Threat Detection would raise on the leaked
// key: its signals are the attacker's calls with the key within 24 hours of the first
// (counted from the generated records), and a Discovery:IAMUser/AnomalousBehavior finding that is not among
// the demo's alert sources (which are Elastic's): the case finds most of the story in its
// own records and says what it does not hold. The finding is written as `aws guardduty
// get-findings` prints one, in the dataset's GuardDuty export (Dataset.Findings), apart
// from the Elastic alert documents.
func (g *gen) attackSequence() {
	ids := newIDs(g.seed, streamSequence)
	w := &g.w
	key := w.reporting.key
	// The key's records, and the attacker's among them (from the address the leaked key is
	// used from): the sequence starts at the attacker's first call and spans 24 hours.
	var mine, attacker []*record
	for _, r := range g.recs {
		if r.UserIdentity.AccessKeyID == key {
			mine = append(mine, r)
			if r.SourceIPAddress == attackerIP {
				attacker = append(attacker, r)
			}
		}
	}
	if len(attacker) == 0 {
		return
	}
	byTime := func(a, b *record) int { return a.at.Compare(b.at) }
	slices.SortStableFunc(mine, byTime)
	slices.SortStableFunc(attacker, byTime)
	start := attacker[0].at
	var inWindow []*record
	for _, r := range attacker {
		if r.at.Before(start.Add(sequenceWindow)) {
			inWindow = append(inWindow, r)
		}
	}
	// count is how many calls of the API the key made from first to last, from any
	// address: what GuardDuty counts of the credential's activity, and what a case holds.
	count := func(source, name string, first, last time.Time) int {
		n := 0
		for _, r := range mine {
			if r.EventSource == source && r.EventName == name && !r.at.Before(first) && !r.at.After(last) {
				n++
			}
		}
		return n
	}

	actorID, endpointID := ids.hex(32), ids.hex(32)
	net := networks[attackerIP]
	var (
		signals    []any
		tactics    []string
		highRisk   []string
		agents     []string
		first, end time.Time
		buckets    []string
	)
	addSignal := func(typ, uid, name, description string, severity float64, f, l time.Time, count int, indicators []any, resources []string) {
		if first.IsZero() || f.Before(first) {
			first = f
		}
		if l.After(end) {
			end = l
		}
		s := obj{
			"Uid": uid, "Type": typ, "Name": name, "Description": description,
			"CreatedAt": stamp(f), "UpdatedAt": stamp(l), "FirstSeenAt": stamp(f), "LastSeenAt": stamp(l),
			"Severity": severity, "Count": count, "ActorIds": []any{actorID}, "EndpointIds": []any{endpointID},
			"SignalIndicators": indicators,
		}
		if len(resources) > 0 {
			s["ResourceUids"] = toAny(resources)
		}
		signals = append(signals, s)
	}

	// The anomaly finding on the discovery burst: a FINDING signal, by the finding's id.
	var disc []*record
	for _, r := range inWindow {
		if slices.Contains(discoveryCalls, r.EventName) && r.EventSource == "iam.amazonaws.com" {
			disc = append(disc, r)
		}
	}
	if len(disc) > 0 {
		tactics = seqAppendNew(tactics, "Discovery")
		// One finding, spanning the burst.
		addSignal(investigate.SignalFinding, ids.hex(32), "Discovery:IAMUser/AnomalousBehavior",
			"APIs commonly used to discover the users, roles and policies of an account were invoked in an anomalous way.", 5,
			disc[0].at, disc[len(disc)-1].at, 1, []any{seqIndicator("ATTACK_TACTIC", "MITRE ATT&CK tactic", "Discovery")}, nil)
	}
	for _, d := range sequenceSignals {
		svc, name, _ := strings.Cut(d.name, ":")
		var rs []*record
		var res []string
		for _, r := range inWindow {
			if r.EventName != name || r.EventSource != svc+".amazonaws.com" {
				continue
			}
			if d.typ == investigate.SignalS3Data && r.EventCategory != "Data" {
				continue
			}
			rs = append(rs, r)
			// The scanner's agent, and the first of the Kali CLI's (they differ by command).
			kali := slices.ContainsFunc(agents, func(a string) bool { return strings.Contains(a, "kali") })
			if !slices.Contains(agents, r.UserAgent) && (r.UserAgent == trufflehogUA || strings.Contains(r.UserAgent, "kali") && !kali) {
				agents = append(agents, r.UserAgent)
			}
			for _, x := range r.Resources {
				if x.Type == "AWS::S3::Bucket" && !slices.Contains(res, x.ARN) {
					res = append(res, x.ARN)
				}
			}
		}
		if len(rs) == 0 {
			continue
		}
		ind := []any{seqIndicator("ATTACK_TACTIC", "MITRE ATT&CK tactic", d.tactic)}
		if d.highRisk {
			ind = append([]any{seqIndicator("HIGH_RISK_API", "High-risk API", d.name)}, ind...)
			highRisk = append(highRisk, d.name)
		}
		if d.name == "sts:GetCallerIdentity" && slices.ContainsFunc(rs, func(r *record) bool { return r.UserAgent == trufflehogUA }) {
			ind = append(ind, seqIndicator("SUSPICIOUS_USER_AGENT", "Suspicious user agent", trufflehogUA))
		}
		tactics = seqAppendNew(tactics, d.tactic)
		buckets = append(buckets, res...)
		what := "activity observed in CloudTrail management events"
		if d.typ == investigate.SignalS3Data {
			what = "activity observed in CloudTrail data events for S3"
		}
		f, l := rs[0].at, rs[len(rs)-1].at
		addSignal(d.typ, ids.hex(32), d.name, d.name+": "+what+".", d.severity, f, l, count(svc+".amazonaws.com", name, f, l), ind, res)
	}
	if len(signals) < 2 {
		return // no sequence of one signal
	}

	seqIndicators := []any{seqIndicator("ATTACK_TACTIC", "MITRE ATT&CK tactics", tactics...)}
	if len(highRisk) > 0 {
		seqIndicators = append(seqIndicators, seqIndicator("HIGH_RISK_API", "High-risk APIs", highRisk...))
	}
	if len(agents) > 0 {
		seqIndicators = append(seqIndicators, seqIndicator("SUSPICIOUS_USER_AGENT", "Suspicious user agents", agents...))
	}
	seqIndicators = append(seqIndicators, seqIndicator("UNUSUAL_ASN_FOR_USER", "Unusual ASN for the user", fmt.Sprint(net.asn)))
	var resources []any
	for _, b := range seqUnique(buckets) {
		name := strings.TrimPrefix(b, "arn:aws:s3:::")
		resources = append(resources, obj{"Uid": b, "Name": name, "ResourceType": "S3_BUCKET", "Region": "us-east-1", "AccountId": prodAccount, "CloudPartition": "aws", "Service": "s3"})
	}
	detector := ids.hex(32)
	id := ids.hex(32)
	created := end.Add(17*time.Minute + 41*time.Second)
	user := w.reporting.name
	sequence := obj{
		"Uid": ids.hex(32),
		"Description": fmt.Sprintf("Potential credential compromise of IAM user %s indicated by a sequence of actions: %s, from %s (%s).",
			user, strings.ToLower(strings.Join(tactics, ", ")), attackerIP, net.org),
		"Actors": []any{obj{"Id": actorID,
			"User":    obj{"Name": user, "Uid": w.reporting.principal, "Type": "IAMUser", "CredentialUid": key, "Account": obj{"Uid": prodAccount, "Name": "prod"}},
			"Session": obj{"MfaStatus": "DISABLED"}}},
		"Endpoints": []any{obj{"Id": endpointID, "Ip": attackerIP,
			"AutonomousSystem": obj{"Name": net.org, "Number": net.asn},
			"Location":         obj{"City": net.city, "Country": net.country, "Latitude": net.lat, "Longitude": net.lon}}},
		"SequenceIndicators": seqIndicators,
		"Signals":            signals,
	}
	if len(resources) > 0 {
		sequence["Resources"] = resources
	}
	finding := obj{
		"AccountId": prodAccount, "Region": "us-east-1", "Partition": "aws", "SchemaVersion": "2.0",
		"Arn": fmt.Sprintf("arn:aws:guardduty:us-east-1:%s:detector/%s/finding/%s", prodAccount, detector, id),
		"Id":  id, "Type": "AttackSequence:IAM/CompromisedCredentials", "Severity": 9.0,
		"Title":       fmt.Sprintf("Potential credential compromise of IAM user %s indicated by a sequence of actions.", user),
		"Description": fmt.Sprintf("A sequence of actions involving %d signals indicating a possible credential compromise of IAM user %s was observed in account %s.", len(signals), user, prodAccount),
		"CreatedAt":   stamp(created), "UpdatedAt": stamp(created),
		"Resource": obj{"ResourceType": "AttackSequence"},
		"Service": obj{
			"ServiceName": "guardduty", "DetectorId": detector, "Archived": false, "Count": 1, "ResourceRole": "TARGET",
			"EventFirstSeen": stamp(first), "EventLastSeen": stamp(end),
			"Detection": obj{"Sequence": sequence},
		},
	}
	g.findings = append(g.findings, finding)
	g.f.Alerts.AttackSequence = id
	g.f.Alerts.AttackSequenceSignals = len(signals)
	g.f.Alerts.Total++
}

// findingsJSON writes the GuardDuty findings as `aws guardduty get-findings` prints them
// ({"Findings":[...]}); nil when there is none.
func (g *gen) findingsJSON() []byte {
	if len(g.findings) == 0 {
		return nil
	}
	b, err := json.MarshalIndent(obj{"Findings": g.findings}, "", "    ")
	if err != nil {
		panic("demo: GuardDuty findings do not encode: " + err.Error())
	}
	return append(b, '\n')
}

// seqIndicator is one indicator of a sequence or a signal.
func seqIndicator(key, title string, values ...string) obj {
	return obj{"Key": key, "Title": title, "Values": toAny(values)}
}

func seqAppendNew(l []string, s string) []string {
	if slices.Contains(l, s) {
		return l
	}
	return append(l, s)
}

func seqUnique(l []string) []string {
	var out []string
	for _, s := range l {
		out = seqAppendNew(out, s)
	}
	return out
}
