package investigate

import (
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Links an analyst copies out of keypivot to see a thing where it lives: an alert in
// Kibana, a CloudTrail event in the AWS console. They are built from the facts keypivot
// has, with no request made: a link may lead to a page the analyst cannot open (another
// account, an event older than the console keeps), which the page itself says.

// DefaultKibanaSpace is the Kibana space whose URLs carry no /s/<space> part.
const DefaultKibanaSpace = "default"

// kibanaAlertsRedirectPath is Kibana Security's alert details redirect
// (APP_PATH + ALERT_DETAILS_REDIRECT_PATH): it opens the Alerts page filtered to one
// alert with its flyout open. Kibana itself writes this link into kibana.alert.url.
const kibanaAlertsRedirectPath = "/app/security/alerts/redirect/"

// spaceID is what Kibana accepts as a space id: lower-case letters, digits, _ and -.
var spaceID = regexp.MustCompile(`^[a-z0-9_-]+$`)

// spaceInPath is a space's part of a Kibana path.
var spaceInPath = regexp.MustCompile(`/s/[^/]+`)

// KibanaAlertURL links to one alert in Kibana Security, as Kibana's own
// getAlertDetailsUrl builds it:
// {base}[/s/{space}]/app/security/alerts/redirect/{alertID}?index=.alerts-security.alerts-{space}&timestamp={time}.
// base is Kibana's URL (a base path included, credentials dropped); space "" is the
// default space, which Kibana's URLs leave out. at is the alert's @timestamp, which the
// page uses to set its time range. It returns "" when base is empty or not an http(s)
// URL, the space is not a valid space id, or the alert has no id.
func KibanaAlertURL(base, space, alertID string, at time.Time) string {
	u, ok := httpURL(base)
	if !ok || alertID == "" {
		return ""
	}
	space = strings.TrimSpace(space)
	if space == "" {
		space = DefaultKibanaSpace
	}
	if !spaceID.MatchString(space) {
		return ""
	}
	// A base that names a space already loses it, as Kibana's addSpaceIdToPath does.
	path := strings.TrimRight(spaceInPath.ReplaceAllString(u.Path, ""), "/")
	link := u.Scheme + "://" + u.Host + path + KibanaSpacePath(space) + kibanaAlertsRedirectPath + url.PathEscape(alertID) +
		"?index=.alerts-security.alerts-" + space
	if !at.IsZero() {
		link += "&timestamp=" + at.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return link
}

// httpURL parses an http or https base URL, dropping its user information, query and
// fragment.
func httpURL(base string) (*url.URL, bool) {
	base = strings.TrimSpace(base)
	if base == "" {
		return nil, false
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, false
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}, true
}

// awsRegion is what an AWS region name looks like (us-east-1, eu-central-2,
// us-gov-west-1, cn-north-1, ap-southeast-5).
var awsRegion = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// CloudTrailEventURL links to one event in the CloudTrail console's event history:
// https://{region}.console.aws.amazon.com/cloudtrail/home?region={region}#/events/{eventID}
// (console.amazonaws.cn for China's regions, console.amazonaws-us-gov.com for
// GovCloud's). The console shows the event only to someone signed in to the event's
// account, and only for the 90 days its event history keeps management events. It
// returns "" without a valid region or an event id.
func CloudTrailEventURL(region, eventID string) string {
	region = strings.TrimSpace(region)
	eventID = strings.TrimSpace(eventID)
	if eventID == "" || !awsRegion.MatchString(region) {
		return ""
	}
	host := region + ".console.aws.amazon.com"
	switch {
	case strings.HasPrefix(region, "cn-"):
		host = "console.amazonaws.cn"
	case strings.HasPrefix(region, "us-gov-"):
		host = "console.amazonaws-us-gov.com"
	}
	return "https://" + host + "/cloudtrail/home?region=" + region + "#/events/" + url.PathEscape(eventID)
}

// AlertURL links to an alert of the case in this Kibana (KibanaAlertURL): "" for an
// alert Kibana does not hold (a GuardDuty or Security Hub finding) or when no Kibana is
// configured.
func (t KibanaTarget) AlertURL(s *Sibling) string {
	if s.Provider != ProviderElastic {
		return ""
	}
	return KibanaAlertURL(t.URL, t.Space, s.AlertID, s.Time)
}

// CloudTrailURL links to the CloudTrail event an alert was raised on
// (CloudTrailEventURL): "" when the alert names no event or region.
func (s *Sibling) CloudTrailURL() string { return CloudTrailEventURL(s.Region, s.EventID) }

// CloudTrailURL links to the event in the CloudTrail console (CloudTrailEventURL).
func (e *Event) CloudTrailURL() string { return CloudTrailEventURL(e.Region, e.ID) }
