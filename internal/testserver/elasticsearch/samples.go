package elasticsearch

import (
	"bytes"
	_ "embed"
	"fmt"
)

// sampleAlerts are Elastic Security alert documents in the layout Kibana writes
// (flat kibana.* keys, the source event's fields nested, event.kind "signal" flat),
// built from real CloudTrail records of the Stratus Red Team detonation corpus
// (../shared/corpus): CreateAccessKey by AKIA30BEZSJBVKOFKZW0 and StopLogging by
// AKIAGGWFBBHBE7D3M9WI, each with its first-seen (new_terms) alert and an elevated
// sibling; a low-severity discovery alert; and a closed sibling. Anonymised IPs had
// their leading zeros dropped (211.9.016.253 -> 211.9.16.253) because an ip field
// rejects them.
//
//go:embed samples/alerts.ndjson
var sampleAlerts []byte

// SampleAlerts returns fresh copies of the sample alert documents.
func SampleAlerts() []map[string]any {
	var out []map[string]any
	for _, line := range bytes.Split(sampleAlerts, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		v, err := decodeJSON(line)
		if err != nil {
			panic(fmt.Sprintf("elasticsearch testserver: bad embedded sample: %v", err))
		}
		out = append(out, v.(map[string]any))
	}
	return out
}

// LoadSampleAlerts indexes the sample alerts into .alerts-security.alerts-<space>, each
// under its kibana.alert.uuid, and returns them.
func (s *Server) LoadSampleAlerts(space string) ([]map[string]any, error) {
	alerts := SampleAlerts()
	for _, a := range alerts {
		id, _ := a["kibana.alert.uuid"].(string)
		if err := s.Index(AlertsIndex(space), id, a); err != nil {
			return nil, err
		}
	}
	return SampleAlerts(), nil
}

// AlertsIndex is the alerts alias of a Kibana space: .alerts-security.alerts-<space>.
func AlertsIndex(space string) string {
	if space == "" {
		space = "default"
	}
	return ".alerts-security.alerts-" + space
}
