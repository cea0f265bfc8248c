package investigate

import (
	"fmt"
	"strings"
	"sync"
)

// SequenceListing counts what a findings source's second listing, the one for attack
// sequences, read and kept, across the regions it searches at once, and says it in the
// source's report: a sequence names its keys in its actors' credentials, not as the
// finding's resource, so the listing by key does not find it, and "no attack sequence"
// is an answer only with how they were looked for. The zero value is ready.
type SequenceListing struct {
	mu         sync.Mutex
	read, kept int
}

// Add counts a page of the listing: findings read, and those kept for the query.
func (l *SequenceListing) Add(read, kept int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.read += read
	l.kept += kept
}

// Note is the report's note: how the sequences were listed (how: "listed by type
// AttackSequence:*"), what was read and kept, and for which keys.
func (l *SequenceListing) Note(how string, q AlertQuery) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	kept := fmt.Sprintf("%d kept (every one that names a key, for the ranking)", l.kept)
	if len(q.AccessKeys) > 0 {
		kept = fmt.Sprintf("%d kept whose actors used %s", l.kept, strings.Join(KeyStrings(q.AccessKeys), ", "))
	}
	return fmt.Sprintf("attack sequences name their keys in their actors' credentials, not as the finding's resource: %s in the window, %s read, %s",
		how, Plural(l.read, "finding"), kept)
}
