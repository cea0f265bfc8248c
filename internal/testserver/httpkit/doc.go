// Package httpkit is the HTTP plumbing the Go test servers share: serving a handler on a
// loopback port for the length of a test (Server), holding a request for an injected
// delay (Server.Sleep), the parts a server with a request log and injected faults
// embeds (Plumbing), what a request carried (Request), JSON bodies (DecodeJSON,
// WriteJSON) and the values decoded from them (CopyJSON, Number), the credentials
// Elasticsearch and Kibana accept (Credentials), SigV4 Authorization headers
// (ParseSigV4) and request ids (UUID). What a server answers (its routes, limits and
// error shapes) stays in the server's own package.
//
// It imports only the standard library and reqlog.
package httpkit
