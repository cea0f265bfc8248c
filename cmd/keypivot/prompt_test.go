package main

import (
	"bufio"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/report"
)

// A confirmation prompt is wrapped to the terminal's width at its spaces, and the token
// to type (here a key pair's name with spaces) stays whole on one line.
func TestPromptIsWrappedAndTheTokenKeptWhole(t *testing.T) {
	a := investigate.Action{ConfirmToken: "AKIAQQQQQQQQQQQQQQQ1", Irreversible: true,
		Resource: "EC2 key pair ops deploy key (us-east-1, account 123456789012)", ConfirmName: "ops deploy key"}
	qs := a.Questions()
	var out strings.Builder
	p := &prompter{in: bufio.NewReader(strings.NewReader("AKIAQQQQQQQQQQQQQQQ1\nops deploy key\n")), out: &out, width: 40, canAsk: true}
	for _, q := range qs {
		out.Reset()
		typed, err := p.Ask(q)
		if err != nil || !q.Accepts(typed) {
			t.Fatalf("%q: typed %q, %v", q.Prompt, typed, err)
		}
		shown := out.String()
		if !strings.HasSuffix(shown, ": ") {
			t.Errorf("the cursor's space is gone: %q", shown)
		}
		lines := strings.Split(shown, "\n")
		if len(lines) < 2 {
			t.Errorf("%d columns not wrapped to 40: %q", ansi.StringWidth(shown), shown)
		}
		whole := false
		for _, l := range lines {
			if w := ansi.StringWidth(strings.TrimRight(l, " ")); w > 40 {
				t.Errorf("line of %d columns: %q", w, l)
			}
			whole = whole || strings.Contains(l, q.Token)
		}
		if !whole {
			t.Errorf("token %q split across lines:\n%s", q.Token, shown)
		}
		if strings.Join(strings.Fields(shown), " ") != strings.Join(strings.Fields(q.Prompt), " ") {
			t.Errorf("wrapping changed the words:\n%q\n%q", shown, q.Prompt)
		}
	}
}

// A token wider than the line is not broken: it gets a line of its own.
func TestWrapPromptNeverBreaksALongToken(t *testing.T) {
	token := strings.Repeat("x", 50)
	got := report.WrapPrompt("Type its name "+token+" to proceed: ", token, 30)
	want := "Type its name\n" + token + "\nto proceed: "
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// Off a terminal nobody is asked.
func TestPrompterWithoutATerminalCannotAsk(t *testing.T) {
	p := &prompter{in: bufio.NewReader(strings.NewReader("AKIAQQQQQQQQQQQQQQQ1\n")), out: &strings.Builder{}, width: 80}
	if _, err := p.Ask(investigate.Question{Prompt: "Type: ", Token: "AKIAQQQQQQQQQQQQQQQ1"}); err != investigate.ErrCannotAsk {
		t.Errorf("err = %v", err)
	}
}
