package investigate_test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/netdb"
	"github.com/keypivot/keypivot/files/netdb/netdbtest"
	"github.com/keypivot/keypivot/investigate"
)

const (
	nKey     = "AKIANETWORKTESTKEY01"
	nSession = "ASIANETWORKTESTSESS1"
	nAccount = "111122223333"
	nUserARN = "arn:aws:iam::111122223333:user/alice"
	nRoleARN = "arn:aws:sts::111122223333:assumed-role/deploy/botocore-session-1"
)

var nStart = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// netRecord is one CloudTrail record: call i (its second after nStart) by key from ip,
// as arn.
type netRecord struct {
	i                      int
	key, arn, ip           string
	svc, name, region, err string
	req, resp              any
}

func (r netRecord) event(t testing.TB) *investigate.Event {
	t.Helper()
	ident := map[string]any{"type": "IAMUser", "arn": r.arn, "accountId": nAccount, "accessKeyId": r.key, "userName": "alice", "principalId": "AIDANETWORKTEST"}
	if strings.Contains(r.arn, ":assumed-role/") {
		ident = map[string]any{"type": "AssumedRole", "arn": r.arn, "accountId": nAccount, "accessKeyId": r.key, "principalId": "AROANETWORKTEST:botocore-session-1",
			"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "arn": "arn:aws:iam::111122223333:role/deploy", "userName": "deploy"}}}
	}
	rec := map[string]any{
		"eventVersion": "1.09", "userIdentity": ident, "eventTime": nStart.Add(time.Duration(r.i) * time.Second).Format(time.RFC3339),
		"eventSource": r.svc + ".amazonaws.com", "eventName": r.name, "awsRegion": r.region, "sourceIPAddress": r.ip,
		"userAgent": "aws-cli/2.15.30", "requestParameters": r.req, "responseElements": r.resp,
		"eventID": fmt.Sprintf("00000000-0000-4000-8000-%012d", r.i), "eventType": "AwsApiCall", "recipientAccountId": nAccount,
	}
	if r.err != "" {
		rec["errorCode"], rec["errorMessage"], rec["responseElements"] = r.err, "denied", nil
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	e, err := investigate.DecodeRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	return &e
}

func events(t testing.TB, recs ...netRecord) []*investigate.Event {
	var out []*investigate.Event
	for _, r := range recs {
		out = append(out, r.event(t))
	}
	return out
}

func ipOf(t testing.TB, c *investigate.Case, ip string) investigate.IPSummary {
	t.Helper()
	i := slices.IndexFunc(c.SourceIPs, func(s investigate.IPSummary) bool { return s.IP == ip })
	if i < 0 {
		t.Fatalf("no source address %s in %+v", ip, c.SourceIPs)
	}
	return c.SourceIPs[i]
}

// asnDB opens a generated GeoLite2-ASN database of networks.
func asnDB(t testing.TB, networks map[string]netdbtest.AS) *netdb.ASNDB {
	t.Helper()
	db, err := netdb.OpenASNDB(netdbtest.WriteASNDB(t, t.TempDir(), networks))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Every source address of a case gets its network from the case's alerts, an ASN
// database and AWS's ranges; one no source knows is "unknown", never "non-cloud".
func TestEverySourceAddressGetsItsNetwork(t *testing.T) {
	call := func(i int, ip string) netRecord {
		return netRecord{i: i, key: nKey, arn: nUserARN, ip: ip, svc: "sts", name: "GetCallerIdentity", region: "us-east-1"}
	}
	evs := events(t, call(1, "198.51.100.23"), call(2, "203.0.113.77"), call(3, "52.23.181.44"), call(4, "34.139.88.12"),
		call(5, "20.1.2.3"), call(6, "192.0.2.10"), call(7, "ec2.amazonaws.com"), call(8, "10.0.0.5"), call(9, "211.9.016.253"),
		call(10, "203.0.113.200"))
	alerts := []investigate.Alert{
		{ID: "a1", Provider: investigate.ProviderElastic, AccessKeyID: nKey, SourceIP: "198.51.100.23", ASOrg: "Vectrolink Broadband LLC", Time: nStart},
		{ID: "g1", Provider: investigate.ProviderGuardDuty, AccessKeyID: nKey, SourceIP: "203.0.113.77", ASOrg: "DIGITALOCEAN-ASN", Time: nStart},
		// An address's network is a fact of the address: another key's alert tells it too.
		{ID: "a2", Provider: investigate.ProviderElastic, AccessKeyID: "AKIAOTHERKEY00000001", SourceIP: "203.0.113.200", ASOrg: "Amazonas Telecom", Time: nStart},
	}
	db := asnDB(t, map[string]netdbtest.AS{
		"198.51.100.0/24": {Number: 64501, Org: "Vectrolink Broadband LLC"},
		"203.0.113.64/26": {Number: 64502, Org: "Quickhost VPS Ltd"},
		"52.23.0.0/16":    {Number: 14618, Org: "AMAZON-AES"},
		"34.139.0.0/16":   {Number: 396982, Org: "GOOGLE-CLOUD-PLATFORM"},
		"20.0.0.0/11":     {Number: 8075, Org: ""},
	})
	ranges, err := netdb.ReadIPRanges(netdbtest.WriteIPRanges(t, t.TempDir(), []netdbtest.Range{
		{Prefix: "52.0.0.0/11", Region: "us-east-1", Service: "AMAZON"}, {Prefix: "52.20.0.0/14", Region: "us-east-1", Service: "EC2"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	c := investigate.BuildCase(investigate.CaseInput{
		Key: investigate.MustParseAccessKeyID(nKey), Events: evs, Alerts: alerts, Now: nStart.Add(time.Hour),
		Networks: investigate.NetworkOptions{Sources: []investigate.NetworkSource{db, ranges}},
	})
	if len(c.SourceIPs) != 10 {
		t.Fatalf("%d source addresses: %+v", len(c.SourceIPs), c.SourceIPs)
	}
	for _, tc := range []struct {
		ip, class, org, cloud, service string
		asn                            uint32
		sources                        []string
	}{
		{"198.51.100.23", investigate.NetNonCloud, "Vectrolink Broadband LLC", "", "", 64501, []string{"alert", "asn-db"}},
		{"203.0.113.77", investigate.NetNonCloud, "DIGITALOCEAN-ASN", "", "", 0, []string{"guardduty", "asn-db"}},
		{"52.23.181.44", investigate.NetCloud, "AMAZON-AES", "Amazon", "EC2", 14618, []string{"asn-db", "ip-ranges"}},
		{"34.139.88.12", investigate.NetCloud, "GOOGLE-CLOUD-PLATFORM", "Google", "", 396982, []string{"asn-db"}},
		{"20.1.2.3", investigate.NetCloud, "", "Microsoft", "", 8075, []string{"asn-db"}},
		{"203.0.113.200", investigate.NetNonCloud, "Amazonas Telecom", "", "", 0, []string{"alert"}},
		{"192.0.2.10", investigate.NetUnknown, "", "", "", 0, []string{}},
		{"ec2.amazonaws.com", investigate.NetAWSService, "", "", "ec2.amazonaws.com", 0, []string{"cloudtrail"}},
		{"10.0.0.5", investigate.NetPrivate, "", "", "", 0, []string{}},
		{"211.9.016.253", investigate.NetUnknown, "", "", "", 0, []string{}},
	} {
		n := ipOf(t, c, tc.ip).Network
		if n.Class != tc.class || n.ASOrg != tc.org || n.Cloud != tc.cloud || n.AWSService != tc.service || n.ASN != tc.asn || !slices.Equal(n.Sources, tc.sources) {
			t.Errorf("%s: %+v", tc.ip, n)
		}
	}
	// Sources that disagree are both shown; the address's AS organization follows.
	if n := ipOf(t, c, "203.0.113.77").Network; !slices.Equal(n.OtherASOrgs, []string{"AS64502 Quickhost VPS Ltd"}) || ipOf(t, c, "203.0.113.77").ASOrg != "DIGITALOCEAN-ASN" {
		t.Errorf("203.0.113.77: %+v", n)
	}
	// AWS's ranges give the region; the address shows its service.
	if n := ipOf(t, c, "52.23.181.44").Network; n.AWSRegion != "us-east-1" || n.Prefix != "52.20.0.0/14" || !strings.Contains(n.Describe(), "AWS EC2 us-east-1") {
		t.Errorf("52.23.181.44: %+v %q", n, n.Describe())
	}
	// A negative carries what was searched: here the ASN database was, so it is not asked for.
	unknown := ipOf(t, c, "192.0.2.10").Network
	if !slices.Contains(unknown.Searched, db.Name()) || !slices.Contains(unknown.Searched, ranges.Name()) || strings.Contains(unknown.Summary(), "give --asn-db") ||
		!strings.HasPrefix(unknown.Summary(), "unknown network (searched the case's alerts, asn-db ") {
		t.Errorf("192.0.2.10: %+v %q", unknown, unknown.Summary())
	}
	if s := ipOf(t, c, "211.9.016.253").Network.Summary(); s != "unknown network (not an IP address)" {
		t.Errorf("211.9.016.253: %q", s)
	}

	// With no database, an address no alert names is unknown, and the summary says what
	// to give; the alerts still tell theirs.
	bare := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(nKey), Events: evs, Alerts: alerts, Now: nStart.Add(time.Hour)})
	for _, ip := range []string{"52.23.181.44", "34.139.88.12", "192.0.2.10"} {
		if n := ipOf(t, bare, ip).Network; n.Class != investigate.NetUnknown || !strings.Contains(n.Summary(), "give --asn-db") {
			t.Errorf("%s without sources: %+v %q", ip, n, n.Summary())
		}
	}
	if n := ipOf(t, bare, "198.51.100.23").Network; n.Class != investigate.NetNonCloud || !slices.Equal(n.Sources, []string{"alert"}) {
		t.Errorf("198.51.100.23 from its alert: %+v", n)
	}
}

func TestCloudProvidersAreConfigurable(t *testing.T) {
	evs := events(t,
		netRecord{i: 1, key: nKey, arn: nUserARN, ip: "198.51.100.1", svc: "sts", name: "GetCallerIdentity", region: "us-east-1"},
		netRecord{i: 2, key: nKey, arn: nUserARN, ip: "198.51.100.2", svc: "sts", name: "GetCallerIdentity", region: "us-east-1"},
	)
	db := asnDB(t, map[string]netdbtest.AS{"198.51.100.1/32": {Number: 31898, Org: "ORACLE-BMC-31898"}, "198.51.100.2/32": {Number: 15169, Org: "GOOGLE"}})
	build := func(providers []investigate.CloudProvider) *investigate.Case {
		return investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(nKey), Events: evs, Now: nStart.Add(time.Hour),
			Networks: investigate.NetworkOptions{Sources: []investigate.NetworkSource{db}, CloudProviders: providers}})
	}
	def := build(nil)
	if n := ipOf(t, def, "198.51.100.1").Network; n.Class != investigate.NetNonCloud {
		t.Errorf("Oracle by default: %+v", n)
	}
	if n := ipOf(t, def, "198.51.100.2").Network; n.Class != investigate.NetCloud || n.Cloud != "Google" {
		t.Errorf("Google by default: %+v", n)
	}
	custom := build(investigate.CloudProvidersNamed([]string{"Amazon", "Oracle Cloud"}))
	if n := ipOf(t, custom, "198.51.100.1").Network; n.Class != investigate.NetCloud || n.Cloud != "Oracle Cloud" {
		t.Errorf("Oracle listed: %+v", n)
	}
	if n := ipOf(t, custom, "198.51.100.2").Network; n.Class != investigate.NetNonCloud {
		t.Errorf("Google not listed: %+v", n)
	}
}

func TestObservedNetworksAreBoundedAndSayWhatTheyLeftOut(t *testing.T) {
	o := investigate.NewObservedNetworks("elastic-event test", investigate.NetFromElasticEvent, 2)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			o.Observe("198.51.100.1", 64501, "Vectrolink Broadband LLC")
			o.Observe("not an address", 64501, "x")
			o.Observe("198.51.100.9", 0, "")   // no AS at all
			o.Observe("198.51.100.8", -3, " ") // nor here
		})
	}
	wg.Wait()
	o.Observe("198.51.100.2", 1e12, "Quickhost VPS Ltd") // an out-of-range number is no number
	o.Observe("198.51.100.3", 64503, "Metrolink Business Fibre")
	if o.Len() != 2 {
		t.Fatalf("len = %d", o.Len())
	}
	f, ok, err := o.LookupNetwork(netip.MustParseAddr("198.51.100.1"))
	if !ok || err != nil || f.ASN != 64501 || f.ASOrg != "Vectrolink Broadband LLC" || f.Source != investigate.NetFromElasticEvent {
		t.Errorf("kept: %+v %v %v", f, ok, err)
	}
	if f, ok, err := o.LookupNetwork(netip.MustParseAddr("::ffff:198.51.100.2")); !ok || err != nil || f.ASN != 0 || f.ASOrg != "Quickhost VPS Ltd" {
		t.Errorf("mapped address: %+v %v %v", f, ok, err)
	}
	_, ok, err = o.LookupNetwork(netip.MustParseAddr("198.51.100.3"))
	if ok || err == nil || !strings.Contains(err.Error(), "held the first 2 addresses and left 1 other out") {
		t.Errorf("left out: %v %v", ok, err)
	}
	var nilObs *investigate.ObservedNetworks
	nilObs.Observe("198.51.100.1", 1, "x") // a source without observations observes nothing
}
