package cloudtrail

import (
	"bytes"

	"github.com/keypivot/keypivot/investigate"

	"github.com/keypivot/keypivot/files/internal/pairscan"
)

// Matcher decides which records a query wants. The zero Matcher (empty query) wants
// every record.
type Matcher struct {
	keys    map[string]bool
	pairs   map[string]bool // region/name
	roles   map[string]bool
	needles [][]byte
	window  investigate.Window
	all     bool
	// Hashes of the keys and of the key pair names, for MayMatchTokens.
	keyHashes  []uint64
	nameHashes []uint64
	regions    map[string]bool // regions of the key pairs
}

var runInstancesNeedle = []byte(`RunInstances`)

// NewMatcher compiles a query.
func NewMatcher(q investigate.EventQuery) *Matcher {
	m := &Matcher{keys: map[string]bool{}, pairs: map[string]bool{}, roles: map[string]bool{}, window: q.Window}
	for _, k := range q.AccessKeys {
		if !m.keys[k.String()] {
			m.keys[k.String()] = true
			m.needles = append(m.needles, []byte(k.String()))
		}
	}
	m.regions = map[string]bool{}
	for k := range m.keys {
		m.keyHashes = append(m.keyHashes, hashString(k))
	}
	for _, p := range q.KeyPairs {
		m.pairs[p.Region+"/"+p.Name] = true
		m.nameHashes = append(m.nameHashes, hashString(p.Name))
		m.regions[p.Region] = true
	}
	if len(m.pairs) > 0 {
		m.needles = append(m.needles, runInstancesNeedle)
	}
	// A role's events name it: the bare name, which a lookup-events export holds inside
	// an escaped JSON string as well as a record holds it.
	for _, r := range q.Roles {
		if r != "" && !m.roles[r] {
			m.roles[r] = true
			m.needles = append(m.needles, []byte(r))
		}
	}
	m.all = len(m.keys) == 0 && len(m.pairs) == 0 && len(m.roles) == 0
	return m
}

// All reports whether the matcher wants every record.
func (m *Matcher) All() bool { return m.all }

// MayMatch is the cheap byte-level test: false means no record in b can match.
func (m *Matcher) MayMatch(b []byte) bool {
	if m.all {
		return true
	}
	for _, n := range m.needles {
		if len(n) >= 2 && pairscan.IndexNeedle(b, n) >= 0 || len(n) < 2 && bytes.Contains(b, n) {
			return true
		}
	}
	return false
}

// MayMatchTokens is MayMatch on a file's tokens: false means no record of the file can
// match. It answers from an Index as well as from a fresh scan.
func (m *Matcher) MayMatchTokens(t *Tokens) bool {
	if m.all || len(m.roles) > 0 {
		// Tokens hold no role names: any file may hold a role's history.
		return true
	}
	for _, h := range m.keyHashes {
		if containsHash(t.Keys, h) {
			return true
		}
	}
	if len(m.nameHashes) > 0 && t.RunInstances {
		if t.OpaqueNames {
			return true
		}
		for _, h := range m.nameHashes {
			if containsHash(t.Names, h) {
				return true
			}
		}
	}
	return false
}

// MayMatchLayout is false when a file's place in the S3 layout rules it out: a query
// for key pairs only (no keys) wants launches in the key pairs' regions. A query for
// roles rules out no file: IAM events are mostly in us-east-1, but not in every
// partition, nor in every trail's delivery.
func (m *Matcher) MayMatchLayout(lf *LogFile) bool {
	if m.all || lf == nil || len(m.keys) > 0 || len(m.roles) > 0 {
		return true
	}
	return m.regions[lf.Region]
}

// Match is the exact test on a decoded event.
func (m *Matcher) Match(e *investigate.Event) bool {
	if !m.window.Contains(e.Time) {
		return false
	}
	if m.all || m.keys[e.Signer()] {
		return true
	}
	if len(m.pairs) > 0 && e.Name == "RunInstances" {
		for _, k := range investigate.RunInstancesKeyNames(e) {
			if m.pairs[e.Region+"/"+k] {
				return true
			}
		}
	}
	if len(m.roles) > 0 && e.Source == "iam.amazonaws.com" {
		if r := investigate.RoleHistoryRole(e); r != "" && m.roles[r] {
			return true
		}
	}
	return false
}
