package httpkit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Server runs a test server's handler on a loopback port until the test that started it
// ends. Test servers embed it, which gives them URL and Close.
type Server struct {
	srv     *httptest.Server
	closing chan struct{}
	once    sync.Once
}

// Listen serves h on a loopback port; the server is closed when the test ends.
func Listen(tb testing.TB, h http.Handler) *Server {
	tb.Helper()
	s := &Server{srv: httptest.NewServer(h), closing: make(chan struct{})}
	tb.Cleanup(s.Close)
	return s
}

// URL is the server's base URL (http://127.0.0.1:port), for a client's endpoint.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server. Requests held by Sleep end at once, so that Close does not
// wait for a delay to run out.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closing) })
	s.srv.Close()
}

// Sleep holds a request for d, an injected delay. It reports false when the client gave
// up or the server closed first: the handler then returns without answering.
func (s *Server) Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.closing:
	}
	return false
}
