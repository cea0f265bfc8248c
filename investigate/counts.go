package investigate

import (
	"fmt"
	"strings"
)

// The counts every face prints about a key and its case, each defined once here: the
// keys list, the case's screens, and the text, Markdown and JSON reports all take them
// from CaseCounts and SummaryCounts, so that a number means the same thing wherever it
// is shown.
//
// Two alert counts differ between a ranking and a case for a reason: a ranking reads
// alerts only and cannot know that a session key (ASIA...) or an access key the key
// created belongs to it, so it counts the alerts raised for the key itself; a case
// follows the key's lineage and counts those of its derived sessions and child keys too.
// They are named apart: Counts.Key is what the ranking counts (the same numbers, by the
// same rule), Counts.Lineage what the case adds.

// CorrelationCounts are what Elastic's correlation rule, applied to one key, counts:
// the numbers a key ranking shows for a key.
type CorrelationCounts struct {
	// FirstSeen counts the key's first-seen alerts ("AWS IAM Long-Term Access Key First
	// Seen from Source IP") that the rule counts (CorrelationOptions.Eligible: open, a
	// signal, with a source.ip, ...).
	FirstSeen int `json:"first_seen_count"`
	// Siblings counts the key's other alerts that the rule counts: elevated (risk or
	// severity at the thresholds), open, with a source.ip, of no deprecated,
	// machine-learning, threat-match or higher-order rule. The keys list's SIBL.
	Siblings int `json:"sibling_count"`
	// HigherOrder counts the higher-order alerts mapped to the key through the source.ip
	// of its first-seen alerts.
	HigherOrder int `json:"higher_order_count"`
}

// SummaryCounts are a ranked key's counts. They equal CaseCounts(c).Key for the case of
// that key built from the same alerts: both count with the same CorrelationOptions.
func SummaryCounts(s *KeySummary) CorrelationCounts {
	return CorrelationCounts{FirstSeen: s.FirstSeenCount, Siblings: s.SiblingCount, HigherOrder: len(s.HigherOrderAlerts)}
}

// Counted is the number of alerts the rule counts: first-seen alerts and siblings.
func (n CorrelationCounts) Counted() int { return n.FirstSeen + n.Siblings }

// IsZero reports whether nothing was counted.
func (n CorrelationCounts) IsZero() bool { return n == CorrelationCounts{} }

// Text writes the counts as a phrase: "1 first-seen alert, 5 counted siblings,
// 1 higher-order alert".
func (n CorrelationCounts) Text() string {
	return Plural(n.FirstSeen, "first-seen alert") + ", " + Plural(n.Siblings, "counted sibling") + ", " +
		Plural(n.HigherOrder, "higher-order alert")
}

// Labels of the two groups of a case's alerts, for the faces that print them apart.
const (
	KeyAlertsLabel     = "the key itself"
	LineageAlertsLabel = "its sessions and child keys"
)

// Counts are a case's counts (CaseCounts). Its JSON form is the case report's "counts"
// object (docs/case-schema.md).
type Counts struct {
	// Alerts counts every alert of the case: those raised for the key, its derived
	// sessions and its child keys (Case.Siblings), and the higher-order alerts mapped to
	// them (Case.HigherOrderAlerts). It is what Completeness.Alerts.Found counts and the
	// number of rows an alert list shows.
	Alerts int `json:"alerts"`
	// HigherOrderAlerts counts the higher-order alerts among Alerts.
	HigherOrderAlerts int `json:"higher_order_alerts"`
	// OpenAlerts counts the alerts whose workflow status is open.
	OpenAlerts int `json:"open_alerts"`
	// ElevatedAlerts counts the alerts whose risk score or severity reach the
	// correlation's thresholds (Sibling.Elevated), counted by the rule or not.
	ElevatedAlerts int `json:"elevated_alerts"`
	// CountedAlerts counts the alerts the correlation rule counts: the first-seen alerts
	// and siblings of Key and Lineage (higher-order alerts are not counted).
	CountedAlerts int `json:"counted_alerts"`
	// Key is what the rule counts for the case key itself: what a ranking shows for it.
	Key CorrelationCounts `json:"key"`
	// Lineage is what it counts for the key's derived sessions and child keys (the
	// alerts raised for them, and the higher-order alerts mapped through their
	// first-seen alerts only).
	Lineage CorrelationCounts `json:"lineage"`

	// Events counts every event of the case (Case.Events, the timeline):
	// KeyEvents + SessionEvents + ChildEvents + OtherEvents.
	Events int `json:"events"`
	// KeyEvents counts the events the key signed itself.
	KeyEvents int `json:"key_events"`
	// SessionEvents counts those its derived sessions signed (not through a child key).
	SessionEvents int `json:"session_events"`
	// ChildEvents counts those the access keys it created signed, with their sessions
	// and their own children.
	ChildEvents int `json:"child_events"`
	// OtherEvents counts the launches other signers made with the key's key pairs.
	OtherEvents int `json:"other_events"`

	// Sessions counts the derived sessions (Case.Sessions); ChildKeys the access keys the
	// key's lineage created (Case.CreatedAccessKeys).
	Sessions  int `json:"sessions"`
	ChildKeys int `json:"child_keys"`
	// KeyPairs, Launches and Instances count the EC2 follow-ups; FailedLaunches the
	// launches that failed (an error code).
	KeyPairs       int `json:"key_pairs"`
	Launches       int `json:"launches"`
	FailedLaunches int `json:"failed_launches"`
	Instances      int `json:"instances"`
	// Artifacts counts what the lineage left behind (Case.Artifacts).
	Artifacts int `json:"artifacts"`
}

// CaseCounts counts a case. It is a pure function of the case: faces call it rather
// than count themselves.
func CaseCounts(c *Case) Counts {
	n := Counts{
		Alerts:            len(c.Siblings) + len(c.HigherOrderAlerts),
		HigherOrderAlerts: len(c.HigherOrderAlerts),
		Events:            len(c.Events),
		KeyEvents:         c.EventCount,
		SessionEvents:     c.SessionEventCount,
		ChildEvents:       c.ChildEventCount,
		OtherEvents:       c.OtherEventCount,
		Sessions:          len(c.Sessions),
		ChildKeys:         len(c.CreatedAccessKeys),
		KeyPairs:          len(c.FollowUps.KeyPairs),
		Launches:          len(c.FollowUps.Launches),
		Instances:         len(c.FollowUps.Instances),
		Artifacts:         len(c.Artifacts),
	}
	for i := range c.FollowUps.Launches {
		if c.FollowUps.Launches[i].ErrorCode != "" {
			n.FailedLaunches++
		}
	}
	for i := range c.Siblings {
		s := &c.Siblings[i]
		n.countStatus(s)
		if !s.Eligible {
			continue
		}
		g := n.group(s)
		if s.FirstSeen {
			g.FirstSeen++
		} else {
			g.Siblings++
		}
	}
	for i := range c.HigherOrderAlerts {
		s := &c.HigherOrderAlerts[i]
		n.countStatus(s)
		n.group(s).HigherOrder++
	}
	n.CountedAlerts = n.Key.Counted() + n.Lineage.Counted()
	return n
}

func (n *Counts) countStatus(s *Sibling) {
	if NormalizeWorkflowStatus(s.Status) == WorkflowOpen {
		n.OpenAlerts++
	}
	if s.Elevated {
		n.ElevatedAlerts++
	}
}

// group is the counts s adds to: the key's own, or its lineage's.
func (n *Counts) group(s *Sibling) *CorrelationCounts {
	if s.OwnKey() {
		return &n.Key
	}
	return &n.Lineage
}

// AlertsText writes the alert counts as one phrase: "15 alerts (2 higher-order),
// 14 open, 13 elevated, 9 counted" (counted: by the correlation rule).
func (n Counts) AlertsText() string {
	s := Plural(n.Alerts, "alert")
	if n.HigherOrderAlerts > 0 {
		s += fmt.Sprintf(" (%s higher-order)", Thousands(n.HigherOrderAlerts))
	}
	return s + fmt.Sprintf(", %s open, %s elevated, %s counted", Thousands(n.OpenAlerts), Thousands(n.ElevatedAlerts), Thousands(n.CountedAlerts))
}

// AlertGroups are the rule's counts by whose the alerts are, each a label and a phrase:
// the key itself always, its sessions and child keys when they have any.
func (n Counts) AlertGroups() [][2]string {
	groups := [][2]string{{KeyAlertsLabel, n.Key.Text()}}
	if !n.Lineage.IsZero() {
		groups = append(groups, [2]string{LineageAlertsLabel, n.Lineage.Text()})
	}
	return groups
}

// EventParts are the event counts by whose the events are, each a phrase: "766 events
// by the key", "40 by 4 derived sessions", "12 by 1 access key it created", "1 launch
// by others with its key pairs". Sessions, child keys and other signers appear when
// there are any.
func (n Counts) EventParts() []string {
	parts := []string{Plural(n.KeyEvents, "event") + " by the key"}
	if n.Sessions > 0 {
		parts = append(parts, Thousands(n.SessionEvents)+" by "+Plural(n.Sessions, "derived session"))
	}
	if n.ChildKeys > 0 || n.ChildEvents > 0 {
		parts = append(parts, Thousands(n.ChildEvents)+" by "+Plural(n.ChildKeys, "access key")+" it created")
	}
	if n.OtherEvents > 0 {
		parts = append(parts, Plural(n.OtherEvents, "launch")+" by others with its key pairs")
	}
	return parts
}

// LineageText writes the lineage's size: "4 derived sessions, 1 child key".
func (n Counts) LineageText() string {
	return Plural(n.Sessions, "derived session") + ", " + Plural(n.ChildKeys, "child key")
}

// FollowUpsText writes the EC2 follow-ups' counts: "2 key pairs, 6 launches (2 failed),
// 5 instances".
func (n Counts) FollowUpsText() string {
	l := Plural(n.Launches, "launch")
	if n.FailedLaunches > 0 {
		l += fmt.Sprintf(" (%s failed)", Thousands(n.FailedLaunches))
	}
	return strings.Join([]string{Plural(n.KeyPairs, "key pair"), l, Plural(n.Instances, "instance")}, ", ")
}
