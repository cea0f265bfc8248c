package elastic

import "github.com/keypivot/keypivot/investigate"

// KibanaRequest is the HTTP request a Kibana call makes: method, path (space prefix
// included; {case} stands for the case's id) and body (investigate.KibanaRequest).
func KibanaRequest(c investigate.APICall) (method, path string, body map[string]any) {
	return investigate.KibanaRequest(c)
}

// CallString renders a Kibana call for the analyst, long texts shortened
// (investigate.KibanaCallText).
func CallString(c investigate.APICall) string { return investigate.KibanaCallText(c) }
