package investigate

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/keypivot/keypivot/investigate/sanitize"
)

// Kibana write-back action kinds: the analyst's verdict goes back where the alerts
// live. They run through the Runner like the AWS actions (typed key id, journal, state
// re-read before and after) with a Kibana Remediator.
const (
	// ActKibanaSetStatus sets the workflow status of the case's Elastic alerts.
	ActKibanaSetStatus = "kibana-set-status"
	// ActKibanaCreateCase creates a Kibana case holding the case report, with the case's
	// Elastic alerts attached. The case is tagged KibanaCaseTag(key): a rerun finds it
	// and completes it instead of creating a second one.
	ActKibanaCreateCase = "kibana-create-case"
)

// KibanaService is APICall.Service of the Kibana calls; the operations name the APIs.
const (
	KibanaService = "kibana"
	// OpSetAlertStatus is POST /api/detection_engine/signals/status. Params: space,
	// status, signal_ids, reason (closed only).
	OpSetAlertStatus = "SetAlertStatus"
	// OpCreateCase is POST /api/cases. Params: space, owner, title, description, tags,
	// severity, sync_alerts.
	OpCreateCase = "CreateCase"
	// OpAddCaseComment is POST /api/cases/{id}/comments of type user. Params: space,
	// comment, part (1-based: the report's parts when it is longer than a description).
	OpAddCaseComment = "AddCaseComment"
	// OpAttachAlerts is POST /api/cases/{id}/comments of type alert. Params: space,
	// alerts ([{id, index, rule_id, rule_name}]).
	OpAttachAlerts = "AttachAlerts"
)

// Limits of Kibana's cases API.
const (
	KibanaMaxTitle         = 160
	KibanaMaxText          = 30000 // description and comment, in characters
	KibanaMaxAlertsPerCase = 1000
	KibanaCaseOwner        = "securitySolution"
)

// CloseReasons are the closing reasons Kibana knows without configuration (9.2 and
// later record them in kibana.alert.workflow_reason; spaces may add their own).
var CloseReasons = []string{"false_positive", "duplicate", "true_positive", "benign_positive", "automated_closure", "other"}

// ErrNothingToChange is returned by a planner when every alert is already as asked.
var ErrNothingToChange = errors.New("nothing to change")

// KibanaCaseTag is the tag that names the case of a key.
func KibanaCaseTag(key string) string { return "keypivot:" + key }

// KibanaTarget is where write-back goes.
type KibanaTarget struct {
	URL   string // Kibana's URL
	Space string // "" is the default space
}

func (t KibanaTarget) space() string {
	if t.Space == "" {
		return DefaultKibanaSpace
	}
	return t.Space
}

// of is the target of a write-back for c: this Kibana's space (the key's account kept
// for the record).
func (t KibanaTarget) of(c *Case) Target {
	return Target{System: SystemKibana, Account: c.Owner.Account, Kibana: strings.TrimSuffix(t.URL, "/"), Space: t.space()}
}

// AlertRef is one Elastic alert of a case, as write-back addresses it.
type AlertRef struct {
	ID       string `json:"id"`
	Index    string `json:"index"`
	RuleID   string `json:"rule_id,omitempty"`
	RuleName string `json:"rule_name,omitempty"`
	Status   string `json:"status,omitempty"`
	// HigherOrder is set for higher-order alerts mapped to the key through an address;
	// ViaKey for alerts of a derived session or child key (Sibling.ViaKey).
	HigherOrder bool   `json:"higher_order,omitempty"`
	ViaKey      string `json:"via_key,omitempty"`
}

// ElasticAlerts lists the case's Elastic alerts: its siblings (those of its derived
// sessions included) and the higher-order alerts mapped to it, each once.
func ElasticAlerts(c *Case) []AlertRef {
	var out []AlertRef
	seen := map[string]bool{}
	add := func(s Sibling, ho bool) {
		if s.Provider != ProviderElastic || s.AlertID == "" || seen[s.AlertID] {
			return
		}
		seen[s.AlertID] = true
		out = append(out, AlertRef{ID: s.AlertID, Index: s.Index, RuleID: s.RuleID, RuleName: s.RuleName,
			Status: NormalizeWorkflowStatus(s.Status), HigherOrder: ho, ViaKey: s.ViaKey})
	}
	for _, s := range c.Siblings {
		add(s, false)
	}
	for _, s := range c.HigherOrderAlerts {
		add(s, true)
	}
	return out
}

var reasonPattern = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

// PlanAlertStatus proposes setting the workflow status of the case's Elastic alerts to
// status (open, acknowledged or closed; closed may carry a reason). Only alerts whose
// status changes are addressed: acknowledging leaves closed alerts closed, reopening
// leaves open ones alone. The undo sets each alert back to the status it had. It
// returns ErrNothingToChange when no alert would change.
func PlanAlertStatus(c *Case, t KibanaTarget, status, reason string) (Action, error) {
	status = NormalizeWorkflowStatus(status)
	switch status {
	case WorkflowOpen, WorkflowAcknowledged, WorkflowClosed:
	default:
		return Action{}, fmt.Errorf("status %q: want open, acknowledged or closed", status)
	}
	if reason != "" && status != WorkflowClosed {
		return Action{}, fmt.Errorf("a reason is only given when closing alerts")
	}
	if reason != "" && !reasonPattern.MatchString(reason) {
		return Action{}, fmt.Errorf("reason %q: want one of %s (or a closing reason configured in the space)", reason, strings.Join(CloseReasons, ", "))
	}
	all := ElasticAlerts(c)
	if len(all) == 0 {
		return Action{}, fmt.Errorf("%w: the case of %s has no Elastic alert: %s", ErrNothingToChange, c.Key.String(), elasticSearched(c))
	}
	var targets []AlertRef
	for _, a := range all {
		if a.Status == status {
			continue
		}
		// Acknowledging is for open alerts: a closed alert stays closed.
		if status == WorkflowAcknowledged && a.Status == WorkflowClosed {
			continue
		}
		targets = append(targets, a)
	}
	if len(targets) == 0 {
		return Action{}, fmt.Errorf("%w: the %s of %s %s already %s", ErrNothingToChange, Plural(len(all), "Elastic alert"), c.Key.String(), pluralVerb(len(all), "is", "are"), describeStatus(status))
	}
	ids := make([]string, len(targets))
	for i, a := range targets {
		ids[i] = a.ID
	}
	params := map[string]any{"space": t.space(), "status": status, "signal_ids": ids}
	if reason != "" {
		params["reason"] = reason
	}
	verb := map[string]string{WorkflowOpen: "Reopen", WorkflowAcknowledged: "Acknowledge", WorkflowClosed: "Close"}[status]
	a := Action{
		ID: ActKibanaSetStatus + ":" + t.space() + ":" + c.Key.String() + ":" + status + reasonSuffix(reason), Kind: ActKibanaSetStatus, Group: GroupKibana, Key: c.Key.String(),
		User: c.Owner.User, Target: t.of(c), ConfirmToken: c.Key.String(),
		Title: fmt.Sprintf("%s %s of %s in Kibana (space %s)", verb, Plural(len(targets), "Elastic alert"), c.Key.String(), t.space()),
		Calls: []APICall{{Service: KibanaService, Operation: OpSetAlertStatus, Params: params}},
	}
	if reason != "" {
		a.Title += ", reason " + reason
		if !slices.Contains(CloseReasons, reason) {
			a.Warnings = append(a.Warnings, "reason "+reason+" is not one of Kibana's built-in closing reasons: Kibana refuses it unless the space's securitySolution:closeReasons setting lists it")
		}
	}
	byPrev := map[string][]string{}
	for _, x := range targets {
		prev := x.Status
		if prev == "" {
			prev = WorkflowOpen
		}
		byPrev[prev] = append(byPrev[prev], x.ID)
		line := fmt.Sprintf("%s: %s -> %s (%s)", sanitize.Clean(x.RuleName), orDash(x.Status), status, x.ID)
		switch {
		case x.HigherOrder:
			line += "; a higher-order alert grouped by address: it may concern other keys from the same address"
		case x.ViaKey != "":
			line += "; raised for " + LineageKind(x.ViaKey) + " " + x.ViaKey
		}
		a.Affects = append(a.Affects, line)
	}
	if n := len(all) - len(targets); n > 0 {
		a.Affects = append(a.Affects, fmt.Sprintf("not affected: %s already %s", Plural(n, "other Elastic alert"), describeStatus(status)))
	}
	if n := otherProviders(c); n > 0 {
		a.Affects = append(a.Affects, fmt.Sprintf("not affected: %s from GuardDuty or Security Hub (archive or update them in their console)", Plural(n, "finding")))
	}
	for _, prev := range slices.Sorted(maps.Keys(byPrev)) {
		a.UndoCalls = append(a.UndoCalls, APICall{Service: KibanaService, Operation: OpSetAlertStatus,
			Params: map[string]any{"space": t.space(), "status": prev, "signal_ids": byPrev[prev]}})
	}
	a.Undo = "set the alerts back to their former status (the undo calls); `keypivot alerts open " + c.Key.String() + "` reopens them all"
	if status == WorkflowOpen {
		a.Undo = "set the alerts back to their former status (the undo calls)"
	}
	return a, nil
}

// reasonSuffix tells closings apart by their reason in an action's id: closing as a
// false positive is not the action closing as a true positive is.
func reasonSuffix(reason string) string {
	if reason == "" {
		return ""
	}
	return ":" + reason
}

func describeStatus(status string) string {
	if status == WorkflowAcknowledged {
		return "acknowledged or closed"
	}
	return status
}

func otherProviders(c *Case) int {
	n := 0
	for _, s := range c.Siblings {
		if s.Provider != ProviderElastic {
			n++
		}
	}
	return n
}

// KibanaCaseOptions tune PlanKibanaCase.
type KibanaCaseOptions struct {
	// Title replaces the default title.
	Title string
	// SyncAlerts makes the case sync its alerts' status: attaching them then sets them
	// to the case's status (open), and closing the case closes them.
	SyncAlerts bool
	// Tags are added to keypivot's own.
	Tags []string
}

// PlanKibanaCase proposes a Kibana case (owner securitySolution) holding report (the
// Markdown case report) with the case's Elastic alerts attached. A report longer than
// a case description goes into comments, in parts. At most KibanaMaxAlertsPerCase
// alerts are attached.
func PlanKibanaCase(c *Case, t KibanaTarget, report string, o KibanaCaseOptions) (Action, error) {
	if strings.TrimSpace(report) == "" {
		return Action{}, errors.New("empty case report")
	}
	title := o.Title
	if title == "" {
		title = "AWS access key " + c.Key.String()
		if c.Owner.User != "" {
			title += " of " + c.Owner.User
		}
		if c.Owner.Account != "" {
			title += " (account " + c.Owner.Account + ")"
		}
	}
	title = truncateRunes(sanitize.Clean(title), KibanaMaxTitle)
	tags := []string{"keypivot", KibanaCaseTag(c.Key.String()), "AWS access key"}
	for _, tg := range o.Tags {
		if tg = strings.TrimSpace(tg); tg != "" && !slices.Contains(tags, tg) {
			tags = append(tags, truncateRunes(tg, 256))
		}
	}
	description, parts := splitReport(c, report)
	sev := caseSeverity(c)
	space := t.space()
	a := Action{
		ID: ActKibanaCreateCase + ":" + space + ":" + c.Key.String(), Kind: ActKibanaCreateCase, Group: GroupKibana, Key: c.Key.String(),
		User: c.Owner.User, Target: t.of(c), ConfirmToken: c.Key.String(),
		Title: fmt.Sprintf("Create a Kibana case for %s in space %s", c.Key.String(), space),
		Calls: []APICall{{Service: KibanaService, Operation: OpCreateCase, Params: map[string]any{
			"space": space, "owner": KibanaCaseOwner, "title": title, "description": description,
			"tags": tags, "severity": sev, "sync_alerts": o.SyncAlerts,
		}}},
		Undo: "delete the case in Kibana (Cases, select it, Delete cases); deleting a case leaves its alerts' statuses as they are",
	}
	for i, p := range parts {
		a.Calls = append(a.Calls, APICall{Service: KibanaService, Operation: OpAddCaseComment,
			Params: map[string]any{"space": space, "comment": p, "part": i + 1}})
	}
	alerts := ElasticAlerts(c)
	if len(alerts) > KibanaMaxAlertsPerCase {
		a.Warnings = append(a.Warnings, fmt.Sprintf("the case has %d Elastic alerts; Kibana holds at most %d a case: the first %d are attached", len(alerts), KibanaMaxAlertsPerCase, KibanaMaxAlertsPerCase))
		alerts = alerts[:KibanaMaxAlertsPerCase]
	}
	if len(alerts) > 0 {
		a.Calls = append(a.Calls, APICall{Service: KibanaService, Operation: OpAttachAlerts,
			Params: map[string]any{"space": space, "alerts": alerts}})
	}
	a.Affects = append(a.Affects,
		fmt.Sprintf("creates the case %q (severity %s) tagged %s in space %s of %s: a rerun completes this case, never a second one", title, sev, KibanaCaseTag(c.Key.String()), space, orDash(t.URL)),
		fmt.Sprintf("the description holds the case report (%d characters)", utf8.RuneCountInString(report)))
	if len(parts) > 0 {
		a.Affects = append(a.Affects, fmt.Sprintf("the report is longer than a description (%d characters): it follows in %s", KibanaMaxText, Plural(len(parts), "comment")))
	}
	if len(alerts) > 0 {
		a.Affects = append(a.Affects, "attaches "+Plural(len(alerts), "Elastic alert")+" (the alerts record the case in kibana.alert.case_ids)")
	} else {
		a.Warnings = append(a.Warnings, "the case has no Elastic alert to attach")
	}
	if o.SyncAlerts {
		a.Warnings = append(a.Warnings, "the case syncs alert statuses: attaching sets the alerts to the case's status (open), closing the case closes them")
	} else {
		a.Affects = append(a.Affects, "alert statuses are left as they are (the case does not sync them)")
	}
	if n := otherProviders(c); n > 0 {
		a.Affects = append(a.Affects, fmt.Sprintf("%s from GuardDuty or Security Hub are listed in the report, not attached", Plural(n, "finding")))
	}
	return a, nil
}

// caseSeverity is the highest severity of the case's eligible siblings (low at least).
func caseSeverity(c *Case) string {
	sev := SeverityLow
	for _, s := range c.Siblings {
		if s.Eligible && s.Severity > sev {
			sev = s.Severity
		}
	}
	return sev.String()
}

// splitReport returns the case description and, when the report does not fit in one,
// the comments that carry it in parts.
func splitReport(c *Case, report string) (string, []string) {
	if utf8.RuneCountInString(report) <= KibanaMaxText {
		return report, nil
	}
	const head = 200 // room for "Part i/n" headers
	chunks := splitLines(report, KibanaMaxText-head)
	parts := make([]string, len(chunks))
	for i, ch := range chunks {
		parts[i] = fmt.Sprintf("**keypivot case report, part %d/%d**\n\n%s", i+1, len(chunks), ch)
	}
	desc := fmt.Sprintf("keypivot case report for AWS access key `%s`: the report is %d characters long, more than a case description holds, so it follows in %d comments.\n",
		c.Key.String(), utf8.RuneCountInString(report), len(parts))
	return desc, parts
}

// splitLines cuts s into pieces of at most max characters, at line ends where it can.
func splitLines(s string, max int) []string {
	var out []string
	var cur strings.Builder
	n := 0
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
			n = 0
		}
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		l := utf8.RuneCountInString(line)
		for l > max {
			flush()
			cut := runeOffset(line, max)
			out = append(out, line[:cut])
			line = line[cut:]
			l = utf8.RuneCountInString(line)
		}
		if n+l > max {
			flush()
		}
		cur.WriteString(line)
		n += l
	}
	flush()
	return out
}

func runeOffset(s string, n int) int {
	i := 0
	for off := range s {
		if i == n {
			return off
		}
		i++
	}
	return len(s)
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return s[:runeOffset(s, n-1)] + "…"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// elasticSearched says what was searched for a case's Elastic alerts: the sources that
// can hold them (Elasticsearch, alert exports), not GuardDuty or Security Hub, whose
// findings are no Kibana alerts.
func elasticSearched(c *Case) string {
	var parts []string
	for _, s := range c.Completeness.Alerts.Sources {
		if s.Kind != "elasticsearch" && s.Kind != "alert-files" {
			continue
		}
		part := s.Source + ": " + cmp.Or(s.Searched, "nothing")
		if s.Status != SearchComplete {
			part += " (" + s.Status + ": " + strings.Join(s.Reasons, "; ") + ")"
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return "no Elastic alert source was searched (--elastic, or --alerts with an Elastic export)"
	}
	return "none in " + strings.Join(parts, "; ")
}
