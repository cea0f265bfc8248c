package simkibana

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/keypivot/keypivot/investigate"
)

// Limits of Kibana's cases API (its cases plugin's constants).
const (
	maxTags          = 200
	maxTagLength     = 256
	maxCasesPerAlert = 10
)

// caseOwners are the owners a case may have.
var caseOwners = []string{investigate.KibanaCaseOwner, "observability", "cases"}

// kcase is a case of a space.
type kcase struct {
	id, title, description string
	owner, severity        string
	status                 string
	tags                   []string
	sync                   bool
	comments               []comment
}

// comment is a user comment, or an alert comment attaching alerts of one rule.
type comment struct {
	user     bool
	text     string
	alertIDs []string
	indices  []string
	ruleUUID string
	ruleName string
}

func (c *kcase) render() Case {
	out := Case{ID: c.id, Title: c.title, Description: c.description, Owner: c.owner, Severity: c.severity,
		Status: c.status, Tags: slices.Clone(c.tags), SyncAlerts: c.sync, Alerts: c.alerts()}
	for _, cm := range c.comments {
		if cm.user {
			out.Comments = append(out.Comments, cm.text)
		} else {
			out.AlertComments++
		}
	}
	return out
}

// alerts lists the ids of the alerts attached to the case.
func (c *kcase) alerts() []string {
	var out []string
	for _, cm := range c.comments {
		out = append(out, cm.alertIDs...)
	}
	return out
}

// view is the case as write-back compares it with what a case creation plans: its user
// comments' texts and its alerts (nil for no case).
func (c *kcase) view() *investigate.KibanaCase {
	if c == nil {
		return nil
	}
	v := &investigate.KibanaCase{ID: c.id, Title: c.title, Alerts: c.alerts()}
	for _, cm := range c.comments {
		if cm.user {
			v.Comments = append(v.Comments, cm.text)
		}
	}
	return v
}

// findCase finds the case the action's key already has in the space of its CreateCase
// call (the default space without one): the oldest case of owner securitySolution
// tagged with the key's tag.
func (k *Kibana) findCase(a investigate.Action) *kcase {
	tag := investigate.KibanaCaseTag(a.Key)
	create, _ := investigate.KibanaCaseCreation(a)
	for _, c := range k.space(create.Param("space")).cases {
		if c.owner == investigate.KibanaCaseOwner && slices.Contains(c.tags, tag) {
			return c
		}
	}
	return nil
}

// caseState is the state of a case creation, in investigate.KibanaCaseState's words:
// no case tagged for the key yet, or the case with what it still lacks.
func (k *Kibana) caseState(a investigate.Action) (string, bool, error) {
	return investigate.KibanaCaseState(a, k.findCase(a).view())
}

// createCase creates the key's case unless the space has it, then adds the report parts
// and attaches the alerts it lacks, one alert comment per rule.
func (k *Kibana) createCase(a investigate.Action) ([]string, error) {
	create, err := investigate.KibanaCaseCreation(a)
	if err != nil {
		return nil, err
	}
	sp := create.Param("space")
	cs := k.findCase(a)
	if cs == nil {
		if cs, err = k.newCase(sp, create); err != nil {
			return nil, err
		}
	}
	ids := []string{"case " + cs.id}
	parts, alerts, err := cs.view().Missing(a)
	if err != nil {
		return ids, err
	}
	for _, p := range parts {
		if err := k.addUserComment(sp, cs, p); err != nil {
			return ids, fmt.Errorf("case %s: adding part %v of the report: %w", cs.id, p.Params["part"], err)
		}
	}
	if len(alerts) == 0 {
		return ids, nil
	}
	groups, err := k.alertRules(sp, alerts)
	if err != nil {
		return ids, fmt.Errorf("case %s: reading the alerts to attach: %w", cs.id, err)
	}
	for _, g := range groups {
		if err := k.attach(sp, cs, g); err != nil {
			return ids, fmt.Errorf("case %s: attaching %s of %q: %w", cs.id, investigate.Plural(len(g.alertIDs), "alert"), g.ruleName, err)
		}
	}
	return ids, nil
}

// newCase is POST /api/cases: the call's parameters checked as the cases API checks
// them.
func (k *Kibana) newCase(sp string, call investigate.APICall) (*kcase, error) {
	bad := func(format string, args ...any) error { return badRequest("POST", sp, "/api/cases", format, args...) }
	var extra []string
	for p := range call.Params {
		switch p {
		case "space", "part", "title", "description", "tags", "owner", "severity", "sync_alerts", "assignees", "category", "customFields":
		default:
			extra = append(extra, p)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return nil, bad("invalid keys %q", strings.Join(extra, ","))
	}
	title, why := text(call.Params["title"], "title", "title", investigate.KibanaMaxTitle)
	if why != "" {
		return nil, bad("%s", why)
	}
	desc, why := text(call.Params["description"], "description", "description", investigate.KibanaMaxText)
	if why != "" {
		return nil, bad("%s", why)
	}
	rawTags, ok := call.Params["tags"]
	if !ok || rawTags == nil {
		return nil, bad("%s", invalid(nil, "tags"))
	}
	var tags []string
	switch v := rawTags.(type) {
	case []string:
		tags = slices.Clone(v)
	case []any:
		for _, t := range v {
			s, isString := t.(string)
			if !isString {
				return nil, bad("%s", invalid(t, "tags"))
			}
			tags = append(tags, s)
		}
	default:
		return nil, bad("%s", invalid(rawTags, "tags"))
	}
	if len(tags) > maxTags {
		return nil, bad("The length of the field tags is too long. Array must be of length <= %d.", maxTags)
	}
	for i, t := range tags {
		if _, why := text(t, "tags", "tag", maxTagLength); why != "" {
			return nil, bad("%s", why)
		}
		tags[i] = strings.TrimSpace(t)
	}
	sync, ok := call.Params["sync_alerts"].(bool)
	if !ok {
		return nil, bad("%s", invalid(call.Params["sync_alerts"], "settings,syncAlerts"))
	}
	owner, ok := call.Params["owner"].(string)
	if !ok {
		return nil, bad("%s", invalid(call.Params["owner"], "owner"))
	}
	if !slices.Contains(caseOwners, owner) {
		return nil, &investigate.KibanaError{Method: "POST", Path: investigate.KibanaSpacePath(sp) + "/api/cases", Status: 403, Message: fmt.Sprintf("Unauthorized to create case with owners: %q", owner)}
	}
	severity := "low"
	if v, present := call.Params["severity"]; present {
		s, _ := v.(string)
		if !slices.Contains([]string{"low", "medium", "high", "critical"}, s) {
			return nil, bad("%s", invalid(v, "severity"))
		}
		severity = s
	}
	if err := k.write(); err != nil {
		return nil, err
	}
	k.caseSeq++
	c := &kcase{id: fmt.Sprintf("sim-case-%06d", k.caseSeq), title: title, description: desc, owner: owner,
		severity: severity, status: "open", tags: tags, sync: sync}
	s := k.space(sp)
	s.cases = append(s.cases, c)
	return c, nil
}

// addUserComment is POST /api/cases/{id}/comments of type user.
func (k *Kibana) addUserComment(sp string, cs *kcase, call investigate.APICall) error {
	path := "/api/cases/" + cs.id + "/comments"
	body, why := text(call.Params["comment"], "comment", "comment", investigate.KibanaMaxText)
	if why != "" {
		return badRequest("POST", sp, path, "%s", why)
	}
	if cs.owner != investigate.KibanaCaseOwner {
		return badRequest("POST", sp, path, "The owner field of the comment must match the case owner %q", cs.owner)
	}
	if err := k.write(); err != nil {
		return err
	}
	cs.comments = append(cs.comments, comment{user: true, text: body})
	return nil
}

// alertRules groups the alerts to attach by rule, with the rule's saved-object id and
// each alert's index, as read from the space's alerts index (an alert it does not hold
// cannot be attached).
func (k *Kibana) alertRules(sp string, refs []investigate.AlertRef) ([]comment, error) {
	s := k.space(sp)
	var groups []comment
	idx := map[string]int{}
	for _, r := range refs {
		al := s.alerts[r.ID]
		if al == nil {
			return nil, fmt.Errorf("alert %s is not in %s any more", r.ID, alertsIndex(sp))
		}
		name := al.ruleName
		if name == "" {
			name = r.RuleName
		}
		key := al.ruleUUID + "\x00" + name
		i, ok := idx[key]
		if !ok {
			i = len(groups)
			idx[key] = i
			groups = append(groups, comment{ruleUUID: al.ruleUUID, ruleName: name})
		}
		groups[i].alertIDs = append(groups[i].alertIDs, al.id)
		groups[i].indices = append(groups[i].indices, al.index)
	}
	return groups, nil
}

// attach is POST /api/cases/{id}/comments of type alert: the alerts record the case
// (kibana.alert.case_ids) and, when the case syncs alerts, take its status.
func (k *Kibana) attach(sp string, cs *kcase, g comment) error {
	path := "/api/cases/" + cs.id + "/comments"
	if cs.owner != investigate.KibanaCaseOwner {
		return badRequest("POST", sp, path, "The owner field of the comment must match the case owner %q", cs.owner)
	}
	attached := map[string]bool{}
	for _, id := range append(cs.alerts(), g.alertIDs...) {
		attached[id] = true
	}
	if len(attached) > investigate.KibanaMaxAlertsPerCase {
		return badRequest("POST", sp, path, "The case with id %s has reached the limit of %d alerts.", cs.id, investigate.KibanaMaxAlertsPerCase)
	}
	s := k.space(sp)
	for _, id := range g.alertIDs {
		if al := s.alerts[id]; !slices.Contains(al.caseIDs, cs.id) && len(al.caseIDs) >= maxCasesPerAlert {
			return badRequest("POST", sp, path, "The alert %s is attached to the maximum number of cases (%d).", id, maxCasesPerAlert)
		}
	}
	if err := k.write(); err != nil {
		return err
	}
	for _, id := range g.alertIDs {
		al := s.alerts[id]
		if !slices.Contains(al.caseIDs, cs.id) {
			al.caseIDs = append(al.caseIDs, cs.id)
		}
		if cs.sync {
			al.status = cs.status
		}
	}
	cs.comments = append(cs.comments, g)
	return nil
}

// text checks a text member as the cases API does: a string, not blank, at most max
// characters; noun names it in the messages. why is the message of a refusal ("" when
// the text is good).
func text(v any, path, noun string, max int) (s, why string) {
	s, ok := v.(string)
	switch {
	case !ok:
		return "", invalid(v, path)
	case strings.TrimSpace(s) == "":
		return "", fmt.Sprintf("The %s field cannot be an empty string.", noun)
	case utf8.RuneCountInString(s) > max:
		return "", fmt.Sprintf("The length of the %s is too long. The maximum length is %d.", noun, max)
	}
	return s, ""
}

// invalid is the cases API's validation message for a missing or mistyped member.
func invalid(v any, path string) string {
	got := `"undefined"`
	if v != nil {
		b, _ := json.Marshal(v)
		got = string(b)
	}
	return fmt.Sprintf("Invalid value %s supplied to %q", got, path)
}
