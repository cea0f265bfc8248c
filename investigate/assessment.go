package investigate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// assess writes the few sentences an analyst needs to decide: what the key did, then
// each thing that makes it dangerous, then what to do. Each step writes its sentences
// or none.
func assess(c *Case) []string {
	return slices.Concat(
		[]string{assessActivity(c)},
		assessRootKey(c),
		assessQuarantine(c),
		assessTooling(c),
		assessFirstSeen(c),
		assessSequences(c),
		assessTactics(c),
		assessSessions(c),
		assessLaunches(c),
		assessCreatedKeys(c),
		assessRecommendation(c),
	)
}

// ownerPhrase names who the key belongs to: "alice in account 1234", "ROOT of account
// 1234", "unknown owner".
func ownerPhrase(o Owner) string {
	who := o.User
	if o.Root {
		who = "ROOT of account " + o.Account
	} else if who != "" && o.Account != "" {
		who += " in account " + o.Account
	}
	if who == "" {
		who = "unknown owner"
	}
	return who
}

// assessActivity is the first sentence: the key, its owner, and how much it did, from
// where and when; or, for a key that appears nowhere, where it was looked for.
func assessActivity(c *Case) string {
	who := ownerPhrase(c.Owner)
	if len(c.Events) == 0 && len(c.Siblings)+len(c.HigherOrderAlerts) == 0 {
		return fmt.Sprintf("%s (%s): %s.", c.Key, who, notSeen(c.Completeness))
	}
	line := fmt.Sprintf("%s (%s): %s", c.Key, who, Plural(c.EventCount, "event"))
	if len(c.Events) == 0 {
		line = fmt.Sprintf("%s (%s): %s", c.Key, who, c.Completeness.Events.Summary)
	}
	if len(c.Sessions) > 0 {
		line += fmt.Sprintf(", %d more by %s", c.SessionEventCount, Plural(len(c.Sessions), "derived session"))
	}
	if len(c.CreatedAccessKeys) > 0 {
		line += fmt.Sprintf(", %d more by the %s it created", c.ChildEventCount, pluralWord(len(c.CreatedAccessKeys), "access key"))
	}
	if len(c.SourceIPs) > 0 {
		line += ", from " + Plural(len(c.SourceIPs), "address")
	}
	if !c.FirstActivity.IsZero() {
		line += fmt.Sprintf(", %s to %s", c.FirstActivity.Format(time.DateTime), c.LastActivity.Format(time.DateTime))
	}
	return line + "."
}

// notSeen says that a key appears in no source, with what was searched: "not seen in
// 1,872 files covering ...", or that nothing could be searched.
func notSeen(cm Completeness) string {
	return cm.Events.NoneIn("not seen") + "; " + cm.Alerts.NoneIn("not seen")
}

// assessRootKey warns that a root key's misuse is the whole account's compromise.
func assessRootKey(c *Case) []string {
	if !c.Owner.Root {
		return nil
	}
	return []string{"This is a ROOT access key: treat any misuse as full account compromise."}
}

// assessQuarantine says that AWS itself found the key exposed.
func assessQuarantine(c *Case) []string {
	if !c.Quarantined {
		return nil
	}
	return []string{"AWS already attached " + ShortTarget(c.Quarantine.PolicyARN) + " (" + c.Quarantine.Version + "): AWS found this key exposed; " + c.Quarantine.StillAllows + "."}
}

// assessTooling names the offensive tools recognised in the key's user agents.
func assessTooling(c *Case) []string {
	tools := c.OffensiveTools()
	if len(tools) == 0 {
		return nil
	}
	return []string{"Offensive tooling in user agents: " + strings.Join(tools, ", ") + "."}
}

// assessFirstSeen names each address a first-seen alert fired for, with its network.
func assessFirstSeen(c *Case) []string {
	var out []string
	for _, ip := range c.SourceIPs {
		if ip.FirstSeenAlert != "" {
			s := "First seen from " + ip.IP
			if ip.ASOrg != "" {
				s += " (" + ip.ASOrg + ")"
			}
			out = append(out, s+".")
		}
	}
	return out
}

// assessedTactics are the finding categories the assessment lists, in its order, with
// their labels.
var assessedTactics = []struct{ category, label string }{
	{CatDefenseEvasion, "Defence evasion"},
	{CatPersistence, "Persistence"},
	{CatPrivilege, "Privilege escalation"},
	{CatCredentialAccess, "Credential access"},
	{CatExfiltration, "Exfiltration"},
	{CatLateralMovement, "Lateral movement"},
}

// maxTitlesPerTactic bounds the finding titles one tactic's sentence names.
const maxTitlesPerTactic = 6

// assessTactics writes a sentence for each tactic the findings show, naming their
// distinct titles (up to maxTitlesPerTactic), and one for bursts of AccessDenied.
func assessTactics(c *Case) []string {
	byCat := map[string][]Finding{}
	for _, f := range c.Findings {
		byCat[f.Category] = append(byCat[f.Category], f)
	}
	var out []string
	for _, t := range assessedTactics {
		fs := byCat[t.category]
		if len(fs) == 0 {
			continue
		}
		titles := []string{}
		for _, f := range fs {
			titles = appendUnique(titles, f.Title)
		}
		if len(titles) > maxTitlesPerTactic {
			titles = append(titles[:maxTitlesPerTactic], fmt.Sprintf("and %d more", len(titles)-maxTitlesPerTactic))
		}
		out = append(out, t.label+": "+strings.Join(titles, "; ")+".")
	}
	if probes := byCat[CatProbing]; len(probes) > 0 {
		out = append(out, fmt.Sprintf("Probing: %s of AccessDenied.", Plural(len(probes), "burst")))
	}
	return out
}

// assessSessions warns that deactivating the key leaves its derived sessions alive, and
// until when the ones still valid may be used.
func assessSessions(c *Case) []string {
	n := len(c.Sessions)
	if n == 0 {
		return nil
	}
	valid := 0
	var until time.Time
	for _, s := range c.Sessions {
		if s.ValidAtGeneration {
			valid++
			if s.Expiration.After(until) {
				until = s.Expiration
			}
		}
	}
	s := Plural(n, "derived session") + "; deactivating the key does not end them"
	if valid > 0 {
		s += fmt.Sprintf(" (%d may still be valid", valid)
		if !until.IsZero() {
			s += " until " + until.Format(time.DateTime)
		}
		s += "): revoke them separately"
	}
	return []string{s + "."}
}

// assessLaunches counts the case's RunInstances calls: succeeded, failed, the instances
// they started and their instance types.
func assessLaunches(c *Case) []string {
	launches := c.FollowUps.Launches
	if len(launches) == 0 {
		return nil
	}
	ok, failed, instances := 0, 0, 0
	types := []string{}
	for _, l := range launches {
		if l.ErrorCode != "" {
			failed++
		} else {
			ok++
			instances += len(l.InstanceIDs)
		}
		if l.InstanceType != "" {
			types = appendUnique(types, l.InstanceType)
		}
	}
	return []string{fmt.Sprintf("RunInstances: %s (%d succeeded with %s, %d failed), %s %s.", Plural(len(launches), "launch"), ok, Plural(instances, "instance"), failed, pluralWord(len(types), "type"), strings.Join(types, ", "))}
}

// assessCreatedKeys names the access keys the key created (they need deactivating too)
// and counts what else it left behind.
func assessCreatedKeys(c *Case) []string {
	var out []string
	if len(c.CreatedAccessKeys) > 0 {
		keys := []string{}
		for _, k := range c.CreatedAccessKeys {
			s := k.AccessKeyID + " (" + k.User + ", " + Plural(k.EventCount, "event")
			if k.LiveStatus != "" {
				s += ", " + k.LiveStatus + " now"
			}
			keys = append(keys, s+")")
		}
		out = append(out, "New access keys to deactivate too: "+strings.Join(keys, ", ")+".")
	}
	if n := len(c.Artifacts); n > 0 {
		kinds := []string{}
		for _, a := range c.Artifacts {
			kinds = appendUnique(kinds, a.Kind)
		}
		out = append(out, fmt.Sprintf("Left behind: %s (%s): see the plan.", Plural(n, "artifact"), strings.Join(kinds, ", ")))
	}
	return out
}

// assessRecommendation says what to do: nothing for a key already Inactive, deactivate
// it now after high-severity activity, review it when elevated alerts share it.
func assessRecommendation(c *Case) []string {
	top := SeverityUnknown
	for _, f := range c.Findings {
		if f.Severity > top && f.Category != CatDiscovery {
			top = f.Severity
		}
	}
	eligible := c.EligibleSiblings()
	switch {
	case c.Owner.Status == "Inactive":
		return []string{"The key is already Inactive."}
	case top >= SeverityHigh:
		return []string{fmt.Sprintf("Recommendation: deactivate the key now (%s-severity activity).", top)}
	case eligible > 0:
		return []string{fmt.Sprintf("Recommendation: review; %s share this key.", Plural(eligible, "elevated alert"))}
	}
	return nil
}

// assessSequences says each attack sequence AWS raised over the key, and how much of it
// the case holds: AWS's own correlation is the strongest evidence a case can carry.
func assessSequences(c *Case) []string {
	var out []string
	for i := range c.AttackSequences {
		cs := &c.AttackSequences[i]
		via := ""
		if cs.ViaKey != "" {
			via = " through " + cs.ViaKey
		}
		out = append(out, fmt.Sprintf("%s raised %s (%s)%s: %s, %s; its story is under ATTACK SEQUENCES (workbench: Alerts tab, enter on its row).",
			ProviderTitle(cs.Provider), cs.Type, cs.Severity, via, cs.ResolvedText(), cs.SpanText()))
	}
	return out
}
