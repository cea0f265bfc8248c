package cloudtrail

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/keypivot/keypivot/files"
	"github.com/keypivot/keypivot/investigate"
)

// Gzip decompression. Archive scans are limited by inflate speed: every byte of every
// file in the window is decompressed once to learn whether a key occurs in it. Measured
// on generated trail archives (BenchmarkArchive, inflate/*), libdeflate is about three
// to four times faster than klauspost/compress, which is faster than the standard
// library; pgzip only overlaps reading and checksumming with inflate inside one stream,
// which buys nothing when every core already inflates its own file.
//
// Whole files are decompressed with libdeflate whenever this build can reach it: builds
// with -tags libdeflate (cgo and libdeflate-dev) link it; other builds that can load
// shared libraries (cgo on Linux and FreeBSD, every macOS build) load it at run time
// when the system has it (libdeflate.so.0, Debian's libdeflate0; Homebrew's libdeflate),
// through purego: no headers or C compiler needed to build, and nothing needed to run.
// Every other build (CGO_ENABLED=0 on Linux stays a static binary), a system without
// the library, and every file libdeflate rejects (truncated, corrupt, larger than
// MaxBuffered) use klauspost/compress, which also yields the records before damage in a
// broken file: a file libdeflate cannot read fails, and is reported, as it does without
// libdeflate.

// Inflater names the whole-file gzip decoder this build uses.
func Inflater() string {
	if newWholeInflater != nil {
		return wholeInflaterName
	}
	return "klauspost/compress"
}

// wholeInflater decompresses a whole in-memory gzip file (every member) into dst's
// storage, failing rather than returning partial output.
type wholeInflater interface {
	gunzip(dst, src []byte, limit int) ([]byte, error)
}

// newWholeInflater is set by inflate_libdeflate.go (linked libdeflate) or by
// inflate_dlopen.go (libdeflate loaded at run time), when the build has either and the
// library is there; nil means klauspost/compress only.
var newWholeInflater func() wholeInflater

// wholeInflaterName names newWholeInflater's decoder, for Inflater; wholeInflaterMissing
// says why there is none.
var (
	wholeInflaterName    string
	wholeInflaterMissing = "this build neither links libdeflate (-tags libdeflate) nor loads it at run time (cgo on Linux or FreeBSD, or macOS)"
)

// libdeflate's results (enum libdeflate_result) that are not failures.
const (
	libdeflateSuccess           = 0
	libdeflateInsufficientSpace = 3
)

// gzipDecompressor is one libdeflate decompressor, linked or loaded:
// libdeflate_gzip_decompress_ex over one gzip member at the start of in, into out
// (never empty), returning libdeflate's result and the bytes it consumed and wrote.
type gzipDecompressor interface {
	decompressMember(in, out []byte) (result, inUsed, outUsed int)
}

var (
	errLibdeflate = errors.New("libdeflate: bad gzip data")
	errHeaderCRC  = errors.New("libdeflate: gzip header checksum left to klauspost/compress")
)

// gzipFlagHeaderCRC is FHCRC in a gzip member's FLG byte (RFC 1952).
const gzipFlagHeaderCRC = 0x02

// gunzipMembers decompresses every member of src with d into dst's storage, growing it
// up to limit, and fails rather than return partial output.
func gunzipMembers(d gzipDecompressor, dst, src []byte, limit int) ([]byte, error) {
	out := dst[:0]
	if want := gzipSizeHint(src); cap(out) < want && want <= limit {
		out = make([]byte, 0, want)
	}
	in := src
	for len(in) > 0 {
		if !files.IsGzip(in) {
			return nil, fmt.Errorf("%w: %s after the last member", errLibdeflate, investigate.Plural(len(in), "byte"))
		}
		if len(in) > 3 && in[3]&gzipFlagHeaderCRC != 0 {
			// libdeflate skips a header checksum that klauspost/compress checks: such a
			// member (no CloudTrail file has one) is read by klauspost/compress, so that
			// a damaged header is reported either way.
			return nil, errHeaderCRC
		}
		if cap(out)-len(out) < 64 {
			if err := grow(&out, limit); err != nil {
				return nil, err
			}
		}
		r, inUsed, outUsed := d.decompressMember(in, out[len(out):cap(out)])
		switch r {
		case libdeflateSuccess:
			if inUsed <= 0 || inUsed > len(in) || outUsed > cap(out)-len(out) {
				return nil, errLibdeflate // never from libdeflate: never trusted either
			}
			out = out[:len(out)+outUsed]
			in = in[inUsed:]
		case libdeflateInsufficientSpace:
			if err := grow(&out, limit); err != nil {
				return nil, err
			}
		default:
			return nil, errLibdeflate
		}
	}
	return out, nil
}

// grow doubles b's storage (from 256 KiB), up to limit+1 bytes.
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
