package investigate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keypivot/keypivot/investigate/sanitize"
)

// The words for facts that both faces show, the report and the TUI, so that the two
// say the same thing the same way.

// LastUsedText is IAM's last use of a key as a phrase of its own: "last used
// 2026-01-05 10:07:00 UTC (iam, us-east-1)", "never used" when IAM reports none, "last
// use unknown" when IAM was not asked.
func LastUsedText(l *LastUsed) string {
	if l == nil || l.Date.IsZero() {
		return LastUsedWhen(l)
	}
	return "last used " + LastUsedWhen(l)
}

// LastUsedWhen is IAM's last use of a key as the value of a "last used" label: when, in
// UTC, with which service and region ("2026-01-05 10:07:00 UTC (iam, us-east-1)"), or
// "never used", or "last use unknown".
func LastUsedWhen(l *LastUsed) string {
	switch {
	case l == nil:
		return "last use unknown"
	case l.Date.IsZero():
		return "never used"
	}
	s := l.Date.UTC().Format(time.DateTime) + " UTC"
	if where := slices.DeleteFunc([]string{l.Service, l.Region}, func(x string) bool { return x == "" }); len(where) > 0 {
		s += " (" + sanitize.Clean(strings.Join(where, ", ")) + ")"
	}
	return s
}

// Plural writes a count with its noun: "1 launch", "2 launches", "1,872 files",
// "3 retries".
func Plural(n int, noun string) string { return Thousands(n) + " " + pluralWord(n, noun) }

func pluralWord(n int, noun string) string {
	if n == 1 {
		return noun
	}
	switch {
	case strings.HasSuffix(noun, "ch"), strings.HasSuffix(noun, "sh"), strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"):
		return noun + "es"
	case len(noun) > 1 && noun[len(noun)-1] == 'y' && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])):
		return noun[:len(noun)-1] + "ies" // retry, policy; not key
	}
	return noun + "s"
}

// pluralVerb picks the form that agrees with a count: one for 1, many otherwise
// ("stays"/"stay", "it"/"them").
func pluralVerb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Thousands writes n with thousands separators: 1,872.
func Thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + Thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
