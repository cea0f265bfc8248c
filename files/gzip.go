package files

import (
	"bufio"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// IsGzip reports whether b starts with gzip's magic bytes: a file is gzip by its
// content, whatever its name.
func IsGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// StartsGzip reports whether br's content starts with gzip's magic bytes, without
// consuming them: whether Decompress reads it as gzip.
func StartsGzip(br *bufio.Reader) bool {
	magic, _ := br.Peek(2)
	return IsGzip(magic)
}

// gzipReaders are reused: a folder of many small files must not cost a decoder each.
var gzipReaders sync.Pool

// Gunzip returns a pooled gzip reader over r, and release, which returns it to the pool
// once it is no longer read. The error is that of a header that cannot be read.
func Gunzip(r io.Reader) (zr *gzip.Reader, release func(), err error) {
	if v := gzipReaders.Get(); v != nil {
		zr = v.(*gzip.Reader)
		if err := zr.Reset(r); err != nil {
			gzipReaders.Put(zr)
			return nil, nil, err
		}
	} else if zr, err = gzip.NewReader(r); err != nil {
		return nil, nil, err
	}
	return zr, func() { gzipReaders.Put(zr) }, nil
}

// Decompress returns the content of br: br itself, or, when it starts with gzip's magic
// bytes, a pooled gzip reader over it (release returns it to the pool). The error is
// that of a gzip header that cannot be read.
func Decompress(br *bufio.Reader) (content io.Reader, release func(), err error) {
	if !StartsGzip(br) {
		return br, func() {}, nil
	}
	zr, release, err := Gunzip(br)
	if err != nil {
		return nil, nil, err
	}
	return zr, release, nil
}
