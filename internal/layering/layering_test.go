package layering

import (
	"encoding/json"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/keypivot/keypivot"

type pkg struct {
	ImportPath string
	Imports    []string
	CgoFiles   []string
}

func packages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages: the check would prove nothing", len(pkgs))
	}
	return pkgs
}

// rule forbids the packages under Under (the path itself and below) to import what
// Forbid names: a standard package exactly, or a module path and everything below it.
type rule struct {
	Under  []string
	Forbid []string
	Why    string
}

var rules = []rule{
	{
		Under: []string{module + "/investigate"},
		Forbid: []string{
			// I/O, syscalls and the network are the adapters'.
			"os", "os/exec", "os/signal", "syscall", "io/fs", "io/ioutil", "path/filepath", "net", "net/http", "unsafe",
			"github.com/klauspost/compress", "math/rand", "math/rand/v2",
			// No adapter, face, fixture or SDK.
			module + "/aws", module + "/elastic", module + "/files", module + "/tui", module + "/cmd", module + "/internal",
			"github.com/aws", "github.com/elastic", "charm.land", "github.com/charmbracelet/bubbletea",
		},
		Why: "investigate is the domain only: no file system, syscalls, network, generators, adapters or faces",
	},
	{
		Under:  []string{module + "/tui"},
		Forbid: []string{module + "/aws", module + "/elastic", module + "/files", module + "/internal", module + "/cmd", "github.com/aws", "github.com/elastic"},
		Why:    "the TUI talks to investigate only; cmd wires the adapters in",
	},
	{
		Under:  []string{module + "/aws", module + "/elastic", module + "/files"},
		Forbid: []string{module + "/tui", module + "/cmd", module + "/internal", "charm.land"},
		Why:    "adapters implement what investigate defines; they never reach the faces or the fixtures",
	},
	{
		Under:  []string{module + "/internal/testserver"},
		Forbid: []string{module + "/investigate", module + "/internal/sourcetest", module + "/aws", module + "/elastic", module + "/files", module + "/tui", module + "/cmd"},
		Why:    "a test server checks the wire protocol, not keypivot's own types",
	},
	{
		Under:  []string{module + "/internal/sourcetest"},
		Forbid: []string{module + "/aws", module + "/elastic", module + "/files", module + "/tui", module + "/cmd", module + "/internal/testserver"},
		Why:    "source tests' shared helpers know the domain's interfaces only",
	},
	{
		Under:  []string{module + "/files/jsonstream"},
		Forbid: []string{module, "github.com"},
		Why:    "the streaming JSON scanner is the standard library's only",
	},
	{
		Under:  []string{module + "/files"},
		Forbid: []string{module + "/aws", module + "/elastic", "github.com/aws", "github.com/elastic"},
		Why:    "file readers read files; the AWS and Elastic adapters use them, not the other way round",
	},
}

// under reports whether path is one of roots or, for a module path (its first element
// has a dot, or it is this module), below one. A standard package matches exactly: "net"
// forbids net, not net/netip.
func under(path string, roots []string) bool {
	for _, r := range roots {
		first, _, _ := strings.Cut(r, "/")
		tree := strings.Contains(first, ".")
		if path == r || tree && strings.HasPrefix(path, r+"/") {
			return true
		}
	}
	return false
}

func TestImportsFollowTheArchitecture(t *testing.T) {
	pkgs := packages(t)
	checked := map[int]int{}
	for _, p := range pkgs {
		for i, r := range rules {
			if !under(p.ImportPath, r.Under) {
				continue
			}
			checked[i]++
			for _, imp := range p.Imports {
				if under(imp, r.Forbid) {
					t.Errorf("%s imports %s: %s", p.ImportPath, imp, r.Why)
				}
			}
			if i == 0 && len(p.CgoFiles) > 0 {
				t.Errorf("%s uses cgo (%s): %s", p.ImportPath, strings.Join(p.CgoFiles, ", "), r.Why)
			}
		}
	}
	for i, r := range rules {
		if checked[i] == 0 {
			t.Errorf("no package under %v: the rule checks nothing (was a package renamed?)", r.Under)
		}
	}
}

// Every package says in a doc comment what it holds and what it may import.
func TestEveryPackageSaysWhatItHoldsAndImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{join .GoFiles \",\"}}", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var missing, silent []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 {
			t.Fatalf("go list line %q", line)
		}
		var doc strings.Builder
		for _, name := range strings.Split(parts[2], ",") {
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(parts[1], name), nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if f.Doc != nil {
				doc.WriteString(f.Doc.Text())
			}
		}
		switch text := doc.String(); {
		case strings.TrimSpace(text) == "":
			missing = append(missing, parts[0])
		case !strings.Contains(text, "import"):
			silent = append(silent, parts[0])
		}
	}
	slices.Sort(missing)
	slices.Sort(silent)
	if len(missing) > 0 {
		t.Errorf("packages without a doc comment:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(silent) > 0 {
		t.Errorf("package docs that do not say what the package may import:\n  %s", strings.Join(silent, "\n  "))
	}
}

// The rules catch what they are for: a forbidden import is caught, an allowed one is not.
func TestRulesCatchACrossing(t *testing.T) {
	if !under("os", rules[0].Forbid) || !under(module+"/aws/lookup", rules[0].Forbid) || !under("github.com/aws/aws-sdk-go-v2/service/iam", rules[0].Forbid) {
		t.Error("the domain rule lets I/O or an adapter through")
	}
	if under("osx", rules[0].Forbid) || under("net/netip", rules[0].Forbid) || under("encoding/json", rules[0].Forbid) || under(module+"/investigate/report", rules[1].Forbid) {
		t.Error("the rules forbid what they should allow")
	}
}
