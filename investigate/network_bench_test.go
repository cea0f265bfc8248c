package investigate_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/keypivot/keypivot/files/netdb"
	"github.com/keypivot/keypivot/files/netdb/netdbtest"
	"github.com/keypivot/keypivot/investigate"
)

// BenchmarkBuildCaseNetworks builds a case of 100,000 events from 200 addresses, with
// 4 key pair calls, without network sources and with an ASN database, AWS's ranges and
// observed enrichment: the cost of giving every address and key pair its network.
func BenchmarkBuildCaseNetworks(b *testing.B) {
	const n, ips = 100_000, 200
	evs := make([]*investigate.Event, 0, n)
	networks := map[string]netdbtest.AS{}
	for i := range n {
		ip := fmt.Sprintf("198.51.%d.%d", 100+i%ips/250, i%ips%250+1)
		r := netRecord{i: i, key: nKey, arn: nUserARN, ip: ip, svc: "s3", name: "ListBuckets", region: "us-east-1"}
		if i%25_000 == 0 {
			r = keyPairCall(i, nKey, nUserARN, ip, "CreateKeyPair", "us-east-1", fmt.Sprintf("kp%d", i), "")
		}
		evs = append(evs, r.event(b))
		networks[ip+"/32"] = netdbtest.AS{Number: uint32(64512 + i%ips), Org: "Bench Network " + ip}
	}
	db, err := netdb.OpenASNDB(netdbtest.WriteASNDB(b, b.TempDir(), networks))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ranges, err := netdb.ReadIPRanges(netdbtest.WriteIPRanges(b, b.TempDir(), []netdbtest.Range{{Prefix: "52.0.0.0/11", Region: "us-east-1", Service: "AMAZON"}}))
	if err != nil {
		b.Fatal(err)
	}
	obs := investigate.NewObservedNetworks("bench", investigate.NetFromElasticEvent, 0)
	for _, sources := range []struct {
		name string
		opts investigate.NetworkOptions
	}{
		{"none", investigate.NetworkOptions{}},
		{"asn-db+ip-ranges+observed", investigate.NetworkOptions{Sources: []investigate.NetworkSource{obs, db, ranges}}},
	} {
		b.Run(sources.name, func(b *testing.B) {
			in := investigate.CaseInput{Key: investigate.MustParseAccessKeyID(nKey), Events: evs, Now: nStart.Add(48 * time.Hour), Networks: sources.opts}
			for b.Loop() {
				investigate.BuildCase(in)
			}
		})
	}
}
