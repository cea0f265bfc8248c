package alertdoc

import (
	"net/netip"
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
// The key is the Id of the AwsIamAccessKey resource, "AWS::IAM::AccessKey:" stripped;
// a GuardDuty attack sequence (Detection.Sequence, at most ten actors) has none, and is
// filed under the first long-term key of its actors' credentials (Actors[].User.CredentialUid).
//
// FromASFF is MapASFF without the problems of the fields it left unset.
func FromASFF(finding map[string]any) (investigate.Alert, error) {
	a, _, err := MapASFF(finding)
	return a, err
}

// MapASFF is FromASFF that also returns the fields it could not read. Per field: Id
// identifies the finding and GeneratorId or Types name its rule, and its time
// (UpdatedAt, else LastObservedAt, else CreatedAt) places it: when one of them is
// present but unreadable and nothing else stands in, the finding is dropped
// (*UnusableError). Severity.Normalized must be a number or numeric string,
// Severity.Label a severity, Workflow.Status, WorkflowState and RecordState the values
// Security Hub writes (else the finding counts as open), addresses IP addresses; every
// other field a string, else it is left unset.
func MapASFF(finding map[string]any) (investigate.Alert, []FieldProblem, error) {
	d := newReader(finding, true, false)
	id := d.keyword("Id")
	gen := d.keyword("GeneratorId")
	types := d.keywords("Types")
	if id == "" || (gen == "" && len(types) == 0) {
		if bad := d.problems(); len(bad) > 0 {
			return investigate.Alert{}, bad, &UnusableError{Want: "a Security Hub (ASFF) finding", Reason: "no usable id or rule", Problems: bad}
		}
		m := missing(Doc(finding), "Id", "GeneratorId")
		if gen == "" {
			m = append(m, "Types")
		}
		return investigate.Alert{}, nil, &NotAlertError{Want: "a Security Hub (ASFF) finding", Missing: m, Looks: looksLike(Doc(finding))}
	}
	a := investigate.Alert{
		ID:       id,
		Provider: investigate.ProviderSecurityHub,
		RuleID:   gen,
		RuleName: d.keyword("Title"),
		Reason:   d.keyword("Description"),
		Kind:     investigate.ElasticSignalKind,
		Account:  d.keyword("AwsAccountId"),
		Region:   d.keyword("Region"),
	}
	if t := asffGuardDutyType(d, types); t != "" {
		a.RuleID = t
	} else if a.RuleID == "" {
		a.RuleID = types[0]
	}

	norm, hasNorm := d.number("Severity.Normalized")
	label := d.keyword("Severity.Label")
	sev, err := investigate.ParseSeverity(label)
	switch {
	case err != nil:
		d.report("Severity.Label", quoteShort(label), "a severity label (INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL)")
		if hasNorm {
			a.Severity = normalizedSeverity(norm)
		}
	case label != "":
		a.Severity = sev
	case hasNorm:
		a.Severity = normalizedSeverity(norm)
	}
	if hasNorm {
		a.RiskScore = norm
	}

	a.Status = asffStatus(d)
	t, unusable := d.timeAny("UpdatedAt", "LastObservedAt", "CreatedAt")
	if unusable {
		return investigate.Alert{}, d.problems(), &UnusableError{Want: "a Security Hub (ASFF) finding", Reason: "no usable time", Problems: d.problems()}
	}
	a.Time = t

	for _, r := range d.objects("Resources") {
		typ := r.keyword("Type")
		switch {
		case strings.EqualFold(typ, "AwsIamAccessKey") || strings.EqualFold(typ, "AWS::IAM::AccessKey"):
			if a.AccessKeyID != "" {
				continue
			}
			a.AccessKeyID = accessKeyFromResourceID(r.keyword("Id"))
			det := r.object("Details.AwsIamAccessKey")
			if a.AccessKeyID == "" {
				a.AccessKeyID = strings.TrimSpace(det.keyword("AccessKeyId"))
			}
			if a.UserName == "" {
				a.UserName = det.keywordAny("UserName", "PrincipalName", "PrincipalId")
			}
			if a.IdentityType == "" {
				a.IdentityType = det.keyword("PrincipalType")
			}
			if a.Region == "" {
				a.Region = r.keyword("Region")
			}
		case strings.EqualFold(typ, "AwsIamUser"):
			if rid := r.keyword("Id"); a.UserARN == "" && strings.HasPrefix(rid, "arn:") {
				a.UserARN = rid
			}
		}
	}
	if a.Region == "" {
		a.Region = d.firstKeyword("Resources.Region")
	}

	action := d.object("Action")
	r := readRemoteIP(action)
	a.SourceIP = d.ipAny(false, "Network.SourceIpV4", "Network.SourceIpV6")
	if a.SourceIP == "" {
		a.SourceIP = r.IP
	}
	a.ASOrg, a.Country = r.ASOrg, r.Country
	a.Action = action.keyword("AwsApiCallAction.Api")

	// GuardDuty findings carry their action in ProductFields too, and older ones only there.
	pf := d.object("ProductFields")
	if a.SourceIP == "" {
		if ip := productField(pf, "action/awsApiCallAction/remoteIpDetails/ipAddressV4"); ip != "" {
			if _, err := netip.ParseAddr(ip); err != nil {
				pf.report("action/awsApiCallAction/remoteIpDetails/ipAddressV4", quoteShort(ip), "an IP address")
			} else {
				a.SourceIP = ip
			}
		}
	}
	a.ASOrg = orStr(a.ASOrg, productField(pf, "action/awsApiCallAction/remoteIpDetails/organization/asnOrg"))
	a.Country = orStr(a.Country, productField(pf, "action/awsApiCallAction/remoteIpDetails/country/countryName"))
	a.Action = orStr(a.Action, productField(pf, "action/awsApiCallAction/api"))
	a.UserAgent = productField(pf, "additionalInfo/userAgent/fullUserAgent")
	a.Sequence = readSequence(d.object("Detection.Sequence"))
	fileSequence(&a)
	return a, d.problems(), nil
}

// asffStatus maps Workflow.Status (or the deprecated WorkflowState) and RecordState.
// A value Security Hub does not write is a problem and counts as no status (open).
func asffStatus(d fieldReader) string {
	switch rs := strings.ToUpper(d.keyword("RecordState")); rs {
	case "ARCHIVED":
		return investigate.WorkflowClosed
	case "", "ACTIVE":
	default:
		d.report("RecordState", quoteShort(rs), "a record state (ACTIVE or ARCHIVED)")
	}
	switch s := strings.ToUpper(strings.TrimSpace(d.keyword("Workflow.Status"))); s {
	case "NEW":
		return investigate.WorkflowOpen
	case "NOTIFIED":
		return investigate.WorkflowAcknowledged
	case "RESOLVED", "SUPPRESSED":
		return investigate.WorkflowClosed
	case "":
	default:
		d.report("Workflow.Status", quoteShort(s), "a workflow status (NEW, NOTIFIED, RESOLVED or SUPPRESSED)")
		return investigate.WorkflowOpen
	}
	switch s := strings.ToUpper(strings.TrimSpace(d.keyword("WorkflowState"))); s {
	case "", "NEW":
		return investigate.WorkflowOpen
	case "ASSIGNED", "IN_PROGRESS":
		return investigate.WorkflowAcknowledged
	case "DEFERRED", "RESOLVED":
		return investigate.WorkflowClosed
	default:
		d.report("WorkflowState", quoteShort(s), "a workflow state (NEW, ASSIGNED, IN_PROGRESS, DEFERRED or RESOLVED)")
		return investigate.WorkflowOpen
	}
}

// normalizedSeverity buckets ASFF's Severity.Normalized as Security Hub derives labels:
// 0 informational (low here), 1-39 low, 40-69 medium, 70-89 high, 90-100 critical.
func normalizedSeverity(n float64) investigate.Severity {
	return severityBand(n, 90, 70, 40, n >= 0)
}

// severityBand buckets a score by the lowest score of the critical, high and medium
// bands; below them it is low when low says so, else unknown.
func severityBand(score, critical, high, medium float64, low bool) investigate.Severity {
	switch {
	case score >= critical:
		return investigate.SeverityCritical
	case score >= high:
		return investigate.SeverityHigh
	case score >= medium:
		return investigate.SeverityMedium
	case low:
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
func asffGuardDutyType(d fieldReader, types []string) string {
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

func isFromGuardDuty(d fieldReader) bool {
	if strings.HasSuffix(d.keyword("ProductArn"), ":product/aws/guardduty") {
		return true
	}
	return strings.EqualFold(d.keywordAny("ProductName", "ProductFields.aws/securityhub/ProductName"), "GuardDuty")
}

// productField reads a GuardDuty value from ASFF ProductFields, whose keys appear with
// and without the "aws/guardduty/service/" prefix.
func productField(pf fieldReader, key string) string {
	if pf.m == nil {
		return ""
	}
	for _, k := range []string{"aws/guardduty/service/" + key, key} {
		v := pf.m[k]
		switch v.(type) {
		case nil:
			continue
		case string, float64, bool:
			if s := investigate.ScalarString(v); s != "" {
				return s
			}
		default:
			pf.report(k, describe(v), "a string")
		}
	}
	return ""
}

// isASFFFinding recognises an ASFF finding by the fields only ASFF has.
func isASFFFinding(d Doc) bool {
	return d.Has("ProductArn") || d.Has("GeneratorId") || (d.Has("SchemaVersion") && d.Has("AwsAccountId"))
}
