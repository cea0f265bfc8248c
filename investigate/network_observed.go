package investigate

import (
	"fmt"
	"math"
	"net/netip"
	"strings"
	"sync"
)

// DefaultObservedNetworks bounds ObservedNetworks: the addresses one process keeps.
const DefaultObservedNetworks = 1 << 16

// ObservedNetworks keeps the autonomous systems a document source's documents carried
// for their addresses (Elastic's CloudTrail documents, enriched at ingest with
// source.as.number and source.as.organization.name), so that a case can ask them as a
// NetworkSource. The source calls Observe as it reads; the case reads it when built. It
// is safe for concurrent use, and keeps at most its bound of addresses: an address seen
// once it is full is not kept, and looking one up then says so.
type ObservedNetworks struct {
	name, kind string
	max        int

	mu      sync.Mutex
	byAddr  map[netip.Addr]NetworkFact
	dropped int
}

// NewObservedNetworks returns an empty set of observations named name (in a case's
// Network.Searched) of source kind kind (NetFromElasticEvent), keeping at most max
// addresses (DefaultObservedNetworks when max <= 0).
func NewObservedNetworks(name, kind string, max int) *ObservedNetworks {
	if max <= 0 {
		max = DefaultObservedNetworks
	}
	return &ObservedNetworks{name: name, kind: kind, max: max, byAddr: map[netip.Addr]NetworkFact{}}
}

// Name implements NetworkSource.
func (o *ObservedNetworks) Name() string { return o.name }

// Observe keeps what a document said of ip's autonomous system: its number (0 or a
// value out of range when it gave none) and its organization. Values that are no
// address, and documents that named no autonomous system, are ignored; so is a nil o.
// The first observation of an address is kept.
func (o *ObservedNetworks) Observe(ip string, asn float64, org string) {
	org = strings.TrimSpace(org)
	if o == nil {
		return
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return
	}
	n := uint32(0)
	if asn >= 1 && asn <= math.MaxUint32 && asn == math.Trunc(asn) {
		n = uint32(asn)
	}
	if n == 0 && org == "" {
		return
	}
	addr = addr.Unmap()
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.byAddr[addr]; ok {
		return
	}
	if len(o.byAddr) >= o.max {
		o.dropped++
		return
	}
	o.byAddr[addr] = NetworkFact{ASN: n, ASOrg: org, Source: o.kind}
}

// LookupNetwork implements NetworkSource. An address it does not hold is unknown to it;
// once addresses were left out for want of room, that is an error that says so.
func (o *ObservedNetworks) LookupNetwork(addr netip.Addr) (NetworkFact, bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if f, ok := o.byAddr[addr.Unmap()]; ok {
		return f, true, nil
	}
	if o.dropped > 0 {
		return NetworkFact{}, false, fmt.Errorf("not kept: %s held the first %s and left %s out", o.name, Plural(o.max, "address"), Plural(o.dropped, "other"))
	}
	return NetworkFact{}, false, nil
}

// Len is the number of addresses held.
func (o *ObservedNetworks) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.byAddr)
}
