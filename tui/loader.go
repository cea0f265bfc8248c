package tui

import (
	"context"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/investigate"
)

// caseMsg is one case snapshot (or the end of the work) for the workbench opened as
// generation gen.
type caseMsg struct {
	gen  int64
	upd  investigate.CaseUpdate
	has  bool // upd holds a snapshot
	done bool // the work has ended (err says how)
	err  error
	box  *mailbox
}

// mailbox hands case snapshots from the investigation goroutine to the program. Only
// the newest snapshot is kept: each is the whole case, so a slow terminal skips
// intermediate ones instead of queueing them.
type mailbox struct {
	mu     sync.Mutex
	latest *investigate.CaseUpdate
	done   bool
	err    error
	notify chan struct{}
}

func newMailbox() *mailbox { return &mailbox{notify: make(chan struct{}, 1)} }

func (b *mailbox) put(u investigate.CaseUpdate) {
	b.mu.Lock()
	b.latest = &u
	b.mu.Unlock()
	b.poke()
}

func (b *mailbox) finish(err error) {
	b.mu.Lock()
	b.done, b.err = true, err
	b.mu.Unlock()
	b.poke()
}

func (b *mailbox) poke() {
	select {
	case b.notify <- struct{}{}:
	default:
	}
}

// wait is a command that returns the next snapshot (or the end) for gen.
func (b *mailbox) wait(gen int64) tea.Cmd {
	return func() tea.Msg {
		<-b.notify
		b.mu.Lock()
		defer b.mu.Unlock()
		m := caseMsg{gen: gen, box: b, done: b.done, err: b.err}
		if b.latest != nil {
			m.upd, m.has = *b.latest, true
			b.latest = nil
		}
		return m
	}
}

// investigate starts building the case of key under ctx; snapshots arrive through the
// returned mailbox.
func investigateKey(ctx context.Context, ws *investigate.Workspace, key investigate.AccessKeyID, interval time.Duration) *mailbox {
	box := newMailbox()
	go func() {
		_, err := ws.Investigate(ctx, key, interval, box.put)
		box.finish(err)
	}()
	return box
}
