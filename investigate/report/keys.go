package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/keypivot/keypivot/investigate"
)

// KeysText writes the ranking as a table.
func KeysText(w io.Writer, r *investigate.Ranking, o Options) error {
	width := o.width()
	out := &textOut{width: width}
	out.heading("Access keys correlated with elevated alerts", r.Demo, r.Completeness.Mark())
	out.wrapped("Searched: ", r.Completeness.Headline, 10)
	if none := noKeys(r); none != "" {
		out.wrapped("", none+".", 0)
	}
	t := &table{width: width, widths: []int{21, 8, 4, 15, 14, 0}, header: []string{"KEY", "MAX SEV", "SIBL", "FIRST SEEN FROM", "LAST ALERT", "USER"}}
	for _, k := range r.Keys {
		n := investigate.SummaryCounts(&k)
		key := k.Key.String()
		if !k.Correlated {
			// First-seen only: marked beside the id, which stays verbatim so that it
			// can be copied into keypivot pivot.
			key += firstSeenOnlyMark
		}
		ip := "-"
		if len(k.FirstSeen) > 0 {
			ip = k.FirstSeen[0].IP
			if n.FirstSeen > 1 {
				ip += fmt.Sprintf(" +%d", n.FirstSeen-1)
			}
		}
		sev := worstSeverity(&k)
		user := k.User
		if user == "" {
			user = "?"
		}
		t.add(key, sev, strconv.Itoa(n.Siblings), ip, shortTS(k.LastAlert), user)
		var rules []string
		for _, ru := range k.Rules {
			rules = append(rules, fmt.Sprintf("%s (%s x%d)", ru.RuleName, ru.Severity, ru.Count))
		}
		if n.HigherOrder > 0 {
			rules = append(rules, fmt.Sprintf("higher-order alert x%d", n.HigherOrder))
		}
		var nets []string
		for _, fs := range k.FirstSeen {
			if fs.ASOrg != "" {
				nets = appendUnique(nets, fs.ASOrg)
			}
		}
		extra := "account " + orDash(k.Account)
		if k.Basis == investigate.BasisAWSFinding {
			extra += "; flagged by " + providersOf(k) + " (no first-seen alert)"
		}
		if s := sequenceRankNote(&k); s != "" {
			extra += "; " + s
		}
		if len(nets) > 0 {
			extra += "; first seen from network " + strings.Join(nets, ", ")
		}
		if len(rules) > 0 {
			extra += "; siblings: " + strings.Join(rules, "; ")
		}
		t.addNote(4, extra)
	}
	t.render(out)
	out.blank()
	out.wrapped("", statsLine(r), 0)
	if len(r.Keys) > 0 {
		out.wrapped("", siblingsNote, 1)
	}
	if len(r.Unmapped) > 0 {
		n := len(r.Unmapped)
		verb := "match"
		if n == 1 {
			verb = "matches"
		}
		out.wrapped("", fmt.Sprintf("%s %s no first-seen alert's source.ip: %s", plural(n, "higher-order alert"), verb, strings.Join(r.Unmapped, ", ")), 2)
	}
	for _, s := range r.Sources {
		for _, p := range s.Problems {
			out.wrapped("! ", p.Where+": "+p.Message, 2)
		}
	}
	if hasFirstSeenOnly(r) {
		out.line("(" + firstSeenOnlyMark + ": first seen from a new address, no elevated sibling)")
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// siblingsNote says what a ranking's sibling count counts, and why a key's case counts
// more (investigate.SummaryCounts, investigate.Counts.Key).
const siblingsNote = "(SIBL = counted siblings of the key itself: its open elevated alerts besides the first-seen ones, " +
	"as Elastic's correlation rule counts them; the key's case counts those of its sessions and child keys apart)"

// firstSeenOnlyMark follows the id of a key that has a first-seen alert and no elevated
// sibling (KeySummary.Correlated false) in the text ranking.
const firstSeenOnlyMark = "*"

func hasFirstSeenOnly(r *investigate.Ranking) bool {
	for _, k := range r.Keys {
		if !k.Correlated {
			return true
		}
	}
	return false
}

func statsLine(r *investigate.Ranking) string {
	s := r.Stats
	line := fmt.Sprintf("%s read, %s counted, %s higher-order, %s seen", plural(s.Alerts, "alert"), investigate.Thousands(s.Eligible),
		investigate.Thousands(s.HigherOrder), plural(s.Keys, "key"))
	if len(s.Ineligible) > 0 {
		reasons := make([]string, 0, len(s.Ineligible))
		for k := range s.Ineligible {
			reasons = append(reasons, k)
		}
		sort.Slice(reasons, func(i, j int) bool {
			if s.Ineligible[reasons[i]] != s.Ineligible[reasons[j]] {
				return s.Ineligible[reasons[i]] > s.Ineligible[reasons[j]]
			}
			return reasons[i] < reasons[j]
		})
		var parts []string
		for _, k := range reasons {
			parts = append(parts, fmt.Sprintf("%d %s", s.Ineligible[k], k))
		}
		line += "; not counted: " + strings.Join(parts, ", ")
	}
	if s.AttackSequences > 0 {
		line += "; " + plural(s.AttackSequences, "attack sequence") + " ranked keys apart"
	}
	if s.Unchecked > 0 {
		line += fmt.Sprintf("; %d counted without a workflow status or event.kind in the export (Elastic's rule checks both)", s.Unchecked)
	}
	return line
}

// KeysMarkdown writes the ranking as a Markdown table.
func KeysMarkdown(w io.Writer, r *investigate.Ranking) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, inert(args)...) }
	b.WriteString("# Access keys correlated with elevated alerts")
	if m := r.Completeness.Mark(); m != "" {
		b.WriteString(" — " + m)
	}
	b.WriteString("\n\n")
	p("**Searched:** %s\n\n", md(r.Completeness.Headline))
	if none := noKeys(r); none != "" {
		p("%s.\n\n", md(none))
	}
	b.WriteString("| Key | Correlated | Basis | Max severity | Siblings | Rules | First seen from | User | Account | Last alert (UTC) |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, k := range r.Keys {
		var ips []string
		for _, fs := range k.FirstSeen {
			s := fs.IP
			if fs.ASOrg != "" {
				s += " (" + fs.ASOrg + ")"
			}
			ips = append(ips, s)
		}
		var rules []string
		for _, ru := range k.Rules {
			rules = append(rules, ru.RuleName)
		}
		p("| %s | %v | %s | %s | %d | %s | %s | %s | %s | %s |\n", code(k.Key.String()), k.Correlated, md(orDash(k.Basis)), worstSeverity(&k), investigate.SummaryCounts(&k).Siblings,
			md(strings.Join(rules, "; ")), md(strings.Join(ips, ", ")), md(k.User), code(k.Account), ts(k.LastAlert))
	}
	b.WriteString("\n" + md(statsLine(r)) + "\n")
	if len(r.Keys) > 0 {
		b.WriteString("\n" + md(siblingsNote) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// providersOf names the AWS services whose findings flagged a key.
func providersOf(k investigate.KeySummary) string {
	var names []string
	for _, p := range k.Providers {
		switch p {
		case investigate.ProviderGuardDuty:
			names = append(names, "GuardDuty")
		case investigate.ProviderSecurityHub:
			names = append(names, "Security Hub")
		}
	}
	noun := "findings"
	if k.AWSFindings == 1 {
		noun = "finding"
	}
	return fmt.Sprintf("%d %s %s", k.AWSFindings, strings.Join(names, " and "), noun)
}

// noKeys is an empty ranking's negative with what was searched for it ("" when keys
// were found, or when no alert could be searched: the Searched line says so, and an empty
// ranking is then no negative at all).
func noKeys(r *investigate.Ranking) string {
	if len(r.Keys) > 0 || r.Completeness.Alerts.Status == investigate.SearchFailed || r.Completeness.Alerts.Status == investigate.SearchNothing {
		return ""
	}
	return r.Completeness.Alerts.NoneIn("No key has a first-seen alert and an elevated sibling, or an elevated GuardDuty or Security Hub finding, or an attack sequence,")
}

// worstSeverity is KeySummary.WorstSeverity as a cell: "-" when the key has none.
func worstSeverity(k *investigate.KeySummary) string {
	if w, ok := k.WorstSeverity(); ok {
		return w.String()
	}
	return "-"
}
