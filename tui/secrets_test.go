package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate/sanitize"
)

// The raw record of GetSessionToken carries the session's token and secret key: the
// record view, the JSON it copies and both exports show neither. A secret the process
// was given (registered) is masked in the header and the exports.
func TestSecretsStayOutOfTheRecordViewCopyAndExports(t *testing.T) {
	const given = "MARKERgiven-password"
	sanitize.RegisterSecret(given)
	t.Cleanup(sanitize.ForgetSecrets)
	events := fixtureEvents(t, "aws-cli/2.15")
	for i, e := range events {
		if e.Name == "GetSessionToken" {
			events[i] = decode(t, record(4, fxKey, "GetSessionToken", "sts", "us-east-1", "198.51.100.7", "aws-cli/2.15", "", map[string]any{"durationSeconds": 43200},
				map[string]any{"credentials": map[string]any{"accessKeyId": fxSession, "expiration": fxStart.Add(12 * time.Hour).Format("Jan 2, 2006 3:04:05 PM"),
					"sessionToken": "MARKERsession-token", "secretAccessKey": "MARKERsecret-key"}}))
		}
	}
	ws := fixtureWorkspace(&memTrail{events: events})
	ws.Describe = "fixture as elastic:" + given
	dir := t.TempDir()
	d := newDriver(t, Options{Workspace: ws, NoColor: true, UpdateInterval: 1, ExportDir: dir, Now: func() time.Time { return testClock }}, 200, 50)
	d.press("enter")
	if d.app.wb() == nil || d.app.wb().c == nil {
		t.Fatalf("the case did not load:\n%s", d.screen())
	}
	d.mustNotShow("MARKER")
	d.press("3")
	for i := 0; i < 20 && d.app.wb().timeline.selectedEntry() != nil && d.app.wb().timeline.selectedEntry().Name != "GetSessionToken"; i++ {
		d.press("j")
	}
	if e := d.app.wb().timeline.selectedEntry(); e == nil || e.Name != "GetSessionToken" {
		t.Fatalf("no GetSessionToken row in the timeline:\n%s", d.screen())
	}
	d.press("enter")
	d.mustShow(`"sessionToken": "REDACTED"`, `"secretAccessKey": "REDACTED"`, fxSession)
	d.mustNotShow("MARKER")
	d.press("y")
	if len(d.clips) == 0 || !strings.Contains(d.clips[len(d.clips)-1], `"sessionToken": "REDACTED"`) || strings.Contains(d.clips[len(d.clips)-1], "MARKER") {
		t.Fatalf("copied record: %q", d.clips)
	}
	d.press("esc", "e", "j", "e", "m")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 2 {
		t.Fatalf("exports: %v (status %q)", files, d.app.status)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !strings.Contains(string(b), fxKey) || strings.Contains(string(b), "MARKER") {
			t.Errorf("export %s: %v\n%s", f, err, b)
		}
	}
}
