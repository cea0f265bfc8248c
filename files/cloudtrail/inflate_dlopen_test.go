//go:build (darwin || ((linux || freebsd) && cgo)) && (amd64 || arm64) && !(cgo && libdeflate)

package cloudtrail

import (
	"strings"
	"testing"
)

// TestLibdeflateLoadsWhenInstalled: a build that loads libdeflate at run time uses it
// whenever the system has it (then TestWholeInflaterReadsAsKlauspost compares it with
// klauspost/compress), and reads with klauspost/compress, saying why, when it has not.
func TestLibdeflateLoadsWhenInstalled(t *testing.T) {
	lib, err := loadLibdeflate(libdeflateNames())
	if err != nil {
		if newWholeInflater != nil {
			t.Fatalf("libdeflate does not load (%v), yet the build uses it", err)
		}
		if !strings.Contains(wholeInflaterMissing, "klauspost/compress") {
			t.Fatalf("the reason for klauspost/compress does not say so: %q", wholeInflaterMissing)
		}
		t.Skipf("libdeflate is not installed (Debian: apt-get install libdeflate0), so this build reads with klauspost/compress: %v", err)
	}
	if newWholeInflater == nil || !strings.Contains(Inflater(), "loaded at run time") {
		t.Fatalf("libdeflate loads from %s, yet Inflater() = %q", lib.path, Inflater())
	}
	if lib.newDecompressor() == nil {
		t.Fatal("no decompressor from the loaded libdeflate")
	}
}

// TestLibdeflateMissingIsAnError: a library that is not there, or that lacks the
// functions, is an error naming what was tried, never a panic.
func TestLibdeflateMissingIsAnError(t *testing.T) {
	_, err := loadLibdeflate([]string{"libdeflate-not-installed.so.0", "libdeflate-nor-this.so.0"})
	if err == nil || !strings.Contains(err.Error(), "libdeflate-not-installed.so.0") || !strings.Contains(err.Error(), "libdeflate-nor-this.so.0") {
		t.Fatalf("err = %v", err)
	}
	// A library that loads but is not libdeflate: the C library itself.
	libc := "libc.so.6"
	if strings.Contains(libdeflateNames()[0], "dylib") {
		libc = "/usr/lib/libSystem.B.dylib"
	}
	if _, err := loadLibdeflate([]string{libc}); err == nil || !strings.Contains(err.Error(), "libdeflate_") {
		t.Fatalf("loading %s as libdeflate: %v", libc, err)
	}
}
