//go:build cgo && libdeflate

package cloudtrail

/*
#cgo LDFLAGS: -ldeflate
#include <libdeflate.h>
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// This build links libdeflate (-tags libdeflate, with cgo and libdeflate-dev).
func init() {
	wholeInflaterName = "libdeflate (linked)"
	newWholeInflater = func() wholeInflater {
		l := &libdeflate{d: C.libdeflate_alloc_decompressor()}
		if l.d == nil {
			return nil
		}
		runtime.AddCleanup(l, func(d *C.struct_libdeflate_decompressor) { C.libdeflate_free_decompressor(d) }, l.d)
		return l
	}
}

// libdeflate decompresses whole gzip files with the linked libdeflate (one decompressor
// per worker).
type libdeflate struct {
	d *C.struct_libdeflate_decompressor
}

// gunzip decompresses every member of src into dst's storage, growing it up to limit.
func (l *libdeflate) gunzip(dst, src []byte, limit int) ([]byte, error) {
	return gunzipMembers(l, dst, src, limit)
}

func (l *libdeflate) decompressMember(in, out []byte) (result, inUsed, outUsed int) {
	var inN, outN C.size_t
	r := C.libdeflate_gzip_decompress_ex(l.d, unsafe.Pointer(&in[0]), C.size_t(len(in)),
		unsafe.Pointer(&out[0]), C.size_t(len(out)), &inN, &outN)
	return int(r), int(inN), int(outN)
}
