// Package athena reads CloudTrail events through Amazon Athena (`--trail
// athena://DATABASE.TABLE`), for organisation-wide trails too large to scan from one
// machine. For each round of a pivot it writes the SQL for the keys and key pairs asked
// for, bounded by the window and, when the table is partitioned by date (partition
// projection or year/month/day), by the partitions the window can touch; it runs the
// query, polls it to completion with backoff, pages through the results and rebuilds
// each row into a CloudTrail record that investigate.DecodeRecord reads. The SQL and the
// bytes scanned go into the source's report.
//
// Like every aws/ package it imports investigate (the interfaces it implements, the
// types it fills) and the AWS SDK, never tui, cmd or internal. It parses rows with files/cloudtrail.
package athena

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/investigate"
)

// API is the part of the Athena client the source uses (*athena.Client implements it).
type API interface {
	GetTableMetadata(ctx context.Context, in *athena.GetTableMetadataInput, opts ...func(*athena.Options)) (*athena.GetTableMetadataOutput, error)
	StartQueryExecution(ctx context.Context, in *athena.StartQueryExecutionInput, opts ...func(*athena.Options)) (*athena.StartQueryExecutionOutput, error)
	GetQueryExecution(ctx context.Context, in *athena.GetQueryExecutionInput, opts ...func(*athena.Options)) (*athena.GetQueryExecutionOutput, error)
	GetQueryResults(ctx context.Context, in *athena.GetQueryResultsInput, opts ...func(*athena.Options)) (*athena.GetQueryResultsOutput, error)
	StopQueryExecution(ctx context.Context, in *athena.StopQueryExecutionInput, opts ...func(*athena.Options)) (*athena.StopQueryExecutionOutput, error)
}

// Source queries a CloudTrail table in Athena.
type Source struct {
	Client   API
	Catalog  string // default AwsDataCatalog
	Database string
	Table    string
	// Workgroup runs the query (default primary); OutputLocation, when set, overrides
	// the workgroup's result location (s3://bucket/prefix/).
	Workgroup      string
	OutputLocation string
	// PollInterval is the first wait between GetQueryExecution calls (default 500ms);
	// waits grow by half up to MaxPoll (default 5s).
	PollInterval, MaxPoll time.Duration
	// MaxRows bounds the rows read per query (default 1 000 000); beyond it the report
	// says the result was truncated.
	MaxRows int

	once  sync.Once
	table Table
	note  string
}

// ParseURL splits athena://DATABASE.TABLE.
func ParseURL(spec string) (db, table string, err error) {
	rest, ok := strings.CutPrefix(spec, "athena://")
	if !ok {
		return "", "", fmt.Errorf("%q is not an athena:// URL", spec)
	}
	db, table, ok = strings.Cut(rest, ".")
	if !ok || !ValidName(db) || !ValidName(table) {
		return "", "", fmt.Errorf("%q: want athena://DATABASE.TABLE (letters, digits, _ and -)", spec)
	}
	return db, table, nil
}

// Name names the source in reports.
func (s *Source) Name() string { return "athena://" + s.Database + "." + s.Table }

func (s *Source) catalog() string {
	if s.Catalog == "" {
		return "AwsDataCatalog"
	}
	return s.Catalog
}

// describe reads the table's partition keys, properties and columns once. A table whose
// metadata cannot be read is queried as AWS's standard CloudTrail table without date
// partitions, and the report says so.
func (s *Source) describe(ctx context.Context) {
	s.once.Do(func() {
		s.table = Table{Catalog: s.catalog(), Database: s.Database, Name: s.Table}
		out, err := s.Client.GetTableMetadata(ctx, &athena.GetTableMetadataInput{
			CatalogName: aws.String(s.catalog()), DatabaseName: aws.String(s.Database), TableName: aws.String(s.Table)})
		if err != nil {
			s.note = fmt.Sprintf("could not read the table's metadata (%v): querying it as AWS's CloudTrail table without partition predicates", err)
			return
		}
		tm := out.TableMetadata
		s.table.Params = tm.Parameters
		s.table.Columns = map[string]string{}
		for _, c := range tm.Columns {
			s.table.Columns[strings.ToLower(aws.ToString(c.Name))] = strings.ToLower(strings.ReplaceAll(aws.ToString(c.Type), " ", ""))
		}
		for _, c := range tm.PartitionKeys {
			s.table.PartitionKeys = append(s.table.PartitionKeys, strings.ToLower(aws.ToString(c.Name)))
			s.table.Columns[strings.ToLower(aws.ToString(c.Name))] = strings.ToLower(aws.ToString(c.Type))
		}
		s.note = "table layout: " + LayoutOf(s.table).Describe()
	})
}

// Events implements investigate.EventSource.
func (s *Source) Events(ctx context.Context, q investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	start := time.Now()
	rep := investigate.SourceReport{Source: s.Name(), Kind: "cloudtrail-athena"}
	defer func() { rep.Elapsed = time.Since(start) }()
	if q.Empty() {
		return rep, nil
	}
	s.describe(ctx)
	if s.note != "" {
		rep.Notes = append(rep.Notes, s.note)
	}
	sql, err := BuildSQL(s.table, q)
	if err != nil {
		return rep, err
	}
	rep.Query = sql
	// What the query searched: the window it asked for (open ends: the whole table).
	rep.Span = q.Window
	id, exec, err := s.run(ctx, sql)
	if exec != nil && exec.Statistics != nil {
		rep.BytesScanned = aws.ToInt64(exec.Statistics.DataScannedInBytes)
	}
	if err != nil {
		return rep, err
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("query %s: %s scanned (about $%.4f at $5 per TB)", id, mb(rep.BytesScanned), float64(rep.BytesScanned)/1e12*5))
	err = s.results(ctx, id, q, sink, &rep)
	return rep, err
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// run starts the query and polls it to completion with backoff; a cancelled context
// stops the query.
func (s *Source) run(ctx context.Context, sql string) (string, *types.QueryExecution, error) {
	in := &athena.StartQueryExecutionInput{
		QueryString:           aws.String(sql),
		QueryExecutionContext: &types.QueryExecutionContext{Catalog: aws.String(s.catalog()), Database: aws.String(s.Database)},
		WorkGroup:             aws.String(orDefault(s.Workgroup, "primary")),
	}
	if s.OutputLocation != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(s.OutputLocation)}
	}
	out, err := s.Client.StartQueryExecution(ctx, in)
	if err != nil {
		return "", nil, fmt.Errorf("start query: %w", err)
	}
	id := aws.ToString(out.QueryExecutionId)
	wait := s.PollInterval
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	maxWait := s.MaxPoll
	if maxWait <= 0 {
		maxWait = 5 * time.Second
	}
	for {
		ge, err := s.Client.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			if ctx.Err() != nil {
				s.stop(id)
				return id, nil, ctx.Err()
			}
			return id, nil, fmt.Errorf("query %s: %w", id, err)
		}
		qe := ge.QueryExecution
		if qe != nil && qe.Status != nil {
			switch qe.Status.State {
			case types.QueryExecutionStateSucceeded:
				return id, qe, nil
			case types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
				reason := aws.ToString(qe.Status.StateChangeReason)
				if qe.Status.AthenaError != nil && reason == "" {
					reason = aws.ToString(qe.Status.AthenaError.ErrorMessage)
				}
				return id, qe, fmt.Errorf("query %s %s: %s", id, strings.ToLower(string(qe.Status.State)), reason)
			}
		}
		select {
		case <-ctx.Done():
			s.stop(id)
			return id, qe, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*3/2, maxWait)
	}
}

func (s *Source) stop(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = s.Client.StopQueryExecution(ctx, &athena.StopQueryExecutionInput{QueryExecutionId: aws.String(id)})
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// results pages through the query's rows, rebuilds records and emits the events the
// query's matcher wants (the SQL finds key pair launches by a text match; the matcher
// checks them exactly).
func (s *Source) results(ctx context.Context, id string, q investigate.EventQuery, sink func([]investigate.Event), rep *investigate.SourceReport) error {
	m := cloudtrail.NewMatcher(q)
	maxRows := s.MaxRows
	if maxRows <= 0 {
		maxRows = 1_000_000
	}
	var (
		token  *string
		names  []string
		row    int
		first  = true
		batch  []investigate.Event
		pages  int
		failed int
	)
	flush := func() {
		if len(batch) > 0 {
			sink(batch)
			batch = nil
		}
	}
	for {
		out, err := s.Client.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: aws.String(id), NextToken: token, MaxResults: aws.Int32(1000)})
		if err != nil {
			flush()
			return fmt.Errorf("query %s results, page %d: %w", id, pages+1, err)
		}
		pages++
		rs := out.ResultSet
		if rs == nil {
			break
		}
		if names == nil && rs.ResultSetMetadata != nil {
			for _, ci := range rs.ResultSetMetadata.ColumnInfo {
				names = append(names, strings.ToLower(aws.ToString(ci.Name)))
			}
		}
		for _, r := range rs.Rows {
			vals := make([]*string, len(r.Data))
			for i, d := range r.Data {
				vals[i] = d.VarCharValue
			}
			if first {
				first = false
				if isHeader(vals, names) {
					continue // Athena's first row of a SELECT names the columns
				}
			}
			row++
			if row > maxRows {
				rep.Truncated = true
				rep.Notes = append(rep.Notes, fmt.Sprintf("query %s: stopped after %s", id, investigate.Plural(maxRows, "row")))
				flush()
				return nil
			}
			rep.Records++
			raw, err := Record(names, vals)
			if err == nil {
				var e investigate.Event
				e, err = investigate.DecodeRecord(raw)
				if err == nil {
					if m.Match(&e) {
						e.Origin = investigate.OriginAt(fmt.Sprintf("athena %s row %d", id, row))
						rep.Matched++
						batch = append(batch, e)
						if len(batch) >= 256 {
							flush()
						}
					}
					continue
				}
			}
			if failed++; failed <= 5 {
				rep.Problems = append(rep.Problems, investigate.Problem{Where: fmt.Sprintf("athena %s row %d", id, row), Message: err.Error()})
			}
		}
		token = out.NextToken
		if token == nil || aws.ToString(token) == "" {
			break
		}
	}
	if failed > 5 {
		rep.Problems = append(rep.Problems, investigate.Problem{Where: "athena " + id, Message: fmt.Sprintf("%d more unreadable rows", failed-5)})
	}
	flush()
	return nil
}

func isHeader(vals []*string, names []string) bool {
	if len(vals) == 0 || len(vals) != len(names) {
		return false
	}
	for i, v := range vals {
		if v == nil || !strings.EqualFold(*v, names[i]) {
			return false
		}
	}
	return true
}

// Record rebuilds a CloudTrail record (JSON) from a result row, by column alias:
// requestparameters, responseelements and additionaleventdata are the record's own JSON
// text; userIdentity is rebuilt from its selected fields.
func Record(names []string, vals []*string) ([]byte, error) {
	if len(names) != len(vals) {
		return nil, fmt.Errorf("row has %s for %s", investigate.Plural(len(vals), "value"), investigate.Plural(len(names), "column"))
	}
	byAlias := map[string]column{}
	for _, c := range columns {
		byAlias[c.alias] = c
	}
	rec := map[string]any{}
	for i, n := range names {
		c, ok := byAlias[n]
		if !ok || vals[i] == nil {
			continue
		}
		v := *vals[i]
		var val any = v
		switch n {
		case "requestparameters", "responseelements", "additionaleventdata":
			if v == "" || v == "null" {
				continue
			}
			if json.Valid([]byte(v)) {
				val = json.RawMessage(v)
			}
		}
		investigate.SetPath(rec, c.path, val)
	}
	if len(rec) == 0 {
		return nil, errors.New("empty row")
	}
	return json.Marshal(rec)
}
