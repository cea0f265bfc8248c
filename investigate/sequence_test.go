package investigate_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

const (
	seqKey     = "AKIAGGWFBBHBE7D3M9WI"
	seqSession = "ASIAP5CT9NN8EYVU1FXV"
	seqOther   = "AKIAOTHERKEY00000001"
)

var seqT0 = time.Date(2024, 7, 31, 13, 0, 0, 0, time.UTC)

// sequenceAlert is an attack-sequence finding as alertdoc maps one: filed under its first
// long-term key, its actors' credentials naming the keys.
func sequenceAlert(id, provider, uid string, creds ...string) investigate.Alert {
	seq := &investigate.AttackSequence{UID: uid, Description: "credential compromise"}
	for i, c := range creds {
		seq.Actors = append(seq.Actors, investigate.SequenceActor{ID: "actor-" + c, UserName: "user" + string(rune('a'+i)), UserType: "IAMUser", CredentialUID: c, Account: "143434273843"})
	}
	a := investigate.Alert{ID: id, Provider: provider, RuleID: "AttackSequence:IAM/CompromisedCredentials", RuleName: "Potential credential compromise",
		Severity: investigate.SeverityCritical, RiskScore: 90, Status: investigate.WorkflowOpen, Kind: investigate.ElasticSignalKind,
		Time: seqT0.Add(50 * time.Minute), Account: "143434273843", Sequence: seq}
	a.KeyTo(investigate.PrimarySequenceKey(seq))
	return a
}

func TestSequenceKeysAreItsActorsCredentialsLongTermFirst(t *testing.T) {
	a := sequenceAlert("f1", investigate.ProviderGuardDuty, "u1", seqSession, seqKey)
	a.Sequence.Resources = []investigate.SequenceResource{{UID: "AWS::IAM::AccessKey:" + seqOther, Type: "ACCESS_KEY"}, {UID: "arn:aws:s3:::bucket", Type: "S3_BUCKET"}}
	a.Sequence.Signals = []investigate.SequenceSignal{{ResourceIDs: []string{"not-a-key", seqKey}}}
	if got, want := a.Sequence.AccessKeys(), []string{seqKey, seqOther, seqSession}; !slices.Equal(got, want) {
		t.Fatalf("keys %v, want %v", got, want)
	}
	if a.AccessKeyID != seqKey || a.UserName != "userb" || a.IdentityType != "IAMUser" {
		t.Errorf("filed under %q as %q (%q), want the long-term key's actor", a.AccessKeyID, a.UserName, a.IdentityType)
	}
	q := investigate.AlertQuery{AccessKeys: investigate.KeyIDs(seqSession)}
	q.KeySequence(&a)
	if a.AccessKeyID != seqSession || a.UserName != "usera" || !q.Matches(&a) {
		t.Errorf("asked for the session, filed under %q as %q", a.AccessKeyID, a.UserName)
	}
	q = investigate.AlertQuery{AccessKeys: investigate.KeyIDs("AKIANOTINTHESEQUENCE")}
	q.KeySequence(&a)
	if a.AccessKeyID != seqSession || q.Matches(&a) {
		t.Errorf("a key the sequence does not involve re-filed it: %q", a.AccessKeyID)
	}
}

// A ranking names a key with an open attack sequence for it (basis attack-sequence),
// before keys correlated otherwise, counts it apart from the siblings, and counts the
// GuardDuty and Security Hub copies of one sequence once.
func TestAttackSequenceRanksEveryKeyItInvolves(t *testing.T) {
	cor := investigate.NewCorrelator(investigate.CorrelationOptions{})
	elastic := func(id, ruleID, key string, sev investigate.Severity) investigate.Alert {
		return investigate.Alert{ID: id, Provider: investigate.ProviderElastic, RuleID: ruleID, RuleName: ruleID, AccessKeyID: key, SourceIP: "86.245.153.234",
			Severity: sev, RiskScore: 73, Status: investigate.WorkflowOpen, Kind: investigate.ElasticSignalKind, Time: seqT0}
	}
	gd := sequenceAlert("gd-1", investigate.ProviderGuardDuty, "seq-1", seqKey, seqSession)
	sh := sequenceAlert("arn:aws:guardduty:us-east-1:143434273843:detector/d/finding/gd-1", investigate.ProviderSecurityHub, "seq-1", seqKey)
	closed := sequenceAlert("gd-2", investigate.ProviderGuardDuty, "seq-2", seqOther)
	closed.Status = investigate.WorkflowClosed
	cor.Add([]investigate.Alert{
		// A key correlated by Elastic's rule, with a critical sibling.
		elastic("fs", investigate.FirstSeenRuleID, "AKIAELASTICKEY000001", investigate.SeverityMedium),
		elastic("sib", "rule-x", "AKIAELASTICKEY000001", investigate.SeverityCritical),
		gd, sh, closed,
	})
	res := cor.Result(false)
	basis := map[string]string{}
	for _, k := range res.Keys {
		basis[k.Key.String()] = k.Basis
	}
	want := map[string]string{seqKey: investigate.BasisAttackSequence, seqSession: investigate.BasisAttackSequence, "AKIAELASTICKEY000001": investigate.BasisFirstSeen}
	if len(basis) != len(want) {
		t.Fatalf("ranked %v, want %v", basis, want)
	}
	for k, b := range want {
		if basis[k] != b {
			t.Errorf("%s: basis %q, want %q", k, basis[k], b)
		}
	}
	if res.Keys[0].Basis != investigate.BasisAttackSequence || res.Keys[2].Key.String() != "AKIAELASTICKEY000001" {
		t.Errorf("order %v: keys with an attack sequence come first", res.Keys)
	}
	for _, k := range res.Keys[:2] {
		if k.AttackSequenceCount != 1 || len(k.AttackSequences) != 1 || k.SiblingCount != 0 || k.AttackSequences[0].Type != "AttackSequence:IAM/CompromisedCredentials" {
			t.Errorf("%s: %d sequences %+v, %d siblings: the two copies count once, and not as siblings", k.Key, k.AttackSequenceCount, k.AttackSequences, k.SiblingCount)
		}
	}
	if res.Stats.AttackSequences != 2 || res.Stats.Ineligible[investigate.ReasonNotOpen] != 1 {
		t.Errorf("stats %+v: two open sequence findings counted, the closed one not", res.Stats)
	}
	// A case counts the sequence apart too: not a counted sibling, as in the ranking.
	reason := (&investigate.CorrelationOptions{}).Eligible(&gd)
	if reason != investigate.ReasonAttackSequence {
		t.Errorf("eligibility of a sequence: %q", reason)
	}
}

// seqEvent is a CloudTrail record of the case for the resolution tests, decoded as every
// source decodes one; response is its responseElements ("" for none).
func seqEvent(t *testing.T, id, source, name, signer string, at time.Time, response string) *investigate.Event {
	t.Helper()
	rec := map[string]any{"eventVersion": "1.09", "eventID": id, "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
		"eventTime": at.UTC().Format(time.RFC3339), "sourceIPAddress": "86.245.153.234", "eventType": "AwsApiCall", "recipientAccountId": "143434273843",
		"userIdentity": map[string]any{"type": "IAMUser", "accessKeyId": signer, "accountId": "143434273843",
			"arn": "arn:aws:iam::143434273843:user/christophe", "userName": "christophe"}}
	if response != "" {
		rec["responseElements"] = json.RawMessage(response)
	}
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	e, err := investigate.DecodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	return &e
}

// Each signal is looked for in the case: a finding by its id (else its type within its
// time), an API call by name, time and the key its actor used, with the count read
// against the signal's; what is not found says why.
func TestSignalsResolveToTheCasesAlertsAndEvents(t *testing.T) {
	a := sequenceAlert("seq-finding", investigate.ProviderGuardDuty, "seq-1", seqKey)
	sig := func(uid, typ, name string, first, last time.Duration, count int) investigate.SequenceSignal {
		return investigate.SequenceSignal{UID: uid, Type: typ, Name: name, Count: count, FirstSeen: seqT0.Add(first), LastSeen: seqT0.Add(last),
			ActorIDs: []string{"actor-" + seqKey}, Severity: investigate.SeverityHigh, SeverityScore: 8}
	}
	a.Sequence.Signals = []investigate.SequenceSignal{
		sig("c1", investigate.SignalCloudTrail, "iam:CreateAccessKey", 36*time.Minute, 37*time.Minute, 2),
		sig("6ac7d2dc0fd24a9bb4f1c4f2b2b9a002", investigate.SignalFinding, "Discovery:IAMUser/AnomalousBehavior", 5*time.Minute, 12*time.Minute, 1),
		sig("c2", investigate.SignalCloudTrail, "cloudtrail:StopLogging", 6*time.Minute+24*time.Second+300*time.Millisecond, 6*time.Minute+24*time.Second+300*time.Millisecond, 1),
		sig("other-id", investigate.SignalFinding, "Recon:IAMUser/MaliciousIPCaller", 33*time.Minute, 36*time.Minute, 1),
		sig("c3", investigate.SignalCloudTrail, "ListUsers", 20*time.Minute, 21*time.Minute, 1),
		sig("s1", investigate.SignalS3Data, "s3:GetObject", 38*time.Minute, 41*time.Minute, 57),
		sig("r1", "RUNTIME_MONITORING", "Execution:Runtime/NewBinaryExecuted", 40*time.Minute, 40*time.Minute, 1),
	}
	events := []*investigate.Event{
		seqEvent(t, "ev-stop", "cloudtrail.amazonaws.com", "StopLogging", seqKey, seqT0.Add(6*time.Minute+24*time.Second), ""),
		seqEvent(t, "ev-key1", "iam.amazonaws.com", "CreateAccessKey", seqKey, seqT0.Add(36*time.Minute+5*time.Second), ""),
		// Outside the signal's time, and by another signer: neither is the signal's.
		seqEvent(t, "ev-key-late", "iam.amazonaws.com", "CreateAccessKey", seqKey, seqT0.Add(50*time.Minute), ""),
		seqEvent(t, "ev-list-other", "iam.amazonaws.com", "ListUsers", seqOther, seqT0.Add(20*time.Minute+30*time.Second), ""),
	}
	alerts := []investigate.Alert{a,
		{ID: "arn:aws:guardduty:us-east-1:143434273843:detector/d/finding/6ac7d2dc0fd24a9bb4f1c4f2b2b9a002", Provider: investigate.ProviderSecurityHub,
			RuleID: "Discovery:IAMUser/AnomalousBehavior", AccessKeyID: seqKey, Severity: investigate.SeverityMedium, Status: investigate.WorkflowOpen, Time: seqT0.Add(12 * time.Minute)},
		{ID: "recon-by-type", Provider: investigate.ProviderGuardDuty, RuleID: "Recon:IAMUser/MaliciousIPCaller", AccessKeyID: seqKey,
			Severity: investigate.SeverityMedium, Status: investigate.WorkflowOpen, Time: seqT0.Add(35 * time.Minute)},
	}
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(seqKey), Events: events, Alerts: alerts,
		Reports: []investigate.SourceReport{{Source: "trail", Kind: "cloudtrail-files"}}, Now: seqT0.Add(48 * time.Hour)})
	if len(c.AttackSequences) != 1 {
		t.Fatalf("%d sequences", len(c.AttackSequences))
	}
	cs := c.AttackSequences[0]
	var names []string
	byName := map[string]investigate.CaseSignal{}
	for _, s := range cs.Signals {
		names = append(names, s.Name)
		byName[s.Name] = s
	}
	wantOrder := []string{"Discovery:IAMUser/AnomalousBehavior", "cloudtrail:StopLogging", "ListUsers", "Recon:IAMUser/MaliciousIPCaller", "iam:CreateAccessKey", "s3:GetObject", "Execution:Runtime/NewBinaryExecuted"}
	if !slices.Equal(names, wantOrder) {
		t.Errorf("story order %v, want %v", names, wantOrder)
	}
	check := func(name, status, by string, alerts, events []string, n int, note string) {
		t.Helper()
		r := byName[name].Resolution
		if r.Status != status || r.MatchedBy != by || !slices.Equal(r.AlertIDs, alerts) || !slices.Equal(r.EventIDs, events) || r.Events != n || !strings.Contains(r.Note, note) {
			t.Errorf("%s: %+v\nwant %s by %q, alerts %v, events %v (%d), note with %q", name, r, status, by, alerts, events, n, note)
		}
	}
	check("Discovery:IAMUser/AnomalousBehavior", investigate.SignalMatched, investigate.MatchedByFindingID, []string{alerts[1].ID}, []string{}, 0, "")
	check("cloudtrail:StopLogging", investigate.SignalMatched, investigate.MatchedByAPITime, []string{}, []string{"ev-stop"}, 1, "")
	check("iam:CreateAccessKey", investigate.SignalPartial, investigate.MatchedByAPITime, []string{}, []string{"ev-key1"}, 1, "1 of the 2 CloudTrail events is in the case")
	check("Recon:IAMUser/MaliciousIPCaller", investigate.SignalMatched, investigate.MatchedByFindingType, []string{"recon-by-type"}, []string{}, 0, "matched by its type and time")
	check("ListUsers", investigate.SignalNotInCase, "", []string{}, []string{}, 0, "no CloudTrail event of ListUsers signed by "+seqKey+" between 2024-07-31 13:20:00 and 2024-07-31 13:21:00 UTC")
	check("s3:GetObject", investigate.SignalNotInCase, "", []string{}, []string{}, 0, "the case's sources hold no S3 data event")
	check("Execution:Runtime/NewBinaryExecuted", investigate.SignalUnresolvable, "", []string{}, []string{}, 0, "keypivot reads no RUNTIME_MONITORING data")
	if cs.ResolvedSignals != 4 || cs.ResolvedText() != "4 of 7 signals in the case" {
		t.Errorf("resolved %d: %q", cs.ResolvedSignals, cs.ResolvedText())
	}
	if !cs.FirstSeen.Equal(seqT0.Add(5*time.Minute)) || !cs.LastSeen.Equal(seqT0.Add(41*time.Minute)) || cs.ViaKey != "" {
		t.Errorf("span %v to %v, via %q", cs.FirstSeen, cs.LastSeen, cs.ViaKey)
	}
	// The sequence is an alert of the case too, not counted as a sibling.
	var found bool
	for _, s := range c.Siblings {
		if s.AlertID == "seq-finding" {
			found = true
			if s.Eligible || s.Ineligible != investigate.ReasonAttackSequence {
				t.Errorf("the sequence as a sibling: eligible %v, %q", s.Eligible, s.Ineligible)
			}
		}
	}
	if !found {
		t.Error("the sequence is not among the case's alerts")
	}

	// Without a CloudTrail source, an activity signal says so.
	c = investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(seqKey), Alerts: alerts, Now: seqT0.Add(48 * time.Hour)})
	for _, s := range c.AttackSequences[0].Signals {
		if s.Type == investigate.SignalCloudTrail && !strings.Contains(s.Resolution.Note, "the case has no CloudTrail source") {
			t.Errorf("%s without a trail source: %q", s.Name, s.Resolution.Note)
		}
	}
	// Outside the case's window, the signal says that.
	w := investigate.Window{Since: seqT0.Add(30 * time.Minute)}
	c = investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(seqKey), Events: events, Alerts: alerts, Window: w,
		Reports: []investigate.SourceReport{{Source: "trail", Kind: "cloudtrail-files"}}, Now: seqT0.Add(48 * time.Hour)})
	for _, s := range c.AttackSequences[0].Signals {
		if s.Name == "cloudtrail:StopLogging" && !strings.Contains(s.Resolution.Note, "outside the case's window") {
			t.Errorf("before the window: %+v", s.Resolution)
		}
	}
}

// A sequence filed under another of its keys (a source asked for every key) is the case's
// when it involves the case key; one that involves only a derived session is the case's
// through it; the GuardDuty and Security Hub copies of one sequence are one, GuardDuty's.
func TestCaseSequencesFollowTheLineageAndFoldCopies(t *testing.T) {
	issue := seqEvent(t, "ev-gst", "sts.amazonaws.com", "GetSessionToken", seqKey, seqT0,
		`{"credentials":{"accessKeyId":"`+seqSession+`","expiration":"Jul 31, 2024, 2:00:00 PM"}}`)
	events := []*investigate.Event{issue}
	both := sequenceAlert("sh-copy", investigate.ProviderSecurityHub, "seq-1", seqOther, seqKey)
	both.KeyTo(seqOther) // as a ranking filed it
	gdCopy := sequenceAlert("gd-original", investigate.ProviderGuardDuty, "seq-1", seqKey)
	viaSession := sequenceAlert("gd-session", investigate.ProviderGuardDuty, "seq-2", seqSession)
	unrelated := sequenceAlert("gd-unrelated", investigate.ProviderGuardDuty, "seq-3", seqOther)
	c := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(seqKey), Events: events,
		Alerts: []investigate.Alert{both, gdCopy, viaSession, unrelated}, Now: seqT0.Add(time.Hour)})
	if len(c.Sessions) != 1 {
		t.Fatalf("the session was not derived: %+v", c.Sessions)
	}
	got := map[string]investigate.CaseSequence{}
	for _, cs := range c.AttackSequences {
		got[cs.UID] = cs
	}
	if len(got) != 2 {
		t.Fatalf("sequences %v, want seq-1 and seq-2", got)
	}
	if s := got["seq-1"]; s.FindingID != "gd-original" || !slices.Equal(s.OtherFindingIDs, []string{"sh-copy"}) || s.ViaKey != "" {
		t.Errorf("seq-1: finding %q, others %v, via %q", s.FindingID, s.OtherFindingIDs, s.ViaKey)
	}
	if s := got["seq-2"]; s.ViaKey != seqSession {
		t.Errorf("seq-2 via %q, want the session", s.ViaKey)
	}
	var sibs []string
	for _, s := range c.Siblings {
		sibs = append(sibs, s.AlertID)
	}
	if slices.Contains(sibs, "gd-unrelated") || !slices.Contains(sibs, "sh-copy") || !slices.Contains(sibs, "gd-session") {
		t.Errorf("siblings %v", sibs)
	}
	if both.AccessKeyID != seqOther {
		t.Error("BuildCase changed its input's alerts")
	}
}
