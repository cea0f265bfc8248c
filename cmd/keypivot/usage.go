package main

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/keypivot/keypivot/investigate"
)

// Two command-line mistakes kong answers in its own terms, which name keypivot's
// grammar rather than what to type: a misspelt command, which the workbench's optional
// key argument (the default command takes arguments) reads as a malformed key id
// ("access key id "pivto" has 5 characters"), and a missing argument (expected "<key>").

// keyLike matches a word meant as an access key id, however malformed: 16 to 128 of
// A-Z0-9 (the range IAM allows), or anything starting with AKIA or ASIA in either case.
// Such a word gets the key id's own error (too short, lower case, ...); any other word
// where a command goes is an unknown command.
var keyLike = regexp.MustCompile(`^([A-Z0-9]{16,128}|(?i:AKIA|ASIA)[A-Za-z0-9]*)$`)

// unknownCommand is the error for a command line whose first word is neither a command
// nor meant as a key id (nil otherwise): the commands it is close to, else all of them.
// It is asked only once kong has refused the command line.
func unknownCommand(app *kong.Application, args []string) error {
	word, ok := commandWord(app, args)
	if !ok || keyLike.MatchString(word) {
		return nil
	}
	var names []string
	for _, c := range app.Children {
		if c.Type != kong.CommandNode || c.Hidden {
			continue
		}
		if c.Name == word || slices.Contains(c.Aliases, word) {
			return nil // the mistake is elsewhere: kong's error says where
		}
		names = append(names, c.Name)
	}
	if word == "help" {
		return usageErr(`unknown command "help": keypivot --help lists the commands, keypivot COMMAND --help describes one`)
	}
	// The closest commands: those the word starts, else those fewest edits away (two at
	// most), so that "deactivat" suggests deactivate and not reactivate too.
	var close []string
	lower := strings.ToLower(word)
	best := 3
	for _, n := range names {
		d := levenshtein(n, lower)
		if strings.HasPrefix(n, lower) {
			d = 0
		}
		switch {
		case d > 2:
		case d < best:
			best, close = d, []string{fmt.Sprintf("%q", n)}
		case d == best:
			close = append(close, fmt.Sprintf("%q", n))
		}
	}
	if len(close) > 0 {
		return usageErr("unknown command %q (did you mean %s?)", word, joinOr(close))
	}
	return usageErr("unknown command %q: the commands are %s (keypivot --help describes them; keypivot AKIA... opens the workbench on a key)", word, strings.Join(names, ", "))
}

// commandWord is the first word of args that kong reads as a command (or as the
// workbench's key): the first argument that is neither a flag nor a flag's value. ok is
// false when there is none, or when a flag kong does not know comes first (kong's error
// about it stands).
func commandWord(app *kong.Application, args []string) (word string, ok bool) {
	flags := map[string]*kong.Flag{}
	add := func(fs []*kong.Flag) {
		for _, f := range fs {
			flags["--"+f.Name] = f
			if f.Tag.Negatable != "" {
				flags["--no-"+f.Name] = f
			}
			if f.Short != 0 {
				flags["-"+string(f.Short)] = f
			}
			for _, a := range f.Aliases {
				flags["--"+a] = f
			}
		}
	}
	add(app.Flags)
	if app.DefaultCmd != nil {
		add(app.DefaultCmd.Flags) // kong reads the default command's flags before a command too
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if i+1 < len(args) {
				return args[i+1], true
			}
			return "", false
		case strings.HasPrefix(a, "-") && a != "-":
			name, _, hasValue := strings.Cut(a, "=")
			f, known := flags[name]
			if !known {
				return "", false
			}
			if !hasValue && !f.IsBool() {
				i++ // the flag's value
			}
		default:
			return a, true
		}
	}
	return "", false
}

// missingArgument is the error for a command that lacks a required argument (nil when it
// lacks none): what to type, with an example, instead of kong's expected "<key>". CLI's
// Validate runs it before kong's own check of the arguments.
func missingArgument(kctx *kong.Context) error {
	cmd := kctx.Selected()
	if cmd == nil {
		return nil
	}
	for _, p := range cmd.Positional {
		if !p.Required || p.Set {
			continue
		}
		what := strings.TrimSuffix(lowerFirst(p.Help), ".")
		if p.Target.Type() == reflect.TypeFor[investigate.AccessKeyID]() {
			return usageErr("missing the access key id: %s AKIA... (%s; keypivot keys lists candidates)", cmd.FullPath(), what)
		}
		name := strings.ToUpper(p.Name)
		return usageErr("missing %s: %s %s (%s)", name, cmd.FullPath(), name, what)
	}
	return nil
}

// Validate runs before kong checks that every required argument is given (kong.Validate
// hook of the application).
func (cli *CLI) Validate(kctx *kong.Context) error { return missingArgument(kctx) }

// lowerFirst lower-cases the first letter of a sentence, unless it starts an acronym
// ("AKIA...", "IAM").
func lowerFirst(s string) string {
	if len(s) < 2 || s[0] < 'A' || s[0] > 'Z' || (s[1] >= 'A' && s[1] <= 'Z') {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// joinOr joins a, b and c as `a, b or c`.
func joinOr(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// levenshtein is the edit distance between a and b (bytes: command names are ASCII).
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
