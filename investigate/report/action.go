package report

import (
	"fmt"
	"io"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// Tone says how a line of an action is to be stressed.
type Tone int

const (
	TonePlain Tone = iota
	ToneWarn
	ToneDanger
)

// ActionLine is one labelled line of an action, as every face shows it: the CLI prints
// it, the TUI styles it by its tone. Text is raw: each face makes it inert.
type ActionLine struct {
	Label string
	Text  string
	Tone  Tone
}

// ActionOptions say how an action is spelled.
type ActionOptions struct {
	// CallText spells a call (default: as the AWS CLI would, APICall.String). A Kibana
	// action passes its HTTP form.
	CallText func(investigate.APICall) string
	// MaxAffects bounds the affects lines (0: all); the rest are counted.
	MaxAffects int
}

// ActionLines is an action as the analyst reads it before confirming: the exact calls,
// what it affects and leaves untouched, warnings, a second confirmation, a refusal, the
// undo and its calls.
func ActionLines(a investigate.Action, o ActionOptions) []ActionLine {
	call := o.CallText
	if call == nil {
		call = investigate.APICall.String
	}
	var out []ActionLine
	add := func(label, text string, tone Tone) { out = append(out, ActionLine{label, text, tone}) }
	for _, c := range a.Calls {
		add("call", call(c), TonePlain)
	}
	for i, s := range a.Affects {
		if o.MaxAffects > 0 && i == o.MaxAffects && len(a.Affects) > o.MaxAffects+1 {
			add("affects", fmt.Sprintf("... and %d more", len(a.Affects)-o.MaxAffects), TonePlain)
			break
		}
		add("affects", s, TonePlain)
	}
	for _, s := range a.Untouched {
		add("untouched", s, TonePlain)
	}
	for _, s := range a.Warnings {
		add("WARNING", s, ToneWarn)
	}
	if a.SecondConfirm != "" {
		add("confirm twice", a.SecondConfirm, TonePlain)
	}
	if a.Refusal != "" {
		add("REFUSED", a.Refusal, ToneDanger)
	}
	add("undo", a.Undo, TonePlain)
	for _, c := range a.UndoCalls {
		add("undo call", call(c), TonePlain)
	}
	return out
}

// WriteAction prints an action for a terminal: its title, then its lines with their
// labels aligned, every text made inert.
func WriteAction(w io.Writer, a investigate.Action, o ActionOptions) {
	lines := ActionLines(a, o)
	pad := 0
	for _, l := range lines {
		pad = max(pad, len(l.Label)+1)
	}
	fmt.Fprintf(w, "\n%s\n", sanitize.Clean(a.Title))
	for _, l := range lines {
		fmt.Fprintf(w, "  %-*s %s\n", pad, l.Label+":", sanitize.Clean(l.Text))
	}
}
