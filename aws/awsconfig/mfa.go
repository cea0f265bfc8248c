package awsconfig

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/term"
)

var promptMu sync.Mutex

// mfaGate asks for MFA codes only until it is sealed: Load seals it once the credentials
// are resolved, so that a refresh while the workbench owns the terminal fails clearly
// instead of reading keystrokes meant for the workbench.
type mfaGate struct {
	sealed atomic.Bool
	ask    func() (string, error)
}

func (g *mfaGate) token() (string, error) {
	if g.sealed.Load() {
		return "", errors.New("the assumed role's session expired and needs a new MFA code: restart keypivot to enter one")
	}
	return g.ask()
}

func (g *mfaGate) seal() { g.sealed.Store(true) }

// PromptMFA asks for an MFA code on the terminal. It is stscreds.StdinTokenProvider with
// the prompt on standard error, so that `keypivot pivot ... --format json > case.json`
// keeps its output clean, and with a clear error when there is no terminal to ask on.
func PromptMFA() (string, error) {
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return "", errors.New("the profile needs an MFA code but standard input is not a terminal: run keypivot on a terminal, or use a profile without mfa_serial")
	}
	return promptMFA(os.Stdin, os.Stderr)
}

// promptMFA reads one line from in without buffering ahead, so that later prompts on the
// same input (the confirmation of a deactivation) still see what the analyst types.
func promptMFA(in io.Reader, out io.Writer) (string, error) {
	promptMu.Lock()
	defer promptMu.Unlock()
	fmt.Fprint(out, "Assume Role MFA token code: ")
	var b strings.Builder
	buf := make([]byte, 1)
	var err error
	for {
		var n int
		n, err = in.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			b.WriteByte(buf[0])
			continue
		}
		if err != nil {
			break
		}
	}
	code := strings.TrimSpace(b.String())
	if code == "" {
		if err == nil {
			err = errors.New("no MFA code entered")
		}
		return "", fmt.Errorf("reading the MFA code: %w", err)
	}
	return code, nil
}
