package investigate

import "time"

// BasisAttackSequence ranks a key that an open attack-sequence finding involves
// (KeySummary.Basis). A sequence is AWS's own correlation of several signals of the key
// (its findings, its API calls, over up to 24 hours) into one attack: stronger evidence
// than one elevated finding (BasisAWSFinding), and evidence Elastic's rule
// (BasisFirstSeen) cannot give, since it needs no first-seen alert. A key with one is
// ranked before every key without one, and named for it even when it also meets
// Elastic's rule; its first-seen alerts and siblings are counted as ever beside it.
const BasisAttackSequence = "attack-sequence"

// ReasonAttackSequence is why an attack-sequence finding is not a counted sibling: it is
// counted apart, as the key's attack sequences (a sequence has no single source.ip for
// Elastic's rule to group, and correlates the very alerts it would be counted with).
const ReasonAttackSequence = "attack sequence: counted apart"

// SequenceRef is one attack sequence of a key in a ranking.
type SequenceRef struct {
	FindingID string    `json:"finding_id"`
	Provider  string    `json:"provider"`
	Type      string    `json:"type"`
	Severity  Severity  `json:"severity"`
	Time      time.Time `json:"time"`
	Signals   int       `json:"signals"`
}

// maxSequenceRefs bounds the sequences a key summary lists; AttackSequenceCount counts all.
const maxSequenceRefs = 10

// addSequence ranks the keys an attack-sequence finding involves: every one of them,
// since a ranking cannot tell which is the case's. A finding outside the window or not
// open is not counted (for the reason an alert would not be); the same sequence read
// from GuardDuty and from Security Hub (one UID) counts once per key.
func (c *Correlator) addSequence(a *Alert) {
	o := &c.opts
	switch {
	case !o.Window.Contains(a.Time):
		c.stats.Ineligible[ReasonOutOfWindow]++
		return
	case a.Status != "" && NormalizeWorkflowStatus(a.Status) != WorkflowOpen:
		c.stats.Ineligible[ReasonNotOpen]++
		return
	}
	if c.seqSeen == nil {
		c.seqSeen = map[string]struct{}{}
	}
	uid := sequenceUID(a)
	counted := false
	for _, key := range a.Keys() {
		keyID, err := ParseAccessKeyID(key)
		if err != nil || keyID.String() != key {
			continue
		}
		counted = true
		if _, dup := c.seqSeen[key+"\x00"+uid]; dup {
			continue
		}
		c.seqSeen[key+"\x00"+uid] = struct{}{}
		k := c.agg(keyID)
		k.AttackSequenceCount++
		if len(k.AttackSequences) < maxSequenceRefs {
			k.AttackSequences = append(k.AttackSequences, SequenceRef{FindingID: a.ID, Provider: a.Provider, Type: a.RuleID,
				Severity: a.Severity, Time: a.Time, Signals: len(a.Sequence.Signals)})
		}
		k.seenAt(a.Time)
		// Who the alert names filed under key (KeyTo): key is one of a.Keys().
		user, _, arn, account := a.keyedIdentity(key)
		if k.User == "" {
			k.User = user
		}
		if k.UserARN == "" {
			k.UserARN = arn
		}
		if k.Account == "" {
			k.Account = account
		}
		k.Providers = appendUnique(k.Providers, a.Provider)
	}
	if !counted {
		c.stats.Ineligible[ReasonNoAccessKey]++
		return
	}
	c.stats.AttackSequences++
}

// WorstSeverity is the worst severity of what the key is ranked on: its counted siblings
// and the attack sequences that involve it (a sequence is counted apart, never as a
// sibling, but a key ranked on a critical one is critical). ok is false when it has
// neither. Every face shows this, so that the ranking reads the same in each.
func (k *KeySummary) WorstSeverity() (sev Severity, ok bool) {
	if SummaryCounts(k).Siblings > 0 {
		sev, ok = k.MaxSeverity, true
	}
	for _, q := range k.AttackSequences {
		if !ok || q.Severity > sev {
			sev, ok = q.Severity, true
		}
	}
	return sev, ok
}
