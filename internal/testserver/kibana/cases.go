package kibana

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/keypivot/keypivot/internal/testserver/httpkit"
)

// Limits of the cases API (Kibana's cases plugin constants).
const (
	maxTitleLength       = 160
	maxDescriptionLength = 30000
	maxTags              = 200
	maxTagLength         = 256
	maxCommentLength     = 30000
	maxAlertsPerCase     = 1000
	maxCasesPerAlert     = 10
	maxDocsPerPage       = 100
	maxFindWindow        = 10000
)

var caseOwners = map[string]bool{"securitySolution": true, "observability": true, "cases": true}

type kcase struct {
	fields   map[string]any // the case object without comments and totals
	comments []map[string]any
	version  int
	seq      int
}

// savedObjectVersion renders a version the way Kibana does: base64 of [seq_no,term].
func savedObjectVersion(n int) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("[%d,1]", n)))
}

func (s *Server) userObject(u user) map[string]any {
	out := map[string]any{"username": u.Username, "full_name": nil, "email": nil}
	if u.ProfileUID != "" {
		out["profile_uid"] = u.ProfileUID
	}
	return out
}

func (c *kcase) render(withComments bool) map[string]any {
	out := make(map[string]any, len(c.fields)+4)
	for k, v := range c.fields {
		out[k] = v
	}
	out["version"] = savedObjectVersion(c.version)
	users, alerts := 0, map[string]bool{}
	for _, cm := range c.comments {
		switch cm["type"] {
		case "user":
			users++
		case "alert":
			for _, id := range asStrings(cm["alertId"]) {
				alerts[id] = true
			}
		}
	}
	out["totalComment"] = users
	out["totalAlerts"] = len(alerts)
	comments := []any{}
	if withComments {
		for _, cm := range c.comments {
			comments = append(comments, cm)
		}
	}
	out["comments"] = comments
	return out
}

func asStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// invalid renders the io-ts validation message the cases API answers with.
func invalid(value any, path string) (int, any) {
	v := "undefined"
	if value != nil {
		b, _ := json.Marshal(value)
		v = string(b)
	}
	return kibanaError(http.StatusBadRequest, fmt.Sprintf("Invalid value %s supplied to %q", quoteValue(v), path))
}

func quoteValue(v string) string {
	if v == "undefined" {
		return `"undefined"`
	}
	return v
}

// refusal is an error answer a validator hands back to its handler.
type refusal struct {
	code int
	body any
}

func refuse(code int, body any) *refusal { return &refusal{code, body} }

// text validates a text member the way the cases API does: a string (else the
// validation message naming path), not blank, at most max characters; noun names the
// member in the messages.
func text(v any, path, noun string, max int) (string, *refusal) {
	s, ok := v.(string)
	switch {
	case !ok:
		return "", refuse(invalid(v, path))
	case strings.TrimSpace(s) == "":
		return "", refuse(kibanaError(http.StatusBadRequest, fmt.Sprintf("The %s field cannot be an empty string.", noun)))
	case utf8.RuneCountInString(s) > max:
		return "", refuse(kibanaError(http.StatusBadRequest, fmt.Sprintf("The length of the %s is too long. The maximum length is %d.", noun, max)))
	}
	return s, nil
}

// onlyKeys refuses a body with members other than allowed, naming them all.
func onlyKeys(body map[string]any, allowed ...string) *refusal {
	var extra []string
	for k := range body {
		if !slices.Contains(allowed, k) {
			extra = append(extra, k)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	sort.Strings(extra)
	return refuse(kibanaError(http.StatusBadRequest, fmt.Sprintf("invalid keys \"%s\"", strings.Join(extra, ","))))
}

func (s *Server) createCase(space string, u user, body map[string]any) (int, any) {
	if bad := onlyKeys(body, "title", "description", "tags", "connector", "settings",
		"owner", "severity", "assignees", "category", "customFields"); bad != nil {
		return bad.code, bad.body
	}
	title, bad := text(body["title"], "title", "title", maxTitleLength)
	if bad != nil {
		return bad.code, bad.body
	}
	desc, bad := text(body["description"], "description", "description", maxDescriptionLength)
	if bad != nil {
		return bad.code, bad.body
	}
	rawTags, ok := body["tags"].([]any)
	if !ok {
		return invalid(body["tags"], "tags")
	}
	if len(rawTags) > maxTags {
		return kibanaError(http.StatusBadRequest, fmt.Sprintf("The length of the field tags is too long. Array must be of length <= %d.", maxTags))
	}
	tags := make([]any, 0, len(rawTags))
	for _, t := range rawTags {
		ts, bad := text(t, "tags", "tag", maxTagLength)
		if bad != nil {
			return bad.code, bad.body
		}
		tags = append(tags, strings.TrimSpace(ts))
	}
	conn, ok := body["connector"].(map[string]any)
	if !ok {
		return invalid(body["connector"], "connector")
	}
	if conn["type"] != ".none" {
		return kibanaError(http.StatusNotFound, fmt.Sprintf("The connector with id %v of type %v is not configured in this test server; use {\"id\":\"none\",\"name\":\"none\",\"type\":\".none\",\"fields\":null}", conn["id"], conn["type"]))
	}
	if conn["fields"] != nil {
		return invalid(conn["fields"], "connector,fields")
	}
	settings, ok := body["settings"].(map[string]any)
	if !ok {
		return invalid(body["settings"], "settings")
	}
	sync, ok := settings["syncAlerts"].(bool)
	if !ok {
		return invalid(settings["syncAlerts"], "settings,syncAlerts")
	}
	owner, ok := body["owner"].(string)
	if !ok {
		return invalid(body["owner"], "owner")
	}
	if !caseOwners[owner] {
		return kibanaError(http.StatusForbidden, fmt.Sprintf("Unauthorized to create case with owners: \"%s\"", owner))
	}
	severity := "low"
	if v, ok := body["severity"]; ok {
		sv, _ := v.(string)
		switch sv {
		case "low", "medium", "high", "critical":
			severity = sv
		default:
			return invalid(v, "severity")
		}
	}
	assignees := []any{}
	if v, ok := body["assignees"].([]any); ok {
		assignees = v
	}
	var category any
	if v, ok := body["category"].(string); ok {
		category = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.caseSeq++
	c := &kcase{version: 1, seq: s.caseSeq}
	c.fields = map[string]any{
		"id":                httpkit.UUID(),
		"owner":             owner,
		"title":             title,
		"description":       desc,
		"tags":              tags,
		"settings":          map[string]any{"syncAlerts": sync},
		"connector":         map[string]any{"id": "none", "name": "none", "type": ".none", "fields": nil},
		"severity":          severity,
		"status":            "open",
		"assignees":         assignees,
		"category":          category,
		"customFields":      []any{},
		"observables":       []any{},
		"total_observables": 0,
		"incremental_id":    s.caseSeq,
		"created_at":        s.clock().UTC().Format("2006-01-02T15:04:05.000Z"),
		"created_by":        s.userObject(u),
		"updated_at":        nil,
		"updated_by":        nil,
		"closed_at":         nil,
		"closed_by":         nil,
		"duration":          nil,
		"external_service":  nil,
	}
	if s.cases[space] == nil {
		s.cases[space] = map[string]*kcase{}
	}
	s.cases[space][c.fields["id"].(string)] = c
	return http.StatusOK, c.render(true)
}

func caseNotFound(id string) (int, any) {
	return kibanaError(http.StatusNotFound, fmt.Sprintf("Saved object [cases/%s] not found", id))
}

func (s *Server) getCase(space, id string) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cases[space][id]
	if !ok {
		return caseNotFound(id)
	}
	return http.StatusOK, c.render(true)
}

// addComment implements POST /api/cases/{id}/comments for user comments and alert
// attachments. Attaching alerts records the case on them (kibana.alert.case_ids) and,
// when the case syncs alerts, sets their workflow status to the case's.
func (s *Server) addComment(space string, u user, id string, body map[string]any) (int, any) {
	typ, _ := body["type"].(string)
	owner, ownerOK := body["owner"].(string)
	cm := map[string]any{}
	switch typ {
	case "user":
		if bad := onlyKeys(body, "type", "comment", "owner"); bad != nil {
			return bad.code, bad.body
		}
		comment, bad := text(body["comment"], "comment", "comment", maxCommentLength)
		if bad != nil {
			return bad.code, bad.body
		}
		cm["comment"] = comment
	case "alert":
		if bad := onlyKeys(body, "type", "alertId", "index", "rule", "owner"); bad != nil {
			return bad.code, bad.body
		}
		ids, indices := asStrings(body["alertId"]), asStrings(body["index"])
		if len(ids) == 0 {
			return invalid(body["alertId"], "alertId")
		}
		if len(indices) != len(ids) {
			return kibanaError(http.StatusBadRequest, "Received an alert comment with ids and indices arrays of different lengths.")
		}
		rule, ok := body["rule"].(map[string]any)
		if !ok {
			return invalid(body["rule"], "rule")
		}
		for _, k := range []string{"id", "name"} {
			if v, present := rule[k]; !present {
				return invalid(nil, "rule,"+k)
			} else if _, isStr := v.(string); v != nil && !isStr {
				return invalid(v, "rule,"+k)
			}
		}
		cm["alertId"], cm["index"] = body["alertId"], body["index"]
		cm["rule"] = map[string]any{"id": rule["id"], "name": rule["name"]}
	default:
		return invalid(body["type"], "type")
	}
	if !ownerOK {
		return invalid(body["owner"], "owner")
	}

	s.mu.Lock()
	c, ok := s.cases[space][id]
	if !ok {
		s.mu.Unlock()
		return caseNotFound(id)
	}
	if owner != c.fields["owner"] {
		s.mu.Unlock()
		return kibanaError(http.StatusBadRequest, fmt.Sprintf("The owner field of the comment must match the case owner \"%v\"", c.fields["owner"]))
	}
	if typ == "alert" {
		attached := map[string]bool{}
		for _, old := range c.comments {
			for _, a := range asStrings(old["alertId"]) {
				attached[a] = true
			}
		}
		for _, a := range asStrings(cm["alertId"]) {
			attached[a] = true
		}
		if len(attached) > maxAlertsPerCase {
			s.mu.Unlock()
			return kibanaError(http.StatusBadRequest, fmt.Sprintf("The case with id %s has reached the limit of %d alerts.", id, maxAlertsPerCase))
		}
	}
	caseStatus, _ := c.fields["status"].(string)
	sync, _ := c.fields["settings"].(map[string]any)["syncAlerts"].(bool)
	s.mu.Unlock()

	if typ == "alert" {
		if code, v, failed := s.linkAlerts(id, asStrings(cm["alertId"]), asStrings(cm["index"]), caseStatus, sync); failed {
			return code, v
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock().UTC().Format("2006-01-02T15:04:05.000Z")
	cm["id"] = httpkit.UUID()
	cm["type"] = typ
	cm["owner"] = owner
	cm["created_at"] = now
	cm["created_by"] = s.userObject(u)
	cm["pushed_at"], cm["pushed_by"], cm["updated_at"], cm["updated_by"] = nil, nil, nil, nil
	cm["version"] = savedObjectVersion(1)
	c.comments = append(c.comments, cm)
	c.version++
	c.fields["updated_at"] = now
	c.fields["updated_by"] = s.userObject(u)
	return http.StatusOK, c.render(true)
}

// linkAlerts records the case on the attached alerts and syncs their status.
func (s *Server) linkAlerts(caseID string, ids, indices []string, caseStatus string, sync bool) (int, any, bool) {
	status := map[string]string{"open": "open", "in-progress": "acknowledged", "closed": "closed"}[caseStatus]
	list := make([]any, len(ids))
	for i, id := range ids {
		list[i] = id
	}
	var tooMany string
	q := map[string]any{"ids": map[string]any{"values": list}}
	seen := map[string]bool{}
	var targets []string
	for _, ix := range indices {
		if !seen[ix] {
			seen[ix] = true
			targets = append(targets, ix)
		}
	}
	_, err := s.es.UpdateByQuery(strings.Join(targets, ","), q, func(id string, src map[string]any) bool {
		cases := asStrings(src["kibana.alert.case_ids"])
		for _, c := range cases {
			if c == caseID {
				return false
			}
		}
		if len(cases) >= maxCasesPerAlert {
			tooMany = id
			return false
		}
		ids := make([]any, 0, len(cases)+1)
		for _, c := range cases {
			ids = append(ids, c)
		}
		src["kibana.alert.case_ids"] = append(ids, caseID)
		if sync && status != "" {
			if cur, ok := alertField(src, "kibana.alert.workflow_status"); ok && cur != nil {
				src["kibana.alert.workflow_status"] = status
			}
		}
		return true
	})
	if err != nil {
		code, v := kibanaError(http.StatusInternalServerError, err.Error())
		return code, v, true
	}
	if tooMany != "" {
		code, v := kibanaError(http.StatusBadRequest, fmt.Sprintf("The alert %s is attached to the maximum number of cases (%d).", tooMany, maxCasesPerAlert))
		return code, v, true
	}
	return 0, nil, false
}

func (s *Server) findCases(space string, params url.Values) (int, any) {
	page, perPage := 1, 20
	if v := params.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return invalid(v, "page")
		}
		page = n
	}
	if v := params.Get("perPage"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return invalid(v, "perPage")
		}
		if n > maxDocsPerPage {
			return kibanaError(http.StatusBadRequest, fmt.Sprintf("The provided perPage value is too high. The maximum allowed perPage value is %d.", maxDocsPerPage))
		}
		perPage = n
	}
	if page*perPage > maxFindWindow {
		return kibanaError(http.StatusBadRequest, fmt.Sprintf("The number of documents is too high. Paginating through more than %d documents is not possible.", maxFindWindow))
	}
	owners := params["owner"]
	for _, o := range owners {
		if !caseOwners[o] {
			return kibanaError(http.StatusBadRequest, fmt.Sprintf("Invalid value %q supplied to \"owner\"", o))
		}
	}
	statuses, severities, tags := params["status"], params["severity"], params["tags"]
	search := strings.ToLower(params.Get("search"))
	sortField := params.Get("sortField")
	if sortField == "" {
		sortField = "createdAt"
	}
	desc := params.Get("sortOrder") != "asc"

	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []*kcase
	counts := map[string]int{}
	for _, c := range s.cases[space] {
		f := c.fields
		if len(owners) > 0 && !contains(owners, f["owner"].(string)) {
			continue
		}
		if len(severities) > 0 && !contains(severities, f["severity"].(string)) {
			continue
		}
		if len(tags) > 0 && !anyTag(f["tags"].([]any), tags) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(f["title"].(string)), search) &&
			!strings.Contains(strings.ToLower(f["description"].(string)), search) && f["id"] != search {
			continue
		}
		counts[f["status"].(string)]++
		if len(statuses) > 0 && !contains(statuses, f["status"].(string)) {
			continue
		}
		matched = append(matched, c)
	}
	key := map[string]string{"createdAt": "created_at", "updatedAt": "updated_at", "closedAt": "closed_at",
		"title": "title", "severity": "severity", "status": "status", "category": "category"}[sortField]
	if key == "" {
		return invalid(sortField, "sortField")
	}
	sort.SliceStable(matched, func(i, j int) bool {
		a, b := fmt.Sprint(matched[i].fields[key]), fmt.Sprint(matched[j].fields[key])
		if a == b {
			a, b = strconv.Itoa(matched[i].seq), strconv.Itoa(matched[j].seq)
			if len(a) != len(b) {
				return (len(a) < len(b)) != desc
			}
		}
		return (a < b) != desc
	})
	start := min((page-1)*perPage, len(matched))
	end := min(start+perPage, len(matched))
	out := []any{}
	for _, c := range matched[start:end] {
		out = append(out, c.render(false))
	}
	return http.StatusOK, map[string]any{
		"cases": out, "page": page, "per_page": perPage, "total": len(matched),
		"count_open_cases": counts["open"], "count_in_progress_cases": counts["in-progress"], "count_closed_cases": counts["closed"],
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func anyTag(have []any, want []string) bool {
	for _, h := range have {
		if contains(want, fmt.Sprint(h)) {
			return true
		}
	}
	return false
}

// Cases returns the cases of a space as the API renders them (with comments), in
// creation order.
func (s *Server) Cases(space string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*kcase
	for _, c := range s.cases[space] {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	out := make([]map[string]any, len(list))
	for i, c := range list {
		out[i] = c.render(true)
	}
	return out
}
