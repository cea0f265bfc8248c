package investigate

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"unicode"
)

// Where a fact about an address's network was learned (Network.Sources, NetworkFact.Source).
const (
	// NetFromCloudTrail: the record's sourceIPAddress is an AWS service's name.
	NetFromCloudTrail = "cloudtrail"
	// NetFromElasticEvent: source.as.* of Elastic's enriched CloudTrail documents.
	NetFromElasticEvent = "elastic-event"
	// NetFromAlert: source.as.organization.name of an Elastic Security alert.
	NetFromAlert = "alert"
	// NetFromGuardDuty: RemoteIpDetails.Organization.AsnOrg of a GuardDuty finding;
	// NetFromSecurityHub the same field in Security Hub's copy of the finding.
	NetFromGuardDuty   = "guardduty"
	NetFromSecurityHub = "securityhub"
	// NetFromASNDB: a local MaxMind-format ASN database (--asn-db).
	NetFromASNDB = "asn-db"
	// NetFromIPRanges: AWS's published ip-ranges.json (--ip-ranges).
	NetFromIPRanges = "ip-ranges"
)

// What an address's network is (Network.Class).
const (
	// NetUnknown: no source could tell (never read as "not a cloud provider").
	NetUnknown = "unknown"
	// NetCloud: a major cloud provider's network (NetworkOptions.CloudProviders), or an
	// address in AWS's published ranges.
	NetCloud = "cloud"
	// NetNonCloud: an autonomous system is known, and it is no listed cloud provider's.
	NetNonCloud = "non-cloud"
	// NetAWSService: sourceIPAddress names an AWS service that called on the
	// principal's behalf (ec2.amazonaws.com, AWS Internal): no address at all.
	NetAWSService = "aws-service"
	// NetPrivate: a private address (a VPC endpoint, an on-premises link): no
	// autonomous system to tell.
	NetPrivate = "private"
)

// Network is what is known of the network a source address belongs to, and where each
// fact was learned.
type Network struct {
	Class string `json:"class"`
	// ASN and ASOrg are the autonomous system (0 and "" when unknown).
	ASN   uint32 `json:"asn"`
	ASOrg string `json:"as_org"`
	// Cloud names the cloud provider whose network it is (Amazon, Google, Microsoft),
	// "" for any other.
	Cloud string `json:"cloud"`
	// AWSService and AWSRegion are the service and region of the address in AWS's
	// published ranges (EC2, AMAZON, CLOUDFRONT; us-east-1), or, for an aws-service
	// caller, the service's name as sourceIPAddress gave it.
	AWSService string `json:"aws_service"`
	AWSRegion  string `json:"aws_region"`
	// Prefix is the network the address matched: AWS's published prefix, else the ASN
	// database's network.
	Prefix string `json:"prefix"`
	// Sources say where the facts were learned (NetFrom*); Searched names every source
	// asked, the ones that knew nothing of the address too: a negative carries what was
	// searched.
	Sources  []string `json:"sources"`
	Searched []string `json:"searched"`
	// OtherASOrgs are the AS organizations other sources gave when they disagreed.
	OtherASOrgs []string `json:"other_as_orgs"`
	// Errors are the lookups that failed (an unreadable database record).
	Errors []string `json:"errors"`
}

// Known reports whether some source told what the network is.
func (n Network) Known() bool { return n.Class != "" && n.Class != NetUnknown }

// Describe says in a few words what the network is: "AS64501 Vectrolink Broadband LLC
// [non-cloud]", "AS14618 AMAZON-AES (AWS EC2 us-east-1) [cloud: Amazon]", "AWS service
// ec2.amazonaws.com", "unknown network".
func (n Network) Describe() string {
	switch n.Class {
	case NetAWSService:
		return "AWS service " + n.AWSService
	case NetPrivate:
		return "private address"
	case NetCloud, NetNonCloud:
	default:
		return "unknown network"
	}
	var parts []string
	if as := asName(n.ASN, n.ASOrg); as != "" {
		parts = append(parts, as)
	}
	if n.AWSService != "" {
		aws := "AWS " + n.AWSService
		if n.AWSRegion != "" && n.AWSRegion != "GLOBAL" {
			aws += " " + n.AWSRegion
		}
		if len(parts) > 0 {
			aws = "(" + aws + ")"
		}
		parts = append(parts, aws)
	}
	s := strings.Join(parts, " ")
	if n.Class == NetCloud {
		return s + " [cloud: " + n.Cloud + "]"
	}
	return s + " [non-cloud]"
}

// UnknownReason says why a network is unknown and what would tell it: "not an IP
// address", or the sources searched and the flag to give ("not looked up" for a network
// no case resolved).
func (n Network) UnknownReason() string {
	switch {
	case n.Known():
		return ""
	case n.Class == "":
		return "not looked up"
	case len(n.Searched) == 0:
		return "not an IP address"
	}
	why := "searched " + strings.Join(n.Searched, ", ")
	if !slices.ContainsFunc(n.Searched, func(s string) bool { return strings.HasPrefix(s, NetFromASNDB) }) {
		why += "; give --asn-db (a GeoLite2-ASN or DB-IP ASN Lite .mmdb)"
	}
	return why
}

// NetworkFact is what one source knows of an address's network.
type NetworkFact struct {
	ASN   uint32
	ASOrg string
	// AWSService and AWSRegion: the address is in AWS's published ranges.
	AWSService string
	AWSRegion  string
	// Prefix is the network the source matched ("" when it does not say).
	Prefix string
	// Source is the kind of source (NetFrom*).
	Source string
}

// NetworkSource tells what it knows of the networks of addresses: a local ASN database,
// AWS's published ranges, the AS enrichment a document source carried. Adapters
// implement it; cmd wires them into NetworkOptions.
type NetworkSource interface {
	// Name names the source in a case ("asn-db GeoLite2-ASN.mmdb (built 2026-03-03)").
	Name() string
	// LookupNetwork answers ok=false when the source knows nothing of addr, and an
	// error when it could not read what it has (a corrupt record).
	LookupNetwork(addr netip.Addr) (fact NetworkFact, ok bool, err error)
}

// NetworkOptions say how a case learns the networks of its source addresses.
type NetworkOptions struct {
	Sources []NetworkSource
	// CloudProviders are the providers whose networks count as cloud (nil:
	// DefaultCloudProviders).
	CloudProviders []CloudProvider
}

// CloudProvider is a major cloud provider, as autonomous systems name it.
type CloudProvider struct {
	Name string
	// Words are what the provider's AS organization names start with, as their first
	// word, case-insensitively: AMAZON matches "AMAZON-02" and "Amazon.com, Inc.", not
	// "Amazonas Telecom".
	Words []string
	// ASNs are the provider's own autonomous systems, for sources that give a number only.
	ASNs []uint32
}

// DefaultCloudProviders are Amazon, Google and Microsoft.
var DefaultCloudProviders = []CloudProvider{
	{Name: "Amazon", Words: []string{"amazon"}, ASNs: []uint32{16509, 14618, 8987, 7224}},
	{Name: "Google", Words: []string{"google"}, ASNs: []uint32{15169, 396982, 19527}},
	{Name: "Microsoft", Words: []string{"microsoft"}, ASNs: []uint32{8075, 8068, 8069, 12076}},
}

// CloudProvidersNamed is the provider list of names (--cloud-provider): a default
// provider by its name, any other name as a provider whose AS organizations start with
// the name's first word.
func CloudProvidersNamed(names []string) []CloudProvider {
	var out []CloudProvider
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		i := slices.IndexFunc(DefaultCloudProviders, func(p CloudProvider) bool { return strings.EqualFold(p.Name, name) })
		if i >= 0 {
			out = append(out, DefaultCloudProviders[i])
			continue
		}
		out = append(out, CloudProvider{Name: name, Words: []string{strings.ToLower(firstWord(name))}})
	}
	return out
}

// cloudOf names the provider whose network an AS is ("" for none).
func cloudOf(providers []CloudProvider, asn uint32, org string) string {
	w := strings.ToLower(firstWord(org))
	for _, p := range providers {
		if w != "" && slices.Contains(p.Words, w) {
			return p.Name
		}
		if asn != 0 && slices.Contains(p.ASNs, asn) {
			return p.Name
		}
	}
	return ""
}

// firstWord is the first run of letters and digits of s.
func firstWord(s string) string {
	s = strings.TrimLeftFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }); i >= 0 {
		return s[:i]
	}
	return s
}

// networkResolver gives the addresses of one case their networks, from the case's
// alerts and the configured sources, each address asked once.
type networkResolver struct {
	opts      NetworkOptions
	providers []CloudProvider
	// alertOrgs holds, by address, the AS organizations the alerts carried and from
	// which kind of alert.
	alertOrgs map[string][]NetworkFact
	done      map[string]Network
}

func newNetworkResolver(alerts []Alert, opts NetworkOptions) *networkResolver {
	r := &networkResolver{opts: opts, providers: opts.CloudProviders, alertOrgs: map[string][]NetworkFact{}, done: map[string]Network{}}
	if r.providers == nil {
		r.providers = DefaultCloudProviders
	}
	for i := range alerts {
		a := &alerts[i]
		if a.SourceIP == "" || a.ASOrg == "" {
			continue
		}
		f := NetworkFact{ASOrg: a.ASOrg, Source: alertNetSource(a.Provider)}
		if !slices.Contains(r.alertOrgs[a.SourceIP], f) {
			r.alertOrgs[a.SourceIP] = append(r.alertOrgs[a.SourceIP], f)
		}
	}
	return r
}

// alertNetSource is the kind of network source an alert of provider is.
func alertNetSource(provider string) string {
	switch provider {
	case ProviderGuardDuty:
		return NetFromGuardDuty
	case ProviderSecurityHub:
		return NetFromSecurityHub
	}
	return NetFromAlert
}

// network is the network of a sourceIPAddress value.
func (r *networkResolver) network(ip string) Network {
	if n, ok := r.done[ip]; ok {
		return n
	}
	n := r.resolve(ip)
	emptyIfNil(&n.Sources)
	emptyIfNil(&n.Searched)
	emptyIfNil(&n.OtherASOrgs)
	emptyIfNil(&n.Errors)
	r.done[ip] = n
	return n
}

func (r *networkResolver) resolve(ip string) Network {
	switch IPKind(ip) {
	case "aws-service":
		return Network{Class: NetAWSService, AWSService: ip, Sources: []string{NetFromCloudTrail}}
	case "unparsed":
		return Network{Class: NetUnknown}
	case "private":
		return Network{Class: NetPrivate}
	}
	addr, _ := netip.ParseAddr(ip)
	addr = addr.Unmap()
	n := Network{Searched: []string{"the case's alerts"}}
	facts := slices.Clone(r.alertOrgs[ip])
	for _, s := range r.opts.Sources {
		n.Searched = append(n.Searched, s.Name())
		f, ok, err := s.LookupNetwork(addr)
		switch {
		case err != nil:
			n.Errors = append(n.Errors, s.Name()+": "+err.Error())
		case ok:
			facts = append(facts, f)
		}
	}
	r.merge(&n, facts)
	return n
}

// merge folds the facts of the sources into n, in the sources' order (the alerts, then
// the configured sources): the autonomous system of the first that gave one, and of
// those that agree with it (an AS another source contradicts is in OtherASOrgs, never
// mixed in); AWS's ranges from the source that has them. The network is a cloud
// provider's when any source says so.
func (r *networkResolver) merge(n *Network, facts []NetworkFact) {
	n.Class = NetUnknown
	for _, f := range facts {
		n.Sources = appendUnique(n.Sources, f.Source)
		if f.AWSService != "" && n.AWSService == "" {
			n.AWSService, n.AWSRegion, n.Prefix = f.AWSService, f.AWSRegion, f.Prefix
			n.Cloud, n.Class = "Amazon", NetCloud
		}
		if f.ASOrg == "" && f.ASN == 0 {
			continue
		}
		agree := n.ASOrg == "" || f.ASOrg == "" || strings.EqualFold(n.ASOrg, f.ASOrg)
		if n.ASN != 0 && f.ASN != 0 && n.ASN != f.ASN {
			agree = false
		}
		if agree {
			n.ASOrg = firstNonEmpty(n.ASOrg, f.ASOrg)
			n.ASN = cmp.Or(n.ASN, f.ASN)
			n.Prefix = firstNonEmpty(n.Prefix, f.Prefix)
		} else {
			n.OtherASOrgs = appendUnique(n.OtherASOrgs, asName(f.ASN, f.ASOrg))
		}
		if c := cloudOf(r.providers, f.ASN, f.ASOrg); c != "" && n.Class != NetCloud {
			n.Cloud, n.Class = c, NetCloud
		}
	}
	if n.Class == NetUnknown && (n.ASOrg != "" || n.ASN != 0) {
		n.Class = NetNonCloud
	}
}

// asName writes an autonomous system: "AS64501 Vectrolink Broadband LLC".
func asName(asn uint32, org string) string {
	if asn == 0 {
		return org
	}
	return strings.TrimSpace(fmt.Sprintf("AS%d %s", asn, org))
}

// resolveNetworks gives each source address of the case its network, and each key pair
// its caller's network, first-ness and the evaluation of the CreateKeyPair rule
// (keypair_network.go); events are the events searched, oldest first.
func (c *Case) resolveNetworks(events []*Event, alerts []Alert, opts NetworkOptions) {
	r := newNetworkResolver(alerts, opts)
	for i := range c.SourceIPs {
		ip := &c.SourceIPs[i]
		ip.Network = r.network(ip.IP)
		ip.ASOrg = firstNonEmpty(ip.ASOrg, ip.Network.ASOrg)
	}
	c.evaluateKeyPairs(events, r)
}

// Summary is Describe with where it was learned ("(alert, asn-db)"), what other sources
// said, and what failed; for an unknown network, what was searched and what would tell.
func (n Network) Summary() string {
	if !n.Known() {
		s := "unknown network"
		if why := n.UnknownReason(); why != "" {
			s += " (" + why + ")"
		}
		return s + n.errorsText()
	}
	s := n.Describe()
	if n.Class != NetAWSService && n.Class != NetPrivate && len(n.Sources) > 0 {
		s += " (" + strings.Join(n.Sources, ", ") + ")"
	}
	if len(n.OtherASOrgs) > 0 {
		s += "; other sources say " + strings.Join(n.OtherASOrgs, ", ")
	}
	return s + n.errorsText()
}

func (n Network) errorsText() string {
	if len(n.Errors) == 0 {
		return ""
	}
	return "; lookup failed: " + strings.Join(n.Errors, "; ")
}
