package investigate

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// regionalSource answers like LookupEvents: the key's own round searches its regions; a
// later round (the derived session) fails in every region when failLater is set.
type regionalSource struct{ failLater bool }

func (s *regionalSource) Name() string { return "lookup" }

func (s *regionalSource) Events(_ context.Context, q EventQuery, sink func([]Event)) (SourceReport, error) {
	rep := SourceReport{Source: s.Name(), Kind: "cloudtrail-lookup"}
	regions := []string{"us-east-1", "eu-west-1"}
	if q.AccessKeys[0].String() != "AKIAREGIONALTEST0001" {
		if s.failLater {
			for _, r := range regions {
				rep.Regions = append(rep.Regions, RegionStatus{Region: r, Status: RegionThrottled, Error: "ThrottlingException"})
			}
			return rep, errors.New("LookupEvents failed in every region")
		}
	}
	for _, r := range regions {
		rep.Regions = append(rep.Regions, RegionStatus{Region: r, Status: RegionSearched})
	}
	if q.AccessKeys[0].String() == "AKIAREGIONALTEST0001" {
		e, err := DecodeRecord([]byte(`{"eventID":"e1","eventTime":"2026-11-20T09:00:00Z","eventSource":"sts.amazonaws.com","eventName":"GetSessionToken","awsRegion":"us-east-1",
			"userIdentity":{"type":"IAMUser","accessKeyId":"AKIAREGIONALTEST0001","accountId":"111122223333","userName":"u"},
			"responseElements":{"credentials":{"accessKeyId":"ASIAREGIONALTEST0002","expiration":"Nov 20, 2026, 9:00:00 PM"}}}`))
		if err != nil {
			panic(err)
		}
		sink([]Event{e})
		rep.Records, rep.Matched = 1, 1
	}
	return rep, nil
}

// A later round failing (the derived session's keys) leaves the source searched in part,
// never "failed": the key's own events were found.
func TestLaterRoundFailureIsPartialNotFailed(t *testing.T) {
	col := Collect(context.Background(), MustParseAccessKeyID("AKIAREGIONALTEST0001"), []EventSource{&regionalSource{failLater: true}}, nil, CollectOptions{})
	if len(col.Keys) != 2 {
		t.Fatalf("keys %v: the session was not followed", col.Keys)
	}
	r := col.Reports[0]
	sc := AssessSource(r, Window{})
	if r.Failed != "" || sc.Status != SearchPartial {
		t.Fatalf("failed %q, status %s (%v)", r.Failed, sc.Status, sc.Reasons)
	}
	for _, rs := range r.Regions {
		if rs.Status != RegionSearched {
			t.Errorf("region %s: %s, want searched (its later round's failure is a problem)", rs.Region, rs.Status)
		}
	}
	if len(r.Problems) != 3 || !strings.Contains(r.Problems[0].Message, "round 2") || !strings.Contains(r.Problems[2].Message, "round 2") {
		t.Errorf("problems %+v", r.Problems)
	}
	ok := Collect(context.Background(), MustParseAccessKeyID("AKIAREGIONALTEST0001"), []EventSource{&regionalSource{}}, nil, CollectOptions{})
	if sc := AssessSource(ok.Reports[0], Window{}); sc.Status != SearchComplete {
		t.Errorf("without a fault: %s %v", sc.Status, sc.Reasons)
	}
}

func TestRegionalSourcesCompleteness(t *testing.T) {
	old := "the window is older than LookupEvents' 90 days"
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		r      SourceReport
		w      Window
		status string
		reason string
	}{
		{"every region skipped is nothing searched", SourceReport{Source: "lookup", Kind: "cloudtrail-lookup", Regions: []RegionStatus{
			{Region: "us-east-1", Status: RegionSkipped, Error: old}, {Region: "eu-west-1", Status: RegionSkipped, Error: old}}},
			Window{}, SearchNothing, "searched in no region: us-east-1, eu-west-1 (" + old + ")"},
		{"a window LookupEvents had to narrow is not covered", SourceReport{Source: "lookup", Kind: "cloudtrail-lookup",
			Span: Window{Since: now.AddDate(0, 0, -90), Until: now}, Regions: []RegionStatus{{Region: "us-east-1", Status: RegionSearched}}},
			Window{Since: now.AddDate(0, 0, -120)}, SearchPartial, "window not covered"},
		{"an Athena query covers the window it asked", SourceReport{Source: "athena", Kind: "cloudtrail-athena",
			Span: Window{Since: now.AddDate(0, 0, -120)}}, Window{Since: now.AddDate(0, 0, -120)}, SearchComplete, ""},
		{"every region failing is failed", SourceReport{Source: "guardduty", Kind: "guardduty", Regions: []RegionStatus{
			{Region: "us-east-1", Status: RegionFailed, Error: "api error AccessDeniedException: no"}}}, Window{}, SearchFailed, "AccessDeniedException"},
	}
	for _, tt := range tests {
		sc := AssessSource(tt.r, tt.w)
		if sc.Status != tt.status || !strings.Contains(strings.Join(sc.Reasons, "; "), tt.reason) {
			t.Errorf("%s: %s %v", tt.name, sc.Status, sc.Reasons)
		}
	}
}

// NoneIn gives a negative with what was searched, or no negative at all.
func TestNoneIn(t *testing.T) {
	files := SourceReport{Source: "trail:x", Kind: "cloudtrail-files", Files: 3, Records: 10,
		Span: Window{Since: time.Date(2023, 7, 10, 11, 45, 0, 0, time.UTC), Until: time.Date(2023, 7, 10, 12, 40, 0, 0, time.UTC)}, Accounts: []string{"123456789012"}, AWSRegions: []string{"us-east-1"}}
	k := AssessKind([]SourceReport{files}, Window{}, "event", 0, "CloudTrail")
	if got, want := k.NoneIn("no session"), "no session in 3 files covering 2023-07-10 11:45–12:40 UTC, account 123456789012, region us-east-1"; got != want {
		t.Errorf("complete: %q, want %q", got, want)
	}
	empty := AssessKind([]SourceReport{{Source: "trail:y", Kind: "cloudtrail-files"}}, Window{}, "event", 0, "CloudTrail")
	if got := empty.NoneIn("no session"); !strings.HasPrefix(got, "NO EVENTS SEARCHED") {
		t.Errorf("nothing to search: %q", got)
	}
	if got := AssessKind(nil, Window{}, "alert", 0, "alert").NoneIn("no alert"); got != "alerts not searched: no alert source" {
		t.Errorf("not asked: %q", got)
	}
}

// cutSource delivers what it read, then ends with an error (an Elasticsearch scroll cut
// after some pages); with nothing read, it is a source that could not be read at all.
type cutSource struct{ read bool }

func (s *cutSource) Name() string { return "cut" }

func (s *cutSource) Alerts(_ context.Context, q AlertQuery, sink func([]Alert)) (SourceReport, error) {
	rep := SourceReport{Source: s.Name(), Kind: "elasticsearch"}
	if s.read {
		sink([]Alert{{ID: "a1", AccessKeyID: "AKIAREGIONALTEST0001", Time: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}})
		rep.Records, rep.Matched = 500, 1
	}
	return rep, errors.New("search_phase_execution_exception")
}

// An error after records were read leaves the source partial (its alerts are in the
// answer); the same error with nothing read is a failure.
func TestAnErrorAfterReadingIsPartial(t *testing.T) {
	for _, tc := range []struct {
		read bool
		want string
	}{{true, SearchPartial}, {false, SearchFailed}} {
		reports, errs := readAlertSources(context.Background(), []AlertSource{&cutSource{read: tc.read}}, AlertQuery{}, func([]Alert) {}, nil)
		sc := AssessSource(reports[0], Window{})
		if len(errs) != 1 || sc.Status != tc.want || len(reports[0].Problems) != 1 {
			t.Errorf("read %v: status %s (failed %q, problems %v), want %s", tc.read, sc.Status, reports[0].Failed, reports[0].Problems, tc.want)
		}
	}
}

// failFirst fails the key's own round and answers the later ones.
type failFirst struct{ regionalSource }

func (s *failFirst) Events(ctx context.Context, q EventQuery, sink func([]Event)) (SourceReport, error) {
	if q.AccessKeys[0].String() == "AKIAREGIONALTEST0001" {
		return SourceReport{Source: "lookup", Kind: "cloudtrail-lookup"}, errors.New("AccessDenied")
	}
	return s.regionalSource.Events(ctx, q, sink)
}

// A later round that works does not make a source whose first round failed searched:
// the key's own events were never looked for there.
func TestFirstRoundFailureStaysFailed(t *testing.T) {
	col := Collect(context.Background(), MustParseAccessKeyID("AKIAREGIONALTEST0001"), []EventSource{&failFirst{}, &regionalSource{}}, nil, CollectOptions{})
	if len(col.Keys) != 2 {
		t.Fatalf("keys %v: the other source's session was not followed", col.Keys)
	}
	if sc := AssessSource(col.Reports[0], Window{}); sc.Status != SearchFailed {
		t.Errorf("status %s %v, want failed", sc.Status, sc.Reasons)
	}
}

// A snapshot of a case still being built says so in every kind: its empty lists are no
// answer yet, and no face may read them as one.
func TestSnapshotIsStillSearching(t *testing.T) {
	c := BuildCase(CaseInput{Key: MustParseAccessKeyID("AKIAREGIONALTEST0001"), Searching: true,
		AlertReports: []SourceReport{{}}, Now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)})
	cm := c.Completeness
	if cm.Status != SearchPending || cm.Mark() != "SEARCHING" || cm.Complete() || cm.Unanswered() {
		t.Fatalf("status %s mark %q", cm.Status, cm.Mark())
	}
	for _, s := range []string{cm.Headline, cm.Events.NoneIn("no session"), cm.Alerts.NoneIn("no alert")} {
		if !strings.HasPrefix(s, "still searching: 0 ") || strings.Contains(s, "not searched") {
			t.Errorf("%q: want a still-searching phrase", s)
		}
	}
	if done := BuildCase(CaseInput{Key: MustParseAccessKeyID("AKIAREGIONALTEST0001")}); done.Completeness.Status == SearchPending {
		t.Error("a finished case is still searching")
	}
}
