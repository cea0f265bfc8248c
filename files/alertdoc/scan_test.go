package alertdoc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// scanAll reads the values of data with a 16-byte buffer, so that every string, escape
// and bracket falls across chunk boundaries somewhere.
func scanAll(t testing.TB, data string, max int) (vals []string, sizes []int64, overs []bool, err error) {
	t.Helper()
	s := &valueScanner{br: bufio.NewReaderSize(strings.NewReader(data), 16)}
	for {
		if _, err := s.peekByte(); err == io.EOF {
			return vals, sizes, overs, nil
		}
		v, n, over, err := s.value(nil, max)
		if err != nil {
			return vals, sizes, overs, err
		}
		vals, sizes, overs = append(vals, string(v)), append(sizes, n), append(overs, over)
	}
}

func TestValueScanner(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"scalars", `1 -2.5e3 true false null "s"`, []string{"1", "-2.5e3", "true", "false", "null", `"s"`}},
		{"escaped quotes and backslashes", `"a\"b" "c\\" "\\\"" "d"`, []string{`"a\"b"`, `"c\\"`, `"\\\""`, `"d"`}},
		{"brackets inside strings", `{"k":"}]{["} ["]",{"a":"\"}"}]`, []string{`{"k":"}]{["}`, `["]",{"a":"\"}"}]`}},
		{"nested, across many chunks", `{"a":[[[{"b":[1,2,{"c":"` + strings.Repeat("x", 100) + `"}]}]]],"d":{}}`, []string{`{"a":[[[{"b":[1,2,{"c":"` + strings.Repeat("x", 100) + `"}]}]]],"d":{}}`}},
		{"unicode and escapes", `"h\u00e9llo \u2028 ✓" ["\n\t"]`, []string{`"h\u00e9llo \u2028 ✓"`, `["\n\t"]`}},
		{"values with no space between", `{}[]"x"{"y":1}`, []string{"{}", "[]", `"x"`, `{"y":1}`}},
		{"backslash as the 16th byte", `"0123456789abcd\"q" 7`, []string{`"0123456789abcd\"q"`, "7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, sizes, _, err := scanAll(t, tt.in, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("values = %q, want %q", got, tt.want)
			}
			for i, v := range got {
				if sizes[i] != int64(len(v)) {
					t.Errorf("size of %s = %d", v, sizes[i])
				}
			}
		})
	}
}

// Past the limit a value is scanned to its end, its size counted, its bytes not kept;
// the next value reads whole.
func TestValueScannerLimit(t *testing.T) {
	big := `{"k":"` + strings.Repeat("a", 200) + `","n":[1,2,3]}`
	vals, sizes, overs, err := scanAll(t, big+"\n"+`{"small":1}`+" "+strings.Repeat("9", 100)+" 5", 64)
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 4 || vals[0] != "" || !overs[0] || sizes[0] != int64(len(big)) {
		t.Fatalf("values %q, sizes %v, over %v", vals, sizes, overs)
	}
	if vals[1] != `{"small":1}` || overs[1] || vals[2] != "" || !overs[2] || sizes[2] != 100 || vals[3] != "5" {
		t.Errorf("values %q, sizes %v, over %v", vals, sizes, overs)
	}
}

func TestValueScannerErrors(t *testing.T) {
	for _, in := range []string{`{"a":`, `["x`, `"abc\`, `[[[`} {
		if _, _, _, err := scanAll(t, in, 1<<20); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%q: err = %v", in, err)
		}
	}
	if _, _, _, err := scanAll(t, strings.Repeat("[", maxScanDepth+1), 1<<20); !errors.Is(err, errNesting) {
		t.Errorf("deep nesting: err = %v", err)
	}
}

// FuzzValueScanner: on valid JSON the scanner finds exactly the value encoding/json
// finds, whatever the buffer boundaries; on anything it ends without panicking.
func FuzzValueScanner(f *testing.F) {
	for _, s := range []string{`{"a":"b\"}"}`, `[1,[2,{"x":"]"}]]`, `"\\"`, `true`, `-0.5e-3`, `{"k":"\u00e9"}`, `[`, `"\`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &valueScanner{br: bufio.NewReaderSize(bytes.NewReader(data), 16)}
		v, n, over, err := s.value(nil, 1<<20)
		if over || n != int64(len(v)) && err == nil {
			t.Fatalf("n %d, %d bytes kept, over %v", n, len(v), over)
		}
		if !json.Valid(data) {
			return
		}
		if err != nil {
			t.Fatalf("valid JSON %q: %v", data, err)
		}
		if want := bytes.TrimSpace(data); !bytes.Equal(v, want) {
			t.Fatalf("scanned %q, want %q", v, want)
		}
	})
}

// BenchmarkValueScannerEscapes reads one string of escaped backslashes: its cost per
// byte must not grow with the string (each escape once searched again for the closing
// quote made 2 MB take 15 s). Compare the two sizes' ns/byte.
func BenchmarkValueScannerEscapes(b *testing.B) {
	for _, size := range []int{64 << 10, 2 << 20} {
		data := `"` + strings.Repeat(`\\`, size/2) + `"`
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				s := &valueScanner{br: bufio.NewReaderSize(strings.NewReader(data), 64<<10)}
				if _, _, _, err := s.value(nil, 4<<20); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
