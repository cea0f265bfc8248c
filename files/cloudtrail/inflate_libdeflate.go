//go:build cgo && libdeflate

package cloudtrail

/*
#cgo LDFLAGS: -ldeflate
#include <libdeflate.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/keypivot/keypivot/files"
	"github.com/keypivot/keypivot/investigate"
)

func init() {
	newWholeInflater = func() wholeInflater {
		l := &libdeflate{d: C.libdeflate_alloc_decompressor()}
		if l.d == nil {
			return nil
		}
		runtime.AddCleanup(l, func(d *C.struct_libdeflate_decompressor) { C.libdeflate_free_decompressor(d) }, l.d)
		return l
	}
}

// libdeflate decompresses whole gzip files with libdeflate (one decompressor per worker).
type libdeflate struct {
	d *C.struct_libdeflate_decompressor
}

var errLibdeflate = errors.New("libdeflate: bad gzip data")

// gunzip decompresses every member of src into dst's storage, growing it up to limit.
func (l *libdeflate) gunzip(dst, src []byte, limit int) ([]byte, error) {
	out := dst[:0]
	if want := gzipSizeHint(src); cap(out) < want && want <= limit {
		out = make([]byte, 0, want)
	}
	in := src
	for len(in) > 0 {
		if !files.IsGzip(in) {
			return nil, fmt.Errorf("%w: %s after the last member", errLibdeflate, investigate.Plural(len(in), "byte"))
		}
		if cap(out)-len(out) < 64 {
			if err := grow(&out, limit); err != nil {
				return nil, err
			}
		}
		var inUsed, outUsed C.size_t
		room := out[len(out):cap(out)]
		r := C.libdeflate_gzip_decompress_ex(l.d, unsafe.Pointer(&in[0]), C.size_t(len(in)),
			unsafe.Pointer(&room[0]), C.size_t(len(room)), &inUsed, &outUsed)
		switch r {
		case C.LIBDEFLATE_SUCCESS:
			out = out[:len(out)+int(outUsed)]
			in = in[int(inUsed):]
		case C.LIBDEFLATE_INSUFFICIENT_SPACE:
			if err := grow(&out, limit); err != nil {
				return nil, err
			}
		default:
			return nil, errLibdeflate
		}
	}
	return out, nil
}

func grow(b *[]byte, limit int) error {
	c := cap(*b)
	if c > limit {
		return errTooLarge
	}
	n := min(max(2*c, 256<<10), limit+1)
	if n <= c {
		return errTooLarge
	}
	nb := make([]byte, len(*b), n)
	copy(nb, *b)
	*b = nb
	return nil
}
