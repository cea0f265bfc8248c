package alertdoc

import (
	"fmt"
	"slices"
	"strings"

	"github.com/keypivot/keypivot/investigate"
)

// Fields of Elastic Security alert documents (facts §2). Legacy .siem-signals documents
// (Kibana 7) carry the same facts under signal.*; they are read as a fallback.
const (
	fAlertUUID      = "kibana.alert.uuid"
	fRuleName       = "kibana.alert.rule.name"
	fRuleID         = "kibana.alert.rule.rule_id"
	fRuleUUID       = "kibana.alert.rule.uuid"
	fRuleType       = "kibana.alert.rule.type"
	fRuleTags       = "kibana.alert.rule.tags"
	fSeverity       = "kibana.alert.severity"
	fRiskScore      = "kibana.alert.risk_score"
	fWorkflowStatus = "kibana.alert.workflow_status"
	fReason         = "kibana.alert.reason"
	fOriginalTime   = "kibana.alert.original_time"
	fNewTerms       = "kibana.alert.new_terms"
	fTimestamp      = "@timestamp"
	fEventKind      = "event.kind"
	fSourceIP       = "source.ip"
	fASOrg          = "source.as.organization.name"
	fCountryName    = "source.geo.country_name"
	fCountryISO     = "source.geo.country_iso_code"
	fUserAgent      = "user_agent.original"
	fAccount        = "cloud.account.id"
	fRegion         = "cloud.region"
	fAction         = "event.action"
	fUserName       = "user.name"
	fAccessKeyID    = "aws.cloudtrail.user_identity.access_key_id"
	fUserARN        = "aws.cloudtrail.user_identity.arn"
	fIdentityType   = "aws.cloudtrail.user_identity.type"
	// fUserEntityID is the caller's entity id: Elastic's AWS integration (newer
	// versions) fills it with userIdentity.arn, as an array.
	fUserEntityID = "user.entity.id"

	// The rule's own account of itself and the event the alert was raised on, for an
	// alert's detail (not for correlation).
	fRuleDescription = "kibana.alert.rule.description"
	fRuleThreat      = "kibana.alert.rule.threat"
	fOriginalEventID = "kibana.alert.original_event.id"

	// Output columns of the higher-order ES|QL rule (facts §1).
	fEsqlFirstSeenCount = "Esql.alert_count_long_term_key_new_ip_rule"
	fEsqlRuleIDs        = "Esql.kibana_alert_rule_id_values"
	fEsqlUserEntityIDs  = "Esql.user_entity_id_values"
	// fEsqlSourceIPs is the addresses of a higher-order rule that groups by something
	// else than source.ip (the rule's investigation guide names it).
	fEsqlSourceIPs = "Esql.source_ip_values"
)

// esqlIdentityColumns are the Esql.*_values columns of higher-order rules that name
// identities: the current rule's user entities, and the ARNs, access keys and user
// names its investigation guide and other higher-order rules aggregate.
var esqlIdentityColumns = []string{
	fEsqlUserEntityIDs,
	"Esql.aws_cloudtrail_user_identity_arn_values",
	"Esql.aws_cloudtrail_user_identity_access_key_id_values",
	"Esql.user_name_values",
}

// ElasticSourceFields lists the _source fields FromElastic reads, for a search's _source
// includes: alert documents also carry the whole source event, its ancestors and the
// rule's parameters, which an adapter need not fetch. A document filtered to these
// fields maps to the same Alert as the whole document.
func ElasticSourceFields() []string {
	return []string{
		fTimestamp, fAlertUUID, fRuleName, fRuleID, fRuleUUID, fRuleType, fRuleTags,
		fSeverity, fRiskScore, fWorkflowStatus, fReason, fOriginalTime, fNewTerms,
		fEventKind, fAction, fSourceIP, fASOrg, fCountryName, fCountryISO, fUserAgent,
		fUserName, fAccount, fRegion, fAccessKeyID, fUserARN, fIdentityType, fUserEntityID,
		"Esql.*",                                                                  // the higher-order rule's columns
		"signal.rule.*", "signal.status", "signal.reason", "signal.original_time", // legacy .siem-signals
		fRuleDescription, fRuleThreat, fOriginalEventID,
	}
}

// ElasticDetailFields are the fields among ElasticSourceFields that FromElastic reads for
// an alert's detail only (the rule's description and its MITRE ATT&CK mapping, the id of
// the event the alert was raised on): a search
// that reads every alert of a window to correlate them and keeps none (a ranking) can
// leave them out, which keeps its pages a few hundred bytes an alert smaller.
func ElasticDetailFields() []string { return []string{fRuleDescription, fRuleThreat, fOriginalEventID} }

// NotAlertError says a document is not an alert or finding of the expected kind, and
// which fields were looked for.
type NotAlertError struct {
	Want    string   // "an Elastic alert", "a GuardDuty finding", ...
	Missing []string // the fields looked for and not found
	// Looks names what the document seems to be instead, when recognisable
	// ("a CloudTrail record"); "" otherwise.
	Looks string
}

func (e *NotAlertError) Error() string {
	msg := fmt.Sprintf("not %s: no %s", e.Want, strings.Join(e.Missing, ", "))
	if e.Looks != "" {
		msg += " (it looks like " + e.Looks + ")"
	}
	return msg
}

// FromElastic maps an Elastic Security alert's _source onto an Alert. id and index are
// the hit's _id and _index when known ("" otherwise); _id is the alert id when the
// document has no kibana.alert.uuid. A whole hit ({"_id","_index","_source"}) or a hit
// read with the fields API ({"fields":{...}}) is accepted too.
//
// Field names match case-sensitively, as in Elasticsearch ("Source.IP" is not source.ip).
// A document with neither a rule name, a rule id, nor any kibana.* (or legacy signal.*)
// field is not an alert: the error names the fields looked for.
//
// FromElastic is MapElastic without the problems of the fields it left unset: callers
// that report problems call MapElastic.
func FromElastic(doc map[string]any, id, index string) (investigate.Alert, error) {
	a, _, err := MapElastic(doc, id, index)
	return a, err
}

// MapElastic is FromElastic that also returns the fields it could not read. Values are
// read as Elasticsearch coerces them (see fieldReader); what cannot be coerced is a
// FieldProblem, and per field:
//
//   - the time (@timestamp, else kibana.alert.original_time, else the legacy
//     signal.original_time): a number or a numeric string is epoch milliseconds; a time
//     before 2006 is misread (seconds?) and unusable. When a time field is present and
//     none is usable, the alert cannot be placed in the timeline or the window: it is
//     dropped (*UnusableError). An alert with no time field at all is kept without one.
//   - risk score: a number or numeric string; anything else leaves it 0 (unset), and
//     the severity still ranks the alert.
//   - severity: low, medium, high or critical; anything else leaves it unknown.
//   - workflow status: open, acknowledged, closed (in-progress); anything else leaves it
//     unset, which the correlator treats as an export without the status column.
//   - source.ip: an IP address (the first of several for a higher-order alert, which
//     groups them); anything else leaves it unset.
//   - every other field (ids, rule fields, the access key, user, account, ...): a string,
//     number or boolean; an object or several values leave it unset.
//
// Only the time drops an alert: every other field can be missing from a real alert,
// and an alert without it still says what fired.
func MapElastic(doc map[string]any, id, index string) (investigate.Alert, []FieldProblem, error) {
	d := exactDoc(doc)
	if src, ok := doc["_source"].(map[string]any); ok {
		id, index = orStr(id, d.str("_id")), orStr(index, d.str("_index"))
		d = src
	} else if fields, ok := doc["fields"].(map[string]any); ok && !hasKibanaFields(d) {
		id, index = orStr(id, d.str("_id")), orStr(index, d.str("_index"))
		d = fields
	}
	if !isElasticAlert(d) {
		return investigate.Alert{}, nil, &NotAlertError{
			Want:    "an Elastic alert",
			Missing: []string{fRuleName, fRuleID, "kibana.* fields"},
			Looks:   looksLike(Doc(d)),
		}
	}
	r := newReader(d, false, true)
	a := investigate.Alert{
		ID:           r.keywordAny(fAlertUUID, "_id"),
		Index:        index,
		Provider:     investigate.ProviderElastic,
		RuleID:       r.keywordAny(fRuleID, "signal.rule.rule_id"),
		RuleName:     r.keywordAny(fRuleName, "signal.rule.name"),
		RuleUUID:     r.keywordAny(fRuleUUID, "signal.rule.id"),
		RuleType:     r.keywordAny(fRuleType, "signal.rule.type"),
		Tags:         r.keywords(fRuleTags),
		Reason:       r.keywordAny(fReason, "signal.reason"),
		Kind:         r.keyword(fEventKind),
		ASOrg:        r.keyword(fASOrg),
		Country:      r.keywordAny(fCountryName, fCountryISO),
		UserAgent:    r.keyword(fUserAgent),
		UserName:     r.keyword(fUserName),
		UserARN:      r.keyword(fUserARN),
		IdentityType: r.keyword(fIdentityType),
		Account:      r.keyword(fAccount),
		Region:       r.keyword(fRegion),
		Action:       r.keyword(fAction),
		AccessKeyID:  strings.TrimSpace(r.keyword(fAccessKeyID)),
		NewTerms:     r.keywords(fNewTerms),

		EventID:         r.keywordAny(fOriginalEventID, "signal.original_event.id"),
		RuleDescription: r.keywordAny(fRuleDescription, "signal.rule.description"),
		Threats:         readThreats(r, fRuleThreat, "signal.rule.threat"),
	}
	if a.ID == "" {
		a.ID = id
	}
	if a.Tags == nil {
		a.Tags = r.keywords("signal.rule.tags")
	}
	for _, p := range []string{fSeverity, "signal.rule.severity"} {
		s := r.keyword(p)
		if s == "" {
			continue
		}
		sev, err := investigate.ParseSeverity(s)
		if err != nil {
			r.report(p, quoteShort(s), "a severity (low, medium, high or critical)")
			continue
		}
		a.Severity = sev
		break
	}
	for _, p := range []string{fRiskScore, "signal.rule.risk_score"} {
		if f, ok := r.number(p); ok {
			a.RiskScore = f
			break
		}
	}
	for _, p := range []string{fWorkflowStatus, "signal.status"} {
		s := r.keyword(p)
		if s == "" {
			continue
		}
		if !isKibanaWorkflowStatus(s) {
			r.report(p, quoteShort(s), "a workflow status (open, acknowledged or closed)")
			continue
		}
		a.Status = investigate.NormalizeWorkflowStatus(s)
		break
	}
	t, unusable := r.timeAny(fTimestamp, fOriginalTime, "signal.original_time")
	if unusable {
		return investigate.Alert{}, r.problems(), &UnusableError{Want: "an Elastic alert", Reason: "no usable time", Problems: r.problems()}
	}
	a.Time = t
	if a.AccessKeyID == "" {
		// ES|QL cannot read the unmapped aws.cloudtrail.* fields of the alerts index; a
		// first-seen alert still names its key in kibana.alert.new_terms (facts §1).
		for _, t := range a.NewTerms {
			if investigate.IsAccessKeyID(t) {
				a.AccessKeyID = t
				break
			}
		}
	}
	if a.RuleID == investigate.CorrelatedKeyRuleID || a.HasTag(investigate.HigherOrderRuleTag) || d.has(fEsqlFirstSeenCount) {
		a.HigherOrder = true
		a.SourceIP = r.ipAny(true, fSourceIP, fEsqlSourceIPs)
		a.GroupedIPs = uniqueStrings(append(r.keywords(fSourceIP), r.keywords(fEsqlSourceIPs)...))
		a.SiblingRuleIDs = uniqueStrings(r.keywords(fEsqlRuleIDs))
		var ents []string
		for _, f := range esqlIdentityColumns {
			for _, v := range r.keywords(f) {
				ents = append(ents, strings.TrimSpace(v))
			}
		}
		a.UserEntities = uniqueStrings(ents)
	} else {
		a.SourceIP = r.ip(fSourceIP, false)
	}
	if a.UserARN == "" {
		// Newer versions of Elastic's AWS integration name the caller in user.entity.id.
		for _, v := range r.keywords(fUserEntityID) {
			if strings.HasPrefix(v, "arn:") {
				a.UserARN = v
				break
			}
		}
	}
	return a, r.problems(), nil
}

// isKibanaWorkflowStatus reports whether s is a workflow status Kibana writes:
// open, acknowledged, closed, or the legacy in-progress.
func isKibanaWorkflowStatus(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case investigate.WorkflowOpen, investigate.WorkflowAcknowledged, investigate.WorkflowClosed, "in-progress":
		return true
	}
	return false
}

// isElasticAlert reports whether d carries a rule name, a rule id, or any kibana.* or
// legacy signal.* field.
func isElasticAlert(d exactDoc) bool {
	return d.has(fRuleName) || d.has(fRuleID) || hasKibanaFields(d) || d.has("signal.rule")
}

func hasKibanaFields(d map[string]any) bool {
	if _, ok := d["kibana"].(map[string]any); ok {
		return true
	}
	for k := range d {
		if strings.HasPrefix(k, "kibana.") {
			return true
		}
	}
	return false
}

// Column is one column of an ES|QL response.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// esqlColumns reads the "columns" of an ES|QL response as decoded JSON.
func esqlColumns(raw []any) []Column {
	cols := make([]Column, len(raw))
	for i, c := range raw {
		if m, ok := c.(map[string]any); ok {
			cols[i] = Column{Name: investigate.ScalarString(m["name"]), Type: investigate.ScalarString(m["type"])}
		}
	}
	return cols
}

// FromESQL maps one row of an ES|QL response ({"columns":[...],"values":[[...]]}) onto an
// Alert: it builds a flat document from the column names and calls FromElastic. The
// _id and _index metadata columns (FROM ... METADATA _id, _index) name the alert.
func FromESQL(columns []Column, row []any) (investigate.Alert, error) {
	a, _, err := MapESQL(columns, row)
	return a, err
}

// MapESQL is FromESQL that also returns the fields it could not read (see MapElastic).
func MapESQL(columns []Column, row []any) (investigate.Alert, []FieldProblem, error) {
	if len(row) != len(columns) {
		return investigate.Alert{}, nil, fmt.Errorf("ES|QL row has %s for %s", investigate.Plural(len(row), "value"), investigate.Plural(len(columns), "column"))
	}
	doc := make(map[string]any, len(columns))
	for i, c := range columns {
		if row[i] != nil && c.Name != "" {
			doc[c.Name] = row[i]
		}
	}
	id := exactDoc(doc).str("_id")
	index := exactDoc(doc).str("_index")
	return MapElastic(doc, id, index)
}

// looksLike names a few documents people pass by mistake, for error messages.
func looksLike(d Doc) string {
	switch {
	case isCloudTrailRecord(d):
		return "a CloudTrail record"
	case isGuardDutyFinding(d):
		return "a GuardDuty finding"
	case isASFFFinding(d):
		return "a Security Hub finding"
	case d.Has("_source"):
		return "an Elasticsearch hit"
	}
	return ""
}

// isCloudTrailRecord recognises CloudTrail records: the raw form (eventName, eventSource)
// and Elastic's CloudTrail integration documents (aws.cloudtrail.* without kibana.*):
// by aws.cloudtrail.event_version, or by their dataset, which newer documents name in
// data_stream.dataset and older ones in event.dataset.
func isCloudTrailRecord(d Doc) bool {
	if _, ok := d["eventName"]; ok {
		if _, ok := d["eventSource"]; ok {
			return true
		}
	}
	if hasKibanaFields(d) {
		return false
	}
	return d.Has("aws.cloudtrail.event_version") || IsCloudTrailDataset(d)
}

// CloudTrailDataset is the dataset of Elastic's AWS CloudTrail integration.
const CloudTrailDataset = "aws.cloudtrail"

// DatasetFields are where Elastic documents name their dataset: data_stream.dataset
// (what current rules query), then event.dataset (older documents and rules).
var DatasetFields = []string{"data_stream.dataset", "event.dataset"}

// Dataset is the document's dataset ("" when it names none).
func Dataset(d Doc) string { return d.StrAny(DatasetFields...) }

// IsCloudTrailDataset reports whether the document names the CloudTrail integration's
// dataset in data_stream.dataset or event.dataset.
func IsCloudTrailDataset(d Doc) bool { return Dataset(d) == CloudTrailDataset }

func orStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func uniqueStrings(s []string) []string {
	out := s[:0:0]
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
