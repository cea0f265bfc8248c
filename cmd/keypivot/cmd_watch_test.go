package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/aws/lookup"
	"github.com/keypivot/keypivot/internal/demo"
	cttest "github.com/keypivot/keypivot/internal/testserver/cloudtrail"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// testClock is a watch clock the test drives: Sleep moves it on at once, then runs
// onSleep, which makes the world change while the watch waits.
type testClock struct {
	mu      sync.Mutex
	now     time.Time
	onSleep func(now time.Time)
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	now, hook := c.now, c.onSleep
	c.mu.Unlock()
	if hook != nil && d > 0 {
		hook(now)
	}
	return ctx.Err()
}

// copyRecord is a copy of a real record with another id, time and region, and the
// members of set replaced.
func copyRecord(t *testing.T, r map[string]any, id string, at time.Time, region string, set map[string]any) []byte {
	t.Helper()
	c := map[string]any{}
	for k, v := range r {
		c[k] = v
	}
	c["eventID"], c["eventTime"], c["awsRegion"] = id, at.Format(time.RFC3339), region
	for k, v := range set {
		c[k] = v
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The watch through CloudTrail LookupEvents (the test server, at its real rate of 2
// requests a second per region) and STS (moto): the case of the stratus federation-token
// key names its session; after the first poll the deactivated key is refused
// (InvalidClientTokenId), after the second the session, still valid, acts. Each shows
// once, as it arrives; throttling within the retry budget is retried and counted, and a
// region left throttled makes its poll incomplete, named in the summary. One source,
// reused by every poll, keeps the polls, run back to back, under the server's limit.
func TestWatchThroughLookupEvents(t *testing.T) {
	t.Parallel()
	const key, session = "AKIA6V1GNZTT65XQH36M", "ASIASTJKC5GCM7ZE6LUP"
	recs := corpusRecords(t, "../../../shared/corpus/stratus-detonation-logs/aws.persistence.sts-federation-token.json")
	cut := time.Date(2024, 11, 30, 9, 0, 0, 0, time.UTC) // the records are at 08:43; the session expires at 20:43
	clock := &testClock{now: cut.Add(time.Minute)}
	ct := cttest.New(t, cttest.Options{Now: clock.Now})
	var before [][]byte
	for i, r := range recs {
		before = append(before, copyRecord(t, r, r["eventID"].(string), time.Date(2024, 11, 30, 8, 43, 17+i, 0, time.UTC), "us-east-1", nil))
	}
	if err := ct.AddRecords("", before); err != nil {
		t.Fatal(err)
	}
	mt := moto.Start(t)
	sess, err := awsconfig.FromConfig(context.Background(), mt.AWSConfig(t, "us-east-1"), awsconfig.Options{Profile: "test"})
	if err != nil {
		t.Fatal(err)
	}
	src := &lookup.Source{
		Session: sess, Regions: []string{"eu-west-1"}, Limiters: lookup.NewLimiters(lookup.Rate, 1), Now: clock.Now,
		Retry: lookup.RetryPolicy{Throttles: 2, Errors: 2, Base: 10 * time.Millisecond, Max: 50 * time.Millisecond, Timeout: 10 * time.Second},
		CloudTrailOptions: []func(*cloudtrail.Options){func(o *cloudtrail.Options) {
			o.BaseEndpoint = aws.String(ct.URL())
			o.HTTPClient = cttest.HTTPClient()
		}},
	}
	ws := &investigate.Workspace{Trails: []investigate.EventSource{src}, Now: clock.Now}
	cs, err := ws.Investigate(context.Background(), investigate.MustParseAccessKeyID(key), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.Sessions) != 1 || cs.Sessions[0].AccessKeyID != session {
		t.Fatalf("case sessions %+v: the federation token's session must be watched", cs.Sessions)
	}

	identity := recs[1] // GetCallerIdentity by the session
	clock.onSleep = func(now time.Time) {
		var err error
		switch {
		case now.Equal(cut.Add(2 * time.Minute)): // after poll 1: the deactivated key is refused
			err = ct.AddRecords("", [][]byte{copyRecord(t, identity, "refused-1", cut.Add(90*time.Second), "eu-west-1", map[string]any{
				"userIdentity":     map[string]any{"type": "IAMUser", "accessKeyId": key, "accountId": "742491224508", "arn": "arn:aws:iam::742491224508:user/stratus"},
				"errorCode":        "InvalidClientTokenId",
				"errorMessage":     "The security token included in the request is invalid.\x1b[2J",
				"responseElements": nil,
			})})
		case now.Equal(cut.Add(3 * time.Minute)): // after poll 2: the session acts; eu-west-1 throttles within the retry budget
			err = ct.AddRecords("", [][]byte{copyRecord(t, identity, "used-1", cut.Add(150*time.Second), "us-east-1", nil)})
			ct.SetFault("eu-west-1", cttest.Fault{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded", Times: 2})
		case now.Equal(cut.Add(4 * time.Minute)): // after poll 3: eu-west-1 throttles beyond it (3 attempts for each of the 2 keys)
			ct.SetFault("eu-west-1", cttest.Fault{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded", Times: 6})
		}
		if err != nil {
			t.Error(err)
		}
	}
	var out bytes.Buffer
	err = runWatch(context.Background(), investigate.WatchConfig{
		Case: cs, Sources: ws.Trails, CutOff: cut, CutOffFrom: "the test", Interval: time.Minute, Duration: 4 * time.Minute, Clock: clock,
	}, &out, "text")
	text := out.String()
	var ec *exitCodeError
	if !errors.As(err, &ec) || ec.code != exitContainmentFailed {
		t.Fatalf("err = %v, want exit %d (containment failed)\n%s", err, exitContainmentFailed, text)
	}
	refused := strings.Index(text, "REFUSED    "+key+" (key)  sts:GetCallerIdentity  eu-west-1")
	used := strings.Index(text, "SUCCEEDED  "+session+" (session)  sts:GetCallerIdentity  us-east-1")
	if refused < 0 || used < refused || strings.Count(text, "REFUSED  ") != 1 || strings.Count(text, "SUCCEEDED  ") != 1 {
		t.Errorf("want the refused attempt, then the session's use, each once:\n%s", text)
	}
	if strings.Contains(text, "\x1b") || !strings.Contains(text, "(The security token included in the request is invalid.") {
		t.Errorf("the error message must be shown, its escape sequence made harmless:\n%q", text)
	}
	for _, want := range []string{
		"watching " + key + " with 0 child keys and 1 session (for 4m, a poll every 1m) for uses after the cut-off 2024-11-30T09:00:00Z (the test)",
		"CONTAINMENT FAILED: the call succeeded",
		"poll 4 at 09:04:00: " + src.Name() + " could not search everything: region throttled: " + moto.Account + "/eu-west-1",
		"CONTAINMENT FAILED: 1 successful use after the cut-off by " + session + " (session, 1); 1 attempt refused",
		"polls: 5 (4 searched everything), every 1m from 2024-11-30T09:01:00Z to 2024-11-30T09:05:00Z",
		"events after the cut-off: 2: 1 successful, 1 refused, 0 failed otherwise",
		"not searched:\n  " + src.Name() + ": region throttled: " + moto.Account + "/eu-west-1 (poll 4)",
		"; 6 requests asked again (throttling or transient errors)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	eu := ct.Counts("eu-west-1")
	if eu.Faulted != 8 {
		t.Errorf("eu-west-1: %+v: want the 2 + 6 throttling answers all asked", eu)
	}
	if total := ct.Counts(""); total.Throttled != 0 || total.Invalid != 0 {
		t.Errorf("server counts %+v: polls run back to back must stay under 2 requests a second per region", total)
	}
}

// keypivot watch on the demo, as a user runs it: with the cut-off at the demo's "now"
// nothing can be seen, and the archive holds no log after it, which is said; with
// --since inside the attack, the key's own successful calls are a failure of
// containment (exit 5), each an NDJSON line, then the summary. Bad flags are usage errors.
func TestWatchDemo(t *testing.T) {
	t.Parallel()
	ds := demo.Generate(demo.DefaultAnchor())
	r := kp(t, nil, "watch", ds.CompromisedKey, "--demo", "--for", "0s", "--format", "json", "--since", ds.Anchor.Add(-6*time.Hour).Format(time.RFC3339))
	if r.code != exitContainmentFailed {
		t.Fatalf("exit %d, want %d: %s\n%s", r.code, exitContainmentFailed, r.stderr, r.stdout)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var types []string
	var sum struct {
		Summary investigate.WatchSummary `json:"summary"`
	}
	events := 0
	for _, l := range lines {
		var v struct {
			Type  string                 `json:"type"`
			Event investigate.WatchEvent `json:"event"`
			Poll  investigate.PollResult `json:"poll"`
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		if len(types) == 0 || types[len(types)-1] != v.Type {
			types = append(types, v.Type)
		}
		if v.Type == "event" {
			events++
			if v.Event.Event == nil || v.Event.Event.Time.Before(ds.Anchor.Add(-6*time.Hour)) || v.Event.Use == "" {
				t.Fatalf("event line %s", l)
			}
		}
		if v.Type == "summary" {
			json.Unmarshal([]byte(l), &sum)
		}
	}
	if strings.Join(types, ",") != "start,event,poll,summary" {
		t.Errorf("line types %v, want start, the events, the poll, the summary", types)
	}
	s := sum.Summary
	if s.Verdict != investigate.WatchContainmentFailed || s.Polls != 1 || s.Events != events || s.Succeeded == 0 || s.Key.String() != ds.CompromisedKey {
		t.Errorf("summary: verdict %s, %d polls, %d events (%d lines), %d successful", s.Verdict, s.Polls, s.Events, events, s.Succeeded)
	}

	r = kp(t, nil, "watch", ds.CompromisedKey, "--demo", "--for", "0s", "--format", "text")
	if r.code == exitContainmentFailed || !strings.Contains(r.stdout, "SUMMARY") || !strings.Contains(r.stdout, "cut-off 2026-03-12T15:42:17Z (the start of the watch)") {
		t.Errorf("cut-off at the start: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	for _, args := range [][]string{
		{"watch", ds.CompromisedKey, "--demo", "--interval", "10ms"},
		{"watch", ds.CompromisedKey, "--demo", "--until", "2026-03-12"},
		{"watch", "--demo"},
	} {
		if r := kp(t, nil, args...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, r.code, exitUsage, r.stderr)
		}
	}
}

// A quiet watch says every 5 minutes of watch time that it is still at it, and with
// what, and ends with a summary that names what was searched.
func TestQuietWatchSaysItIsStillWatching(t *testing.T) {
	t.Parallel()
	ds := demo.Generate(demo.DefaultAnchor())
	clock := &testClock{now: ds.Anchor}
	ws := &investigate.Workspace{Trails: []investigate.EventSource{demo.TrailSource(ds)}, Now: clock.Now, Demo: true}
	cs, err := ws.Investigate(context.Background(), investigate.MustParseAccessKeyID(ds.CompromisedKey), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = runWatch(context.Background(), investigate.WatchConfig{Case: cs, Sources: ws.Trails, Interval: time.Minute, Duration: 12 * time.Minute, Clock: clock}, &out, "text")
	text := out.String()
	if err != nil {
		t.Fatalf("a quiet, complete watch: %v\n%s", err, text)
	}
	still := "still watching: %d polls, nothing since the cut-off 2026-03-12T15:42:17Z; until 2026-03-12T15:54:17Z"
	if strings.Count(text, "still watching:") != 2 || !strings.Contains(text, fmt.Sprintf(still, 6)) || !strings.Contains(text, fmt.Sprintf(still, 11)) {
		t.Errorf("want a still-watching line at polls 6 and 11:\n%s", text)
	}
	if !strings.Contains(text, "no use of "+ds.CompromisedKey+" and its 1 child key and 4 sessions after the cut-off: 13 polls of 1 source") {
		t.Errorf("summary:\n%s", text)
	}
}
