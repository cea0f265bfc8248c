package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/keypivot/keypivot/internal/demo"
	"github.com/keypivot/keypivot/internal/sourcetest"
	estest "github.com/keypivot/keypivot/internal/testserver/elasticsearch"
	"github.com/keypivot/keypivot/internal/testserver/httpkit"
	"github.com/keypivot/keypivot/investigate"
)

const corpusDir = "../../shared/corpus/stratus-detonation-logs"

// corpusRecords reads every record of the Stratus Red Team corpus, as raw JSON.
func corpusRecords(t testing.TB) map[string][]json.RawMessage {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in %s: %v", corpusDir, err)
	}
	out := map[string][]json.RawMessage{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var recs []json.RawMessage
		if err := json.Unmarshal(b, &recs); err != nil {
			var wrapped struct{ Records []json.RawMessage }
			if err := json.Unmarshal(b, &wrapped); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			recs = wrapped.Records
		}
		out[filepath.Base(f)] = recs
	}
	return out
}

// normalized is the JSON of v with null and empty values dropped, keys sorted.
func normalized(t testing.TB, raw json.RawMessage) string {
	t.Helper()
	if len(raw) == 0 {
		return ""
	}
	v, err := httpkit.DecodeJSON[any](bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if dropEmpty(v) {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Every record of the corpus, ingested the way the integration does it and rebuilt by
// the trail source, decodes to the same event as the original record.
func TestRecordsRebuiltFromTheIntegrationLayoutMatchTheOriginals(t *testing.T) {
	n := 0
	for file, recs := range corpusRecords(t) {
		for i, raw := range recs {
			want, err := investigate.DecodeRecord(raw)
			if err != nil {
				t.Fatalf("%s#%d: %v", file, i, err)
			}
			doc, err := integrationDoc(raw)
			if err != nil {
				t.Fatal(err)
			}
			// The document travels as JSON.
			b, _ := json.Marshal(doc)
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			rebuilt, info, err := recordFromIntegration(m)
			if err != nil || info.original {
				t.Fatalf("%s#%d: %v (original %v)", file, i, err, info.original)
			}
			got, err := investigate.DecodeRecord(rebuilt)
			if err != nil {
				t.Fatalf("%s#%d: rebuilt record does not decode: %v\n%s", file, i, err, rebuilt)
			}
			if got.ID != want.ID || !got.Time.Equal(want.Time) || got.Source != want.Source || got.Name != want.Name ||
				got.Region != want.Region || got.SourceIP != want.SourceIP || got.UserAgent != want.UserAgent ||
				got.ErrorCode != want.ErrorCode || got.ErrorMessage != want.ErrorMessage || got.ReadOnly != want.ReadOnly ||
				got.ReadOnlyKnown != want.ReadOnlyKnown || got.RecipientAccount != want.RecipientAccount || got.Type != want.Type {
				t.Errorf("%s#%d: event differs\n got %+v\nwant %+v", file, i, got, want)
			}
			if got.Identity != want.Identity {
				t.Errorf("%s#%d: identity differs\n got %+v\nwant %+v", file, i, got.Identity, want.Identity)
			}
			if normalized(t, got.Request()) != normalized(t, want.Request()) || normalized(t, got.Response()) != normalized(t, want.Response()) {
				t.Errorf("%s#%d (%s): request/response differ\n got %s %s\nwant %s %s", file, i, want.Name,
					got.Request(), got.Response(), want.Request(), want.Response())
			}
			n++
		}
	}
	if n < 300 {
		t.Errorf("only %d records compared", n)
	}
}

func TestOriginalEventIsPreferredAndDigestsAreSkipped(t *testing.T) {
	orig := `{"eventVersion":"1.08","eventTime":"2024-07-30T21:53:13Z","eventSource":"ec2.amazonaws.com","eventName":"CreateKeyPair","awsRegion":"us-east-2","requestParameters":{"keyName":"k"},"responseElements":{"keyName":"k","keyPairId":"key-0123"}}`
	doc := map[string]any{
		"@timestamp": "2024-07-30T21:53:13.000Z",
		"event":      map[string]any{"action": "CreateKeyPair", "provider": "ec2.amazonaws.com", "original": orig},
		"tags":       []any{"preserve_original_event"},
	}
	raw, info, err := recordFromIntegration(doc)
	if err != nil || !info.original || string(raw) != orig {
		t.Fatalf("%s %+v %v", raw, info, err)
	}
	digest := map[string]any{"@timestamp": "2020-09-11T19:36:49.000Z", "aws": map[string]any{"cloudtrail": map[string]any{"flattened": map[string]any{"digest": map[string]any{"s3_bucket": "b"}}}}}
	if _, info, err := recordFromIntegration(digest); err == nil || !info.digest {
		t.Errorf("digest: %+v %v", info, err)
	}
	_, _, err = recordFromIntegration(map[string]any{"@timestamp": "2020-09-11T19:36:49.000Z", "event": map[string]any{"action": "X"}})
	if err == nil || !strings.Contains(err.Error(), "event.provider") {
		t.Errorf("incomplete document: %v", err)
	}
}

// demoServer indexes the demo scenario into Elasticsearch: its alert documents into the
// alerts index, and every CloudTrail record, in the integration's layout, into
// logs-aws.cloudtrail-default.
func demoServer(t testing.TB, ds *demo.Dataset, opts ...estest.Option) *estest.Server {
	t.Helper()
	s := estest.New(t, opts...)
	if _, err := s.LoadNDJSON(estest.AlertsIndex("default"), bytes.NewReader(ds.Alerts)); err != nil {
		t.Fatal(err)
	}
	var bulk bytes.Buffer
	n := 0
	for _, name := range ds.Names() {
		if strings.Contains(name, "CloudTrail-Digest") || len(ds.Files[name]) == 0 {
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(ds.Files[name]))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		var f struct{ Records []json.RawMessage }
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, r := range f.Records {
			doc, err := integrationDoc(r)
			if err != nil {
				t.Fatal(err)
			}
			line, _ := json.Marshal(doc)
			bulk.Write(line)
			bulk.WriteByte('\n')
			n++
		}
	}
	if got, err := s.LoadNDJSON("logs-aws.cloudtrail-default", &bulk); err != nil || got != n {
		t.Fatalf("indexed %d of %d records: %v", got, n, err)
	}
	return s
}

var (
	demoOnce sync.Once
	demoDS   *demo.Dataset
)

func demoDataset() *demo.Dataset {
	demoOnce.Do(func() { demoDS = demo.Generate(demo.DefaultAnchor()) })
	return demoDS
}

// caseFacts is what must not depend on where the case's data came from.
type caseFacts struct {
	EventCount, SessionEventCount, OtherEventCount int
	ChildEventCount                                int
	Sessions                                       []string
	KeyPairs                                       []string
	Launches                                       []string
	CreatedKeys                                    []string
	Artifacts                                      []string
	Siblings                                       []string
	HigherOrder                                    []string
	Findings                                       map[string]int
	Owner                                          string
}

func factsOf(c *investigate.Case) caseFacts {
	f := caseFacts{EventCount: c.EventCount, SessionEventCount: c.SessionEventCount, ChildEventCount: c.ChildEventCount, OtherEventCount: c.OtherEventCount, Findings: map[string]int{}}
	for _, s := range c.Sessions {
		f.Sessions = append(f.Sessions, strings.Join([]string{s.AccessKeyID, s.IssuedBy, s.IssuedByEvent, s.ParentKey, s.RoleARN, s.Expiration.String()}, " "))
	}
	for _, k := range c.FollowUps.KeyPairs {
		f.KeyPairs = append(f.KeyPairs, strings.Join([]string{k.Name, k.ID, k.Region, k.Account, k.EventID}, " "))
	}
	for _, l := range c.FollowUps.Launches {
		f.Launches = append(f.Launches, strings.Join([]string{l.EventID, l.Region, l.Signer, l.KeyName, l.InstanceType, strings.Join(l.InstanceIDs, ","), l.ErrorCode, l.MatchedBy}, " "))
	}
	for _, k := range c.CreatedAccessKeys {
		f.CreatedKeys = append(f.CreatedKeys, fmt.Sprintf("%s %s %s %d", k.AccessKeyID, k.User, k.Signer, k.EventCount))
	}
	for _, a := range c.Artifacts {
		f.Artifacts = append(f.Artifacts, strings.Join([]string{a.ID, a.EventID, a.Signer, strings.Join(strings.Fields(a.Document), ""), a.PreviousEvent}, " "))
	}
	for _, s := range c.Siblings {
		// Elasticsearch holds the Elastic alerts: the demo's AWS findings are compared
		// by the sources that read them.
		if s.Provider == investigate.ProviderElastic {
			f.Siblings = append(f.Siblings, s.AlertID+" "+s.ViaKey+" "+s.Ineligible)
		}
	}
	for _, s := range c.HigherOrderAlerts {
		f.HigherOrder = append(f.HigherOrder, s.AlertID)
	}
	for _, x := range c.Findings {
		f.Findings[x.Category]++
	}
	f.Owner = c.Owner.User + " " + c.Owner.ARN + " " + c.Owner.Account
	for _, l := range [][]string{f.Sessions, f.KeyPairs, f.Launches, f.CreatedKeys, f.Artifacts, f.Siblings, f.HigherOrder} {
		sort.Strings(l)
	}
	return f
}

// The demo incident, read from Elasticsearch (alerts index and CloudTrail integration
// data stream), gives the same case as read from its trail files and alert export:
// the same sessions, key pairs, launches (also those by other signers that used the
// key's key pairs), created keys and siblings.
func TestCaseFromElasticsearchEqualsCaseFromFiles(t *testing.T) {
	ds := demoDataset()
	s := demoServer(t, ds)
	c := connect(t, s)
	key := ds.CompromisedKey
	now := func() time.Time { return ds.Anchor }
	fromES := &investigate.Workspace{Alerts: []investigate.AlertSource{c.AlertSource()}, Trails: []investigate.EventSource{c.TrailSource()}, Now: now}
	fromFiles := &investigate.Workspace{Alerts: []investigate.AlertSource{demo.AlertSource(ds)}, Trails: []investigate.EventSource{demo.TrailSource(ds)}, Now: now}
	got, err := fromES.Investigate(context.Background(), investigate.MustParseAccessKeyID(key), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := fromFiles.Investigate(context.Background(), investigate.MustParseAccessKeyID(key), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got.Coverage.Sources {
		if len(r.Problems) > 0 {
			t.Errorf("trail source problems: %+v", r.Problems)
		}
	}
	gf, wf := factsOf(got), factsOf(want)
	gj, _ := json.MarshalIndent(gf, "", " ")
	wj, _ := json.MarshalIndent(wf, "", " ")
	if string(gj) != string(wj) {
		t.Fatalf("case from Elasticsearch differs from the case from files:\n got %s\nwant %s", gj, wj)
	}
	// And it is the incident the scenario planted.
	if len(got.Sessions) != len(ds.Facts.Sessions) || len(got.FollowUps.KeyPairs) != len(ds.Facts.KeyPairs) || len(got.FollowUps.Launches) != len(ds.Facts.Launches) {
		t.Errorf("sessions %d/%d, key pairs %d/%d, launches %d/%d", len(got.Sessions), len(ds.Facts.Sessions),
			len(got.FollowUps.KeyPairs), len(ds.Facts.KeyPairs), len(got.FollowUps.Launches), len(ds.Facts.Launches))
	}
	byKeyPair := 0
	for _, l := range got.FollowUps.Launches {
		if l.MatchedBy == "key-pair" {
			byKeyPair++
		}
	}
	wantByKeyPair := 0
	for _, l := range ds.Facts.Launches {
		if l.MatchedBy == "key-pair" {
			wantByKeyPair++
		}
	}
	if byKeyPair != wantByKeyPair || wantByKeyPair == 0 {
		t.Errorf("%d launches found through the key pairs, want %d", byKeyPair, wantByKeyPair)
	}
}

func TestKeyPairLaunchesAreSearchedByNameAndRegion(t *testing.T) {
	ds := demoDataset()
	s := demoServer(t, ds)
	c := connect(t, s)
	if len(ds.Facts.KeyPairs) == 0 {
		t.Skip("the demo plants no key pair")
	}
	kp := ds.Facts.KeyPairs[0]
	q := investigate.EventQuery{KeyPairs: []investigate.KeyPairRef{{Name: kp.Name, Region: kp.Region}}}
	rep, events, err := sourcetest.Events(context.Background(), c.TrailSource(), q)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range ds.Facts.Launches {
		if l.KeyName == kp.Name && l.Region == kp.Region {
			want = append(want, l.EventID)
		}
	}
	var got []string
	for _, e := range events {
		if e.Name != "RunInstances" || e.Region != kp.Region {
			t.Errorf("%s in %s returned for key pair %s/%s", e.Name, e.Region, kp.Region, kp.Name)
		}
		got = append(got, e.ID)
	}
	slices.Sort(got)
	slices.Sort(want)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("launches with %s/%s: got %v, want %v (report %+v)", kp.Region, kp.Name, got, want, rep)
	}
	// Another region's key pair of the same name is not this one.
	q.KeyPairs[0].Region = "eu-north-9"
	if _, events, err := sourcetest.Events(context.Background(), c.TrailSource(), q); err != nil || len(events) != 0 {
		t.Errorf("other region: %d events, %v", len(events), err)
	}
}

// The history of a role is searched by its name in the flattened request parameters,
// whoever signed the calls: the same events as the trail files give for the query, the
// administrators' CreateRole among them, and no other role's.
func TestRoleHistoryIsSearchedByRoleName(t *testing.T) {
	ds := demoDataset()
	s := demoServer(t, ds)
	c := connect(t, s)
	f := &ds.Facts
	q := investigate.EventQuery{Roles: []string{f.TrustRole}}
	rep, events, err := sourcetest.Events(context.Background(), c.TrailSource(), q)
	if err != nil {
		t.Fatal(err)
	}
	_, want, err := sourcetest.Events(context.Background(), demo.TrailSource(ds), q)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(evs []investigate.Event) []string {
		var out []string
		for i := range evs {
			out = append(out, evs[i].ID)
		}
		slices.Sort(out)
		return out
	}
	got, wantIDs := ids(events), ids(want)
	if !slices.Contains(got, f.TrustRoleCreated) || !slices.Equal(got, wantIDs) {
		t.Errorf("history of %s: got %v, want %v with the CreateRole %s (report %+v)", f.TrustRole, got, wantIDs, f.TrustRoleCreated, rep)
	}
	for i := range events {
		if r := investigate.RoleHistoryRole(&events[i]); r != f.TrustRole {
			t.Errorf("%s %s of role %q returned", events[i].ID, events[i].Name, r)
		}
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "searched the history of 1 role (") {
		t.Errorf("notes %q", rep.Notes)
	}
	// Another role's name finds nothing of this one.
	if _, events, err := sourcetest.Events(context.Background(), c.TrailSource(), investigate.EventQuery{Roles: []string{"no-such-role"}}); err != nil || len(events) != 0 {
		t.Errorf("unknown role: %d events, %v", len(events), err)
	}
}

func TestTrailSourceNotesWhatItCouldNotRead(t *testing.T) {
	s := estest.New(t)
	recs := corpusRecords(t)["aws.persistence.iam-create-admin-user.json"]
	var key string
	for i, r := range recs {
		doc, _ := integrationDoc(r)
		if i == 0 {
			// As the integration does past 32,766 characters: text only, no objects.
			aws := doc["aws"].(map[string]any)["cloudtrail"].(map[string]any)
			delete(aws, "flattened")
		}
		key = doc["aws"].(map[string]any)["cloudtrail"].(map[string]any)["user_identity"].(map[string]any)["access_key_id"].(string)
		if err := s.Index("logs-aws.cloudtrail-default", "ev"+string(rune('a'+i)), doc); err != nil {
			t.Fatal(err)
		}
	}
	digest := map[string]any{"@timestamp": "2024-11-30T08:43:17.000Z", "aws": map[string]any{"cloudtrail": map[string]any{
		"user_identity": map[string]any{"access_key_id": key},
		"flattened":     map[string]any{"digest": map[string]any{"s3_bucket": "b"}}}}}
	if err := s.Index("logs-aws.cloudtrail-default", "digest", digest); err != nil {
		t.Fatal(err)
	}
	c := connect(t, s)
	rep, events, err := sourcetest.Events(context.Background(), c.TrailSource(), investigate.EventQuery{AccessKeys: investigate.KeyIDs(key)})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != len(recs) || rep.Skipped != 1 || !slices.ContainsFunc(rep.Notes, func(n string) bool { return strings.Contains(n, "over 32 KB") }) {
		t.Errorf("%d events, report %+v", len(events), rep)
	}
	if !strings.HasPrefix(events[0].Origin.String(), "elastic .ds-logs-aws.cloudtrail-default-") {
		t.Errorf("origin %q", events[0].Origin)
	}
	// Without the integration installed the error says so.
	c2 := connect(t, estest.New(t))
	_, err = c2.TrailSource().Events(context.Background(), investigate.EventQuery{AccessKeys: investigate.KeyIDs(key)}, func([]investigate.Event) {})
	if err == nil || !strings.Contains(err.Error(), "--elastic-trail-index") {
		t.Errorf("err = %v", err)
	}
}
