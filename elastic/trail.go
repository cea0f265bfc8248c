package elastic

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/keypivot/keypivot/files/alertdoc"
	"github.com/keypivot/keypivot/investigate"
)

// Fields of Elastic's AWS CloudTrail integration (logs-aws.cloudtrail-*) that queries use.
const (
	trailKeyField     = "aws.cloudtrail.user_identity.access_key_id"
	trailKeyNameField = "aws.cloudtrail.flattened.request_parameters.instancesSet.items.keyName"
	trailRoleField    = "aws.cloudtrail.flattened.request_parameters.roleName"
)

// TrailSource reads CloudTrail events from Elastic's AWS CloudTrail integration. It
// implements investigate.EventSource: each document is rebuilt into the CloudTrail
// record it was ingested from and decoded by investigate.DecodeRecord, so that a case
// built from Elasticsearch sees the same sessions, key pairs and launches as one built
// from the trail files.
type TrailSource struct {
	c     *Client
	index string
	// populated is set once the index is known to hold documents.
	populated atomic.Bool
	// Networks, when set, keeps the autonomous system the ingest pipeline's enrichment
	// gave each address (source.as.number, source.as.organization.name).
	Networks *investigate.ObservedNetworks
}

// TrailSource returns the source of the configured CloudTrail index pattern.
func (c *Client) TrailSource() *TrailSource {
	return &TrailSource{c: c, index: c.cfg.trailIndex()}
}

// Name names the source in reports.
func (s *TrailSource) Name() string { return "elastic:" + s.index }

// Events implements investigate.EventSource. It asks for the events signed by
// q.AccessKeys (aws.cloudtrail.user_identity.access_key_id), for the RunInstances
// calls, by any signer, that launched with q.KeyPairs (the key name in the flattened
// request parameters, and the region), and for the history of q.Roles (the IAM calls of
// investigate.RoleHistoryEvents, by any signer, with the role's name in the flattened
// request parameters).
func (s *TrailSource) Events(ctx context.Context, q investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	start := time.Now()
	rep := investigate.SourceReport{Source: s.Name(), Kind: "elasticsearch"}
	rep.Notes = append(rep.Notes, s.c.describe())
	body, ok := s.query(q)
	if !ok {
		rep.Elapsed = time.Since(start)
		return rep, nil
	}
	var digests, unflattened int
	var bad investigate.ProblemLog
	st, err := s.c.scan(ctx, s.index, "CloudTrail documents", body, func(hits []hit) error {
		batch := make([]investigate.Event, 0, len(hits))
		for i := range hits {
			h := &hits[i]
			rep.Records++
			where := h.Index + "/" + h.ID
			var doc map[string]any
			if err := json.Unmarshal(h.Source, &doc); err != nil {
				bad.Add(where, "unreadable _source: "+err.Error())
				continue
			}
			raw, info, err := recordFromIntegration(doc)
			if err != nil {
				if info.digest {
					digests++
					continue
				}
				bad.Add(where, err.Error())
				continue
			}
			if info.unflattened {
				unflattened++
			}
			ev, err := investigate.DecodeRecord(raw)
			if err != nil {
				bad.Add(where, err.Error())
				continue
			}
			ev.Origin = investigate.OriginAt("elastic " + where)
			if s.Networks != nil {
				asn, _ := alertdoc.Doc(doc).Float("source.as.number")
				s.Networks.Observe(ev.SourceIP, asn, alertdoc.Doc(doc).Str("source.as.organization.name"))
			}
			batch = append(batch, ev)
		}
		if len(batch) > 0 {
			rep.Matched += int64(len(batch))
			sink(batch)
		}
		return nil
	})
	bad.Report(&rep, s.index, "document", "CloudTrail events")
	rep.AddSkip(investigate.SkipDigest, digests, "")
	// What was searched: the window the query asked for (open ends: the whole index).
	rep.Span = q.Window
	if unflattened > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s had request parameters or response elements over 32 KB, which the integration keeps only as text: their sessions, key pairs and launches cannot be read", investigate.Plural(unflattened, "event")))
	}
	if len(q.KeyPairs) > 0 {
		rep.Notes = append(rep.Notes, "searched RunInstances by key pair name and region for "+investigate.Plural(len(q.KeyPairs), "key pair"))
	}
	if len(q.Roles) > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("searched the history of %s (%s) by roleName in the flattened request parameters", investigate.Plural(len(q.Roles), "role"), strings.Join(investigate.RoleHistoryEvents, ", ")))
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %s read in %s for %s", s.index, investigate.Plural(int(st.Hits), "document"), investigate.Plural(st.Pages, "page"), investigate.Plural(len(q.AccessKeys), "key")))
	rep.Elapsed = time.Since(start)
	if err != nil {
		rep.Truncated = st.Hits > 0
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		if isNoIndex(err) {
			return rep, s.noData()
		}
		return rep, err
	}
	if st.Hits == 0 && !s.populated.Load() {
		// A pattern that matches no index answers with no hits, like an index without
		// the key's events: tell the two apart once.
		n, err := s.c.count(ctx, s.index)
		switch {
		case err == nil && n == 0:
			return rep, s.noData()
		case err == nil:
			s.populated.Store(true)
		}
	}
	return rep, nil
}

func (s *TrailSource) noData() error {
	return fmt.Errorf("%w: no CloudTrail documents in %s at %s: is Elastic's AWS CloudTrail integration installed? (set --elastic-trail-index otherwise)", ErrNoIndex, s.index, s.c.URL)
}

// query builds the _search body of q; ok is false when q asks for nothing.
func (s *TrailSource) query(q investigate.EventQuery) (map[string]any, bool) {
	var should []any
	if len(q.AccessKeys) > 0 {
		should = append(should, map[string]any{"terms": map[string]any{trailKeyField: q.AccessKeys}})
	}
	for _, kp := range q.KeyPairs {
		if kp.Name == "" {
			continue
		}
		f := []any{
			map[string]any{"term": map[string]any{"event.action": "RunInstances"}},
			map[string]any{"term": map[string]any{trailKeyNameField: kp.Name}},
		}
		if kp.Region != "" {
			f = append(f, map[string]any{"term": map[string]any{"cloud.region": kp.Region}})
		}
		should = append(should, map[string]any{"bool": map[string]any{"filter": f}})
	}
	if len(q.Roles) > 0 {
		should = append(should, map[string]any{"bool": map[string]any{"filter": []any{
			map[string]any{"term": map[string]any{"event.provider": "iam.amazonaws.com"}},
			map[string]any{"terms": map[string]any{"event.action": investigate.RoleHistoryEvents}},
			map[string]any{"terms": map[string]any{trailRoleField: q.Roles}},
		}}})
	}
	if len(should) == 0 {
		return nil, false
	}
	filter := append(windowFilter(q.Window), map[string]any{"bool": map[string]any{"should": should, "minimum_should_match": 1}})
	return map[string]any{
		"query":   map[string]any{"bool": map[string]any{"filter": filter}},
		"_source": map[string]any{"includes": trailSourceFields},
	}, true
}

// trailSourceFields are the fields recordFromIntegration reads.
var trailSourceFields = []string{
	"@timestamp", "event.*", "aws.cloudtrail.*", "cloud.account.id", "cloud.region",
	"source.address", "source.ip", "source.as.number", "source.as.organization.name", "user_agent.original", "user.name", "user.id", "tags", "file.path",
}

// recordInfo says what recordFromIntegration noticed.
type recordInfo struct {
	// digest is set for CloudTrail digest documents (not events).
	digest bool
	// original is set when the record came verbatim from event.original.
	original bool
	// unflattened is set when parameters or response were kept only as text.
	unflattened bool
}

// recordFromIntegration rebuilds the CloudTrail record (JSON) that Elastic's AWS
// CloudTrail integration turned into doc. When the integration preserved the original
// event (tag preserve_original_event, field event.original), that is returned as it
// was; otherwise the record is put back together from the fields the ingest pipeline
// renamed: requestParameters and responseElements from aws.cloudtrail.flattened.*
// (the aws.cloudtrail.request_parameters text, "{k=v, ...}", cannot be parsed back).
func recordFromIntegration(doc map[string]any) ([]byte, recordInfo, error) {
	d := alertdoc.Doc(doc)
	var info recordInfo
	if d.Has("aws.cloudtrail.flattened.digest") || d.Has("aws.cloudtrail.digest") || strings.Contains(d.Str("file.path"), "CloudTrail-Digest/") {
		info.digest = true
		return nil, info, fmt.Errorf("a CloudTrail digest, not an event")
	}
	if orig := d.Str("event.original"); strings.HasPrefix(strings.TrimSpace(orig), "{") {
		var probe struct {
			EventName   string `json:"eventName"`
			EventSource string `json:"eventSource"`
		}
		if json.Unmarshal([]byte(orig), &probe) == nil && probe.EventName != "" && probe.EventSource != "" {
			info.original = true
			return []byte(orig), info, nil
		}
	}
	name, source := d.Str("event.action"), d.Str("event.provider")
	ts, hasTime := d.Time("@timestamp")
	if name == "" || source == "" || !hasTime {
		var missing []string
		for f, ok := range map[string]bool{"event.action": name != "", "event.provider": source != "", "@timestamp": hasTime} {
			if !ok {
				missing = append(missing, f)
			}
		}
		return nil, info, fmt.Errorf("not a CloudTrail integration event: no %s", strings.Join(slices.Sorted(slices.Values(missing)), ", "))
	}
	rec := ctRecord{
		EventVersion:       d.Str("aws.cloudtrail.event_version"),
		EventTime:          ts.UTC().Format(time.RFC3339),
		EventSource:        source,
		EventName:          name,
		AWSRegion:          d.Str("cloud.region"),
		SourceIPAddress:    d.StrAny("source.address", "source.ip"),
		UserAgent:          d.Str("user_agent.original"),
		ErrorCode:          d.Str("aws.cloudtrail.error_code"),
		ErrorMessage:       d.Str("aws.cloudtrail.error_message"),
		RequestID:          d.Str("aws.cloudtrail.request_id"),
		EventID:            d.Str("event.id"),
		EventType:          d.Str("aws.cloudtrail.event_type"),
		EventCategory:      d.Str("aws.cloudtrail.event_category"),
		RecipientAccountID: d.Str("aws.cloudtrail.recipient_account_id"),
		SharedEventID:      d.Str("aws.cloudtrail.shared_event_id"),
		VPCEndpointID:      d.Str("aws.cloudtrail.vpc_endpoint_id"),
		APIVersion:         d.Str("aws.cloudtrail.api_version"),
	}
	if ts.Nanosecond() != 0 {
		rec.EventTime = ts.UTC().Format(time.RFC3339Nano)
	}
	if b, ok := d.Bool("aws.cloudtrail.read_only"); ok {
		rec.ReadOnly = &b
	}
	if b, ok := d.Bool("aws.cloudtrail.management_event"); ok {
		rec.ManagementEvent = &b
	}
	var ok bool
	if rec.RequestParameters, ok = d.Get("aws.cloudtrail.flattened.request_parameters"); !ok && d.Has("aws.cloudtrail.request_parameters") {
		info.unflattened = true
	}
	if rec.ResponseElements, ok = d.Get("aws.cloudtrail.flattened.response_elements"); !ok && d.Has("aws.cloudtrail.response_elements") {
		info.unflattened = true
	}
	rec.AdditionalEventData, _ = d.Get("aws.cloudtrail.flattened.additional_eventdata")
	rec.ServiceEventDetails, _ = d.Get("aws.cloudtrail.flattened.service_event_details")
	rec.Resources = resources(d.Objects("aws.cloudtrail.resources"))
	rec.UserIdentity = identity(d)
	raw, err := json.Marshal(rec)
	return raw, info, err
}

// identity puts userIdentity back together. The pipeline moved userIdentity.userName
// to user.name, and, only when there was none (assumed roles, federated users), the
// session issuer's userName there too.
func identity(d alertdoc.Doc) *ctIdentity {
	id := &ctIdentity{
		Type:        d.Str("aws.cloudtrail.user_identity.type"),
		PrincipalID: d.Str("user.id"),
		ARN:         d.Str("aws.cloudtrail.user_identity.arn"),
		AccountID:   d.Str("cloud.account.id"),
		AccessKeyID: d.Str("aws.cloudtrail.user_identity.access_key_id"),
		InvokedBy:   d.Str("aws.cloudtrail.user_identity.invoked_by"),
	}
	sc := d.Object("aws.cloudtrail.user_identity.session_context")
	issuer := &ctIssuer{
		Type:        sc.Str("session_issuer.type"),
		PrincipalID: sc.Str("session_issuer.principal_id"),
		ARN:         sc.Str("session_issuer.arn"),
		AccountID:   sc.Str("session_issuer.account_id"),
	}
	userName := d.Str("user.name")
	if *issuer != (ctIssuer{}) && id.Type != "IAMUser" && id.Type != "Root" {
		issuer.UserName = userName
	} else {
		id.UserName = userName
	}
	var attrs *ctAttributes
	if sc != nil && (sc.Has("creation_date") || sc.Has("mfa_authenticated")) {
		attrs = &ctAttributes{MFAAuthenticated: sc.Str("mfa_authenticated")}
		if t, ok := sc.Time("creation_date"); ok {
			attrs.CreationDate = t.UTC().Format(time.RFC3339)
		}
	}
	if attrs != nil || *issuer != (ctIssuer{}) {
		id.SessionContext = &ctSession{Attributes: attrs}
		if *issuer != (ctIssuer{}) {
			id.SessionContext.SessionIssuer = issuer
		}
	}
	if *id == (ctIdentity{}) {
		return nil
	}
	return id
}

// resources undoes the pipeline's renames of resources[]: arn -> ARN, account_id -> accountId.
func resources(objs []alertdoc.Doc) []map[string]any {
	if len(objs) == 0 {
		return nil
	}
	out := make([]map[string]any, 0, len(objs))
	for _, o := range objs {
		r := map[string]any{}
		for k, v := range o {
			switch k {
			case "arn":
				k = "ARN"
			case "account_id":
				k = "accountId"
			}
			r[k] = v
		}
		out = append(out, r)
	}
	return out
}

// ctRecord is a CloudTrail record as CloudTrail writes it.
type ctRecord struct {
	EventVersion        string           `json:"eventVersion,omitempty"`
	UserIdentity        *ctIdentity      `json:"userIdentity,omitempty"`
	EventTime           string           `json:"eventTime"`
	EventSource         string           `json:"eventSource"`
	EventName           string           `json:"eventName"`
	AWSRegion           string           `json:"awsRegion,omitempty"`
	SourceIPAddress     string           `json:"sourceIPAddress,omitempty"`
	UserAgent           string           `json:"userAgent,omitempty"`
	ErrorCode           string           `json:"errorCode,omitempty"`
	ErrorMessage        string           `json:"errorMessage,omitempty"`
	RequestParameters   any              `json:"requestParameters"`
	ResponseElements    any              `json:"responseElements"`
	AdditionalEventData any              `json:"additionalEventData,omitempty"`
	ServiceEventDetails any              `json:"serviceEventDetails,omitempty"`
	RequestID           string           `json:"requestID,omitempty"`
	EventID             string           `json:"eventID,omitempty"`
	ReadOnly            *bool            `json:"readOnly,omitempty"`
	Resources           []map[string]any `json:"resources,omitempty"`
	EventType           string           `json:"eventType,omitempty"`
	APIVersion          string           `json:"apiVersion,omitempty"`
	ManagementEvent     *bool            `json:"managementEvent,omitempty"`
	RecipientAccountID  string           `json:"recipientAccountId,omitempty"`
	SharedEventID       string           `json:"sharedEventID,omitempty"`
	VPCEndpointID       string           `json:"vpcEndpointId,omitempty"`
	EventCategory       string           `json:"eventCategory,omitempty"`
}

type ctIdentity struct {
	Type           string     `json:"type,omitempty"`
	PrincipalID    string     `json:"principalId,omitempty"`
	ARN            string     `json:"arn,omitempty"`
	AccountID      string     `json:"accountId,omitempty"`
	AccessKeyID    string     `json:"accessKeyId,omitempty"`
	UserName       string     `json:"userName,omitempty"`
	InvokedBy      string     `json:"invokedBy,omitempty"`
	SessionContext *ctSession `json:"sessionContext,omitempty"`
}

type ctSession struct {
	SessionIssuer *ctIssuer     `json:"sessionIssuer,omitempty"`
	Attributes    *ctAttributes `json:"attributes,omitempty"`
}

type ctIssuer struct {
	Type        string `json:"type,omitempty"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	UserName    string `json:"userName,omitempty"`
}

type ctAttributes struct {
	CreationDate     string `json:"creationDate,omitempty"`
	MFAAuthenticated string `json:"mfaAuthenticated,omitempty"`
}
