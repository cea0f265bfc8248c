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
func readRemoteIP(action fieldReader) remoteIP {
	if action.m == nil {
		return remoteIP{}
	}
	for _, p := range remoteIPPaths {
		for _, r := range action.objects(p) {
			if ip := r.ipAny(false, "IpAddressV4", "IpAddressV6"); ip != "" {
				return remoteIP{
					IP:      ip,
					ASOrg:   r.keywordAny("Organization.AsnOrg", "Organization.Org", "Organization.Isp"),
					Country: r.keywordAny("Country.CountryName", "Country.CountryCode"),
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
// of Service.Action. An attack-sequence finding (AttackSequence:IAM/CompromisedCredentials)
// carries its sequence in Sequence (Service.Detection.Sequence) and names its keys in
// the sequence's actors (user.credentialUid), not as its resource: it is filed under
// the sequence's first long-term key. Severity 0.1-3.9 is low, 4-6.9 medium, 7-8.9 high, 9 and above
// critical; RiskScore is severity x 10. An archived finding is closed, others open.
//
// FromGuardDuty is MapGuardDuty without the problems of the fields it left unset.
func FromGuardDuty(finding map[string]any) (investigate.Alert, error) {
	a, _, err := MapGuardDuty(finding)
	return a, err
}

// MapGuardDuty is FromGuardDuty that also returns the fields it could not read. Per
// field: Id and Type identify the finding and name its rule, and its time
// (Service.EventLastSeen, else UpdatedAt, else CreatedAt; ISO 8601, or epoch seconds or
// milliseconds) places it: when one of them is present but unreadable (and, for the
// time, no other time is usable) the finding is dropped (*UnusableError). Severity must
// be a number or numeric string (else severity and risk stay unset), Service.Archived
// true or false (else the finding counts as open), addresses IP addresses; every other
// field a string, else it is left unset.
func MapGuardDuty(finding map[string]any) (investigate.Alert, []FieldProblem, error) {
	d := newReader(finding, true, false)
	if strings.EqualFold(Doc(finding).Str("source"), "aws.guardduty") {
		if det := d.object("detail"); det.m != nil {
			d = det
		}
	}
	id, typ := d.keyword("Id"), d.keyword("Type")
	if id == "" || typ == "" {
		if bad := d.problems(); len(bad) > 0 {
			return investigate.Alert{}, bad, &UnusableError{Want: "a GuardDuty finding", Reason: "no usable id or type", Problems: bad}
		}
		return investigate.Alert{}, nil, &NotAlertError{Want: "a GuardDuty finding", Missing: missing(Doc(d.m), "Id", "Type"), Looks: looksLike(Doc(d.m))}
	}
	a := investigate.Alert{
		ID:           id,
		Provider:     investigate.ProviderGuardDuty,
		RuleID:       typ,
		RuleName:     d.keyword("Title"),
		Reason:       d.keyword("Description"),
		Kind:         investigate.ElasticSignalKind,
		Account:      d.keyword("AccountId"),
		Region:       d.keyword("Region"),
		AccessKeyID:  strings.TrimSpace(d.keyword("Resource.AccessKeyDetails.AccessKeyId")),
		UserName:     d.keywordAny("Resource.AccessKeyDetails.UserName", "Resource.AccessKeyDetails.PrincipalId"),
		IdentityType: d.keyword("Resource.AccessKeyDetails.UserType"),
	}
	if sev, ok := d.number("Severity"); ok {
		a.Severity = guardDutySeverity(sev)
		a.RiskScore = math.Round(sev*1000) / 100 // severity x 10, without float noise (8.9 -> 89)
	}
	a.Status = investigate.WorkflowOpen
	if archived, _ := d.boolean("Service.Archived"); archived {
		a.Status = investigate.WorkflowClosed
	}
	t, unusable := d.timeAny("Service.EventLastSeen", "UpdatedAt", "CreatedAt")
	if unusable {
		return investigate.Alert{}, d.problems(), &UnusableError{Want: "a GuardDuty finding", Reason: "no usable time", Problems: d.problems()}
	}
	a.Time = t
	action := d.object("Service.Action")
	r := readRemoteIP(action)
	a.SourceIP, a.ASOrg, a.Country = r.IP, r.ASOrg, r.Country
	a.Action = action.keyword("AwsApiCallAction.Api")
	a.UserAgent = action.keywordAny("AwsApiCallAction.UserAgent", "KubernetesApiCallAction.UserAgent")
	if a.UserAgent == "" {
		a.UserAgent = additionalInfoUserAgent(d.object("Service.AdditionalInfo"))
	}
	a.Sequence = readSequence(d.object("Service.Detection.Sequence"))
	fileSequence(&a)
	return a, d.problems(), nil
}

// guardDutySeverity buckets GuardDuty's 0.1-10 severity (facts §4).
func guardDutySeverity(s float64) investigate.Severity {
	return severityBand(s, 9, 7, 4, s > 0)
}

// additionalInfoUserAgent reads the user agent GuardDuty keeps in Service.AdditionalInfo:
// an object in EventBridge events, a JSON string in AdditionalInfo.Value in API output.
func additionalInfoUserAgent(info fieldReader) string {
	if info.m == nil {
		return ""
	}
	if ua := info.keywordAny("userAgent.fullUserAgent", "UserAgent.FullUserAgent"); ua != "" {
		return ua
	}
	raw := info.keyword("Value")
	if !strings.HasPrefix(strings.TrimSpace(raw), "{") {
		return ""
	}
	var m map[string]any
	if json.Unmarshal([]byte(raw), &m) != nil {
		info.report("Value", quoteShort(raw), "a JSON object")
		return ""
	}
	sub := fieldReader{m: m, fold: true, prefix: info.prefix + "Value.", bad: info.bad}
	return sub.keyword("userAgent.fullUserAgent")
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
