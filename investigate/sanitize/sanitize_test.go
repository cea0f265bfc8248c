package sanitize

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCleanMakesInjectionsInert(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"plain":      {"aws-cli/2.15.0 Python/3.11", "aws-cli/2.15.0 Python/3.11"},
		"csi colour": {"ua\x1b[31mred\x1b[0m", `ua\x1b[31mred\x1b[0m`},
		"osc52":      {"x\x1b]52;c;ZWNobyBwd24=\x07y", `x\x1b]52;c;ZWNobyBwd24=\x07y`},
		"bel":        {"ding\a", `ding\x07`},
		"cr":         {"benign\rEVIL", `benign\rEVIL`},
		"newline":    {"a\nb", `a\nb`},
		"bidi":       {"user\u202egnp.exe", `user\u202egnp.exe`},
		"isolate":    {"a\u2066b\u2069", `a\u2066b\u2069`},
		"c1 csi":     {"a\u009b31mb", `a\x9b31mb`},
		"zero width": {"ad\u200bmin", `ad\u200bmin`},
		"bad utf8":   {"a\xffb", `a\xffb`},
		"unicode ok": {"Zürich 東京", "Zürich 東京"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got := Clean(c.in)
			if got != c.want {
				t.Fatalf("Clean(%q) = %q, want %q", c.in, got, c.want)
			}
			for _, r := range got {
				if dangerous(r) {
					t.Fatalf("output still holds %U", r)
				}
			}
		})
	}
}

func TestCleanDoesNotAllocateOnCleanText(t *testing.T) {
	s := strings.Repeat("Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 ", 4)
	if n := testing.AllocsPerRun(100, func() { _ = Clean(s) }); n != 0 {
		t.Fatalf("Clean allocated %v times on clean text", n)
	}
}

func TestMultilineKeepsLineFeedsOnly(t *testing.T) {
	got := Multiline("{\n\t\"ua\": \"a\x1b[2Jb\r\"\n}")
	want := "{\n    \"ua\": \"a\\x1b[2Jb\\r\"\n}"
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestJSONStaysEquivalent(t *testing.T) {
	orig := map[string]string{"ua": "x\u202ey\u0085z\x1b[31m", "ok": "Zürich"}
	b, _ := json.Marshal(orig)
	safe := JSON(b)
	for _, r := range string(safe) {
		if dangerous(r) && r != '\n' {
			t.Fatalf("output holds %U: %s", r, safe)
		}
	}
	var back map[string]string
	if err := json.Unmarshal(safe, &back); err != nil {
		t.Fatal(err)
	}
	if back["ua"] != orig["ua"] || back["ok"] != orig["ok"] {
		t.Fatalf("round trip changed values: %q", back)
	}
}

func FuzzClean(f *testing.F) {
	f.Add("a\x1b]52;c;AAAA\x07\u202e\r")
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range Clean(s) {
			if dangerous(r) {
				t.Fatalf("Clean(%q) kept %U", s, r)
			}
		}
	})
}
