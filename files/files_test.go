package files

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"

	"github.com/klauspost/compress/gzip"
)

func TestClassifyName(t *testing.T) {
	for name, want := range map[string]NameKind{
		"a.json": NameLog, "a.JSONL": NameLog, "a.ndjson.gz": NameLog, "x.log": NameLog, "backup.tar.gz": NameLog,
		"trail": NameSniff, ".hidden": NameSniff, "LICENSE": NameSniff, ".": NameSniff,
		"a.txt": NameOther, "a.csv": NameOther, "a.": NameOther, "..x": NameOther, ".a.b": NameOther, "a.json.bz2": NameOther,
	} {
		if got := ClassifyName(name); got != want {
			t.Errorf("%q: %d, want %d", name, got, want)
		}
	}
}

func gz(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecompress: gzip is told by its content; other content passes as it is; a gzip
// header that cannot be read is an error, and a pooled reader serves the next file.
func TestDecompress(t *testing.T) {
	for _, in := range [][]byte{[]byte(`{"a":1}`), gz(t, []byte(`{"a":1}`)), gz(t, []byte(`{"a":1}`)), nil} {
		content, release, err := Decompress(bufio.NewReader(bytes.NewReader(in)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(content)
		release()
		if err != nil || (in != nil && string(got) != `{"a":1}`) || (in == nil && len(got) != 0) {
			t.Errorf("%q: read %q, %v", in, got, err)
		}
	}
	if _, _, err := Decompress(bufio.NewReader(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0}))); err == nil {
		t.Error("a broken gzip header is no error")
	}
}

// TestCountingReader: bytes are counted, and the first error that is not EOF kept.
func TestCountingReader(t *testing.T) {
	boom := errors.New("boom")
	c := &CountingReader{R: io.MultiReader(bytes.NewReader([]byte("hello")), iotest.ErrReader(boom))}
	if _, err := io.ReadAll(c); !errors.Is(err, boom) || c.N != 5 || !errors.Is(c.Err, boom) {
		t.Errorf("n %d, err %v, kept %v", c.N, err, c.Err)
	}
	c = &CountingReader{R: bytes.NewReader([]byte("hi"))}
	if _, err := io.ReadAll(c); err != nil || c.N != 2 || c.Err != nil {
		t.Errorf("n %d, err %v, kept %v", c.N, err, c.Err)
	}
}

// TestDescribeReadError: data that ends early is a truncated gzip stream only when the
// content is gzip; a plain file cut short is said to be cut short.
func TestDescribeReadError(t *testing.T) {
	wrapped := fmt.Errorf("reading: %w", io.ErrUnexpectedEOF)
	for _, c := range []struct {
		err     error
		gzipped bool
		want    string
	}{
		{io.ErrUnexpectedEOF, true, "truncated gzip (unexpected end of data)"},
		{wrapped, true, "truncated gzip (unexpected end of data)"},
		{io.ErrUnexpectedEOF, false, "read cut short (unexpected end of data)"},
		{wrapped, false, "read cut short (unexpected end of data)"},
		{gzip.ErrChecksum, true, "gzip checksum mismatch (corrupt data)"},
		{gzip.ErrHeader, true, "corrupt gzip header"},
		{errors.New("connection reset"), false, "read error: connection reset"},
	} {
		if got := DescribeReadError(c.err, c.gzipped); got != c.want {
			t.Errorf("%v (gzip %v): %q, want %q", c.err, c.gzipped, got, c.want)
		}
	}
}
