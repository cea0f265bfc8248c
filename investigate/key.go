// Package investigate is keypivot's domain: alerts, CloudTrail events, correlation by
// access key, the case for one key (timeline, derived sessions, follow-ups), remediation
// plans and report rendering. It is pure Go: no network, no terminal. Adapters in the
// aws and elastic packages implement the small interfaces defined here.
package investigate

import (
	"fmt"
	"strings"
)

// IsAccessKeyID reports whether s has the shape of an AWS access key id:
// ^(AKIA|ASIA)[A-Z0-9]{16}$.
func IsAccessKeyID(s string) bool {
	if len(s) != 20 || !(strings.HasPrefix(s, "AKIA") || strings.HasPrefix(s, "ASIA")) {
		return false
	}
	for i := 4; i < 20; i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// IsLongTermKey reports whether key is an IAM user's long-term key (AKIA...).
func IsLongTermKey(key string) bool { return strings.HasPrefix(key, "AKIA") && IsAccessKeyID(key) }

// IsSessionKey reports whether key is a temporary (STS) key (ASIA...).
func IsSessionKey(key string) bool { return strings.HasPrefix(key, "ASIA") && IsAccessKeyID(key) }

// ParseAccessKeyID validates a key id typed by a user and explains what is wrong with it.
func ParseAccessKeyID(s string) (string, error) {
	t := strings.TrimSpace(s)
	if IsAccessKeyID(t) {
		return t, nil
	}
	switch {
	case t == "":
		return "", fmt.Errorf("empty access key id")
	case IsAccessKeyID(strings.ToUpper(t)):
		return "", fmt.Errorf("access key id %q must be upper case (did you mean %s?)", s, strings.ToUpper(t))
	case len(t) != 20:
		return "", fmt.Errorf("access key id %q has %d characters, want 20 (AKIA or ASIA followed by 16 of A-Z0-9)", s, len(t))
	case !strings.HasPrefix(t, "AKIA") && !strings.HasPrefix(t, "ASIA"):
		return "", fmt.Errorf("access key id %q must start with AKIA (long-term) or ASIA (temporary)", s)
	default:
		return "", fmt.Errorf("access key id %q may contain only A-Z and 0-9 after its prefix", s)
	}
}
