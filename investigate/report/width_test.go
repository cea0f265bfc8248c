package report_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/keypivot/keypivot/investigate/report"
)

// With no width limit (Width < 0, text for a pipe or a file) nothing is cut or wrapped:
// a table's columns grow to their widest cell, and the heading's rule stays 80 wide.
func TestUnlimitedWidthCutsNothing(t *testing.T) {
	c, r := theDemo(t)
	var text, keys bytes.Buffer
	if err := report.Text(&text, c, report.Options{Width: -1, Timeline: report.TimelineAll, MaxRows: -1}); err != nil {
		t.Fatal(err)
	}
	if err := report.KeysText(&keys, r, report.Options{Width: -1}); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"case": text.String(), "keys": keys.String()} {
		lines := strings.Split(out, "\n")
		if strings.Contains(out, "…") {
			t.Errorf("%s: a line is cut short:\n%s", name, out)
		}
		if len(lines) < 2 || lines[1] != strings.Repeat("=", 80) {
			t.Errorf("%s: heading rule is not 80 columns of '=': %.100q", name, lines[min(1, len(lines)-1)])
		}
		longest := 0
		for _, l := range lines {
			longest = max(longest, ansi.StringWidth(l))
		}
		if longest <= 160 {
			t.Errorf("%s: the longest line has %d columns: the text was wrapped or cut", name, longest)
		}
	}

	// The ADDRESS column (15 wide when bounded) holds a service's name whole, and the
	// columns after it stay aligned under their headers.
	out := text.String()
	header := regexp.MustCompile(`(?m)^  ADDRESS +EVENTS +KIND .*$`).FindString(out)
	row := regexp.MustCompile(`(?m)^  athena\.amazonaws\.com +\d+ +aws-service .*$`).FindString(out)
	if header == "" || row == "" {
		t.Fatalf("no ADDRESS table with athena.amazonaws.com whole:\n%s", out)
	}
	at := func(s, sub string) int { return strings.Index(s, sub) }
	if at(header, "KIND") != at(row, "aws-service") {
		t.Errorf("columns misaligned:\n%s\n%s", header, row)
	}

	// A bounded width still cuts the ADDRESS cell to its column.
	var narrow bytes.Buffer
	if err := report.Text(&narrow, c, report.Options{Width: 100, Timeline: report.TimelineNone}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(narrow.String(), "  athena.amazona… ") {
		t.Errorf("width 100: the ADDRESS column is not 15 wide:\n%s", narrow.String())
	}
}
