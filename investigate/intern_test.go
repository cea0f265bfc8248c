package investigate

import (
	"runtime"
	"testing"
)

// TestSharedIdentitiesAreDroppedWithTheirEvents: the identities events share live as long
// as an event holds them, so a long session that drops its cases keeps none of them.
func TestSharedIdentitiesAreDroppedWithTheirEvents(t *testing.T) {
	id := Identity{Type: "IAMUser", ARN: "arn:aws:iam::111122223333:user/dropped", AccessKeyID: "AKIADROPPEDIDENTITY1"}
	p := internIdentity(id)
	if q := internIdentity(id); q != p {
		t.Fatal("one identity interned twice gives two copies")
	}
	held := func() bool {
		identities.Lock()
		defer identities.Unlock()
		_, ok := identities.m[id]
		return ok
	}
	if !held() {
		t.Fatal("the identity is not in the table")
	}
	// Cleanups run on their own goroutine after a collection: give them the chance.
	for i := 0; i < 1000 && held(); i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if held() {
		t.Fatal("an identity no event holds stays in the table")
	}
}
