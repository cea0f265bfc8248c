package demo

import (
	"strings"
	"time"
)

// record is one CloudTrail record, its fields in the order CloudTrail writes them in the
// log files it delivers to S3.
type record struct {
	EventVersion                 string      `json:"eventVersion"`
	UserIdentity                 identity    `json:"userIdentity"`
	EventTime                    string      `json:"eventTime"`
	EventSource                  string      `json:"eventSource"`
	EventName                    string      `json:"eventName"`
	AWSRegion                    string      `json:"awsRegion"`
	SourceIPAddress              string      `json:"sourceIPAddress"`
	UserAgent                    string      `json:"userAgent"`
	ErrorCode                    string      `json:"errorCode,omitempty"`
	ErrorMessage                 string      `json:"errorMessage,omitempty"`
	RequestParameters            any         `json:"requestParameters"`
	ResponseElements             any         `json:"responseElements"`
	AdditionalEventData          any         `json:"additionalEventData,omitempty"`
	RequestID                    string      `json:"requestID,omitempty"`
	EventID                      string      `json:"eventID"`
	ReadOnly                     bool        `json:"readOnly"`
	Resources                    []resource  `json:"resources,omitempty"`
	EventType                    string      `json:"eventType"`
	ManagementEvent              bool        `json:"managementEvent"`
	RecipientAccountID           string      `json:"recipientAccountId"`
	SharedEventID                string      `json:"sharedEventID,omitempty"`
	EventCategory                string      `json:"eventCategory"`
	TLSDetails                   *tlsDetails `json:"tlsDetails,omitempty"`
	SessionCredentialFromConsole string      `json:"sessionCredentialFromConsole,omitempty"`
	at                           time.Time   // eventTime as a time
}

type identity struct {
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId,omitempty"`
	ARN            string          `json:"arn,omitempty"`
	AccountID      string          `json:"accountId"`
	AccessKeyID    string          `json:"accessKeyId,omitempty"`
	UserName       string          `json:"userName,omitempty"`
	SessionContext *sessionContext `json:"sessionContext,omitempty"`
	InvokedBy      string          `json:"invokedBy,omitempty"`
}

type sessionContext struct {
	SessionIssuer       issuer         `json:"sessionIssuer"`
	WebIDFederationData map[string]any `json:"webIdFederationData"`
	Attributes          sessionAttrs   `json:"attributes"`
}

// issuer is sessionContext.sessionIssuer; it is {} for GetSessionToken and console
// sessions of an IAM user.
type issuer struct {
	Type        string `json:"type,omitempty"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	UserName    string `json:"userName,omitempty"`
}

type sessionAttrs struct {
	CreationDate     string `json:"creationDate"`
	MFAAuthenticated string `json:"mfaAuthenticated"`
}

type resource struct {
	AccountID string `json:"accountId"`
	Type      string `json:"type"`
	ARN       string `json:"ARN"`
}

type tlsDetails struct {
	TLSVersion               string `json:"tlsVersion"`
	CipherSuite              string `json:"cipherSuite"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader"`
}

// obj is a JSON object; encoding/json writes its keys sorted, so output is deterministic.
type obj = map[string]any

// items is CloudTrail's {"items":[...]} list.
func items(v ...obj) obj {
	l := make([]any, len(v))
	for i := range v {
		l[i] = v[i]
	}
	return obj{"items": l}
}

// actor is who signs a request: an identity, the account whose trail records its calls,
// where it calls from and with what.
type actor struct {
	id      identity
	account string // recipient account of its calls
	ip      string
	ua      string
	tls12   bool // an older client: TLS 1.2
}

func (a *actor) with(ip, ua string) *actor {
	c := *a
	c.ip, c.ua = ip, ua
	return &c
}

// globalServices are recorded in us-east-1 whatever region the caller configured.
var globalServices = map[string]bool{
	"iam": true, "route53": true, "cloudfront": true, "organizations": true, "ce": true,
	"health": true, "signin": true,
}

// eventVersions: recent CloudTrail versions per service, as real trails show them.
var eventVersions = map[string]string{
	"sts": "1.08", "ec2": "1.10", "cloudtrail": "1.10", "signin": "1.08", "lambda": "1.08",
}

// readOnlyVerbs mark read-only calls, with exceptions below.
var readOnlyVerbs = []string{"Get", "List", "Describe", "Head", "Lookup", "BatchCheck", "BatchGet", "Search", "Filter"}

var readOnlyOverride = map[string]bool{
	"AssumeRole": true, "GetSessionToken": true, "GetFederationToken": false,
	"GetAuthorizationToken": true, "GetQueryResults": true, "StartQueryExecution": false,
	"ConsoleLogin": false, "GetSecretValue": true, "DescribeInstanceTypeOfferings": true,
}

func readOnly(name string) bool {
	if v, ok := readOnlyOverride[name]; ok {
		return v
	}
	for _, p := range readOnlyVerbs {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// host is the endpoint a client called: global for IAM and friends, regional otherwise.
// STS calls go to the global endpoint (recorded in us-east-1) unless regional is set.
func host(svc, region string, regional bool) string {
	switch {
	case svc == "sts" && !regional:
		return "sts.amazonaws.com"
	case svc == "s3" && region == "us-east-1":
		return "s3.amazonaws.com"
	case svc == "signin":
		return "signin.aws.amazon.com"
	case globalServices[svc]:
		return svc + ".amazonaws.com"
	}
	return svc + "." + region + ".amazonaws.com"
}

const (
	timeLayout = "2006-01-02T15:04:05Z"
	// Java's forms, found inside responseElements (facts §3).
	javaTime      = "Jan 2, 2006 3:04:05 PM"
	javaTimeComma = "Jan 2, 2006, 3:04:05 PM"
)
