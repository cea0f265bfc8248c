//go:build unix

package moto

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// helperEnv makes TestHelperStartWithoutMoto run (in a child test binary).
const helperEnv = "MOTO_TEST_START_WITHOUT_MOTO"

// TestHelperStartWithoutMoto is run by TestMissingMotoServer in a child process whose PATH
// holds no moto_server.
func TestHelperStartWithoutMoto(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("run by TestMissingMotoServer")
	}
	Start(t)
	t.Fatal("Start returned without moto_server on PATH")
}

// Without moto_server on PATH the tests that need it are skipped with a warning that
// counts them, once for the test binary; under CI=true they fail.
func TestMissingMotoServer(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run := func(ci string) (string, int) {
		t.Helper()
		cmd := exec.Command(self, "-test.run=^TestHelperStartWithoutMoto$", "-test.count=2")
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "CI=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "PATH="+t.TempDir(), helperEnv+"=1", "CI="+ci)
		// A session of its own: no controlling terminal for the warning to reach, so the
		// developer running this test is not warned of a skip that did not happen.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return string(out), cmd.ProcessState.ExitCode()
	}

	out, code := run("")
	if code != 0 || strings.Count(out, "WARNING:") != 1 ||
		!strings.Contains(out, "WARNING: moto_server not found: 2 AWS adapter tests of ") ||
		!strings.Contains(out, "pip install 'moto[server]'") {
		t.Errorf("outside CI: exit %d\n%s", code, out)
	}

	out, code = run("true")
	if code == 0 || !strings.Contains(out, "CI=true, so this is a failure, not a skip") || strings.Contains(out, "WARNING:") {
		t.Errorf("CI=true: exit %d\n%s", code, out)
	}
}
