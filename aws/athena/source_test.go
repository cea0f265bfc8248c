package athena

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// row turns a CloudTrail record into a result row in the source's column order, the way
// Athena's CloudTrail table returns it.
func row(t *testing.T, rec map[string]any) map[string]any {
	t.Helper()
	var data []map[string]any
	for _, c := range columns {
		var v any = rec
		for _, p := range c.path {
			m, _ := v.(map[string]any)
			v = m[p]
		}
		cell := map[string]any{}
		switch x := v.(type) {
		case nil:
		case string:
			cell["VarCharValue"] = x
		case bool:
			cell["VarCharValue"] = map[bool]string{true: "true", false: "false"}[x]
		default:
			b, err := json.Marshal(x)
			if err != nil {
				t.Fatal(err)
			}
			cell["VarCharValue"] = string(b)
		}
		data = append(data, cell)
	}
	return map[string]any{"Data": data}
}

func header() map[string]any {
	var data []map[string]any
	for _, c := range columns {
		data = append(data, map[string]any{"VarCharValue": c.alias})
	}
	return map[string]any{"Data": data}
}

func columnInfo() []map[string]any {
	var out []map[string]any
	for _, c := range columns {
		out = append(out, map[string]any{"Name": c.alias, "Label": c.alias, "Type": "varchar", "CatalogName": "hive", "SchemaName": "", "TableName": "", "Precision": 0, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": true})
	}
	return out
}

func ev(id, at, source, name, region, signer string, extra map[string]any) map[string]any {
	r := map[string]any{"eventVersion": "1.09", "eventID": id, "eventTime": at, "eventSource": source, "eventName": name, "awsRegion": region,
		"readOnly": false, "recipientAccountId": "111122223333",
		"userIdentity": map[string]any{"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/svc", "accountId": "111122223333", "accessKeyId": signer}}
	for k, v := range extra {
		r[k] = v
	}
	return r
}

// seed queues canned results, one per query, each a list of records: moto hands each
// new query the next one.
func seed(t *testing.T, srv *moto.Server, results ...[]map[string]any) {
	t.Helper()
	var rs []map[string]any
	for _, recs := range results {
		rows := []map[string]any{header()}
		for _, r := range recs {
			rows = append(rows, row(t, r))
		}
		rs = append(rs, map[string]any{"rows": rows, "column_info": columnInfo()})
	}
	body, _ := json.Marshal(map[string]any{"region": "us-east-1", "results": rs})
	resp, err := http.Post(srv.URL()+"/moto-api/static/athena/query-results", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("seeding results: HTTP %d", resp.StatusCode)
	}
}

func TestPivotThroughAthena(t *testing.T) {
	srv := moto.Start(t)
	client := athena.NewFromConfig(srv.AWSConfig(t, "us-east-1"))
	launch := func(id, region, signer, keyName string) map[string]any {
		return ev(id, "2026-03-02T11:00:00Z", "ec2.amazonaws.com", "RunInstances", region, signer, map[string]any{
			"requestParameters": map[string]any{"instanceType": "p3.16xlarge", "instancesSet": map[string]any{"items": []any{map[string]any{"imageId": "ami-1", "minCount": 1, "maxCount": 4, "keyName": keyName}}}}})
	}
	seed(t, srv,
		// Round 1: the key's events; it issues a session and creates a key pair.
		[]map[string]any{
			ev("e1", "2026-03-02T10:00:00Z", "sts.amazonaws.com", "GetSessionToken", "us-east-1", key, map[string]any{
				"requestParameters": map[string]any{"durationSeconds": 43200},
				"responseElements":  map[string]any{"credentials": map[string]any{"accessKeyId": session, "expiration": "Mar 2, 2026, 10:00:00 PM"}}}),
			ev("e2", "2026-03-02T10:05:00Z", "ec2.amazonaws.com", "CreateKeyPair", "eu-west-1", key, map[string]any{
				"requestParameters": map[string]any{"keyName": "ops'2026"}, "responseElements": map[string]any{"keyName": "ops'2026", "keyPairId": "key-0abc"}}),
			launch("e3", "eu-west-1", key, "ops'2026"),
		},
		// Round 2: the session's events and launches with the key pair, by anyone; the
		// SQL's text match also brings a launch in another region, which must be dropped.
		[]map[string]any{
			ev("s1", "2026-03-02T10:30:00Z", "s3.amazonaws.com", "ListBuckets", "us-east-1", session, nil),
			launch("o1", "eu-west-1", "AKIAOTHERSIGNER00001", "ops'2026"),
			launch("decoy", "us-east-1", "AKIAOTHERSIGNER00001", "ops'2026"),
		},
	)
	src := &Source{Client: client, Database: "security", Table: "cloudtrail_logs_pp", PollInterval: 20 * time.Millisecond, MaxPoll: 100 * time.Millisecond}
	w := investigate.Window{Since: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)}
	col := sourcetest.Collect(t, src, key, w)
	ids := map[string]bool{}
	for _, e := range col.Set.Events() {
		ids[e.ID] = true
		if !strings.HasPrefix(e.Origin.String(), "athena ") {
			t.Errorf("origin %q", e.Origin)
		}
	}
	for _, want := range []string{"e1", "e2", "e3", "s1", "o1"} {
		if !ids[want] {
			t.Errorf("event %s missing (have %v)", want, ids)
		}
	}
	if ids["decoy"] {
		t.Error("the launch in another region was kept")
	}
	rep := col.Reports[0]
	if rep.Kind != "cloudtrail-athena" || rep.Records != 6 || rep.Matched != 5 {
		t.Errorf("report: kind %s records %d matched %d problems %v notes %v", rep.Kind, rep.Records, rep.Matched, rep.Problems, rep.Notes)
	}
	// The SQL of both rounds is shown: the key, then the session and the key pair.
	for _, want := range []string{"'" + key + "'", "'" + session + "'", `(awsregion = 'eu-west-1' AND strpos(requestparameters, '"keyName":"ops''2026"') > 0)`, `eventtime >= '2026-03-01T00:00:00Z'`} {
		if !strings.Contains(rep.Query, want) {
			t.Errorf("query lacks %s:\n%s", want, rep.Query)
		}
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "MB scanned") {
		t.Errorf("notes %q", rep.Notes)
	}
}

// The key backdoors a role's trust policy: the role round asks for the role's history,
// and the administrators' CreateRole comes back; another role's CreateRole, which a
// looser table match could bring, is dropped by the exact check.
func TestRoleHistoryThroughAthena(t *testing.T) {
	srv := moto.Start(t)
	client := athena.NewFromConfig(srv.AWSConfig(t, "us-east-1"))
	before := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`
	after := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole"}]}`
	seed(t, srv,
		[]map[string]any{
			ev("k1", "2026-03-02T10:00:00Z", "iam.amazonaws.com", "UpdateAssumeRolePolicy", "us-east-1", key, map[string]any{
				"requestParameters": map[string]any{"roleName": "ops-break-glass", "policyDocument": after}}),
		},
		[]map[string]any{
			ev("a1", "2026-03-01T08:00:00Z", "iam.amazonaws.com", "CreateRole", "us-east-1", "AKIAADMINTERRAFORM01", map[string]any{
				"requestParameters": map[string]any{"roleName": "ops-break-glass", "assumeRolePolicyDocument": before}}),
			ev("k1", "2026-03-02T10:00:00Z", "iam.amazonaws.com", "UpdateAssumeRolePolicy", "us-east-1", key, map[string]any{
				"requestParameters": map[string]any{"roleName": "ops-break-glass", "policyDocument": after}}),
			ev("decoy", "2026-03-01T08:05:00Z", "iam.amazonaws.com", "CreateRole", "us-east-1", "AKIAADMINTERRAFORM01", map[string]any{
				"requestParameters": map[string]any{"roleName": "ops-break-glass-2", "assumeRolePolicyDocument": before}}),
		},
	)
	src := &Source{Client: client, Database: "security", Table: "cloudtrail_logs_pp", PollInterval: 20 * time.Millisecond, MaxPoll: 100 * time.Millisecond}
	w := investigate.Window{Since: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)}
	col := sourcetest.Collect(t, src, key, w)
	ids := map[string]bool{}
	for _, e := range col.Set.Events() {
		ids[e.ID] = true
	}
	if len(ids) != 2 || !ids["a1"] || !ids["k1"] {
		t.Errorf("events %v, want a1 and k1", ids)
	}
	if len(col.Rounds[0]) != 2 || col.Rounds[0][1].Records != 3 || col.Rounds[0][1].Matched != 2 {
		t.Errorf("rounds %+v: want the role round, 3 rows read, 2 kept", col.Rounds[0])
	}
	rep := col.Reports[0]
	if !strings.Contains(rep.Query, `json_extract_scalar(requestparameters, '$.roleName') IN ('ops-break-glass')`) {
		t.Errorf("query lacks the role history:\n%s", rep.Query)
	}
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(key), Events: col.Set.Events(), Reports: col.Reports, Window: w, Now: w.Until})
	trust := 0
	for _, a := range c.Artifacts {
		if a.Kind != investigate.ArtTrustPolicy {
			continue
		}
		trust++
		if a.PreviousEvent != "a1" || !investigate.SamePolicy(a.PreviousDocument, before) {
			t.Errorf("trust policy %+v: want the document of a1", a)
		}
	}
	if trust != 1 {
		t.Errorf("%d trust-policy artifacts, want 1", trust)
	}
}

func TestFailedQueryIsAnError(t *testing.T) {
	srv := moto.Start(t)
	client := athena.NewFromConfig(srv.AWSConfig(t, "us-east-1"))
	src := &Source{Client: client, Database: "security", Table: "t", Workgroup: "no-such-workgroup", PollInterval: 10 * time.Millisecond}
	_, err := src.Events(context.Background(), investigate.EventQuery{AccessKeys: investigate.KeyIDs(key)}, func([]investigate.Event) {})
	if err == nil {
		t.Skip("moto accepted an unknown workgroup")
	}
	if !strings.Contains(err.Error(), "start query") {
		t.Errorf("err = %v", err)
	}
}
