//go:build (darwin || ((linux || freebsd) && cgo)) && (amd64 || arm64) && !(cgo && libdeflate)

package cloudtrail

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"github.com/ebitengine/purego"
)

// libdeflate loaded at run time: a build that can load shared libraries (the binary is
// dynamically linked already: cgo on Linux and FreeBSD, every macOS build) decompresses
// with the system's libdeflate when it is installed, without headers or a C compiler at
// build time. Without cgo on Linux the binary stays static and uses klauspost/compress:
// loading a library would make it depend on the C library's loader, which a bare system
// (a scratch container, musl) does not have.

func init() {
	lib, err := loadLibdeflate(libdeflateNames())
	if err != nil {
		wholeInflaterMissing = err.Error()
		return
	}
	wholeInflaterName = "libdeflate (" + lib.path + ", loaded at run time)"
	newWholeInflater = func() wholeInflater { return lib.newDecompressor() }
}

// libdeflateNames are the names the library is looked up by, in order.
func libdeflateNames() []string {
	if runtime.GOOS == "darwin" {
		// Homebrew installs outside the loader's default paths.
		return []string{"libdeflate.0.dylib", "/opt/homebrew/lib/libdeflate.0.dylib", "/usr/local/lib/libdeflate.0.dylib"}
	}
	return []string{"libdeflate.so.0"} // the soname: the runtime package (libdeflate0), not -dev
}

// libdeflateLib is the loaded library's entry points.
type libdeflateLib struct {
	path                    string
	alloc, free, gunzipExFn uintptr
}

// loadLibdeflate loads libdeflate by the first of names the loader finds, and the three
// functions used.
func loadLibdeflate(names []string) (*libdeflateLib, error) {
	var tried []string
	for _, name := range names {
		h, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_LOCAL)
		if err != nil {
			tried = append(tried, err.Error())
			continue
		}
		lib := &libdeflateLib{path: name}
		for _, sym := range []struct {
			name string
			to   *uintptr
		}{
			{"libdeflate_alloc_decompressor", &lib.alloc},
			{"libdeflate_free_decompressor", &lib.free},
			{"libdeflate_gzip_decompress_ex", &lib.gunzipExFn},
		} {
			if *sym.to, err = purego.Dlsym(h, sym.name); err != nil {
				purego.Dlclose(h)
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		return lib, nil
	}
	return nil, errors.New("libdeflate not loaded, reading with klauspost/compress: " + strings.Join(tried, "; "))
}

// newDecompressor allocates a decompressor, freed when it is no longer used; nil when
// libdeflate cannot allocate one.
func (lib *libdeflateLib) newDecompressor() wholeInflater {
	d, _, _ := purego.SyscallN(lib.alloc)
	if d == 0 {
		return nil
	}
	l := &loadedLibdeflate{lib: lib, d: d}
	runtime.AddCleanup(l, func(d uintptr) { purego.SyscallN(lib.free, d) }, d)
	return l
}

// loadedLibdeflate decompresses whole gzip files with one decompressor of the loaded
// libdeflate (one per worker).
type loadedLibdeflate struct {
	lib *libdeflateLib
	d   uintptr
	// The sizes libdeflate reports, held here so that the pointers handed to it point
	// to the heap.
	inUsed, outUsed uintptr
}

func (l *loadedLibdeflate) gunzip(dst, src []byte, limit int) ([]byte, error) {
	return gunzipMembers(l, dst, src, limit)
}

func (l *loadedLibdeflate) decompressMember(in, out []byte) (result, inUsed, outUsed int) {
	// enum libdeflate_result libdeflate_gzip_decompress_ex(struct libdeflate_decompressor *d,
	//     const void *in, size_t in_nbytes, void *out, size_t out_nbytes_avail,
	//     size_t *actual_in_nbytes_ret, size_t *actual_out_nbytes_ret);
	r, _, _ := purego.SyscallN(l.lib.gunzipExFn, l.d,
		uintptr(unsafe.Pointer(&in[0])), uintptr(len(in)),
		uintptr(unsafe.Pointer(&out[0])), uintptr(len(out)),
		uintptr(unsafe.Pointer(&l.inUsed)), uintptr(unsafe.Pointer(&l.outUsed)))
	runtime.KeepAlive(in)
	runtime.KeepAlive(out)
	return int(int32(r)), int(l.inUsed), int(l.outUsed)
}
