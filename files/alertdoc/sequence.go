package alertdoc

import (
	"math"
	"strings"

	"github.com/keypivot/keypivot/investigate"
)

// readSequence reads the attack sequence of a GuardDuty finding (Service.Detection.
// Sequence) or of an ASFF finding (Detection.Sequence), nil when seq holds none. The two
// differ in small ways, all read here: a GuardDuty signal's id is uid and its resources
// resourceUids, an ASFF signal's Id and ResourceIds; GuardDuty's times are ISO strings
// (the CLI, the SDK) or epoch seconds (the API), ASFF's epoch milliseconds; GuardDuty
// names an account's name "account" on the wire. Member names are matched in any case,
// so the CLI's PascalCase, the API's camelCase and EventBridge's all read. A field of the
// wrong type is a problem and left unset; the sequence is kept.
func readSequence(seq fieldReader) *investigate.AttackSequence {
	if seq.m == nil {
		return nil
	}
	s := &investigate.AttackSequence{
		UID:             strings.TrimSpace(seq.keyword("Uid")),
		Description:     seq.keyword("Description"),
		Indicators:      readIndicators(seq, "SequenceIndicators"),
		AdditionalTypes: seq.keywords("AdditionalSequenceTypes"),
	}
	for _, a := range seq.objects("Actors") {
		u, ss, p := a.object("User"), a.object("Session"), a.object("Process")
		act := investigate.SequenceActor{
			ID:       a.keyword("Id"),
			UserName: u.keyword("Name"), UserUID: u.keyword("Uid"), UserType: u.keyword("Type"),
			CredentialUID: strings.TrimSpace(u.keyword("CredentialUid")),
			Account:       u.keyword("Account.Uid"),
			// The API names the account's name "account"; the SDK and the CLI "Name".
			AccountName: u.keywordAny("Account.Name", "Account.Account"),
			SessionUID:  ss.keyword("Uid"), SessionIssuer: ss.keyword("Issuer"), MFAStatus: ss.keyword("MfaStatus"),
			ProcessName: p.keyword("Name"), ProcessPath: p.keyword("Path"),
		}
		act.SessionCreated, _, _ = ss.timeAt("CreatedTime")
		s.Actors = append(s.Actors, act)
	}
	for _, e := range seq.objects("Endpoints") {
		s.Endpoints = append(s.Endpoints, investigate.SequenceEndpoint{
			ID: e.keyword("Id"), IP: e.ip("Ip", false), Domain: e.keyword("Domain"), Port: wholeNumber(e, "Port"),
			ASN: wholeNumber(e, "AutonomousSystem.Number"), ASOrg: e.keyword("AutonomousSystem.Name"),
			Country: e.keyword("Location.Country"), City: e.keyword("Location.City"),
		})
	}
	for _, r := range seq.objects("Resources") {
		s.Resources = append(s.Resources, investigate.SequenceResource{
			UID: r.keyword("Uid"), Type: r.keyword("ResourceType"), Name: r.keyword("Name"),
			Region: r.keyword("Region"), Account: r.keyword("AccountId"),
		})
	}
	for _, g := range seq.objects("Signals") {
		sg := investigate.SequenceSignal{
			UID:  strings.TrimSpace(g.keywordAny("Uid", "Id")),
			Type: strings.ToUpper(strings.TrimSpace(g.keyword("Type"))), Name: strings.TrimSpace(g.keyword("Name")),
			Title: g.keyword("Title"), Description: g.keyword("Description"),
			Count:       wholeNumber(g, "Count"),
			ActorIDs:    g.keywords("ActorIds"),
			EndpointIDs: g.keywords("EndpointIds"),
			ResourceIDs: append(g.keywords("ResourceUids"), g.keywords("ResourceIds")...),
			Indicators:  readIndicators(g, "SignalIndicators"),
		}
		if sev, ok := g.number("Severity"); ok {
			sg.SeverityScore, sg.Severity = sev, guardDutySeverity(sev)
		}
		var present bool
		sg.FirstSeen, _, present = g.timeAt("FirstSeenAt")
		sg.LastSeen, _, _ = g.timeAt("LastSeenAt")
		if !present {
			// Without firstSeenAt, createdAt is when the signal's first activity was seen.
			sg.FirstSeen, _, _ = g.timeAt("CreatedAt")
		}
		s.Signals = append(s.Signals, sg)
	}
	if s.UID == "" && len(s.Signals) == 0 && len(s.Actors) == 0 {
		return nil // an empty object: no sequence to speak of
	}
	return s
}

// readIndicators reads a list of indicators ({key, title, values}).
func readIndicators(r fieldReader, path string) []investigate.SequenceIndicator {
	var out []investigate.SequenceIndicator
	for _, in := range r.objects(path) {
		out = append(out, investigate.SequenceIndicator{Key: in.keyword("Key"), Title: in.keyword("Title"), Values: in.keywords("Values")})
	}
	return out
}

// wholeNumber reads a count, port or AS number: a whole, non-negative number (0 when
// absent; a fraction or a negative is a problem, and 0).
func wholeNumber(r fieldReader, path string) int {
	f, ok := r.number(path)
	if !ok {
		return 0
	}
	if f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
		r.report(path, describe(f), "a whole number")
		return 0
	}
	return int(f)
}

// fileSequence files a finding that carries an attack sequence under the sequence's
// first long-term key (else its first key) when the finding names no key of its own,
// with the user of the actor that used it.
func fileSequence(a *investigate.Alert) {
	if a.Sequence == nil || a.AccessKeyID != "" {
		return
	}
	if k := investigate.PrimarySequenceKey(a.Sequence); k != "" {
		a.KeyTo(k)
	}
}
