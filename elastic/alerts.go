package elastic

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/keypivot/keypivot/files/alertdoc"
	"github.com/keypivot/keypivot/investigate"
)

// accessKeyField is where Elastic Security alerts copy the signing key from the source
// event. The alerts index is mapped dynamic:false, so the field is in _source but not
// indexed (facts §1-2): queries read it through a script-less runtime field.
const accessKeyField = "aws.cloudtrail.user_identity.access_key_id"

// rankingSourceFields are the _source fields a ranking's search fetches: those
// alertdoc.FromElastic reads to correlate (a test checks that mapping a filtered
// document gives the same alert as mapping the whole one), without the rule's
// description and ATT&CK mapping, which only an alert's detail shows. A ranking reads
// every alert of the window and keeps none: its pages stay small (alert documents also
// carry the whole source event, ancestors and rule parameters). A case's search reads
// few alerts and fetches them whole, for their detail and their document (Alert.Raw).
var rankingSourceFields = slices.DeleteFunc(alertdoc.ElasticSourceFields(), func(f string) bool {
	return slices.Contains(alertdoc.ElasticDetailFields(), f)
})

// AlertSource reads Elastic Security alerts from .alerts-security.alerts-<space>. It
// implements investigate.AlertSource.
type AlertSource struct {
	c     *Client
	index string
}

// AlertSource returns the source of the configured alerts index.
func (c *Client) AlertSource() *AlertSource {
	return &AlertSource{c: c, index: c.cfg.AlertsIndexName()}
}

// Name names the source in reports.
func (s *AlertSource) Name() string { return "elastic:" + s.index }

// Alerts implements investigate.AlertSource: it pages through the alerts of the window
// with a point in time and search_after, oldest first, and passes each page to sink
// mapped by alertdoc.FromElastic, holding one page at a time. With q.AccessKeys it asks
// only for the alerts of those keys (through a runtime field over _source), their
// first-seen alerts (kibana.alert.new_terms, indexed) and every higher-order alert.
func (s *AlertSource) Alerts(ctx context.Context, q investigate.AlertQuery, sink func([]investigate.Alert)) (investigate.SourceReport, error) {
	start := time.Now()
	rep := investigate.SourceReport{Source: s.Name(), Kind: "elasticsearch", Span: q.Window}
	rep.Notes = append(rep.Notes, s.c.describe())
	body := s.query(q)
	var batch []investigate.Alert
	var bad investigate.ProblemLog
	st, err := s.c.scan(ctx, s.index, "alerts", body, func(hits []hit) error {
		batch = batch[:0]
		for i := range hits {
			h := &hits[i]
			rep.Records++
			var doc map[string]any
			if err := json.Unmarshal(h.Source, &doc); err != nil {
				bad.Add(h.Index+"/"+h.ID, "unreadable _source: "+err.Error())
				continue
			}
			a, probs, err := alertdoc.MapElastic(doc, h.ID, h.Index)
			for _, p := range probs {
				bad.Add(h.Index+"/"+h.ID, p.String()+": ignored, the alert is kept without it")
			}
			if err != nil {
				bad.Add(h.Index+"/"+h.ID, err.Error())
				continue
			}
			a.Origin = s.c.URL + "/" + h.Index + "/_doc/" + h.ID
			if q.KeepsRaw() {
				a.Raw, a.RawSize = investigate.KeepRaw(h.Source)
			}
			batch = append(batch, a)
		}
		if len(batch) > 0 {
			rep.Matched += int64(len(batch))
			sink(batch)
			// sink may keep the slice: never reuse its backing array.
			batch = nil
		}
		return nil
	})
	bad.Report(&rep, s.index, "document", "alerts")
	rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %s read in %s", s.index, investigate.Plural(int(st.Hits), "alert"), investigate.Plural(st.Pages, "page")))
	rep.Elapsed = time.Since(start)
	if err != nil {
		rep.Truncated = st.Hits > 0
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		return rep, s.explain(err)
	}
	return rep, nil
}

func (s *AlertSource) explain(err error) error {
	if isNoIndex(err) {
		return fmt.Errorf("%w %s at %s: is the Kibana space right (--kibana-space %s)?", ErrNoIndex, s.index, s.c.URL, s.c.cfg.space())
	}
	return err
}

// query builds the _search body of q.
func (s *AlertSource) query(q investigate.AlertQuery) map[string]any {
	filter := windowFilter(q.Window)
	body := map[string]any{"_source": map[string]any{"includes": rankingSourceFields}}
	if q.KeepsRaw() {
		body["_source"] = true
		should := []any{
			map[string]any{"terms": map[string]any{accessKeyField: q.AccessKeys}},
			map[string]any{"terms": map[string]any{"kibana.alert.new_terms": q.AccessKeys}},
			map[string]any{"term": map[string]any{"kibana.alert.rule.tags": investigate.HigherOrderRuleTag}},
		}
		ho := s.c.cfg.HigherOrderRuleIDs
		if len(ho) == 0 {
			ho = []string{investigate.CorrelatedKeyRuleID}
		}
		should = append(should, map[string]any{"terms": map[string]any{"kibana.alert.rule.rule_id": ho}})
		filter = append(filter, map[string]any{"bool": map[string]any{"should": should, "minimum_should_match": 1}})
		body["runtime_mappings"] = map[string]any{accessKeyField: map[string]any{"type": "keyword"}}
	}
	if len(filter) == 0 {
		body["query"] = map[string]any{"match_all": map[string]any{}}
	} else {
		body["query"] = map[string]any{"bool": map[string]any{"filter": filter}}
	}
	return body
}

// windowFilter is the @timestamp range of w (none for an open window).
func windowFilter(w investigate.Window) []any {
	if w.IsZero() {
		return nil
	}
	r := map[string]any{"format": "strict_date_optional_time"}
	if !w.Since.IsZero() {
		r["gte"] = w.Since.UTC().Format(time.RFC3339Nano)
	}
	if !w.Until.IsZero() {
		r["lt"] = w.Until.UTC().Format(time.RFC3339Nano)
	}
	return []any{map[string]any{"range": map[string]any{"@timestamp": r}}}
}

// describe says which server the source reads.
func (c *Client) describe() string {
	v := c.Version
	if v == "" {
		v = "(version unknown)"
	}
	return "Elasticsearch " + v + " at " + c.URL
}
