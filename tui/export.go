package tui

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	tea "charm.land/bubbletea/v2"

	"github.com/keypivot/keypivot/investigate/report"
)

// exportedMsg says where an export was written.
type exportedMsg struct {
	note string
	path string
	err  error
}

// export writes the open case (or, on the keys screen, the ranking) as Markdown or
// JSON through the report renderers, to a new file in the export directory.
func (a *App) export(format string) tea.Cmd {
	dir := a.ui.opts.ExportDir
	if dir == "" {
		dir = "."
	}
	stamp := a.ui.now().UTC().Format("20060102T150405Z")
	label := map[string]string{"md": "Markdown", "json": "JSON"}[format]
	var (
		name  string
		write func(io.Writer) error
		what  string
	)
	if wb := a.wb(); wb == nil {
		r := a.keys.ranking
		name = "keypivot-keys-" + stamp
		what = "the key ranking"
		write = func(w io.Writer) error {
			if format == "md" {
				return report.KeysMarkdown(w, r)
			}
			return report.JSON(w, r)
		}
	} else {
		c := wb.c
		partial := wb.loading
		name = "keypivot-" + c.Key.String() + "-" + stamp
		what = "the case of " + c.Key.String()
		if partial {
			what += " (still loading: partial)"
		}
		write = func(w io.Writer) error {
			if format == "md" {
				return report.Markdown(w, c, report.Options{})
			}
			return report.CaseJSON(w, c)
		}
	}
	a.setStatus("exporting "+what+"…", false)
	return func() tea.Msg {
		path, err := createExport(dir, name, format, write)
		if err != nil {
			return exportedMsg{err: err}
		}
		return exportedMsg{note: fmt.Sprintf("exported %s as %s to %s", what, label, path), path: path}
	}
}

// createExport writes a new file dir/name.ext (name-2.ext, ... when taken): an export
// never overwrites an earlier one.
func createExport(dir, name, ext string, write func(io.Writer) error) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for i := 1; i < 100; i++ {
		p := filepath.Join(abs, name+"."+ext)
		if i > 1 {
			p = filepath.Join(abs, name+"-"+strconv.Itoa(i)+"."+ext)
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		bw := bufio.NewWriter(f)
		werr := write(bw)
		if werr == nil {
			werr = bw.Flush()
		}
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(p)
			return "", fmt.Errorf("%s: %w", p, werr)
		}
		return p, nil
	}
	return "", fmt.Errorf("%s: too many exports with this name", filepath.Join(abs, name))
}
