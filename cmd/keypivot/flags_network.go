package main

import (
	"os"
	"path/filepath"

	"github.com/keypivot/keypivot/files/netdb"
	"github.com/keypivot/keypivot/investigate"
)

// NetworkFlags say where the networks of a case's source addresses are learned, besides
// its alerts and Elastic's enriched CloudTrail documents (docs/sources.md).
type NetworkFlags struct {
	ASNDB          string   `name:"asn-db" env:"KEYPIVOT_ASN_DB" placeholder:"FILE" help:"MaxMind-format ASN database (.mmdb: GeoLite2-ASN, DB-IP ASN Lite): the autonomous system of every source address."`
	IPRanges       string   `name:"ip-ranges" env:"KEYPIVOT_IP_RANGES" placeholder:"FILE" help:"AWS's ip-ranges.json: marks AWS addresses by service and region (default: a cached copy at ip-ranges.json in the cache directory, --cache-dir or <user cache>/keypivot, when there is one)."`
	CloudProviders []string `name:"cloud-provider" env:"KEYPIVOT_CLOUD_PROVIDERS" default:"Amazon,Google,Microsoft" placeholder:"NAME" help:"Cloud providers whose networks are not 'non-cloud' for the CreateKeyPair rule (an AS organization starting with the name's first word)."`
}

// cachedIPRanges is where a cached copy of ip-ranges.json is read from when --ip-ranges
// is not given: in keypivot's cache directory, beside the key indexes ("" when there is
// none).
func cachedIPRanges(g *Globals) string {
	dir, err := cacheDir(g.CacheDir)
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "ip-ranges.json")
}

// wireNetworks opens --asn-db and --ip-ranges (or the cached ip-ranges.json) into the
// workspace's network sources, after those the source flags added (Elastic's
// enrichment, the demo's), and sets the cloud providers. A file that is not what its
// flag takes is a usage error naming the file and the field.
func wireNetworks(g *Globals, w *Wiring) error {
	f := &g.NetworkFlags
	nets := &w.Workspace.Networks
	nets.CloudProviders = investigate.CloudProvidersNamed(f.CloudProviders)
	if f.ASNDB != "" {
		if err := checkPath("--asn-db", f.ASNDB); err != nil {
			return err
		}
		db, err := netdb.OpenASNDB(f.ASNDB)
		if err != nil {
			return usageErr("--asn-db: %v", err)
		}
		nets.Sources = append(nets.Sources, db)
	}
	ranges, flag := f.IPRanges, "--ip-ranges"
	if ranges == "" {
		ranges, flag = cachedIPRanges(g), "cached ip-ranges.json"
		if _, err := os.Stat(ranges); ranges == "" || err != nil {
			return nil
		}
	} else if err := checkPath("--ip-ranges", ranges); err != nil {
		return err
	}
	r, err := netdb.ReadIPRanges(ranges)
	if err != nil {
		return usageErr("%s: %v", flag, err)
	}
	nets.Sources = append(nets.Sources, r)
	return nil
}
