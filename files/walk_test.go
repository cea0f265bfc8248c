package files

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/keypivot/keypivot/files/internal/testfiles"
)

// walked is what a Walker reported, paths relative to root.
type walked struct {
	files, named, hidden, special, problems []string
}

func walk(t *testing.T, root string, enter func(string) bool, paths ...string) walked {
	t.Helper()
	var (
		mu  sync.Mutex
		got walked
	)
	add := func(list *[]string, p string) {
		mu.Lock()
		defer mu.Unlock()
		rel, err := filepath.Rel(root, p)
		if err != nil {
			t.Error(err)
		}
		*list = append(*list, rel)
	}
	w := Walker{
		Enter:   enter,
		Named:   func(p string, _ fs.FileInfo) { add(&got.named, p) },
		File:    func(p string, _ fs.DirEntry) { add(&got.files, p) },
		Hidden:  func(p string) { add(&got.hidden, p) },
		Special: func(p string) { add(&got.special, p) },
		Problem: func(p string, _ error) { add(&got.problems, p) },
	}
	w.Walk(paths...)
	for _, l := range [][]string{got.files, got.named, got.hidden, got.special, got.problems} {
		slices.Sort(l)
	}
	return got
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
}

// TestWalkerLinkToAFolderWalkedDirectly: a folder reached directly and through a link is
// walked once, under its own path, whatever the order its parent lists them in.
func TestWalkerLinkToAFolderWalkedDirectly(t *testing.T) {
	for _, link := range []string{"a-link", "z-link"} { // listed before and after the folder
		t.Run(link, func(t *testing.T) {
			root := t.TempDir()
			testfiles.Write(t, filepath.Join(root, "sub", "a.json"), []byte("{}"))
			testfiles.Write(t, filepath.Join(root, "sub", "deeper", "b.json"), []byte("{}"))
			symlink(t, filepath.Join(root, "sub"), filepath.Join(root, link))
			symlink(t, "../sub/deeper", filepath.Join(root, "sub", "to-deeper")) // relative, into the tree
			got := walk(t, root, nil, root)
			want := []string{filepath.Join("sub", "a.json"), filepath.Join("sub", "deeper", "b.json")}
			if !slices.Equal(got.files, want) || len(got.problems) != 0 {
				t.Errorf("files %q, problems %q; want %q", got.files, got.problems, want)
			}
		})
	}
}

// TestWalkerLinks: links out of the tree are followed, each folder once under the first
// link to it by path; loops end; a link to a hidden folder is walked under its own name,
// a hidden link is not; links to files are files; a broken link is a problem. Roots
// that are files are named files; a root missing is a problem.
func TestWalkerLinks(t *testing.T) {
	root, other := t.TempDir(), t.TempDir()
	testfiles.Write(t, filepath.Join(other, "x.json"), []byte("{}"))
	testfiles.Write(t, filepath.Join(root, ".archive", "h.json"), []byte("{}"))
	testfiles.Write(t, filepath.Join(root, "top.json"), []byte("{}"))
	symlink(t, other, filepath.Join(root, "m-link"))
	symlink(t, other, filepath.Join(root, "b-link"))
	symlink(t, other, filepath.Join(root, ".hidden-link"))
	symlink(t, root, filepath.Join(other, "loop"))
	symlink(t, filepath.Join(root, ".archive"), filepath.Join(root, "visible"))
	symlink(t, filepath.Join(root, "top.json"), filepath.Join(root, "again.json"))
	symlink(t, filepath.Join(root, "gone"), filepath.Join(root, "broken"))
	if err := syscall.Mkfifo(filepath.Join(root, "pipe.log"), 0o600); err != nil {
		t.Skip(err)
	}
	// The same folder named twice, and a folder below one, are walked once.
	got := walk(t, root, nil, root, root, filepath.Join(root, "b-link"), filepath.Join(root, "top.json"), filepath.Join(root, "missing"))
	want := walked{
		files:    []string{"again.json", filepath.Join("b-link", "x.json"), "top.json", filepath.Join("visible", "h.json")},
		named:    []string{"top.json"},
		hidden:   []string{".archive", ".hidden-link"},
		special:  []string{"pipe.log"},
		problems: []string{"broken", "missing"},
	}
	for i, pair := range [][2][]string{{got.files, want.files}, {got.named, want.named}, {got.hidden, want.hidden}, {got.special, want.special}, {got.problems, want.problems}} {
		if !slices.Equal(pair[0], pair[1]) {
			t.Errorf("%d: got %q, want %q", i, pair[0], pair[1])
		}
	}
}

// TestWalkerEnter: a folder Enter refuses is not walked, and stays free to be walked
// through a link with another name.
func TestWalkerEnter(t *testing.T) {
	root := t.TempDir()
	testfiles.Write(t, filepath.Join(root, "skip", "a.json"), []byte("{}"))
	testfiles.Write(t, filepath.Join(root, "keep", "b.json"), []byte("{}"))
	symlink(t, filepath.Join(root, "skip"), filepath.Join(root, "keep", "via"))
	got := walk(t, root, func(p string) bool { return !strings.HasSuffix(p, "skip") }, root)
	want := []string{filepath.Join("keep", "b.json"), filepath.Join("keep", "via", "a.json")}
	if !slices.Equal(got.files, want) {
		t.Errorf("files %q, want %q", got.files, want)
	}
}
