package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"testing"

	"github.com/keypivot/keypivot/internal/sourcetest"
	estest "github.com/keypivot/keypivot/internal/testserver/elasticsearch"
	"github.com/keypivot/keypivot/investigate"
)

// The trail source keeps the autonomous system the integration's ingest pipeline gave
// each document's address (source.as.*, nested or as flat dotted keys), for the case to
// read as a network source; documents without it add nothing.
func TestTrailSourceKeepsTheASEnrichmentOfItsDocuments(t *testing.T) {
	const key = "AKIAELASTICASNTEST01"
	record := func(i int, ip string) []byte {
		return fmt.Appendf(nil, `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":%q,"userName":"alice"},`+
			`"eventTime":"2026-03-10T09:00:0%dZ","eventSource":"ec2.amazonaws.com","eventName":"CreateKeyPair","awsRegion":"us-east-1","sourceIPAddress":%q,"userAgent":"aws-cli/2.15.30",`+
			`"requestParameters":{"keyName":"k%d"},"responseElements":{"keyName":"k%d","keyPairId":"key-0%d"},"eventID":"00000000-0000-4000-8000-00000000000%d","eventType":"AwsApiCall","recipientAccountId":"111122223333"}`,
			key, i, ip, i, i, i, i)
	}
	var bulk bytes.Buffer
	for i, enrich := range []func(map[string]any){
		func(d map[string]any) {
			d["source"].(map[string]any)["as"] = map[string]any{"number": 64501, "organization": map[string]any{"name": "Vectrolink Broadband LLC"}}
		},
		func(d map[string]any) { d["source.as.number"], d["source.as.organization.name"] = 14618, "AMAZON-AES" },
		func(map[string]any) {},
	} {
		ip := []string{"198.51.100.23", "52.23.181.44", "192.0.2.10"}[i]
		doc, err := integrationDoc(record(i+1, ip))
		if err != nil {
			t.Fatal(err)
		}
		enrich(doc)
		line, _ := json.Marshal(doc)
		bulk.Write(append(line, '\n'))
	}
	s := estest.New(t)
	if n, err := s.LoadNDJSON("logs-aws.cloudtrail-default", &bulk); err != nil || n != 3 {
		t.Fatalf("indexed %d: %v", n, err)
	}
	src := connect(t, s).TrailSource()
	src.Networks = investigate.NewObservedNetworks("elastic-event test", investigate.NetFromElasticEvent, 0)
	rep, evs, err := sourcetest.Events(context.Background(), src, investigate.EventQuery{AccessKeys: []investigate.AccessKeyID{investigate.MustParseAccessKeyID(key)}})
	if err != nil || len(evs) != 3 {
		t.Fatalf("%d events, %v (%+v)", len(evs), err, rep)
	}
	if src.Networks.Len() != 2 {
		t.Fatalf("%d addresses kept, want 2", src.Networks.Len())
	}
	for ip, want := range map[string]investigate.NetworkFact{
		"198.51.100.23": {ASN: 64501, ASOrg: "Vectrolink Broadband LLC", Source: investigate.NetFromElasticEvent},
		"52.23.181.44":  {ASN: 14618, ASOrg: "AMAZON-AES", Source: investigate.NetFromElasticEvent},
	} {
		if f, ok, err := src.Networks.LookupNetwork(netip.MustParseAddr(ip)); !ok || err != nil || f != want {
			t.Errorf("%s: %+v %v %v", ip, f, ok, err)
		}
	}
	// In a case, the key pair's network comes from the enrichment.
	var ptrs []*investigate.Event
	for i := range evs {
		ptrs = append(ptrs, &evs[i])
	}
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(key), Events: ptrs,
		Networks: investigate.NetworkOptions{Sources: []investigate.NetworkSource{src.Networks}}})
	for _, kp := range c.FollowUps.KeyPairs {
		want := map[string]string{"198.51.100.23": investigate.NetNonCloud, "52.23.181.44": investigate.NetCloud, "192.0.2.10": investigate.NetUnknown}[kp.SourceIP]
		if kp.Network.Class != want {
			t.Errorf("key pair from %s: %+v", kp.SourceIP, kp.Network)
		}
	}
}
