package netdb

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"strings"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/keypivot/keypivot/investigate"
)

// The fields of an ASN database record (GeoLite2-ASN, GeoIP2-ISP, DB-IP ASN Lite).
const (
	fieldASN = "autonomous_system_number"
	fieldOrg = "autonomous_system_organization"
)

// ASNDB is a MaxMind-format ASN database on disk. It implements
// investigate.NetworkSource and is safe for concurrent use.
type ASNDB struct {
	path string
	db   *maxminddb.Reader
}

// OpenASNDB opens the ASN database at path, checks that it is one (its database_type
// names an ASN or ISP database) and verifies its whole structure, so that a corrupt
// file is refused now rather than halfway through a case.
func OpenASNDB(path string) (*ASNDB, error) {
	db, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not a MaxMind-format database (.mmdb): %w", path, err)
	}
	typ := db.Metadata.DatabaseType
	if t := strings.ToLower(typ); !strings.Contains(t, "asn") && !strings.Contains(t, "isp") {
		_ = db.Close()
		return nil, fmt.Errorf("%s: database_type %q is not an ASN database: give GeoLite2-ASN, GeoIP2-ISP or DB-IP ASN Lite (records with %s, %s)", path, typ, fieldASN, fieldOrg)
	}
	if err := db.Verify(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%s: corrupt %s database: %w", path, typ, err)
	}
	return &ASNDB{path: path, db: db}, nil
}

// Close releases the database.
func (a *ASNDB) Close() error { return a.db.Close() }

// Name names the database in a case: its path, type and build date.
func (a *ASNDB) Name() string {
	m := a.db.Metadata
	return fmt.Sprintf("%s %s (%s, built %s)", investigate.NetFromASNDB, a.path, m.DatabaseType, m.BuildTime().UTC().Format(time.DateOnly))
}

// LookupNetwork implements investigate.NetworkSource: the autonomous system of the
// database network holding addr. A record whose fields are not what an ASN database
// holds is an error naming the network and the field.
func (a *ASNDB) LookupNetwork(addr netip.Addr) (investigate.NetworkFact, bool, error) {
	res := a.db.Lookup(addr)
	if err := res.Err(); err != nil {
		return investigate.NetworkFact{}, false, fmt.Errorf("%s: looking up %s: %w", a.path, addr, err)
	}
	if !res.Found() {
		return investigate.NetworkFact{}, false, nil
	}
	network := res.Prefix().String()
	var rec map[string]any
	if err := res.Decode(&rec); err != nil {
		return investigate.NetworkFact{}, false, fmt.Errorf("%s: record of %s: %w", a.path, network, err)
	}
	f := investigate.NetworkFact{Prefix: network, Source: investigate.NetFromASNDB}
	if v, ok := rec[fieldASN]; ok {
		n, ok := asNumber(v)
		if !ok {
			return investigate.NetworkFact{}, false, fmt.Errorf("%s: record of %s: field %s: %v is not an AS number", a.path, network, fieldASN, v)
		}
		f.ASN = n
	}
	if v, ok := rec[fieldOrg]; ok {
		s, ok := v.(string)
		if !ok {
			return investigate.NetworkFact{}, false, fmt.Errorf("%s: record of %s: field %s: %v (%T) is not a string", a.path, network, fieldOrg, v, v)
		}
		f.ASOrg = strings.TrimSpace(s)
	}
	if f.ASN == 0 && f.ASOrg == "" {
		return investigate.NetworkFact{}, false, fmt.Errorf("%s: record of %s: %w", a.path, network, errNoAS)
	}
	return f, true, nil
}

var errNoAS = errors.New("neither " + fieldASN + " nor " + fieldOrg + ": not an ASN database record")

// asNumber reads an AS number as the database decoder gives it (an unsigned integer of
// any width).
func asNumber(v any) (uint32, bool) {
	var u uint64
	switch n := v.(type) {
	case uint64:
		u = n
	case uint32:
		u = uint64(n)
	case uint16:
		u = uint64(n)
	case uint:
		u = uint64(n)
	case int:
		if n < 0 {
			return 0, false
		}
		u = uint64(n)
	case *big.Int:
		if !n.IsUint64() {
			return 0, false
		}
		u = n.Uint64()
	default:
		return 0, false
	}
	if u == 0 || u > math.MaxUint32 {
		return 0, false
	}
	return uint32(u), true
}
