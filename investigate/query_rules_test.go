package investigate

import "testing"

// A query names something to search by, or is empty; an empty one is not "everything".
func TestEventQueryEmpty(t *testing.T) {
	key := MustParseAccessKeyID("AKIAIOSFODNN7EXAMPLE")
	if !(EventQuery{Window: Window{}}).Empty() {
		t.Error("a query with nothing to search by is not empty")
	}
	for name, q := range map[string]EventQuery{
		"keys":      {AccessKeys: []AccessKeyID{key}},
		"key pairs": {KeyPairs: []KeyPairRef{{Name: "kp", Region: "us-east-1"}}},
		"roles":     {Roles: []string{"admin"}},
	} {
		if q.Empty() {
			t.Errorf("a query by %s is empty", name)
		}
	}
}

// A case's alerts keep their documents; a ranking's do not.
func TestAlertQueryKeepsRaw(t *testing.T) {
	if (AlertQuery{}).KeepsRaw() {
		t.Error("a ranking keeps documents")
	}
	if !(AlertQuery{AccessKeys: []AccessKeyID{MustParseAccessKeyID("AKIAIOSFODNN7EXAMPLE")}}).KeepsRaw() {
		t.Error("a case's alerts lose their documents")
	}
}
