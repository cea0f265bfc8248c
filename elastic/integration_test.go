package elastic

import (
	"bytes"
	"cmp"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/keypivot/keypivot/files/alertdoc"
	"github.com/keypivot/keypivot/internal/testserver/httpkit"
	"github.com/keypivot/keypivot/investigate"
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
	j, err := httpkit.DecodeJSON[map[string]any](bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	dropEmpty(j)
	rec := alertdoc.Doc(j)
	get := func(path string) any {
		v, _ := rec.Get(path)
		return v
	}
	doc := map[string]any{}
	set := func(path string, v any) {
		if v == nil {
			return
		}
		investigate.SetPath(doc, strings.Split(path, "."), v)
	}
	for field, v := range integrationConstants {
		set(field, v)
	}
	for field, path := range integrationCopies {
		set(field, get(path))
	}
	for field, path := range integrationDates {
		if t, ok := rec.Time(path); ok {
			set(field, t.UTC().Format("2006-01-02T15:04:05.000Z"))
		}
	}
	if !rec.Has("userIdentity.userName") {
		set("user.name", get("userIdentity.sessionContext.sessionIssuer.userName"))
	}
	if arn, ok := get("userIdentity.arn").(string); ok {
		// Current versions of the pipeline name the caller's entity (test-converse-json
		// in elastic/integrations): an array of its ARN.
		set("user.entity.id", []any{arn})
	}
	if a, ok := get("sourceIPAddress").(string); ok {
		set("source.address", a)
		if _, err := netip.ParseAddr(a); err == nil {
			set("source.ip", a)
		}
	}
	for path, field := range integrationTexts {
		if v := get(path); v != nil {
			text := javaString(v)
			set("aws.cloudtrail."+field, text)
			if len(text) < 32766 {
				set("aws.cloudtrail.flattened."+field, v)
			}
		}
	}
	if rs, ok := get("resources").([]any); ok {
		var out []any
		for _, r := range rs {
			if m, ok := r.(map[string]any); ok {
				n := map[string]any{}
				for k, v := range m {
					n[cmp.Or(resourceRenames[k], k)] = v
				}
				out = append(out, n)
			}
		}
		set("aws.cloudtrail.resources", out)
	}
	if rec.Has("errorCode") || rec.Has("errorMessage") {
		set("event.outcome", "failure")
	} else {
		set("event.outcome", "success")
	}
	return doc, nil
}

// integrationConstants are the fields every document of the data stream carries.
var integrationConstants = map[string]any{
	"ecs.version":         "8.11.0",
	"data_stream.dataset": "aws.cloudtrail",
	"event.dataset":       "aws.cloudtrail",
	"event.kind":          "event",
}

// integrationCopies are the fields the pipeline copies from a record member as they
// are: field <- member path.
var integrationCopies = map[string]string{
	"aws.cloudtrail.event_version":               "eventVersion",
	"aws.cloudtrail.user_identity.type":          "userIdentity.type",
	"user.name":                                  "userIdentity.userName",
	"user.id":                                    "userIdentity.principalId",
	"aws.cloudtrail.user_identity.arn":           "userIdentity.arn",
	"cloud.account.id":                           "userIdentity.accountId",
	"aws.cloudtrail.user_identity.access_key_id": "userIdentity.accessKeyId",
	"aws.cloudtrail.user_identity.session_context.mfa_authenticated":           "userIdentity.sessionContext.attributes.mfaAuthenticated",
	"aws.cloudtrail.user_identity.session_context.session_issuer.type":         "userIdentity.sessionContext.sessionIssuer.type",
	"aws.cloudtrail.user_identity.session_context.session_issuer.principal_id": "userIdentity.sessionContext.sessionIssuer.principalId",
	"aws.cloudtrail.user_identity.session_context.session_issuer.arn":          "userIdentity.sessionContext.sessionIssuer.arn",
	"aws.cloudtrail.user_identity.session_context.session_issuer.account_id":   "userIdentity.sessionContext.sessionIssuer.accountId",
	"aws.cloudtrail.user_identity.invoked_by":                                  "userIdentity.invokedBy",
	"event.provider":                      "eventSource",
	"event.action":                        "eventName",
	"aws.cloudtrail.event_category":       "eventCategory",
	"cloud.region":                        "awsRegion",
	"user_agent.original":                 "userAgent",
	"aws.cloudtrail.error_code":           "errorCode",
	"aws.cloudtrail.error_message":        "errorMessage",
	"aws.cloudtrail.request_id":           "requestID",
	"event.id":                            "eventID",
	"aws.cloudtrail.event_type":           "eventType",
	"aws.cloudtrail.api_version":          "apiVersion",
	"aws.cloudtrail.management_event":     "managementEvent",
	"aws.cloudtrail.read_only":            "readOnly",
	"aws.cloudtrail.recipient_account_id": "recipientAccountId",
	"aws.cloudtrail.shared_event_id":      "sharedEventID",
	"aws.cloudtrail.vpc_endpoint_id":      "vpcEndpointId",
}

// integrationDates are the fields the pipeline's date processors fill: field <- member.
var integrationDates = map[string]string{
	"@timestamp": "eventTime",
	"aws.cloudtrail.user_identity.session_context.creation_date": "userIdentity.sessionContext.attributes.creationDate",
}

// integrationTexts are the members kept as "{k=v, ...}" text (and as objects under
// aws.cloudtrail.flattened): member -> field below aws.cloudtrail.
var integrationTexts = map[string]string{
	"requestParameters":   "request_parameters",
	"responseElements":    "response_elements",
	"additionalEventData": "additional_eventdata",
	"serviceEventDetails": "service_event_details",
}

// resourceRenames are the pipeline's renames of a resource's members.
var resourceRenames = map[string]string{"ARN": "arn", "accountId": "account_id"}

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
