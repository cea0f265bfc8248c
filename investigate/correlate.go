package investigate

import (
	"cmp"
	"slices"
	"sort"
	"time"
)

// CorrelationOptions are the rules of correlation by access key. The defaults are the
// eligibility rules of Elastic's "AWS IAM Long-Term Access Key Correlated with Elevated
// Detection Alerts" rule (facts §1), applied per key instead of per source.ip.
type CorrelationOptions struct {
	// FirstSeenRuleIDs are the rule ids of first-seen alerts (default FirstSeenRuleID).
	FirstSeenRuleIDs []string
	// HigherOrderRuleIDs are rules that correlate other alerts (default CorrelatedKeyRuleID);
	// rules tagged HigherOrderRuleTag count too.
	HigherOrderRuleIDs []string
	// An alert is elevated when its risk score is at least MinRiskScore or its severity
	// at least MinSeverity.
	MinRiskScore float64
	MinSeverity  Severity
	// A key is correlated with at least MinFirstSeen eligible first-seen alerts and
	// MinOthers other eligible alerts (both at least 1).
	MinFirstSeen int
	MinOthers    int
	Window       Window
}

// DefaultCorrelationOptions returns Elastic's thresholds.
func DefaultCorrelationOptions() CorrelationOptions {
	return CorrelationOptions{
		FirstSeenRuleIDs:   []string{FirstSeenRuleID},
		HigherOrderRuleIDs: []string{CorrelatedKeyRuleID},
		MinRiskScore:       DefaultMinRiskScore,
		MinSeverity:        DefaultMinSeverity,
		MinFirstSeen:       1,
		MinOthers:          1,
	}
}

func (o *CorrelationOptions) fill() {
	d := DefaultCorrelationOptions()
	if len(o.FirstSeenRuleIDs) == 0 {
		o.FirstSeenRuleIDs = d.FirstSeenRuleIDs
	}
	if o.HigherOrderRuleIDs == nil {
		o.HigherOrderRuleIDs = d.HigherOrderRuleIDs
	}
	if o.MinSeverity == SeverityUnknown {
		o.MinSeverity = d.MinSeverity
	}
	if o.MinFirstSeen < 1 {
		o.MinFirstSeen = 1
	}
	if o.MinOthers < 1 {
		o.MinOthers = 1
	}
	if o.MinRiskScore == 0 {
		o.MinRiskScore = d.MinRiskScore
	}
}

// Reasons an alert does not count as a sibling.
const (
	ReasonNotOpen      = "workflow status not open"
	ReasonNotSignal    = "event.kind is not signal"
	ReasonNoSourceIP   = "no source.ip"
	ReasonRuleType     = "threat_match or machine_learning rule"
	ReasonDeprecated   = "deprecated rule"
	ReasonHigherOrder  = "higher-order rule"
	ReasonNotElevated  = "below risk and severity thresholds"
	ReasonOutOfWindow  = "outside the window"
	ReasonNoAccessKey  = "no access key"
	ReasonBadAccessKey = "malformed access key"
)

// IsFirstSeen reports whether a is a first-seen alert.
func (o *CorrelationOptions) IsFirstSeen(a *Alert) bool {
	return slices.Contains(o.firstSeen(), a.RuleID)
}

func (o *CorrelationOptions) firstSeen() []string {
	if len(o.FirstSeenRuleIDs) == 0 {
		return []string{FirstSeenRuleID}
	}
	return o.FirstSeenRuleIDs
}

// IsHigherOrder reports whether a was raised by a rule that correlates other alerts.
func (o *CorrelationOptions) IsHigherOrder(a *Alert) bool {
	ids := o.HigherOrderRuleIDs
	if ids == nil {
		ids = []string{CorrelatedKeyRuleID}
	}
	return a.HigherOrder || slices.Contains(ids, a.RuleID) || a.HasTag(HigherOrderRuleTag)
}

// Eligible applies the rule's filters to one alert. It returns "" when the alert counts,
// or the first reason it does not.
func (o *CorrelationOptions) Eligible(a *Alert) string {
	switch {
	case !o.Window.Contains(a.Time):
		return ReasonOutOfWindow
	case o.IsHigherOrder(a):
		return ReasonHigherOrder
	case a.Status != "" && NormalizeWorkflowStatus(a.Status) != WorkflowOpen:
		// An export without the status column (an ES|QL row) is not excluded for it.
		return ReasonNotOpen
	case a.Sequence != nil:
		return ReasonAttackSequence
	case a.Kind != "" && a.Kind != ElasticSignalKind:
		return ReasonNotSignal
	case a.SourceIP == "":
		return ReasonNoSourceIP
	case a.RuleType == RuleTypeThreatMatch || a.RuleType == RuleTypeMachineLearn:
		return ReasonRuleType
	case a.IsDeprecated():
		return ReasonDeprecated
	case !o.elevated(a):
		return ReasonNotElevated
	}
	return ""
}

func (o *CorrelationOptions) elevated(a *Alert) bool {
	minRisk := o.MinRiskScore
	if minRisk == 0 {
		minRisk = DefaultMinRiskScore
	}
	minSev := o.MinSeverity
	if minSev == SeverityUnknown {
		minSev = DefaultMinSeverity
	}
	return a.RiskScore >= minRisk || a.Severity >= minSev
}

// FirstSeenRef is one first-seen alert of a key: the new source address.
type FirstSeenRef struct {
	AlertID string    `json:"alert_id"`
	IP      string    `json:"ip"`
	ASOrg   string    `json:"as_org,omitempty"`
	Country string    `json:"country,omitempty"`
	Time    time.Time `json:"time"`
}

// RuleCount is one distinct sibling rule of a key.
type RuleCount struct {
	RuleID   string   `json:"rule_id"`
	RuleName string   `json:"rule_name"`
	Severity Severity `json:"severity"`
	Count    int      `json:"count"`
	Provider string   `json:"provider,omitempty"`
}

// KeySummary is one access key's standing after correlation. Its size depends on the
// number of distinct rules and first-seen addresses of the key, never on its alert count.
type KeySummary struct {
	Key AccessKeyID `json:"key"`
	// Correlated keys are ranked. Basis says why: Elastic's rule (a first-seen alert and
	// elevated siblings), or an elevated GuardDuty or Security Hub finding about the key,
	// which is itself a detection of the key's misuse.
	Correlated bool   `json:"correlated"`
	Basis      string `json:"basis,omitempty"`
	// AWSFindings counts the elevated GuardDuty and Security Hub findings among the siblings.
	AWSFindings int `json:"aws_findings,omitempty"`
	// FirstSeen lists up to maxFirstSeenRefs first-seen alerts; FirstSeenCount counts all
	// those the rule counts.
	FirstSeen      []FirstSeenRef `json:"first_seen"`
	FirstSeenCount int            `json:"first_seen_count"`
	// SiblingCount counts the other alerts of this key itself that the rule counts (the
	// counted siblings); Rules lists their distinct rules. A ranking cannot know which
	// session keys and child keys belong to the key, so their alerts are not counted
	// here: the key's case counts them apart (Counts.Key is this count, Counts.Lineage
	// theirs). Read these counts through SummaryCounts.
	SiblingCount int         `json:"sibling_count"`
	Rules        []RuleCount `json:"sibling_rules"`
	MaxSeverity  Severity    `json:"max_severity"`
	MaxRisk      float64     `json:"max_risk_score"`
	FirstAlert   time.Time   `json:"first_alert"`
	LastAlert    time.Time   `json:"last_alert"`
	User         string      `json:"user,omitempty"`
	UserARN      string      `json:"user_arn,omitempty"`
	Account      string      `json:"account,omitempty"`
	Providers    []string    `json:"providers,omitempty"`
	// HigherOrderAlerts are ids of higher-order alerts mapped to this key through the
	// source.ip of its first-seen alerts, or through an identity they name: the key, its
	// user's ARN or name (higherorder.go).
	HigherOrderAlerts []string `json:"higher_order_alerts,omitempty"`
	// Status and LastUsed (the key's last activity, from IAM) are filled by an owner
	// lookup when one is configured.
	Status   string    `json:"status,omitempty"`
	LastUsed *LastUsed `json:"last_used,omitempty"`
	// AttackSequences lists up to maxSequenceRefs open attack-sequence findings that
	// involve the key (GuardDuty Extended Threat Detection); AttackSequenceCount counts
	// them all. They are not siblings (sequence_rank.go).
	AttackSequences     []SequenceRef `json:"attack_sequences,omitempty"`
	AttackSequenceCount int           `json:"attack_sequence_count,omitempty"`
}

const maxFirstSeenRefs = 20

// Why a key is correlated (KeySummary.Basis).
const (
	BasisFirstSeen  = "first-seen-and-siblings" // Elastic's rule, by key
	BasisAWSFinding = "aws-finding"             // an elevated GuardDuty or Security Hub finding
)

// IsAWSFinding says whether an alert is an AWS-native finding (GuardDuty, Security Hub).
func (a *Alert) IsAWSFinding() bool {
	return a.Provider == ProviderGuardDuty || a.Provider == ProviderSecurityHub
}

// CorrelationStats counts what the correlation read and why alerts did not count.
type CorrelationStats struct {
	Alerts      int            `json:"alerts"`
	Eligible    int            `json:"eligible"`
	HigherOrder int            `json:"higher_order"`
	Ineligible  map[string]int `json:"ineligible"`
	Keys        int            `json:"keys"`
	// Unchecked counts counted alerts whose export lacked the workflow status or
	// event.kind (an ES|QL export without those columns): Elastic's rule would check them.
	Unchecked int `json:"counted_unchecked,omitempty"`
	// AttackSequences counts the open attack-sequence findings that ranked keys.
	AttackSequences int `json:"attack_sequences,omitempty"`
}

// Correlator groups alerts by access key as they stream in. Its memory grows with the
// number of keys (and their distinct rules and first-seen addresses), not with alerts.
type Correlator struct {
	opts  CorrelationOptions
	keys  map[string]*keyAgg
	ipKey map[string]map[string]struct{} // first-seen source.ip -> keys
	ents  entityIndex                    // ARNs and user names of keys -> keys
	ho    []higherOrderRef
	stats CorrelationStats
	// seqSeen holds key and sequence UID of the attack sequences counted (addSequence).
	seqSeen map[string]struct{}

	unmappedIDs []string
}

type keyAgg struct {
	KeySummary
	rules map[string]*RuleCount
}

// agg is the tally of key, started when the key has none yet.
func (c *Correlator) agg(key AccessKeyID) *keyAgg {
	k := c.keys[key.String()]
	if k == nil {
		k = &keyAgg{KeySummary: KeySummary{Key: key}, rules: map[string]*RuleCount{}}
		c.keys[key.String()] = k
	}
	return k
}

// seenAt widens the key's first and last alert times to take in t.
func (k *keyAgg) seenAt(t time.Time) {
	if k.FirstAlert.IsZero() || t.Before(k.FirstAlert) {
		k.FirstAlert = t
	}
	if t.After(k.LastAlert) {
		k.LastAlert = t
	}
}

type higherOrderRef struct {
	id   string
	ips  []string
	ents []string // the identities it names (alertEntities)
}

// NewCorrelator starts a correlation with opts (zero fields take the defaults).
func NewCorrelator(opts CorrelationOptions) *Correlator {
	opts.fill()
	return &Correlator{
		opts:  opts,
		keys:  map[string]*keyAgg{},
		ipKey: map[string]map[string]struct{}{},
		ents:  entityIndex{},
		stats: CorrelationStats{Ineligible: map[string]int{}},
	}
}

// Options returns the options in effect.
func (c *Correlator) Options() CorrelationOptions { return c.opts }

// Add takes a batch of alerts. It is not safe for concurrent use.
func (c *Correlator) Add(alerts []Alert) {
	for i := range alerts {
		c.add(&alerts[i])
	}
}

func (c *Correlator) add(a *Alert) {
	c.stats.Alerts++
	o := &c.opts
	if o.IsHigherOrder(a) {
		if !o.Window.Contains(a.Time) {
			c.stats.Ineligible[ReasonOutOfWindow]++
			return
		}
		c.stats.HigherOrder++
		c.ho = append(c.ho, higherOrderRef{id: a.ID, ips: groupedIPs(a), ents: alertEntities(a)})
		return
	}
	if a.Sequence != nil {
		c.addSequence(a)
		return
	}
	key := a.AccessKeyID
	c.noteIdentity(a)
	firstSeen := o.IsFirstSeen(a)
	if firstSeen && a.SourceIP != "" && IsAccessKeyID(key) && o.Window.Contains(a.Time) {
		// Any first-seen alert maps its address to the key, for higher-order alerts.
		m := c.ipKey[a.SourceIP]
		if m == nil {
			m = map[string]struct{}{}
			c.ipKey[a.SourceIP] = m
		}
		m[key] = struct{}{}
	}
	if reason := o.Eligible(a); reason != "" {
		c.stats.Ineligible[reason]++
		return
	}
	if key == "" {
		c.stats.Ineligible[ReasonNoAccessKey]++
		return
	}
	keyID, err := ParseAccessKeyID(key)
	if err != nil || keyID.String() != key {
		c.stats.Ineligible[ReasonBadAccessKey]++
		return
	}
	c.stats.Eligible++
	if !a.IsAWSFinding() && (a.Status == "" || a.Kind == "") {
		c.stats.Unchecked++
	}
	k := c.agg(keyID)
	k.seenAt(a.Time)
	if k.User == "" && a.UserName != "" {
		k.User = a.UserName
	}
	if k.UserARN == "" && a.UserARN != "" {
		k.UserARN = a.UserARN
	}
	if k.Account == "" && a.Account != "" {
		k.Account = a.Account
	}
	k.Providers = appendUnique(k.Providers, a.Provider)
	if firstSeen {
		k.FirstSeenCount++
		if len(k.FirstSeen) < maxFirstSeenRefs {
			k.FirstSeen = append(k.FirstSeen, FirstSeenRef{AlertID: a.ID, IP: a.SourceIP, ASOrg: a.ASOrg, Country: a.Country, Time: a.Time})
		}
		return
	}
	k.SiblingCount++
	if a.IsAWSFinding() {
		k.AWSFindings++
	}
	if a.Severity > k.MaxSeverity {
		k.MaxSeverity = a.Severity
	}
	if a.RiskScore > k.MaxRisk {
		k.MaxRisk = a.RiskScore
	}
	id := a.RuleID
	if id == "" {
		id = a.RuleName
	}
	r := k.rules[id]
	if r == nil {
		r = &RuleCount{RuleID: a.RuleID, RuleName: a.RuleName, Provider: a.Provider}
		k.rules[id] = r
	}
	r.Count++
	if a.Severity > r.Severity {
		r.Severity = a.Severity
	}
}

// CorrelationResult is the ranked outcome of a correlation.
type CorrelationResult struct {
	// Keys are correlated keys, ranked; with first-seen-only keys after them when asked.
	Keys  []KeySummary     `json:"keys"`
	Stats CorrelationStats `json:"stats"`
	// UnmappedHigherOrder lists higher-order alerts whose addresses match no first-seen
	// alert and whose identities name no key.
	UnmappedHigherOrder []string `json:"unmapped_higher_order,omitempty"`
}

// Result ranks the keys: those correlated by Elastic's rule or flagged by an elevated
// GuardDuty or Security Hub finding. With firstSeenOnly, keys that have first-seen alerts
// but too few siblings are listed after them.
func (c *Correlator) Result(firstSeenOnly bool) CorrelationResult {
	for _, h := range c.ho {
		mapped := false
		for _, ip := range h.ips {
			for key := range c.ipKey[ip] {
				k := c.agg(MustParseAccessKeyID(key)) // ipKey holds only keys that passed add's check
				if !slices.Contains(k.HigherOrderAlerts, h.id) {
					k.HigherOrderAlerts = append(k.HigherOrderAlerts, h.id)
				}
				mapped = true
			}
		}
		if c.tieByEntities(h.id, h.ents) {
			mapped = true
		}
		if !mapped {
			c.unmapped(h.id)
		}
	}
	res := CorrelationResult{Stats: c.stats}
	res.UnmappedHigherOrder = c.unmappedIDs
	c.unmappedIDs = nil
	for _, k := range c.keys {
		s := k.KeySummary
		s.Rules = make([]RuleCount, 0, len(k.rules))
		for _, r := range k.rules {
			s.Rules = append(s.Rules, *r)
		}
		sort.Slice(s.Rules, func(i, j int) bool {
			a, b := s.Rules[i], s.Rules[j]
			if a.Severity != b.Severity {
				return a.Severity > b.Severity
			}
			if a.Count != b.Count {
				return a.Count > b.Count
			}
			return a.RuleName < b.RuleName
		})
		switch {
		case s.AttackSequenceCount > 0:
			s.Correlated, s.Basis = true, BasisAttackSequence
		case s.FirstSeenCount >= c.opts.MinFirstSeen && s.SiblingCount >= c.opts.MinOthers:
			s.Correlated, s.Basis = true, BasisFirstSeen
		case s.AWSFindings > 0:
			s.Correlated, s.Basis = true, BasisAWSFinding
		}
		if s.Correlated || (firstSeenOnly && s.FirstSeenCount > 0) {
			res.Keys = append(res.Keys, s)
		}
	}
	res.Stats.Keys = len(c.keys)
	SortKeys(res.Keys)
	return res
}

func (c *Correlator) unmapped(id string) {
	if !slices.Contains(c.unmappedIDs, id) {
		c.unmappedIDs = append(c.unmappedIDs, id)
	}
}

// SortKeys ranks keys: correlated first, those with an attack sequence before the others,
// then highest sibling severity, most distinct sibling rules, most recent alert, and key
// id for a stable order.
func SortKeys(keys []KeySummary) {
	slices.SortStableFunc(keys, func(a, b KeySummary) int {
		return cmp.Or(trueFirst(a.Correlated, b.Correlated), trueFirst(a.AttackSequenceCount > 0, b.AttackSequenceCount > 0), cmp.Compare(b.MaxSeverity, a.MaxSeverity),
			cmp.Compare(len(b.Rules), len(a.Rules)), b.LastAlert.Compare(a.LastAlert), a.Key.Compare(b.Key))
	})
}

// trueFirst orders true before false, for sorts.
func trueFirst(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}
