package investigate

import (
	"time"
)

// Session-issuing calls: signed by a key, they return a new temporary key in
// responseElements.credentials.accessKeyId (facts §3). That response is the only safe
// link: console sessions of a user also appear as IAMUser with ASIA keys.
var sessionIssuers = map[string]bool{
	"AssumeRole":         true,
	"GetSessionToken":    true,
	"GetFederationToken": true,
}

// IssuesSession reports whether e is a successful call that issued temporary credentials.
func IssuesSession(e *Event) bool {
	return e.Source == "sts.amazonaws.com" && sessionIssuers[e.Name] && !e.Failed()
}

// IssuedSession reads the session an issuing event returned; ok is false when the event
// carries no valid temporary key.
func IssuedSession(e *Event) (s Session, ok bool) {
	if !IssuesSession(e) {
		return Session{}, false
	}
	resp := decodeObject(e.Response)
	key := resp.str("credentials.accessKeyId")
	if !IsSessionKey(key) {
		return Session{}, false
	}
	req := decodeObject(e.Request)
	s = Session{
		AccessKeyID:   key,
		IssuedBy:      e.Name,
		IssuedByEvent: e.ID,
		ParentKey:     e.Signer(),
		Account:       e.Account(),
		Region:        e.Region,
		IssuedAt:      e.Time,
	}
	if t, ok := looseTimeValue(resp.get("credentials.expiration")); ok {
		s.Expiration = t
	}
	switch e.Name {
	case "AssumeRole":
		s.RoleARN = req.str("roleArn")
		s.SessionName = req.str("roleSessionName")
		s.AssumedARN = resp.str("assumedRoleUser.arn")
		if acct := arnAccount(s.RoleARN); acct != "" {
			s.Account = acct
		}
	case "GetFederationToken":
		s.FederatedUser = req.str("name")
		s.AssumedARN = resp.str("federatedUser.arn")
	case "GetSessionToken":
		s.AssumedARN = e.Identity.ARN
	}
	return s, true
}

// arnAccount returns the account field of an ARN.
func arnAccount(arn string) string {
	// arn:partition:service:region:account:resource
	n := 0
	start := 0
	for i := 0; i < len(arn); i++ {
		if arn[i] == ':' {
			n++
			if n == 4 {
				start = i + 1
			} else if n == 5 {
				return arn[start:i]
			}
		}
	}
	return ""
}

func (s *Session) observe(e *Event) {
	s.EventCount++
	if e.Failed() {
		s.ErrorCount++
	}
	if s.First.IsZero() || e.Time.Before(s.First) {
		s.First = e.Time
	}
	if e.Time.After(s.Last) {
		s.Last = e.Time
	}
	if e.SourceIP != "" {
		s.SourceIPs = appendUnique(s.SourceIPs, e.SourceIP)
	}
	if len(s.Actions) < 50 {
		s.Actions = appendUnique(s.Actions, e.Action())
	}
}

func (s *Session) validAt(now time.Time) bool {
	return s.Expiration.IsZero() || s.Expiration.After(now)
}
