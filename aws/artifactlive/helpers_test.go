package artifactlive

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// leaked is the case key: every record of the trail below is signed by it.
const leaked = "AKIAW9X2Q2U25SK79UCX"

// start is the trail's first event time; records follow a minute apart.
var start = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

// trail builds CloudTrail records signed by the case key, in order.
type trail struct {
	t      *testing.T
	events []*investigate.Event
}

// add appends a successful record of service ("iam", "lambda", "ec2") in region.
func (tr *trail) add(service, name, region string, req, resp any) {
	tr.t.Helper()
	n := len(tr.events)
	b, err := json.Marshal(map[string]any{
		"eventVersion": "1.09", "eventID": fmt.Sprintf("ev-%03d", n), "eventTime": start.Add(time.Duration(n) * time.Minute).Format(time.RFC3339),
		"eventSource": service + ".amazonaws.com", "eventName": name, "awsRegion": region, "recipientAccountId": moto.Account,
		"sourceIPAddress": "203.0.113.9", "userAgent": "aws-cli/2.15.0",
		"userIdentity": map[string]any{"type": "IAMUser", "userName": "alice", "accessKeyId": leaked, "accountId": moto.Account,
			"arn": "arn:aws:iam::" + moto.Account + ":user/alice"},
		"requestParameters": req, "responseElements": resp,
	})
	if err != nil {
		tr.t.Fatal(err)
	}
	e, err := investigate.DecodeRecord(b)
	if err != nil {
		tr.t.Fatal(err)
	}
	tr.events = append(tr.events, &e)
}

// iam appends an IAM record (logged in us-east-1).
func (tr *trail) iam(name string, req any) {
	tr.t.Helper()
	tr.add("iam", name, "us-east-1", req, nil)
}

// artifacts are the case's artifacts as the domain reads them from the trail, by ID.
func (tr *trail) artifacts() []investigate.Artifact {
	tr.t.Helper()
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(leaked), Events: tr.events, Now: start.Add(24 * time.Hour)})
	return c.Artifacts
}

// session is a session in moto's default account, made from cfg.
func session(t *testing.T, cfg aws.Config) *awsconfig.Session {
	t.Helper()
	s, err := awsconfig.FromConfig(context.Background(), cfg, awsconfig.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// readOnly is a --read-only session on cfg: every lookup must pass its guard.
func readOnly(t *testing.T, cfg aws.Config) *awsconfig.Session {
	t.Helper()
	s, err := awsconfig.FromConfig(context.Background(), cfg, awsconfig.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// check compares the live state of each artifact by ID with want ("present: state",
// "gone: state"); every artifact of the case must be answered and wanted.
func check(t *testing.T, arts []investigate.Artifact, got map[string]investigate.ArtifactLive, want map[string]string) {
	t.Helper()
	for _, a := range arts {
		if _, ok := want[a.ID]; !ok {
			t.Errorf("artifact %s (%s) is not expected by the test", a.ID, a.Resource)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d states for %d artifacts", len(got), len(want))
	}
	for id, w := range want {
		l, ok := got[id]
		if !ok {
			t.Errorf("%s: no state", id)
			continue
		}
		s := "gone: " + l.State
		if l.Present {
			s = "present: " + l.State
		}
		if l.Error != "" {
			s = "error: " + l.Error
		}
		if s != w {
			t.Errorf("%s: %s, want %s", id, s, w)
		}
	}
}
