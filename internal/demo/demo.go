// Package demo generates keypivot's embedded demo case: CloudTrail log files in the S3
// archive layout and Elastic Security alert documents for a realistic incident (a leaked
// long-term access key abused across two accounts and four regions, hidden in thousands
// of events of benign automation), so that every screen and command works offline with
// no configuration.
//
// The data is generated, not stored: Generate is a pure function of its anchor time (the
// scenario's "now") and a seed. The same anchor and seed give byte-identical files and
// alerts; nothing depends on map iteration order or the clock.
//
// It imports investigate (the types it generates) and files/cloudtrail and
// files/alertdoc (to read what it generates back as any source would); nothing imports
// it but cmd and tests.
package demo

import (
	"math/rand/v2"
	"sort"
	"time"
)

// DefaultSeed is the seed Generate uses.
const DefaultSeed uint64 = 0x6b657970_69766f74 // "keypivot"

// Dataset is one generated demo case.
type Dataset struct {
	// Anchor is the scenario's "now": every event happened in the three days before it.
	Anchor time.Time
	Seed   uint64
	// Files are gzip CloudTrail log files, {"Records":[...]}, keyed by their S3 object
	// key: AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<rand>.json.gz,
	// one file per account, region and five-minute delivery.
	Files map[string][]byte
	// Alerts is NDJSON of Elastic Security alert documents (_source of .alerts-security.alerts-default).
	Alerts []byte
	// AlertsName names Alerts in reports and problems.
	AlertsName string
	// Findings is GuardDuty's findings as `aws guardduty get-findings` prints them
	// ({"Findings":[...]}): the compromised key's attack sequence (sequence.go);
	// FindingsName names it. AlertSource reads it with Alerts.
	Findings     []byte
	FindingsName string
	// CompromisedKey is the access key the incident is about.
	CompromisedKey string
	// Facts are the scenario's ground truth, for tests and documentation.
	Facts Facts
}

// Facts are what the scenario planted: what a correct investigation must find.
type Facts struct {
	ProdAccount string
	DataAccount string
	// Regions are the regions with events, sorted.
	Regions []string

	CompromisedKey  string
	CompromisedUser string
	CompromisedARN  string
	// FirstSeenIP is where the leaked key was first used from (a residential network);
	// SessionIP is the VPS its sessions and the backdoor key were used from.
	FirstSeenIP    string
	FirstSeenASOrg string
	SessionIP      string
	SessionASOrg   string
	// TruffleHogAgent is the user agent of the key's validation call; EscapeAgent is an
	// attacker-chosen user agent carrying terminal escape sequences.
	TruffleHogAgent string
	EscapeAgent     string

	// Sessions are the temporary keys derived from the compromised key, in issue order.
	Sessions []SessionFact
	// KeyPairs are the EC2 key pairs the compromised key created.
	KeyPairs []KeyPairFact
	// Launches are every RunInstances call a correct case holds, in time order.
	Launches []LaunchFact
	// StopLoggingTrail is the trail the attacker tried (and failed) to stop.
	StopLoggingTrail string
	// SecretsRead counts GetSecretValue calls by the derived sessions.
	SecretsRead int

	// BackdoorUser and BackdoorKey are the user and the key the compromised key created:
	// the key is its child, whose events (ChildEvents of them) are the case's own.
	BackdoorUser string
	BackdoorKey  string
	ChildEvents  int
	// Artifacts are what the key and its child left behind that can outlive the key, each
	// with the event that made it, in the order they were made.
	Artifacts []ArtifactFact
	// TrustRole is the role whose trust policy the child key opened to the attacker's
	// account; TrustRoleCreated is the administrators' earlier CreateRole that gave it
	// TrustPolicyBefore, the document to restore.
	TrustRole         string
	TrustRoleCreated  string
	TrustPolicyBefore string
	// Function is the Lambda function the child key created, as region/name.
	Function string

	// DeveloperKey is a benign key first seen from a new office address: it has a
	// first-seen alert and nothing else elevated.
	DeveloperKey   string
	DeveloperUser  string
	DeveloperIP    string
	DeveloperNewIP string
	// ConsoleSessionKeys are ASIA keys of console sign-ins (the developer's and the
	// backdoor user's): they derive from no access key and must not be linked to one.
	ConsoleSessionKeys []string
	// AutomationKeys are the benign CI and automation keys; AutomationSessionKeys the
	// sessions they assumed.
	AutomationKeys        []string
	AutomationSessionKeys []string

	// Patterns are what the attack patterns planted (patterns.go).
	Patterns PatternFacts

	Alerts AlertFacts
	// Records counts CloudTrail records over all files; CaseRecords those a correct case
	// of the compromised key holds (its events, its sessions', its child key's, and
	// launches by other signers with its key pairs: OtherRecords of them).
	Records      int
	CaseRecords  int
	OtherRecords int
}

// SessionFact is one temporary key derived from the compromised key.
type SessionFact struct {
	Key       string
	IssuedBy  string // AssumeRole, GetSessionToken, GetFederationToken
	Parent    string
	Account   string // where its events are recorded
	RoleARN   string
	IssuedAt  time.Time
	Expires   time.Time
	EventID   string // the issuing event
	Events    int    // events it signed
	LaunchIDs []string
}

// KeyPairFact is one key pair the compromised key created.
type KeyPairFact struct {
	Name, Region, Account, ID, EventID string
}

// LaunchFact is one RunInstances call of the case.
type LaunchFact struct {
	EventID      string
	Region       string
	Account      string
	Signer       string
	KeyName      string
	InstanceType string
	Count        int
	InstanceIDs  []string
	ErrorCode    string
	// MatchedBy is "signer" (the key, a session or a child key launched it) or
	// "key-pair" (another signer launched with one of the key's key pairs).
	MatchedBy string
}

// AlertFacts names the planted alerts.
type AlertFacts struct {
	FirstSeen   string // the compromised key's first-seen alert
	HigherOrder string // the correlation rule's alert, grouped by the first-seen address
	// ChildHigherOrder is the correlation rule's alert grouped by the child key's
	// first-seen address (the VPS): the case maps it through the child key.
	ChildHigherOrder   string
	DeveloperFirstSeen string
	BackdoorFirstSeen  string
	// Eligible are the compromised key's siblings that the correlation rule counts
	// (first-seen excluded); Ineligible maps the others to why they do not count.
	Eligible   []string
	Ineligible map[string]string
	// ViaSession are alerts raised for the key's derived sessions; ViaChild those raised
	// for its child key (BackdoorKey).
	ViaSession []string
	ViaChild   []string
	Total      int
	// AttackSequence is the GuardDuty attack-sequence finding of the compromised key
	// (sequence.go, in Dataset.Findings), AttackSequenceSignals the number of its
	// signals. Total counts it.
	AttackSequence        string
	AttackSequenceSignals int
}

// DefaultAnchor is a fixed anchor for tests and golden files.
func DefaultAnchor() time.Time { return time.Date(2026, time.March, 12, 15, 42, 17, 0, time.UTC) }

// Generate builds the demo case for anchor with DefaultSeed.
func Generate(anchor time.Time) *Dataset { return GenerateSeed(anchor, DefaultSeed) }

// GenerateSeed builds the demo case for anchor and seed. Identifiers (keys, instance
// ids, event ids) depend on the seed only, not on the anchor; times are relative to
// the anchor, truncated to the second.
func GenerateSeed(anchor time.Time, seed uint64) *Dataset {
	g := newGen(anchor, seed)
	g.buildWorld()
	g.benign()
	g.attack()
	g.buildAlerts()
	g.attackSequence()
	ds := &Dataset{
		Anchor:         g.anchor,
		Seed:           seed,
		AlertsName:     "demo/alerts-security.ndjson",
		CompromisedKey: g.f.CompromisedKey,
		Facts:          g.f,
	}
	ds.Files = g.files()
	ds.Alerts = g.alertNDJSON()
	ds.Findings, ds.FindingsName = g.findingsJSON(), "demo/guardduty-findings.json"
	ds.Facts.Records = len(g.recs)
	ds.Facts.Regions = g.regions()
	g.countCase(&ds.Facts)
	return ds
}

// countCase counts, from the generator's own records, what a correct case of the
// compromised key holds: events signed by the key, its sessions or its child key, and
// launches by other signers with its key pairs.
func (g *gen) countCase(f *Facts) {
	session := map[string]int{}
	for i, s := range f.Sessions {
		session[s.Key] = i
	}
	pairs := map[string]bool{}
	for _, kp := range f.KeyPairs {
		pairs[kp.Region+"/"+kp.Name] = true
	}
	f.CaseRecords, f.ChildEvents, f.OtherRecords = 0, 0, 0
	for _, r := range g.recs {
		signer := r.UserIdentity.AccessKeyID
		i, isSession := session[signer]
		switch {
		case signer == f.CompromisedKey:
		case isSession:
			f.Sessions[i].Events++
		case signer == f.BackdoorKey:
			f.ChildEvents++
		case r.EventName == "RunInstances" && pairs[r.AWSRegion+"/"+launchKeyName(r)]:
			f.OtherRecords++
		default:
			continue
		}
		f.CaseRecords++
	}
}

func launchKeyName(r *record) string {
	req, _ := r.RequestParameters.(obj)
	set, _ := req["instancesSet"].(obj)
	list, _ := set["items"].([]any)
	for _, it := range list {
		if k, _ := it.(obj)["keyName"].(string); k != "" {
			return k
		}
	}
	return ""
}

// Names returns the dataset's file names, sorted.
func (ds *Dataset) Names() []string {
	names := make([]string, 0, len(ds.Files))
	for n := range ds.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// gen holds the state of one generation.
type gen struct {
	anchor time.Time
	seed   uint64
	id     *ids       // identifiers of the scenario's actors and attack
	bid    *ids       // identifiers of the blast radius (blast.go)
	nid    *ids       // identifiers of the benign noise
	rnd    *rand.Rand // timing and choices of the benign noise
	recs   []*record
	alerts []alertDoc
	marks  map[string]*record // events the alerts refer to, by name
	f      Facts
	w      world

	// findings are GuardDuty findings, in the form the AWS CLI prints (sequence.go).
	findings []obj
}

// Streams of the PCG generator: independent, so that adding noise does not change the
// scenario's identifiers.
const (
	streamIDs    = 1
	streamNoise  = 2
	streamNoiseI = 3
	streamFiles  = 4
	streamAlerts = 5
	streamBlast  = 6
	// streamPatterns draws the identifiers of the attack patterns (patterns.go).
	streamPatterns = 7
)

func newGen(anchor time.Time, seed uint64) *gen {
	return &gen{
		anchor: anchor.UTC().Truncate(time.Second),
		seed:   seed,
		id:     newIDs(seed, streamIDs),
		bid:    newIDs(seed, streamBlast),
		nid:    newIDs(seed, streamNoiseI),
		rnd:    rand.New(rand.NewPCG(seed, streamNoise)),
	}
}

// ago is the anchor minus d.
func (g *gen) ago(d time.Duration) time.Time { return g.anchor.Add(-d) }

// jitter is a random duration in [0, d).
func (g *gen) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(g.rnd.Int64N(int64(d)))
}

// call records one API call by a at t. region is where the client pointed; global
// services are recorded in us-east-1, and STS calls go to the global endpoint unless
// region is set.
func (g *gen) call(a *actor, ids *ids, t time.Time, svc, name, region string) *record {
	regional := region != "" && !globalServices[svc]
	if region == "" || globalServices[svc] {
		region = "us-east-1"
	}
	r := &record{
		EventVersion:       eventVersion(svc),
		UserIdentity:       a.id,
		EventTime:          t.UTC().Format(timeLayout),
		EventSource:        svc + ".amazonaws.com",
		EventName:          name,
		AWSRegion:          region,
		SourceIPAddress:    a.ip,
		UserAgent:          a.ua,
		RequestID:          ids.uuid(),
		EventID:            ids.uuid(),
		ReadOnly:           readOnly(name),
		EventType:          "AwsApiCall",
		ManagementEvent:    true,
		RecipientAccountID: a.account,
		EventCategory:      "Management",
		at:                 t.UTC().Truncate(time.Second),
	}
	if svc == "s3" {
		r.RequestID = ids.pick(16, upperAlnum)
	}
	tls := &tlsDetails{TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ClientProvidedHostHeader: host(svc, region, regional)}
	if a.tls12 {
		tls.TLSVersion, tls.CipherSuite = "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"
	}
	if a.id.InvokedBy == "" {
		r.TLSDetails = tls
	}
	g.recs = append(g.recs, r)
	return r
}

func eventVersion(svc string) string {
	if v, ok := eventVersions[svc]; ok {
		return v
	}
	return "1.09"
}

func (r *record) req(v any) *record  { r.RequestParameters = v; return r }
func (r *record) resp(v any) *record { r.ResponseElements = v; return r }

// fail marks the call failed: errorCode and errorMessage set, responseElements null.
func (r *record) fail(code, msg string) *record {
	r.ErrorCode, r.ErrorMessage, r.ResponseElements = code, msg, nil
	return r
}

// denied fails the call with AccessDenied in the wording of IAM's policy evaluation.
func (r *record) denied(action, res string) *record {
	code := "AccessDenied"
	switch r.EventSource {
	case "ec2.amazonaws.com":
		code = "Client.UnauthorizedOperation"
	case "lambda.amazonaws.com", "kms.amazonaws.com", "cloudtrail.amazonaws.com", "guardduty.amazonaws.com", "organizations.amazonaws.com", "secretsmanager.amazonaws.com", "ce.amazonaws.com":
		code = "AccessDeniedException"
	}
	msg := "User: " + r.UserIdentity.ARN + " is not authorized to perform: " + action + " on resource: " + res + " because no identity-based policy allows the " + action + " action"
	if code == "Client.UnauthorizedOperation" {
		msg = "You are not authorized to perform this operation. " + msg + ". Encoded authorization failure message: " + encodedFailure(r.EventID)
	}
	return r.fail(code, msg)
}

// encodedFailure stands for EC2's opaque encoded authorization message.
func encodedFailure(seed string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, 0, 180)
	h := uint64(1469598103934665603)
	for i := 0; i < 180; i++ {
		h ^= uint64(seed[i%len(seed)])
		h *= 1099511628211
		b = append(b, alphabet[h>>58])
	}
	return string(b)
}

func (g *gen) regions() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range g.recs {
		if !seen[r.AWSRegion] {
			seen[r.AWSRegion] = true
			out = append(out, r.AWSRegion)
		}
	}
	sort.Strings(out)
	return out
}
