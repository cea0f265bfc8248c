package elastic

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func TestParseCloudID(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	const host = "us-east-1.aws.found.io"
	for _, tc := range []struct {
		name, id, es, kibana string
	}{
		// A real id's shape, as the Elastic Cloud console shows it.
		{"console", "prod:dXMtZWFzdC0xLmF3cy5mb3VuZC5pbzo0NDMkZXMtdXVpZCRrYi11dWlk",
			"https://es-uuid." + host, "https://kb-uuid." + host},
		{"no port", "prod:" + b64(host+"$es-uuid$kb-uuid"), "https://es-uuid." + host, "https://kb-uuid." + host},
		{"host port", "prod:" + b64(host+":9243$es-uuid$kb-uuid"),
			"https://es-uuid." + host + ":9243", "https://kb-uuid." + host + ":9243"},
		{"id ports", "prod:" + b64(host+"$es-uuid:9243$kb-uuid:9244"),
			"https://es-uuid." + host + ":9243", "https://kb-uuid." + host + ":9244"},
		{"id port over host port", "prod:" + b64(host+":9243$es-uuid:9200$kb-uuid"),
			"https://es-uuid." + host + ":9200", "https://kb-uuid." + host + ":9243"},
		{"id port 443 over host port", "prod:" + b64(host+":9243$es-uuid:443$kb-uuid"),
			"https://es-uuid." + host, "https://kb-uuid." + host + ":9243"},
		// The base64 is what follows the last colon: names may hold colons.
		{"colons in the name", "team:prod:eu:" + b64(host+"$es$kb"), "https://es." + host, "https://kb." + host},
		{"no name", b64(host + "$es$kb"), "https://es." + host, "https://kb." + host},
		{"no kibana", "x:" + b64(host+"$es"), "https://es." + host, ""},
		{"empty kibana", "x:" + b64(host+"$es$"), "https://es." + host, ""},
		{"extra parts ignored", "x:" + b64(host+"$es$kb$apm"), "https://es." + host, "https://kb." + host},
		{"unpadded", "x:" + base64.RawStdEncoding.EncodeToString([]byte("h.io$es$kb")), "https://es.h.io", "https://kb.h.io"},
		{"encoded with a newline", "x:" + b64(host+"$es$kb\n"), "https://es." + host, "https://kb." + host},
		{"spaces around", "  x:" + b64(host+"$es$kb") + "\n", "https://es." + host, "https://kb." + host},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ep, err := ParseCloudID(tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if ep.Elasticsearch != tc.es || ep.Kibana != tc.kibana {
				t.Errorf("got %+v, want %s and %q", ep, tc.es, tc.kibana)
			}
			if err := checkURL("Elasticsearch", ep.Elasticsearch); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestParseCloudIDRefusesBadIDs(t *testing.T) {
	b64 := func(s string) string { return "x:" + base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct{ id, want string }{
		{"", "cloud id: empty"},
		{"   ", "cloud id: empty"},
		{"prod:", "nothing after the last colon"},
		{"prod:not base64!", "not base64"},
		{"nope", "does not decode to text"},
		{"x:" + base64.StdEncoding.EncodeToString([]byte("h.io\n$es$kb")), "does not decode to text"},
		{b64("nodollar"), `decodes to "nodollar", not host$elasticsearch-id$kibana-id`},
		{b64("$es$kb"), "the host is empty"},
		{b64("h.io$$kb"), "the Elasticsearch id is empty"},
		{b64("h.io$:9243$kb"), "the Elasticsearch id is empty"},
		{b64("h.io:abc$es$kb"), `the port "abc" of the host "h.io:abc"`},
		{b64("h.io:99999$es$kb"), `the port "99999"`},
		{b64("h.io:$es$kb"), `the port ""`},
		{b64("h.io:9243:1$es$kb"), `the port "9243:1"`},
		{b64("h.io$es:0$kb"), `the port "0" of the Elasticsearch id`},
		{b64("h.io$es$kb:x"), `the port "x" of the Kibana id`},
		{b64("h.io/path$es$kb"), `the host "h.io/path" is not a host name`},
		{b64("h.io$user@es$kb"), `the Elasticsearch id "user@es" is not a host name`},
	} {
		_, err := ParseCloudID(tc.id)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseCloudID(%q): err = %v, want it to say %q", tc.id, err, tc.want)
		}
	}
}

// The transport asks for a backoff after every failed attempt, the last one included:
// that one must not wait (an unreachable server's error would come 2 s later for nothing).
func TestBackoffStopsAfterTheLastRetry(t *testing.T) {
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second}
	for i, w := range want {
		if got := backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if len(want) != maxRetries || backoff(maxRetries+1) != 0 {
		t.Errorf("after the last of %d retries: backoff %v, want none", maxRetries, backoff(maxRetries+1))
	}
}
