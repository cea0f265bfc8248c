package elasticsearch_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	es8 "github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	es9 "github.com/elastic/go-elasticsearch/v9"

	estest "github.com/keypivot/keypivot/internal/testserver/elasticsearch"
)

const alertsIndex = ".alerts-security.alerts-default"

// v8Client and v9Typed are the official clients of both major versions, connected to s
// with its API key, retries off.
func v8Client(t *testing.T, s *estest.Server) *es8.Client {
	t.Helper()
	c, err := es8.NewClient(es8.Config{Addresses: []string{s.URL()}, APIKey: s.APIKey(), DisableRetry: true})
	return built(t, c, err)
}

func v9Typed(t *testing.T, s *estest.Server) *es9.TypedClient {
	t.Helper()
	c, err := es9.NewTypedClient(es9.Config{Addresses: []string{s.URL()}, APIKey: s.APIKey(), DisableRetry: true})
	return built(t, c, err)
}

// built returns a client the test built, failing the test if building it failed.
func built[C any](t *testing.T, c C, err error) C {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// decode reads an esapi response into a generic map and checks its status.
func decode(t *testing.T, res *esapi.Response, err error, wantStatus int) map[string]any {
	t.Helper()
	if err != nil {
		t.Fatalf("request failed: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != wantStatus {
		t.Fatalf("status %d, want %d: %s", res.StatusCode, wantStatus, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("bad JSON %q: %v", b, err)
	}
	return m
}

func body(v any) io.Reader {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return bytes.NewReader(b)
}

// path reads a value from a decoded JSON object by dotted path (numbers index arrays).
func path(v any, p string) any {
	for _, part := range strings.Split(p, ".") {
		switch t := v.(type) {
		case map[string]any:
			v = t[part]
		case []any:
			var i int
			if _, err := fmt.Sscan(part, &i); err != nil || i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}

func hitsOf(t *testing.T, m map[string]any) []map[string]any {
	t.Helper()
	raw, _ := path(m, "hits.hits").([]any)
	out := make([]map[string]any, len(raw))
	for i, h := range raw {
		out[i] = h.(map[string]any)
	}
	return out
}

var baseTime = time.Date(2024, 7, 31, 13, 0, 0, 0, time.UTC)

// loadAlerts indexes n alerts cloned from the real-layout samples: every third alert
// shares a timestamp with its neighbours (so paging needs the _shard_doc tiebreak), and
// the signing key cycles over keys AKIATEST0000000000xx.
func loadAlerts(t *testing.T, s *estest.Server, n int) {
	t.Helper()
	samples := estest.SampleAlerts()
	for i := 0; i < n; i++ {
		d := samples[i%len(samples)]
		id := fmt.Sprintf("alert-%05d", i)
		d["kibana.alert.uuid"] = id
		d["kibana.alert.workflow_status"] = "open"
		d["@timestamp"] = baseTime.Add(time.Duration(i/3) * time.Second).Format("2006-01-02T15:04:05.000Z")
		d["aws"].(map[string]any)["cloudtrail"].(map[string]any)["user_identity"].(map[string]any)["access_key_id"] = fmt.Sprintf("AKIATEST00000000%04d", i%50)
		if err := s.Index(alertsIndex, id, d); err != nil {
			t.Fatal(err)
		}
	}
}

func errorType(m map[string]any) string {
	s, _ := path(m, "error.type").(string)
	return s
}

func rootCause(m map[string]any) string {
	s, _ := path(m, "error.root_cause.0.type").(string)
	return s
}

func rawDo(t *testing.T, s *estest.Server, method, p string, hdr http.Header, b io.Reader) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+p, b)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	data, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(data, &m)
	return res, m
}
