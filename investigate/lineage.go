package investigate

import "sort"

// lineage is the set of keys of a case: the key itself, the temporary sessions derived
// from it and the access keys it created (its children), followed transitively and
// loop-safe through the sessions and children of each.
type lineage struct {
	// depth is each key's distance from the case key (0 for the key itself).
	depth map[string]int
	// viaChild marks the keys that are a child key or descend from one: their events
	// are counted as the children's, not the key's own.
	viaChild map[string]bool
	sessions []Session
	children []CreatedKey
}

// has reports whether k is a key of the case.
func (l *lineage) has(k string) bool {
	_, ok := l.depth[k]
	return ok
}

// deriveLineage follows, from key, every session-issuing call (STS) and every access
// key created (iam:CreateAccessKey's response), over events indexed by signer. Sessions
// and children are returned in issue order.
func deriveLineage(key string, bySigner map[string][]*Event) lineage {
	l := lineage{depth: map[string]int{key: 0}, viaChild: map[string]bool{}}
	queue := []string{key}
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		for _, e := range bySigner[k] {
			if s, ok := IssuedSession(e); ok && !l.has(s.AccessKeyID) {
				s.Depth = l.depth[k] + 1
				l.depth[s.AccessKeyID] = s.Depth
				l.viaChild[s.AccessKeyID] = l.viaChild[k]
				l.sessions = append(l.sessions, s)
				queue = append(queue, s.AccessKeyID)
				continue
			}
			if ck, ok := CreatedKeyFrom(e); ok && !l.has(ck.AccessKeyID) {
				ck.Depth = l.depth[k] + 1
				l.depth[ck.AccessKeyID] = ck.Depth
				l.viaChild[ck.AccessKeyID] = true
				l.children = append(l.children, ck)
				queue = append(queue, ck.AccessKeyID)
			}
		}
	}
	sort.SliceStable(l.sessions, func(i, j int) bool { return l.sessions[i].IssuedAt.Before(l.sessions[j].IssuedAt) })
	sort.SliceStable(l.children, func(i, j int) bool { return l.children[i].Time.Before(l.children[j].Time) })
	return l
}

// CreatedKeyFrom reads the access key a successful iam:CreateAccessKey returned
// (responseElements.accessKey); ok is false for any other event, a failed call, or a
// response without a key id.
func CreatedKeyFrom(e *Event) (CreatedKey, bool) {
	if e.Name != "CreateAccessKey" || e.Source != "iam.amazonaws.com" || e.Failed() {
		return CreatedKey{}, false
	}
	req, resp := decodeObject(e.Request()), decodeObject(e.Response())
	id := resp.str("accessKey.accessKeyId")
	if _, err := ParseAccessKeyID(id); err != nil {
		return CreatedKey{}, false
	}
	return CreatedKey{
		AccessKeyID: id,
		User:        firstNonEmpty(resp.str("accessKey.userName"), req.str("userName"), e.Identity.UserName),
		Account:     firstNonEmpty(e.RecipientAccount, e.Account()),
		EventID:     e.ID,
		Time:        e.Time,
		Signer:      e.Signer(),
		SignerARN:   e.Identity.ARN,
		Status:      resp.str("accessKey.status"),
	}, true
}

// DerivedKeys returns the keys derived from key in events, transitively: the sessions
// it and its descendants were issued and the access keys they created. Collectors use
// it to widen their queries.
func DerivedKeys(key string, events []*Event) []string {
	by := map[string][]*Event{}
	for _, e := range events {
		if sessionIssuers[e.Name] || e.Name == "CreateAccessKey" {
			by[e.Signer()] = append(by[e.Signer()], e)
		}
	}
	l := deriveLineage(key, by)
	out := make([]string, 0, len(l.sessions)+len(l.children))
	for _, s := range l.sessions {
		out = append(out, s.AccessKeyID)
	}
	for _, c := range l.children {
		out = append(out, c.AccessKeyID)
	}
	return out
}
