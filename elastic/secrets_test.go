package elastic

import (
	"context"
	"strings"
	"testing"

	estest "github.com/keypivot/keypivot/internal/testserver/elasticsearch"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// Credentials in the Elasticsearch and Kibana URLs are sent as basic authentication (the
// test server accepts nothing else), and neither the client's URL, the source names, the
// alerts' origins, Kibana's URL nor any error holds the password.
func TestURLCredentialsAreUsedAndNeverShown(t *testing.T) {
	t.Cleanup(sanitize.ForgetSecrets)
	const pw = "Url-Pa55word"
	s := estest.New(t, estest.WithBasicAuth("elastic", pw))
	if _, err := s.LoadSampleAlerts("default"); err != nil {
		t.Fatal(err)
	}
	withCreds := strings.Replace(s.URL(), "http://", "http://elastic:"+pw+"@", 1)
	c, err := Connect(context.Background(), Config{URL: withCreds, KibanaURL: withCreds + "/kibana"})
	if err != nil {
		t.Fatalf("basic authentication from the URL refused: %v", err)
	}
	k, err := c.Kibana()
	if err != nil {
		t.Fatal(err)
	}
	var origins []string
	if _, err := c.AlertSource().Alerts(context.Background(), investigate.AlertQuery{}, func(as []investigate.Alert) {
		for _, a := range as {
			origins = append(origins, a.Origin)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if len(origins) == 0 {
		t.Fatal("no alert read with the URL's credentials")
	}
	for _, shown := range append(origins, c.URL, c.Config().URL, k.URL(), c.describe(), c.AlertSource().Name(), c.TrailSource().Name()) {
		if strings.Contains(shown, pw) || strings.Contains(shown, "elastic:") && strings.Contains(shown, "@") {
			t.Errorf("credentials shown: %q", shown)
		}
	}
	if c.URL != s.URL() {
		t.Errorf("URL %q, want %q", c.URL, s.URL())
	}
}

// A URL with a user name alone (http://elastic@host) gives the user; the password comes
// from --elastic-password (KEYPIVOT_ELASTIC_PASSWORD), with or without --elastic-user
// naming the same user. Another user name is refused.
func TestURLUserWithoutPassword(t *testing.T) {
	t.Cleanup(sanitize.ForgetSecrets)
	const pw = "User-Pa55word"
	s := estest.New(t, estest.WithBasicAuth("elastic", pw))
	withUser := strings.Replace(s.URL(), "http://", "http://elastic@", 1)
	for name, cfg := range map[string]Config{
		"password given":          {URL: withUser, Password: pw},
		"same user and password":  {URL: withUser, Username: "elastic", Password: pw},
		"Kibana URL names a user": {URL: s.URL(), KibanaURL: withUser, Username: "elastic", Password: pw},
	} {
		c, err := Connect(context.Background(), cfg)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := c.Config(); got.Username != "elastic" || got.Password != pw || strings.Contains(c.URL, "@") {
			t.Errorf("%s: user %q, URL %q", name, got.Username, c.URL)
		}
	}
	_, err := Connect(context.Background(), Config{URL: withUser, Username: "bob", Password: pw})
	if err == nil || !strings.Contains(err.Error(), "user other than") {
		t.Errorf("another user: %v, want the user refused", err)
	}
}

func TestURLCredentialsErrors(t *testing.T) {
	t.Cleanup(sanitize.ForgetSecrets)
	const pw = "Err-Pa55word"
	s := estest.New(t, estest.WithAPIKey("kp", "another"))
	for name, cfg := range map[string]Config{
		"unreachable":         {URL: "http://elastic:" + pw + "@[::1]:9/"},
		"refused":             {URL: strings.Replace(s.URL(), "http://", "http://kp:"+pw+"@", 1)},
		"not a URL":           {URL: "ftp://elastic:" + pw + "@h"},
		"bad port":            {URL: "http://elastic:" + pw + "@h:port"},
		"and an API key":      {URL: "http://elastic:" + pw + "@127.0.0.1:9", APIKey: "kp:k3y"},
		"and another user":    {URL: "http://elastic:" + pw + "@127.0.0.1:9", Username: "bob", Password: "x"},
		"Kibana differs":      {URL: "http://127.0.0.1:9", Username: "bob", Password: "bobs-pw", KibanaURL: "http://elastic:" + pw + "@127.0.0.1:9"},
		"bad Kibana URL":      {URL: "http://127.0.0.1:9", KibanaURL: "kibana://elastic:" + pw + "@h"},
		"password in the key": {URL: s.URL(), APIKey: "kp:" + pw},
	} {
		_, err := Connect(context.Background(), cfg)
		if err == nil {
			t.Errorf("%s: connected", name)
			continue
		}
		if msg := sanitize.Redact(err.Error()); strings.Contains(msg, pw) {
			t.Errorf("%s: %s", name, msg)
		}
		// Before any redaction: the error itself names no password.
		if strings.Contains(err.Error(), pw) {
			t.Errorf("%s: the error holds the password: %v", name, err)
		}
	}
}
