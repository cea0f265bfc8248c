package httpkit

import (
	"encoding/base64"
	"testing"
)

func TestCredentialsCheck(t *testing.T) {
	c := NewCredentials()
	c.APIKeys["kid"] = "ksecret"
	c.Users["elastic"] = "pw"
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		header string
		scheme Scheme
		name   string
		ok     bool
	}{
		{"ApiKey " + enc("kid:ksecret"), APIKey, "kid", true},
		{"apikey " + enc("kid:ksecret"), APIKey, "kid", true},
		{"Basic " + enc("elastic:pw"), Basic, "elastic", true},
		{"ApiKey " + enc("kid:wrong"), 0, "", false},
		{"Basic " + enc("kid:ksecret"), 0, "", false}, // an API key is not a user
		{"Basic " + enc("elastic"), 0, "", false},     // no colon
		{"Basic not-base64!", 0, "", false},
		{"Bearer " + enc("elastic:pw"), 0, "", false},
		{"", 0, "", false},
	} {
		scheme, name, ok := c.Check(tc.header)
		if scheme != tc.scheme || name != tc.name || ok != tc.ok {
			t.Errorf("Check(%q) = %v, %q, %v; want %v, %q, %v", tc.header, scheme, name, ok, tc.scheme, tc.name, tc.ok)
		}
	}
	if c.Empty() || !(Credentials{}).Empty() {
		t.Error("Empty is wrong")
	}
}
