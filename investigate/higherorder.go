package investigate

import (
	"slices"
	"strings"
)

// Elastic's higher-order rule ("AWS IAM Long-Term Access Key Correlated with Elevated
// Detection Alerts") groups alerts by source.ip, not by key (facts §1). Its alert is tied
// to a key in two ways: a first-seen alert of the key at one of the addresses it groups,
// or an identity its ES|QL output names (Esql.user_entity_id_values: user.entity.id,
// which Elastic's AWS integration fills with the caller's ARN) that is the key itself,
// its user's ARN or its user's name. The second ties alerts whose first-seen alert lies
// outside what was read, or whose addresses differ from the first-seen one.

// How a higher-order alert is tied to a key (HigherOrderTie.By).
const (
	// TieFirstSeenIP: a first-seen alert of the key at an address the alert groups.
	TieFirstSeenIP = "first-seen-ip"
	// TieUserEntity: an identity the alert names is the key, its user's ARN or name.
	TieUserEntity = "user-entity"
)

// HigherOrderTie is one reason a higher-order alert belongs to a key: the mapping that
// tied it (By), the value that matched (the address, or the identity the alert names),
// and the key it tied the alert to.
type HigherOrderTie struct {
	By    string `json:"by"`
	Value string `json:"value"`
	Key   string `json:"key"`
}

// String says what tied the alert: "first-seen alert at 203.0.113.9", "user entity
// arn:aws:iam::123456789012:user/deploy-bot".
func (t HigherOrderTie) String() string {
	switch t.By {
	case TieFirstSeenIP:
		return "first-seen alert at " + t.Value
	case TieUserEntity:
		return "user entity " + t.Value
	}
	return t.By + " " + t.Value
}

// TiesText joins ties for one line of a report: "first-seen alert at 203.0.113.9;
// user entity arn:...", each once (an ARN can tie an alert to several keys of one user).
func TiesText(ties []HigherOrderTie) string {
	var parts []string
	for _, t := range ties {
		parts = appendUnique(parts, t.String())
	}
	return strings.Join(parts, "; ")
}

// entityIndex maps the identities of keys (their ARNs and user names) to the keys.
// Its size grows with the keys and their identities, never with alerts.
type entityIndex map[string][]string

// entityKey normalises an identity a higher-order alert may name: an access key as it
// is, an ARN or a user name case-folded (IAM names are unique case-insensitively).
func entityKey(ident string) string {
	ident = strings.TrimSpace(ident)
	switch {
	case ident == "":
		return ""
	case IsAccessKeyID(ident):
		return "key " + ident
	}
	if l := strings.ToLower(ident); strings.HasPrefix(l, "arn:") {
		return "arn " + l
	}
	return "name " + strings.ToLower(ident)
}

// add records that ident (an ARN or a user name) belongs to key.
func (x entityIndex) add(key, ident string) {
	k := entityKey(ident)
	if k == "" || key == "" || IsAccessKeyID(strings.TrimSpace(ident)) {
		return
	}
	if !slices.Contains(x[k], key) {
		x[k] = append(x[k], key)
	}
}

// keysOf returns the keys an identity names: the key itself when it is one and known
// (known reports whether a key is), else the keys whose ARN or user name it is.
func (x entityIndex) keysOf(ident string, known func(string) bool) []string {
	ident = strings.TrimSpace(ident)
	if IsAccessKeyID(ident) {
		if known(ident) {
			return []string{ident}
		}
		return nil
	}
	return x[entityKey(ident)]
}

// alertEntities are the identities a higher-order alert names: its user entities, and
// its access key when a rule grouped by one.
func alertEntities(a *Alert) []string {
	ents := a.UserEntities
	if IsAccessKeyID(a.AccessKeyID) && !slices.Contains(ents, a.AccessKeyID) {
		ents = append(slices.Clip(ents), a.AccessKeyID)
	}
	return ents
}

// groupedIPs are the addresses a higher-order alert grouped by.
func groupedIPs(a *Alert) []string {
	if len(a.GroupedIPs) == 0 && a.SourceIP != "" {
		return []string{a.SourceIP}
	}
	return a.GroupedIPs
}

// tieHigherOrder ties a higher-order alert to the keys of a case (lineage: the case key
// and its sessions and child keys): through the first-seen alerts of those keys at its
// addresses (firstSeenIPs: address -> keys), and through the identities it names (ents).
// The ties come in that order, each (mapping, value, key) once.
func tieHigherOrder(a *Alert, lineage map[string]int, firstSeenIPs map[string][]string, ents entityIndex) []HigherOrderTie {
	var ties []HigherOrderTie
	add := func(t HigherOrderTie) {
		if !slices.Contains(ties, t) {
			ties = append(ties, t)
		}
	}
	for _, ip := range groupedIPs(a) {
		for _, k := range firstSeenIPs[ip] {
			add(HigherOrderTie{By: TieFirstSeenIP, Value: ip, Key: k})
		}
	}
	known := func(k string) bool { _, ok := lineage[k]; return ok }
	for _, e := range alertEntities(a) {
		for _, k := range ents.keysOf(e, known) {
			if known(k) {
				add(HigherOrderTie{By: TieUserEntity, Value: strings.TrimSpace(e), Key: k})
			}
		}
	}
	return ties
}

// tieVia is the key of the lineage a higher-order alert belongs to (Sibling.ViaKey): ""
// when a tie names the case key itself, else the first tie's key.
func tieVia(ties []HigherOrderTie, key string) string {
	if len(ties) == 0 || slices.ContainsFunc(ties, func(t HigherOrderTie) bool { return t.Key == key }) {
		return ""
	}
	return ties[0].Key
}

// caseEntities indexes the identities of a case's keys: the owner's ARN and user name
// for the case key, the ARNs and names the lineage's alerts name, the sessions' assumed
// role and federated user ARNs, the child keys' user names.
func caseEntities(c *Case, alerts []Alert, lineage map[string]int) entityIndex {
	x := entityIndex{}
	key := c.Key.String()
	x.add(key, c.Owner.ARN)
	x.add(key, c.Owner.User)
	for i := range alerts {
		a := &alerts[i]
		if _, ok := lineage[a.AccessKeyID]; !ok || a.HigherOrder {
			continue
		}
		x.add(a.AccessKeyID, a.UserARN)
		x.add(a.AccessKeyID, a.UserName)
	}
	for _, s := range c.Sessions {
		x.add(s.AccessKeyID, s.AssumedARN)
		if s.FederatedUser != "" && s.Account != "" {
			x.add(s.AccessKeyID, "arn:aws:sts::"+s.Account+":federated-user/"+s.FederatedUser)
		}
	}
	for _, k := range c.CreatedAccessKeys {
		x.add(k.AccessKeyID, k.User)
	}
	return x
}

// noteIdentity records the ARN and user name an alert gives its key, for higher-order
// alerts that name them (tieByEntities).
func (c *Correlator) noteIdentity(a *Alert) {
	key := a.AccessKeyID
	if !IsAccessKeyID(key) || !c.opts.Window.Contains(a.Time) {
		return
	}
	c.ents.add(key, a.UserARN)
	c.ents.add(key, a.UserName)
}

// tieByEntities files higher-order alert id under the keys its identities name: a key
// of the alerts read, or the keys whose ARN or user name it is. It reports whether any.
func (c *Correlator) tieByEntities(id string, ents []string) bool {
	known := func(k string) bool {
		_, ok := c.keys[k]
		return ok || c.ents.hasKey(k)
	}
	tied := false
	for _, e := range ents {
		for _, key := range c.ents.keysOf(e, known) {
			k := c.keys[key]
			if k == nil {
				keyID, err := ParseAccessKeyID(key)
				if err != nil || keyID.String() != key {
					continue
				}
				k = c.agg(keyID)
			}
			if !slices.Contains(k.HigherOrderAlerts, id) {
				k.HigherOrderAlerts = append(k.HigherOrderAlerts, id)
			}
			tied = true
		}
	}
	return tied
}

// hasKey reports whether the index holds an identity of key.
func (x entityIndex) hasKey(key string) bool {
	for _, keys := range x {
		if slices.Contains(keys, key) {
			return true
		}
	}
	return false
}
