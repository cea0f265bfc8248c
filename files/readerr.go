package files

import (
	"errors"
	"io"

	"github.com/klauspost/compress/gzip"
)

// DescribeReadError says in an analyst's words why an input file stopped reading: a
// truncated or corrupt gzip stream, content cut short, or the underlying read error.
// gzipped says whether the content read is gzip: only then is data that ends early a
// truncated gzip stream (a plain file or object cut short is not).
func DescribeReadError(err error, gzipped bool) string {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) && gzipped:
		return "truncated gzip (unexpected end of data)"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "read cut short (unexpected end of data)"
	case errors.Is(err, gzip.ErrChecksum):
		return "gzip checksum mismatch (corrupt data)"
	case errors.Is(err, gzip.ErrHeader):
		return "corrupt gzip header"
	}
	return "read error: " + err.Error()
}
