package httpkit

import (
	"net/http"
	"net/url"
)

// Request is what a test server keeps of a request it received, for tests to assert on.
// Servers embed it in their own Request type beside the endpoint (or operation) it
// reached.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// Received copies what Request keeps of r, whose body the server has read as body.
func Received(r *http.Request, body []byte) Request {
	return Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
}
