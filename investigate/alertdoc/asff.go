package alertdoc

import (
	"strings"

	"github.com/keypivot/keypivot/investigate"
)

// accessKeyResourcePrefix prefixes the access key id in an ASFF AwsIamAccessKey
// resource's Id (facts §4).
const accessKeyResourcePrefix = "AWS::IAM::AccessKey:"

// FromASFF maps one Security Hub finding in the AWS Security Finding Format (as
// `aws securityhub get-findings` prints it) onto an Alert.
//
// RuleID is the GeneratorId, or the first of Types when there is none. For findings
// GuardDuty sent to Security Hub, whose GeneratorId is the detector's ARN (the same for
// every finding type), RuleID is the GuardDuty finding type recovered from Types
// ("TTPs/Initial Access/UnauthorizedAccess:IAMUser-InstanceCredentialExfiltration.OutsideAWS"
// -> "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"), so that
// distinct types stay distinct sibling rules and match FromGuardDuty's.
//
// Severity is Severity.Label (INFORMATIONAL counts as low), or Severity.Normalized
// bucketed when there is no label; RiskScore is Severity.Normalized. Workflow.Status NEW
// is open, NOTIFIED acknowledged, RESOLVED and SUPPRESSED closed (the deprecated
// WorkflowState is read when Workflow is absent); RecordState ARCHIVED is closed.
// The key is the Id of the AwsIamAccessKey resource, "AWS::IAM::AccessKey:" stripped.
func FromASFF(finding map[string]any) (investigate.Alert, error) {
	d := Doc(finding)
	id := d.Str("Id")
	gen := d.Str("GeneratorId")
	types := d.Strs("Types")
	if id == "" || (gen == "" && len(types) == 0) {
		m := missing(d, "Id", "GeneratorId")
		if gen == "" {
			m = append(m, "Types")
		}
		return investigate.Alert{}, &NotAlertError{Want: "a Security Hub (ASFF) finding", Missing: m, Looks: looksLike(d)}
	}
	a := investigate.Alert{
		ID:       id,
		Provider: investigate.ProviderSecurityHub,
		RuleID:   gen,
		RuleName: d.Str("Title"),
		Reason:   d.Str("Description"),
		Kind:     investigate.ElasticSignalKind,
		Account:  d.Str("AwsAccountId"),
		Region:   d.Str("Region"),
	}
	if t := asffGuardDutyType(d, types); t != "" {
		a.RuleID = t
	} else if a.RuleID == "" {
		a.RuleID = types[0]
	}

	norm, hasNorm := d.Float("Severity.Normalized")
	if label := d.Str("Severity.Label"); label != "" {
		a.Severity, _ = investigate.ParseSeverity(label)
	} else if hasNorm {
		a.Severity = normalizedSeverity(norm)
	}
	if hasNorm {
		a.RiskScore = norm
	}

	a.Status = asffStatus(d)
	a.Time, _ = d.TimeAny("UpdatedAt", "LastObservedAt", "CreatedAt")

	for _, r := range d.Objects("Resources") {
		typ := r.Str("Type")
		switch {
		case strings.EqualFold(typ, "AwsIamAccessKey") || strings.EqualFold(typ, "AWS::IAM::AccessKey"):
			if a.AccessKeyID != "" {
				continue
			}
			a.AccessKeyID = accessKeyFromResourceID(r.Str("Id"))
			det := r.Object("Details.AwsIamAccessKey")
			if a.AccessKeyID == "" {
				a.AccessKeyID = det.Str("AccessKeyId")
			}
			if a.UserName == "" {
				a.UserName = det.StrAny("UserName", "PrincipalName", "PrincipalId")
			}
			if a.IdentityType == "" {
				a.IdentityType = det.Str("PrincipalType")
			}
			if a.Region == "" {
				a.Region = r.Str("Region")
			}
		case strings.EqualFold(typ, "AwsIamUser"):
			if rid := r.Str("Id"); a.UserARN == "" && strings.HasPrefix(rid, "arn:") {
				a.UserARN = rid
			}
		}
	}
	if a.Region == "" {
		a.Region = d.Str("Resources.Region")
	}

	action := d.Object("Action")
	r := readRemoteIP(action)
	a.SourceIP = d.StrAny("Network.SourceIpV4", "Network.SourceIpV6")
	if a.SourceIP == "" {
		a.SourceIP = r.IP
	}
	a.ASOrg, a.Country = r.ASOrg, r.Country
	a.Action = action.Str("AwsApiCallAction.Api")

	// GuardDuty findings carry their action in ProductFields too, and older ones only there.
	pf := d.Object("ProductFields")
	a.SourceIP = orStr(a.SourceIP, productField(pf, "action/awsApiCallAction/remoteIpDetails/ipAddressV4"))
	a.ASOrg = orStr(a.ASOrg, productField(pf, "action/awsApiCallAction/remoteIpDetails/organization/asnOrg"))
	a.Country = orStr(a.Country, productField(pf, "action/awsApiCallAction/remoteIpDetails/country/countryName"))
	a.Action = orStr(a.Action, productField(pf, "action/awsApiCallAction/api"))
	a.UserAgent = productField(pf, "additionalInfo/userAgent/fullUserAgent")
	return a, nil
}

// asffStatus maps Workflow.Status (or the deprecated WorkflowState) and RecordState.
func asffStatus(d Doc) string {
	if strings.EqualFold(d.Str("RecordState"), "ARCHIVED") {
		return investigate.WorkflowClosed
	}
	s := d.Str("Workflow.Status")
	if s == "" {
		switch strings.ToUpper(d.Str("WorkflowState")) {
		case "ASSIGNED", "IN_PROGRESS":
			s = "NOTIFIED"
		case "DEFERRED":
			s = "SUPPRESSED"
		default:
			s = d.Str("WorkflowState")
		}
	}
	if s == "" {
		return investigate.WorkflowOpen
	}
	return investigate.NormalizeWorkflowStatus(s)
}

// normalizedSeverity buckets ASFF's Severity.Normalized as Security Hub derives labels:
// 0 informational (low here), 1-39 low, 40-69 medium, 70-89 high, 90-100 critical.
func normalizedSeverity(n float64) investigate.Severity {
	switch {
	case n >= 90:
		return investigate.SeverityCritical
	case n >= 70:
		return investigate.SeverityHigh
	case n >= 40:
		return investigate.SeverityMedium
	case n >= 0:
		return investigate.SeverityLow
	}
	return investigate.SeverityUnknown
}

// accessKeyFromResourceID reads the key id from an AwsIamAccessKey resource Id:
// "AWS::IAM::AccessKey:AKIA...", a bare key id, or an id ending in one.
func accessKeyFromResourceID(id string) string {
	id = strings.TrimSpace(id)
	if len(id) >= len(accessKeyResourcePrefix) && strings.EqualFold(id[:len(accessKeyResourcePrefix)], accessKeyResourcePrefix) {
		return strings.TrimSpace(id[len(accessKeyResourcePrefix):])
	}
	if investigate.IsAccessKeyID(id) {
		return id
	}
	if i := strings.LastIndexAny(id, ":/"); i >= 0 && investigate.IsAccessKeyID(id[i+1:]) {
		return id[i+1:]
	}
	return ""
}

// asffGuardDutyType recovers the GuardDuty finding type of a finding GuardDuty sent to
// Security Hub, or "" for other products. ASFF Types use "/" as their hierarchy
// separator, so GuardDuty writes the type's own "/" as "-": ThreatPurpose:ResourceType-
// ThreatFamily... ResourceType never contains "-", so the first "-" after the ":" is it.
func asffGuardDutyType(d Doc, types []string) string {
	if !isFromGuardDuty(d) {
		return ""
	}
	for _, t := range types {
		last := t[strings.LastIndexByte(t, '/')+1:]
		colon := strings.IndexByte(last, ':')
		if colon < 0 {
			continue
		}
		if dash := strings.IndexByte(last[colon:], '-'); dash > 0 {
			return last[:colon+dash] + "/" + last[colon+dash+1:]
		}
		return last
	}
	return ""
}

func isFromGuardDuty(d Doc) bool {
	if strings.HasSuffix(d.Str("ProductArn"), ":product/aws/guardduty") {
		return true
	}
	return strings.EqualFold(d.StrAny("ProductName", "ProductFields.aws/securityhub/ProductName"), "GuardDuty")
}

// productField reads a GuardDuty value from ASFF ProductFields, whose keys appear with
// and without the "aws/guardduty/service/" prefix.
func productField(pf Doc, key string) string {
	if pf == nil {
		return ""
	}
	if s := scalarString(pf["aws/guardduty/service/"+key]); s != "" {
		return s
	}
	return scalarString(pf[key])
}

// isASFFFinding recognises an ASFF finding by the fields only ASFF has.
func isASFFFinding(d Doc) bool {
	return d.Has("ProductArn") || d.Has("GeneratorId") || (d.Has("SchemaVersion") && d.Has("AwsAccountId"))
}
