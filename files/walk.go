package files

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Walker walks the folders the file readers are given. Several folders are read at once
// (a stat per file waits on the kernel; a trail archive holds tens of thousands). Links
// are followed: a link to a file is the file it points to, and every folder is walked
// once, by its real path, whatever the links to it, so that a loop ends and no file is
// listed under two names. A folder reached without a link is walked under its own path;
// links to folders are followed after the folders reached without one, in the order of
// their paths, so that what is listed under which name never depends on timing. Hidden
// folders (.git, .cache) are left unwalked.
//
// Its callbacks are called concurrently. One Walker walks several roots: a folder walked
// under one root is not walked again under another.
type Walker struct {
	// Named is called for each root that is a file, not a folder: a file named is read
	// whatever its name.
	Named func(path string, info fs.FileInfo)
	// Enter is called for each folder below a root before it is walked: false leaves it
	// unwalked. nil walks every folder.
	Enter func(path string) bool
	// File is called for each regular file, links to one included (d then describes the
	// file linked to: its size and time).
	File func(path string, d fs.DirEntry)
	// Hidden is called for each hidden folder left unwalked (a link with a hidden name
	// to a folder included).
	Hidden func(path string)
	// Special is called for each pipe, socket or device: never opened.
	Special func(path string)
	// Problem is called for each path that could not be read.
	Problem func(path string, err error)

	mu      sync.Mutex
	visited map[string]bool // real paths of the folders walked
}

// Walk walks each root that is a folder (a link to one, perhaps) and the folders below
// it, in turn; a root that is a file goes to Named, one that cannot be read to Problem.
func (w *Walker) Walk(roots ...string) {
	for _, root := range roots {
		info, err := os.Stat(root)
		switch {
		case err != nil:
			w.problem(root, err)
		case !info.IsDir():
			if w.Named != nil {
				w.Named(root, info)
			}
		default:
			w.walkRoot(root)
		}
	}
}

// walkRoot walks the folder root and the folders below it, then the folders linked from
// them.
func (w *Walker) walkRoot(root string) {
	real, err := realPath(root)
	if err != nil {
		w.problem(root, err)
		return
	}
	if !w.claim(real) {
		return // walked already, under another root
	}
	links := w.walkTree(root, real)
	for len(links) > 0 {
		slices.Sort(links)
		var next []string
		for _, l := range links {
			next = append(next, w.follow(l)...)
		}
		links = next
	}
}

// follow walks the folder a link points to, unless it was walked already, and returns
// the links to folders found below it.
func (w *Walker) follow(link string) []string {
	if w.Enter != nil && !w.Enter(link) {
		return nil
	}
	real, err := realPath(link)
	if err != nil {
		w.problem(link, err)
		return nil
	}
	if !w.claim(real) {
		return nil // a loop, or a folder walked already under its own path or another link
	}
	return w.walkTree(link, real)
}

// walkTree walks the folder dir, whose real path is real (claimed), and the folders
// reached from it without a link, several at once; it returns the links to folders it
// found, for Walk to follow once the walk is over.
func (w *Walker) walkTree(dir, real string) (links []string) {
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex // guards links
		sem = make(chan struct{}, 4*runtime.GOMAXPROCS(0))
	)
	var walk func(dir, real string)
	walk = func(dir, real string) {
		defer wg.Done()
		sem <- struct{}{}
		entries, err := os.ReadDir(dir)
		if err != nil {
			w.problem(dir, err) // the entries read before the error are still walked
		}
		var subdirs []string
		for _, d := range entries {
			p := filepath.Join(dir, d.Name())
			if d.Type()&fs.ModeSymlink != 0 {
				info, err := os.Stat(p)
				if err != nil {
					w.problem(p, err)
					continue
				}
				if info.IsDir() && !hidden(d.Name()) {
					mu.Lock()
					links = append(links, p)
					mu.Unlock()
					continue
				}
				d = fs.FileInfoToDirEntry(info)
			}
			switch {
			case d.IsDir() && hidden(d.Name()):
				if w.Hidden != nil {
					w.Hidden(p)
				}
			case d.IsDir():
				sub := filepath.Join(real, d.Name())
				if !w.walked(sub) && (w.Enter == nil || w.Enter(p)) && w.claim(sub) {
					subdirs = append(subdirs, d.Name())
				}
			case !d.Type().IsRegular():
				if w.Special != nil {
					w.Special(p)
				}
			default:
				w.File(p, d)
			}
		}
		<-sem
		for _, name := range subdirs {
			wg.Add(1)
			go walk(filepath.Join(dir, name), filepath.Join(real, name))
		}
	}
	wg.Add(1)
	walk(dir, real)
	wg.Wait()
	return links
}

func hidden(name string) bool { return strings.HasPrefix(name, ".") }

// claim records the folder real as walked; false: it was already.
func (w *Walker) claim(real string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.visited[real] {
		return false
	}
	if w.visited == nil {
		w.visited = map[string]bool{}
	}
	w.visited[real] = true
	return true
}

// walked reports whether the folder real was walked already.
func (w *Walker) walked(real string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.visited[real]
}

func (w *Walker) problem(p string, err error) {
	if w.Problem != nil {
		w.Problem(p, err)
	}
}

// realPath is p's absolute path with every link resolved: the same folder has one,
// whatever the path it is reached by.
func realPath(p string) (string, error) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	return filepath.Abs(real)
}
