// Package testfiles writes the files and folders the file readers' tests read. It
// imports the standard library only.
package testfiles

import (
	"os"
	"path/filepath"
	"testing"
)

// Write writes body to path, making its folders, or fails the test.
func Write(t testing.TB, path string, body []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
}
