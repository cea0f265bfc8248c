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
	resp := decodeObject(e.Response())
	key := resp.str("credentials.accessKeyId")
	if !IsSessionKey(key) {
		return Session{}, false
	}
	req := decodeObject(e.Request())
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

// observe counts one event signed by the session: every source address it came from,
// and up to 50 actions.
func (s *Session) observe(e *Event) {
	s.KeyUse.observe(e, 0)
	if len(s.Actions) < 50 {
		s.Actions = appendUnique(s.Actions, e.Action())
	}
}

func (s *Session) validAt(now time.Time) bool {
	return s.Expiration.IsZero() || s.Expiration.After(now)
}
