package demo

import (
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// A hand-written JSON writer for records: encoding/json's reflection over thousands of
// records was most of the generation time. Its output is what encoding/json writes for
// the same values (keys of objects sorted, HTML characters not escaped); a test pins the
// equivalence.

func (r *record) appendJSON(b []byte) []byte {
	b = append(b, `{"eventVersion":`...)
	b = appendString(b, r.EventVersion)
	b = append(b, `,"userIdentity":`...)
	b = r.UserIdentity.appendJSON(b)
	b = appendField(b, "eventTime", r.EventTime)
	b = appendField(b, "eventSource", r.EventSource)
	b = appendField(b, "eventName", r.EventName)
	b = appendField(b, "awsRegion", r.AWSRegion)
	b = appendField(b, "sourceIPAddress", r.SourceIPAddress)
	b = appendField(b, "userAgent", r.UserAgent)
	b = appendOptional(b, "errorCode", r.ErrorCode)
	b = appendOptional(b, "errorMessage", r.ErrorMessage)
	b = append(b, `,"requestParameters":`...)
	b = appendValue(b, r.RequestParameters)
	b = append(b, `,"responseElements":`...)
	b = appendValue(b, r.ResponseElements)
	if r.AdditionalEventData != nil {
		b = append(b, `,"additionalEventData":`...)
		b = appendValue(b, r.AdditionalEventData)
	}
	b = appendOptional(b, "requestID", r.RequestID)
	b = appendField(b, "eventID", r.EventID)
	b = append(b, `,"readOnly":`...)
	b = strconv.AppendBool(b, r.ReadOnly)
	if len(r.Resources) > 0 {
		b = append(b, `,"resources":[`...)
		for i, res := range r.Resources {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"accountId":`...)
			b = appendString(b, res.AccountID)
			b = appendField(b, "type", res.Type)
			b = appendField(b, "ARN", res.ARN)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendField(b, "eventType", r.EventType)
	b = append(b, `,"managementEvent":`...)
	b = strconv.AppendBool(b, r.ManagementEvent)
	b = appendField(b, "recipientAccountId", r.RecipientAccountID)
	b = appendOptional(b, "sharedEventID", r.SharedEventID)
	b = appendField(b, "eventCategory", r.EventCategory)
	if t := r.TLSDetails; t != nil {
		b = append(b, `,"tlsDetails":{"tlsVersion":`...)
		b = appendString(b, t.TLSVersion)
		b = appendField(b, "cipherSuite", t.CipherSuite)
		b = appendField(b, "clientProvidedHostHeader", t.ClientProvidedHostHeader)
		b = append(b, '}')
	}
	b = appendOptional(b, "sessionCredentialFromConsole", r.SessionCredentialFromConsole)
	return append(b, '}')
}

func (id *identity) appendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, id.Type)
	b = appendOptional(b, "principalId", id.PrincipalID)
	b = appendOptional(b, "arn", id.ARN)
	b = appendField(b, "accountId", id.AccountID)
	b = appendOptional(b, "accessKeyId", id.AccessKeyID)
	b = appendOptional(b, "userName", id.UserName)
	if sc := id.SessionContext; sc != nil {
		b = append(b, `,"sessionContext":{"sessionIssuer":{`...)
		is := sc.SessionIssuer
		first := true
		for _, kv := range [...][2]string{{"type", is.Type}, {"principalId", is.PrincipalID}, {"arn", is.ARN}, {"accountId", is.AccountID}, {"userName", is.UserName}} {
			if kv[1] == "" {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendString(b, kv[0])
			b = append(b, ':')
			b = appendString(b, kv[1])
		}
		b = append(b, `},"webIdFederationData":`...)
		if sc.WebIDFederationData == nil {
			b = append(b, "null"...)
		} else {
			b = appendValue(b, sc.WebIDFederationData)
		}
		b = append(b, `,"attributes":{"creationDate":`...)
		b = appendString(b, sc.Attributes.CreationDate)
		b = appendField(b, "mfaAuthenticated", sc.Attributes.MFAAuthenticated)
		b = append(b, `}}`...)
	}
	b = appendOptional(b, "invokedBy", id.InvokedBy)
	return append(b, '}')
}

func appendField(b []byte, name, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

func appendOptional(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	return appendField(b, name, v)
}

// appendValue writes the JSON of the values the generator builds: objects (keys sorted),
// lists, strings, integers and booleans.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case obj:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendValue(b, x[k])
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e)
		}
		return append(b, ']')
	}
	panic(fmt.Sprintf("demo: no JSON for %T", v))
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string the way encoding/json does with HTML escaping
// off: control characters as \n, \r, \t or \u00XX, U+2028 and U+2029 escaped, invalid
// UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
