package cloudtrail

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
)

// lookupInput is LookupEventsInput on the wire. Times are epoch seconds.
type lookupInput struct {
	LookupAttributes []struct {
		AttributeKey   *string
		AttributeValue *string
	}
	StartTime     *json.Number
	EndTime       *json.Number
	EventCategory *string
	MaxResults    *json.Number
	NextToken     *string
}

type lookupOutput struct {
	Events    []event `json:"Events"`
	NextToken string  `json:"NextToken,omitempty"`
}

// event is LookupEvents' Event on the wire.
type event struct {
	AccessKeyId     string `json:",omitempty"`
	CloudTrailEvent string `json:",omitempty"`
	EventId         string `json:",omitempty"`
	EventName       string `json:",omitempty"`
	EventSource     string `json:",omitempty"`
	EventTime       json.Number
	ReadOnly        string     `json:",omitempty"`
	Resources       []resource `json:",omitempty"`
	Username        string     `json:",omitempty"`
}

// attributeKeys are the lookup attributes AWS allows.
var attributeKeys = []string{"EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"}

// query is a validated request.
type query struct {
	key, value string
	start, end *time.Time // as given; nil when absent
	category   string     // "management" or "insight"
	max        int
	after      *cursor // from NextToken
}

// cursor is where the previous page ended; NextToken carries it.
type cursor struct {
	Hash string `json:"h"` // of the request parameters the token is valid for
	Time int64  `json:"t"` // last event's time, Unix nanoseconds
	ID   string `json:"i"` // last event's eventID
}

// lookup answers a LookupEvents request body for sc.
func (s *Server) lookup(sc scope, body []byte) (*lookupOutput, *apiError) {
	var in lookupInput
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		return nil, badRequest("SerializationException", "cannot decode the request body: %v", err)
	}
	q, aerr := s.parseQuery(sc, &in)
	if aerr != nil {
		return nil, aerr
	}

	s.mu.Lock()
	now := s.now().UTC()
	var hits []*record
	for at, st := range s.stores {
		if at.region != sc.region || (sc.account != "" && at.account != sc.account) {
			continue
		}
		for _, r := range st.records {
			if q.matches(r, now) {
				hits = append(hits, r)
			}
		}
	}
	s.mu.Unlock()
	sortNewestFirst(hits)

	if c := q.after; c != nil {
		i := 0
		for i < len(hits) && !after(hits[i], c) {
			i++
		}
		hits = hits[i:]
	}
	out := &lookupOutput{Events: []event{}}
	more := len(hits) > q.max
	if more {
		hits = hits[:q.max]
	}
	for _, r := range hits {
		out.Events = append(out.Events, event{
			AccessKeyId:     r.accessKeyID,
			CloudTrailEvent: r.raw,
			EventId:         r.id,
			EventName:       r.name,
			EventSource:     r.source,
			EventTime:       epochSeconds(r.time),
			ReadOnly:        r.readOnly,
			Resources:       r.resources,
			Username:        r.username,
		})
	}
	if more {
		last := hits[len(hits)-1]
		out.NextToken = s.token(cursor{Hash: q.hash(sc), Time: last.time.UnixNano(), ID: last.id})
	}
	return out, nil
}

// after reports whether r comes after the cursor in newest-first order.
func after(r *record, c *cursor) bool {
	t := r.time.UnixNano()
	return t < c.Time || (t == c.Time && r.id < c.ID)
}

func (s *Server) parseQuery(sc scope, in *lookupInput) (*query, *apiError) {
	q := &query{category: "management", max: MaxResults}
	switch n := len(in.LookupAttributes); {
	case n > 1:
		return nil, badRequest("InvalidLookupAttributesException",
			"Only one lookup attribute can be specified per request; got %d.", n)
	case n == 1:
		a := in.LookupAttributes[0]
		key, value := deref(a.AttributeKey), deref(a.AttributeValue)
		if !slices.Contains(attributeKeys, key) {
			return nil, badRequest("InvalidLookupAttributesException",
				"Invalid attribute key %q: valid keys are %s.", key, strings.Join(attributeKeys, ", "))
		}
		if value == "" || len(value) > 2000 {
			return nil, badRequest("InvalidLookupAttributesException",
				"The attribute value of %s must be 1 to 2000 characters long.", key)
		}
		q.key, q.value = key, value
	}
	if in.MaxResults != nil {
		n, err := in.MaxResults.Int64()
		if err != nil || n < 1 || n > MaxResults {
			return nil, badRequest("InvalidMaxResultsException",
				"MaxResults %s is not valid: it must be an integer from 1 to %d.", in.MaxResults, MaxResults)
		}
		q.max = int(n)
	}
	if in.EventCategory != nil {
		if *in.EventCategory != "insight" {
			return nil, badRequest("InvalidEventCategoryException",
				"EventCategory %q is not valid: the only value is insight.", *in.EventCategory)
		}
		q.category = "insight"
	}
	var aerr *apiError
	if q.start, aerr = parseEpoch("StartTime", in.StartTime); aerr != nil {
		return nil, aerr
	}
	if q.end, aerr = parseEpoch("EndTime", in.EndTime); aerr != nil {
		return nil, aerr
	}
	if q.start != nil && q.end != nil && q.start.After(*q.end) {
		return nil, badRequest("InvalidTimeRangeException",
			"StartTime %s is after EndTime %s.", q.start.Format(time.RFC3339), q.end.Format(time.RFC3339))
	}
	if in.NextToken != nil {
		c, ok := s.parseToken(*in.NextToken)
		if !ok || c.Hash != q.hash(sc) {
			return nil, badRequest("InvalidNextTokenException",
				"Invalid NextToken: a token is valid only with the account, region, lookup attribute, time range and event category of the request that returned it.")
		}
		q.after = &c
	}
	return q, nil
}

// matches reports whether r is answered by q at time now.
func (q *query) matches(r *record, now time.Time) bool {
	if r.category != q.category {
		return false
	}
	start, end := now.Add(-Retention), now
	if q.start != nil && q.start.After(start) {
		start = *q.start
	}
	if q.end != nil && q.end.Before(end) {
		end = *q.end
	}
	if r.time.Before(start) || r.time.After(end) {
		return false
	}
	switch q.key {
	case "":
		return true
	case "EventId":
		return r.id == q.value
	case "EventName":
		return r.name == q.value
	case "ReadOnly":
		return r.readOnly != "" && r.readOnly == strings.ToLower(q.value)
	case "Username":
		return r.username == q.value
	case "EventSource":
		return r.source == q.value
	case "AccessKeyId":
		return r.accessKeyID == q.value
	case "ResourceType", "ResourceName":
		for _, res := range r.resources {
			if (q.key == "ResourceType" && res.ResourceType == q.value) || (q.key == "ResourceName" && res.ResourceName == q.value) {
				return true
			}
		}
	}
	return false
}

// hash identifies the parameters a NextToken must be replayed with (MaxResults may change).
func (q *query) hash(sc scope) string {
	ts := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return strconv.FormatInt(t.UnixNano(), 10)
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%q %q %q %q %s %s %q",
		sc.account, sc.region, q.key, q.value, ts(q.start), ts(q.end), q.category))
	return hex.EncodeToString(h[:8])
}

// token encodes c as an opaque NextToken, signed so that a tampered or foreign token
// is refused.
func (s *Server) token(c cursor) string {
	payload, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

func (s *Server) parseToken(tok string) (cursor, bool) {
	var c cursor
	p, m, ok := strings.Cut(tok, ".")
	if !ok {
		return c, false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(payload)) {
		return c, false
	}
	return c, json.Unmarshal(payload, &c) == nil
}

func (s *Server) mac(payload []byte) []byte {
	h := hmac.New(sha256.New, s.secret)
	h.Write(payload)
	return h.Sum(nil)[:16]
}

// parseEpoch reads an epoch-seconds timestamp as the SDK writes it (1732956197 or
// 1732956197.5), exactly to the nanosecond.
func parseEpoch(field string, n *json.Number) (*time.Time, *apiError) {
	if n == nil {
		return nil, nil
	}
	r, ok := new(big.Rat).SetString(n.String())
	if !ok {
		return nil, badRequest("SerializationException", "%s %s is not a number of seconds", field, n)
	}
	ns, _ := new(big.Rat).Mul(r, big.NewRat(1e9, 1)).Float64()
	if math.Abs(ns) > math.MaxInt64 {
		return nil, badRequest("InvalidTimeRangeException", "%s %s is out of range.", field, n)
	}
	whole := new(big.Int).Quo(new(big.Int).Mul(r.Num(), big.NewInt(1e9)), r.Denom())
	t := time.Unix(0, whole.Int64()).UTC()
	return &t, nil
}

// epochSeconds writes t as the SDK reads it: seconds, with a fraction only when there is one.
func epochSeconds(t time.Time) json.Number {
	if t.Nanosecond() == 0 {
		return json.Number(strconv.FormatInt(t.Unix(), 10))
	}
	return json.Number(strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', -1, 64))
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
