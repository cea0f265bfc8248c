package demo

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/internal/sourcetest"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

var (
	defaultOnce sync.Once
	defaultDS   *Dataset
)

// dataset is the default dataset, generated once for the tests that only read it.
func dataset(t testing.TB) *Dataset {
	t.Helper()
	defaultOnce.Do(func() { defaultDS = Generate(DefaultAnchor()) })
	return defaultDS
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(DefaultAnchor()), Generate(DefaultAnchor())
	if !reflect.DeepEqual(a.Names(), b.Names()) {
		t.Fatal("two runs with the same anchor name different files")
	}
	for _, n := range a.Names() {
		if !bytes.Equal(a.Files[n], b.Files[n]) {
			t.Fatalf("%s differs between two runs", n)
		}
	}
	if !bytes.Equal(a.Alerts, b.Alerts) {
		t.Fatal("alerts differ between two runs")
	}
	if !reflect.DeepEqual(a.Facts, b.Facts) {
		t.Fatal("facts differ between two runs")
	}

	// The anchor is normalised: another zone and sub-second digits change nothing.
	c := Generate(DefaultAnchor().In(time.FixedZone("UTC+5", 5*3600)).Add(700 * time.Millisecond))
	if !reflect.DeepEqual(a.Names(), c.Names()) || !bytes.Equal(a.Alerts, c.Alerts) {
		t.Fatal("the same instant in another zone gives another dataset")
	}

	// Identifiers depend on the seed only; times on the anchor.
	later := Generate(DefaultAnchor().Add(41*time.Hour + 17*time.Minute))
	if later.CompromisedKey != a.CompromisedKey || !reflect.DeepEqual(later.Facts.Launches, a.Facts.Launches) {
		t.Error("moving the anchor changed the scenario's identifiers")
	}
	if reflect.DeepEqual(later.Names(), a.Names()) {
		t.Error("moving the anchor did not move the files")
	}
	other := GenerateSeed(DefaultAnchor(), 7)
	if other.CompromisedKey == a.CompromisedKey || bytes.Equal(other.Alerts, a.Alerts) {
		t.Error("another seed gave the same identifiers")
	}
}

var (
	uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	nameRe = regexp.MustCompile(`^AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4}/\d{2}/\d{2})/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$`)
)

// keyAccount decodes the account an access key id encodes.
func keyAccount(key string) string {
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(key[4:])
	if err != nil || len(b) < 6 {
		return ""
	}
	var w [8]byte
	copy(w[2:], b[:6])
	return fmt.Sprintf("%012d", (binary.BigEndian.Uint64(w[:])&0x7fffffffff80)>>7)
}

func TestEveryFileIsARealCloudTrailLogFile(t *testing.T) {
	ds := dataset(t)
	seenIDs := map[string]string{}
	records := 0
	for _, name := range ds.Names() {
		data := ds.Files[name]
		m := nameRe.FindStringSubmatch(name)
		if m == nil || m[1] != m[4] || m[2] != m[5] {
			t.Fatalf("%s: not a CloudTrail object key", name)
		}
		lf, ok := cloudtrail.ParseLayout(name)
		if !ok || lf.Digest || lf.Delivery.IsZero() || lf.Account != m[1] || lf.Region != m[2] {
			t.Fatalf("%s: the reader does not recognise the layout: %+v", name, lf)
		}
		if lf.Delivery.Format("2006/01/02") != m[3] || !lf.Delivery.Before(ds.Anchor) {
			t.Fatalf("%s: delivered %s, directory %s, anchor %s", name, lf.Delivery, m[3], ds.Anchor)
		}
		// A fixed gzip header: magic, deflate, no flags (name, comment, extra), MTIME 0.
		if len(data) < 10 || !bytes.Equal(data[:8], []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0}) {
			t.Fatalf("%s: gzip header % x is not fixed", name, data[:min(len(data), 10)])
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body, err := io.ReadAll(zr)
		if err != nil || !bytes.HasPrefix(body, []byte(`{"Records":[{`)) || !bytes.HasSuffix(body, []byte(`}]}`)) {
			t.Fatalf("%s: body is not {\"Records\":[...]}: %v", name, err)
		}
		var events []investigate.Event
		st, probs := cloudtrail.Parse(name, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
			cloudtrail.NewMatcher(investigate.EventQuery{}), func(b []investigate.Event) { events = append(events, b...) })
		if len(probs) > 0 || st.Records == 0 || int(st.Records) != len(events) {
			t.Fatalf("%s: %d records, %d events, problems %v", name, st.Records, len(events), probs)
		}
		records += len(events)
		for i := range events {
			e := &events[i]
			where := name + ": " + e.Name + " " + e.ID
			if prev, dup := seenIDs[e.ID]; dup {
				t.Fatalf("%s: eventID already used in %s", where, prev)
			}
			seenIDs[e.ID] = name
			checkRecord(t, where, e, lf, ds.Anchor)
		}
	}
	if records != ds.Facts.Records || records < 4000 {
		t.Fatalf("read %d records, generated %d", records, ds.Facts.Records)
	}
}

// checkRecord holds one record to what CloudTrail writes.
func checkRecord(t *testing.T, where string, e *investigate.Event, lf cloudtrail.LogFile, anchor time.Time) {
	t.Helper()
	if !uuidRe.MatchString(e.ID) {
		t.Fatalf("%s: eventID is not a UUID", where)
	}
	if e.RecipientAccount != lf.Account || e.Region != lf.Region {
		t.Fatalf("%s: recorded in %s/%s, filed under %s/%s", where, e.RecipientAccount, e.Region, lf.Account, lf.Region)
	}
	if !e.Time.Before(lf.Delivery) || lf.Delivery.Sub(e.Time) > 10*time.Minute {
		t.Fatalf("%s: event at %s in a file delivered %s", where, e.Time, lf.Delivery)
	}
	if e.Time.Before(anchor.Add(-72*time.Hour)) || !e.Time.Before(anchor) {
		t.Fatalf("%s: %s is outside the three days before %s", where, e.Time, anchor)
	}
	if !e.ReadOnlyKnown || e.Identity.Type == "" || e.Identity.AccountID == "" || e.UserAgent == "" || e.SourceIP == "" {
		t.Fatalf("%s: incomplete record %+v", where, e)
	}
	if e.Failed() && (e.Response() != nil || e.ErrorMessage == "") {
		t.Fatalf("%s: a failed call has responseElements or no errorMessage", where)
	}
	var raw struct {
		EventVersion    string          `json:"eventVersion"`
		RequestID       string          `json:"requestID"`
		EventType       string          `json:"eventType"`
		ManagementEvent *bool           `json:"managementEvent"`
		EventCategory   string          `json:"eventCategory"`
		TLSDetails      json.RawMessage `json:"tlsDetails"`
		UserIdentity    struct {
			SessionContext json.RawMessage `json:"sessionContext"`
		} `json:"userIdentity"`
	}
	rec, err := e.Raw()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(rec, &raw); err != nil {
		t.Fatal(err)
	}
	// S3 object calls are data events (patterns.go); every other call a management event.
	data := investigate.IsS3DataEvent(e)
	if raw.EventVersion == "" || raw.ManagementEvent == nil || *raw.ManagementEvent == data || raw.EventCategory != map[bool]string{false: "Management", true: "Data"}[data] {
		t.Fatalf("%s: missing eventVersion, managementEvent or eventCategory", where)
	}
	switch raw.EventType {
	case "AwsApiCall":
		if raw.RequestID == "" {
			t.Fatalf("%s: no requestID", where)
		}
	case "AwsConsoleSignIn":
	default:
		t.Fatalf("%s: eventType %q", where, raw.EventType)
	}
	if (raw.TLSDetails == nil) != (e.Identity.InvokedBy != "") {
		t.Fatalf("%s: tlsDetails present=%v for invokedBy %q", where, raw.TLSDetails != nil, e.Identity.InvokedBy)
	}
	switch e.Service() {
	case "iam", "signin", "route53", "cloudfront", "organizations", "ce", "health":
		if e.Region != "us-east-1" {
			t.Fatalf("%s: a global service recorded in %s", where, e.Region)
		}
	case "sts":
		if global := bytes.Contains(raw.TLSDetails, []byte(`"sts.amazonaws.com"`)); global && e.Region != "us-east-1" {
			t.Fatalf("%s: global STS endpoint recorded in %s", where, e.Region)
		}
	}
	if k := e.Signer(); k != "" {
		if !investigate.IsAccessKeyID(k) {
			t.Fatalf("%s: signer %q is not an access key id", where, k)
		}
		if keyAccount(k) != e.Identity.AccountID {
			t.Fatalf("%s: key %s encodes account %s, identity says %s", where, k, keyAccount(k), e.Identity.AccountID)
		}
		if investigate.IsSessionKey(k) != (raw.UserIdentity.SessionContext != nil) {
			t.Fatalf("%s: %s with sessionContext=%v", where, k, raw.UserIdentity.SessionContext != nil)
		}
	}
}

func TestJSONWriterMatchesEncodingJSON(t *testing.T) {
	g := newGen(DefaultAnchor(), DefaultSeed)
	g.buildWorld()
	g.benign()
	g.attack()
	tricky := *g.recs[0]
	tricky.UserAgent = "\x00\x1b[31m\b\f\t\n\r\"\\<>&\u2028\u2029\u202e\xff ok"
	tricky.RequestParameters = obj{"z": []any{1, int64(-2), true, nil, "é"}, "a": obj{}}
	for _, r := range append(g.recs, &tricky) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		if got := string(r.appendJSON(nil)); got != strings.TrimSuffix(want.String(), "\n") {
			t.Fatalf("hand-written JSON differs from encoding/json:\n got %s\nwant %s", got, want.String())
		}
	}
}

func TestTrailSourcePrunesFilesByWindow(t *testing.T) {
	ds := dataset(t)
	ctx := context.Background()
	src := TrailSource(ds)
	collect := func(q investigate.EventQuery) ([]investigate.Event, investigate.SourceReport) {
		rep, out, err := sourcetest.Events(ctx, src, q)
		if err != nil || len(rep.Problems) > 0 {
			t.Fatalf("%v %v", err, rep.Problems)
		}
		return out, rep
	}
	all, rep := collect(investigate.EventQuery{})
	if len(all) != ds.Facts.Records || rep.Files != len(ds.Files) || rep.Skipped != 0 {
		t.Fatalf("whole dataset: %d events of %d, %d files of %d", len(all), ds.Facts.Records, rep.Files, len(ds.Files))
	}
	// A window ending two days ago: later days' files are pruned by their path.
	w := investigate.Window{Since: ds.Anchor.Add(-72 * time.Hour), Until: ds.Anchor.Add(-50 * time.Hour)}
	want := 0
	for i := range all {
		if w.Contains(all[i].Time) {
			want++
		}
	}
	got, rep := collect(investigate.EventQuery{Window: w})
	if len(got) != want || want == 0 {
		t.Fatalf("window: %d events, want %d", len(got), want)
	}
	if rep.Skipped == 0 || rep.Files+rep.Skipped != len(ds.Files) {
		t.Fatalf("window: %d files read, %d skipped of %d: the layout did not prune", rep.Files, rep.Skipped, len(ds.Files))
	}
}

// investigation is a case built the way keypivot builds it.
type investigation struct {
	c      *investigate.Case
	col    *investigate.Collection
	alerts []investigate.Alert
}

func investigateKey(t testing.TB, ds *Dataset, key string) investigation {
	t.Helper()
	ctx := context.Background()
	col := investigate.Collect(ctx, investigate.MustParseAccessKeyID(key), []investigate.EventSource{TrailSource(ds)}, nil, investigate.CollectOptions{})
	if len(col.Errors) > 0 {
		t.Fatal(col.Errors)
	}
	arep, alerts, err := sourcetest.Alerts(ctx, AlertSource(ds), investigate.AlertQuery{})
	if err != nil || len(arep.Problems) > 0 || len(alerts) != ds.Facts.Alerts.Total {
		t.Fatalf("alerts: %d of %d, %v %v", len(alerts), ds.Facts.Alerts.Total, err, arep.Problems)
	}
	c := investigate.BuildCase(investigate.CaseInput{
		Key: investigate.MustParseAccessKeyID(key), Events: col.Set.Events(), Alerts: alerts, Reports: col.Reports,
		AlertReports: []investigate.SourceReport{arep}, Duplicates: col.Set.Duplicates(),
		Correlation: investigate.DefaultCorrelationOptions(), Now: ds.Anchor, Demo: true,
	})
	if len(c.Coverage.Problems) > 0 || len(c.Coverage.Gaps) > 0 {
		t.Fatalf("coverage: problems %v, gaps %v", c.Coverage.Problems, c.Coverage.Gaps)
	}
	return investigation{c: c, col: col, alerts: alerts}
}

func TestCompromisedKeyCase(t *testing.T) {
	cases := []struct {
		name string
		ds   func() *Dataset
	}{
		{"default", func() *Dataset { return dataset(t) }},
		// Other anchors: a Sunday night, a Monday just after midnight; and another seed.
		{"sunday", func() *Dataset { return Generate(time.Date(2026, 5, 17, 23, 5, 0, 0, time.UTC)) }},
		{"monday", func() *Dataset { return Generate(time.Date(2027, 1, 4, 0, 20, 9, 0, time.UTC)) }},
		{"seed", func() *Dataset { return GenerateSeed(DefaultAnchor(), 0x5eed) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkCompromisedCase(t, tc.ds()) })
	}
}

func checkCompromisedCase(t *testing.T, ds *Dataset) {
	f := &ds.Facts
	inv := investigateKey(t, ds, ds.CompromisedKey)
	c := inv.c

	if c.Owner.User != f.CompromisedUser || c.Owner.Account != f.ProdAccount || c.Owner.Type != "IAMUser" || c.Owner.ARN != f.CompromisedARN {
		t.Errorf("owner %+v", c.Owner)
	}
	// The key's own events, its sessions', its child key's, and the launches by other
	// signers with its key pairs, each counted apart.
	if n := c.EventCount + c.SessionEventCount + c.ChildEventCount + c.OtherEventCount; n != f.CaseRecords || len(c.Events) != f.CaseRecords ||
		c.ChildEventCount != f.ChildEvents || c.OtherEventCount != f.OtherRecords || f.ChildEvents < 10 || f.OtherRecords != 1 {
		t.Errorf("case holds %d+%d+%d+%d events (own, sessions, child, other), the scenario planted %d (child %d, other %d)",
			c.EventCount, c.SessionEventCount, c.ChildEventCount, c.OtherEventCount, f.CaseRecords, f.ChildEvents, f.OtherRecords)
	}
	for _, want := range []string{f.ProdAccount, f.DataAccount} {
		if !slices.Contains(c.Coverage.Accounts, want) {
			t.Errorf("account %s not covered: %v", want, c.Coverage.Accounts)
		}
	}
	for _, want := range []string{"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-1"} {
		if !slices.Contains(c.Coverage.Regions, want) {
			t.Errorf("region %s not in the case: %v", want, c.Coverage.Regions)
		}
	}

	// Derived sessions: all four, attributed, one in the data account, one chained.
	if len(c.Sessions) != len(f.Sessions) || len(c.Sessions) < 2 {
		t.Fatalf("%d sessions, want %d", len(c.Sessions), len(f.Sessions))
	}
	byKey := map[string]investigate.Session{}
	for _, s := range c.Sessions {
		byKey[s.AccessKeyID] = s
	}
	var inData, chained bool
	for _, want := range f.Sessions {
		s, ok := byKey[want.Key]
		switch {
		case !ok:
			t.Errorf("session %s (%s) not derived", want.Key, want.IssuedBy)
			continue
		case s.IssuedBy != want.IssuedBy || s.ParentKey != want.Parent || s.Account != want.Account || s.IssuedByEvent != want.EventID:
			t.Errorf("session %s: %+v, want %+v", want.Key, s, want)
		case s.EventCount != want.Events || s.EventCount == 0:
			t.Errorf("session %s: %d events attributed, %d planted", want.Key, s.EventCount, want.Events)
		case !s.Expiration.Equal(want.Expires) || s.ValidAtGeneration != want.Expires.After(ds.Anchor):
			t.Errorf("session %s: expires %s (valid %v), want %s", want.Key, s.Expiration, s.ValidAtGeneration, want.Expires)
		}
		inData = inData || s.Account == f.DataAccount
		chained = chained || s.Depth == 2
	}
	if !inData || !chained {
		t.Errorf("sessions: one in the data account %v, one chained %v", inData, chained)
	}
	for _, k := range append(append([]string{}, f.ConsoleSessionKeys...), f.AutomationSessionKeys...) {
		if _, ok := byKey[k]; ok {
			t.Errorf("%s (a console or automation session) linked to the key", k)
		}
	}

	// Follow-ups: key pairs in two regions, failed and successful launches, a launch by a
	// session, one by the child key (the case's own), and one by another signer (a
	// console sign-in of the backdoor user) matched by key pair and region.
	if len(c.FollowUps.KeyPairs) != len(f.KeyPairs) {
		t.Fatalf("key pairs %+v", c.FollowUps.KeyPairs)
	}
	regions := map[string]bool{}
	for i, kp := range c.FollowUps.KeyPairs {
		want := f.KeyPairs[i]
		if kp.Name != want.Name || kp.Region != want.Region || kp.ID != want.ID || kp.EventID != want.EventID {
			t.Errorf("key pair %+v, want %+v", kp, want)
		}
		regions[kp.Region] = true
	}
	if len(regions) < 2 {
		t.Errorf("key pairs in %d regions", len(regions))
	}
	if len(c.FollowUps.Launches) != len(f.Launches) {
		t.Fatalf("%d launches, want %d", len(c.FollowUps.Launches), len(f.Launches))
	}
	var failed, succeeded, bySession, byChild, byPair int
	instances := 0
	for i, l := range c.FollowUps.Launches {
		want := f.Launches[i]
		if l.EventID != want.EventID || l.Signer != want.Signer || l.KeyName != want.KeyName || l.Region != want.Region ||
			l.ErrorCode != want.ErrorCode || l.MatchedBy != want.MatchedBy || l.InstanceType != want.InstanceType || !slices.Equal(l.InstanceIDs, nonNil(want.InstanceIDs)) {
			t.Errorf("launch %d: %+v, want %+v", i, l, want)
		}
		if strings.HasSuffix(l.ErrorCode, "VcpuLimitExceeded") {
			failed++
		}
		if l.ErrorCode == "" && len(l.InstanceIDs) > 0 {
			succeeded++
		}
		if investigate.IsSessionKey(l.Signer) && l.MatchedBy == investigate.MatchedBySigner {
			bySession++
		}
		if l.MatchedBy == investigate.MatchedBySigner && l.Signer == f.BackdoorKey {
			byChild++
		}
		if l.MatchedBy == investigate.MatchedByKeyPair && slices.Contains(f.ConsoleSessionKeys, l.Signer) {
			byPair++
		}
		instances += len(want.InstanceIDs)
	}
	if failed == 0 || succeeded == 0 || bySession == 0 || byChild != 1 || byPair != 1 {
		t.Errorf("launches: %d failed on vCPU limits, %d succeeded, %d by a session, %d by the child key, %d by another signer's key pair", failed, succeeded, bySession, byChild, byPair)
	}
	if len(c.FollowUps.Instances) != instances {
		t.Errorf("%d instances, want %d", len(c.FollowUps.Instances), instances)
	}

	// Persistence, defence evasion, probing.
	if len(c.CreatedAccessKeys) != 1 {
		t.Fatalf("created keys %+v", c.CreatedAccessKeys)
	}
	if k := c.CreatedAccessKeys[0]; k.AccessKeyID != f.BackdoorKey || k.User != f.BackdoorUser || k.Signer != f.CompromisedKey || k.Depth != 1 ||
		k.EventCount != f.ChildEvents || k.ErrorCount != 1 || !slices.Equal(k.SourceIPs, []string{f.SessionIP}) {
		t.Errorf("child key %+v: want %s of %s, created by %s, %d events (one failed) from %s", k, f.BackdoorKey, f.BackdoorUser, f.CompromisedKey, f.ChildEvents, f.SessionIP)
	}
	var stop, probing, admin, secrets bool
	for _, fd := range c.Findings {
		switch {
		case fd.Category == investigate.CatDefenseEvasion && fd.Action == "cloudtrail:StopLogging":
			stop = fd.Target == f.StopLoggingTrail && investigate.IsAccessDenied(fd.ErrorCode) && fd.Severity == investigate.SeverityCritical
		case fd.Category == investigate.CatProbing:
			probing = fd.Signer == f.CompromisedKey && len(fd.EventIDs) >= 5
		case fd.Action == "iam:AttachUserPolicy":
			admin = strings.HasSuffix(fd.Target, "/AdministratorAccess") && fd.Severity == investigate.SeverityCritical
		case fd.Action == "secretsmanager:GetSecretValue":
			secrets = true
		}
	}
	if !stop || !probing || !admin || !secrets {
		t.Errorf("findings: StopLogging %v, probing %v, AdministratorAccess %v, secrets %v", stop, probing, admin, secrets)
	}

	// The agents: TruffleHog recognised, the escape sequences kept raw for renderers.
	var trufflehog, escape bool
	for _, ua := range c.UserAgents {
		trufflehog = trufflehog || (ua.UserAgent == f.TruffleHogAgent && ua.Tool == "TruffleHog")
		escape = escape || ua.UserAgent == f.EscapeAgent
	}
	if !trufflehog || !escape {
		t.Errorf("user agents: TruffleHog %v, escape agent %v", trufflehog, escape)
	}

	// The first-seen address, its network and its alert.
	var firstSeen bool
	for _, ip := range c.SourceIPs {
		if ip.IP == f.FirstSeenIP {
			firstSeen = ip.ASOrg == f.FirstSeenASOrg && ip.FirstSeenAlert == f.Alerts.FirstSeen && ip.Kind == "public"
		}
	}
	if !firstSeen {
		t.Errorf("first-seen address %s not shown with %q and its alert: %+v", f.FirstSeenIP, f.FirstSeenASOrg, c.SourceIPs)
	}

	// Siblings: the eligible ones, the ineligible ones with the reason, the session's,
	// and the higher-order alert mapped through the first-seen address.
	sib := map[string]investigate.Sibling{}
	for _, s := range c.Siblings {
		sib[s.AlertID] = s
	}
	if s, ok := sib[f.Alerts.FirstSeen]; !ok || !s.FirstSeen || !s.Eligible {
		t.Errorf("first-seen alert %s: %+v", f.Alerts.FirstSeen, s)
	}
	for _, id := range f.Alerts.Eligible {
		if s, ok := sib[id]; !ok || !s.Eligible {
			t.Errorf("eligible sibling %s: %+v", id, s)
		}
	}
	for id, reason := range f.Alerts.Ineligible {
		s, ok := sib[id]
		if reason == investigate.ReasonNoSourceIP {
			if ok {
				t.Errorf("alert %s names no key but is in the case", id)
			}
			continue
		}
		if !ok || s.Eligible || s.Ineligible != reason {
			t.Errorf("ineligible sibling %s: %+v, want %q", id, s, reason)
		}
	}
	for _, id := range f.Alerts.ViaSession {
		if s, ok := sib[id]; !ok || !slices.ContainsFunc(f.Sessions, func(x SessionFact) bool { return x.Key == s.ViaKey }) {
			t.Errorf("session alert %s: %+v", id, s)
		}
	}
	// The child key's alerts are the case's too: its first-seen alert, its sibling, and
	// the higher-order alert grouped by its first-seen address.
	for _, id := range f.Alerts.ViaChild {
		if s, ok := sib[id]; !ok || s.ViaKey != f.BackdoorKey || !s.Eligible {
			t.Errorf("child key alert %s: %+v", id, s)
		}
	}
	var higher []string
	for _, h := range c.HigherOrderAlerts {
		higher = append(higher, h.AlertID)
	}
	slices.Sort(higher)
	want := []string{f.Alerts.HigherOrder, f.Alerts.ChildHigherOrder}
	slices.Sort(want)
	if len(f.Alerts.ViaChild) != 2 || !slices.Equal(higher, want) {
		t.Errorf("higher-order alerts %v, want %v", higher, want)
	}

	checkBlastRadius(t, ds, c, inv.col.Set.Events())
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// The dataset has no duplicate eventIDs (TestEveryFileIsARealCloudTrailLogFile), so a
// case should report none.
func TestCaseReportsNoDuplicates(t *testing.T) {
	ds := dataset(t)
	inv := investigateKey(t, ds, ds.CompromisedKey)
	if n := inv.c.Coverage.Duplicates; n != 0 {
		t.Fatalf("investigate.Collect re-matched, in its key-pair round, the launches it already read in "+
			"the key's round (RunInstances signed by the key with its own key pairs), and EventSet counts each as a "+
			"duplicate: Coverage.Duplicates = %d for a dataset with no duplicate records", n)
	}
}

func TestCorrelationRanksTheCompromisedKeyFirst(t *testing.T) {
	ds := dataset(t)
	f := &ds.Facts
	_, alerts, err := sourcetest.Alerts(context.Background(), AlertSource(ds), investigate.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	cor := investigate.NewCorrelator(investigate.DefaultCorrelationOptions())
	cor.Add(alerts)
	res := cor.Result(true)
	if len(res.Keys) == 0 || res.Keys[0].Key.String() != f.CompromisedKey || !res.Keys[0].Correlated {
		t.Fatalf("ranking %+v", res.Keys)
	}
	top := res.Keys[0]
	if !slices.Equal(top.HigherOrderAlerts, []string{f.Alerts.HigherOrder}) || top.SiblingCount != len(f.Alerts.Eligible) ||
		top.FirstSeenCount != 1 || top.FirstSeen[0].IP != f.FirstSeenIP || top.FirstSeen[0].ASOrg != f.FirstSeenASOrg {
		t.Errorf("compromised key %+v", top)
	}
	// The developer's key: first seen from the new office, nothing else; after every
	// correlated key, and absent when first-seen-only keys are not asked for.
	pos := slices.IndexFunc(res.Keys, func(k investigate.KeySummary) bool { return k.Key.String() == f.DeveloperKey })
	if pos < 0 {
		t.Fatal("developer key not listed as first-seen-only")
	}
	if dev := res.Keys[pos]; dev.Correlated || dev.FirstSeenCount != 1 || dev.SiblingCount != 0 || dev.FirstSeen[0].IP != f.DeveloperNewIP {
		t.Errorf("developer key %+v", dev)
	}
	for _, k := range res.Keys[pos:] {
		if k.Correlated {
			t.Errorf("correlated key %s ranked after the first-seen-only developer key", k.Key)
		}
	}
	for _, k := range cor.Result(false).Keys {
		if k.Key.String() == f.DeveloperKey || !k.Correlated {
			t.Errorf("Result(false) lists %s (correlated %v)", k.Key, k.Correlated)
		}
	}
	// The backdoor key is new too, so it correlates on its own; no automation key shows.
	back := slices.IndexFunc(res.Keys, func(k investigate.KeySummary) bool { return k.Key.String() == f.BackdoorKey })
	if back < 1 || !res.Keys[back].Correlated || len(res.Keys[back].HigherOrderAlerts) != 1 {
		t.Errorf("backdoor key at %d: %+v", back, res.Keys)
	}
	for _, k := range res.Keys {
		if slices.Contains(f.AutomationKeys, k.Key.String()) {
			t.Errorf("automation key %s listed", k.Key)
		}
	}
	if len(res.UnmappedHigherOrder) > 0 || res.Stats.HigherOrder != 2 {
		t.Errorf("higher-order: %d read, unmapped %v", res.Stats.HigherOrder, res.UnmappedHigherOrder)
	}
	for _, reason := range f.Alerts.Ineligible {
		if res.Stats.Ineligible[reason] == 0 {
			t.Errorf("no alert counted as ineligible for %q: %v", reason, res.Stats.Ineligible)
		}
	}
}

func TestBenignKeysStayBenign(t *testing.T) {
	ds := dataset(t)
	f := &ds.Facts

	// The trap: console sessions of the developer sign with ASIA keys as IAMUser, like a
	// GetSessionToken session would. They are in the data, and not linked to her key.
	all, events, _ := sourcetest.Events(context.Background(), TrailSource(ds), investigate.EventQuery{AccessKeys: investigate.KeyIDs(f.ConsoleSessionKeys...)})
	signed := map[string]int{}
	for i := range events {
		signed[events[i].Signer()]++
	}
	if all.Matched == 0 || len(signed) != len(f.ConsoleSessionKeys) || len(f.ConsoleSessionKeys) < 2 {
		t.Fatalf("console sessions: %v", signed)
	}
	dev := investigateKey(t, ds, f.DeveloperKey).c
	if len(dev.Sessions) != 0 || len(dev.FollowUps.Launches) != 0 || len(dev.CreatedAccessKeys) != 0 {
		t.Errorf("developer case: %d sessions, %d launches, %d keys created", len(dev.Sessions), len(dev.FollowUps.Launches), len(dev.CreatedAccessKeys))
	}
	if len(dev.Siblings) != 1 || dev.Siblings[0].AlertID != f.Alerts.DeveloperFirstSeen || len(dev.HigherOrderAlerts) != 0 {
		t.Errorf("developer siblings %+v, higher-order %+v", dev.Siblings, dev.HigherOrderAlerts)
	}
	ips := map[string]investigate.IPSummary{}
	for _, ip := range dev.SourceIPs {
		ips[ip.IP] = ip
	}
	if ips[f.DeveloperIP].Count == 0 || ips[f.DeveloperNewIP].FirstSeenAlert != f.Alerts.DeveloperFirstSeen || !ips[f.DeveloperIP].Last.Before(ips[f.DeveloperNewIP].First) {
		t.Errorf("developer addresses %+v", dev.SourceIPs)
	}

	// Terraform's case: its own role sessions in the data account, nothing of the attack.
	tf := investigateKey(t, ds, f.AutomationKeys[1]).c
	if len(tf.Sessions) == 0 || len(tf.Siblings) != 0 || tf.EventCount < 1000 {
		t.Errorf("terraform case: %d sessions, %d siblings, %d events", len(tf.Sessions), len(tf.Siblings), tf.EventCount)
	}
	for _, s := range tf.Sessions {
		if !slices.Contains(f.AutomationSessionKeys, s.AccessKeyID) || s.Account != f.DataAccount {
			t.Errorf("terraform session %+v", s)
		}
	}
	for _, l := range tf.FollowUps.Launches {
		if l.KeyName == attackKeyPair {
			t.Errorf("terraform launch with the attacker's key pair: %+v", l)
		}
	}
}

func TestEscapeAgentIsInertOnceSanitised(t *testing.T) {
	ua := dataset(t).Facts.EscapeAgent
	for _, raw := range []string{"\x1b[31m", "\x1b]52;c;", "\x07", "\r", "\u202e"} {
		if !strings.Contains(ua, raw) {
			t.Fatalf("the escape agent lacks %q", raw)
		}
		if strings.Contains(sanitize.Clean(ua), raw) {
			t.Errorf("sanitize.Clean leaves %q in the demo's escape agent", raw)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	anchor := DefaultAnchor()
	// Baseline: the scenario alone (records and alerts in memory, no files).
	b.Run("scenario", func(b *testing.B) {
		for b.Loop() {
			g := newGen(anchor, DefaultSeed)
			g.buildWorld()
			g.benign()
			g.attack()
			g.buildAlerts()
		}
	})
	b.Run("dataset", func(b *testing.B) {
		var ds *Dataset
		for b.Loop() {
			ds = Generate(anchor)
		}
		b.ReportMetric(float64(ds.Facts.Records), "records")
		b.ReportMetric(float64(len(ds.Files)), "files")
	})
}

func BenchmarkCompromisedCase(b *testing.B) {
	ds := dataset(b)
	for b.Loop() {
		investigateKey(b, ds, ds.CompromisedKey)
	}
}
