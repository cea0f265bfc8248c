package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/klauspost/compress/gzip"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/investigate"
)

// The benchmark case: n CloudTrail records of one key, written as a CloudTrail archive
// (gzip files of 250 records, one region each, in the S3 layout) and read back through
// files/cloudtrail, as a pivot over an archive reads them: so that what the case holds
// is what a real pivot holds (interned values, records kept by reference). A tenth of
// the events are by a session the key derived; 20 addresses, 10 user agents, 4 regions;
// a mix of discovery (constant parameters), S3 object reads and writes (a parameter and
// additionalEventData of their own each, as data events have), rare launches and user
// creations with full answers, and AccessDenied errors.

const benchPerFile = 250

// benchSession is the session the key's first event derives.
const benchSession = "ASIABENCHSESSION0001"

var benchRegions = []string{"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-1"}

// benchRecord appends record i of the benchmark archive to b.
func benchRecord(b []byte, i int, start time.Time) []byte {
	region := benchRegions[i%4]
	signer := fxKey
	identity := fmt.Sprintf(`{"type":"IAMUser","principalId":"AIDABENCHUSER0000001","arn":"arn:aws:iam::%s:user/alice","accountId":"%s","accessKeyId":"%s","userName":"alice"}`, fxAccount, fxAccount, signer)
	if i%10 == 9 {
		signer = benchSession
		identity = fmt.Sprintf(`{"type":"IAMUser","principalId":"AIDABENCHUSER0000001","arn":"arn:aws:iam::%s:user/alice","accountId":"%s","accessKeyId":"%s","userName":"alice","sessionContext":{"sessionIssuer":{},"webIdFederationData":{},"attributes":{"creationDate":"%s","mfaAuthenticated":"false"}}}`,
			fxAccount, fxAccount, signer, start.Format(time.RFC3339))
	}
	t := start.Add(time.Duration(i) * time.Second)
	id := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", i, i%65536, i%4096, (i/7)%4096, i*7919)
	source, name, readOnly := "", "", true
	req, resp, extra := "null", "null", `"eventCategory":"Management","managementEvent":true`
	s3 := func(verb string) {
		source, name = "s3.amazonaws.com", verb
		req = fmt.Sprintf(`{"bucketName":"acme-exports","Host":"acme-exports.s3.%s.amazonaws.com","key":"exports/2026/01/part-%07d.csv.gz"}`, region, i)
		extra = fmt.Sprintf(`"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"Zq%054dQ=","bytesTransferredOut":%d},"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::acme-exports/exports/2026/01/part-%07d.csv.gz"},{"accountId":"%s","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::acme-exports"}],"eventCategory":"Data","managementEvent":false`,
			i*31, 40000+i%9000, i, fxAccount)
	}
	switch {
	case i == 0:
		source, name, readOnly = "sts.amazonaws.com", "GetSessionToken", false
		req = `{"durationSeconds":43200}`
		resp = `{"credentials":{"accessKeyId":"` + benchSession + `","sessionToken":"IQoJb3JpZ2luX2VjEBENCH","expiration":"Jan 1, 2027 12:00:00 AM"}}`
	case i%1000 == 999:
		source, name, readOnly = "ec2.amazonaws.com", "RunInstances", false
		req = fmt.Sprintf(`{"instancesSet":{"items":[{"imageId":"ami-0123456789abcdef0","minCount":1,"maxCount":1,"keyName":"kp1"}]},"instanceType":"g5.xlarge","blockDeviceMapping":{},"monitoring":{"enabled":false},"disableApiTermination":false,"disableApiStop":false,"clientToken":"%s"}`, id)
		resp = fmt.Sprintf(`{"requestId":"%s","reservationId":"r-%017x","ownerId":"%s","groupSet":{},"instancesSet":{"items":[{"instanceId":"i-%017x","imageId":"ami-0123456789abcdef0","instanceState":{"code":0,"name":"pending"},"privateDnsName":"ip-10-0-%d-%d.ec2.internal","keyName":"kp1","amiLaunchIndex":0,"productCodes":{},"instanceType":"g5.xlarge","launchTime":%d,"placement":{"availabilityZone":"%sa","tenancy":"default"},"monitoring":{"state":"disabled"},"subnetId":"subnet-0123456789abcdef0","vpcId":"vpc-0123456789abcdef0","privateIpAddress":"10.0.%d.%d"}]}}`,
			id, i, fxAccount, i, i/256%256, i%256, t.UnixMilli(), region, i/256%256, i%256)
	case i%1000 == 499:
		source, name, readOnly = "iam.amazonaws.com", "CreateUser", false
		req = fmt.Sprintf(`{"userName":"svc-%d"}`, i)
		resp = fmt.Sprintf(`{"user":{"path":"/","userName":"svc-%d","userId":"AIDA%016X","arn":"arn:aws:iam::%s:user/svc-%d","createDate":"%s"}}`, i, i, fxAccount, i, t.Format("Jan 2, 2006 3:04:05 PM"))
	default:
		switch i % 16 {
		case 0, 1, 2:
			source, name = "ec2.amazonaws.com", "DescribeInstances"
			req = `{"instancesSet":{},"filterSet":{"items":[{"name":"instance-state-name","valueSet":{"items":[{"value":"running"}]}}]},"maxResults":50}`
		case 3, 4:
			source, name = "iam.amazonaws.com", "ListUsers"
		case 5, 6, 7, 8:
			s3("GetObject")
		case 9:
			source, name = "sts.amazonaws.com", "GetCallerIdentity"
		case 10, 11:
			source, name = "lambda.amazonaws.com", "ListFunctions20150331"
		case 12:
			source, name = "ec2.amazonaws.com", "DescribeSecurityGroups"
			req = `{"securityGroupSet":{},"securityGroupIdSet":{},"filterSet":{}}`
		case 13:
			source, name = "iam.amazonaws.com", "GetUser"
			req = `{"userName":"alice"}`
		case 14:
			source, name = "ssm.amazonaws.com", "DescribeParameters"
			req = `{"maxResults":50}`
		default:
			s3("PutObject")
			readOnly = false
		}
	}
	errPart := ""
	if i%17 == 16 && i%1000 != 999 && i%1000 != 499 && i != 0 {
		errPart = fmt.Sprintf(`"errorCode":"AccessDenied","errorMessage":"User: arn:aws:iam::%s:user/alice is not authorized to perform: %s:%s because no identity-based policy allows the %s:%s action",`,
			fxAccount, strings.TrimSuffix(source, ".amazonaws.com"), name, strings.TrimSuffix(source, ".amazonaws.com"), name)
		resp = "null"
	}
	ip := fmt.Sprintf("198.51.100.%d", i%20)
	ua := fmt.Sprintf("aws-cli/2.15.%d md/awscrt#0.19.19 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#debian.12 md/prompt#off md/command#%s", i%10, name)
	return fmt.Appendf(b, `{"eventVersion":"1.09","userIdentity":%s,"eventTime":"%s","eventSource":"%s","eventName":"%s","awsRegion":"%s","sourceIPAddress":"%s","userAgent":"%s",%s"requestParameters":%s,"responseElements":%s,"requestID":"%s","eventID":"%s","readOnly":%t,"eventType":"AwsApiCall",%s,"recipientAccountId":"%s","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%s.%s.amazonaws.com"}}`,
		identity, t.Format(time.RFC3339), source, name, region, ip, ua, errPart, req, resp, strings.ToUpper(id[:8])+strings.ToUpper(id[24:]), id, readOnly, extra, fxAccount, strings.TrimSuffix(source, ".amazonaws.com"), region)
}

// writeBenchArchive writes the n records of the benchmark archive under dir, as
// CloudTrail delivers them: gzip files of {"Records":[...]}, one region each, in the
// S3 layout. It returns the files, as a listing would.
func writeBenchArchive(tb testing.TB, dir string, n int) []cloudtrail.File {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type chunk struct{ region, first int }
	var chunks []chunk
	for r := range benchRegions {
		// Records r, r+4, r+8, ... are the region's; a file holds benchPerFile of them.
		for first := r; first < n; first += 4 * benchPerFile {
			chunks = append(chunks, chunk{r, first})
		}
	}
	out := make([]cloudtrail.File, len(chunks))
	errs := make([]error, len(chunks))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var buf bytes.Buffer
			for c := range next {
				ch := chunks[c]
				region := benchRegions[ch.region]
				t := start.Add(time.Duration(ch.first) * time.Second)
				rel := fmt.Sprintf("AWSLogs/%s/CloudTrail/%s/%s/%s_CloudTrail_%s_%s_%016X.json.gz",
					fxAccount, region, t.Format("2006/01/02"), fxAccount, region, t.Format("20060102T1504Z"), ch.first)
				path := filepath.Join(dir, filepath.FromSlash(rel))
				buf.Reset()
				zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
				rec := []byte(`{"Records":[`)
				for k, i := 0, ch.first; k < benchPerFile && i < n; k, i = k+1, i+4 {
					if k > 0 {
						rec = append(rec, ',')
					}
					rec = benchRecord(rec, i, start)
				}
				rec = append(rec, "]}"...)
				zw.Write(rec)
				zw.Close()
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					errs[c] = err
					continue
				}
				errs[c] = os.WriteFile(path, buf.Bytes(), 0o644)
				lf, _ := cloudtrail.ParseLayout(rel)
				out[c] = cloudtrail.File{Path: path, Size: int64(buf.Len()), Layout: &lf}
			}
		})
	}
	for c := range chunks {
		next <- c
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		tb.Fatal(err)
	}
	return out
}

// readBenchArchive reads the archive's events through files/cloudtrail into an event
// set, as a pivot does, and returns them in the set's order.
func readBenchArchive(tb testing.TB, files []cloudtrail.File, n int) []*investigate.Event {
	set := investigate.NewEventSet()
	open := func(path string) cloudtrail.Opener {
		return func() (io.ReadCloser, error) { return os.Open(path) }
	}
	rep := cloudtrail.ScanFiles(context.Background(), files, investigate.EventQuery{}, open, func(b []investigate.Event) { set.Add(b) }, cloudtrail.ScanOptions{})
	if len(rep.Problems) > 0 || set.Len() != n {
		tb.Fatalf("the benchmark archive read %d events of %d: %v", set.Len(), n, rep.Problems)
	}
	return set.Events()
}

// benchEvents writes the archive of n records in a temporary directory, reads it back
// and removes it: the benchmarks never open a record, so the events' references to
// their records are left pointing at nothing, and no archive outlives the process.
func benchEvents(tb testing.TB, n int) []*investigate.Event {
	dir, err := os.MkdirTemp("", "keypivot-bench-")
	if err != nil {
		tb.Fatal(err)
	}
	defer os.RemoveAll(dir)
	return readBenchArchive(tb, writeBenchArchive(tb, dir, n), n)
}

// heapInUse is the heap in use after the garbage collector has run: what is live, and
// the room its spans waste.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// bigCase builds (once per size and process) the case of n events.
var (
	bigCases = map[int]*investigate.Case{}
	// caseBytes is the heap a case holds once built (its events, their records as they
	// keep them, the case's summaries), from before its archive is read.
	caseBytes = map[int]uint64{}
)

func bigCase(tb testing.TB, n int) *investigate.Case {
	if c := bigCases[n]; c != nil {
		return c
	}
	before := heapInUse()
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(fxKey), Events: benchEvents(tb, n), Now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if len(c.Timeline) != n || len(c.Sessions) != 1 {
		tb.Fatalf("the benchmark case has %d events and %d sessions", len(c.Timeline), len(c.Sessions))
	}
	bigCases[n] = c
	caseBytes[n] = heapInUse() - before
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
// same run (the ratio shows the cost does not grow with the case), the heap the case
// holds an event (B/event) and the memory the model holds besides the case itself.
func BenchmarkNavigate200k(b *testing.B) { benchNavigate(b, 200_000) }

// BenchmarkNavigate2M is BenchmarkNavigate200k at 2,000,000 events: the archive takes
// a minute or so to write and read. -benchtime 2000x keeps the frames to a few seconds.
func BenchmarkNavigate2M(b *testing.B) { benchNavigate(b, 2_000_000) }

func benchNavigate(b *testing.B, n int) {
	c := bigCase(b, n)
	withCase := heapInUse()
	app := benchModel(c)
	withModel := heapInUse()
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
	b.ReportMetric(float64(caseBytes[n])/float64(n), "B/event")
	b.ReportMetric(float64(caseBytes[n])/(1<<20), "MB-case")
	b.ReportMetric(float64(model)/(1<<20), "MB-model")
	b.ReportMetric(float64(model)/float64(max(caseBytes[n], 1)), "model/case")
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
	events := benchEvents(b, 200_000)
	in := investigate.CaseInput{Key: investigate.MustParseAccessKeyID(fxKey), Events: events, Now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
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
