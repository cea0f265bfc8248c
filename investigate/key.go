package investigate

import (
	"fmt"
	"strings"
)

// IsAccessKeyID reports whether s has the shape of an AWS access key id:
// ^(AKIA|ASIA)[A-Z0-9]{16}$.
func IsAccessKeyID(s string) bool {
	if len(s) != 20 || !(strings.HasPrefix(s, "AKIA") || strings.HasPrefix(s, "ASIA")) {
		return false
	}
	for i := 4; i < 20; i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// IsLongTermKey reports whether key is an IAM user's long-term key (AKIA...).
func IsLongTermKey(key string) bool { return strings.HasPrefix(key, "AKIA") && IsAccessKeyID(key) }

// IsSessionKey reports whether key is a temporary (STS) key (ASIA...).
func IsSessionKey(key string) bool { return strings.HasPrefix(key, "ASIA") && IsAccessKeyID(key) }

// LineageKind names what a key of a case's lineage other than the case key is: a
// "derived session" (ASIA...) or a "child key" (an access key the lineage created).
func LineageKind(key string) string {
	if IsSessionKey(key) {
		return "derived session"
	}
	return "child key"
}

// AccessKeyID is an access key id that has been checked: ParseAccessKeyID (and
// UnmarshalText, which calls it) is its only constructor, so a value of this type is
// always trimmed and well formed, and the zero value means "no key".
type AccessKeyID struct{ id string }

// String is the key id ("" for the zero value).
func (k AccessKeyID) String() string { return k.id }

// IsZero reports whether no key is held.
func (k AccessKeyID) IsZero() bool { return k.id == "" }

// LongTerm reports whether the key is an IAM user's long-term key (AKIA...).
func (k AccessKeyID) LongTerm() bool { return strings.HasPrefix(k.id, "AKIA") }

// MarshalText writes the key id.
func (k AccessKeyID) MarshalText() ([]byte, error) { return []byte(k.id), nil }

// UnmarshalText parses a key id typed on the command line or read from a file; an empty
// text is the zero value.
func (k *AccessKeyID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*k = AccessKeyID{}
		return nil
	}
	v, err := ParseAccessKeyID(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// ParseAccessKeyID checks a key id typed by a user (surrounding spaces are dropped) and
// explains what is wrong with it.
func ParseAccessKeyID(s string) (AccessKeyID, error) {
	t := strings.TrimSpace(s)
	if IsAccessKeyID(t) {
		return AccessKeyID{t}, nil
	}
	switch {
	case t == "":
		return AccessKeyID{}, fmt.Errorf("empty access key id")
	case IsAccessKeyID(strings.ToUpper(t)):
		return AccessKeyID{}, fmt.Errorf("access key id %q must be upper case (did you mean %s?)", s, strings.ToUpper(t))
	case len(t) != 20:
		return AccessKeyID{}, fmt.Errorf("access key id %q has %d characters, want 20 (AKIA or ASIA followed by 16 of A-Z0-9)", s, len(t))
	case !strings.HasPrefix(t, "AKIA") && !strings.HasPrefix(t, "ASIA"):
		return AccessKeyID{}, fmt.Errorf("access key id %q must start with AKIA (long-term) or ASIA (temporary)", s)
	default:
		return AccessKeyID{}, fmt.Errorf("access key id %q may contain only A-Z and 0-9 after its prefix", s)
	}
}

// MustParseAccessKeyID is ParseAccessKeyID for ids known to be well formed (constants,
// tests); it panics on anything else.
func MustParseAccessKeyID(s string) AccessKeyID {
	k, err := ParseAccessKeyID(s)
	if err != nil {
		panic(err)
	}
	return k
}

// KeyIDs parses the well-formed ids of ss, in order, and drops the others (an id read
// from a record that is not a key id names no key to search for).
func KeyIDs(ss ...string) []AccessKeyID {
	out := make([]AccessKeyID, 0, len(ss))
	for _, s := range ss {
		if k, err := ParseAccessKeyID(s); err == nil {
			out = append(out, k)
		}
	}
	return out
}

// KeyStrings is the ids of ks as strings, for wire formats and queries.
func KeyStrings(ks []AccessKeyID) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.id
	}
	return out
}

// Compare orders key ids as strings, for sorting.
func (k AccessKeyID) Compare(o AccessKeyID) int { return strings.Compare(k.id, o.id) }
