package tui

import (
	"fmt"
	"strings"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// newAlertDetail shows one alert of the case: what fired and why it counts, the rule's
// description and MITRE ATT&CK tactics when the alert carries them, a link to the alert
// in Kibana, and the document as the source holds it.
func newAlertDetail(w *workbench, s *investigate.Sibling) *detailView {
	title := "alert " + s.AlertID + " · " + s.RuleName
	d := newTextDetail(w, title, "alert "+s.RuleName, alertBody(w.ui, s))
	d.links = alertLinks(w.ui, s)
	if raw := investigate.RawDocumentText(s.Raw, s.RawSize); raw != "" {
		d.copyWhat, d.copyBody = "the alert's document", raw
	} else {
		d.copyWhat, d.copyBody = "the alert as keypivot read it", indentedJSON(s)
	}
	return d
}

// alertLinks are the alert in Kibana and its event in the CloudTrail console, where
// they can be made.
func alertLinks(u *ui, s *investigate.Sibling) []link {
	var out []link
	if l := u.opts.KibanaTarget.AlertURL(s); l != "" {
		out = append(out, link{"the alert in Kibana", l})
	}
	if l := s.CloudTrailURL(); l != "" {
		out = append(out, link{"its event in the CloudTrail console", l})
	}
	return out
}

// alertBody is the alert's detail: every value made inert (the rule's name and
// description are the attacker's to influence only through the event, but the document
// is theirs).
func alertBody(u *ui, s *investigate.Sibling) string {
	var b strings.Builder
	kv := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-12s %s\n", k, sanitize.Clean(v))
		}
	}
	kv("rule", s.RuleName+" ("+orDash(s.RuleID)+")")
	kv("provider", s.Provider)
	kv("severity", fmt.Sprintf("%s · risk %s · status %s", s.Severity, strings.TrimSuffix(fmt.Sprintf("%.1f", s.RiskScore), ".0"), orDash(s.Status)))
	kv("time", fullTime(s.Time)+" UTC")
	kv("source", strings.TrimSpace(s.SourceIP+" "+s.ASOrg))
	kv("action", s.Action)
	kv("counted", countedWhy(s))
	kv("event", strings.TrimSpace(s.EventID+" "+s.Region+" "+s.Account))
	kv("index", s.Index)
	kv("reason", s.Reason)
	if s.RuleDescription != "" {
		b.WriteString("\nRULE DESCRIPTION\n" + sanitize.Multiline(s.RuleDescription) + "\n")
	}
	if len(s.Threats) > 0 {
		b.WriteString("\nMITRE ATT&CK\n")
		for _, th := range s.Threats {
			b.WriteString("  " + sanitize.Clean(th.String()) + "\n")
		}
	}
	if ls := alertLinks(u, s); len(ls) > 0 {
		b.WriteString("\nLINKS (L copies the first)\n")
		for _, l := range ls {
			b.WriteString("  " + l.what + ": " + sanitize.Clean(l.url) + "\n")
		}
	}
	if raw := investigate.RawDocumentText(s.Raw, s.RawSize); raw != "" {
		b.WriteString("\nDOCUMENT (_source, as the source holds it; y copies it)\n" + raw + "\n")
	} else {
		b.WriteString("\nALERT (as keypivot read it: the source kept no document; y copies it)\n" + indentedJSON(s) + "\n")
	}
	return b.String()
}

// countedWhy says whether the alert counts as an elevated sibling of the key, and why.
func countedWhy(s *investigate.Sibling) string {
	switch {
	case len(s.TiedBy) > 0:
		return "higher-order alert, tied to the key by " + investigate.TiesText(s.TiedBy)
	case s.FirstSeen:
		return "the first-seen alert (from " + s.SourceIP + ")"
	case !s.Eligible:
		return "no: " + s.Ineligible
	case s.ViaKey != "":
		return "yes, raised for " + investigate.LineageKind(s.ViaKey) + " " + s.ViaKey
	}
	return "yes"
}

// link is a copyable address: what it opens, and where.
type link struct{ what, url string }
