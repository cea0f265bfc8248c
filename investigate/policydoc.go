package investigate

import (
	"encoding/json"
	"strings"
	"time"
)

// RevokePolicyName is the inline policy that revokes sessions issued before a time, the
// name the IAM console uses.
const RevokePolicyName = "AWSRevokeOlderSessions"

// RevocationPolicy is the inline policy denying every action to sessions issued before t.
func RevocationPolicy(t time.Time) string {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Deny",
			"Action":    []string{"*"},
			"Resource":  []string{"*"},
			"Condition": map[string]any{"DateLessThan": map[string]string{"aws:TokenIssueTime": t.UTC().Format("2006-01-02T15:04:05Z")}},
		}},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// RevocationState reads an AWSRevokeOlderSessions policy document: the state to show,
// and whether it revokes at least the sessions issued before cut. Remediators use it to
// tell an applied revocation from a missing or older one.
func RevocationState(doc string, cut time.Time) (string, bool) {
	if doc == "" {
		return "no revocation policy", false
	}
	var d struct {
		Statement []struct {
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return "unreadable " + RevokePolicyName + " policy", false
	}
	for _, s := range d.Statement {
		v, _ := s.Condition["DateLessThan"]["aws:TokenIssueTime"].(string)
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return "sessions issued before " + v + " revoked", !t.Before(cut.UTC().Truncate(time.Second))
		}
	}
	return RevokePolicyName + " policy without a TokenIssueTime condition", false
}

// RolesRevocationState is the state of a revocation over several roles: each role's
// AWSRevokeOlderSessions document, read by policy, as RevocationState reads it, and
// whether every role revokes the sessions issued before cut.
func RolesRevocationState(roles []string, cut time.Time, policy func(role string) (doc string, err error)) (string, bool, error) {
	states := make([]string, 0, len(roles))
	applied := true
	for _, role := range roles {
		doc, err := policy(ARNName(role))
		if err != nil {
			return "", false, err
		}
		s, ok := RevocationState(doc, cut)
		states = append(states, ARNName(role)+": "+s)
		applied = applied && ok
	}
	return strings.Join(states, "; "), applied, nil
}
