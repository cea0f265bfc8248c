// Package netdbtest writes the network databases tests read: MaxMind-format databases
// built with MaxMind's own writer (github.com/maxmind/mmdbwriter), shaped as GeoLite2-ASN
// is, and AWS ip-ranges.json files. Nothing but tests imports it.
package netdbtest

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// BuildTime is the build time written into every database (their names show it).
var BuildTime = time.Date(2026, time.March, 3, 0, 0, 0, 0, time.UTC)

// AS is an autonomous system: its number and organization, as GeoLite2-ASN names them.
type AS struct {
	Number uint32
	Org    string
}

// WriteASNDB writes a GeoLite2-ASN database into dir that maps each network (CIDR) to
// its autonomous system, and returns its path.
func WriteASNDB(t testing.TB, dir string, networks map[string]AS) string {
	t.Helper()
	records := map[string]mmdbtype.Map{}
	for cidr, as := range networks {
		records[cidr] = mmdbtype.Map{
			"autonomous_system_number":       mmdbtype.Uint32(as.Number),
			"autonomous_system_organization": mmdbtype.String(as.Org),
		}
	}
	return WriteMMDB(t, filepath.Join(dir, "GeoLite2-ASN.mmdb"), "GeoLite2-ASN", records)
}

// WriteMMDB writes a MaxMind-format database of type dbType at path, with each record at
// its network (CIDR), and returns path. Reserved networks (the documentation ranges of
// RFC 5737) are allowed, so tests need accuse no real network.
func WriteMMDB(t testing.TB, path, dbType string, records map[string]mmdbtype.Map) string {
	t.Helper()
	w, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            dbType,
		Description:             map[string]string{"en": "keypivot test database"},
		RecordSize:              24,
		IPVersion:               6,
		IncludeReservedNetworks: true,
		BuildEpoch:              BuildTime.Unix(),
	})
	if err != nil {
		t.Fatal(err)
	}
	cidrs := make([]string, 0, len(records))
	for c := range records {
		cidrs = append(cidrs, c)
	}
	slices.Sort(cidrs)
	for _, c := range cidrs {
		_, network, err := net.ParseCIDR(c)
		if err != nil {
			t.Fatalf("network %q: %v", c, err)
		}
		if err := w.Insert(network, records[c]); err != nil {
			t.Fatalf("insert %s: %v", c, err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// Range is one entry of ip-ranges.json.
type Range struct {
	Prefix, Region, Service string
}

// WriteIPRanges writes ranges as AWS's ip-ranges.json (IPv4 prefixes under prefixes[],
// IPv6 under ipv6_prefixes[], network_border_group the region) into dir, and returns its path.
func WriteIPRanges(t testing.TB, dir string, ranges []Range) string {
	t.Helper()
	type v4 struct {
		IPPrefix           string `json:"ip_prefix"`
		Region             string `json:"region"`
		Service            string `json:"service"`
		NetworkBorderGroup string `json:"network_border_group"`
	}
	type v6 struct {
		IPv6Prefix         string `json:"ipv6_prefix"`
		Region             string `json:"region"`
		Service            string `json:"service"`
		NetworkBorderGroup string `json:"network_border_group"`
	}
	doc := struct {
		SyncToken    string `json:"syncToken"`
		CreateDate   string `json:"createDate"`
		Prefixes     []v4   `json:"prefixes"`
		IPv6Prefixes []v6   `json:"ipv6_prefixes"`
	}{SyncToken: "1772496000", CreateDate: BuildTime.Format("2006-01-02-15-04-05"), Prefixes: []v4{}, IPv6Prefixes: []v6{}}
	for _, r := range ranges {
		ip, _, err := net.ParseCIDR(r.Prefix)
		if err != nil {
			t.Fatalf("prefix %q: %v", r.Prefix, err)
		}
		if ip.To4() != nil {
			doc.Prefixes = append(doc.Prefixes, v4{r.Prefix, r.Region, r.Service, r.Region})
		} else {
			doc.IPv6Prefixes = append(doc.IPv6Prefixes, v6{r.Prefix, r.Region, r.Service, r.Region})
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ip-ranges.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
