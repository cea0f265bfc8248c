package netdb_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/keypivot/keypivot/files/netdb"
	"github.com/keypivot/keypivot/files/netdb/netdbtest"
	"github.com/keypivot/keypivot/investigate"
)

func TestASNDBAnswersTheNetworksOfAGeneratedDatabase(t *testing.T) {
	path := netdbtest.WriteASNDB(t, t.TempDir(), map[string]netdbtest.AS{
		"198.51.100.0/24": {Number: 64501, Org: "Vectrolink Broadband LLC"},
		"203.0.113.64/26": {Number: 64502, Org: "Quickhost VPS Ltd"},
		"2001:db8::/32":   {Number: 64503, Org: "Metrolink Business Fibre"},
	})
	db, err := netdb.OpenASNDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var _ investigate.NetworkSource = db
	for _, tc := range []struct {
		ip      string
		asn     uint32
		org     string
		network string
	}{
		{"198.51.100.23", 64501, "Vectrolink Broadband LLC", "198.51.100.0/24"},
		{"203.0.113.77", 64502, "Quickhost VPS Ltd", "203.0.113.64/26"},
		{"2001:db8:1::5", 64503, "Metrolink Business Fibre", "2001:db8::/32"},
		{"::ffff:198.51.100.9", 64501, "Vectrolink Broadband LLC", "198.51.100.0/24"},
	} {
		f, ok, err := db.LookupNetwork(netip.MustParseAddr(tc.ip).Unmap())
		if err != nil || !ok {
			t.Fatalf("%s: ok %v err %v", tc.ip, ok, err)
		}
		if f.ASN != tc.asn || f.ASOrg != tc.org || f.Prefix != tc.network || f.Source != investigate.NetFromASNDB {
			t.Errorf("%s: %+v", tc.ip, f)
		}
	}
	// Outside every network: the database knows nothing of it, which is no error.
	if f, ok, err := db.LookupNetwork(netip.MustParseAddr("203.0.113.5")); ok || err != nil {
		t.Errorf("203.0.113.5: %+v ok %v err %v", f, ok, err)
	}
	if name := db.Name(); !strings.Contains(name, path) || !strings.Contains(name, "GeoLite2-ASN") || !strings.Contains(name, "built 2026-03-03") {
		t.Errorf("name = %q", name)
	}
}

func TestASNDBRefusesWhatIsNoASNDatabase(t *testing.T) {
	dir := t.TempDir()
	city := netdbtest.WriteMMDB(t, filepath.Join(dir, "GeoLite2-City.mmdb"), "GeoLite2-City", map[string]mmdbtype.Map{
		"198.51.100.0/24": {"city": mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("Bucharest")}}},
	})
	text := filepath.Join(dir, "asn.mmdb")
	if err := os.WriteFile(text, []byte("autonomous_system_number,autonomous_system_organization\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A real database cut short: its metadata (at the end) is gone.
	good := netdbtest.WriteASNDB(t, t.TempDir(), map[string]netdbtest.AS{"198.51.100.0/24": {Number: 64501, Org: "Vectrolink Broadband LLC"}})
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.mmdb")
	if err := os.WriteFile(cut, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{city, `database_type "GeoLite2-City" is not an ASN database`},
		{text, "not a MaxMind-format database"},
		{cut, "not a MaxMind-format database"},
		{filepath.Join(dir, "missing.mmdb"), "no such file"},
	} {
		_, err := netdb.OpenASNDB(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want the path and %q", tc.path, err, tc.want)
		}
	}
}

func TestASNDBNamesTheFieldOfABadRecord(t *testing.T) {
	path := netdbtest.WriteMMDB(t, filepath.Join(t.TempDir(), "bad-asn.mmdb"), "GeoLite2-ASN", map[string]mmdbtype.Map{
		"198.51.100.0/24": {"autonomous_system_number": mmdbtype.String("AS64501"), "autonomous_system_organization": mmdbtype.String("Vectrolink")},
		"203.0.113.0/24":  {"autonomous_system_number": mmdbtype.Uint32(64502), "autonomous_system_organization": mmdbtype.Uint32(7)},
		"192.0.2.0/24":    {"isp": mmdbtype.String("Metrolink")},
	})
	db, err := netdb.OpenASNDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for ip, want := range map[string]string{
		"198.51.100.1": "record of 198.51.100.0/24: field autonomous_system_number",
		"203.0.113.1":  "record of 203.0.113.0/24: field autonomous_system_organization",
		"192.0.2.1":    "record of 192.0.2.0/24: neither autonomous_system_number nor autonomous_system_organization",
	} {
		_, ok, err := db.LookupNetwork(netip.MustParseAddr(ip))
		if ok || err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: ok %v err %v, want %q", ip, ok, err, want)
		}
	}
}
