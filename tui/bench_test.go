package tui

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/investigate"
)

// bigEvents makes n CloudTrail events of one key, a tenth of them by a derived session,
// over 20 addresses, 5 services, 4 regions, with errors and writes, each with a raw
// record of a realistic size.
func bigEvents(n int) []*investigate.Event {
	services := []string{"ec2", "iam", "s3", "sts", "lambda"}
	names := []string{"DescribeInstances", "ListUsers", "GetObject", "GetCallerIdentity", "ListFunctions", "RunInstances", "CreateUser", "PutObject"}
	regions := []string{"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-1"}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]*investigate.Event, 0, n)
	session := "ASIABENCHSESSION0001"
	for i := range n {
		signer, typ := fxKey, "IAMUser"
		if i%10 == 9 {
			signer, typ = session, "IAMUser"
		}
		e := &investigate.Event{
			ID: fmt.Sprintf("%08x-0000-4000-8000-%012d", i, i), Time: start.Add(time.Duration(i) * time.Second),
			Source: services[i%5] + ".amazonaws.com", Name: names[i%len(names)], Region: regions[i%4],
			SourceIP: fmt.Sprintf("198.51.100.%d", i%20), UserAgent: fmt.Sprintf("aws-cli/2.15.%d Python/3.11 Linux/6.1 exe/x86_64", i%10),
			ReadOnly: i%8 < 5, ReadOnlyKnown: true, RecipientAccount: fxAccount,
			Identity: investigate.Identity{Type: typ, ARN: "arn:aws:iam::" + fxAccount + ":user/alice", AccountID: fxAccount, UserName: "alice", AccessKeyID: signer},
			Origin:   fmt.Sprintf("AWSLogs/%s/CloudTrail/%s/2026/01/01/file-%d.json.gz:%d", fxAccount, regions[i%4], i/100, i%100),
		}
		if i%17 == 16 {
			e.ErrorCode, e.ErrorMessage = "AccessDenied", "not authorized"
		}
		if i == 0 {
			e.Source, e.Name, e.ReadOnly = "sts.amazonaws.com", "GetSessionToken", false
			e.Response = []byte(`{"credentials":{"accessKeyId":"` + session + `","expiration":"Jan 1, 2027 12:00:00 AM"}}`)
		}
		e.Raw = fmt.Appendf(nil, `{"eventVersion":"1.09","userIdentity":{"type":"%s","arn":"%s","accountId":"%s","accessKeyId":"%s","userName":"alice"},"eventTime":"%s","eventSource":"%s","eventName":"%s","awsRegion":"%s","sourceIPAddress":"%s","userAgent":"%s","requestParameters":{"maxResults":50,"filterSet":{"items":[{"name":"instance-state-name","valueSet":{"items":[{"value":"running"}]}}]}},"responseElements":null,"requestID":"%s","eventID":"%s","readOnly":%t,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"%s","eventCategory":"Management"}`,
			typ, e.Identity.ARN, fxAccount, signer, e.Time.Format(time.RFC3339), e.Source, e.Name, e.Region, e.SourceIP, e.UserAgent, e.ID, e.ID, e.ReadOnly, fxAccount)
		out = append(out, e)
	}
	return out
}

func heapBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// bigCase builds (once per size and process) the case of n events.
var (
	bigCases = map[int]*investigate.Case{}
	// caseBytes is the heap a case holds once built (its events and raw records).
	caseBytes = map[int]uint64{}
)

func bigCase(tb testing.TB, n int) *investigate.Case {
	if c := bigCases[n]; c != nil {
		return c
	}
	before := heapBytes()
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(fxKey), Events: bigEvents(n), Now: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)})
	if len(c.Timeline) != n || len(c.Sessions) != 1 {
		tb.Fatalf("the benchmark case has %d events and %d sessions", len(c.Timeline), len(c.Sessions))
	}
	bigCases[n] = c
	caseBytes[n] = heapBytes() - before
	return c
}

// benchModel is a workbench at 250x60, colour on, on the timeline of case c.
func benchModel(c *investigate.Case) *App {
	app := newApp(context.Background(), Options{Workspace: &investigate.Workspace{}})
	app.Update(tea.WindowSizeMsg{Width: 250, Height: 60})
	wb := newWorkbench(app.ui, c.Key)
	app.stack = append(app.stack, wb)
	app.layout()
	wb.setCase(c)
	wb.setTab(tabTimeline)
	return app
}

// step is one navigation step as the runtime performs it: Update with a key, then View.
func step(app *App, k tea.KeyPressMsg) int {
	app.Update(k)
	return len(app.View().Content)
}

var down = tea.KeyPressMsg{Code: 'j', Text: "j"}

// frameTime measures frames of navigation on app.
func frameTime(app *App, frames int) time.Duration {
	start := time.Now()
	for i := range frames {
		k := down
		if i%200 == 199 {
			k = tea.KeyPressMsg{Code: 'g', Text: "g"}
		}
		step(app, k)
	}
	return time.Since(start) / time.Duration(frames)
}

// BenchmarkNavigate200k measures one navigation step (Update + View) on the timeline
// of a 200,000-event case at 250x60, next to the same step on a 1,000-event case in the
// same run (the ratio shows the cost does not grow with the case), and the memory the
// model holds besides the case itself.
func BenchmarkNavigate200k(b *testing.B) {
	c := bigCase(b, 200_000)
	withCase := heapBytes()
	app := benchModel(c)
	withModel := heapBytes()
	small := benchModel(bigCase(b, 1_000))
	frameTime(small, 200) // warm up both the same way
	frameTime(app, 200)

	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := down
		if i%200 == 199 {
			k = tea.KeyPressMsg{Code: 'g', Text: "g"}
		}
		step(app, k)
	}
	b.StopTimer()
	per := b.Elapsed() / time.Duration(max(b.N, 1))
	smallFrame := frameTime(small, max(b.N, 200))
	b.ReportMetric(float64(per.Microseconds())/1000, "ms/frame")
	b.ReportMetric(float64(smallFrame.Microseconds())/1000, "ms/frame-1k")
	b.ReportMetric(float64(per)/float64(max(smallFrame, 1)), "x-vs-1k")
	model := max(int64(withModel)-int64(withCase), 0)
	b.ReportMetric(float64(caseBytes[200_000])/(1<<20), "MB-case")
	b.ReportMetric(float64(model)/(1<<20), "MB-model")
	b.ReportMetric(float64(model)/float64(max(caseBytes[200_000], 1)), "model/case")
	runtime.KeepAlive(app)
	runtime.KeepAlive(c)
}

// BenchmarkFilter200k measures applying a timeline filter (errors only, then off) on
// the 200,000-event case: one pass over the timeline, once per key press.
func BenchmarkFilter200k(b *testing.B) {
	app := benchModel(bigCase(b, 200_000))
	x := tea.KeyPressMsg{Code: 'x', Text: "x"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step(app, x)
	}
	b.StopTimer()
	b.ReportMetric(float64((b.Elapsed()/time.Duration(max(b.N, 1))).Microseconds())/1000, "ms/filter")
}

// BenchmarkBuildCase200k builds the case of 200k events, as the workbench does on every
// snapshot while a case streams in.
func BenchmarkBuildCase200k(b *testing.B) {
	events := bigEvents(200_000)
	in := investigate.CaseInput{Key: investigate.MustParseAccessKeyID(fxKey), Events: events, Now: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)}
	b.ReportAllocs()
	for b.Loop() {
		investigate.BuildCase(in)
	}
}

// BenchmarkSnapshot200k measures taking a snapshot of the 200,000-event case (what the
// workbench does with each one while a case streams in) with the Overview in front,
// next to drawing every tab (what a snapshot cost before hidden tabs were left stale)
// in the same run.
func BenchmarkSnapshot200k(b *testing.B) {
	c := bigCase(b, 200_000)
	app := benchModel(c)
	wb := app.wb()
	wb.setTab(tabOverview)
	all := func() {
		for _, t := range wb.panes() {
			t.show(c, wb.width)
		}
	}
	start := time.Now()
	const rounds = 5
	for range rounds {
		all()
	}
	every := time.Since(start) / rounds
	b.ResetTimer()
	for b.Loop() {
		wb.setCase(c)
	}
	b.StopTimer()
	per := b.Elapsed() / time.Duration(max(b.N, 1))
	b.ReportMetric(float64(per.Microseconds())/1000, "ms/snapshot")
	b.ReportMetric(float64(every.Microseconds())/1000, "ms/all-tabs")
	b.ReportMetric(float64(every)/float64(max(per, 1)), "x-saved")
}
