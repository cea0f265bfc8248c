package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// A small synthetic case, for tests that need control over the data: CloudTrail
// records of two keys and a session derived from one, their alerts, and sources that
// serve them from memory.
const (
	fxKey     = "AKIAFIXTUREKEY000001"
	fxOther   = "AKIAFIXTUREKEY000002"
	fxSession = "ASIAFIXTURESESSION01"
	fxAccount = "111122223333"
)

var fxStart = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

// record builds one CloudTrail record.
func record(i int, key, name, svc, region, ip, ua, errCode string, req, resp any) []byte {
	ident := map[string]any{"type": "IAMUser", "arn": "arn:aws:iam::" + fxAccount + ":user/alice", "accountId": fxAccount, "accessKeyId": key, "userName": "alice", "principalId": "AIDAFIXTURE"}
	if strings.HasPrefix(key, "ASIA") {
		ident = map[string]any{"type": "IAMUser", "arn": "arn:aws:iam::" + fxAccount + ":user/alice", "accountId": fxAccount, "accessKeyId": key, "userName": "alice",
			"sessionContext": map[string]any{"attributes": map[string]any{"creationDate": fxStart.Format(time.RFC3339), "mfaAuthenticated": "false"}}}
	}
	r := map[string]any{
		"eventVersion": "1.09", "userIdentity": ident,
		"eventTime": fxStart.Add(time.Duration(i) * time.Second).Format(time.RFC3339), "eventSource": svc + ".amazonaws.com",
		"eventName": name, "awsRegion": region, "sourceIPAddress": ip, "userAgent": ua,
		"requestParameters": req, "responseElements": resp,
		"requestID": fmt.Sprintf("req-%08d", i), "eventID": fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
		"readOnly":  strings.HasPrefix(name, "Get") || strings.HasPrefix(name, "List") || strings.HasPrefix(name, "Describe"),
		"eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": fxAccount,
	}
	if errCode != "" {
		r["errorCode"], r["errorMessage"] = errCode, "User: arn:aws:iam::"+fxAccount+":user/alice is not authorized"
		r["responseElements"] = nil
	}
	b, _ := json.Marshal(r)
	return b
}

func decode(t testing.TB, raw []byte) investigate.Event {
	e, err := investigate.DecodeRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// fixtureEvents is a small case: discovery with a denied call, a derived session, a
// key pair and a launch. ua is the user agent of the key's own calls.
func fixtureEvents(t testing.TB, ua string) []investigate.Event {
	return fixtureEventsNamed(t, ua, "backdoor", "kp1")
}

// fixtureEventsNamed is fixtureEvents with the attacker's choice of a user name and a
// key pair name.
func fixtureEventsNamed(t testing.TB, ua, user, kp string) []investigate.Event {
	ev := []investigate.Event{
		decode(t, record(1, fxKey, "GetCallerIdentity", "sts", "us-east-1", "198.51.100.7", ua, "", map[string]any{}, map[string]any{"account": fxAccount})),
		decode(t, record(2, fxKey, "ListUsers", "iam", "us-east-1", "198.51.100.7", ua, "", map[string]any{}, map[string]any{})),
		decode(t, record(3, fxKey, "ListRoles", "iam", "us-east-1", "198.51.100.7", ua, "AccessDenied", map[string]any{}, nil)),
		decode(t, record(4, fxKey, "GetSessionToken", "sts", "us-east-1", "198.51.100.7", ua, "", map[string]any{"durationSeconds": 43200},
			map[string]any{"credentials": map[string]any{"accessKeyId": fxSession, "expiration": fxStart.Add(12 * time.Hour).Format("Jan 2, 2006 3:04:05 PM"), "sessionToken": "x"}})),
		decode(t, record(5, fxSession, "CreateKeyPair", "ec2", "eu-west-1", "203.0.113.9", "aws-cli/2.15", "", map[string]any{"keyName": kp},
			map[string]any{"keyName": kp, "keyPairId": "key-0123456789abcdef0", "keyFingerprint": "aa:bb"})),
		decode(t, record(6, fxSession, "RunInstances", "ec2", "eu-west-1", "203.0.113.9", "aws-cli/2.15", "", map[string]any{"instanceType": "g5.xlarge", "instancesSet": map[string]any{"items": []any{map[string]any{"keyName": kp, "minCount": 1, "maxCount": 1}}}},
			map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": "i-0fixture00000001"}}}})),
		decode(t, record(7, fxKey, "CreateUser", "iam", "us-east-1", "198.51.100.7", ua, "", map[string]any{"userName": user}, map[string]any{"user": map[string]any{"userName": user}})),
		decode(t, record(8, fxOther, "ListBuckets", "s3", "us-east-1", "192.0.2.1", "Boto3/1.34", "", map[string]any{}, map[string]any{})),
	}
	return ev
}

func fixtureAlerts() []investigate.Alert {
	at := fxStart.Add(time.Minute)
	return []investigate.Alert{
		{ID: "alert-fs-1", Provider: "elastic", RuleID: investigate.FirstSeenRuleID, RuleName: "AWS IAM Long-Term Access Key First Seen from Source IP", RuleType: "new_terms",
			Severity: investigate.SeverityMedium, RiskScore: 47, Status: "open", Kind: "signal", Time: at, AccessKeyID: fxKey, SourceIP: "198.51.100.7", ASOrg: "Example Broadband", UserName: "alice", Account: fxAccount},
		{ID: "alert-sib-1", Provider: "elastic", RuleID: "696015ef-718e-40ff-ac4a-cc2ba88dbeeb", RuleName: "AWS IAM User Created Access Keys For Another User", RuleType: "query",
			Severity: investigate.SeverityHigh, RiskScore: 73, Status: "open", Kind: "signal", Time: at.Add(time.Minute), AccessKeyID: fxKey, SourceIP: "198.51.100.7", UserName: "alice", Account: fxAccount},
		{ID: "alert-fs-2", Provider: "elastic", RuleID: investigate.FirstSeenRuleID, RuleName: "AWS IAM Long-Term Access Key First Seen from Source IP", RuleType: "new_terms",
			Severity: investigate.SeverityMedium, RiskScore: 47, Status: "open", Kind: "signal", Time: at, AccessKeyID: fxOther, SourceIP: "192.0.2.1", UserName: "bob", Account: fxAccount},
	}
}

// memTrail serves events from memory. When gate is set, each query waits for it (or for
// its context) before answering, and cancelled records that a context ended it.
type memTrail struct {
	events    []investigate.Event
	gate      chan struct{}
	mu        sync.Mutex
	cancelled int
	queries   int
	// scan, when set, is reported through the query's OnScan before the gate opens.
	scan *investigate.ScanProgress
}

func (m *memTrail) Name() string { return "mem:trail" }

func (m *memTrail) Events(ctx context.Context, q investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	m.mu.Lock()
	m.queries++
	m.mu.Unlock()
	if m.scan != nil && q.OnScan != nil {
		q.OnScan(*m.scan)
	}
	if m.gate != nil {
		select {
		case <-m.gate:
		case <-ctx.Done():
			m.mu.Lock()
			m.cancelled++
			m.mu.Unlock()
			return investigate.SourceReport{Source: m.Name()}, ctx.Err()
		}
	}
	var out []investigate.Event
	for _, e := range m.events {
		match := false
		for _, k := range q.AccessKeys {
			match = match || e.Signer() == k.String()
		}
		if e.Name == "RunInstances" {
			for _, kn := range investigate.RunInstancesKeyNames(&e) {
				for _, p := range q.KeyPairs {
					match = match || (p.Name == kn && p.Region == e.Region)
				}
			}
		}
		if match {
			out = append(out, e)
		}
	}
	if len(out) > 0 {
		sink(out)
	}
	return investigate.SourceReport{Source: m.Name(), Kind: "memory", Records: int64(len(m.events)), Matched: int64(len(out))}, nil
}

type memAlerts struct{ alerts []investigate.Alert }

func (m *memAlerts) Name() string { return "mem:alerts" }

func (m *memAlerts) Alerts(ctx context.Context, q investigate.AlertQuery, sink func([]investigate.Alert)) (investigate.SourceReport, error) {
	sink(m.alerts)
	return investigate.SourceReport{Source: m.Name(), Kind: "memory", Records: int64(len(m.alerts))}, nil
}

func fixtureWorkspace(trail *memTrail) *investigate.Workspace {
	return &investigate.Workspace{
		Alerts:      []investigate.AlertSource{&memAlerts{alerts: fixtureAlerts()}},
		Trails:      []investigate.EventSource{trail},
		Correlation: investigate.DefaultCorrelationOptions(),
		Now:         func() time.Time { return fxStart.Add(time.Hour) },
		Describe:    "fixture",
	}
}
