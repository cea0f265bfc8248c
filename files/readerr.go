package files

import (
	"errors"
	"io"

	"github.com/klauspost/compress/gzip"
)

// DescribeReadError says in an analyst's words why an input file stopped reading:
// a truncated or corrupt gzip stream, or the underlying read error.
func DescribeReadError(err error) string {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated gzip (unexpected end of data)"
	case errors.Is(err, gzip.ErrChecksum):
		return "gzip checksum mismatch (corrupt data)"
	case errors.Is(err, gzip.ErrHeader):
		return "corrupt gzip header"
	}
	return "read error: " + err.Error()
}
