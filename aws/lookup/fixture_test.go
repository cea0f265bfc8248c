package lookup

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/keypivot/keypivot/aws/awsconfig"
	cttest "github.com/keypivot/keypivot/internal/testserver/cloudtrail"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// The fixture of the lookup tests and benchmark: real records of the corpus, moto and the
// CloudTrail test server behind a source, and a count of what arrived.

const corpusDir = "../../../shared/corpus/stratus-detonation-logs"

// corpusRecords reads the records of one corpus file signed by key ("" for all).
func corpusRecords(t testing.TB, file, key string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, file))
	if err != nil {
		t.Fatal(err)
	}
	var all []map[string]any
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, r := range all {
		id, _ := r["userIdentity"].(map[string]any)
		if key == "" || id["accessKeyId"] == key {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no records of %s", file, key)
	}
	return out
}

// inRegion copies real records into region, with event ids of their own (LookupEvents
// is per region: the same call logged in two regions is two events).
func inRegion(t testing.TB, recs []map[string]any, region string, copyN int) [][]byte {
	t.Helper()
	var out [][]byte
	for n := range copyN {
		for _, r := range recs {
			c := map[string]any{}
			for k, v := range r {
				c[k] = v
			}
			c["awsRegion"] = region
			c["eventID"] = fmt.Sprintf("%s-%s-%d", r["eventID"], region, n)
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

// latest is just after the newest record: the clock both the server and the source use,
// so that 2024's corpus is inside LookupEvents' 90 days.
func latest(t testing.TB, recs []map[string]any) time.Time {
	var max time.Time
	for _, r := range recs {
		ts, err := time.Parse(time.RFC3339, r["eventTime"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if ts.After(max) {
			max = ts
		}
	}
	return max.Add(time.Hour)
}

type fixture struct {
	moto *moto.Server
	ct   *cttest.Server
	sess *awsconfig.Session
}

func newFixture(t testing.TB, o cttest.Options) *fixture {
	t.Helper()
	f := &fixture{moto: moto.Start(t), ct: cttest.New(t, o)}
	s, err := awsconfig.FromConfig(context.Background(), f.moto.AWSConfig(t, "us-east-1"), awsconfig.Options{Profile: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f.sess = s
	return f
}

// source is a lookup source whose CloudTrail calls go to the test server, with its own
// limiters (tests must not share the process's) and a fast retry policy.
func (f *fixture) source(now time.Time, regions ...string) *Source {
	return &Source{
		Session:  f.sess,
		Regions:  regions,
		Limiters: NewLimiters(Rate, 1),
		Retry:    RetryPolicy{Throttles: 12, Errors: 3, Base: 50 * time.Millisecond, Max: 400 * time.Millisecond},
		Now:      func() time.Time { return now },
		CloudTrailOptions: []func(*cloudtrail.Options){func(o *cloudtrail.Options) {
			o.BaseEndpoint = aws.String(f.ct.URL())
			o.HTTPClient = cttest.HTTPClient()
		}},
	}
}

// deliveries counts how many times each event id arrived.
func deliveries(events []investigate.Event) map[string]int {
	ids := map[string]int{}
	for _, e := range events {
		ids[e.ID]++
	}
	return ids
}

func regionStatus(rep investigate.SourceReport, region string) investigate.RegionStatus {
	for _, r := range rep.Regions {
		if r.Region == region {
			return r
		}
	}
	return investigate.RegionStatus{}
}
