package files

import "io"

// CountingReader counts the bytes read through it and keeps the first error other than
// EOF: a file that could not be read, a truncated or corrupt gzip stream, told apart
// from content that merely ended.
type CountingReader struct {
	R   io.Reader
	N   int64 // bytes read
	Err error // the first error other than io.EOF
}

func (c *CountingReader) Read(b []byte) (int, error) {
	n, err := c.R.Read(b)
	c.N += int64(n)
	if err != nil && err != io.EOF && c.Err == nil {
		c.Err = err
	}
	return n, err
}
