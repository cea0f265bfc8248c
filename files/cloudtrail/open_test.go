package cloudtrail

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// openLocal reads a file whole, like os.Open, and names the file in its errors.
func TestOpenLocalReadsLikeOsOpen(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.json")
	want := bytes.Repeat([]byte(`{"Records":[]}`), 100_000)
	if err := os.WriteFile(p, want, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := openLocal(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read %d of %d bytes: %v", len(got), len(want), err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = openLocal(filepath.Join(t.TempDir(), "missing.json"))
	var pe *fs.PathError
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) || pe.Path == "" {
		t.Fatalf("missing file: %v", err)
	}
}
