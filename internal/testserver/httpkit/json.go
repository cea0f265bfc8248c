package httpkit

import (
	"encoding/json"
	"io"
	"net/http"
)

// DecodeJSON decodes the first JSON value of r as a T, numbers as json.Number, so that
// ids, epoch milliseconds and large integers keep every digit they were written with.
func DecodeJSON[T any](r io.Reader) (T, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var v T
	err := dec.Decode(&v)
	return v, err
}

// WriteJSON answers status with v encoded as JSON, as contentType. A value JSON cannot
// encode is answered as {"error": why}, so that a server bug shows in the test that met
// it.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"error": err.Error()})
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
