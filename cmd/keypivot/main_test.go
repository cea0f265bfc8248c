package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/internal/demo"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "keypivot-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "keypivot")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		panic("go build: " + err.Error() + "\n" + string(out))
	}
	code := moto.Main(m) // warns when tests were skipped for want of moto_server
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// kp runs the built binary without a terminal, with its state in a temporary home.
func kp(t *testing.T, env []string, args ...string) result {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"HOME=" + home, "XDG_STATE_HOME=" + filepath.Join(home, "state"), "XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"KEYPIVOT_DEMO_ANCHOR=fixed", "PATH=" + os.Getenv("PATH")}, env...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, so.String(), se.String()}
}

// demoJournalEnv is the demo's compromised key, an environment whose journal is in a
// temporary directory, and the path of the demo's journal beside it.
func demoJournalEnv(t *testing.T) (key string, env []string, demoJournal string) {
	j := filepath.Join(t.TempDir(), "journal.jsonl")
	return demo.Generate(demo.DefaultAnchor()).CompromisedKey, []string{"KEYPIVOT_JOURNAL=" + j}, filepath.Join(filepath.Dir(j), "demo-journal.jsonl")
}

func TestPivotDemoJSON(t *testing.T) {
	r := kp(t, nil, "pivot", "--demo", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var c investigate.Case
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatal(err)
	}
	ds := demo.Generate(demo.DefaultAnchor())
	if c.Key.String() != ds.CompromisedKey || !c.Demo || len(c.Sessions) < 4 || len(c.FollowUps.Launches) < 5 || len(c.CreatedAccessKeys) != 1 {
		t.Fatalf("case: key %s demo %v sessions %d launches %d created %d", c.Key, c.Demo, len(c.Sessions), len(c.FollowUps.Launches), len(c.CreatedAccessKeys))
	}
	if !strings.Contains(r.stderr, "top correlated key") {
		t.Fatalf("stderr does not say which key was chosen: %q", r.stderr)
	}
}

func TestPivotTextDefaultsWhenWritingAFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "case.md")
	r := kp(t, nil, "pivot", "--demo", "--format", "md", "-o", out)
	b, _ := os.ReadFile(out)
	if r.code != 0 || !strings.HasPrefix(string(b), "# Access key `AKIA") || !strings.Contains(r.stderr, out) {
		t.Fatalf("exit %d, stderr %q, file %.80q", r.code, r.stderr, b)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"pivot", "AKIA123"}, "has 7 characters"},
		{[]string{"pivot", "akiaexamplekey000001"}, "upper case"},
		{[]string{"pivot", "--trail", "/no/such/dir", "AKIAEXAMPLEKEY000001"}, "/no/such/dir: no such file"},
		{[]string{"pivot", "--format", "yaml"}, "--format"},
		{[]string{"keys", "--since", "last tuesday"}, "is not a time"},
		{[]string{"deactivate", "AKIA!"}, "has 5 characters"},
	} {
		r := kp(t, nil, c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestPartialInputExitsThreeAndStillPrints(t *testing.T) {
	dir := t.TempDir()
	corpus := "../../../shared/corpus/stratus-detonation-logs/aws.persistence.iam-backdoor-user.json"
	b, err := os.ReadFile(corpus)
	if err != nil {
		t.Skip(err)
	}
	os.WriteFile(filepath.Join(dir, "good.json"), b, 0o644)
	z := gzipBytes(b)
	os.WriteFile(filepath.Join(dir, "cut.json.gz"), z[:len(z)/2], 0o644)
	r := kp(t, nil, "pivot", "AKIA30BEZSJBVKOFKZW0", "--trail", dir, "--format", "json")
	if r.code != exitPartial || !strings.Contains(r.stderr, "partial result") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
	var c investigate.Case
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatal(err)
	}
	if c.EventCount == 0 || len(c.CreatedAccessKeys) != 1 || len(c.Coverage.Problems) == 0 || !strings.Contains(c.Coverage.Problems[0].Where, "cut.json.gz") {
		t.Fatalf("events %d created %v problems %+v", c.EventCount, c.CreatedAccessKeys, c.Coverage.Problems)
	}
}

func TestKeysFromAnAlertExport(t *testing.T) {
	ds := demo.Generate(demo.DefaultAnchor())
	f := filepath.Join(t.TempDir(), "alerts.ndjson.gz")
	os.WriteFile(f, gzipBytes(ds.Alerts), 0o644)
	r := kp(t, nil, "keys", "--alerts", f, "--format", "json", "--first-seen-only")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rk investigate.Ranking
	if err := json.Unmarshal([]byte(r.stdout), &rk); err != nil {
		t.Fatal(err)
	}
	if len(rk.Keys) < 3 || rk.Keys[0].Key.String() != ds.CompromisedKey || rk.Keys[len(rk.Keys)-1].Correlated || rk.Stats.Ineligible[investigate.ReasonDeprecated] != 1 {
		t.Fatalf("ranking %+v", rk)
	}
	text := kp(t, nil, "keys", "--alerts", f, "--format", "text", "--width", "80")
	for _, line := range strings.Split(text.stdout, "\n") {
		if len([]rune(line)) > 80 {
			t.Errorf("line over 80 columns: %q", line)
		}
	}
}

func TestDeactivateNeedsConfirmation(t *testing.T) {
	key, env, demoJournal := demoJournalEnv(t)
	r := kp(t, env, "deactivate", key, "--demo")
	if r.code != exitRefused || !strings.Contains(r.stderr, "no terminal to confirm on") {
		t.Fatalf("without a terminal or --yes: exit %d stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(demoJournal); err == nil {
		t.Fatal("something was journalled without confirmation")
	}
	r = kp(t, env, "deactivate", key, "--demo", "--read-only", "--yes")
	if r.code != exitRefused || !strings.Contains(r.stderr, "read-only") {
		t.Fatalf("read-only: exit %d stderr %q", r.code, r.stderr)
	}
	r = kp(t, env, "deactivate", key, "--demo", "--yes")
	if r.code != 0 || !strings.Contains(r.stderr, "done: Active -> Inactive") || !strings.Contains(r.stderr, "aws iam update-access-key --access-key-id "+key+" --status Inactive --user-name svc-reporting") {
		t.Fatalf("--yes: exit %d stderr %q", r.code, r.stderr)
	}
	b, err := os.ReadFile(demoJournal)
	if err != nil || !strings.Contains(string(b), `"phase":"intent"`) || !strings.Contains(string(b), `"phase":"done"`) {
		t.Fatalf("journal: %v %s", err, b)
	}
	real := kp(t, env, "journal")
	if real.code != 0 || !strings.Contains(real.stdout, "is empty") || !strings.Contains(real.stdout, "keypivot journal --demo") {
		t.Errorf("journal without --demo: exit %d\n%s", real.code, real.stdout)
	}
	shown := kp(t, env, "journal", "--demo")
	if shown.code != 0 || !strings.Contains(shown.stdout, "done") || !strings.Contains(shown.stdout, "undo: reactivate the key: keypivot reactivate "+key) {
		t.Errorf("journal --demo: exit %d\n%s", shown.code, shown.stdout)
	}
}

// An action a crash interrupted is never completed behind the analyst's back: deactivate
// (even with --plan) only says it is pending; journal --resume shows it and asks again,
// refuses without a terminal or --yes, and completes it with --yes.
func TestInterruptedActionIsResumedOnlyWhenConfirmedAgain(t *testing.T) {
	key, env, demoJournal := demoJournalEnv(t)
	if r := kp(t, env, "deactivate", key, "--demo", "--yes"); r.code != 0 {
		t.Fatalf("deactivate: exit %d %s", r.code, r.stderr)
	}
	b, _ := os.ReadFile(demoJournal)
	lines := strings.SplitAfter(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"phase":"intent"`) {
		t.Fatalf("journal: %q", lines)
	}
	// The crash: the outcome never landed.
	os.WriteFile(demoJournal, []byte(lines[0]), 0o600)
	count := func() int {
		b, _ := os.ReadFile(demoJournal)
		return strings.Count(string(b), "\n") // one JSON object per line
	}

	plan := kp(t, env, "deactivate", key, "--demo", "--plan")
	if plan.code != 0 || !strings.Contains(plan.stderr, "interrupted earlier: deactivate-key "+key) || strings.Contains(plan.stderr, "resumed") || count() != 1 {
		t.Fatalf("--plan with a pending action: exit %d, %d journal lines\n%s", plan.code, count(), plan.stderr)
	}
	if shown := kp(t, env, "journal", "--demo"); !strings.Contains(shown.stdout, "1 interrupted action: run keypivot journal --resume") {
		t.Errorf("journal with one interrupted action:\n%s", shown.stdout)
	}
	refused := kp(t, env, "journal", "--demo", "--resume")
	if refused.code != exitRefused || !strings.Contains(refused.stdout, "interrupted:") || !strings.Contains(refused.stdout, "no terminal to confirm on") || count() != 1 ||
		!strings.Contains(refused.stderr, "1 interrupted action not confirmed") {
		t.Fatalf("resume without confirmation: exit %d, %d journal lines\n%s\n%s", refused.code, count(), refused.stdout, refused.stderr)
	}
	done := kp(t, env, "journal", "--demo", "--resume", "--yes")
	if done.code != 0 || !strings.Contains(done.stdout, "resumed Deactivate access key "+key) || count() < 2 {
		t.Fatalf("resume --yes: exit %d, %d journal lines\n%s\n%s", done.code, count(), done.stdout, done.stderr)
	}
	if after := kp(t, env, "journal", "--demo"); strings.Contains(after.stdout, "interrupted actions") || !strings.Contains(after.stdout, "done") {
		t.Fatalf("still pending after the resume:\n%s", after.stdout)
	}
}

func TestWindowBackwardsIsAUsageError(t *testing.T) {
	r := kp(t, nil, "keys", "--demo", "--since", "2026-11-22", "--until", "2026-11-21")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--since 2026-11-22 is not before --until 2026-11-21") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
}

// --accounts and --regions prune a local archive's listing: the demo's us-east-1 folder
// alone holds most of the key's events, another region's folder none of them.
func TestArchivePrunedToAccountsAndRegions(t *testing.T) {
	ds := demo.Generate(demo.DefaultAnchor())
	dir := t.TempDir()
	accounts := map[string]bool{}
	for name, b := range ds.Files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, b, 0o644)
		accounts[strings.Split(name, "/")[1]] = true
	}
	pivot := func(args ...string) investigate.Case {
		t.Helper()
		r := kp(t, nil, append([]string{"pivot", ds.CompromisedKey, "--trail", dir, "--format", "json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d %s", args, r.code, r.stderr)
		}
		var c investigate.Case
		if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	all := pivot()
	east := pivot("--regions", "us-east-1", "--accounts", ds.Facts.ProdAccount)
	if east.EventCount == 0 || east.EventCount >= all.EventCount || east.Coverage.Sources[0].Files >= all.Coverage.Sources[0].Files {
		t.Errorf("us-east-1 of %s: %d events in %d files; all: %d in %d", ds.Facts.ProdAccount, east.EventCount, east.Coverage.Sources[0].Files, all.EventCount, all.Coverage.Sources[0].Files)
	}
	for _, r := range east.Coverage.Regions {
		if r != "us-east-1" {
			t.Errorf("region %s read despite --regions us-east-1", r)
		}
	}
	if len(accounts) < 2 {
		t.Fatalf("the demo should span accounts: %v", accounts)
	}
	if r := kp(t, nil, "pivot", ds.CompromisedKey, "--trail", dir, "--accounts", "12345"); r.code != exitUsage {
		t.Errorf("a bad account id: exit %d %s", r.code, r.stderr)
	}
}
