package investigate

// The rules every source applies to a query the same way, kept here so that an
// adapter asks the query rather than derives them again.

// Empty reports whether the query asks for nothing: no key, key pair or role. A source
// answers it with no events rather than reading a whole trail.
func (q EventQuery) Empty() bool {
	return len(q.AccessKeys) == 0 && len(q.KeyPairs) == 0 && len(q.Roles) == 0
}

// KeepsRaw reports whether the alerts answering the query keep their documents
// (Alert.Raw): a case's query (the alerts of given keys) shows them; a ranking's (every
// key) keeps no alert, so it keeps no document either.
func (q AlertQuery) KeepsRaw() bool { return len(q.AccessKeys) > 0 }
