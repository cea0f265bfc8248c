package alertdoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/keypivot/keypivot/files"
	"github.com/keypivot/keypivot/investigate"
)

// What a record is: its shape tells an Elastic alert or hit, an ES|QL row, a GuardDuty
// or Security Hub finding, an EventBridge event, a wrapper of more records, or no alert
// at all; each is mapped, counted and matched against the query.

// value dispatches one decoded value: an object by its shape, the elements of an array.
func (p *parser) value(v any, where, id, index string, depth int) {
	switch x := v.(type) {
	case map[string]any:
		p.object(x, where, id, index, depth)
	case []any:
		if depth >= maxNesting {
			p.problem(where, "arrays nested too deep: not read")
			return
		}
		for i, e := range x {
			p.value(e, files.RecordWhere(where, i+1), "", "", depth+1)
			if p.stopped {
				return
			}
		}
	default:
		p.nonAlert(where, fmt.Errorf("a JSON %s, not an alert document", jsonKind(v)), false)
	}
}

// shape is what an object's keys say it is.
type shape struct {
	source, fields            map[string]any // hit
	hits                      []any          // _search response
	columns, values           []any          // ES|QL response
	findings                  []any          // {"Findings":[...]}
	records                   bool           // CloudTrail {"Records":[...]}
	detail                    map[string]any // EventBridge envelope
	detailType, eventSource   string
	kibana                    bool
	eventName, eventSourceKey bool
}

func classify(m map[string]any) shape {
	var s shape
	for k, v := range m {
		switch {
		case strings.HasPrefix(k, "kibana.") || k == "kibana":
			s.kibana = true
		case k == "_source":
			s.source, _ = v.(map[string]any)
		case k == "fields":
			s.fields, _ = v.(map[string]any)
		case k == "hits":
			if h, ok := v.(map[string]any); ok {
				s.hits, _ = h["hits"].([]any)
			}
		case k == "columns":
			s.columns, _ = v.([]any)
		case k == "values":
			s.values, _ = v.([]any)
		case k == "Records":
			_, s.records = v.([]any)
		case k == "detail":
			s.detail, _ = v.(map[string]any)
		case k == "detail-type":
			s.detailType, _ = v.(string)
		case k == "source":
			s.eventSource, _ = v.(string)
		case k == "eventName":
			s.eventName = true
		case k == "eventSource":
			s.eventSourceKey = true
		case len(k) == len("findings") && strings.EqualFold(k, "findings"):
			s.findings, _ = v.([]any)
		}
	}
	return s
}

// object maps one JSON object, or the records it wraps.
func (p *parser) object(m map[string]any, where, id, index string, depth int) {
	if depth > maxNesting {
		p.problem(where, "documents nested too deep: not read")
		return
	}
	s := classify(m)
	switch {
	case s.source != nil || (s.fields != nil && !s.kibana && (m["_id"] != nil || m["_index"] != nil)):
		a, bad, err := MapElastic(m, id, index)
		p.mapped(a, elasticSource(m), bad, err, where, kindElasticHit)
	case s.hits != nil:
		for i, h := range s.hits {
			if p.stopped || p.cancelled() {
				return
			}
			p.value(h, files.RecordWhere(where, i+1), "", "", depth+1)
		}
	case s.columns != nil && s.values != nil:
		cols := esqlColumns(s.columns)
		for i, row := range s.values {
			if p.stopped || p.cancelled() {
				return
			}
			rw := files.RecordWhere(where, i+1)
			r, ok := row.([]any)
			if !ok {
				p.problem(rw, "ES|QL row is not an array")
				continue
			}
			p.esqlRow(cols, r, rw)
		}
	case s.findings != nil:
		for i, f := range s.findings {
			if p.stopped || p.cancelled() {
				return
			}
			p.value(f, files.RecordWhere(where, i+1), "", "", depth+1)
		}
	case s.records:
		if !p.sniffPast() {
			return
		}
		p.trailLog = true
		p.problem(where, "a CloudTrail log ({\"Records\":[...]}), not alerts: read it as a trail source")
	case s.detail != nil && s.detailType != "":
		p.eventBridge(m, s, where, depth)
	case s.kibana || exactDoc(m).has(fRuleName) || exactDoc(m).has(fRuleID):
		a, bad, err := MapElastic(m, id, index)
		p.mapped(a, m, bad, err, where, kindElasticDoc)
	case isASFFFinding(m):
		a, bad, err := MapASFF(m)
		p.mapped(a, m, bad, err, where, kindASFF)
	case isGuardDutyFinding(m):
		a, bad, err := MapGuardDuty(m)
		p.mapped(a, m, bad, err, where, kindGuardDuty)
	case s.eventName && s.eventSourceKey, isCloudTrailRecord(m):
		p.nonAlert(where, errors.New("a CloudTrail event, not an alert"), true)
	default:
		a, bad, err := MapElastic(m, id, index) // legacy signals, or an error naming the fields
		p.mapped(a, m, bad, err, where, kindElasticDoc)
	}
}

// eventBridge reads an EventBridge event carrying a GuardDuty finding or Security Hub
// findings.
func (p *parser) eventBridge(m map[string]any, s shape, where string, depth int) {
	switch {
	case strings.EqualFold(s.eventSource, "aws.guardduty"):
		a, bad, err := MapGuardDuty(m)
		p.mapped(a, m, bad, err, where, kindGuardDuty)
	case strings.EqualFold(s.eventSource, "aws.securityhub"):
		fs, _ := Doc(s.detail).Get("findings")
		arr, ok := fs.([]any)
		if !ok {
			p.nonAlert(where, fmt.Errorf("a Security Hub event (%q) without findings", s.detailType), false)
			return
		}
		for i, f := range arr {
			fm, ok := f.(map[string]any)
			fw := files.RecordWhere(where, i+1)
			if !ok {
				p.nonAlert(fw, fmt.Errorf("a JSON %s, not a finding", jsonKind(f)), false)
				continue
			}
			a, bad, err := MapASFF(fm)
			p.mapped(a, fm, bad, err, fw, kindASFF)
		}
	default:
		p.nonAlert(where, fmt.Errorf("an EventBridge event of %q (%q), not a GuardDuty or Security Hub finding", s.eventSource, s.detailType), false)
	}
}

func (p *parser) esqlRow(cols []Column, row []any, where string) {
	a, bad, err := MapESQL(cols, row)
	var doc map[string]any
	if p.q.KeepsRaw() && err == nil {
		doc = make(map[string]any, len(cols))
		for i, c := range cols {
			if i < len(row) {
				doc[c.Name] = row[i]
			}
		}
	}
	p.mapped(a, doc, bad, err, where, kindESQLRow)
}

// mapped counts one mapped record: an alert (with the fields it could not read), or the
// error that made it none. doc is the alert's document (an ES|QL row as its columns),
// kept as the alert's Raw when the query is a case's (AlertQuery.KeepsRaw).
func (p *parser) mapped(a investigate.Alert, doc map[string]any, bad []FieldProblem, err error, where, kind string) {
	if !p.sniffPast() {
		return
	}
	if err != nil {
		var na *NotAlertError
		if errors.As(err, &na) {
			p.nonAlert(where, err, na.Looks == "a CloudTrail record")
			return
		}
		p.problem(where, "%v", err)
		return
	}
	for _, fp := range bad {
		p.fieldProblem(where, fp)
	}
	p.rep.Records++
	if p.sniff != nil && p.sniff.verdict == undecided {
		p.sniff.decide(p, alertExport) // an alert in the file's start
	}
	p.rep.Span.Widen(a.Time)
	p.sum.kinds[kind]++
	if !p.q.Window.Contains(a.Time) {
		return
	}
	p.q.KeySequence(&a) // a sequence is filed under the asked-for key it involves
	if p.keys != nil && !a.HigherOrder {
		if _, ok := p.keys[a.AccessKeyID]; !ok {
			return
		}
	}
	a.Origin = where
	if p.q.KeepsRaw() {
		a.Raw, a.RawSize = rawDocument(doc)
	}
	p.rep.Matched++
	p.batch = append(p.batch, a)
	if len(p.batch) >= batchSize {
		p.flush()
	}
}

// nonAlert counts a record that is valid JSON but no alert. A file of CloudTrail events
// is recognised after cloudTrailStopAfter of them and not read further.
func (p *parser) nonAlert(where string, err error, cloudTrail bool) {
	if !p.sniffPast() {
		return
	}
	p.nonAlerts++
	if cloudTrail {
		p.cloudTrail++
	}
	if len(p.nonAlertProbs) < MaxProblemsPerFile {
		p.nonAlertProbs = append(p.nonAlertProbs, investigate.Problem{Where: where, Message: err.Error()})
	}
	if p.rep.Records == 0 && p.cloudTrail >= cloudTrailStopAfter && p.cloudTrail == p.nonAlerts {
		p.stopped = true
	}
}

// elasticSource is the _source of an Elastic hit (its fields when read with the fields
// API), or the hit itself when it has neither.
func elasticSource(hit map[string]any) map[string]any {
	if src, ok := hit["_source"].(map[string]any); ok {
		return src
	}
	if f, ok := hit["fields"].(map[string]any); ok {
		return f
	}
	return hit
}

// rawDocument encodes an alert's document back to JSON for Alert.Raw: the values as
// read, the members in name order (a file's document is decoded before it is mapped, and
// a streamed export never holds its bytes whole), bounded by investigate.KeepRaw. A
// document that does not encode gives none.
func rawDocument(doc map[string]any) (json.RawMessage, int) {
	if doc == nil {
		return nil, 0
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(doc) != nil {
		return nil, 0
	}
	return investigate.KeepRaw(b.Bytes())
}
