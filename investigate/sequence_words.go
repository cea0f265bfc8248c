package investigate

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The words every face (text, Markdown, the workbench) uses for an attack sequence, so
// that a sequence reads the same wherever it is shown. They are plain text: faces make
// them inert (sanitize) as they print them, since the names in them are the finding's.

// ResolvedText says how much of the sequence the case holds: "3 of 5 signals in the case".
func (cs *CaseSequence) ResolvedText() string {
	return fmt.Sprintf("%d of %s in the case", cs.ResolvedSignals, Plural(len(cs.Signals), "signal"))
}

// SpanText is when the sequence's signals were seen: "2024-07-31 13:05:51 to 13:41:29 UTC".
func (cs *CaseSequence) SpanText() string {
	return spanWords(cs.FirstSeen, cs.LastSeen)
}

// SpanText is when the signal was first and last seen, in the sequence's words.
func (s *SequenceSignal) SpanText() string { return spanWords(s.FirstSeen, s.LastSeen) }

func spanWords(first, last time.Time) string {
	const day, clock = "2006-01-02 15:04:05", "15:04:05"
	switch {
	case first.IsZero() && last.IsZero():
		return "time unknown"
	case first.IsZero():
		return last.UTC().Format(day) + " UTC"
	case last.IsZero() || last.Equal(first):
		return first.UTC().Format(day) + " UTC"
	case first.UTC().Format("2006-01-02") == last.UTC().Format("2006-01-02"):
		return first.UTC().Format(day) + " to " + last.UTC().Format(clock) + " UTC"
	}
	return first.UTC().Format(day) + " to " + last.UTC().Format(day) + " UTC"
}

// Label is the signal as a line of the story: "CLOUD_TRAIL cloudtrail:StopLogging x1, high".
func (s *SequenceSignal) Label() string {
	l := strings.TrimSpace(s.Type + " " + firstNonEmpty(s.Name, s.Title, s.UID))
	if s.Count > 0 {
		l += " x" + strconv.Itoa(s.Count)
	}
	if s.Severity != SeverityUnknown {
		l += ", " + s.Severity.String()
	}
	return l
}

// evidenceShown is how many event ids EvidenceText names; the JSON keeps up to
// MaxSignalEventIDs, the workbench lists those, each to open.
const evidenceShown = 5

// EvidenceText is what the case holds of the signal: "alert 6ac7…", "events e1, e2 (2
// of 2)" (the first evidenceShown, then how many more), or "not in case: ..." with why.
func (s *CaseSignal) EvidenceText() string {
	r := &s.Resolution
	switch r.Status {
	case SignalMatched, SignalPartial:
		var parts []string
		if len(r.AlertIDs) > 0 {
			parts = append(parts, pluralWord(len(r.AlertIDs), "alert")+" "+strings.Join(r.AlertIDs, ", "))
		}
		if r.Events > 0 {
			shown := r.EventIDs[:min(len(r.EventIDs), evidenceShown)]
			ev := pluralWord(r.Events, "event") + " " + strings.Join(shown, ", ")
			if r.Events > len(shown) {
				ev += fmt.Sprintf(" and %d more", r.Events-len(shown))
			}
			if s.Count > 0 {
				ev += fmt.Sprintf(" (%d of %d)", r.Events, s.Count)
			}
			parts = append(parts, ev)
		}
		out := strings.Join(parts, "; ")
		if r.Note != "" {
			out += " — " + r.Note
		}
		return out
	case SignalUnresolvable:
		return "not resolvable: " + r.Note
	}
	return "not in case: " + r.Note
}

// ActorText is one actor: "christophe (IAMUser) with AKIA…, account 1234…, MFA DISABLED".
func (a *SequenceActor) ActorText() string {
	who := firstNonEmpty(a.UserName, a.UserUID, a.ID, "unknown actor")
	if a.UserType != "" {
		who += " (" + a.UserType + ")"
	}
	if a.CredentialUID != "" {
		who += " with " + a.CredentialUID
	}
	if a.Account != "" {
		who += ", account " + a.Account
		if a.AccountName != "" {
			who += " (" + a.AccountName + ")"
		}
	}
	if a.SessionIssuer != "" {
		who += ", session of " + a.SessionIssuer
	}
	if a.MFAStatus != "" {
		who += ", MFA " + a.MFAStatus
	}
	if a.ProcessName != "" {
		who += ", process " + a.ProcessName
	}
	return who
}

// EndpointText is one endpoint: "86.245.153.234 (AS3215 Orange S.A., Lyon, France)".
func (e *SequenceEndpoint) EndpointText() string {
	where := firstNonEmpty(e.IP, e.Domain, e.ID)
	var net []string
	if e.ASN > 0 || e.ASOrg != "" {
		as := e.ASOrg
		if e.ASN > 0 {
			as = strings.TrimSpace("AS" + strconv.Itoa(e.ASN) + " " + as)
		}
		net = append(net, as)
	}
	if loc := strings.Trim(e.City+", "+e.Country, ", "); loc != "" {
		net = append(net, loc)
	}
	if len(net) > 0 {
		where += " (" + strings.Join(net, ", ") + ")"
	}
	return where
}

// IndicatorText is one indicator: "MALICIOUS_IP 198.51.100.77".
func (in *SequenceIndicator) IndicatorText() string {
	return strings.TrimSpace(firstNonEmpty(in.Key, in.Title) + " " + strings.Join(in.Values, ", "))
}

// ResourceText is one resource: "S3_BUCKET stratus-…-logs".
func (r *SequenceResource) ResourceText() string {
	return strings.TrimSpace(r.Type + " " + firstNonEmpty(r.Name, r.UID))
}

// ProviderTitle names where an alert came from: "Elastic", "GuardDuty", "Security Hub";
// an unknown provider is returned as it is (faces make it inert).
func ProviderTitle(p string) string {
	switch p {
	case ProviderElastic:
		return "Elastic"
	case ProviderGuardDuty:
		return "GuardDuty"
	case ProviderSecurityHub:
		return "Security Hub"
	}
	return p
}
