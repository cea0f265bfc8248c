// Package simkibana is an in-memory Kibana that write-back can act on: the demo's
// simulated Kibana, and a stand-in for the runner's tests of the Kibana actions. It
// implements investigate.Remediator for the kibana-* actions exactly as elastic's Kibana
// remediator does against a real Kibana: the same state read before and after each
// write (in the same words), the same request ids, a case found again by its tag and
// completed rather than created twice, and the same refusals (a closing reason the space
// does not know, an over-long title or text, an alert to attach that the space's alerts
// index does not hold, the cases API's limits; a status change of an id it does not hold
// matches nothing, as in Kibana, and the state says "not found"). It keeps, per space, each alert's workflow status
// (with its closing reason and the cases it is attached to) and the cases created, and
// counts every write, so tests can prove nothing was done twice. Its alert statuses are
// readable back (AlertStatuses, and AlertSource, which shows an alert source's alerts
// with the statuses Kibana now holds), as Elasticsearch shows them after a real write.
//
// It imports investigate only; cmd uses it for the demo and tests for the runner.
package simkibana

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/keypivot/keypivot/investigate"
)

// DemoURL is the simulated Kibana's URL: .invalid never resolves, so nothing can take it
// for a real Kibana, in a plan, a journal or on a screen.
const DemoURL = "https://kibana.demo.invalid"

// DefaultSpace is Kibana's default space.
const DefaultSpace = investigate.DefaultKibanaSpace

// Kibana is a simulated Kibana. It is safe for concurrent use.
type Kibana struct {
	mu           sync.Mutex
	url          string
	caller       investigate.Caller
	closeReasons []string
	spaces       map[string]*space
	caseSeq      int
	writes       int
	// failAfter, when set, makes the next Apply stop with failErr once it has made
	// failAfter more writes.
	failAfter *int
	failErr   error
}

// space is one Kibana space: its alerts index and its cases.
type space struct {
	alerts map[string]*alert
	cases  []*kcase // in creation order
}

// alert is one document of the space's alerts index, as write-back sees it.
type alert struct {
	id, index          string
	ruleUUID, ruleName string
	status, reason     string   // kibana.alert.workflow_status, workflow_reason
	caseIDs            []string // kibana.alert.case_ids
}

// Option configures a Kibana.
type Option func(*Kibana)

// WithURL sets the URL the Kibana reports (default DemoURL).
func WithURL(url string) Option {
	return func(k *Kibana) { k.url = strings.TrimSuffix(url, "/") }
}

// WithCaller sets who the calls are made as (default: elastic user incident-responder).
func WithCaller(c investigate.Caller) Option { return func(k *Kibana) { k.caller = c } }

// WithCloseReasons adds closing reasons to the built-in ones, as the space's
// securitySolution:closeReasons advanced setting does.
func WithCloseReasons(reasons ...string) Option {
	return func(k *Kibana) { k.closeReasons = append(k.closeReasons, reasons...) }
}

// New returns a Kibana with no alert and no case.
func New(opts ...Option) *Kibana {
	k := &Kibana{url: DemoURL, closeReasons: slices.Clone(investigate.CloseReasons), spaces: map[string]*space{}}
	for _, o := range opts {
		o(k)
	}
	if k.caller.ARN == "" {
		k.caller = investigate.Caller{ARN: "elastic:user/incident-responder", UserName: "incident-responder"}
	}
	// As elastic's remediator names its caller: the Kibana it writes to, in the profile
	// too (older journals read the Kibana from it).
	k.caller.Kibana, k.caller.Profile = k.url, "kibana "+k.url
	return k
}

// URL is the Kibana's URL: the target to plan write-back against.
func (k *Kibana) URL() string { return k.url }

// Target is where write-back goes in this Kibana's space sp ("" is the default space).
func (k *Kibana) Target(sp string) investigate.KibanaTarget {
	return investigate.KibanaTarget{URL: k.url, Space: sp}
}

// Caller implements investigate.Remediator.
func (k *Kibana) Caller(context.Context) (investigate.Caller, error) { return k.caller, nil }

// FailAfter makes the next Apply stop with err once it has made writes more writes (0:
// before any), as a crash or a dropped connection would: what was written stays written.
func (k *Kibana) FailAfter(writes int, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.failAfter, k.failErr = &writes, err
}

// Writes counts the writes made (status updates, cases created, comments added).
func (k *Kibana) Writes() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.writes
}

// AlertState is an alert's workflow as Kibana holds it.
type AlertState struct {
	Status string // open, acknowledged or closed
	Reason string // the closing reason, when closed with one
	// CaseIDs are the cases the alert is attached to.
	CaseIDs []string
}

// Alert returns the alert's state in space sp; ok is false when the space's alerts
// index does not hold it.
func (k *Kibana) Alert(sp, id string) (st AlertState, ok bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	a := k.space(sp).alerts[id]
	if a == nil {
		return AlertState{}, false
	}
	return AlertState{Status: a.status, Reason: a.reason, CaseIDs: slices.Clone(a.caseIDs)}, true
}

// Case is a case as the cases API renders it, comments included.
type Case struct {
	ID          string
	Title       string
	Description string
	Owner       string
	Severity    string
	Status      string
	Tags        []string
	SyncAlerts  bool
	// Comments are the user comments' texts, in order.
	Comments []string
	// Alerts are the ids of the alerts attached, in the order attached.
	Alerts []string
	// AlertComments counts the alert comments (one per rule a write attached alerts of).
	AlertComments int
}

// Cases returns the cases of space sp in creation order.
func (k *Kibana) Cases(sp string) []Case {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []Case
	for _, c := range k.space(sp).cases {
		out = append(out, c.render())
	}
	return out
}

// space returns the space named sp ("" is the default), adding it when new.
func (k *Kibana) space(sp string) *space {
	if sp == "" {
		sp = DefaultSpace
	}
	s := k.spaces[sp]
	if s == nil {
		s = &space{alerts: map[string]*alert{}}
		k.spaces[sp] = s
	}
	return s
}

// alertsIndex is the alerts index of space sp, as errors name it.
func alertsIndex(sp string) string {
	if sp == "" {
		sp = DefaultSpace
	}
	return ".alerts-security.alerts-" + sp
}

// statusesOf is the workflow status of each of ids the space holds (absent ids are not
// in the map).
func (s *space) statusesOf(ids []string) map[string]string {
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		if a := s.alerts[id]; a != nil {
			out[id] = a.status
		}
	}
	return out
}

// AlertStatuses reads the workflow status of each alert of ids in space sp, as
// elastic's client reads them from the space's alerts index: ids the index does not hold
// are absent from the map.
func (k *Kibana) AlertStatuses(_ context.Context, sp string, ids []string) (map[string]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.space(sp).statusesOf(ids), nil
}

// Statuses returns the workflow status of every alert of space sp, by id.
func (k *Kibana) Statuses(sp string) map[string]string {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := map[string]string{}
	for id, a := range k.space(sp).alerts {
		out[id] = a.status
	}
	return out
}
