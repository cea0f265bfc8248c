package investigate

import (
	"errors"
	"fmt"
)

// The confirmation rules, one place for every face: an action runs only when the
// analyst typed its token (the key id); a refused action is never asked about; --yes
// (the key named on the command line, Preapproved) answers the first question only,
// never the second one asked when the analyst acts as the key's own user. The CLI asks
// on the terminal and the TUI in its confirmation box, each through a Prompter.

// Question is one thing the analyst must type to confirm an action.
type Question struct {
	// Prompt is what the analyst is asked.
	Prompt string
	// Token is what confirms; anything else, Enter alone included, cancels.
	Token string
	// Second marks the second confirmation, asked when acting as the key's own user.
	Second bool
	// Irreversible marks the question of an irreversible action: the resource's name,
	// which --yes never answers.
	Irreversible bool
}

// Accepts reports whether typed answers the question: the exact token, surrounding
// spaces ignored.
func (q Question) Accepts(typed string) bool {
	a := Action{ConfirmToken: q.Token}
	return a.Confirmed(typed)
}

// Questions are what confirming a asks, in order: its token, then, when the analyst
// acts as the key's own user, the token again under a warning.
func (a Action) Questions() []Question {
	qs := []Question{{Prompt: fmt.Sprintf("Type the key id %s to confirm (anything else cancels): ", a.ConfirmToken), Token: a.ConfirmToken}}
	if a.SecondConfirm != "" {
		qs = append(qs, Question{Prompt: "WARNING: " + a.SecondConfirm + ": ", Token: a.ConfirmToken, Second: true})
	}
	if a.Irreversible {
		qs = append(qs, Question{Prompt: fmt.Sprintf("IRREVERSIBLE: %s cannot be undone. Type its name %s to proceed (anything else cancels): ", a.Resource, a.ConfirmName), Token: a.ConfirmName, Irreversible: true})
	}
	return qs
}

// Prompter asks the analyst one question and returns what they typed. It returns
// ErrCannotAsk when there is nobody to ask (no terminal).
type Prompter interface {
	Ask(q Question) (typed string, err error)
}

// ErrCannotAsk is returned by a Prompter that has no analyst to ask.
var ErrCannotAsk = errors.New("no terminal to ask on")

// ErrNotConfirmed is wrapped by every answer of Confirm that lets nothing run.
var ErrNotConfirmed = errors.New("not confirmed")

// Confirmed is an action of a batch with what the analyst typed to confirm it.
type Confirmed struct {
	Action     Action
	Typed      string
	TypedAgain string
	// TypedName is what was typed for an irreversible action's resource name.
	TypedName string
}

// Confirm applies the confirmation rules to a, asking through p what is not
// preapproved. preapproved is the analyst's --yes given with the key on the command
// line: it answers the first question only. The error, wrapping ErrNotConfirmed, says
// why nothing may run; the Confirmed holds what was typed either way.
func Confirm(a Action, preapproved bool, p Prompter) (Confirmed, error) {
	out := Confirmed{Action: a}
	if a.Refusal != "" {
		return out, fmt.Errorf("%w: refused: %s", ErrNotConfirmed, a.Refusal)
	}
	for _, q := range a.Questions() {
		if !q.Second && !q.Irreversible && preapproved {
			out.Typed = q.Token
			continue
		}
		typed, err := p.Ask(q)
		switch {
		case errors.Is(err, ErrCannotAsk) && q.Second && preapproved:
			return out, fmt.Errorf("%w: %s; --yes does not answer this second confirmation: rerun on a terminal", ErrNotConfirmed, a.SecondConfirm)
		case errors.Is(err, ErrCannotAsk) && q.Irreversible:
			return out, fmt.Errorf("%w: %s is irreversible: it is confirmed only by typing %s on a terminal, never by --yes", ErrNotConfirmed, a.Title, a.ConfirmName)
		case errors.Is(err, ErrCannotAsk):
			return out, fmt.Errorf("%w: no terminal to confirm on: rerun on a terminal, or pass --yes with the key on the command line", ErrNotConfirmed)
		case err != nil:
			return out, fmt.Errorf("%w: %v", ErrNotConfirmed, err)
		}
		switch {
		case q.Irreversible:
			out.TypedName = typed
		case q.Second:
			out.TypedAgain = typed
		default:
			out.Typed = typed
		}
		if !q.Accepts(typed) {
			if q.Irreversible {
				return out, fmt.Errorf("%w: the name typed is not %s: nothing was done", ErrNotConfirmed, a.ConfirmName)
			}
			if q.Second {
				return out, fmt.Errorf("%w twice: nothing was done", ErrNotConfirmed)
			}
			return out, fmt.Errorf("%w: nothing was done", ErrNotConfirmed)
		}
	}
	return out, nil
}

// Answers is a Prompter that replays answers the analyst already typed, in order: the
// TUI collects them in its confirmation box, then confirms through the same rules.
type Answers []string

// Ask returns the next answer; there is nobody to ask once they run out.
func (a *Answers) Ask(Question) (string, error) {
	if len(*a) == 0 {
		return "", ErrCannotAsk
	}
	typed := (*a)[0]
	*a = (*a)[1:]
	return typed, nil
}
