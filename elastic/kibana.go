package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/keypivot/keypivot/files/alertdoc"
	"github.com/keypivot/keypivot/investigate"
)

// kibanaAPIVersion is the public API version keypivot speaks (required by serverless
// projects, accepted by 8.x and 9.x).
const kibanaAPIVersion = "2023-10-31"

// Kibana writes back through Kibana's API: alert statuses (detection engine) and cases.
// It implements investigate.Remediator for the kibana-* actions, reading state from
// Elasticsearch (alert statuses) and Kibana (cases) before and after each write.
type Kibana struct {
	c   *Client
	url string
}

// Kibana returns the write-back client; it needs Kibana's URL (--kibana, or a cloud id).
func (c *Client) Kibana() (*Kibana, error) {
	if c.cfg.KibanaURL == "" {
		return nil, errors.New("no Kibana URL: give --kibana URL (or --cloud-id, which names Kibana too)")
	}
	return &Kibana{c: c, url: c.cfg.KibanaURL}, nil
}

// URL is Kibana's URL.
func (k *Kibana) URL() string { return k.url }

// Caller implements investigate.Remediator: who Elasticsearch says the credentials are.
func (k *Kibana) Caller(ctx context.Context) (investigate.Caller, error) {
	res, err := esapi.SecurityAuthenticateRequest{}.Do(ctx, k.c.es)
	if err != nil {
		return investigate.Caller{}, k.c.connErr(err)
	}
	defer res.Body.Close()
	caller := investigate.Caller{Profile: "kibana " + k.url, Kibana: k.url}
	if res.IsError() {
		err := k.c.responseError("who am I (_security/_authenticate)", res)
		var ee *Error
		if errors.As(err, &ee) && (ee.Status == http.StatusBadRequest || ee.Status == http.StatusNotFound) {
			// Security is off: there is no user to name.
			caller.ARN = "elastic:anonymous (security disabled)"
			return caller, nil
		}
		return caller, err
	}
	var who struct {
		Username string `json:"username"`
		APIKey   *struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"api_key"`
		Realm struct {
			Name string `json:"name"`
		} `json:"authentication_realm"`
	}
	if err := json.NewDecoder(res.Body).Decode(&who); err != nil {
		return caller, fmt.Errorf("who am I: %v", err)
	}
	caller.UserName = who.Username
	caller.ARN = "elastic:user/" + who.Username
	if who.APIKey != nil {
		caller.ARN += " (api key " + who.APIKey.Name + " " + who.APIKey.ID + ")"
		caller.AccessKeyID = who.APIKey.ID
	}
	return caller, nil
}

// State implements investigate.Remediator.
func (k *Kibana) State(ctx context.Context, a investigate.Action) (string, bool, error) {
	switch a.Kind {
	case investigate.ActKibanaSetStatus:
		return investigate.KibanaStatusState(a, func(space string, ids []string) (map[string]string, error) {
			return k.c.alertStatuses(ctx, space, ids)
		})
	case investigate.ActKibanaCreateCase:
		cs, err := k.findCase(ctx, a)
		if err != nil {
			return "", false, err
		}
		return investigate.KibanaCaseState(a, cs.view())
	}
	return "", false, investigate.NotKibanaAction(a)
}

// Apply implements investigate.Remediator. Creating a case first looks for the case the
// key already has (its tag) and completes it: a rerun after a crash never makes two.
func (k *Kibana) Apply(ctx context.Context, a investigate.Action) ([]string, error) {
	switch a.Kind {
	case investigate.ActKibanaSetStatus:
		call, err := investigate.OnlyCall(a, investigate.OpSetAlertStatus)
		if err != nil {
			return nil, err
		}
		var res struct {
			Updated  int   `json:"updated"`
			Total    int   `json:"total"`
			Failures []any `json:"failures"`
		}
		if err := k.call(ctx, call, "", &res); err != nil {
			return nil, err
		}
		if len(res.Failures) > 0 {
			return nil, fmt.Errorf("Kibana updated %d of %s: %s", res.Updated, investigate.Plural(res.Total, "alert"), investigate.Plural(len(res.Failures), "failure"))
		}
		return []string{fmt.Sprintf("signals/status: %d of %d updated", res.Updated, res.Total)}, nil
	case investigate.ActKibanaCreateCase:
		return k.createCase(ctx, a)
	}
	return nil, investigate.NotKibanaAction(a)
}

func (k *Kibana) createCase(ctx context.Context, a investigate.Action) ([]string, error) {
	create, err := investigate.KibanaCaseCreation(a)
	if err != nil {
		return nil, err
	}
	cs, err := k.findCase(ctx, a)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		var created kibanaCase
		if err := k.call(ctx, create, "", &created); err != nil {
			return nil, err
		}
		if created.ID == "" {
			return nil, errors.New("Kibana created a case but answered without its id")
		}
		cs = &created
	}
	ids := []string{"case " + cs.ID}
	parts, alerts, err := cs.view().Missing(a)
	if err != nil {
		return ids, err
	}
	for _, p := range parts {
		if err := k.call(ctx, p, cs.ID, nil); err != nil {
			return ids, fmt.Errorf("case %s: adding part %v of the report: %w", cs.ID, p.Params["part"], err)
		}
	}
	if len(alerts) == 0 {
		return ids, nil
	}
	space := create.Param("space")
	groups, err := k.c.alertRules(ctx, space, alerts)
	if err != nil {
		return ids, fmt.Errorf("case %s: reading the alerts to attach: %w", cs.ID, err)
	}
	for _, g := range groups {
		body := map[string]any{"type": "alert", "owner": investigate.KibanaCaseOwner, "alertId": g.ids, "index": g.indices,
			"rule": map[string]any{"id": nullable(g.ruleUUID), "name": nullable(g.ruleName)}}
		if err := k.do(ctx, http.MethodPost, investigate.KibanaSpacePath(space)+"/api/cases/"+url.PathEscape(cs.ID)+"/comments", body, nil); err != nil {
			return ids, fmt.Errorf("case %s: attaching %s of %q: %w", cs.ID, investigate.Plural(len(g.ids), "alert"), g.ruleName, err)
		}
	}
	return ids, nil
}

// kibanaCase is a case as the cases API renders it.
type kibanaCase struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Tags     []string `json:"tags"`
	Comments []struct {
		Type    string          `json:"type"`
		Comment string          `json:"comment"`
		AlertID json.RawMessage `json:"alertId"`
	} `json:"comments"`
}

// alerts lists the ids of the alerts attached to the case.
func (c *kibanaCase) alerts() []string {
	var out []string
	for _, cm := range c.Comments {
		if cm.Type != "alert" {
			continue
		}
		var many []string
		if json.Unmarshal(cm.AlertID, &many) != nil {
			var one string
			if json.Unmarshal(cm.AlertID, &one) == nil {
				many = []string{one}
			}
		}
		out = append(out, many...)
	}
	return out
}

// view is the case as write-back compares it with what a case creation plans: its user
// comments' texts and its alerts (nil for no case).
func (c *kibanaCase) view() *investigate.KibanaCase {
	if c == nil {
		return nil
	}
	v := &investigate.KibanaCase{ID: c.ID, Title: c.Title, Alerts: c.alerts()}
	for _, cm := range c.Comments {
		if cm.Type == "user" {
			v.Comments = append(v.Comments, cm.Comment)
		}
	}
	return v
}

// findCase finds the case the action's key already has in the space (by its tag).
func (k *Kibana) findCase(ctx context.Context, a investigate.Action) (*kibanaCase, error) {
	// An action without a CreateCase call is refused (investigate.KibanaCaseCreation)
	// whatever it finds: the default space will do.
	create, _ := investigate.KibanaCaseCreation(a)
	space := create.Param("space")
	q := url.Values{"owner": {investigate.KibanaCaseOwner}, "tags": {investigate.KibanaCaseTag(a.Key)}, "perPage": {"100"},
		"sortField": {"createdAt"}, "sortOrder": {"asc"}}
	var found struct {
		Cases []kibanaCase `json:"cases"`
		Total int          `json:"total"`
	}
	if err := k.do(ctx, http.MethodGet, investigate.KibanaSpacePath(space)+"/api/cases/_find?"+q.Encode(), nil, &found); err != nil {
		return nil, err
	}
	for _, c := range found.Cases {
		if slices.Contains(c.Tags, investigate.KibanaCaseTag(a.Key)) {
			// The oldest case of the key; _find does not list comments: read the case.
			var full kibanaCase
			if err := k.do(ctx, http.MethodGet, investigate.KibanaSpacePath(space)+"/api/cases/"+url.PathEscape(c.ID), nil, &full); err != nil {
				return nil, err
			}
			return &full, nil
		}
	}
	return nil, nil
}

// call makes one planned Kibana call; caseID fills the {case} of the path.
func (k *Kibana) call(ctx context.Context, c investigate.APICall, caseID string, out any) error {
	method, path, body := investigate.KibanaRequest(c)
	if method == "" {
		return fmt.Errorf("unknown Kibana operation %q", c.Operation)
	}
	path = strings.ReplaceAll(path, "{case}", url.PathEscape(caseID))
	return k.do(ctx, method, path, body, out)
}

func (k *Kibana) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, k.url+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("kbn-xsrf", "true")
	req.Header.Set("elastic-api-version", kibanaAPIVersion)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth := k.c.cfg.authorization(); auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := k.c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("cannot reach Kibana at %s: %w", k.url, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("Kibana %s %s: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		var e struct {
			Message string `json:"message"`
			Error   string `json:"error"`
		}
		msg := strings.TrimSpace(string(raw))
		if json.Unmarshal(raw, &e) == nil && (e.Message != "" || e.Error != "") {
			msg = e.Message
			if msg == "" {
				msg = e.Error
			}
		}
		if len(msg) > 500 {
			msg = msg[:500] + "..."
		}
		return &investigate.KibanaError{Method: method, Path: path, Status: res.StatusCode, Message: msg}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("Kibana %s %s: unreadable answer: %v", method, path, err)
		}
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// alertsOf is the alerts index of a space.
func (c *Client) alertsOf(space string) string {
	if space == "" || space == c.cfg.space() {
		return c.cfg.AlertsIndexName()
	}
	return ".alerts-security.alerts-" + space
}

// alertDocs reads the named fields of the alerts with ids in the space's alerts index.
func (c *Client) alertDocs(ctx context.Context, space string, ids []string, fields []string) ([]hit, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	index := c.alertsOf(space)
	body, _ := json.Marshal(map[string]any{
		"query":   map[string]any{"ids": map[string]any{"values": ids}},
		"size":    len(ids),
		"_source": map[string]any{"includes": fields},
	})
	res, err := esapi.SearchRequest{Index: []string{index}, Body: bytes.NewReader(body)}.Do(ctx, c.es)
	if err != nil {
		return nil, c.connErr(err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return nil, c.responseError("search "+index, res)
	}
	var page struct {
		Hits struct {
			Hits []hit `json:"hits"`
		} `json:"hits"`
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		return nil, fmt.Errorf("search %s: %v", index, err)
	}
	return page.Hits.Hits, nil
}

// alertStatuses reads the workflow status of each alert (absent ids are not in the map).
func (c *Client) alertStatuses(ctx context.Context, space string, ids []string) (map[string]string, error) {
	hits, err := c.alertDocs(ctx, space, ids, []string{"kibana.alert.workflow_status", "signal.status"})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(hits))
	for _, h := range hits {
		var doc map[string]any
		_ = json.Unmarshal(h.Source, &doc)
		out[h.ID] = investigate.NormalizeWorkflowStatus(docString(doc, "kibana.alert.workflow_status", "signal.status"))
	}
	return out, nil
}

// ruleGroup is the alerts of one rule, attached in one comment.
type ruleGroup struct {
	ruleUUID, ruleName string
	ids, indices       []string
}

// alertRules groups alerts by rule, with the rule's saved-object id and each alert's
// concrete index as Kibana's alert comments want them, read from Elasticsearch.
func (c *Client) alertRules(ctx context.Context, space string, refs []investigate.AlertRef) ([]ruleGroup, error) {
	ids := make([]string, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	hits, err := c.alertDocs(ctx, space, ids, []string{"kibana.alert.rule.uuid", "kibana.alert.rule.name", "signal.rule.id", "signal.rule.name"})
	if err != nil {
		return nil, err
	}
	byID := map[string]hit{}
	for _, h := range hits {
		byID[h.ID] = h
	}
	var groups []ruleGroup
	idx := map[string]int{}
	for _, r := range refs {
		h, ok := byID[r.ID]
		if !ok {
			return nil, fmt.Errorf("alert %s is not in %s any more", r.ID, c.alertsOf(space))
		}
		var doc map[string]any
		_ = json.Unmarshal(h.Source, &doc)
		uuid := docString(doc, "kibana.alert.rule.uuid", "signal.rule.id")
		name := docString(doc, "kibana.alert.rule.name", "signal.rule.name")
		if name == "" {
			name = r.RuleName
		}
		key := uuid + "\x00" + name
		i, ok := idx[key]
		if !ok {
			i = len(groups)
			idx[key] = i
			groups = append(groups, ruleGroup{ruleUUID: uuid, ruleName: name})
		}
		groups[i].ids = append(groups[i].ids, h.ID)
		groups[i].indices = append(groups[i].indices, h.Index)
	}
	return groups, nil
}

// docString is the first non-empty string at paths in a _source (flat or nested).
func docString(doc map[string]any, paths ...string) string { return alertdoc.Doc(doc).StrAny(paths...) }
