package investigate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Event is one CloudTrail record, with the fields keypivot reasons about lifted out. The
// record itself is held, or kept by reference and read again when asked for (Raw); the
// parts of it the case reads are held either way (Request, Response,
// AdditionalEventData).
type Event struct {
	ID           string    `json:"event_id"`
	Time         time.Time `json:"time"`
	Source       string    `json:"event_source"` // iam.amazonaws.com
	Name         string    `json:"event_name"`   // CreateAccessKey
	Type         string    `json:"event_type,omitempty"`
	Region       string    `json:"region"`
	SourceIP     string    `json:"source_ip,omitempty"`
	UserAgent    string    `json:"user_agent,omitempty"`
	ErrorCode    string    `json:"error_code,omitempty"`
	ErrorMessage string    `json:"error_message,omitempty"`
	// ReadOnly is the record's readOnly flag; ReadOnlyKnown is false when the record had none.
	ReadOnly      bool `json:"read_only"`
	ReadOnlyKnown bool `json:"-"`
	// rawHeld says data is the whole record (else: the parameters alone).
	rawHeld          bool
	RecipientAccount string `json:"recipient_account,omitempty"`
	// Identity is the record's userIdentity. Events of one caller share one Identity
	// (DecodeRecord interns it): never change it through an event, give the event
	// another. nil only for an event made in code without one.
	Identity *Identity `json:"identity"`
	// Origin says where the record was read (origin.go).
	Origin Origin `json:"origin,omitzero"`

	// The record (eventrecord.go): data is the whole record (rawHeld), or its
	// requestParameters, responseElements and additionalEventData one after the other;
	// request and response are where the first two are in data; src and loc say where
	// to read a record not held (loc of a held record is where its additionalEventData
	// is: heldAdditional).
	data              string
	request, response span
	src               RawSource
	loc               uint64
}

// Identity is a record's userIdentity.
type Identity struct {
	Type        string `json:"type,omitempty"` // IAMUser, AssumedRole, FederatedUser, Root, AWSService, ...
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"account,omitempty"`
	UserName    string `json:"user,omitempty"`
	PrincipalID string `json:"principal_id,omitempty"`
	// AccessKeyID is the key that signed the request.
	AccessKeyID string `json:"access_key_id,omitempty"`
	InvokedBy   string `json:"invoked_by,omitempty"`
	// Issuer is sessionContext.sessionIssuer for temporary credentials.
	IssuerType     string    `json:"issuer_type,omitempty"`
	IssuerARN      string    `json:"issuer_arn,omitempty"`
	IssuerUserName string    `json:"issuer_user,omitempty"`
	SessionCreated time.Time `json:"session_created,omitempty"`
	MFA            bool      `json:"mfa,omitempty"`
}

// Signer is the access key that signed the event.
func (e *Event) Signer() string {
	if e.Identity == nil {
		return ""
	}
	return e.Identity.AccessKeyID
}

// Account is the account the caller belongs to, or the recipient account.
func (e *Event) Account() string {
	if e.Identity != nil && e.Identity.AccountID != "" {
		return e.Identity.AccountID
	}
	return e.RecipientAccount
}

// Failed reports whether the call returned an error.
func (e *Event) Failed() bool { return e.ErrorCode != "" }

// Denied reports whether the call failed for lack of permission (probing).
func (e *Event) Denied() bool { return IsAccessDenied(e.ErrorCode) }

// IsAccessDenied reports whether a CloudTrail errorCode means the caller lacked permission.
func IsAccessDenied(code string) bool {
	switch code {
	case "AccessDenied", "AccessDeniedException", "Client.UnauthorizedOperation", "UnauthorizedOperation",
		"Client.AccessDenied", "UnauthorizedAccess", "AuthorizationError", "AuthorizationErrorException",
		"Forbidden", "ForbiddenException", "NotAuthorized", "InvalidClientTokenId":
		return true
	}
	return strings.HasSuffix(code, "AccessDenied") || strings.HasSuffix(code, "UnauthorizedOperation")
}

// Service is the short service name: "iam" for iam.amazonaws.com.
func (e *Event) Service() string { return strings.TrimSuffix(e.Source, ".amazonaws.com") }

// IsWrite reports whether the event changed something. It uses the record's readOnly
// flag when present and the action's verb otherwise.
func (e *Event) IsWrite() bool {
	if e.ReadOnlyKnown {
		return !e.ReadOnly
	}
	for _, p := range []string{"Get", "List", "Describe", "Head", "Lookup", "Search", "Scan", "Query", "Select", "BatchGet", "Check", "Validate", "Estimate", "Preview", "Test"} {
		if strings.HasPrefix(e.Name, p) {
			return false
		}
	}
	return true
}

// Action is "service:EventName", the way IAM names it.
func (e *Event) Action() string { return e.Service() + ":" + e.Name }

// record is the subset of a CloudTrail record keypivot decodes. Values that repeat from
// event to event are interned as they are decoded (intern.go).
type record struct {
	EventID            string         `json:"eventID"`
	EventTime          string         `json:"eventTime"`
	EventSource        internedString `json:"eventSource"`
	EventName          internedString `json:"eventName"`
	EventType          internedString `json:"eventType"`
	AWSRegion          internedString `json:"awsRegion"`
	SourceIPAddress    internedString `json:"sourceIPAddress"`
	UserAgent          internedString `json:"userAgent"`
	ErrorCode          internedString `json:"errorCode"`
	ErrorMessage       internedString `json:"errorMessage"`
	ReadOnly           flexBool       `json:"readOnly"`
	RecipientAccountID internedString `json:"recipientAccountId"`
	RequestParameters  rawValue       `json:"requestParameters"`
	ResponseElements   rawValue       `json:"responseElements"`
	// AdditionalEventData is kept with the parameters of an event that refers to its
	// record (DecodeRecordAt), and placed in the record of one that holds it.
	AdditionalEventData rawValue `json:"additionalEventData"`
	UserIdentity        struct {
		Type           internedString `json:"type"`
		PrincipalID    internedString `json:"principalId"`
		ARN            internedString `json:"arn"`
		AccountID      internedString `json:"accountId"`
		AccessKeyID    internedString `json:"accessKeyId"`
		UserName       internedString `json:"userName"`
		InvokedBy      internedString `json:"invokedBy"`
		SessionContext *struct {
			Attributes struct {
				CreationDate     string   `json:"creationDate"`
				MFAAuthenticated flexBool `json:"mfaAuthenticated"`
			} `json:"attributes"`
			SessionIssuer struct {
				Type     internedString `json:"type"`
				ARN      internedString `json:"arn"`
				UserName internedString `json:"userName"`
			} `json:"sessionIssuer"`
		} `json:"sessionContext"`
	} `json:"userIdentity"`
}

// flexBool accepts true, false, "true", "false" and null (CloudTrail files carry booleans,
// LookupEvents strings).
type flexBool struct {
	Value, Known bool
}

func (b *flexBool) UnmarshalJSON(p []byte) error {
	s := string(bytes.Trim(p, `"`))
	switch strings.ToLower(s) {
	case "true":
		*b = flexBool{true, true}
	case "false":
		*b = flexBool{false, true}
	case "null", "":
		*b = flexBool{}
	default:
		// A type error, so that encoding/json names the field it was found in.
		return &json.UnmarshalTypeError{Value: jsonKind(p), Type: reflect.TypeFor[bool]()}
	}
	return nil
}

// jsonKind names the kind of a JSON value: "string \"maybe\"", "number", "object".
func jsonKind(p []byte) string {
	p = bytes.TrimSpace(p)
	if len(p) == 0 {
		return "nothing"
	}
	switch p[0] {
	case '"':
		if len(p) > 40 {
			return "string"
		}
		return "string " + string(p)
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// kindOf names what a Go type holds, as JSON would: "an object", "a string".
func kindOf(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Pointer:
		return kindOf(t.Elem())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	}
	return t.String()
}

// DecodeRecord turns one CloudTrail record (a JSON object) into an Event that holds the
// record: raw itself, not a copy, which the caller must not change afterwards. It fails
// when raw is not a JSON object or lacks the fields every CloudTrail record has
// (eventTime, eventName, eventSource).
func DecodeRecord(raw []byte) (Event, error) {
	e, r, err := decodeRecord(raw)
	if err != nil {
		return Event{}, err
	}
	if err := e.holdRecord(raw, r.RequestParameters, r.ResponseElements, r.AdditionalEventData); err != nil {
		return Event{}, fmt.Errorf("not a CloudTrail record: %w", err)
	}
	return e, nil
}

// DecodeRecordAt is DecodeRecord for a record src can read again at loc: the Event keeps
// that reference and the record's parameters, not the record, and raw may be reused
// once it returns. A record without an eventID is held all the same (a copy): nothing
// else would tell, when it is read again, that it is still the record decoded.
func DecodeRecordAt(raw []byte, src RawSource, loc uint64) (Event, error) {
	e, r, err := decodeRecord(raw)
	if err != nil {
		return Event{}, err
	}
	if e.ID == "" || src == nil {
		return DecodeRecord(bytes.Clone(raw))
	}
	if err := e.referRecord(src, loc, r); err != nil {
		return Event{}, fmt.Errorf("not a CloudTrail record: %w", err)
	}
	return e, nil
}

// decodeRecord decodes raw's fields; the record itself is left to the caller to keep.
func decodeRecord(raw []byte) (Event, *record, error) {
	r := new(record)
	if err := json.Unmarshal(raw, r); err != nil {
		return Event{}, nil, fmt.Errorf("not a CloudTrail record: %w", jsonErr(err))
	}
	var missing []string
	if r.EventTime == "" {
		missing = append(missing, "eventTime")
	}
	if r.EventName == "" {
		missing = append(missing, "eventName")
	}
	if r.EventSource == "" {
		missing = append(missing, "eventSource")
	}
	if len(missing) > 0 {
		return Event{}, nil, fmt.Errorf("not a CloudTrail record: no %s", strings.Join(missing, ", "))
	}
	t, err := time.Parse(time.RFC3339, r.EventTime)
	if err != nil {
		return Event{}, nil, fmt.Errorf("eventTime %q is not an RFC 3339 time", r.EventTime)
	}
	e := Event{
		ID:               r.EventID,
		Time:             t.UTC(),
		Source:           string(r.EventSource),
		Name:             string(r.EventName),
		Type:             string(r.EventType),
		Region:           string(r.AWSRegion),
		SourceIP:         string(r.SourceIPAddress),
		UserAgent:        string(r.UserAgent),
		ErrorCode:        string(r.ErrorCode),
		ErrorMessage:     string(r.ErrorMessage),
		ReadOnly:         r.ReadOnly.Value,
		ReadOnlyKnown:    r.ReadOnly.Known,
		RecipientAccount: string(r.RecipientAccountID),
	}
	id := Identity{
		Type:        string(r.UserIdentity.Type),
		ARN:         string(r.UserIdentity.ARN),
		AccountID:   string(r.UserIdentity.AccountID),
		UserName:    string(r.UserIdentity.UserName),
		PrincipalID: string(r.UserIdentity.PrincipalID),
		AccessKeyID: string(r.UserIdentity.AccessKeyID),
		InvokedBy:   string(r.UserIdentity.InvokedBy),
	}
	if sc := r.UserIdentity.SessionContext; sc != nil {
		id.IssuerType = string(sc.SessionIssuer.Type)
		id.IssuerARN = string(sc.SessionIssuer.ARN)
		id.IssuerUserName = string(sc.SessionIssuer.UserName)
		id.MFA = sc.Attributes.MFAAuthenticated.Value
		if ct, err := time.Parse(time.RFC3339, sc.Attributes.CreationDate); err == nil {
			id.SessionCreated = ct.UTC()
		}
	}
	e.Identity = internIdentity(id)
	return e, r, nil
}

func nullToNil(m json.RawMessage) json.RawMessage {
	if len(m) == 0 || string(m) == "null" {
		return nil
	}
	return m
}

// jsonErr shortens encoding/json errors to what a user can act on.
func jsonErr(err error) error {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Errorf("invalid JSON at byte %d: %v", e.Offset, e)
	case *json.UnmarshalTypeError:
		if e.Field != "" {
			return fmt.Errorf("field %s: want %s, got JSON %s", e.Field, kindOf(e.Type), e.Value)
		}
		return fmt.Errorf("want a JSON object, got JSON %s", e.Value)
	}
	return err
}
