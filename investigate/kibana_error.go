package investigate

import "fmt"

// KibanaError is an error Kibana answered to a request: the adapter that speaks to a
// real Kibana and the demo's simulated one word it alike, so that an analyst reads the
// same failure whichever answered.
type KibanaError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *KibanaError) Error() string {
	msg := fmt.Sprintf("Kibana %s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Message)
	switch e.Status {
	case 401:
		msg += " (check the API key or user and password)"
	case 403:
		msg += " (the credentials lack a Kibana privilege: Security > Alerts and Cases need All in the space; see docs/sources.md)"
	}
	return msg
}

// NotKibanaAction refuses an action a Kibana remediator does not carry out: an undo
// (ActUndo) too, since a status change is undone by another (keypivot alerts open).
func NotKibanaAction(a Action) error {
	return fmt.Errorf("%s is not a Kibana action", a.Kind)
}
