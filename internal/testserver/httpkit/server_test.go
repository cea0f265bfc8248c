package httpkit

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSleepEndsWhenTheServerCloses(t *testing.T) {
	s := Listen(t, http.NotFoundHandler())
	done := make(chan bool)
	go func() { done <- s.Sleep(context.Background(), time.Hour) }()
	s.Close()
	select {
	case ok := <-done:
		if ok {
			t.Fatal("Sleep reported the whole delay")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Sleep outlived Close")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Listen(t, http.NotFoundHandler()).Sleep(ctx, time.Hour) {
		t.Fatal("Sleep outlived its request")
	}
	if !s.Sleep(context.Background(), 0) {
		t.Fatal("no delay must not fail")
	}
}

func TestRequestsAreKeptAndAnsweredAsJSON(t *testing.T) {
	var got Request
	s := Listen(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = Received(r, body)
		WriteJSON(w, http.StatusTeapot, "application/x-test+json", map[string]any{"n": json.Number("12345678901234567890")})
	}))
	res, err := http.Post(s.URL()+"/p?q=1", "application/json", strings.NewReader(`{"id": 12345678901234567890}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusTeapot || res.Header.Get("Content-Type") != "application/x-test+json" || string(b) != `{"n":12345678901234567890}` {
		t.Errorf("answer %d %q %s", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	if got.Method != http.MethodPost || got.Path != "/p" || got.Query.Get("q") != "1" || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("kept %+v", got)
	}
	v, err := DecodeJSON[map[string]any](strings.NewReader(string(got.Body)))
	if err != nil || v["id"] != json.Number("12345678901234567890") {
		t.Errorf("decoded %v, %v: numbers must keep every digit", v, err)
	}
}

func TestUUIDIsVersion4(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if a, b := UUID(), UUID(); !re.MatchString(a) || a == b {
		t.Errorf("UUIDs %s, %s", a, b)
	}
}
