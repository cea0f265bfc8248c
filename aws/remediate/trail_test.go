package remediate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/investigate"
)

// corpusDir holds real CloudTrail records (Stratus Red Team detonations).
const corpusDir = "../../../shared/corpus/stratus-detonation-logs"

// corpusEvents are the records of a corpus file, each decoded as the parsers decode one.
// replace, old and new in pairs, rewrites the file first: a child key's id for the one
// moto made, which moto cannot be told to use. A missing corpus fails the test in CI and
// skips it elsewhere (a bare clone).
func corpusEvents(t *testing.T, file string, replace ...string) []*investigate.Event {
	t.Helper()
	path := filepath.Join(corpusDir, file)
	sourcetest.RequireCorpus(t, path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.NewReplacer(replace...).Replace(string(b)))
	var records []json.RawMessage
	if err := json.Unmarshal(b, &records); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var out []*investigate.Event
	for i, raw := range records {
		e, err := investigate.DecodeRecord(raw)
		if err != nil {
			t.Fatalf("%s#record %d: %v", file, i+1, err)
		}
		out = append(out, &e)
	}
	return out
}

// trail writes CloudTrail records signed by one IAM user's key, shaped as CloudTrail
// writes them, for the artifacts the corpus holds no detonation of (or only in the
// anonymised regions moto refuses); each is decoded as the parsers decode one. Records
// follow each other a minute apart from at.
type trail struct {
	t                  *testing.T
	account, user, key string
	at                 time.Time
	n                  int
	events             []*investigate.Event
}

// add records one successful call of the key.
func (tr *trail) add(source, name, region string, req, resp map[string]any) {
	tr.t.Helper()
	tr.n++
	at := tr.at.Add(time.Duration(tr.n) * time.Minute)
	rec := map[string]any{
		"eventVersion": "1.09", "eventID": fmt.Sprintf("00000000-0000-4000-8000-%012d", tr.n), "eventTime": at.UTC().Format(time.RFC3339),
		"eventSource": source, "eventName": name, "eventType": "AwsApiCall", "awsRegion": region,
		"sourceIPAddress": "198.51.100.23", "userAgent": "aws-cli/2.15.30", "readOnly": false, "managementEvent": true,
		"recipientAccountId": tr.account, "requestID": fmt.Sprintf("req-%d", tr.n),
		"requestParameters": req, "responseElements": resp,
		"userIdentity": map[string]any{
			"type": "IAMUser", "principalId": "AIDAEXAMPLEPRINCIPAL", "arn": "arn:aws:iam::" + tr.account + ":user/" + tr.user,
			"accountId": tr.account, "accessKeyId": tr.key, "userName": tr.user,
		},
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		tr.t.Fatal(err)
	}
	e, err := investigate.DecodeRecord(raw)
	if err != nil {
		tr.t.Fatalf("%s: %v", raw, err)
	}
	tr.events = append(tr.events, &e)
}

// iam records an IAM call (IAM's records name us-east-1).
func (tr *trail) iam(name string, req, resp map[string]any) {
	tr.t.Helper()
	tr.add("iam.amazonaws.com", name, "us-east-1", req, resp)
}
