// Package kibana is a Kibana test server for the two APIs keypivot writes through: the
// detection engine's alert status API and the cases API. It is backed by an
// Elasticsearch test server, whose alert documents it reads and updates as Kibana would.
//
//	es := elasticsearch.New(t)
//	es.LoadSampleAlerts("default")
//	kb := kibana.New(t, es)
//	// requests to kb.URL() with "Authorization: ApiKey " + es.APIKey() and "kbn-xsrf: true"
//
// # Authentication and headers
//
// Without WithAPIKey or WithBasicAuth the server accepts exactly the credentials the
// linked Elasticsearch server accepts, as Kibana authenticates against its cluster;
// otherwise 401 {"statusCode":401,"error":"Unauthorized","message":"Unauthorized"}.
// Every request other than GET needs a kbn-xsrf header (any value), else 400 "Request
// must contain a kbn-xsrf header.". Spaces use the /s/<space>/ prefix; the default
// space has none. Each space has its own alerts index (.alerts-security.alerts-<space>)
// and its own cases.
//
// # Endpoints
//
//   - GET /api/status.
//   - POST /api/detection_engine/signals/status with {signal_ids: [...]} or {query},
//     status open|acknowledged|closed|in-progress (stored as acknowledged), and
//     reason (closed only; the built-in closing reasons plus WithCloseReasons). It runs
//     Kibana's update: kibana.alert.workflow_status, workflow_user,
//     workflow_status_updated_at, workflow_reason (removed when no reason), legacy
//     signal.status; and answers with the _update_by_query body ({"updated": n, "total":
//     n, ...}). Queries go through the Elasticsearch server's query DSL with the alerts
//     mapping, so a query on aws.cloudtrail.* fields updates nothing, as in Kibana.
//     Invalid bodies get Kibana's 400 shapes.
//   - POST /api/cases (owner securitySolution|observability|cases, title <= 160,
//     description, tags <= 200, connector {id:"none",name:"none",type:".none",
//     fields:null}, settings {syncAlerts}, optional severity, assignees, category):
//     missing or invalid members get the io-ts message Kibana gives
//     (`Invalid value "undefined" supplied to "owner"`), unknown members "invalid keys".
//   - POST /api/cases/{id}/comments with type user {comment} or type alert {alertId,
//     index, rule {id, name}} (ids and indices may be lists of equal length); owner
//     must match the case's. Attaching alerts adds the case to their
//     kibana.alert.case_ids (at most 10 cases an alert, 1,000 alerts a case) and, when
//     the case syncs alerts, sets their status to the case's. Answers with the updated
//     case, comments included; the case's version changes with every write.
//   - GET /api/cases/{id}; GET /api/cases/_find (owner, status, severity, tags, search,
//     sortField, sortOrder, page, perPage <= 100, page*perPage <= 10,000).
//
// # Assertions and faults
//
// Requests(endpoint) counts requests by Endpoint* name, RequestLog returns them,
// Cases(space) returns the stored cases as the API renders them. InjectFault makes an
// endpoint answer an error or slow down a number of times.
//
// # Known differences from Kibana
//
// Only the ".none" connector exists (cases cannot be pushed); there is no PATCH of
// cases, no deletion, no other attachment types; "in-progress" is stored as
// acknowledged; API versioning headers (elastic-api-version) are accepted and ignored.
//
// As a test server it imports only the standard library, the AWS SDK where it signs or
// models requests, and its sibling test-server packages; no keypivot adapter or domain
// package, so that what it checks is the wire protocol, not keypivot's own types.
package kibana
