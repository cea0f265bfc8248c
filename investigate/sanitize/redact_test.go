package sanitize

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"http://u:p@h", "http://u:xxxxx@h"},
		{"https://u:p@h:9200/path?x", "https://u:xxxxx@h:9200/path?x"},
		{"http://elastic:SuperSecret123@127.0.0.1:9", "http://elastic:xxxxx@127.0.0.1:9"},
		{"http://elastic:SuperSecret123@[::1]:9200/", "http://elastic:xxxxx@[::1]:9200/"},
		{"https://elastic:p%40ss%3Aw0rd@[2001:db8::7]/es", "https://elastic:xxxxx@[2001:db8::7]/es"},
		{"http://u@h:9200", "http://u@h:9200"},
		{"http://h:9200/_search", "http://h:9200/_search"},
		{"https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA&X-Amz-Security-Token=FwoGZX&X-Amz-Signature=abc123", "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA&X-Amz-Security-Token=REDACTED&X-Amz-Signature=REDACTED"},
		// net/url refuses these; the password is still found.
		{"http://u:pa ss@h:9200", "http://u:xxxxx@h:9200"},
		{"http://u:pa/ss@h", "http://u:xxxxx@h"},
	} {
		if got := RedactURL(c.in); got != c.want {
			t.Errorf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRedactFreeText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"cannot reach Elasticsearch at http://elastic:SuperSecret123@127.0.0.1:9: dial tcp 127.0.0.1:9: connect: connection refused",
			"cannot reach Elasticsearch at http://elastic:xxxxx@127.0.0.1:9: dial tcp 127.0.0.1:9: connect: connection refused"},
		{`Get "https://u:p4ss@es.example:9200/_search?x=1": EOF`, `Get "https://u:xxxxx@es.example:9200/_search?x=1": EOF`},
		{"dial http://u:p@[fe80::1%25eth0]:9200/x failed", "dial http://u:xxxxx@[fe80::1%25eth0]:9200/x failed"},
		{"a http://a:1@h1 and https://b:2@h2/p, then ftp://c@h3", "a http://a:xxxxx@h1 and https://b:xxxxx@h2/p, then ftp://c@h3"},
		{"(http://u:p@h)", "(http://u:xxxxx@h)"},
		{"Authorization: ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==", "Authorization: ApiKey REDACTED"},
		{"header map[Authorization:[Basic ZWxhc3RpYzpjaGFuZ2VtZQ==]]", "header map[Authorization:[Basic REDACTED]]"},
		{`{"Authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"}`, `{"Authorization":"Bearer REDACTED"}`},
		{"Basic authentication failed for user elastic", "Basic authentication failed for user elastic"},
		{"retry with password=hunter22 later", "retry with password=REDACTED later"},
		{"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = REDACTED"},
		{`"sessionToken": "IQoJb3JpZ2luX2VjEOH//////////wEa"`, `"sessionToken": "REDACTED"`},
		{"no secret in http://127.0.0.1:9200/ at all", "no secret in http://127.0.0.1:9200/ at all"},
		{"a mail user@example.com and a time 12:40@x", "a mail user@example.com and a time 12:40@x"},
	} {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestRegisteredSecretsAreMaskedEverywhere(t *testing.T) {
	t.Cleanup(ForgetSecrets)
	RegisterSecret("S3cr<et>&\"pw", "ab", "", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	const aws = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	if got := Clean("key " + aws + " \x1b[31m"); got != `key REDACTED \x1b[31m` {
		t.Errorf("Clean: %q", got)
	}
	if got := Multiline("a\n" + aws + "\n"); got != "a\nREDACTED\n" {
		t.Errorf("Multiline: %q", got)
	}
	// "ab" is too short to be masked in free text.
	if got := Clean("about"); got != "about" {
		t.Errorf("a 2-byte secret masked ordinary text: %q", got)
	}
	// A short all-lower-case password is a word: masked only where its place says so.
	RegisterSecret("elastic", "Sup3r")
	if got := Clean("source elastic:.alerts-security.alerts-default, pw Sup3r"); got != "source elastic:.alerts-security.alerts-default, pw REDACTED" {
		t.Errorf("short secrets: %q", got)
	}
	if got := RedactURL("http://elastic:elastic@h"); got != "http://elastic:xxxxx@h" {
		t.Errorf("a plain password in a URL: %q", got)
	}
	// In JSON, with encoding/json's escapes (HTML ones included).
	b, _ := json.Marshal(map[string]string{"p": "S3cr<et>&\"pw", "k": aws})
	if got := string(JSON(b)); strings.Contains(got, "S3cr") || strings.Contains(got, "EXAMPLEKEY") || !json.Valid([]byte(got)) {
		t.Errorf("JSON: %s", got)
	}
	// In a URL's userinfo, path and query, escaped.
	for _, u := range []string{"http://u:S3cr%3Cet%3E&%22pw@h", "http://h/?k=wJalrXUtnFEMI%2FK7MDENG%2BbPxRfiCYEXAMPLEKEY"} {
		if got := RedactURL(u); strings.Contains(got, "S3cr") || strings.Contains(got, "EXAMPLEKEY") {
			t.Errorf("RedactURL(%q) = %q", u, got)
		}
	}
	if got := Redact(`error: "S3cr<et>&\"pw"`); strings.Contains(got, "S3cr") {
		t.Errorf("Redact of a %%q-quoted secret: %q", got)
	}
	rec := RedactRecord([]byte(`{"userAgent":"x ` + aws + `"}`))
	if bytes.Contains(rec, []byte("EXAMPLEKEY")) {
		t.Errorf("RedactRecord: %s", rec)
	}
	if n := testing.AllocsPerRun(100, func() { _ = Clean("Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1") }); n != 0 {
		t.Errorf("Clean allocated %v times on clean text with secrets registered", n)
	}
}

func TestRegisterURLSecrets(t *testing.T) {
	t.Cleanup(ForgetSecrets)
	RegisterURLSecrets("http://elastic:Sup3rSecret@127.0.0.1:9")
	RegisterURLSecrets("http://elastic:pa ss word@h") // net/url refuses it
	RegisterURLSecrets("http://127.0.0.1:9200/a@b")   // no userinfo: nothing to register
	if got := Clean("pw Sup3rSecret, pa ss word, 9200/a@b"); got != "pw REDACTED, REDACTED, 9200/a@b" {
		t.Errorf("Clean: %q", got)
	}
}

// A real GetFederationToken record (Stratus Red Team): its session token is masked,
// everything else is kept byte for byte.
func TestRedactRecordCloudTrailSessionToken(t *testing.T) {
	b, err := os.ReadFile("../../../shared/corpus/stratus-detonation-logs/aws.persistence.sts-federation-token.json")
	if err != nil {
		t.Skip(err)
	}
	var recs []json.RawMessage
	if err := json.Unmarshal(b, &recs); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, raw := range recs {
		var before struct {
			ResponseElements struct {
				Credentials struct{ SessionToken, AccessKeyID string }
			}
		}
		json.Unmarshal(raw, &before)
		tok := before.ResponseElements.Credentials.SessionToken
		if tok == "" {
			continue
		}
		found++
		got := RedactRecord(raw)
		if bytes.Contains(got, []byte(tok)) || !json.Valid(got) {
			t.Fatalf("token kept or JSON broken:\n%s", got)
		}
		var after map[string]any
		json.Unmarshal(got, &after)
		creds := after["responseElements"].(map[string]any)["credentials"].(map[string]any)
		if creds["sessionToken"] != Mask || creds["accessKeyId"] != before.ResponseElements.Credentials.AccessKeyID {
			t.Errorf("credentials after: %v", creds)
		}
		// Byte for byte the same apart from the token.
		if want := bytes.Replace(raw, []byte(tok), []byte(Mask), 1); !bytes.Equal(got, want) {
			t.Errorf("more than the token changed:\n%s", got)
		}
	}
	if found == 0 {
		t.Fatal("no record with a session token in the corpus file")
	}
}

func TestRedactRecordMembers(t *testing.T) {
	for name, c := range map[string]struct{ in, want string }{
		"nested": {`{"responseElements":{"credentials":{"accessKeyId":"ASIAX","sessionToken":"tok\"en","secretAccessKey":"sk"}}}`,
			`{"responseElements":{"credentials":{"accessKeyId":"ASIAX","sessionToken":"REDACTED","secretAccessKey":"REDACTED"}}}`},
		"spaces and case": {"{ \"Password\" :\n \"hunter2\", \"user\": \"bob\" }", "{ \"Password\" :\n \"REDACTED\", \"user\": \"bob\" }"},
		"aws placeholder kept": {`{"requestParameters":{"userName":"bob","password":"HIDDEN_DUE_TO_SECURITY_REASONS"}}`,
			`{"requestParameters":{"userName":"bob","password":"HIDDEN_DUE_TO_SECURITY_REASONS"}}`},
		"escaped member name": {`{"session\u0054oken":"abc"}`, `{"session\u0054oken":"REDACTED"}`},
		"flattened ECS field": {`{"aws.cloudtrail.flattened.response_elements.credentials.sessionToken":"abc"}`,
			`{"aws.cloudtrail.flattened.response_elements.credentials.sessionToken":"REDACTED"}`},
		"non-string value kept":  {`{"password":null,"sessionToken":{"x":"y"}}`, `{"password":null,"sessionToken":{"x":"y"}}`},
		"value named like a key": {`{"eventName":"sessionToken","x":"password"}`, `{"eventName":"sessionToken","x":"password"}`},
		"in an array":            {`[{"keyMaterial":"-----BEGIN RSA PRIVATE KEY-----\nMII"}]`, `[{"keyMaterial":"REDACTED"}]`},
		"JSON inside a string": {`{"event":{"original":"{\"responseElements\":{\"credentials\":{\"sessionToken\":\"abc\"}}}"}}`,
			`{"event":{"original":"{\"responseElements\":{\"credentials\":{\"sessionToken\":\"REDACTED\"}}}"}}`},
		"text inside a string": {`{"message":"token: sessionToken=\"abc123\" end"}`, `{"message":"token: sessionToken=\"REDACTED\" end"}`},
		"nothing to do":        {`{"eventName":"GetCallerIdentity","userAgent":"aws-cli"}`, `{"eventName":"GetCallerIdentity","userAgent":"aws-cli"}`},
	} {
		got := string(RedactRecord([]byte(c.in)))
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, c.want)
		}
		if json.Valid([]byte(c.in)) && !json.Valid([]byte(got)) {
			t.Errorf("%s: output is not JSON: %s", name, got)
		}
	}
	// Broken input: no panic, and the token before the break is still masked.
	if got := string(RedactRecord([]byte(`{"sessionToken":"abc","x":"unterminated`))); !strings.Contains(got, `"sessionToken":"REDACTED"`) {
		t.Errorf("truncated record: %s", got)
	}
}

func TestRedactRecordReturnsInputWhenClean(t *testing.T) {
	raw := []byte(`{"eventName":"ListUsers","requestParameters":{"maxItems":100}}`)
	if got := RedactRecord(raw); &got[0] != &raw[0] {
		t.Error("a record without secrets was copied")
	}
}

func FuzzRedactRecord(f *testing.F) {
	f.Add(`{"sessionToken":"a","b":"{\"password\":\"c\"}"}`)
	f.Add(`[{"x":"\"","password":"\\"}]`)
	f.Fuzz(func(t *testing.T, s string) {
		got := RedactRecord([]byte(s))
		if json.Valid([]byte(s)) && !json.Valid(got) {
			t.Fatalf("RedactRecord(%q) = %q: not JSON", s, got)
		}
	})
}

func FuzzRedact(f *testing.F) {
	f.Add("http://u:p@h and Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("u:p")))
	f.Fuzz(func(t *testing.T, s string) {
		_ = Redact(s)
		_ = RedactURL(s)
	})
}

// Clean runs on every string of every report and screen: with secrets registered it
// must stay cheap. Compare NoSecrets with Secrets in the same run.
func BenchmarkClean(b *testing.B) {
	ua := "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.6 cfg/retry-mode#legacy"
	b.Run("NoSecrets", func(b *testing.B) {
		ForgetSecrets()
		for b.Loop() {
			_ = Clean(ua)
		}
	})
	b.Run("Secrets", func(b *testing.B) {
		// What a session registers: an API key in three forms, a password, an AWS secret key and session token.
		RegisterSecret("VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==", "VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw", "ui2lp2axTNmsyakw9tvNnw",
			"changeme-Secret1", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", strings.Repeat("IQoJb3JpZ2luX2VjEOH//////////wEaCXVzLWVhc3QtMSJIMEYCIQ", 8))
		b.Cleanup(ForgetSecrets)
		for b.Loop() {
			_ = Clean(ua)
		}
	})
}
