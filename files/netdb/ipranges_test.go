package netdb_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/files/netdb"
	"github.com/keypivot/keypivot/files/netdb/netdbtest"
	"github.com/keypivot/keypivot/investigate"
)

func TestIPRangesPicksTheMostSpecificServiceOfAWS(t *testing.T) {
	path := netdbtest.WriteIPRanges(t, t.TempDir(), []netdbtest.Range{
		{Prefix: "52.0.0.0/11", Region: "us-east-1", Service: "AMAZON"},
		{Prefix: "52.20.0.0/14", Region: "us-east-1", Service: "EC2"},
		{Prefix: "52.20.0.0/14", Region: "us-east-1", Service: "AMAZON"},
		{Prefix: "3.5.0.0/19", Region: "eu-west-1", Service: "S3"},
		{Prefix: "15.177.0.0/18", Region: "GLOBAL", Service: "ROUTE53_HEALTHCHECKS"},
		{Prefix: "15.177.0.0/18", Region: "GLOBAL", Service: "AMAZON"},
		{Prefix: "2600:1f18::/33", Region: "us-east-1", Service: "EC2"},
		{Prefix: "2600:1f00::/24", Region: "us-east-1", Service: "AMAZON"},
	})
	r, err := netdb.ReadIPRanges(path)
	if err != nil {
		t.Fatal(err)
	}
	var _ investigate.NetworkSource = r
	if r.Len() != 8 {
		t.Fatalf("len = %d", r.Len())
	}
	for _, tc := range []struct{ ip, service, region, prefix string }{
		{"52.23.181.44", "EC2", "us-east-1", "52.20.0.0/14"},
		{"52.30.1.1", "AMAZON", "us-east-1", "52.0.0.0/11"},
		{"3.5.1.2", "S3", "eu-west-1", "3.5.0.0/19"},
		{"15.177.3.4", "ROUTE53_HEALTHCHECKS", "GLOBAL", "15.177.0.0/18"},
		{"2600:1f18:4000::1", "EC2", "us-east-1", "2600:1f18::/33"},
		{"2600:1f90::1", "AMAZON", "us-east-1", "2600:1f00::/24"},
	} {
		f, ok, err := r.LookupNetwork(netip.MustParseAddr(tc.ip))
		if err != nil || !ok || f.AWSService != tc.service || f.AWSRegion != tc.region || f.Prefix != tc.prefix || f.Source != investigate.NetFromIPRanges {
			t.Errorf("%s: %+v ok %v err %v", tc.ip, f, ok, err)
		}
	}
	for _, ip := range []string{"198.51.100.23", "2001:db8::1", "53.0.0.1"} {
		if f, ok, err := r.LookupNetwork(netip.MustParseAddr(ip)); ok || err != nil {
			t.Errorf("%s: %+v ok %v err %v, want not AWS", ip, f, ok, err)
		}
	}
	if name := r.Name(); !strings.Contains(name, path) || !strings.Contains(name, "createDate 2026-03-03-00-00-00") {
		t.Errorf("name = %q", name)
	}
}

func TestIPRangesRefusesBadFilesNamingTheField(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, body, want string }{
		{"not-json", `{"syncToken":`, "invalid JSON"},
		{"no-prefixes", `{"syncToken":"1","createDate":"2026-03-03-00-00-00"}`, "no prefixes"},
		{"no-date", `{"syncToken":"1","prefixes":[]}`, "no createDate"},
		{"bad-date", `{"syncToken":"1","createDate":"2026-03-03T00:00:00Z","prefixes":[]}`, `createDate "2026-03-03T00:00:00Z"`},
		{"bad-prefix", `{"createDate":"2026-03-03-00-00-00","prefixes":[{"ip_prefix":"3.5.0.0/19","region":"eu-west-1","service":"S3"},{"ip_prefix":"3.5.0.0/33","region":"eu-west-1","service":"S3"}]}`, `prefixes[1].ip_prefix: "3.5.0.0/33" is not a prefix`},
		{"v6-in-v4", `{"createDate":"2026-03-03-00-00-00","prefixes":[{"ip_prefix":"2600::/16","region":"us-east-1","service":"EC2"}]}`, `prefixes[0].ip_prefix: "2600::/16" is not an IPv4 prefix`},
		{"v4-in-v6", `{"createDate":"2026-03-03-00-00-00","prefixes":[],"ipv6_prefixes":[{"ipv6_prefix":"3.0.0.0/8","region":"us-east-1","service":"EC2"}]}`, `ipv6_prefixes[0].ipv6_prefix: "3.0.0.0/8" is not an IPv6 prefix`},
		{"no-region", `{"createDate":"2026-03-03-00-00-00","prefixes":[{"ip_prefix":"3.5.0.0/19","service":"S3"}]}`, "prefixes[0].region: empty"},
		{"no-service", `{"createDate":"2026-03-03-00-00-00","prefixes":[{"ip_prefix":"3.5.0.0/19","region":"eu-west-1"}]}`, "prefixes[0].service: empty"},
		{"wrong-type", `{"createDate":"2026-03-03-00-00-00","prefixes":[{"ip_prefix":352321536,"region":"eu-west-1","service":"S3"}]}`, "field prefixes.ip_prefix"},
	} {
		path := filepath.Join(dir, tc.name+".json")
		if err := os.WriteFile(path, []byte(tc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := netdb.ReadIPRanges(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want the path and %q", tc.name, err, tc.want)
		}
	}
}
