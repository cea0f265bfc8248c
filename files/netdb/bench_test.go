package netdb_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/keypivot/keypivot/files/netdb"
	"github.com/keypivot/keypivot/files/netdb/netdbtest"
)

// BenchmarkOpenASNDB opens a database of 300,000 networks (about the size of
// GeoLite2-ASN's IPv4 part) as OpenASNDB does, verifying it whole, against opening it
// only (the baseline): the price of refusing a corrupt file at start-up.
func BenchmarkOpenASNDB(b *testing.B) {
	networks := make(map[string]netdbtest.AS, 300_000)
	for i := range 300_000 {
		networks[fmt.Sprintf("%d.%d.%d.0/24", 11+i>>16, i>>8&255, i&255)] = netdbtest.AS{Number: uint32(1 + i%60000), Org: fmt.Sprintf("Network %d", i%60000)}
	}
	path := netdbtest.WriteASNDB(b, b.TempDir(), networks)
	b.Run("open-only", func(b *testing.B) {
		for b.Loop() {
			db, err := maxminddb.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			db.Close()
		}
	})
	b.Run("open-and-verify", func(b *testing.B) {
		for b.Loop() {
			db, err := netdb.OpenASNDB(path)
			if err != nil {
				b.Fatal(err)
			}
			db.Close()
		}
	})
	b.Run("lookup", func(b *testing.B) {
		db, err := netdb.OpenASNDB(path)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		addr := netip.MustParseAddr("12.34.56.78")
		for b.Loop() {
			if _, ok, err := db.LookupNetwork(addr); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
}
