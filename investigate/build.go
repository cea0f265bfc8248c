package investigate

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"
)

// CaseInput is everything BuildCase needs. Events need not be sorted or limited to the
// key: BuildCase selects the events of the key, of its derived sessions, and the launches
// that used the key's key pairs.
type CaseInput struct {
	Key          AccessKeyID
	Events       []*Event
	Alerts       []Alert
	Reports      []SourceReport
	AlertReports []SourceReport
	Duplicates   int
	Owner        *OwnerInfo
	Live         *LiveState
	// Artifacts is the live state of the case's artifacts, by Artifact.ID (nil when no
	// live lookup ran).
	Artifacts   map[string]ArtifactLive
	Correlation CorrelationOptions
	Window      Window
	Now         time.Time
	Demo        bool
	Context     string
	// Searching marks a snapshot of a case still being built: its completeness says so
	// (PendingCompleteness), not what its sources have answered so far, and it has no
	// plan yet (PlanPending).
	Searching bool
	// Networks are where the networks of the case's addresses are learned, besides its
	// alerts (network.go).
	Networks NetworkOptions
}

// LiveState is what a live EC2 lookup learned about a case's follow-ups.
type LiveState struct {
	// KeyPairs: "region/name" -> does it still exist.
	KeyPairs map[string]bool
	// Instances by instance id.
	Instances map[string]Instance
	// Errors: "region" -> why the lookup failed there.
	Errors map[string]string
}

// BuildCase computes the case for one key. It is a pure function of its input; the TUI
// calls it again as events stream in.
func BuildCase(in CaseInput) *Case {
	key := in.Key.String()
	now := in.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	c := &Case{
		SchemaVersion: SchemaVersion,
		Key:           in.Key,
		GeneratedAt:   now,
		Window:        in.Window,
		Demo:          in.Demo,
		Context:       in.Context,
	}
	events := eventsWithin(in.Window, in.Events)
	bySigner := indexBySigner(events)
	lin := deriveLineage(key, bySigner)
	depth := lin.depth
	in.Alerts = fileSequences(in.Alerts, key, depth)
	own := c.countOwnEvents(events, &lin)
	settleSessions(lin.sessions, now)
	c.Sessions = lin.sessions
	c.CreatedAccessKeys = lin.children
	if len(own) > 0 {
		c.FirstActivity, c.LastActivity = own[0].Time, own[len(own)-1].Time
	}

	c.Owner = buildOwner(key, bySigner[key], in.Alerts, in.Owner)
	c.FollowUps, c.OtherEventCount = buildFollowUps(own, events, depth, in.Live)
	c.Findings = buildFindings(own, events, &c.Owner)
	c.Artifacts = buildArtifacts(own, events, &lin, c.FollowUps.KeyPairs, c.Owner.Account, in.Artifacts)
	settleChildren(c.CreatedAccessKeys, c.Artifacts)
	c.Quarantine = buildQuarantine(events, c.Owner.User, in.Owner)
	c.Quarantined = c.Quarantine.InEffect()
	c.Siblings, c.HigherOrderAlerts = buildSiblings(key, depth, in.Alerts, in.Correlation, caseEntities(c, in.Alerts, depth))
	summarise(c, own)
	c.resolveNetworks(events, in.Alerts, in.Networks)
	c.Events, c.Timeline = buildTimeline(key, events, &lin, c.FollowUps.Launches, c.Findings)
	c.AttackSequences = buildSequences(key, depth, in.Alerts, c.Siblings, c.Events, in.Window, len(in.Reports) > 0)
	alerts := len(c.Siblings) + len(c.HigherOrderAlerts)
	if in.Searching {
		c.Completeness = PendingCompleteness(len(c.Events), alerts)
	} else {
		c.Completeness = NewCompleteness(
			AssessKind(in.Reports, in.Window, "event", len(c.Events), "CloudTrail"),
			AssessKind(in.AlertReports, in.Window, "alert", alerts, "alert"),
		)
	}
	c.Coverage = buildCoverage(c, events, in)
	c.Coverage.Gaps = append(c.Coverage.Gaps, c.keyPairRuleGaps()...)
	c.Assessment = assess(c)
	// A snapshot of a case still being built gets no plan: the TUI builds one per batch
	// of events, and a plan from part of the events is no plan (PlanPending says so).
	if !in.Searching {
		plan := PlanRemediation(c, nil, now)
		c.Plan, c.PlanNotes = plan.Steps(), plan.Notes
	}
	normaliseEmpty(c)
	return c
}

// settleChildren gives each child key the live state of its artifact.
func settleChildren(children []CreatedKey, artifacts []Artifact) {
	byKey := map[string]*ArtifactLive{}
	for i := range artifacts {
		if artifacts[i].Kind == ArtAccessKey && artifacts[i].Live != nil {
			byKey[artifacts[i].AccessKeyID] = artifacts[i].Live
		}
	}
	for i := range children {
		if l := byKey[children[i].AccessKeyID]; l != nil {
			children[i].LiveStatus, children[i].LiveError = l.State, l.Error
		}
	}
}

// eventsWithin returns the events within the window, oldest first (events of the same
// time by event id).
func eventsWithin(w Window, all []*Event) []*Event {
	events := make([]*Event, 0, len(all))
	for _, e := range all {
		if w.Contains(e.Time) {
			events = append(events, e)
		}
	}
	sort.SliceStable(events, func(i, j int) bool {
		if !events[i].Time.Equal(events[j].Time) {
			return events[i].Time.Before(events[j].Time)
		}
		return events[i].ID < events[j].ID
	})
	return events
}

// indexBySigner groups events by the key that signed them, keeping their order.
func indexBySigner(events []*Event) map[string][]*Event {
	bySigner := map[string][]*Event{}
	for _, e := range events {
		bySigner[e.Signer()] = append(bySigner[e.Signer()], e)
	}
	return bySigner
}

// countOwnEvents returns the case's own events: those signed by the key, by one of its
// derived sessions or by one of the keys it created (the keys of the lineage). It counts
// them on the case (the key's, its sessions' and its children's apart) and has each
// session and child key observe its own.
func (c *Case) countOwnEvents(events []*Event, lin *lineage) []*Event {
	key := c.Key.String()
	sessionIdx, childIdx := map[string]int{}, map[string]int{}
	for i := range lin.sessions {
		sessionIdx[lin.sessions[i].AccessKeyID] = i
	}
	for i := range lin.children {
		childIdx[lin.children[i].AccessKeyID] = i
	}
	var own []*Event
	for _, e := range events {
		signer := e.Signer()
		if !lin.has(signer) {
			continue
		}
		own = append(own, e)
		switch {
		case signer == key:
			c.EventCount++
		case lin.viaChild[signer]:
			c.ChildEventCount++
		default:
			c.SessionEventCount++
		}
		if i, ok := sessionIdx[signer]; ok {
			lin.sessions[i].observe(e)
		} else if i, ok := childIdx[signer]; ok {
			lin.children[i].observe(e)
		}
	}
	return own
}

// settleSessions marks the sessions still valid at now and gives the ones that were
// never used empty lists, so the JSON schema carries arrays.
func settleSessions(sessions []Session, now time.Time) {
	for i := range sessions {
		sessions[i].ValidAtGeneration = sessions[i].validAt(now)
		emptyIfNil(&sessions[i].SourceIPs)
		emptyIfNil(&sessions[i].Actions)
	}
}

// observe counts one event signed by the child key, keeping up to 20 source addresses.
func (k *CreatedKey) observe(e *Event) { k.KeyUse.observe(e, 20) }

// buildTimeline returns the case's events and their timeline entries, oldest first: the
// events of the key and its derived sessions (the keys of depth), and the launches by
// other signers with the case's key pairs. Each entry carries the category of the
// finding it belongs to; a read outside any finding is discovery.
func buildTimeline(key string, events []*Event, lin *lineage, launches []Launch, findings []Finding) ([]*Event, []TimelineEntry) {
	byOthers := map[string]bool{}
	for _, l := range launches {
		if l.MatchedBy == MatchedByKeyPair {
			byOthers[l.EventID] = true
		}
	}
	categories := timelineCategories(findings)
	// Sized for every event at once: a case of millions of events would otherwise leave
	// a quarter of its timeline's room unused (append grows by a quarter).
	caseEvents := make([]*Event, 0, len(events))
	timeline := make([]TimelineEntry, 0, len(events))
	for _, e := range events {
		mine := lin.has(e.Signer())
		if !mine && !byOthers[e.ID] {
			continue
		}
		caseEvents = append(caseEvents, e)
		category := categories[e.ID]
		if category == "" && !e.IsWrite() {
			category = CatDiscovery
		}
		timeline = append(timeline, TimelineEntry{
			Event: e, Session: mine && e.Signer() != key, Child: lin.viaChild[e.Signer()], Other: !mine, Category: category,
		})
	}
	return caseEvents, timeline
}

// timelineCategories maps event ids to the category of the finding that holds them;
// discovery and probing findings lend their events none.
func timelineCategories(findings []Finding) map[string]string {
	cat := map[string]string{}
	for _, f := range findings {
		if f.Category == CatDiscovery || f.Category == CatProbing {
			continue
		}
		for _, id := range f.EventIDs {
			cat[id] = f.Category
		}
	}
	return cat
}

// normaliseEmpty turns nil slices into empty ones so the JSON schema always carries arrays.
func normaliseEmpty(c *Case) {
	emptyIfNil(&c.Siblings)
	emptyIfNil(&c.HigherOrderAlerts)
	emptyIfNil(&c.SourceIPs)
	emptyIfNil(&c.UserAgents)
	emptyIfNil(&c.Services)
	emptyIfNil(&c.Actions)
	emptyIfNil(&c.Regions)
	emptyIfNil(&c.Errors)
	emptyIfNil(&c.Findings)
	emptyIfNil(&c.CreatedAccessKeys)
	for i := range c.CreatedAccessKeys {
		emptyIfNil(&c.CreatedAccessKeys[i].SourceIPs)
	}
	emptyIfNil(&c.Sessions)
	emptyIfNil(&c.Artifacts)
	emptyIfNil(&c.Plan)
	emptyIfNil(&c.PlanNotes)
	emptyIfNil(&c.FollowUps.KeyPairs)
	emptyIfNil(&c.FollowUps.Launches)
	emptyIfNil(&c.FollowUps.Instances)
	emptyIfNil(&c.Timeline)
	emptyIfNil(&c.Assessment)
	emptyIfNil(&c.Owner.Sources)
	emptyIfNil(&c.Coverage.Sources)
	emptyIfNil(&c.Coverage.AlertSources)
	emptyIfNil(&c.Coverage.Accounts)
	emptyIfNil(&c.Coverage.Regions)
	emptyIfNil(&c.Coverage.Problems)
	emptyIfNil(&c.Coverage.Gaps)
}

// emptyIfNil makes a nil slice an empty one.
func emptyIfNil[S ~[]E, E any](s *S) {
	if *s == nil {
		*s = S{}
	}
}

// buildOwner says who the key belongs to: from the key's own events first, then from
// its alerts, with a live lookup's answers over both.
func buildOwner(key string, keyEvents []*Event, alerts []Alert, live *OwnerInfo) Owner {
	var o Owner
	for _, e := range keyEvents {
		id := e.Identity
		if id.Type == "" && id.ARN == "" {
			continue
		}
		o.fillIdentity(id.Type, id.ARN, id.AccountID, id.UserName)
		o.Sources = appendUnique(o.Sources, "cloudtrail")
		if o.Type != "" && o.ARN != "" && o.Account != "" && o.User != "" {
			break
		}
	}
	for i := range alerts {
		a := &alerts[i]
		if a.AccessKeyID != key {
			continue
		}
		if o.fillIdentity(a.IdentityType, a.UserARN, a.Account, a.UserName) {
			o.Sources = appendUnique(o.Sources, "alerts")
		}
	}
	if live != nil {
		// Live answers win: they are the account's own records, now.
		o.Account = firstNonEmpty(live.Account, o.Account)
		o.User = firstNonEmpty(live.User, o.User)
		o.ARN = firstNonEmpty(live.ARN, o.ARN)
		o.Status = live.Status
		o.Created = live.Created
		o.LastUsed = live.LastUsed
		o.OtherKeys = live.OtherKeys
		o.Error = live.Error
		o.Sources = appendUnique(o.Sources, live.Sources...)
	}
	if o.Type == "" && o.User != "" {
		o.Type = "IAMUser"
	}
	o.Root = o.Type == "Root" || strings.HasSuffix(o.ARN, ":root")
	if o.Root {
		o.Type = "Root"
	}
	return o
}

// fillIdentity fills the owner's identity fields that are still empty; it reports
// whether it filled any.
func (o *Owner) fillIdentity(typ, arn, account, user string) bool {
	before := *o
	o.Type = firstNonEmpty(o.Type, typ)
	o.ARN = firstNonEmpty(o.ARN, arn)
	o.Account = firstNonEmpty(o.Account, account)
	o.User = firstNonEmpty(o.User, user)
	return before.Type != o.Type || before.ARN != o.ARN || before.Account != o.Account || before.User != o.User
}

// Why a launch is in the case.
const (
	MatchedBySigner  = "signer"
	MatchedByKeyPair = "key-pair"
)

func buildFollowUps(own, all []*Event, keys map[string]int, live *LiveState) (FollowUps, int) {
	var f FollowUps
	pairs := map[string]bool{} // region/name of successful or attempted key pairs
	for _, e := range own {
		if kp, ok := KeyPairFrom(e); ok {
			if live != nil && live.KeyPairs != nil && !e.Failed() {
				if exists, known := live.KeyPairs[kp.Region+"/"+kp.Name]; known {
					kp.Exists = &exists
				} else if msg := live.Errors[kp.Region]; msg != "" {
					kp.LiveError = msg
				}
			}
			f.KeyPairs = append(f.KeyPairs, kp)
			if !e.Failed() {
				pairs[kp.Region+"/"+kp.Name] = true
			}
		}
	}
	seen := map[string]bool{}
	others := 0
	for _, e := range all {
		if e.Name != "RunInstances" {
			continue
		}
		l, ok := LaunchFrom(e)
		if !ok {
			continue
		}
		_, mine := keys[e.Signer()]
		switch {
		case mine:
			l.MatchedBy = MatchedBySigner
		case l.KeyName != "" && pairs[l.Region+"/"+l.KeyName]:
			l.MatchedBy = MatchedByKeyPair
			others++
		default:
			continue
		}
		if seen[l.EventID] {
			continue
		}
		seen[l.EventID] = true
		f.Launches = append(f.Launches, l)
		for _, id := range l.InstanceIDs {
			inst := Instance{InstanceID: id, Region: l.Region, Account: l.Account, LaunchEvent: l.EventID, KeyName: l.KeyName, InstanceType: l.InstanceType, LaunchTime: l.Time}
			if live != nil {
				if li, ok := live.Instances[id]; ok {
					inst.State, inst.PublicIP, inst.Tags = li.State, li.PublicIP, li.Tags
					inst.InstanceType = firstNonEmpty(li.InstanceType, inst.InstanceType)
					if !li.LaunchTime.IsZero() {
						inst.LaunchTime = li.LaunchTime
					}
					inst.LiveError = li.LiveError
				} else if msg := live.Errors[l.Region]; msg != "" {
					inst.LiveError = msg
				} else if live.Instances != nil {
					inst.State = "not-found"
				}
			}
			f.Instances = append(f.Instances, inst)
		}
	}
	// Instances a live lookup found with the case's key pairs but no launch in the trail
	// (launched outside the window or the sources) are the same threat.
	if live != nil {
		listed := map[string]bool{}
		for _, i := range f.Instances {
			listed[i.InstanceID] = true
		}
		var extra []Instance
		for id, li := range live.Instances {
			if listed[id] || li.KeyName == "" || !pairs[li.Region+"/"+li.KeyName] {
				continue
			}
			li.InstanceID, li.LaunchEvent = id, ""
			extra = append(extra, li)
		}
		sort.Slice(extra, func(i, j int) bool { return extra[i].InstanceID < extra[j].InstanceID })
		f.Instances = append(f.Instances, extra...)
	}
	return f, others
}

// KeyPairsOf returns the key pairs successfully created or imported in events by the
// given keys; collectors use it to ask trail sources for launches with them.
func KeyPairsOf(events []*Event, keys []string) []KeyPairRef {
	var out []KeyPairRef
	seen := map[string]bool{}
	for _, e := range events {
		if e.Failed() || !slices.Contains(keys, e.Signer()) {
			continue
		}
		if kp, ok := KeyPairFrom(e); ok && !seen[kp.Region+"/"+kp.Name] {
			seen[kp.Region+"/"+kp.Name] = true
			out = append(out, KeyPairRef{Name: kp.Name, Region: kp.Region, Account: kp.Account})
		}
	}
	return out
}

// buildSiblings gathers the alerts of the lineage keys and the higher-order alerts tied
// to them (tieHigherOrder: by first-seen address, or by an identity of ents).
func buildSiblings(key string, keys map[string]int, alerts []Alert, opts CorrelationOptions, ents entityIndex) (siblings, higher []Sibling) {
	// The keys of the lineage whose first-seen alerts name each address, in the order
	// of the alerts: a higher-order alert maps to the key through them.
	firstSeenIPs := map[string][]string{}
	for i := range alerts {
		a := &alerts[i]
		if _, ok := keys[a.AccessKeyID]; !ok || opts.IsHigherOrder(a) {
			continue
		}
		if opts.IsFirstSeen(a) && a.SourceIP != "" {
			firstSeenIPs[a.SourceIP] = appendUnique(firstSeenIPs[a.SourceIP], a.AccessKeyID)
		}
	}
	seen := map[string]bool{}
	for i := range alerts {
		a := &alerts[i]
		if a.ID != "" {
			if seen[a.Provider+"/"+a.ID] {
				continue
			}
		}
		if opts.IsHigherOrder(a) {
			if ties := tieHigherOrder(a, keys, firstSeenIPs, ents); len(ties) > 0 {
				s := siblingOf(a, tieVia(ties, key), &opts)
				s.TiedBy = ties
				higher = append(higher, s)
				seen[a.Provider+"/"+a.ID] = true
			}
			continue
		}
		if _, ok := keys[a.AccessKeyID]; !ok {
			continue
		}
		via := ""
		if a.AccessKeyID != key {
			via = a.AccessKeyID
		}
		siblings = append(siblings, siblingOf(a, via, &opts))
		seen[a.Provider+"/"+a.ID] = true
	}
	slices.SortStableFunc(siblings, func(a, b Sibling) int {
		return cmp.Or(trueFirst(a.Eligible, b.Eligible), cmp.Compare(b.Severity, a.Severity), a.Time.Compare(b.Time))
	})
	return siblings, higher
}

func siblingOf(a *Alert, via string, opts *CorrelationOptions) Sibling {
	reason := opts.Eligible(a)
	if reason == ReasonHigherOrder {
		reason = ""
	}
	return Sibling{
		RuleID: a.RuleID, RuleName: a.RuleName, AlertID: a.ID, Severity: a.Severity, RiskScore: a.RiskScore,
		Status: NormalizeWorkflowStatus(a.Status), Time: a.Time, Provider: a.Provider, SourceIP: a.SourceIP,
		ASOrg: a.ASOrg, Action: a.Action, Reason: a.Reason, Index: a.Index, FirstSeen: opts.IsFirstSeen(a),
		EventID: a.EventID, Region: a.Region, Account: a.Account,
		Eligible: reason == "", Ineligible: reason, Elevated: opts.elevated(a), ViaKey: via,
		RuleDescription: a.RuleDescription, Threats: a.Threats, Raw: a.Raw, RawSize: a.RawSize,
	}
}

// IPKind classifies a sourceIPAddress: public, private, aws-service or unparsed.
func IPKind(s string) string {
	if strings.HasSuffix(s, ".amazonaws.com") || s == "AWS Internal" {
		return "aws-service"
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "unparsed"
	}
	if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || cgnat.Contains(a) {
		return "private"
	}
	return "public"
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

func summarise(c *Case, own []*Event) {
	ips := map[string]*IPSummary{}
	uas := map[string]*AgentSummary{}
	svc := map[string]*CountSummary{}
	act := map[string]*CountSummary{}
	reg := map[string]*CountSummary{}
	errs := map[string]*ErrorSummary{}
	count := func(m map[string]*CountSummary, name string, e *Event) {
		s := entryFor(m, name, func() *CountSummary { return &CountSummary{Name: name, First: e.Time} })
		s.Count++
		s.Last = e.Time
		if e.Failed() {
			s.Errors++
		}
	}
	for _, e := range own {
		if e.SourceIP != "" {
			s := entryFor(ips, e.SourceIP, func() *IPSummary { return &IPSummary{IP: e.SourceIP, First: e.Time, Kind: IPKind(e.SourceIP)} })
			s.Count++
			s.Last = e.Time
			if e.Failed() {
				s.Errors++
			}
			s.Keys = appendUnique(s.Keys, e.Signer())
		}
		if e.UserAgent != "" {
			s := entryFor(uas, e.UserAgent, func() *AgentSummary {
				return &AgentSummary{UserAgent: e.UserAgent, First: e.Time, Tool: AgentTool(e.UserAgent)}
			})
			s.Count++
			s.Last = e.Time
		}
		count(svc, e.Service(), e)
		count(act, e.Action(), e)
		count(reg, e.Region, e)
		if e.ErrorCode != "" {
			s := entryFor(errs, e.ErrorCode, func() *ErrorSummary { return &ErrorSummary{Code: e.ErrorCode, Denied: IsAccessDenied(e.ErrorCode)} })
			s.Count++
			if len(s.Actions) < 20 {
				s.Actions = appendUnique(s.Actions, e.Action())
			}
		}
	}
	// Network owners and first-seen alerts come from the alerts of those addresses.
	for _, s := range c.Siblings {
		if ip := ips[s.SourceIP]; ip != nil {
			ip.ASOrg = firstNonEmpty(ip.ASOrg, s.ASOrg)
			if s.FirstSeen && ip.FirstSeenAlert == "" {
				ip.FirstSeenAlert = s.AlertID
			}
		}
	}
	for _, s := range ips {
		c.SourceIPs = append(c.SourceIPs, *s)
	}
	sort.Slice(c.SourceIPs, func(i, j int) bool {
		a, b := c.SourceIPs[i], c.SourceIPs[j]
		if !a.First.Equal(b.First) {
			return a.First.Before(b.First)
		}
		return a.IP < b.IP
	})
	for _, s := range uas {
		c.UserAgents = append(c.UserAgents, *s)
	}
	sort.Slice(c.UserAgents, func(i, j int) bool {
		a, b := c.UserAgents[i], c.UserAgents[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.UserAgent < b.UserAgent
	})
	c.Services = sortedCounts(svc)
	c.Actions = sortedCounts(act)
	c.Regions = sortedCounts(reg)
	for _, s := range errs {
		c.Errors = append(c.Errors, *s)
	}
	sort.Slice(c.Errors, func(i, j int) bool {
		if c.Errors[i].Count != c.Errors[j].Count {
			return c.Errors[i].Count > c.Errors[j].Count
		}
		return c.Errors[i].Code < c.Errors[j].Code
	})
}

// entryFor returns m's entry for k, made by newEntry the first time k is seen.
func entryFor[T any](m map[string]*T, k string, newEntry func() *T) *T {
	s := m[k]
	if s == nil {
		s = newEntry()
		m[k] = s
	}
	return s
}

func sortedCounts(m map[string]*CountSummary) []CountSummary {
	out := make([]CountSummary, 0, len(m))
	for _, s := range m {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func buildCoverage(c *Case, events []*Event, in CaseInput) Coverage {
	cv := Coverage{Sources: in.Reports, AlertSources: in.AlertReports, Events: len(c.Events), Duplicates: in.Duplicates}
	accounts, regions := []string{}, []string{}
	for _, e := range c.Events {
		if a := e.Account(); a != "" && !slices.Contains(accounts, a) {
			accounts = append(accounts, a)
		}
		if e.RecipientAccount != "" && !slices.Contains(accounts, e.RecipientAccount) {
			accounts = append(accounts, e.RecipientAccount)
		}
		if e.Region != "" && !slices.Contains(regions, e.Region) {
			regions = append(regions, e.Region)
		}
	}
	sort.Strings(accounts)
	sort.Strings(regions)
	cv.Accounts, cv.Regions = accounts, regions
	if len(c.Events) > 0 {
		cv.FirstEvent, cv.LastEvent = c.Events[0].Time, c.Events[len(c.Events)-1].Time
	}
	for _, r := range append(append([]SourceReport{}, in.Reports...), in.AlertReports...) {
		cv.Problems = append(cv.Problems, r.Problems...)
		for _, rs := range r.Regions {
			if rs.Status == RegionFailed || rs.Status == RegionThrottled {
				msg := fmt.Sprintf("%s: region %s %s", r.Source, rs.Region, rs.Status)
				if rs.Error != "" {
					msg += ": " + rs.Error
				}
				cv.Gaps = append(cv.Gaps, msg)
			}
			if rs.Truncated {
				cv.Gaps = append(cv.Gaps, fmt.Sprintf("%s: region %s truncated", r.Source, rs.Region))
			}
		}
		if r.Truncated {
			cv.Gaps = append(cv.Gaps, r.Source+": results truncated")
		}
	}
	if n := len(cv.Problems); n > 0 {
		cv.Gaps = append(cv.Gaps, fmt.Sprintf("%s: unreadable files, records or fields (see problems)", Plural(n, "problem")))
	}
	// Sources that could not be searched at all, or only over part of the window, are
	// gaps of their own (failed regions and unreadable inputs are listed above).
	cv.Gaps = append(cv.Gaps, c.Completeness.gapLines()...)
	for _, s := range c.Sessions {
		if s.EventCount == 0 {
			where := ""
			if s.Account != "" && !slices.Contains(accounts, s.Account) {
				where = fmt.Sprintf(" (account %s was not searched?)", s.Account)
			}
			cv.Gaps = append(cv.Gaps, fmt.Sprintf("session %s issued by %s has no events in the sources%s", s.AccessKeyID, s.IssuedBy, where))
		}
	}
	for _, k := range c.CreatedAccessKeys {
		if k.EventCount == 0 {
			cv.Gaps = append(cv.Gaps, fmt.Sprintf("child key %s created for %s has no events in the sources", k.AccessKeyID, k.User))
		}
	}
	if len(in.Reports) == 0 {
		cv.Gaps = append(cv.Gaps, "no CloudTrail source: the case holds alerts only")
	}
	return cv
}
