package guardduty

import (
	"strings"
	"time"

	"github.com/keypivot/keypivot/internal/testserver/httpkit"
)

// criterionFields are the fields ListFindings accepts in findingCriteria, as the API
// reference lists them. Others are refused with BadRequestException.
var criterionFields = map[string]bool{
	"accountId": true, "region": true, "confidence": true, "id": true,
	"resource.accessKeyDetails.accessKeyId": true, "resource.accessKeyDetails.principalId": true,
	"resource.accessKeyDetails.userName": true, "resource.accessKeyDetails.userType": true,
	"resource.instanceDetails.iamInstanceProfile.id": true, "resource.instanceDetails.imageId": true,
	"resource.instanceDetails.instanceId": true, "resource.instanceDetails.networkInterfaces.ipv6Addresses": true,
	"resource.instanceDetails.networkInterfaces.privateIpAddresses.privateIpAddress": true,
	"resource.instanceDetails.networkInterfaces.publicDnsName":                       true,
	"resource.instanceDetails.networkInterfaces.publicIp":                            true,
	"resource.instanceDetails.networkInterfaces.securityGroups.groupId":              true,
	"resource.instanceDetails.networkInterfaces.securityGroups.groupName":            true,
	"resource.instanceDetails.networkInterfaces.subnetId":                            true,
	"resource.instanceDetails.networkInterfaces.vpcId":                               true,
	"resource.instanceDetails.tags.key":                                              true,
	"resource.instanceDetails.tags.value":                                            true,
	"resource.resourceType":                                                          true,
	"service.action.actionType":                                                      true,
	"service.action.awsApiCallAction.api":                                            true,
	"service.action.awsApiCallAction.callerType":                                     true,
	"service.action.awsApiCallAction.remoteIpDetails.city.cityName":                  true,
	"service.action.awsApiCallAction.remoteIpDetails.country.countryName":            true,
	"service.action.awsApiCallAction.remoteIpDetails.ipAddressV4":                    true,
	"service.action.awsApiCallAction.remoteIpDetails.organization.asn":               true,
	"service.action.awsApiCallAction.remoteIpDetails.organization.asnOrg":            true,
	"service.action.awsApiCallAction.serviceName":                                    true,
	"service.action.dnsRequestAction.domain":                                         true,
	"service.action.dnsRequestAction.domainWithSuffix":                               true,
	"service.action.networkConnectionAction.blocked":                                 true,
	"service.action.networkConnectionAction.connectionDirection":                     true,
	"service.action.networkConnectionAction.localPortDetails.port":                   true,
	"service.action.networkConnectionAction.protocol":                                true,
	"service.action.networkConnectionAction.remoteIpDetails.country.countryName":     true,
	"service.action.networkConnectionAction.remoteIpDetails.ipAddressV4":             true,
	"service.action.networkConnectionAction.remoteIpDetails.organization.asn":        true,
	"service.action.networkConnectionAction.remoteIpDetails.organization.asnOrg":     true,
	"service.action.networkConnectionAction.remotePortDetails.port":                  true,
	"service.additionalInfo.threatListName":                                          true,
	"service.archived":                                                               true,
	"service.ebsVolumeScanDetails.scanId":                                            true,
	"service.resourceRole":                                                           true,
	"severity":                                                                       true,
	"type":                                                                           true,
	"updatedAt":                                                                      true,
}

// timeFields hold ISO timestamps that criteria compare as epoch milliseconds.
var timeFields = map[string]bool{"updatedAt": true, "createdAt": true}

type condition struct {
	eq, neq, matches, notMatches []string
	lower, upper                 []bound
}

type bound struct {
	v         float64
	inclusive bool
}

type criteria map[string]condition

func parseCriteria(v any) (criteria, *apiError) {
	if v == nil {
		return nil, nil
	}
	fc, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest(errInvalidInput)
	}
	raw, _ := fc["criterion"].(map[string]any)
	out := criteria{}
	for field, cv := range raw {
		if !criterionFields[field] {
			return nil, badRequest(errInvalidInput)
		}
		m, ok := cv.(map[string]any)
		if !ok || len(m) == 0 {
			return nil, badRequest(errInvalidInput)
		}
		var c condition
		for op, arg := range m {
			switch op {
			case "eq", "equals":
				c.eq = append(c.eq, strList(arg)...)
			case "neq", "notEquals":
				c.neq = append(c.neq, strList(arg)...)
			case "matches":
				c.matches = append(c.matches, strList(arg)...)
			case "notMatches":
				c.notMatches = append(c.notMatches, strList(arg)...)
			case "gt", "greaterThan", "gte", "greaterThanOrEqual", "lt", "lessThan", "lte", "lessThanOrEqual":
				n, ok := httpkit.Number(arg)
				if !ok {
					return nil, badRequest(errInvalidInput)
				}
				b := bound{v: n, inclusive: map[string]bool{"gte": true, "greaterThanOrEqual": true, "lte": true, "lessThanOrEqual": true}[op]}
				switch op {
				case "gt", "greaterThan", "gte", "greaterThanOrEqual":
					c.lower = append(c.lower, b)
				default:
					c.upper = append(c.upper, b)
				}
			default:
				return nil, badRequest(errInvalidInput)
			}
		}
		out[field] = c
	}
	return out, nil
}

func strList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, stringOf(x))
	}
	return out
}

func (c criteria) match(f map[string]any) bool {
	for field, cond := range c {
		if !cond.match(field, valuesAt(f, field)) {
			return false
		}
	}
	return true
}

func (c condition) match(field string, vals []any) bool {
	if len(c.eq) > 0 && !anyValue(vals, func(v any) bool { return inList(field, v, c.eq) }) {
		return false
	}
	if len(c.neq) > 0 && anyValue(vals, func(v any) bool { return inList(field, v, c.neq) }) {
		return false
	}
	if len(c.matches) > 0 && !anyValue(vals, func(v any) bool { return matchesAny(stringOf(v), c.matches) }) {
		return false
	}
	if len(c.notMatches) > 0 && anyValue(vals, func(v any) bool { return matchesAny(stringOf(v), c.notMatches) }) {
		return false
	}
	if len(c.lower) > 0 || len(c.upper) > 0 {
		return anyValue(vals, func(v any) bool {
			n, ok := numericValue(field, v)
			if !ok {
				return false
			}
			for _, b := range c.lower {
				if n < b.v || (n == b.v && !b.inclusive) {
					return false
				}
			}
			for _, b := range c.upper {
				if n > b.v || (n == b.v && !b.inclusive) {
					return false
				}
			}
			return true
		})
	}
	return true
}

func anyValue(vals []any, f func(any) bool) bool {
	for _, v := range vals {
		if f(v) {
			return true
		}
	}
	return false
}

func inList(field string, v any, list []string) bool {
	for _, w := range list {
		if compareValues(field, v, w) == 0 {
			return true
		}
	}
	return false
}

func matchesAny(s string, patterns []string) bool {
	for _, p := range patterns {
		if glob(p, s) {
			return true
		}
	}
	return false
}

// numericValue reads a value for a range condition: timestamps as epoch milliseconds
// (the unit the API documents for updatedAt), numbers as they are.
func numericValue(field string, v any) (float64, bool) {
	if timeFields[field] {
		if s, ok := v.(string); ok {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return 0, false
			}
			return float64(t.UnixMilli()), true
		}
	}
	return httpkit.Number(v)
}

// compareValues orders two values of a field: numerically when both are numbers (or
// timestamps), as strings otherwise (booleans as "true"/"false").
func compareValues(field string, a, b any) int {
	x, ok1 := numericValue(field, a)
	y, ok2 := numericValue(field, b)
	if ok1 && ok2 {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return strings.Compare(stringOf(a), stringOf(b))
}

// valuesAt collects the values at a dotted path, descending into lists (a criterion on
// networkInterfaces.publicIp matches any interface).
func valuesAt(v any, p string) []any {
	var out []any
	var walk func(any, []string)
	walk = func(x any, parts []string) {
		switch t := x.(type) {
		case []any:
			for _, e := range t {
				walk(e, parts)
			}
			return
		case map[string]any:
			if len(parts) == 0 {
				out = append(out, t)
				return
			}
			if next, ok := t[parts[0]]; ok {
				walk(next, parts[1:])
			}
			return
		case nil:
			return
		}
		if len(parts) == 0 {
			out = append(out, x)
		}
	}
	walk(v, strings.Split(p, "."))
	return out
}

func glob(pattern, s string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == s
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i, p := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(s, p)
		}
		j := strings.Index(s, p)
		if j < 0 {
			return false
		}
		s = s[j+len(p):]
	}
	return true
}
