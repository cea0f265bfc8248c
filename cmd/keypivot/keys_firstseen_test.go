package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// A key the text ranking marks as first-seen only keeps its id as AWS spells it (upper
// case), so that it can be copied from the ranking into keypivot pivot.
func TestFirstSeenOnlyKeysCanBePivotedOn(t *testing.T) {
	keys := kp(t, nil, "keys", "--demo", "-a", "--format", "text")
	if keys.code != 0 {
		t.Fatalf("keys: exit %d: %s", keys.code, keys.stderr)
	}
	ids := regexp.MustCompile(`(?i)AKIA[A-Z0-9]{16}`).FindAllString(keys.stdout, -1)
	if len(ids) == 0 {
		t.Fatalf("no key id in the ranking:\n%s", keys.stdout)
	}
	marked := ""
	for _, id := range ids {
		if id != strings.ToUpper(id) {
			t.Errorf("key id %q is not upper case", id)
		}
		if strings.Contains(keys.stdout, id+"*") {
			marked = id
		}
	}
	if marked == "" || !strings.Contains(keys.stdout, "(*: first seen from a new address") {
		t.Fatalf("no key marked first-seen only (the demo has one):\n%s", keys.stdout)
	}

	r := kp(t, nil, "pivot", marked, "--demo", "--format", "json")
	if r.code != 0 {
		t.Fatalf("pivot %s: exit %d: %s", marked, r.code, r.stderr)
	}
	var c struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil || c.Key != marked {
		t.Errorf("pivot %s: case of key %q (%v)", marked, c.Key, err)
	}
}
