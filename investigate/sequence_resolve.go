package investigate

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// CaseSequence is an attack sequence of the case: the finding, what AWS correlated in
// it, and each of its signals resolved, where keypivot can, to the case's own alerts
// and CloudTrail events. Its JSON form is the case's "attack_sequences" array
// (docs/case-schema.md).
type CaseSequence struct {
	// FindingID, Provider, Type (AttackSequence:IAM/CompromisedCredentials), Title,
	// Severity, RiskScore, Status, Time, Account and Region are the finding's.
	FindingID string    `json:"finding_id"`
	Provider  string    `json:"provider"`
	Type      string    `json:"type"`
	Title     string    `json:"title"`
	Severity  Severity  `json:"severity"`
	RiskScore float64   `json:"risk_score"`
	Status    string    `json:"status"`
	Time      time.Time `json:"time"`
	Account   string    `json:"account"`
	Region    string    `json:"region"`
	// OtherFindingIDs are the same sequence (the same UID) as another source reported
	// it: Security Hub's copy of a GuardDuty finding.
	OtherFindingIDs []string `json:"other_finding_ids"`
	// Description is the sequence's, else the finding's.
	Description string `json:"description"`
	UID         string `json:"uid"`
	// FirstSeen and LastSeen span the signals.
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	// AccessKeys are every key the sequence involves (AttackSequence.AccessKeys);
	// ViaKey the session or child key of the case it was mapped through ("" when it
	// involves the case key itself).
	AccessKeys      []string            `json:"access_keys"`
	ViaKey          string              `json:"via_key"`
	Indicators      []SequenceIndicator `json:"indicators"`
	Actors          []SequenceActor     `json:"actors"`
	Endpoints       []SequenceEndpoint  `json:"endpoints"`
	Resources       []SequenceResource  `json:"resources"`
	AdditionalTypes []string            `json:"additional_sequence_types"`
	// Signals are the sequence's signals in time order (first seen), each with what the
	// case holds of it; ResolvedSignals counts those matched wholly or in part.
	Signals         []CaseSignal `json:"signals"`
	ResolvedSignals int          `json:"resolved_signals"`
}

// CaseSignal is a signal of a sequence, resolved to the case's evidence.
type CaseSignal struct {
	SequenceSignal
	Resolution SignalResolution `json:"resolution"`
}

// How a signal resolved (SignalResolution.Status).
const (
	// SignalMatched: the case holds the finding, or as many events as the signal counts.
	SignalMatched = "matched"
	// SignalPartial: the case holds some of the signal's events, fewer than it counts.
	SignalPartial = "partial"
	// SignalNotInCase: the case holds nothing of it; Note says what was looked for.
	SignalNotInCase = "not-in-case"
	// SignalUnresolvable: keypivot reads no data of the signal's kind (flow logs, DNS
	// logs, runtime monitoring, EKS audit logs).
	SignalUnresolvable = "not-resolvable"
)

// How a signal was matched (SignalResolution.MatchedBy).
const (
	MatchedByFindingID   = "finding-id"            // a case alert is the signal's finding
	MatchedByFindingType = "finding-type-and-time" // a case alert of the signal's type, in its time
	MatchedByAPITime     = "api-and-time"          // case events of the signal's API, in its time
)

// MaxSignalEventIDs bounds the event ids a resolution lists; Events counts them all.
const MaxSignalEventIDs = 50

// SignalResolution is what the case holds of one signal.
type SignalResolution struct {
	Status    string `json:"status"`
	MatchedBy string `json:"matched_by"`
	// AlertIDs are the case's alerts that are the signal's finding.
	AlertIDs []string `json:"alert_ids"`
	// EventIDs are the case's events of the signal (the first MaxSignalEventIDs, oldest
	// first); Events counts them all, to read against the signal's Count.
	EventIDs []string `json:"event_ids"`
	Events   int      `json:"events"`
	// Note says why a signal is not, or not wholly, in the case, or how it was matched
	// when that is not by its id.
	Note string `json:"note"`
}

// Resolved reports whether the case holds any of the signal.
func (r SignalResolution) Resolved() bool {
	return r.Status == SignalMatched || r.Status == SignalPartial
}

// fileSequences files each attack-sequence alert that involves a key of the lineage
// (keys) but was filed under another (a source asked for all keys, or for an earlier
// round's) under that key: the case key first, else the lineage key the sequence names
// first. alerts is returned as it is when nothing changes, else a copy.
func fileSequences(alerts []Alert, key string, keys map[string]int) []Alert {
	var out []Alert
	for i := range alerts {
		a := &alerts[i]
		if a.Sequence == nil {
			continue
		}
		want := ""
		if a.InvolvesKey(key) {
			want = key
		} else if _, ok := keys[a.AccessKeyID]; !ok {
			for _, k := range a.Sequence.AccessKeys() {
				if _, ok := keys[k]; ok {
					want = k
					break
				}
			}
		}
		if want == "" || want == a.AccessKeyID {
			continue
		}
		if out == nil {
			out = slices.Clone(alerts)
		}
		out[i].KeyTo(want)
	}
	if out == nil {
		return alerts
	}
	return out
}

// buildSequences makes the case's attack sequences from its alerts (filed by
// fileSequences): one per sequence (GuardDuty's copy preferred over Security Hub's),
// most severe first, each signal resolved against the case's alerts (siblings) and
// events. hasTrail says whether the case had a CloudTrail source to hold events.
func buildSequences(key string, keys map[string]int, alerts []Alert, siblings []Sibling, events []*Event, w Window, hasTrail bool) []CaseSequence {
	type group struct {
		primary *Alert
		others  []string
	}
	var groups []*group
	byUID := map[string]*group{}
	for i := range alerts {
		a := &alerts[i]
		if a.Sequence == nil {
			continue
		}
		if _, ok := keys[a.AccessKeyID]; !ok {
			continue
		}
		uid := sequenceUID(a)
		g := byUID[uid]
		switch {
		case g == nil:
			g = &group{primary: a, others: []string{}}
			byUID[uid] = g
			groups = append(groups, g)
		case g.primary.ID == a.ID || slices.Contains(g.others, a.ID):
			// the same finding read twice
		case g.primary.Provider != ProviderGuardDuty && a.Provider == ProviderGuardDuty:
			g.others = append(g.others, g.primary.ID)
			g.primary = a
		default:
			g.others = append(g.others, a.ID)
		}
	}
	out := []CaseSequence{}
	if len(groups) == 0 {
		return out
	}
	r := newSignalResolver(siblings, events, w, hasTrail)
	for _, g := range groups {
		cs := r.caseSequence(g.primary, key)
		cs.OtherFindingIDs = g.others
		out = append(out, cs)
	}
	slices.SortStableFunc(out, func(a, b CaseSequence) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), a.Time.Compare(b.Time), strings.Compare(a.FindingID, b.FindingID))
	})
	return out
}

// signalResolver finds a sequence's signals among the case's alerts and events.
type signalResolver struct {
	siblings []Sibling
	// events are the case's events, oldest first; byName indexes them by event name as
	// recorded, each list oldest first (eventsNamed matches names regardless of case).
	events   []*Event
	byName   map[string][]*Event
	s3Data   bool // the case holds S3 data events
	window   Window
	hasTrail bool
}

// newSignalResolver resolves signals against the case's siblings and its events, which
// come oldest first (BuildCase's order): the lists of byName keep that order.
func newSignalResolver(siblings []Sibling, events []*Event, w Window, hasTrail bool) *signalResolver {
	r := &signalResolver{siblings: siblings, events: events, byName: map[string][]*Event{}, window: w, hasTrail: hasTrail}
	for _, e := range events {
		r.byName[e.Name] = append(r.byName[e.Name], e)
		r.s3Data = r.s3Data || IsS3DataEvent(e)
	}
	return r
}

// eventsNamed are the case's events of API api, its name matched regardless of case
// (a signal may spell it otherwise than the record), oldest first.
func (r *signalResolver) eventsNamed(api string) []*Event {
	var named []*Event
	names := 0
	for name, l := range r.byName {
		if strings.EqualFold(name, api) {
			named = l
			names++
		}
	}
	if names <= 1 {
		return named
	}
	// Records that spell the name in more than one case (rare): their events together,
	// in the case's order.
	named = nil
	for _, e := range r.events {
		if strings.EqualFold(e.Name, api) {
			named = append(named, e)
		}
	}
	return named
}

func (r *signalResolver) caseSequence(a *Alert, key string) CaseSequence {
	s := a.Sequence
	cs := CaseSequence{
		FindingID: a.ID, Provider: a.Provider, Type: a.RuleID, Title: a.RuleName, Severity: a.Severity, RiskScore: a.RiskScore,
		Status: NormalizeWorkflowStatus(a.Status), Time: a.Time, Account: a.Account, Region: a.Region,
		Description: firstNonEmpty(s.Description, a.Reason), UID: s.UID, AccessKeys: a.Keys(),
		Indicators: nonNil(s.Indicators), Actors: nonNil(s.Actors), Endpoints: nonNil(s.Endpoints), Resources: nonNil(s.Resources),
		AdditionalTypes: nonNil(s.AdditionalTypes), Signals: make([]CaseSignal, 0, len(s.Signals)),
	}
	if a.AccessKeyID != key {
		cs.ViaKey = a.AccessKeyID
	}
	for _, sg := range s.Signals {
		sg.ActorIDs, sg.EndpointIDs, sg.ResourceIDs, sg.Indicators = nonNil(sg.ActorIDs), nonNil(sg.EndpointIDs), nonNil(sg.ResourceIDs), nonNil(sg.Indicators)
		res := r.resolve(s, &sg, a.ID)
		if res.Resolved() {
			cs.ResolvedSignals++
		}
		cs.Signals = append(cs.Signals, CaseSignal{SequenceSignal: sg, Resolution: res})
		if t := sg.FirstSeen; !t.IsZero() && (cs.FirstSeen.IsZero() || t.Before(cs.FirstSeen)) {
			cs.FirstSeen = t
		}
		if t := cmp.Or(sg.LastSeen, sg.FirstSeen); t.After(cs.LastSeen) {
			cs.LastSeen = t
		}
	}
	slices.SortStableFunc(cs.Signals, func(x, y CaseSignal) int {
		return cmp.Or(zeroLast(x.FirstSeen, y.FirstSeen), x.FirstSeen.Compare(y.FirstSeen), x.LastSeen.Compare(y.LastSeen), strings.Compare(x.Name, y.Name))
	})
	return cs
}

// zeroLast orders a zero time after any other, for sorts.
func zeroLast(a, b time.Time) int { return trueFirst(!a.IsZero(), !b.IsZero()) }

// resolve finds one signal of s in the case. self is the sequence finding's own id.
func (r *signalResolver) resolve(s *AttackSequence, sg *SequenceSignal, self string) SignalResolution {
	res := SignalResolution{AlertIDs: []string{}, EventIDs: []string{}}
	switch strings.ToUpper(sg.Type) {
	case SignalFinding:
		r.resolveFinding(sg, self, &res)
	case SignalCloudTrail, SignalS3Data:
		r.resolveActivity(s, sg, &res)
	default:
		res.Status = SignalUnresolvable
		res.Note = "keypivot reads no " + firstNonEmpty(sg.Type, "data of this signal's kind") + " data: not resolvable to the case's evidence"
		if sg.Type == "" {
			res.Note = "the signal has no type: not resolvable to the case's evidence"
		}
	}
	return res
}

// resolveFinding finds a FINDING signal among the case's alerts: by the finding's id
// (GuardDuty's, or the last part of Security Hub's ARN id), else by its type within its
// time.
func (r *signalResolver) resolveFinding(sg *SequenceSignal, self string, res *SignalResolution) {
	for _, s := range r.siblings {
		if s.AlertID != self && sameFinding(s.AlertID, sg.UID) {
			res.AlertIDs = appendUnique(res.AlertIDs, s.AlertID)
		}
	}
	if len(res.AlertIDs) > 0 {
		res.Status, res.MatchedBy = SignalMatched, MatchedByFindingID
		return
	}
	lo, hi, timed := signalSpan(sg)
	if sg.Name != "" && timed {
		for _, s := range r.siblings {
			if s.AlertID != self && s.RuleID == sg.Name && !s.Time.Before(lo) && s.Time.Before(hi) {
				res.AlertIDs = appendUnique(res.AlertIDs, s.AlertID)
			}
		}
	}
	if len(res.AlertIDs) > 0 {
		res.Status, res.MatchedBy = SignalMatched, MatchedByFindingType
		res.Note = "no alert has the finding's id " + firstNonEmpty(sg.UID, "(none given)") + "; matched by its type and time"
		return
	}
	res.Status = SignalNotInCase
	res.Note = fmt.Sprintf("no alert of the case has the finding's id %s, or its type %s between %s",
		firstNonEmpty(sg.UID, "(none given)"), firstNonEmpty(sg.Name, "(none given)"), spanText(sg))
}

// sameFinding reports whether two finding ids name the same finding: equal, or equal in
// their last path segment (".../finding/<id>", as Security Hub names GuardDuty's).
func sameFinding(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	return a == b || lastSegment(a) == lastSegment(b)
}

func lastSegment(s string) string { return s[strings.LastIndexByte(s, '/')+1:] }

// signalSpan is the time the signal's activity spans, to the second as CloudTrail
// records it: [first seen, last seen] widened to whole seconds. timed is false when the
// signal gives no time.
func signalSpan(sg *SequenceSignal) (lo, hi time.Time, timed bool) {
	first, last := sg.FirstSeen, sg.LastSeen
	if first.IsZero() {
		first = last
	}
	if last.IsZero() || last.Before(first) {
		last = first
	}
	if first.IsZero() {
		return time.Time{}, time.Time{}, false
	}
	return first.Truncate(time.Second), last.Truncate(time.Second).Add(time.Second), true
}

func spanText(sg *SequenceSignal) string {
	lo, hi, timed := signalSpan(sg)
	if !timed {
		return "at any time (the signal gives no time)"
	}
	return lo.UTC().Format("2006-01-02 15:04:05") + " and " + hi.Add(-time.Second).UTC().Format("2006-01-02 15:04:05") + " UTC"
}

// signalAPI splits an activity signal's name into its service and API: "iam:CreateAccessKey",
// "iam.amazonaws.com:CreateAccessKey" and "CreateAccessKey" (no service) are read.
func signalAPI(name string) (service, api string) {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		return strings.TrimSuffix(strings.TrimSpace(name[:i]), ".amazonaws.com"), strings.TrimSpace(name[i+1:])
	}
	return "", name
}

// signers are the access keys the signal's actors used, when every one of its actors is
// listed with a credential; nil when the signal names no actor, or one the sequence does
// not list (Security Hub keeps ten) or without a credential: any signer may then be it.
func signers(s *AttackSequence, sg *SequenceSignal) []string {
	var out []string
	for _, id := range sg.ActorIDs {
		act := s.actor(id)
		if act == nil || !IsAccessKeyID(act.CredentialUID) {
			return nil
		}
		out = appendUnique(out, act.CredentialUID)
	}
	return out
}

// resolveActivity finds a CLOUD_TRAIL or S3_DATA_EVENTS signal among the case's events:
// events of its API (and service, when the name gives one), within its time, signed by
// its actors' keys when the sequence says which, counted against the signal's count.
func (r *signalResolver) resolveActivity(s *AttackSequence, sg *SequenceSignal, res *SignalResolution) {
	svc, api := signalAPI(sg.Name)
	what := "CloudTrail event"
	if strings.EqualFold(sg.Type, SignalS3Data) {
		what = "S3 data event"
	}
	if api == "" {
		res.Status = SignalNotInCase
		res.Note = "the signal names no API to look for"
		return
	}
	call := api
	if svc != "" {
		call = svc + ":" + api
	}
	by := signers(s, sg)
	lo, hi, timed := signalSpan(sg)
	list := r.eventsNamed(api)
	start := 0
	if timed {
		start = sort.Search(len(list), func(i int) bool { return !list[i].Time.Before(lo) })
	}
	for _, e := range list[start:] {
		if timed && !e.Time.Before(hi) {
			break
		}
		if svc != "" && !strings.EqualFold(e.Service(), svc) {
			continue
		}
		if by != nil && !slices.Contains(by, e.Signer()) {
			continue
		}
		res.Events++
		if len(res.EventIDs) < MaxSignalEventIDs {
			res.EventIDs = append(res.EventIDs, e.ID)
		}
	}
	signed := ""
	if len(by) > 0 {
		signed = " signed by " + strings.Join(by, ", ")
	}
	switch {
	case res.Events == 0:
		res.Status = SignalNotInCase
		res.Note = r.absent(what, call, signed, sg, lo, hi, timed)
	case sg.Count > 0 && res.Events < sg.Count:
		res.Status, res.MatchedBy = SignalPartial, MatchedByAPITime
		res.Note = fmt.Sprintf("%d of the %s %s in the case; the others may be in accounts, regions or sources not searched",
			res.Events, Plural(sg.Count, what), pluralVerb(res.Events, "is", "are"))
	default:
		res.Status, res.MatchedBy = SignalMatched, MatchedByAPITime
		if sg.Count > 0 && res.Events > sg.Count {
			res.Note = fmt.Sprintf("%s of %s%s in its time, more than the %d the signal counts", Plural(res.Events, what), call, signed, sg.Count)
		}
	}
}

// absent says why no event of a signal is in the case, with what was looked for.
func (r *signalResolver) absent(what, call, signed string, sg *SequenceSignal, lo, hi time.Time, timed bool) string {
	switch {
	case !r.hasTrail:
		return "the case has no CloudTrail source to hold " + call + " events"
	case timed && ((!r.window.Since.IsZero() && !hi.After(r.window.Since)) || (!r.window.Until.IsZero() && !lo.Before(r.window.Until))):
		return "the signal's time (" + spanText(sg) + ") is outside the case's window"
	case what == "S3 data event" && !r.s3Data:
		return "the case's sources hold no S3 data event (a trail records them only when set to): " + call + " could not be looked for"
	}
	return fmt.Sprintf("no %s of %s%s between %s in the case's window and sources", what, call, signed, spanText(sg))
}
