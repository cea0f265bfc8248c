package cloudtrail

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/files/internal/testfiles"
	"github.com/keypivot/keypivot/internal/sourcetest"

	"github.com/keypivot/keypivot/investigate"
)

// TestAccountsAndRegionsPruneADirectory: FileSource.Accounts and Regions leave out the
// other folders of the layout (organisation trails included) without reading them, and
// say so; a file named explicitly is read wherever it sits.
func TestAccountsAndRegionsPruneADirectory(t *testing.T) {
	doc := func(id string) []byte { return gz(t, []byte(`{"Records":[`+record(id, testKey)+`]}`)) }
	path := func(org, acct, region string) string {
		p := "AWSLogs/"
		if org != "" {
			p += org + "/"
		}
		return p + acct + "/CloudTrail/" + region + "/2026/11/20/" + acct + "_CloudTrail_" + region + "_20261120T0905Z_x.json.gz"
	}
	files := map[string][]byte{
		path("o-abc123def4", "111122223333", "us-east-1"): doc("kept"),
		path("o-abc123def4", "111122223333", "eu-west-1"): doc("other-region"),
		path("o-abc123def4", "222233334444", "us-east-1"): doc("other-account"),
		path("", "333344445555", "us-east-1"):             doc("plain-trail"),
		path("", "333344445555", "ap-south-1"):            []byte(`{"Records":[`), // damaged, but never read
		path("o-abc123def4", "444455556666", "eu-west-1"): doc("both-out"),
	}
	dir := t.TempDir()
	for name, body := range files {
		testfiles.Write(t, filepath.Join(dir, name), body)
	}
	run := func(src *FileSource) (map[string]bool, investigate.SourceReport) {
		t.Helper()
		rep, events, err := sourcetest.Events(context.Background(), src, q(testKey))
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, e := range events {
			ids[e.ID] = true
		}
		return ids, rep
	}
	ids, rep := run(&FileSource{Paths: []string{dir}, Accounts: []string{"111122223333", "333344445555", "777788889999"}, Regions: []string{"us-east-1"}})
	if len(ids) != 2 || !ids["kept"] || !ids["plain-trail"] || rep.Files != 2 || len(rep.Problems) > 0 {
		t.Fatalf("events %v files %d problems %v", ids, rep.Files, rep.Problems)
	}
	notes := strings.Join(rep.Notes, "\n")
	for _, want := range []string{
		"listing pruned to accounts 111122223333,333344445555,777788889999 and regions us-east-1: not read: 2 other accounts (222233334444,444455556666), 2 other regions (ap-south-1,eu-west-1; 2 folders)",
		"not in the archive: account 777788889999",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	// Without a scope, everything is read (and the damaged file reported).
	ids, rep = run(&FileSource{Paths: []string{dir}})
	if len(ids) != 5 || len(rep.Problems) != 1 {
		t.Fatalf("unpruned: events %v problems %v", ids, rep.Problems)
	}
	// Regions only; and a root inside the layout that is itself out of scope.
	ids, _ = run(&FileSource{Paths: []string{dir}, Regions: []string{"eu-west-1"}})
	if len(ids) != 2 || !ids["other-region"] || !ids["both-out"] {
		t.Fatalf("eu-west-1: %v", ids)
	}
	root := filepath.Join(dir, "AWSLogs/o-abc123def4/222233334444")
	ids, rep = run(&FileSource{Paths: []string{root}, Accounts: []string{"111122223333"}})
	if len(ids) != 0 || !strings.Contains(strings.Join(rep.Notes, "\n"), "1 other account (222233334444)") {
		t.Fatalf("root out of scope: %v %q", ids, rep.Notes)
	}
	// A file named explicitly is read whatever the scope.
	ids, _ = run(&FileSource{Paths: []string{filepath.Join(dir, path("o-abc123def4", "222233334444", "us-east-1"))}, Accounts: []string{"111122223333"}})
	if !ids["other-account"] {
		t.Fatalf("explicit file not read: %v", ids)
	}
}

func TestLayoutFolder(t *testing.T) {
	for p, want := range map[string][2]string{
		"AWSLogs/111122223333":                                         {"111122223333", ""},
		"/data/AWSLogs/o-abc123def4/111122223333/":                     {"111122223333", ""},
		"b/AWSLogs/111122223333/CloudTrail/us-east-1":                  {"111122223333", "us-east-1"},
		"AWSLogs/o-abc123def4/111122223333/CloudTrail/eu-west-1/2026/": {"111122223333", "eu-west-1"},
		"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/":            {"111122223333", "us-east-1"},
		"AWSLogs/o-abc123def4":                                         {"", ""},
		"AWSLogs/1111222233334/":                                       {"", ""},
		"x/AWSLogs":                                                    {"", ""},
	} {
		a, r := LayoutFolder(p)
		if a != want[0] || r != want[1] {
			t.Errorf("%s: %q %q, want %q", p, a, r, want)
		}
	}
}
