package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/keypivot/keypivot/investigate"
)

// hit is one search hit; its _source is decoded by the caller.
type hit struct {
	Index  string            `json:"_index"`
	ID     string            `json:"_id"`
	Source json.RawMessage   `json:"_source"`
	Sort   []json.RawMessage `json:"sort"`
}

// scanStats says how far a scan got.
type scanStats struct {
	Pages int
	Hits  int64
	// Total is the number of matching documents the first page announced (-1 unknown).
	Total int64
}

// ErrNoIndex is returned when the index to scan does not exist.
var ErrNoIndex = errors.New("no such index")

// isNoIndex reports whether err is Elasticsearch's index_not_found_exception.
func isNoIndex(err error) bool {
	var ee *Error
	return errors.As(err, &ee) && ee.Status == http.StatusNotFound && ee.HasCause("index_not_found_exception")
}

// scan reads every document matching body (a _search body without size, sort or pit)
// in index, oldest first, one page at a time: it opens a point in time, pages with
// search_after, and passes each page to fn before asking for the next, so that at most
// one page is held. The point in time is closed however the scan ends. what names the
// documents in errors ("alerts").
//
// search_after is not bounded by index.max_result_window (only from+size is), so a scan
// reads any number of documents; a page size over the window is lowered to it.
//
// A point in time that expires mid-scan (more than pitKeepAlive between two pages, or
// a restarted node) ends the scan with an error that says how far it got: it is not
// re-opened, because the _shard_doc tiebreaker in the last sort values only means
// something to the point in time that produced it, so resuming from them in a new one
// could skip or repeat documents sharing a timestamp (alerts of one rule run do).
func (c *Client) scan(ctx context.Context, index, what string, body map[string]any, fn func([]hit) error) (scanStats, error) {
	st := scanStats{Total: -1}
	pit, err := c.openPIT(ctx, index)
	if err != nil {
		return st, err
	}
	defer func() {
		// Close even when ctx is cancelled: an open point in time holds segments.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		c.closePIT(cctx, pit)
	}()
	size := c.cfg.pageSize()
	req := make(map[string]any, len(body)+5)
	for k, v := range body {
		req[k] = v
	}
	req["sort"] = []any{
		map[string]any{"@timestamp": map[string]any{"order": "asc", "unmapped_type": "date"}},
		map[string]any{"_shard_doc": "asc"},
	}
	req["track_total_hits"] = true
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		req["size"] = size
		req["pit"] = map[string]any{"id": pit, "keep_alive": pitKeepAlive}
		var page struct {
			PITID string `json:"pit_id"`
			Hits  struct {
				Total *struct {
					Value int64 `json:"value"`
				} `json:"total"`
				Hits []hit `json:"hits"`
			} `json:"hits"`
			TimedOut bool `json:"timed_out"`
			Shards   struct {
				Failed   int `json:"failed"`
				Failures []struct {
					Reason struct {
						Type   string `json:"type"`
						Reason string `json:"reason"`
					} `json:"reason"`
				} `json:"failures"`
			} `json:"_shards"`
		}
		if err := c.searchPage(ctx, index, req, &page); err != nil {
			var ee *Error
			if !errors.As(err, &ee) {
				return st, err
			}
			if n := resultWindow(ee); n > 0 && n < size {
				size = n
				continue
			}
			if ee.HasCause("search_context_missing_exception") {
				ee.Hint = pitExpiredHint(st, what)
			}
			return st, err
		}
		if page.Shards.Failed > 0 {
			msg := investigate.Plural(page.Shards.Failed, "shard") + " failed"
			if len(page.Shards.Failures) > 0 {
				msg += ": " + page.Shards.Failures[0].Reason.Type + " " + page.Shards.Failures[0].Reason.Reason
			}
			return st, fmt.Errorf("search %s: %s (results would be incomplete)", index, msg)
		}
		if page.PITID != "" {
			pit = page.PITID
		}
		if st.Pages == 0 && page.Hits.Total != nil {
			st.Total = page.Hits.Total.Value
		}
		st.Pages++
		hits := page.Hits.Hits
		st.Hits += int64(len(hits))
		if len(hits) > 0 {
			if err := fn(hits); err != nil {
				return st, err
			}
		}
		if len(hits) < size {
			return st, nil
		}
		last := hits[len(hits)-1].Sort
		if len(last) == 0 {
			return st, fmt.Errorf("search %s: hits without sort values: cannot page", index)
		}
		req["search_after"] = last
		req["track_total_hits"] = false
	}
}

// pitExpiredHint says how far a scan got when its point in time expired, and what to do.
func pitExpiredHint(st scanStats, what string) string {
	read := fmt.Sprintf("%d %s", st.Hits, what)
	if st.Total >= 0 {
		read = fmt.Sprintf("%d of %d %s", st.Hits, st.Total, what)
	}
	return fmt.Sprintf("the point in time expired after %s had been read in %s: more than %s passed between two pages (a suspended machine, a slow reader) or a node restarted. The %s are incomplete: rerun, or narrow the window with --since/--until so that the scan is shorter",
		read, investigate.Plural(st.Pages, "page"), pitKeepAlive, what)
}

// resultWindowRe finds index.max_result_window in the "Result window is too large"
// reason Elasticsearch gives when from+size exceeds it.
var resultWindowRe = regexp.MustCompile(`Result window is too large, from \+ size must be less than or equal to: \[(\d+)\]`)

// resultWindow returns the index.max_result_window that e says a page exceeded, or 0.
func resultWindow(e *Error) int {
	reasons := []string{e.Reason}
	for _, c := range e.RootCause {
		reasons = append(reasons, c.Reason)
	}
	for _, r := range reasons {
		if m := resultWindowRe.FindStringSubmatch(r); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	return 0
}

func (c *Client) openPIT(ctx context.Context, index string) (string, error) {
	res, err := esapi.OpenPointInTimeRequest{Index: []string{index}, KeepAlive: pitKeepAlive}.Do(ctx, c.es)
	if err != nil {
		return "", c.connErr(err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return "", c.responseError("open point in time on "+index, res)
	}
	var v struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil || v.ID == "" {
		return "", fmt.Errorf("open point in time on %s: no id in the answer", index)
	}
	return v.ID, nil
}

func (c *Client) closePIT(ctx context.Context, id string) {
	body, _ := json.Marshal(map[string]string{"id": id})
	res, err := esapi.ClosePointInTimeRequest{Body: bytes.NewReader(body)}.Do(ctx, c.es)
	if err == nil {
		res.Body.Close()
	}
}

// searchPage runs one _search (with a point in time, so without an index in the path)
// and decodes the answer into out.
func (c *Client) searchPage(ctx context.Context, index string, req map[string]any, out any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	res, err := esapi.SearchRequest{Body: bytes.NewReader(body)}.Do(ctx, c.es)
	if err != nil {
		return c.connErr(err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return c.responseError("search "+index, res)
	}
	dec := json.NewDecoder(res.Body)
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("search %s: cannot read the answer: %v", index, err)
	}
	return nil
}

// count returns how many documents index holds (0 for a pattern matching no index).
func (c *Client) count(ctx context.Context, index string) (int64, error) {
	res, err := esapi.CountRequest{Index: []string{index}}.Do(ctx, c.es)
	if err != nil {
		return 0, c.connErr(err)
	}
	defer res.Body.Close()
	if res.IsError() {
		err := c.responseError("count "+index, res)
		if isNoIndex(err) {
			return 0, nil
		}
		return 0, err
	}
	var v struct {
		Count int64 `json:"count"`
	}
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		return 0, fmt.Errorf("count %s: %v", index, err)
	}
	return v.Count, nil
}
