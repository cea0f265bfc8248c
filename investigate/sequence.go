package investigate

import (
	"slices"
	"strings"
	"time"
)

// GuardDuty Extended Threat Detection correlates signals (its own findings, CloudTrail
// management events, S3 data events) of one account over 24 hours into an attack
// sequence, and raises it as a finding of its own (facts §4): AttackSequence:IAM/
// CompromisedCredentials and its kin. The finding carries the sequence under
// Service.Detection.Sequence (GuardDuty) or Detection.Sequence (Security Hub's ASFF).
// keypivot reads it as an Alert whose Sequence is set, maps it to the access keys its
// actors used, ranks those keys on it (BasisAttackSequence), and resolves its signals
// to the case's own alerts and events (CaseSequence).

// AttackSequenceTypePrefix begins the type of every attack-sequence finding.
const AttackSequenceTypePrefix = "AttackSequence:"

// AttackSequenceTypes are the attack-sequence finding types GuardDuty documents. A
// finding of another type that carries a sequence is read all the same; these are the
// types a live source asks GuardDuty for, since a sequence names its keys in its actors,
// where no ListFindings criterion reaches.
var AttackSequenceTypes = []string{
	"AttackSequence:IAM/CompromisedCredentials",
	"AttackSequence:S3/CompromisedData",
	"AttackSequence:EC2/CompromisedInstanceGroup",
	"AttackSequence:ECS/CompromisedCluster",
	"AttackSequence:EKS/CompromisedCluster",
}

// Signal types (GuardDuty's SignalType).
const (
	SignalFinding    = "FINDING"        // a GuardDuty finding
	SignalCloudTrail = "CLOUD_TRAIL"    // CloudTrail management events
	SignalS3Data     = "S3_DATA_EVENTS" // CloudTrail data events for S3
)

// AttackSequence is the sequence an attack-sequence finding carries. The finding's own
// fields (id, type, severity, status, time) are the Alert's. Every string in it is the
// finding's, and through the finding the attacker's to influence (names, user agents
// in indicators): faces show them through investigate/sanitize.
type AttackSequence struct {
	// UID identifies the sequence; GuardDuty and Security Hub copies of one finding
	// share it.
	UID         string `json:"uid"`
	Description string `json:"description"`
	// Indicators are the sequence's indicators (sequenceIndicators): MALICIOUS_IP,
	// TOR_IP, SUSPICIOUS_USER_AGENT, HIGH_RISK_API, ATTACK_TACTIC, UNUSUAL_ASN_FOR_USER...
	Indicators []SequenceIndicator `json:"indicators"`
	Actors     []SequenceActor     `json:"actors"`
	Endpoints  []SequenceEndpoint  `json:"endpoints"`
	Resources  []SequenceResource  `json:"resources"`
	// Signals are as the finding lists them (at most 100).
	Signals []SequenceSignal `json:"signals"`
	// AdditionalTypes are other sequence types GuardDuty associates with it (GuardDuty
	// only: ASFF does not carry them).
	AdditionalTypes []string `json:"additional_sequence_types"`
}

// SequenceIndicator is one indicator of a sequence or of a signal.
type SequenceIndicator struct {
	Key    string   `json:"key"`
	Title  string   `json:"title"`
	Values []string `json:"values"`
}

// SequenceActor is who acted in a sequence: a user, its credentials, its session.
type SequenceActor struct {
	ID       string `json:"id"`
	UserName string `json:"user_name"`
	UserUID  string `json:"user_uid"`
	UserType string `json:"user_type"`
	// CredentialUID is the access key the actor used (user.credentialUid): how a
	// sequence names its keys.
	CredentialUID  string    `json:"credential_uid"`
	Account        string    `json:"account"`
	AccountName    string    `json:"account_name"`
	SessionUID     string    `json:"session_uid"`
	SessionIssuer  string    `json:"session_issuer"`
	SessionCreated time.Time `json:"session_created,omitzero"`
	MFAStatus      string    `json:"mfa_status"`
	ProcessName    string    `json:"process_name"`
	ProcessPath    string    `json:"process_path"`
}

// SequenceEndpoint is a network endpoint of a sequence.
type SequenceEndpoint struct {
	ID      string `json:"id"`
	IP      string `json:"ip"`
	Domain  string `json:"domain"`
	Port    int    `json:"port"`
	ASN     int    `json:"asn"`
	ASOrg   string `json:"as_org"`
	Country string `json:"country"`
	City    string `json:"city"`
}

// SequenceResource is a resource a sequence involves (GuardDuty only).
type SequenceResource struct {
	UID     string `json:"uid"`
	Type    string `json:"type"` // ACCESS_KEY, S3_BUCKET, EC2_INSTANCE, ...
	Name    string `json:"name"`
	Region  string `json:"region"`
	Account string `json:"account"`
}

// SequenceSignal is one signal of a sequence: a finding, or a kind of activity with a
// count and the time it was first and last seen.
type SequenceSignal struct {
	UID  string `json:"uid"`
	Type string `json:"type"` // FINDING, CLOUD_TRAIL, S3_DATA_EVENTS, ...
	// Name is the finding type of a FINDING signal, the API of an activity
	// ("iam:CreateAccessKey", or "CreateAccessKey").
	Name        string `json:"name"`
	Title       string `json:"title"` // ASFF only
	Description string `json:"description"`
	// Severity is SeverityScore (GuardDuty's 0-10) banded as finding severities are.
	Severity      Severity  `json:"severity"`
	SeverityScore float64   `json:"severity_score"`
	Count         int       `json:"count"`
	FirstSeen     time.Time `json:"first_seen,omitzero"`
	LastSeen      time.Time `json:"last_seen,omitzero"`
	// ActorIDs, EndpointIDs and ResourceIDs refer to the sequence's actors, endpoints
	// and resources.
	ActorIDs    []string            `json:"actor_ids"`
	EndpointIDs []string            `json:"endpoint_ids"`
	ResourceIDs []string            `json:"resource_ids"`
	Indicators  []SequenceIndicator `json:"indicators"`
}

// AccessKeys are the access keys the sequence involves, each once, long-term (AKIA)
// keys first, then in the order the sequence names them: its actors' credentials
// (credentialUid), actor ids and resources that are access key ids, and the access-key
// ids its signals name as resources. A sequence's resource is not an access key
// resource the way a single finding's is: the key is in its actors.
func (s *AttackSequence) AccessKeys() []string {
	if s == nil {
		return nil
	}
	var keys []string
	add := func(k string) {
		if k = strings.TrimSpace(k); IsAccessKeyID(k) && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	for _, a := range s.Actors {
		add(a.CredentialUID)
		add(a.ID)
	}
	for _, r := range s.Resources {
		add(accessKeyOfResource(r.UID))
	}
	for _, sg := range s.Signals {
		for _, r := range sg.ResourceIDs {
			add(accessKeyOfResource(r))
		}
	}
	slices.SortStableFunc(keys, func(a, b string) int { return trueFirst(IsLongTermKey(a), IsLongTermKey(b)) })
	return keys
}

// accessKeyOfResource reads an access key id from a resource id: the id itself, or the
// last part of an "AWS::IAM::AccessKey:AKIA..." style id ("" when it names none).
func accessKeyOfResource(id string) string {
	id = strings.TrimSpace(id)
	if IsAccessKeyID(id) {
		return id
	}
	if i := strings.LastIndexAny(id, ":/"); i >= 0 && IsAccessKeyID(id[i+1:]) {
		return id[i+1:]
	}
	return ""
}

// actor is the sequence's actor of id (nil when it lists none: Security Hub keeps at
// most ten).
func (s *AttackSequence) actor(id string) *SequenceActor {
	return s.actorAt(slices.IndexFunc(s.Actors, func(a SequenceActor) bool { return a.ID == id }))
}

// actorOfKey is the actor whose credential is key (nil when none is).
func (s *AttackSequence) actorOfKey(key string) *SequenceActor {
	return s.actorAt(slices.IndexFunc(s.Actors, func(a SequenceActor) bool { return a.CredentialUID == key }))
}

// actorAt is the sequence's actor at index i, nil for -1 (no actor found).
func (s *AttackSequence) actorAt(i int) *SequenceActor {
	if i < 0 {
		return nil
	}
	return &s.Actors[i]
}

// IsAttackSequence reports whether the alert is an attack-sequence finding.
func (a *Alert) IsAttackSequence() bool { return a.Sequence != nil }

// Keys are the access keys the alert is about: its AccessKeyID and, for an attack
// sequence, every key the sequence involves, each once.
func (a *Alert) Keys() []string {
	var keys []string
	if a.AccessKeyID != "" {
		keys = append(keys, a.AccessKeyID)
	}
	return appendUnique(keys, a.Sequence.AccessKeys()...)
}

// InvolvesKey reports whether the alert is about key: its AccessKeyID, or a key of its
// attack sequence.
func (a *Alert) InvolvesKey(key string) bool {
	return a.AccessKeyID == key || slices.Contains(a.Sequence.AccessKeys(), key)
}

// PrimarySequenceKey is the key an attack-sequence alert is filed under when nothing
// says which of its keys is wanted: its first long-term key, else its first key.
func PrimarySequenceKey(s *AttackSequence) string {
	if keys := s.AccessKeys(); len(keys) > 0 {
		return keys[0]
	}
	return ""
}

// KeyTo files an attack-sequence alert under key, one of the keys its sequence
// involves: AccessKeyID becomes key, and the user fields those of the actor that used
// it. An alert of no sequence, or whose sequence does not involve key, is left as it is.
func (a *Alert) KeyTo(key string) {
	if a.Sequence == nil || a.AccessKeyID == key || !slices.Contains(a.Sequence.AccessKeys(), key) {
		return
	}
	a.UserName, a.IdentityType, a.UserARN, a.Account = a.keyedIdentity(key)
	a.AccessKeyID = key
}

// keyedIdentity is who an attack-sequence alert names when filed under key, one of its
// Keys (KeyTo), without filing it: the alert's own identity for its AccessKeyID, else
// that of the sequence's actor whose credential key is (none when no actor is), in the
// actor's account or else the alert's.
func (a *Alert) keyedIdentity(key string) (user, userType, arn, account string) {
	if a.AccessKeyID == key {
		return a.UserName, a.IdentityType, a.UserARN, a.Account
	}
	account = a.Account
	if act := a.Sequence.actorOfKey(key); act != nil {
		user, userType = act.UserName, act.UserType
		if strings.HasPrefix(act.UserUID, "arn:") {
			arn = act.UserUID
		}
		account = firstNonEmpty(act.Account, a.Account)
	}
	return user, userType, arn, account
}

// sequenceUID is what tells an attack-sequence alert's sequence from others: its UID,
// else (no UID: a sequence of its own) its provider and finding id, marked so that no
// UID can equal it.
func sequenceUID(a *Alert) string {
	if a.Sequence.UID != "" {
		return a.Sequence.UID
	}
	return "\x00" + a.Provider + "/" + a.ID
}

// KeySequence files an attack-sequence alert under the first of the query's keys its
// sequence involves, so that a source asked for the keys of a case keeps it for the
// right one (a sequence of several keys is filed under its long-term key otherwise).
// Sources call it before Matches; it leaves other alerts, and every alert of a query
// for all keys, as they are.
func (q AlertQuery) KeySequence(a *Alert) {
	if a.Sequence == nil {
		return
	}
	for _, k := range q.AccessKeys {
		if a.InvolvesKey(k.String()) {
			a.KeyTo(k.String())
			return
		}
	}
}
