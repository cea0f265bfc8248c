package httpkit

import (
	"encoding/base64"
	"strings"
)

// Scheme is how an Authorization header presents a credential.
type Scheme int

// The schemes Credentials accepts.
const (
	APIKey Scheme = iota + 1 // "ApiKey base64(id:key)"
	Basic                    // "Basic base64(user:password)"
)

// Credentials are the API keys and users a server accepts, the way Elasticsearch and
// Kibana take them. The zero value accepts nothing; NewCredentials is ready to fill.
type Credentials struct {
	APIKeys map[string]string // id -> key
	Users   map[string]string // user -> password
}

// NewCredentials returns empty Credentials to add keys and users to.
func NewCredentials() Credentials {
	return Credentials{APIKeys: map[string]string{}, Users: map[string]string{}}
}

// Empty reports whether no key and no user is configured.
func (c Credentials) Empty() bool { return len(c.APIKeys) == 0 && len(c.Users) == 0 }

// Check returns the scheme and the API key id or user name an Authorization header
// value authenticates; ok is false for a malformed, unknown or wrong credential.
func (c Credentials) Check(authorization string) (scheme Scheme, name string, ok bool) {
	sch, cred, _ := strings.Cut(authorization, " ")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return 0, "", false
	}
	id, secret, found := strings.Cut(string(raw), ":")
	if !found {
		return 0, "", false
	}
	switch strings.ToLower(sch) {
	case "apikey":
		if k, ok := c.APIKeys[id]; ok && k == secret {
			return APIKey, id, true
		}
	case "basic":
		if p, ok := c.Users[id]; ok && p == secret {
			return Basic, id, true
		}
	}
	return 0, "", false
}
