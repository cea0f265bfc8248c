package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/keypivot/keypivot/files/alertdoc"
	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/investigate"
)

// TrailSource reads the dataset's CloudTrail files through the real archive reader: the
// S3 layout is parsed from each object key (digests skipped, files outside the query's
// window pruned by date) and every file goes through cloudtrail.ScanFiles, with an index
// shared by the source's passes (the rounds of a pivot) as a file source has.
func TrailSource(ds *Dataset) investigate.EventSource {
	return &trailSource{ds: ds, sig: fmt.Sprintf("demo:%x:%d", ds.Seed, ds.Anchor.Unix()), index: &cloudtrail.Index{}}
}

type trailSource struct {
	ds *Dataset
	// sig identifies the files' content for the index: a dataset is a function of its
	// seed and anchor.
	sig   string
	index *cloudtrail.Index
}

func (s *trailSource) Name() string { return "demo:cloudtrail" }

func (s *trailSource) Events(ctx context.Context, q investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	start := time.Now()
	rep := investigate.SourceReport{Source: s.Name(), Kind: "cloudtrail-files"}
	var files []cloudtrail.File
	for _, name := range s.ds.Names() {
		data := s.ds.Files[name]
		lf, ok := cloudtrail.ParseLayout(name)
		switch {
		case !ok:
			rep.Problems = append(rep.Problems, investigate.Problem{Where: name, Message: "not in the CloudTrail S3 layout"})
			continue
		case lf.Digest:
			rep.AddSkip(investigate.SkipDigest, 1, name)
			continue
		case len(data) == 0:
			rep.AddSkip(investigate.SkipEmptyFile, 1, name)
			continue
		case !lf.InWindow(q.Window.Since, q.Window.Until):
			rep.AddSkip(investigate.SkipOutsideWindow, 1, name)
			continue
		}
		files = append(files, cloudtrail.File{Path: name, Size: int64(len(data)), Sig: s.sig, Layout: &lf})
	}
	open := func(name string) cloudtrail.Opener {
		return func() (io.ReadCloser, error) {
			data, ok := s.ds.Files[name]
			if !ok {
				return nil, fmt.Errorf("%s: no such file in the demo dataset", name)
			}
			return io.NopCloser(bytes.NewReader(data)), nil
		}
	}
	rep.Merge(cloudtrail.ScanFiles(ctx, files, q, open, sink, cloudtrail.ScanOptions{Index: s.index}))
	rep.Elapsed = time.Since(start)
	return rep, ctx.Err()
}

// AlertSource reads the dataset's alert documents through the real alert-export parser.
func AlertSource(ds *Dataset) investigate.AlertSource { return &alertSource{ds: ds} }

type alertSource struct{ ds *Dataset }

func (s *alertSource) Name() string { return "demo:alerts" }

func (s *alertSource) Alerts(ctx context.Context, q investigate.AlertQuery, sink func([]investigate.Alert)) (investigate.SourceReport, error) {
	if err := ctx.Err(); err != nil {
		return investigate.SourceReport{Source: s.Name(), Kind: "alert-files"}, err
	}
	start := time.Now()
	rep := alertdoc.Parse(s.ds.AlertsName, bytes.NewReader(s.ds.Alerts), q, sink)
	if len(s.ds.Findings) > 0 { // GuardDuty's export (sequence.go)
		rep.Merge(alertdoc.Parse(s.ds.FindingsName, bytes.NewReader(s.ds.Findings), q, sink))
	}
	rep.Source = s.Name()
	rep.Elapsed = time.Since(start)
	return rep, ctx.Err()
}
