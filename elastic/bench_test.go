package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	estest "github.com/keypivot/keypivot/internal/testserver/elasticsearch"
	"github.com/keypivot/keypivot/investigate"
)

// benchKeys is the number of distinct keys in the generated alerts, whatever their count:
// the correlation's memory must follow it, not the number of alerts.
const benchKeys = 1000

// syntheticAlerts writes n alert documents in Kibana's layout over benchKeys keys: each
// key has a first-seen alert from its own address, the rest are elevated siblings of
// twelve rules, some closed or low.
func syntheticAlerts(n int) *bytes.Buffer {
	var buf bytes.Buffer
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	enc := json.NewEncoder(&buf)
	for i := range n {
		k := i % benchKeys
		key := fmt.Sprintf("AKIABENCH%011d", k)
		ip := fmt.Sprintf("10.%d.%d.%d", k/65536, (k/256)%256, k%256)
		ruleID, ruleName, ruleType := investigate.FirstSeenRuleID, "AWS IAM Long-Term Access Key First Seen from Source IP", "new_terms"
		sev, risk, status := "medium", 47, "open"
		if i >= benchKeys {
			r := i % 12
			ruleID, ruleName, ruleType = fmt.Sprintf("bench-rule-%02d", r), fmt.Sprintf("Bench Rule %02d", r), "query"
			sev, risk = "high", 73
			switch i % 10 {
			case 0:
				status = "closed"
			case 1:
				sev, risk = "low", 21
			}
		}
		doc := map[string]any{
			"@timestamp":                   base.Add(time.Duration(i) * time.Second).Format(time.RFC3339),
			"kibana.alert.uuid":            fmt.Sprintf("%064x", i),
			"kibana.alert.rule.name":       ruleName,
			"kibana.alert.rule.rule_id":    ruleID,
			"kibana.alert.rule.uuid":       "uuid-" + ruleID,
			"kibana.alert.rule.type":       ruleType,
			"kibana.alert.rule.tags":       []string{"Domain: Cloud", "Data Source: AWS"},
			"kibana.alert.severity":        sev,
			"kibana.alert.risk_score":      risk,
			"kibana.alert.workflow_status": status,
			"kibana.alert.reason":          "event with source " + ip + " created " + sev + " alert " + ruleName + ".",
			"kibana.alert.ancestors":       []any{map[string]any{"id": fmt.Sprintf("evt-%d", i), "type": "event", "index": ".ds-logs-aws.cloudtrail-default-2026.03.01-000001", "depth": 0}},
			"event.kind":                   "signal",
			"event":                        map[string]any{"action": "CreateAccessKey", "provider": "iam.amazonaws.com", "outcome": "success", "dataset": "aws.cloudtrail"},
			"source":                       map[string]any{"ip": ip, "address": ip, "as": map[string]any{"organization": map[string]any{"name": "Bench ISP"}}},
			"user_agent":                   map[string]any{"original": "aws-cli/2.15.0 Python/3.11.6"},
			"user":                         map[string]any{"name": fmt.Sprintf("user-%d", k)},
			"cloud":                        map[string]any{"provider": "aws", "region": "us-east-1", "account": map[string]any{"id": "111122223333"}},
			"aws": map[string]any{"cloudtrail": map[string]any{
				"user_identity":      map[string]any{"type": "IAMUser", "arn": fmt.Sprintf("arn:aws:iam::111122223333:user/user-%d", k), "access_key_id": key},
				"request_parameters": "{userName=someone}",
				"flattened":          map[string]any{"request_parameters": map[string]any{"userName": "someone"}},
			}},
		}
		if ruleID == investigate.FirstSeenRuleID {
			doc["kibana.alert.new_terms"] = []string{key, ip}
		}
		_ = enc.Encode(doc)
	}
	return &buf
}

// BenchmarkCorrelateFromElasticsearch ranks keys over 10,000 and 100,000 alerts read
// from the Elasticsearch test server, with the same 1,000 keys. retained-B is the heap
// the correlation holds once the alerts are read (live heap after a GC, minus the live
// heap before the read); it must not grow tenfold with the alerts. The ratio to the
// 10,000-alert baseline is what to read (alloc-B/alert and alerts/s include the
// in-process test server's own work):
//
//	go test ./elastic -run '^$' -bench CorrelateFromElasticsearch -benchtime 3x
func BenchmarkCorrelateFromElasticsearch(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("alerts=%d", n), func(b *testing.B) {
			s := estest.New(b)
			if got, err := s.LoadNDJSON(estest.AlertsIndex("default"), syntheticAlerts(n)); err != nil || got != n {
				b.Fatalf("indexed %d of %d: %v", got, n, err)
			}
			c, err := Connect(context.Background(), Config{URL: s.URL(), APIKey: s.APIKey(), PageSize: benchPageSize})
			if err != nil {
				b.Fatal(err)
			}
			src := c.AlertSource()
			// A first read warms the server's caches (its sorted view of the index), which
			// would otherwise count as retained by the first measured read.
			if _, err := src.Alerts(context.Background(), investigate.AlertQuery{}, func([]investigate.Alert) {}); err != nil {
				b.Fatal(err)
			}
			var retained, total uint64
			b.ResetTimer()
			for range b.N {
				s.ResetCounters()
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				cor := investigate.NewCorrelator(investigate.DefaultCorrelationOptions())
				rep, err := src.Alerts(context.Background(), investigate.AlertQuery{}, cor.Add)
				if err != nil || rep.Records != int64(n) {
					b.Fatalf("read %d alerts: %v", rep.Records, err)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				if after.HeapAlloc > before.HeapAlloc {
					retained += after.HeapAlloc - before.HeapAlloc
				}
				total += after.TotalAlloc - before.TotalAlloc
				res := cor.Result(true)
				if res.Stats.Keys != benchKeys || len(res.Keys) != benchKeys {
					b.Fatalf("%d keys correlated of %d", len(res.Keys), res.Stats.Keys)
				}
				runtime.KeepAlive(cor)
			}
			b.StopTimer()
			b.ReportMetric(float64(retained)/float64(b.N), "retained-B")
			b.ReportMetric(float64(retained)/float64(b.N)/benchKeys, "retained-B/key")
			b.ReportMetric(float64(total)/float64(b.N)/float64(n), "alloc-B/alert")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
		})
	}
}

// benchSizes are the alert counts benchmarked.
var benchSizes = []int{10_000, 100_000}

// benchPageSize is the page size of the benchmark. The test server sorts the whole
// point in time for every page (a real cluster does not), so pages of 1,000 over
// 100,000 alerts spend minutes in the server; larger pages keep the run short and
// change nothing in what the client retains between pages.
const benchPageSize = 5000
