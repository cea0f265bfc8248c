package httpkit

import "strings"

// SigV4Algorithm is the algorithm of the Authorization headers AWS SDKs send.
const SigV4Algorithm = "AWS4-HMAC-SHA256"

// SigV4 is what a SigV4 Authorization header says: "AWS4-HMAC-SHA256
// Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders=h1;h2,
// Signature=<hex>". Members the header lacks are empty. AWS test servers read the region
// (and the signing key) from it; checking the signature is the server's business.
type SigV4 struct {
	Algorithm     string
	Credential    string // the whole credential scope, as sent
	KeyID         string
	Date          string // yyyymmdd
	Region        string
	Service       string
	SignedHeaders []string
	Signature     string
	scoped        bool
}

// ParseSigV4 reads an Authorization header value.
func ParseSigV4(header string) SigV4 {
	var a SigV4
	var rest string
	a.Algorithm, rest, _ = strings.Cut(header, " ")
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			a.Credential = v
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(v, ";")
		case "Signature":
			a.Signature = v
		}
	}
	f := strings.Split(a.Credential, "/")
	if len(f) == 5 && f[4] == "aws4_request" {
		a.KeyID, a.Date, a.Region, a.Service = f[0], f[1], f[2], f[3]
		a.scoped = a.KeyID != "" && a.Date != "" && a.Region != "" && a.Service != ""
	}
	return a
}

// Scoped reports whether the credential names a key, a date, a region and a service,
// ending in aws4_request.
func (a SigV4) Scoped() bool { return a.scoped }
