package cloudtrail

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"

	"github.com/keypivot/keypivot/files"
)

// Gzip decompression. Archive scans are limited by inflate speed: every byte of every
// file in the window is decompressed once to learn whether a key occurs in it. Measured
// on generated trail archives (BenchmarkArchive, inflate/*), libdeflate is about three
// to four times faster than klauspost/compress, which is faster than the standard
// library; pgzip only overlaps reading and checksumming with inflate inside one stream,
// which buys nothing when every core already inflates its own file. Builds with -tags
// libdeflate (cgo and libdeflate-dev) decompress whole files with libdeflate; every
// other build, and every file libdeflate rejects (truncated, corrupt, larger than
// MaxBuffered), uses klauspost/compress, which also yields the records before damage in
// a broken file.

// Inflater names the whole-file gzip decoder this build uses.
func Inflater() string {
	if newWholeInflater != nil {
		return "libdeflate"
	}
	return "klauspost/compress"
}

// wholeInflater decompresses a whole in-memory gzip file (every member) into dst's
// storage, failing rather than returning partial output.
type wholeInflater interface {
	gunzip(dst, src []byte, limit int) ([]byte, error)
}

// newWholeInflater is set by inflate_libdeflate.go when that build is chosen.
var newWholeInflater func() wholeInflater

var errTooLarge = errors.New("decompressed size over the limit")

// gzipSizeHint is the ISIZE field of the last gzip member: the decompressed size
// modulo 2^32 of a single-member file.
func gzipSizeHint(b []byte) int {
	if len(b) < 18 {
		return 0
	}
	return int(binary.LittleEndian.Uint32(b[len(b)-4:]))
}

// readUpTo reads r into buf's storage until EOF or until more than limit bytes were
// read (limit+1 then). It returns what was read and the first error other than EOF.
func readUpTo(buf []byte, r io.Reader, limit int) ([]byte, error) {
	b := buf[:0]
	for {
		if len(b) == cap(b) {
			if len(b) > limit {
				return b, nil
			}
			// Grown by doubling, but never past limit+1: a file too large to hold costs
			// one buffer of the limit, not twice that.
			n := min(max(cap(b)*2, 64<<10), limit+1)
			nb := make([]byte, len(b), n)
			copy(nb, b)
			b = nb
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) > limit {
			return b, nil
		}
	}
}

// gunzipGo decompresses src (in memory) with klauspost/compress into buf's storage, up
// to limit+1 bytes. A read error leaves the bytes decompressed before it in the result.
func gunzipGo(buf, src []byte, limit int) ([]byte, error) {
	zr, release, err := files.Gunzip(bytes.NewReader(src))
	if err != nil {
		return buf[:0], err
	}
	defer release()
	if hint := gzipSizeHint(src); hint > cap(buf) && hint <= limit {
		buf = make([]byte, 0, hint+1)
	}
	return readUpTo(buf, zr, limit)
}
