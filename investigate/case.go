package investigate

import (
	"encoding/json"
	"time"
)

// SchemaVersion is the version of the case's JSON schema (docs/case-schema.md).
const SchemaVersion = 1

// Case is everything keypivot knows about one access key. Its JSON form is keypivot's
// stable, documented output (docs/case-schema.md).
type Case struct {
	SchemaVersion int         `json:"schema_version"`
	Key           AccessKeyID `json:"key"`
	GeneratedAt   time.Time   `json:"generated_at"`
	Window        Window      `json:"window"`
	Demo          bool        `json:"demo"`
	// Context names the sources, AWS profile, region and caller the case was built with.
	Context string `json:"context"`

	Owner Owner `json:"owner"`
	// Siblings are the alerts of the key and of its derived sessions and child keys.
	Siblings []Sibling `json:"siblings"`
	// HigherOrderAlerts are higher-order alerts mapped to the key through the source.ip
	// of its first-seen alerts, or of those of its sessions and child keys, or through
	// an identity they name (ViaKey names which key, TiedBy how).
	HigherOrderAlerts []Sibling `json:"higher_order_alerts"`

	// EventCount counts events signed by the key itself; SessionEventCount those signed
	// by the sessions derived from it (not through a child key); ChildEventCount those
	// signed by the access keys it created and by their sessions and children;
	// OtherEventCount launches by other signers that used the key's key pairs.
	EventCount        int       `json:"event_count"`
	SessionEventCount int       `json:"session_event_count"`
	ChildEventCount   int       `json:"child_event_count"`
	OtherEventCount   int       `json:"other_event_count"`
	FirstActivity     time.Time `json:"first_activity,omitzero"`
	LastActivity      time.Time `json:"last_activity,omitzero"`

	SourceIPs  []IPSummary    `json:"source_ips"`
	UserAgents []AgentSummary `json:"user_agents"`
	Services   []CountSummary `json:"services"`
	Actions    []CountSummary `json:"actions"`
	Regions    []CountSummary `json:"regions"`
	Errors     []ErrorSummary `json:"errors"`

	// AttackSequences are the attack-sequence findings (GuardDuty Extended Threat
	// Detection) that involve the key or its lineage, each signal resolved to the case's
	// own alerts and events (sequence_resolve.go).
	AttackSequences []CaseSequence `json:"attack_sequences"`

	Findings          []Finding    `json:"findings"`
	CreatedAccessKeys []CreatedKey `json:"created_access_keys"`
	Sessions          []Session    `json:"sessions"`
	FollowUps         FollowUps    `json:"followups"`
	// Artifacts are what the key, its sessions and its children left behind that can
	// outlive the key (users, passwords, policies, trust policies, functions, key pairs).
	Artifacts []Artifact `json:"artifacts"`
	// Quarantine is AWS's compromised-key quarantine policy on the key's user (nil when
	// neither the trail nor a live lookup shows one); Quarantined is set while it is in
	// effect.
	Quarantine  *Quarantine `json:"aws_quarantine"`
	Quarantined bool        `json:"aws_quarantine_policy"`
	// Plan is the remediation keypivot proposes for the case, as planned without a
	// caller (plan only): `keypivot deactivate` and the workbench re-plan it with theirs.
	// A case still being built has none yet (PlanPending).
	Plan []PlanStep `json:"plan"`
	// PlanNotes say what the plan leaves to the analyst (an artifact it has no action
	// for, one already gone).
	PlanNotes []string `json:"plan_notes"`

	Assessment []string `json:"assessment"`

	// Timeline holds every event of the case, oldest first. It is rendered through
	// TimelineEntry in reports; the full records stay in Events.
	Timeline []TimelineEntry `json:"timeline"`
	Coverage Coverage        `json:"coverage"`
	// Completeness says whether what was asked was searched: a negative ("0 events")
	// is an answer only with it.
	Completeness Completeness `json:"completeness"`

	// Events are the case's events, oldest first (not serialised: see Timeline).
	// Events[i] is the record of Timeline[i], always.
	Events []*Event `json:"-"`
}

// PlanPending reports whether the case is a snapshot of a search still running: its
// plan is not made yet, and an empty Plan says nothing about what the case needs.
func (c *Case) PlanPending() bool { return c.Completeness.Status == SearchPending }

// EligibleSiblings counts the case's alerts that the correlation rule counts: first-seen
// alerts and siblings, of the key and of its sessions and child keys
// (CaseCounts(c).CountedAlerts, where the counts are defined).
func (c *Case) EligibleSiblings() int { return CaseCounts(c).CountedAlerts }

// OffensiveTools names the offensive or scanning tools recognised in the case's user
// agents, each once, in the order of the agents.
func (c *Case) OffensiveTools() []string {
	var tools []string
	for _, u := range c.UserAgents {
		if u.Tool != "" {
			tools = appendUnique(tools, u.Tool)
		}
	}
	return tools
}

// Owner is who the key belongs to.
type Owner struct {
	User    string `json:"user"`
	ARN     string `json:"arn"`
	Account string `json:"account"`
	// Type is the userIdentity type of the key's events (IAMUser, Root).
	Type string `json:"type"`
	Root bool   `json:"root"`
	// Status (Active, Inactive), LastUsed and OtherKeys come from a live owner lookup.
	Status    string     `json:"status"`
	Created   time.Time  `json:"created,omitzero"`
	LastUsed  *LastUsed  `json:"last_used"`
	OtherKeys []KeyState `json:"other_keys"`
	// Sources says where each fact came from: cloudtrail, alerts, sts, iam.
	Sources []string `json:"sources"`
	// Error explains a failed live lookup (missing permission, other account).
	Error string `json:"error"`
}

// LastUsed is iam:GetAccessKeyLastUsed's answer.
type LastUsed struct {
	Date    time.Time `json:"date,omitzero"`
	Service string    `json:"service"`
	Region  string    `json:"region"`
}

// KeyState is one access key of a user, as IAM lists it.
type KeyState struct {
	AccessKeyID string    `json:"access_key_id"`
	Status      string    `json:"status"`
	Created     time.Time `json:"created,omitzero"`
	LastUsed    *LastUsed `json:"last_used"`
}

// OwnerInfo is what a live owner lookup (STS, IAM) learned about a key.
type OwnerInfo struct {
	Account   string
	User      string
	ARN       string
	Status    string
	Created   time.Time
	LastUsed  *LastUsed
	OtherKeys []KeyState
	Sources   []string
	Error     string
	// AttachedPolicies are the ARNs of the managed policies attached to the user (nil
	// when not read); PolicyDenies the actions denied by the default version of those
	// read (AWS's quarantine policy), by ARN.
	AttachedPolicies []string
	PolicyDenies     map[string][]string
}

// Sibling is one alert of the case.
type Sibling struct {
	RuleID    string    `json:"rule_id"`
	RuleName  string    `json:"rule_name"`
	AlertID   string    `json:"alert_id"`
	Severity  Severity  `json:"severity"`
	RiskScore float64   `json:"risk_score"`
	Status    string    `json:"status"`
	Time      time.Time `json:"time"`
	Provider  string    `json:"provider"`
	SourceIP  string    `json:"source_ip"`
	ASOrg     string    `json:"source_as_org"`
	Action    string    `json:"event_action"`
	Reason    string    `json:"reason"`
	Index     string    `json:"index"`
	// EventID, Region and Account are the CloudTrail event the alert was raised on, its
	// region and account ("" when the alert is on no single event).
	EventID   string `json:"event_id"`
	Region    string `json:"region"`
	Account   string `json:"account"`
	FirstSeen bool   `json:"first_seen"`
	// Eligible is false for alerts the correlation rule would not count; Ineligible says why.
	Eligible   bool   `json:"eligible"`
	Ineligible string `json:"ineligible_reason"`
	// Elevated says the alert's risk score or severity reaches the correlation's
	// thresholds, whatever else it is (closed, deprecated, of a machine-learning rule):
	// an alert can be elevated and not counted.
	Elevated bool `json:"elevated"`
	// ViaKey is the key of the case's lineage the alert belongs to when it is not the
	// case key: the derived session or child key it was raised for, or, for a
	// higher-order alert, the one whose first-seen alert's address mapped it ("" when
	// the case key's own first-seen alert did).
	ViaKey string `json:"via_key"`
	// TiedBy says, for a higher-order alert, what tied it to the case: a first-seen
	// alert at an address it groups, or an identity it names (higherorder.go).
	TiedBy []HigherOrderTie `json:"tied_by,omitempty"`
	// RuleDescription and Threats are the rule's own words and its MITRE ATT&CK mapping
	// (Alert.RuleDescription, Alert.Threats).
	RuleDescription string   `json:"rule_description"`
	Threats         []Threat `json:"rule_threat"`
	// Raw and RawSize are the alert's document as its source gave it (Alert.Raw), shown
	// through RawDocumentText; not serialised.
	Raw     json.RawMessage `json:"-"`
	RawSize int             `json:"-"`
}

// OwnKey reports whether the alert belongs to the case key itself, not to one of its
// derived sessions or child keys: the alerts a key ranking counts for the key.
func (s *Sibling) OwnKey() bool { return s.ViaKey == "" }

// IPSummary is one source address of the case.
type IPSummary struct {
	IP    string    `json:"ip"`
	Count int       `json:"count"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Kind is public, private, aws-service (ec2.amazonaws.com) or unparsed.
	Kind   string `json:"kind"`
	ASOrg  string `json:"as_org"`
	Errors int    `json:"errors"`
	// Network is what is known of the address's network, and from where (network.go).
	Network Network `json:"network"`
	// Keys are the keys of the case that called from this address.
	Keys []string `json:"keys"`
	// FirstSeenAlert is set when a first-seen alert fired for this address.
	FirstSeenAlert string `json:"first_seen_alert"`
}

// AgentSummary is one user agent of the case.
type AgentSummary struct {
	UserAgent string    `json:"user_agent"`
	Count     int       `json:"count"`
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
	// Tool names an offensive or scanning tool recognised in the agent (TruffleHog, Pacu).
	Tool string `json:"tool"`
}

// CountSummary counts events by one dimension (service, action, region).
type CountSummary struct {
	Name   string    `json:"name"`
	Count  int       `json:"count"`
	Errors int       `json:"errors"`
	First  time.Time `json:"first"`
	Last   time.Time `json:"last"`
}

// ErrorSummary counts one error code.
type ErrorSummary struct {
	Code    string   `json:"code"`
	Count   int      `json:"count"`
	Denied  bool     `json:"access_denied"`
	Actions []string `json:"actions"`
}

// Finding categories.
const (
	CatDiscovery        = "discovery"
	CatProbing          = "probing"
	CatPersistence      = "persistence"
	CatPrivilege        = "privilege-escalation"
	CatDefenseEvasion   = "defense-evasion"
	CatCredentialAccess = "credential-access"
	CatDataAccess       = "data-access"
	CatExfiltration     = "exfiltration"
	CatLateralMovement  = "lateral-movement"
	CatResourceHijack   = "resource-hijacking"
	CatSessions         = "derived-session"
	CatQuarantine       = "aws-quarantine"
	CatInitialAccess    = "initial-access"
)

// Finding is one notable thing the key (or a derived session) did.
type Finding struct {
	Category  string    `json:"category"`
	Severity  Severity  `json:"severity"`
	Title     string    `json:"title"`
	Detail    string    `json:"detail"`
	Time      time.Time `json:"time"`
	EventIDs  []string  `json:"event_ids"`
	Action    string    `json:"action"`
	Signer    string    `json:"signer"`
	Region    string    `json:"region"`
	ErrorCode string    `json:"error_code"`
	// Target is the resource acted on: a user name, policy ARN, trail name, key id.
	Target string `json:"target"`
}

// CreatedKey is an access key created by the key or its sessions.
type CreatedKey struct {
	AccessKeyID string `json:"access_key_id"`
	// User is the IAM user the key was created for; Account the account it was made in.
	User    string `json:"user"`
	Account string `json:"account"`
	// EventID is the CreateAccessKey event; Signer the key (the case key, one of its
	// sessions or another child) that made it, SignerARN that caller's identity.
	EventID   string    `json:"event_id"`
	Time      time.Time `json:"time"`
	Signer    string    `json:"signer"`
	SignerARN string    `json:"signer_arn"`
	// Status is the status CreateAccessKey answered (Active); LiveStatus the key's
	// status now, from a live lookup ("" without one; "deleted" when IAM no longer has it).
	Status     string `json:"status"`
	LiveStatus string `json:"live_status"`
	LiveError  string `json:"live_error"`
	// Depth is the distance from the case key (1: created by the key itself).
	Depth int `json:"depth"`
	// KeyUse counts the events the child key signed itself.
	KeyUse
}

// KeyUse is what a key of the lineage (a session, a child key) did itself: its events,
// the failed ones, from where, when first and last.
type KeyUse struct {
	EventCount int       `json:"event_count"`
	ErrorCount int       `json:"error_count"`
	SourceIPs  []string  `json:"source_ips"`
	First      time.Time `json:"first,omitzero"`
	Last       time.Time `json:"last,omitzero"`
}

// observe counts one event the key signed, keeping at most maxIPs source addresses
// (all of them when maxIPs is 0).
func (u *KeyUse) observe(e *Event, maxIPs int) {
	u.EventCount++
	if e.Failed() {
		u.ErrorCount++
	}
	if u.First.IsZero() || e.Time.Before(u.First) {
		u.First = e.Time
	}
	if e.Time.After(u.Last) {
		u.Last = e.Time
	}
	if e.SourceIP != "" && (maxIPs == 0 || len(u.SourceIPs) < maxIPs) {
		u.SourceIPs = appendUnique(u.SourceIPs, e.SourceIP)
	}
}

// Session is a temporary key issued to the key (or, transitively, to one of its sessions).
type Session struct {
	AccessKeyID   string    `json:"access_key_id"`
	IssuedBy      string    `json:"issued_by"`       // AssumeRole, GetSessionToken, GetFederationToken
	IssuedByEvent string    `json:"issued_by_event"` // eventID of the issuing call
	ParentKey     string    `json:"parent_key"`
	RoleARN       string    `json:"role_arn"`
	SessionName   string    `json:"session_name"`
	FederatedUser string    `json:"federated_user"`
	AssumedARN    string    `json:"assumed_arn"`
	Account       string    `json:"account"`
	Region        string    `json:"region"`
	IssuedAt      time.Time `json:"issued_at"`
	Expiration    time.Time `json:"expiration,omitzero"`
	// ValidAtGeneration is true when the session had not expired when the case was built.
	ValidAtGeneration bool `json:"valid_at_generation"`
	Depth             int  `json:"depth"`
	// KeyUse counts the events the session signed.
	KeyUse
	Actions []string `json:"actions"`
}

// FollowUps are the EC2 resources the key set up and the launches that used them.
type FollowUps struct {
	KeyPairs  []KeyPair  `json:"key_pairs"`
	Launches  []Launch   `json:"launches"`
	Instances []Instance `json:"instances"`
}

// KeyPair is an EC2 key pair created or imported by the key or its sessions.
type KeyPair struct {
	Name        string    `json:"name"`
	ID          string    `json:"id"`
	Fingerprint string    `json:"fingerprint"`
	Region      string    `json:"region"`
	Account     string    `json:"account"`
	EventID     string    `json:"event_id"`
	EventName   string    `json:"event_name"`
	Time        time.Time `json:"time"`
	Signer      string    `json:"signer"`
	ErrorCode   string    `json:"error_code"`
	// SourceIP is the call's sourceIPAddress and Network what is known of its network.
	SourceIP string  `json:"source_ip"`
	Network  Network `json:"network"`
	// Principal is the caller (userIdentity.arn, else principalId, else the key).
	// FirstByPrincipal is set when the call succeeded and no earlier successful call of
	// its name (CreateKeyPair, ImportKeyPair) by the principal is among the events
	// searched (FirstIn says which); else EarlierEvent is the principal's first.
	Principal        string `json:"principal"`
	FirstByPrincipal bool   `json:"first_by_principal"`
	FirstIn          string `json:"first_in"`
	EarlierEvent     string `json:"earlier_event_id"`
	// Rule is the evaluation of KeyPairRuleName on the call (RuleFires, RuleNo,
	// RuleUnknown, RuleNotApplicable) and RuleReason why (keypair_network.go).
	Rule       string `json:"rule"`
	RuleReason string `json:"rule_reason"`
	// Live: set by a live EC2 lookup. Exists is nil when unknown.
	Exists    *bool  `json:"exists"`
	LiveError string `json:"live_error"`
}

// Launch is one RunInstances call of the case.
type Launch struct {
	EventID      string    `json:"event_id"`
	Time         time.Time `json:"time"`
	Region       string    `json:"region"`
	Account      string    `json:"account"`
	Signer       string    `json:"signer"`
	SignerARN    string    `json:"signer_arn"`
	KeyName      string    `json:"key_name"`
	InstanceType string    `json:"instance_type"`
	MinCount     int       `json:"min_count"`
	MaxCount     int       `json:"max_count"`
	ImageID      string    `json:"image_id"`
	Template     string    `json:"launch_template"`
	InstanceIDs  []string  `json:"instance_ids"`
	ErrorCode    string    `json:"error_code"`
	ErrorMessage string    `json:"error_message"`
	// MatchedBy says why the launch is in the case: "signer" (the key or a session
	// launched it) or "key-pair" (another signer launched with the case's key pair).
	MatchedBy string `json:"matched_by"`
}

// Instance is an EC2 instance launched through the follow-ups, with live state when a
// live source provided it.
type Instance struct {
	InstanceID   string            `json:"instance_id"`
	Region       string            `json:"region"`
	Account      string            `json:"account"`
	LaunchEvent  string            `json:"launch_event"` // "" for an instance found live by key name only
	KeyName      string            `json:"key_name"`
	InstanceType string            `json:"instance_type"`
	State        string            `json:"state"` // pending, running, stopped, terminated; "" when unknown
	LaunchTime   time.Time         `json:"launch_time,omitzero"`
	PublicIP     string            `json:"public_ip"`
	Tags         map[string]string `json:"tags"`
	LiveError    string            `json:"live_error"`
}

// TimelineEntry is one event as reports show it: the event itself (not a copy of its
// fields: a case of millions of events holds each once) and what the case adds to it.
type TimelineEntry struct {
	*Event
	// Session is set for events of a derived session or a child key (Child is set too
	// for the child keys and what descends from them); Other for launches by other
	// signers.
	Session  bool
	Child    bool
	Other    bool
	Category string
}

// timelineEntryJSON is a TimelineEntry as the case's JSON gives it.
type timelineEntryJSON struct {
	Time      time.Time `json:"time"`
	EventID   string    `json:"event_id"`
	EventName string    `json:"event_name"`
	Service   string    `json:"service"`
	Region    string    `json:"region"`
	SourceIP  string    `json:"source_ip"`
	UserAgent string    `json:"user_agent"`
	Signer    string    `json:"signer"`
	Session   bool      `json:"session"`
	Child     bool      `json:"child"`
	Other     bool      `json:"other_signer"`
	ErrorCode string    `json:"error_code"`
	Write     bool      `json:"write"`
	Category  string    `json:"category"`
	Origin    string    `json:"origin"`
}

// MarshalJSON writes the entry's event fields and the case's additions flat.
func (t TimelineEntry) MarshalJSON() ([]byte, error) {
	return json.Marshal(timelineEntryJSON{
		Time: t.Time, EventID: t.ID, EventName: t.Name, Service: t.Service(), Region: t.Region,
		SourceIP: t.SourceIP, UserAgent: t.UserAgent, Signer: t.Signer(), Session: t.Session, Child: t.Child,
		Other: t.Other, ErrorCode: t.ErrorCode, Write: t.IsWrite(), Category: t.Category, Origin: t.Origin.String(),
	})
}

// Coverage says what the case was built from and what is missing.
type Coverage struct {
	Sources      []SourceReport `json:"sources"`
	AlertSources []SourceReport `json:"alert_sources"`
	FirstEvent   time.Time      `json:"first_event,omitzero"`
	LastEvent    time.Time      `json:"last_event,omitzero"`
	Accounts     []string       `json:"accounts"`
	Regions      []string       `json:"regions"`
	Events       int            `json:"events"`
	Duplicates   int            `json:"duplicates"`
	Problems     []Problem      `json:"problems"`
	// Gaps lists what the analyst should know is missing (failed regions, unread files,
	// sessions whose account was not searched).
	Gaps []string `json:"gaps"`
}
