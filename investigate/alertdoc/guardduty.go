package alertdoc

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/keypivot/keypivot/investigate"
)

// remoteIPPaths are the places a GuardDuty finding (under Service.Action) or an ASFF
// finding (under Action) names the remote address, in order of preference: the API call
// first, as keypivot follows keys.
var remoteIPPaths = []string{
	"AwsApiCallAction.RemoteIpDetails",
	"KubernetesApiCallAction.RemoteIpDetails",
	"RdsLoginAttemptAction.RemoteIpDetails",
	"NetworkConnectionAction.RemoteIpDetails",
	"PortProbeAction.PortProbeDetails.RemoteIpDetails",
}

// remoteIP is the caller's address as a finding describes it.
type remoteIP struct {
	IP, ASOrg, Country string
}

// readRemoteIP reads the first RemoteIpDetails under action (GuardDuty's Service.Action,
// ASFF's Action) that holds an address.
func readRemoteIP(action Doc) remoteIP {
	if action == nil {
		return remoteIP{}
	}
	for _, p := range remoteIPPaths {
		for _, r := range action.Objects(p) {
			if ip := r.StrAny("IpAddressV4", "IpAddressV6"); ip != "" {
				return remoteIP{
					IP:      ip,
					ASOrg:   r.StrAny("Organization.AsnOrg", "Organization.Org", "Organization.Isp"),
					Country: r.StrAny("Country.CountryName", "Country.CountryCode"),
				}
			}
		}
	}
	return remoteIP{}
}

// FromGuardDuty maps one GuardDuty finding onto an Alert: the finding as
// `aws guardduty get-findings` and the SDK print it (PascalCase), as the REST API sends
// it (camelCase), or wrapped in an EventBridge event ({"detail-type":"GuardDuty
// Finding","detail":{...}}).
//
// RuleID is the finding type ("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"),
// the key Resource.AccessKeyDetails.AccessKeyId, the caller the first RemoteIpDetails
// of Service.Action. Severity 0.1-3.9 is low, 4-6.9 medium, 7-8.9 high, 9 and above
// critical; RiskScore is severity x 10. An archived finding is closed, others open.
func FromGuardDuty(finding map[string]any) (investigate.Alert, error) {
	d := Doc(finding)
	if det := d.Object("detail"); det != nil && strings.EqualFold(d.Str("source"), "aws.guardduty") {
		d = det
	}
	id, typ := d.Str("Id"), d.Str("Type")
	if id == "" || typ == "" {
		return investigate.Alert{}, &NotAlertError{Want: "a GuardDuty finding", Missing: missing(d, "Id", "Type"), Looks: looksLike(d)}
	}
	a := investigate.Alert{
		ID:           id,
		Provider:     investigate.ProviderGuardDuty,
		RuleID:       typ,
		RuleName:     d.Str("Title"),
		Reason:       d.Str("Description"),
		Kind:         investigate.ElasticSignalKind,
		Account:      d.Str("AccountId"),
		Region:       d.Str("Region"),
		AccessKeyID:  d.Str("Resource.AccessKeyDetails.AccessKeyId"),
		UserName:     d.StrAny("Resource.AccessKeyDetails.UserName", "Resource.AccessKeyDetails.PrincipalId"),
		IdentityType: d.Str("Resource.AccessKeyDetails.UserType"),
	}
	if sev, ok := d.Float("Severity"); ok {
		a.Severity = guardDutySeverity(sev)
		a.RiskScore = math.Round(sev*1000) / 100 // severity x 10, without float noise (8.9 -> 89)
	}
	a.Status = investigate.WorkflowOpen
	if archived, _ := d.Bool("Service.Archived"); archived {
		a.Status = investigate.WorkflowClosed
	}
	a.Time, _ = d.TimeAny("Service.EventLastSeen", "UpdatedAt", "CreatedAt")
	action := d.Object("Service.Action")
	r := readRemoteIP(action)
	a.SourceIP, a.ASOrg, a.Country = r.IP, r.ASOrg, r.Country
	a.Action = action.Str("AwsApiCallAction.Api")
	a.UserAgent = action.StrAny("AwsApiCallAction.UserAgent", "KubernetesApiCallAction.UserAgent")
	if a.UserAgent == "" {
		a.UserAgent = additionalInfoUserAgent(d.Object("Service.AdditionalInfo"))
	}
	return a, nil
}

// guardDutySeverity buckets GuardDuty's 0.1-10 severity (facts §4).
func guardDutySeverity(s float64) investigate.Severity {
	switch {
	case s >= 9:
		return investigate.SeverityCritical
	case s >= 7:
		return investigate.SeverityHigh
	case s >= 4:
		return investigate.SeverityMedium
	case s > 0:
		return investigate.SeverityLow
	}
	return investigate.SeverityUnknown
}

// additionalInfoUserAgent reads the user agent GuardDuty keeps in Service.AdditionalInfo:
// an object in EventBridge events, a JSON string in AdditionalInfo.Value in API output.
func additionalInfoUserAgent(info Doc) string {
	if info == nil {
		return ""
	}
	if ua := info.StrAny("userAgent.fullUserAgent", "UserAgent.FullUserAgent"); ua != "" {
		return ua
	}
	raw := info.Str("Value")
	if !strings.HasPrefix(strings.TrimSpace(raw), "{") {
		return ""
	}
	var m map[string]any
	if json.Unmarshal([]byte(raw), &m) != nil {
		return ""
	}
	return Doc(m).Str("userAgent.fullUserAgent")
}

// isGuardDutyFinding recognises a GuardDuty finding by its fields: a Type, and a
// Service or a Resource.ResourceType, and none of ASFF's.
func isGuardDutyFinding(d Doc) bool {
	return d.Has("Type") && (d.Has("Service") || d.Has("Resource.ResourceType")) && !isASFFFinding(d)
}

// missing lists which of fields d lacks.
func missing(d Doc, fields ...string) []string {
	var out []string
	for _, f := range fields {
		if d.Str(f) == "" {
			out = append(out, f)
		}
	}
	return out
}
