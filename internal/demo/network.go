package demo

import "github.com/keypivot/keypivot/investigate"

// cloudASes are the autonomous systems of the automation's addresses, in real AWS and
// Google Cloud ranges (world.go), as GeoLite2-ASN names them.
var cloudASes = map[string]struct {
	asn uint32
	org string
}{
	reportingIP:     {14618, "AMAZON-AES"},
	dnsNATIP:        {14618, "AMAZON-AES"},
	ciNATIPs[0]:     {14618, "AMAZON-AES"},
	ciNATIPs[1]:     {14618, "AMAZON-AES"},
	terraformIPs[0]: {396982, "GOOGLE-CLOUD-PLATFORM"},
	terraformIPs[1]: {396982, "GOOGLE-CLOUD-PLATFORM"},
}

// NetworkSource gives the scenario's addresses the autonomous systems Elastic's
// CloudTrail integration enriches its documents with (source.as.number,
// source.as.organization.name): the attacker's, the VPS's and the office's as its
// alerts carry them (alerts.go), the automation's as AWS's and Google Cloud's. It is
// what --trail elastic would have read along with the events, so that the demo case
// shows every address's network offline. The addresses are the same for every anchor
// and seed.
func NetworkSource() investigate.NetworkSource {
	o := investigate.NewObservedNetworks("demo: source.as.* of the scenario's CloudTrail documents", investigate.NetFromElasticEvent, 0)
	for ip, n := range networks {
		o.Observe(ip, float64(n.asn), n.org)
	}
	for ip, n := range cloudASes {
		o.Observe(ip, float64(n.asn), n.org)
	}
	return o
}
