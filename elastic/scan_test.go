package elastic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	estest "github.com/keypivot/keypivot/internal/testserver/elasticsearch"
	"github.com/keypivot/keypivot/investigate"
)

// searchSizes returns the size of every _search the server received, in order.
func searchSizes(t *testing.T, s *estest.Server) []int {
	t.Helper()
	var sizes []int
	for _, r := range s.RequestLog() {
		if r.Endpoint != estest.EndpointSearch {
			continue
		}
		var body struct {
			Size int `json:"size"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, body.Size)
	}
	return sizes
}

func TestPointInTimeExpiringMidScanSaysHowFarItGot(t *testing.T) {
	s := sampleServer(t)
	c := connect(t, s, func(c *Config) { c.PageSize = 2 })
	s.ResetCounters()
	var got []investigate.Alert
	rep, err := c.AlertSource().Alerts(context.Background(), investigate.AlertQuery{}, func(b []investigate.Alert) {
		got = append(got, b...)
		// The analyst's laptop sleeps past the keep-alive between two pages.
		s.ExpirePITs()
	})
	var ee *Error
	if !errors.As(err, &ee) {
		t.Fatalf("err = %v, want an *Error", err)
	}
	// Elasticsearch wraps the missing context: the type alone does not say what happened.
	if ee.Status != http.StatusNotFound || ee.Type != "search_phase_execution_exception" || !ee.HasCause("search_context_missing_exception") {
		t.Errorf("error %+v", ee)
	}
	msg := err.Error()
	for _, want := range []string{
		"search_context_missing_exception", // the root cause is named
		"point in time expired after 2 of 6 alerts had been read in 1 page",
		"alerts are incomplete",
		"--since/--until",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	if len(got) != 2 || rep.Records != 2 || rep.Matched != 2 || !rep.Truncated {
		t.Errorf("%d alerts delivered, report %+v: want the first page, marked truncated", len(got), rep)
	}
	// No silent re-open: one point in time, the page that failed, and a close attempt.
	if s.Requests(estest.EndpointOpenPIT) != 1 || s.Requests(estest.EndpointSearch) != 2 || s.Requests(estest.EndpointClosePIT) != 1 {
		t.Errorf("requests: open %d, search %d, close %d", s.Requests(estest.EndpointOpenPIT), s.Requests(estest.EndpointSearch), s.Requests(estest.EndpointClosePIT))
	}
}

func TestPointInTimeExpiringMidTrailScanMarksTheEventsIncomplete(t *testing.T) {
	s := estest.New(t)
	recs := corpusRecords(t)["aws.persistence.iam-create-admin-user.json"]
	if len(recs) < 2 {
		t.Fatalf("corpus file has %d records", len(recs))
	}
	var key string
	for i, r := range recs {
		doc, err := integrationDoc(r)
		if err != nil {
			t.Fatal(err)
		}
		key = doc["aws"].(map[string]any)["cloudtrail"].(map[string]any)["user_identity"].(map[string]any)["access_key_id"].(string)
		if err := s.Index("logs-aws.cloudtrail-default", "ev"+string(rune('a'+i)), doc); err != nil {
			t.Fatal(err)
		}
	}
	c := connect(t, s, func(c *Config) { c.PageSize = 1 })
	pages := 0
	rep, err := c.TrailSource().Events(context.Background(), investigate.EventQuery{AccessKeys: investigate.KeyIDs(key)}, func([]investigate.Event) {
		pages++
		s.ExpirePITs()
	})
	var ee *Error
	if !errors.As(err, &ee) || !ee.HasCause("search_context_missing_exception") ||
		!strings.Contains(err.Error(), fmt.Sprintf("after 1 of %d CloudTrail documents had been read", len(recs))) {
		t.Fatalf("err = %v", err)
	}
	if pages != 1 || !rep.Truncated || rep.Matched != 1 {
		t.Errorf("%d pages, report %+v", pages, rep)
	}
}

func TestScanPagesPastMaxResultWindow(t *testing.T) {
	// search_after is bounded by the page size, not by index.max_result_window.
	s := sampleServer(t, estest.WithMaxResultWindow(5))
	c := connect(t, s, func(c *Config) { c.PageSize = 2 })
	s.ResetCounters()
	alerts, rep := collect(t, c.AlertSource(), investigate.AlertQuery{})
	seen := map[string]bool{}
	for _, a := range alerts {
		seen[a.ID] = true
	}
	if len(alerts) != 6 || len(seen) != 6 || rep.Truncated {
		t.Fatalf("%d alerts (%d distinct), report %+v: want all 6 past a window of 5", len(alerts), len(seen), rep)
	}
	if sizes := searchSizes(t, s); len(sizes) != 4 {
		t.Errorf("search sizes %v, want 4 pages of 2", sizes)
	}
}

func TestPageLargerThanTheResultWindowIsLoweredToIt(t *testing.T) {
	s := sampleServer(t, estest.WithMaxResultWindow(5))
	c := connect(t, s, func(c *Config) { c.PageSize = 10 })
	s.ResetCounters()
	alerts, _ := collect(t, c.AlertSource(), investigate.AlertQuery{})
	if len(alerts) != 6 {
		t.Fatalf("%d alerts, want 6", len(alerts))
	}
	// The server refuses the first page (10 > 5); the scan goes on in pages of 5.
	if sizes := searchSizes(t, s); len(sizes) != 3 || sizes[0] != 10 || sizes[1] != 5 || sizes[2] != 5 {
		t.Errorf("search sizes %v, want [10 5 5]", sizes)
	}
}

func TestWrappedSearchErrorNamesItsRootCause(t *testing.T) {
	s := sampleServer(t)
	c := connect(t, s)
	// A sort on a field no index maps: Elasticsearch's search_phase_execution_exception
	// whose root cause is the query_shard_exception that says what is wrong.
	err := c.searchPage(context.Background(), "x", map[string]any{
		"pit":  map[string]any{"id": mustOpenPIT(t, c)},
		"sort": []any{map[string]any{"no.such.field": "asc"}},
	}, &struct{}{})
	var ee *Error
	if !errors.As(err, &ee) || ee.Status != http.StatusBadRequest || !ee.HasCause("query_shard_exception") ||
		!strings.Contains(err.Error(), "No mapping found for [no.such.field]") {
		t.Fatalf("err = %v", err)
	}
}

func mustOpenPIT(t *testing.T, c *Client) string {
	t.Helper()
	id, err := c.openPIT(context.Background(), c.cfg.AlertsIndexName())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.closePIT(context.Background(), id) })
	return id
}
