package elastic

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"
)

// integrationDoc turns a CloudTrail record into the document Elastic's AWS CloudTrail
// integration indexes (packages/aws/data_stream/cloudtrail, ingest pipeline default.yml):
// null and empty values dropped recursively, userIdentity spread over user.*, cloud.*
// and aws.cloudtrail.user_identity.*, eventSource/eventName to event.provider/action,
// sourceIPAddress to source.address (and source.ip when it is an address), the request
// and response as "{k=v, ...}" text plus the objects under aws.cloudtrail.flattened.*
// (only below 32,766 characters), eventID to event.id, resources renamed, and
// event.original removed (no preserve_original_event tag). Tests feed the Elasticsearch
// test server with it, so that the trail source is tested against the layout it meets
// in a real cluster.
func integrationDoc(raw []byte) (map[string]any, error) {
	var j map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&j); err != nil {
		return nil, err
	}
	dropEmpty(j)
	g := func(path string) any {
		var v any = j
		for _, p := range strings.Split(path, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[p]
		}
		return v
	}
	doc := map[string]any{}
	set := func(path string, v any) {
		if v == nil {
			return
		}
		parts := strings.Split(path, ".")
		m := doc
		for _, p := range parts[:len(parts)-1] {
			n, ok := m[p].(map[string]any)
			if !ok {
				n = map[string]any{}
				m[p] = n
			}
			m = n
		}
		m[parts[len(parts)-1]] = v
	}
	date := func(v any) any {
		s, _ := v.(string)
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil
		}
		return t.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	set("@timestamp", date(g("eventTime")))
	set("ecs.version", "8.11.0")
	set("data_stream.dataset", "aws.cloudtrail")
	set("event.dataset", "aws.cloudtrail")
	set("aws.cloudtrail.event_version", g("eventVersion"))
	set("aws.cloudtrail.user_identity.type", g("userIdentity.type"))
	if u := g("userIdentity.userName"); u != nil {
		set("user.name", u)
	} else {
		set("user.name", g("userIdentity.sessionContext.sessionIssuer.userName"))
	}
	set("user.id", g("userIdentity.principalId"))
	set("aws.cloudtrail.user_identity.arn", g("userIdentity.arn"))
	set("cloud.account.id", g("userIdentity.accountId"))
	set("aws.cloudtrail.user_identity.access_key_id", g("userIdentity.accessKeyId"))
	set("aws.cloudtrail.user_identity.session_context.mfa_authenticated", g("userIdentity.sessionContext.attributes.mfaAuthenticated"))
	set("aws.cloudtrail.user_identity.session_context.creation_date", date(g("userIdentity.sessionContext.attributes.creationDate")))
	set("aws.cloudtrail.user_identity.session_context.session_issuer.type", g("userIdentity.sessionContext.sessionIssuer.type"))
	set("aws.cloudtrail.user_identity.session_context.session_issuer.principal_id", g("userIdentity.sessionContext.sessionIssuer.principalId"))
	set("aws.cloudtrail.user_identity.session_context.session_issuer.arn", g("userIdentity.sessionContext.sessionIssuer.arn"))
	set("aws.cloudtrail.user_identity.session_context.session_issuer.account_id", g("userIdentity.sessionContext.sessionIssuer.accountId"))
	set("aws.cloudtrail.user_identity.invoked_by", g("userIdentity.invokedBy"))
	set("event.provider", g("eventSource"))
	set("event.action", g("eventName"))
	set("aws.cloudtrail.event_category", g("eventCategory"))
	set("cloud.region", g("awsRegion"))
	if a, ok := g("sourceIPAddress").(string); ok {
		set("source.address", a)
		if _, err := netip.ParseAddr(a); err == nil {
			set("source.ip", a)
		}
	}
	set("user_agent.original", g("userAgent"))
	set("aws.cloudtrail.error_code", g("errorCode"))
	set("aws.cloudtrail.error_message", g("errorMessage"))
	for _, f := range [][2]string{
		{"requestParameters", "request_parameters"},
		{"responseElements", "response_elements"},
		{"additionalEventData", "additional_eventdata"},
		{"serviceEventDetails", "service_event_details"},
	} {
		if v := g(f[0]); v != nil {
			text := javaString(v)
			set("aws.cloudtrail."+f[1], text)
			if len(text) < 32766 {
				set("aws.cloudtrail.flattened."+f[1], v)
			}
		}
	}
	set("aws.cloudtrail.request_id", g("requestID"))
	set("event.id", g("eventID"))
	set("aws.cloudtrail.event_type", g("eventType"))
	set("aws.cloudtrail.api_version", g("apiVersion"))
	set("aws.cloudtrail.management_event", g("managementEvent"))
	set("aws.cloudtrail.read_only", g("readOnly"))
	if rs, ok := g("resources").([]any); ok {
		var out []any
		for _, r := range rs {
			m, ok := r.(map[string]any)
			if !ok {
				continue
			}
			n := map[string]any{}
			for k, v := range m {
				switch k {
				case "ARN":
					k = "arn"
				case "accountId":
					k = "account_id"
				}
				n[k] = v
			}
			out = append(out, n)
		}
		set("aws.cloudtrail.resources", out)
	}
	set("aws.cloudtrail.recipient_account_id", g("recipientAccountId"))
	set("aws.cloudtrail.shared_event_id", g("sharedEventID"))
	set("aws.cloudtrail.vpc_endpoint_id", g("vpcEndpointId"))
	set("event.kind", "event")
	if g("errorCode") != nil || g("errorMessage") != nil {
		set("event.outcome", "failure")
	} else {
		set("event.outcome", "success")
	}
	return doc, nil
}

// dropEmpty removes null and "" values, and the maps and lists they leave empty, as the
// pipeline's first script does. It reports whether o itself is now empty.
func dropEmpty(o any) bool {
	switch x := o.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case map[string]any:
		for k, v := range x {
			if dropEmpty(v) {
				delete(x, k)
			}
		}
		return len(x) == 0
	case []any:
		for _, e := range x {
			dropEmpty(e)
		}
		return len(x) == 0
	}
	return false
}

// javaString formats v as Java's Map.toString does ("{k=v, k2=[a, b]}").
func javaString(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + javaString(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = javaString(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}
