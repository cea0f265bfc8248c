package investigate

import (
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
	Correlation  CorrelationOptions
	Window       Window
	Now          time.Time
	Demo         bool
	Context      string
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
	events := make([]*Event, 0, len(in.Events))
	for _, e := range in.Events {
		if in.Window.Contains(e.Time) {
			events = append(events, e)
		}
	}
	sort.SliceStable(events, func(i, j int) bool {
		if !events[i].Time.Equal(events[j].Time) {
			return events[i].Time.Before(events[j].Time)
		}
		return events[i].ID < events[j].ID
	})
	bySigner := map[string][]*Event{}
	for _, e := range events {
		bySigner[e.Signer()] = append(bySigner[e.Signer()], e)
	}
	sessions, depth := deriveSessions(key, bySigner)

	// The case's own events: signed by the key or a derived session.
	var own []*Event
	sessionIdx := map[string]int{}
	for i := range sessions {
		sessionIdx[sessions[i].AccessKeyID] = i
	}
	for _, e := range events {
		if _, ok := depth[e.Signer()]; !ok {
			continue
		}
		own = append(own, e)
		if e.Signer() == key {
			c.EventCount++
		} else {
			c.SessionEventCount++
			sessions[sessionIdx[e.Signer()]].observe(e)
		}
	}
	for i := range sessions {
		sessions[i].ValidAtGeneration = sessions[i].validAt(now)
		if sessions[i].SourceIPs == nil {
			sessions[i].SourceIPs = []string{}
		}
		if sessions[i].Actions == nil {
			sessions[i].Actions = []string{}
		}
	}
	c.Sessions = sessions
	if len(own) > 0 {
		c.FirstActivity, c.LastActivity = own[0].Time, own[len(own)-1].Time
	}

	c.Owner = buildOwner(key, bySigner[key], in.Alerts, in.Owner)
	c.FollowUps, c.OtherEventCount = buildFollowUps(own, events, depth, in.Live)
	c.CreatedAccessKeys = createdKeys(own)
	c.Findings = buildFindings(own, &c.Owner)
	for _, f := range c.Findings {
		if f.Category == CatQuarantine {
			c.Quarantined = true
		}
	}
	c.Siblings, c.HigherOrderAlerts = buildSiblings(key, depth, in.Alerts, in.Correlation)
	summarise(c, own)

	// Timeline: own events plus launches by other signers with the case's key pairs.
	others := map[string]bool{}
	for _, l := range c.FollowUps.Launches {
		if l.MatchedBy == MatchedByKeyPair {
			others[l.EventID] = true
		}
	}
	cat := map[string]string{}
	for _, f := range c.Findings {
		if f.Category == CatDiscovery || f.Category == CatProbing {
			continue
		}
		for _, id := range f.EventIDs {
			cat[id] = f.Category
		}
	}
	for _, e := range events {
		_, mine := depth[e.Signer()]
		if !mine && !others[e.ID] {
			continue
		}
		c.Events = append(c.Events, e)
		category := cat[e.ID]
		if category == "" && !e.IsWrite() {
			category = CatDiscovery
		}
		c.Timeline = append(c.Timeline, TimelineEntry{
			Time: e.Time, EventID: e.ID, EventName: e.Name, Service: e.Service(), Region: e.Region,
			SourceIP: e.SourceIP, UserAgent: e.UserAgent, Signer: e.Signer(),
			Session: mine && e.Signer() != key, Other: !mine,
			ErrorCode: e.ErrorCode, Write: e.IsWrite(), Category: category, Origin: e.Origin,
		})
	}
	c.Completeness = NewCompleteness(
		AssessKind(in.Reports, in.Window, "event", len(c.Events), "CloudTrail"),
		AssessKind(in.AlertReports, in.Window, "alert", len(c.Siblings)+len(c.HigherOrderAlerts), "alert"),
	)
	c.Coverage = buildCoverage(c, events, in)
	c.Assessment = assess(c, now)
	normaliseEmpty(c)
	return c
}

// normaliseEmpty turns nil slices into empty ones so the JSON schema always carries arrays.
func normaliseEmpty(c *Case) {
	if c.Siblings == nil {
		c.Siblings = []Sibling{}
	}
	if c.HigherOrderAlerts == nil {
		c.HigherOrderAlerts = []Sibling{}
	}
	if c.SourceIPs == nil {
		c.SourceIPs = []IPSummary{}
	}
	if c.UserAgents == nil {
		c.UserAgents = []AgentSummary{}
	}
	if c.Services == nil {
		c.Services = []CountSummary{}
	}
	if c.Actions == nil {
		c.Actions = []CountSummary{}
	}
	if c.Regions == nil {
		c.Regions = []CountSummary{}
	}
	if c.Errors == nil {
		c.Errors = []ErrorSummary{}
	}
	if c.Findings == nil {
		c.Findings = []Finding{}
	}
	if c.CreatedAccessKeys == nil {
		c.CreatedAccessKeys = []CreatedKey{}
	}
	if c.Sessions == nil {
		c.Sessions = []Session{}
	}
	if c.FollowUps.KeyPairs == nil {
		c.FollowUps.KeyPairs = []KeyPair{}
	}
	if c.FollowUps.Launches == nil {
		c.FollowUps.Launches = []Launch{}
	}
	if c.FollowUps.Instances == nil {
		c.FollowUps.Instances = []Instance{}
	}
	if c.Timeline == nil {
		c.Timeline = []TimelineEntry{}
	}
	if c.Assessment == nil {
		c.Assessment = []string{}
	}
	if c.Owner.Sources == nil {
		c.Owner.Sources = []string{}
	}
	cv := &c.Coverage
	if cv.Sources == nil {
		cv.Sources = []SourceReport{}
	}
	if cv.AlertSources == nil {
		cv.AlertSources = []SourceReport{}
	}
	if cv.Accounts == nil {
		cv.Accounts = []string{}
	}
	if cv.Regions == nil {
		cv.Regions = []string{}
	}
	if cv.Problems == nil {
		cv.Problems = []Problem{}
	}
	if cv.Gaps == nil {
		cv.Gaps = []string{}
	}
}

func buildOwner(key string, keyEvents []*Event, alerts []Alert, live *OwnerInfo) Owner {
	var o Owner
	for _, e := range keyEvents {
		id := e.Identity
		if id.Type == "" && id.ARN == "" {
			continue
		}
		o.Type = firstNonEmpty(o.Type, id.Type)
		o.ARN = firstNonEmpty(o.ARN, id.ARN)
		o.Account = firstNonEmpty(o.Account, id.AccountID)
		o.User = firstNonEmpty(o.User, id.UserName)
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
		before := o
		o.User = firstNonEmpty(o.User, a.UserName)
		o.ARN = firstNonEmpty(o.ARN, a.UserARN)
		o.Account = firstNonEmpty(o.Account, a.Account)
		o.Type = firstNonEmpty(o.Type, a.IdentityType)
		if before.User != o.User || before.ARN != o.ARN || before.Account != o.Account || before.Type != o.Type {
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

func createdKeys(own []*Event) []CreatedKey {
	var out []CreatedKey
	for _, e := range own {
		if e.Action() != "iam:CreateAccessKey" || e.Failed() {
			continue
		}
		req, resp := decodeObject(e.Request), decodeObject(e.Response)
		id := resp.str("accessKey.accessKeyId")
		if id == "" {
			continue
		}
		out = append(out, CreatedKey{
			AccessKeyID: id,
			User:        firstNonEmpty(resp.str("accessKey.userName"), req.str("userName"), e.Identity.UserName),
			EventID:     e.ID,
			Time:        e.Time,
			Signer:      e.Signer(),
			Status:      resp.str("accessKey.status"),
		})
	}
	return out
}

func buildSiblings(key string, keys map[string]int, alerts []Alert, opts CorrelationOptions) (siblings, higher []Sibling) {
	firstSeenIPs := map[string]bool{}
	for i := range alerts {
		a := &alerts[i]
		if _, ok := keys[a.AccessKeyID]; !ok || opts.IsHigherOrder(a) {
			continue
		}
		if opts.IsFirstSeen(a) && a.SourceIP != "" {
			firstSeenIPs[a.SourceIP] = true
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
			ips := a.GroupedIPs
			if len(ips) == 0 && a.SourceIP != "" {
				ips = []string{a.SourceIP}
			}
			for _, ip := range ips {
				if firstSeenIPs[ip] {
					higher = append(higher, siblingOf(a, "", &opts))
					seen[a.Provider+"/"+a.ID] = true
					break
				}
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
	sort.SliceStable(siblings, func(i, j int) bool {
		a, b := siblings[i], siblings[j]
		if a.Eligible != b.Eligible {
			return a.Eligible
		}
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		return a.Time.Before(b.Time)
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
		Eligible: reason == "", Ineligible: reason, ViaKey: via,
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
		s := m[name]
		if s == nil {
			s = &CountSummary{Name: name, First: e.Time}
			m[name] = s
		}
		s.Count++
		s.Last = e.Time
		if e.Failed() {
			s.Errors++
		}
	}
	for _, e := range own {
		if e.SourceIP != "" {
			s := ips[e.SourceIP]
			if s == nil {
				s = &IPSummary{IP: e.SourceIP, First: e.Time, Kind: IPKind(e.SourceIP)}
				ips[e.SourceIP] = s
			}
			s.Count++
			s.Last = e.Time
			if e.Failed() {
				s.Errors++
			}
			s.Keys = appendUnique(s.Keys, e.Signer())
		}
		if e.UserAgent != "" {
			s := uas[e.UserAgent]
			if s == nil {
				s = &AgentSummary{UserAgent: e.UserAgent, First: e.Time, Tool: AgentTool(e.UserAgent)}
				uas[e.UserAgent] = s
			}
			s.Count++
			s.Last = e.Time
		}
		count(svc, e.Service(), e)
		count(act, e.Action(), e)
		count(reg, e.Region, e)
		if e.ErrorCode != "" {
			s := errs[e.ErrorCode]
			if s == nil {
				s = &ErrorSummary{Code: e.ErrorCode, Denied: IsAccessDenied(e.ErrorCode)}
				errs[e.ErrorCode] = s
			}
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
		cv.Gaps = append(cv.Gaps, fmt.Sprintf("%s: unreadable files, records or fields (see problems)", plural(n, "problem")))
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
	if len(in.Reports) == 0 {
		cv.Gaps = append(cv.Gaps, "no CloudTrail source: the case holds alerts only")
	}
	return cv
}

// assess writes the few sentences an analyst needs to decide.
func assess(c *Case, now time.Time) []string {
	var out []string
	who := c.Owner.User
	if c.Owner.Root {
		who = "ROOT of account " + c.Owner.Account
	} else if who != "" && c.Owner.Account != "" {
		who += " in account " + c.Owner.Account
	}
	if who == "" {
		who = "unknown owner"
	}
	if len(c.Events) == 0 && len(c.Siblings)+len(c.HigherOrderAlerts) == 0 {
		// A key that appears nowhere: say where it was looked for, or that it was not.
		out = append(out, fmt.Sprintf("%s (%s): %s.", c.Key, who, notSeen(c.Completeness)))
		return append(out, assessRest(c)...)
	}
	line := fmt.Sprintf("%s (%s): %s", c.Key, who, plural(c.EventCount, "event"))
	if len(c.Events) == 0 {
		line = fmt.Sprintf("%s (%s): %s", c.Key, who, c.Completeness.Events.Summary)
	}
	if len(c.Sessions) > 0 {
		line += fmt.Sprintf(", %d more by %s", c.SessionEventCount, plural(len(c.Sessions), "derived session"))
	}
	if len(c.SourceIPs) > 0 {
		line += ", from " + plural(len(c.SourceIPs), "address")
	}
	if !c.FirstActivity.IsZero() {
		line += fmt.Sprintf(", %s to %s", c.FirstActivity.Format(time.DateTime), c.LastActivity.Format(time.DateTime))
	}
	out = append(out, line+".")
	return append(out, assessRest(c)...)
}

// notSeen says that a key appears in no source, with what was searched: "not seen in
// 1,872 files covering ...", or that nothing could be searched.
func notSeen(cm Completeness) string {
	return cm.Events.NoneIn("not seen") + "; " + cm.Alerts.NoneIn("not seen")
}

// assessRest writes the assessment after its first line.
func assessRest(c *Case) []string {
	var out []string
	if c.Owner.Root {
		out = append(out, "This is a ROOT access key: treat any misuse as full account compromise.")
	}
	if c.Quarantined {
		out = append(out, "AWS already attached AWSCompromisedKeyQuarantine: AWS found this key exposed.")
	}
	var tools []string
	for _, u := range c.UserAgents {
		if u.Tool != "" {
			tools = appendUnique(tools, u.Tool)
		}
	}
	if len(tools) > 0 {
		out = append(out, "Offensive tooling in user agents: "+strings.Join(tools, ", ")+".")
	}
	for _, ip := range c.SourceIPs {
		if ip.FirstSeenAlert != "" {
			s := "First seen from " + ip.IP
			if ip.ASOrg != "" {
				s += " (" + ip.ASOrg + ")"
			}
			out = append(out, s+".")
		}
	}
	byCat := map[string][]Finding{}
	for _, f := range c.Findings {
		byCat[f.Category] = append(byCat[f.Category], f)
	}
	list := func(cat, label string) {
		fs := byCat[cat]
		if len(fs) == 0 {
			return
		}
		titles := []string{}
		for _, f := range fs {
			titles = appendUnique(titles, f.Title)
		}
		if len(titles) > 6 {
			titles = append(titles[:6], fmt.Sprintf("and %d more", len(titles)-6))
		}
		out = append(out, label+": "+strings.Join(titles, "; ")+".")
	}
	list(CatDefenseEvasion, "Defence evasion")
	list(CatPersistence, "Persistence")
	list(CatPrivilege, "Privilege escalation")
	list(CatCredentialAccess, "Credential access")
	list(CatExfiltration, "Exfiltration")
	list(CatLateralMovement, "Lateral movement")
	if probes := byCat[CatProbing]; len(probes) > 0 {
		out = append(out, fmt.Sprintf("Probing: %s of AccessDenied.", plural(len(probes), "burst")))
	}
	if n := len(c.Sessions); n > 0 {
		valid := 0
		var until time.Time
		for _, s := range c.Sessions {
			if s.ValidAtGeneration {
				valid++
				if s.Expiration.After(until) {
					until = s.Expiration
				}
			}
		}
		s := plural(n, "derived session") + "; deactivating the key does not end them"
		if valid > 0 {
			s += fmt.Sprintf(" (%d may still be valid", valid)
			if !until.IsZero() {
				s += " until " + until.Format(time.DateTime)
			}
			s += "): revoke them separately"
		}
		out = append(out, s+".")
	}
	if len(c.FollowUps.Launches) > 0 {
		ok, failed, instances := 0, 0, 0
		types := []string{}
		for _, l := range c.FollowUps.Launches {
			if l.ErrorCode != "" {
				failed++
			} else {
				ok++
				instances += len(l.InstanceIDs)
			}
			if l.InstanceType != "" {
				types = appendUnique(types, l.InstanceType)
			}
		}
		out = append(out, fmt.Sprintf("RunInstances: %s (%d succeeded with %s, %d failed), %s %s.", plural(len(c.FollowUps.Launches), "launch"), ok, plural(instances, "instance"), failed, pluralWord(len(types), "type"), strings.Join(types, ", ")))
	}
	if len(c.CreatedAccessKeys) > 0 {
		keys := []string{}
		for _, k := range c.CreatedAccessKeys {
			keys = append(keys, k.AccessKeyID+" ("+k.User+")")
		}
		out = append(out, "New access keys to deactivate too: "+strings.Join(keys, ", ")+".")
	}
	top := SeverityUnknown
	for _, f := range c.Findings {
		if f.Severity > top && f.Category != CatDiscovery {
			top = f.Severity
		}
	}
	eligible := 0
	for _, s := range c.Siblings {
		if s.Eligible {
			eligible++
		}
	}
	switch {
	case c.Owner.Status == "Inactive":
		out = append(out, "The key is already Inactive.")
	case top >= SeverityHigh:
		out = append(out, fmt.Sprintf("Recommendation: deactivate the key now (%s-severity activity).", top))
	case eligible > 0:
		out = append(out, fmt.Sprintf("Recommendation: review; %s share this key.", plural(eligible, "elevated alert")))
	}
	return out
}

// plural writes "1 launch", "2 launches".
func plural(n int, noun string) string { return fmt.Sprintf("%d %s", n, pluralWord(n, noun)) }

// Plural writes a count with its noun: "1 launch", "2 launches", "1,872 files".
func Plural(n int, noun string) string { return Thousands(n) + " " + pluralWord(n, noun) }

func pluralWord(n int, noun string) string {
	if n == 1 {
		return noun
	}
	switch {
	case strings.HasSuffix(noun, "ch"), strings.HasSuffix(noun, "ss"), strings.HasSuffix(noun, "s"):
		return noun + "es"
	}
	return noun + "s"
}
