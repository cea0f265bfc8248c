package investigate_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// gatedSource answers only once another source has answered: it makes the events of a
// poll arrive in the order a test wants.
type gatedSource struct {
	*liveTrail
	after <-chan struct{}
}

func (s gatedSource) Events(ctx context.Context, q investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	<-s.after
	return s.liveTrail.Events(ctx, q, sink)
}

// signalSource closes answered once it has answered the first time.
type signalSource struct {
	*liveTrail
	once     *sync.Once
	answered chan struct{}
}

func (s signalSource) Events(ctx context.Context, q investigate.EventQuery, sink func([]investigate.Event)) (investigate.SourceReport, error) {
	defer s.once.Do(func() { close(s.answered) })
	return s.liveTrail.Events(ctx, q, sink)
}

// The keys a poll derives join the watch in the order they were issued or created,
// whichever source answered first; a key derived from a key that joined in the same
// poll is found in the poll's next round, attributed to its own event.
func TestWatchNewKeysComeInTheOrderTheyWereDerived(t *testing.T) {
	const (
		newChild   = "AKIAWATCHTESTCHILD02"
		childSess  = "ASIAWATCHTESTSESS003"
		grandchild = "ASIAWATCHTESTSESS004"
	)
	creds := func(key string) string {
		return `"responseElements":{"credentials":{"accessKeyId":"` + key + `","sessionToken":"t","expiration":"Nov 20, 2026, 1:00:00 PM"}}`
	}
	poll := func(t *testing.T, createdFirst bool) []investigate.WatchedKey {
		t.Helper()
		// a: the key creates a child key at +90s, which gets a session at +100s.
		a := &liveTrail{name: "a"}
		a.add(t,
			rec("create-9", wKey, "CreateAccessKey", wCut.Add(90*time.Second), `"eventSource":"iam.amazonaws.com"`,
				`"responseElements":{"accessKey":{"accessKeyId":"`+newChild+`","userName":"backdoor2","status":"Active"}}`),
			rec("token-10", newChild, "GetSessionToken", wCut.Add(100*time.Second), creds(grandchild)))
		// b: the case's child key gets a session at +30s.
		b := &liveTrail{name: "b"}
		b.add(t, rec("token-9", wChild, "GetSessionToken", wCut.Add(30*time.Second), creds(childSess)))
		answered := make(chan struct{})
		var first, second investigate.EventSource = signalSource{a, &sync.Once{}, answered}, gatedSource{b, answered}
		if !createdFirst {
			first, second = signalSource{b, &sync.Once{}, answered}, gatedSource{a, answered}
		}
		w, err := investigate.NewWatch(investigate.WatchConfig{
			Case: watchCase(), Sources: []investigate.EventSource{second, first}, CutOff: wCut, CutOffFrom: "the journal",
			Clock: &watchClock{now: wCut.Add(2 * time.Minute)},
		})
		if err != nil {
			t.Fatal(err)
		}
		p := w.Poll(context.Background())
		if len(p.Events) != 3 || !p.Complete {
			t.Fatalf("poll: %d events, complete %v", len(p.Events), p.Complete)
		}
		return p.NewKeys
	}
	want := []investigate.WatchedKey{
		{Key: childSess, Kind: investigate.WatchSession, Via: wChild, EventID: "token-9"},
		{Key: newChild, Kind: investigate.WatchChildKey, Via: wKey, EventID: "create-9"},
		{Key: grandchild, Kind: investigate.WatchSession, Via: newChild, EventID: "token-10"},
	}
	for _, createdFirst := range []bool{true, false} {
		got := poll(t, createdFirst)
		same := slices.EqualFunc(got, want, func(g, w investigate.WatchedKey) bool {
			return g.Key == w.Key && g.Kind == w.Kind && g.Via == w.Via && g.EventID == w.EventID && g.Joined.Equal(wCut.Add(2*time.Minute))
		})
		if !same {
			t.Errorf("the creation arriving first %v: new keys %+v, want %+v", createdFirst, got, want)
		}
		if got[0].Expiration.IsZero() || !got[1].Expiration.IsZero() {
			t.Errorf("a session keeps its expiration, a child key has none: %+v", got)
		}
	}
}
