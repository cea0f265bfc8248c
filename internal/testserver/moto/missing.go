package moto

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"golang.org/x/term"
)

// A test skipped for want of moto_server says so through t.Skip, which go test shows
// only with -v; and go test ./... shows nothing at all of a package that passed, not
// even what its tests wrote to stderr. A developer without moto would see "ok" for every
// AWS adapter and never learn that none of their tests ran. So the first skip of a test
// binary (or, under Main, its end) also writes a warning to stderr and to the
// controlling terminal, which go test does not capture.

// skips counts this test binary's tests skipped for want of moto_server.
var skips = &skipReport{warn: warnLoudly}

// skipReport counts the skips and warns once.
type skipReport struct {
	mu      sync.Mutex
	skipped int
	warned  bool
	// atExit defers the warning to Main, which knows how many tests were skipped.
	atExit bool
	warn   func(msg string)
}

// skip counts one skipped test, and warns at the first unless Main will.
func (r *skipReport) skip() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.skipped++
	if r.atExit || r.warned {
		return
	}
	r.warned = true
	r.warn(fmt.Sprintf("WARNING: %s not found: the AWS adapter tests of %s are skipped; %s", Command, packageDir(), install))
}

// exit warns, with the count, when tests were skipped and no warning was given yet.
func (r *skipReport) exit() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.skipped == 0 || r.warned {
		return
	}
	r.warned = true
	tests := "tests"
	if r.skipped == 1 {
		tests = "test"
	}
	r.warn(fmt.Sprintf("WARNING: %s not found: %d AWS adapter %s of %s skipped; %s", Command, r.skipped, tests, packageDir(), install))
}

const install = "install moto (pip install 'moto[server]') or run under CI=true, where they fail"

// Main runs a package's tests, kills the idle pooled moto_servers (Shutdown), and warns,
// with their number, when tests were skipped for want of moto_server. Call it from
// TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(moto.Main(m)) }
//
// Without it the first skip warns, without a count.
func Main(m *testing.M) int {
	skips.mu.Lock()
	skips.atExit = true
	skips.mu.Unlock()
	code := m.Run()
	Shutdown()
	skips.exit()
	return code
}

// packageDir names the package under test: go test runs its binary in the package's
// directory.
func packageDir() string {
	if dir, err := os.Getwd(); err == nil {
		return dir
	}
	return os.Args[0]
}

// warnLoudly writes msg to stderr and, when stderr is not the terminal (go test ./...
// captures it), to the controlling terminal too.
func warnLoudly(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	if term.IsTerminal(int(os.Stderr.Fd())) {
		return
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		fmt.Fprintln(tty, msg)
		tty.Close()
	}
}
