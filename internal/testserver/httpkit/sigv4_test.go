package httpkit

import (
	"slices"
	"testing"
)

func TestParseSigV4(t *testing.T) {
	a := ParseSigV4("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240731/eu-west-1/guardduty/aws4_request, SignedHeaders=host;x-amz-date, Signature=0a1b2c")
	if a.Algorithm != SigV4Algorithm || !a.Scoped() || a.KeyID != "AKIDEXAMPLE" || a.Date != "20240731" ||
		a.Region != "eu-west-1" || a.Service != "guardduty" || a.Signature != "0a1b2c" ||
		!slices.Equal(a.SignedHeaders, []string{"host", "x-amz-date"}) {
		t.Fatalf("parsed %+v", a)
	}
	for _, h := range []string{
		"",
		"AWS4-HMAC-SHA256 Credential=AKID/20240731/eu-west-1/guardduty",         // no terminator
		"AWS4-HMAC-SHA256 Credential=AKID/20240731//guardduty/aws4_request",     // no region
		"AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",                     // no credential
		"AWS4-HMAC-SHA256 Credential=AKID/20240731/eu-west-1/s3/x/aws4_request", // too many parts
	} {
		if a := ParseSigV4(h); a.Scoped() {
			t.Errorf("%q is scoped: %+v", h, a)
		}
	}
	if a := ParseSigV4("AWS4-ECDSA-P256-SHA256 Credential=AKID/20240731/eu-west-1/s3/aws4_request"); a.Algorithm != "AWS4-ECDSA-P256-SHA256" {
		t.Errorf("algorithm %q", a.Algorithm)
	}
}
