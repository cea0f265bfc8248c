package investigate

import "strings"

// ARNName is the name of a resource from its ARN or path (the last path element): a
// role's, a managed policy's, a user's. A name without a path is itself.
func ARNName(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

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
