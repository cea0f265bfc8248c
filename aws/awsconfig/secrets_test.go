package awsconfig

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// The secrets of the credentials a session resolves, from a profile and from the role it
// assumes (secret key and session token), are registered with sanitize: whatever prints
// through it masks them.
func TestResolvedCredentialsAreRegisteredSecrets(t *testing.T) {
	t.Cleanup(sanitize.ForgetSecrets)
	srv := moto.Start(t)
	dir := isolate(t)
	const profileSecret = "Pr0fileSecretKeyFromTheCredentialsFile"
	writeFile(t, filepath.Join(dir, "credentials"), "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = "+profileSecret+"\n")
	writeFile(t, filepath.Join(dir, "config"), "[profile responder]\nrole_arn = arn:aws:iam::"+moto.Account+":role/IncidentResponder\nsource_profile = base\n")
	t.Setenv("AWS_ENDPOINT_URL", srv.URL())
	ctx := context.Background()
	s, err := Load(ctx, Options{Profile: "responder"})
	if err != nil {
		t.Fatal(err)
	}
	role, err := s.Config.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if role.SessionToken == "" || role.SecretAccessKey == "" || !strings.HasPrefix(role.AccessKeyID, "ASIA") {
		t.Fatalf("not a role session: %+v", role.AccessKeyID)
	}
	for _, secret := range []string{profileSecret, role.SecretAccessKey, role.SessionToken} {
		if got := sanitize.Clean("error: " + secret); got != "error: "+sanitize.Mask {
			t.Errorf("not masked: %q", got)
		}
	}
	// The key id is not a secret: it stays.
	if got := sanitize.Clean(role.AccessKeyID); got != role.AccessKeyID {
		t.Errorf("key id masked: %q", got)
	}
}
