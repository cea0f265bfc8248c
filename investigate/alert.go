package investigate

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Rule ids of the Elastic Security rules keypivot's workflow starts from (facts §1).
// They are stable across deployments; match rules by rule_id, never by name or uuid.
const (
	FirstSeenRuleID       = "9f8e3c5e-f72e-4e91-93f6-e98a4fae3e4f"
	CorrelatedKeyRuleID   = "98cfaa44-83f0-4aba-90c4-363fb9d51a75"
	HigherOrderRuleTag    = "Rule Type: Higher-Order Rule"
	ElasticSignalKind     = "signal"
	DeprecatedRulePrefix  = "Deprecated - "
	DefaultMinRiskScore   = 47
	DefaultMinSeverity    = SeverityMedium
	ProviderElastic       = "elastic"
	ProviderGuardDuty     = "guardduty"
	ProviderSecurityHub   = "securityhub"
	RuleTypeThreatMatch   = "threat_match"
	RuleTypeMachineLearn  = "machine_learning"
	WorkflowOpen          = "open"
	WorkflowAcknowledged  = "acknowledged"
	WorkflowClosed        = "closed"
	legacyWorkflowInProg  = "in-progress"
	severityUnknownString = "unknown"
)

// Severity is an alert's severity, ordered.
type Severity int

const (
	SeverityUnknown Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{severityUnknownString, "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return severityUnknownString
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name case-insensitively (low, medium, high, critical;
// Security Hub's INFORMATIONAL counts as low).
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "low", "informational", "info":
		return SeverityLow, nil
	case "medium", "moderate":
		return SeverityMedium, nil
	case "high":
		return SeverityHigh, nil
	case "critical":
		return SeverityCritical, nil
	case "", "unknown":
		return SeverityUnknown, nil
	}
	return SeverityUnknown, fmt.Errorf("unknown severity %q (want low, medium, high or critical)", s)
}

func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

func (s *Severity) UnmarshalJSON(p []byte) error {
	var str string
	if err := json.Unmarshal(p, &str); err != nil {
		return err
	}
	v, err := ParseSeverity(str)
	*s = v
	return err
}

// NormalizeWorkflowStatus maps the statuses of every source onto open, acknowledged
// and closed (Elastic's legacy "in-progress" is acknowledged).
func NormalizeWorkflowStatus(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "open", "new":
		return WorkflowOpen
	case "acknowledged", legacyWorkflowInProg, "notified", "in_progress", "assigned", "deferred":
		return WorkflowAcknowledged
	case "closed", "resolved", "suppressed", "archived":
		return WorkflowClosed
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// Alert is one security alert or finding, from any source, mapped onto one model.
type Alert struct {
	ID       string   `json:"alert_id"`         // kibana.alert.uuid (= _id), GuardDuty finding id, ASFF Id
	Index    string   `json:"index,omitempty"`  // _index for Elastic alerts
	Provider string   `json:"provider"`         // elastic, guardduty, securityhub
	Origin   string   `json:"origin,omitempty"` // where it was read: path:line, URL
	RuleID   string   `json:"rule_id"`          // kibana.alert.rule.rule_id, GuardDuty type, ASFF GeneratorId
	RuleName string   `json:"rule_name"`        //
	RuleUUID string   `json:"rule_uuid,omitempty"`
	RuleType string   `json:"rule_type,omitempty"` // query, eql, esql, new_terms, threat_match, machine_learning, ...
	Tags     []string `json:"rule_tags,omitempty"`

	Severity  Severity  `json:"severity"`
	RiskScore float64   `json:"risk_score"`
	Status    string    `json:"status"` // open, acknowledged, closed
	Kind      string    `json:"event_kind,omitempty"`
	Time      time.Time `json:"time"`
	Reason    string    `json:"reason,omitempty"`

	AccessKeyID  string   `json:"access_key_id,omitempty"`
	SourceIP     string   `json:"source_ip,omitempty"`
	ASOrg        string   `json:"source_as_org,omitempty"`
	Country      string   `json:"source_country,omitempty"`
	UserAgent    string   `json:"user_agent,omitempty"`
	UserName     string   `json:"user_name,omitempty"`
	UserARN      string   `json:"user_arn,omitempty"`
	IdentityType string   `json:"identity_type,omitempty"`
	Account      string   `json:"account,omitempty"`
	Region       string   `json:"region,omitempty"`
	Action       string   `json:"event_action,omitempty"`
	NewTerms     []string `json:"new_terms,omitempty"`
	// EventID is the CloudTrail eventID of the event the alert was raised on
	// (kibana.alert.original_event.id); "" for alerts on no single event (higher-order,
	// threshold, machine-learning alerts, findings).
	EventID string `json:"event_id,omitempty"`

	// HigherOrder is set on alerts of rules that correlate other alerts.
	HigherOrder bool `json:"higher_order,omitempty"`
	// GroupedIPs lists the source.ip values a higher-order alert grouped by.
	GroupedIPs []string `json:"grouped_ips,omitempty"`
	// SiblingRuleIDs are the rule ids a higher-order alert names (Esql.kibana_alert_rule_id_values).
	SiblingRuleIDs []string `json:"sibling_rule_ids,omitempty"`
	// UserEntities are the identities a higher-order alert names besides its addresses:
	// Esql.user_entity_id_values (user.entity.id, which Elastic's AWS integration fills
	// with the caller's ARN) and the ARNs, user names and access key ids of other
	// Esql.*_values columns. They tie the alert to keys besides the first-seen addresses
	// (HigherOrderTie).
	UserEntities []string `json:"user_entities,omitempty"`

	// RuleDescription is what the rule looks for, in its author's words
	// (kibana.alert.rule.description); Threats the MITRE ATT&CK tactics and techniques the
	// rule maps to (kibana.alert.rule.threat). Both are empty when the alert does not
	// carry them (a ranking's reads leave them out, and GuardDuty and Security Hub
	// findings have no rule of this kind: their description is Reason).
	RuleDescription string   `json:"rule_description,omitempty"`
	Threats         []Threat `json:"rule_threat,omitempty"`

	// Sequence is the attack sequence of a GuardDuty Extended Threat Detection finding
	// (Service.Detection.Sequence; ASFF Detection.Sequence), nil for other alerts. Such
	// an alert is filed under one of the keys the sequence involves (AccessKeyID; Keys
	// lists them all) and ranked on its own basis (sequence.go).
	Sequence *AttackSequence `json:"attack_sequence,omitempty"`

	// Raw is the alert's document as its source gave it (Elastic's _source, a GuardDuty
	// or Security Hub finding), for the analyst to read: at most MaxRawDocument bytes of
	// it (see KeepRaw); RawSize is the whole document's size, so Raw was cut when RawSize
	// > len(Raw). Sources fill it when asked for the alerts of given keys (a case), not
	// for a ranking, which keeps no alert; nil when the source has no document to give.
	// Never serialised: it can be cut mid-value.
	Raw     json.RawMessage `json:"-"`
	RawSize int             `json:"-"`
}

// IsDeprecated reports whether the rule's name marks it deprecated.
func (a *Alert) IsDeprecated() bool { return strings.HasPrefix(a.RuleName, DeprecatedRulePrefix) }

// HasTag reports whether the rule carries tag (case-insensitive).
func (a *Alert) HasTag(tag string) bool {
	for _, t := range a.Tags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}
