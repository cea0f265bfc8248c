package jsonstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// chunkReader returns at most a few bytes a read, varying, so that values, strings and
// escapes straddle every possible boundary of the stream's window.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	c.n++
	k := min(len(p), len(c.b), 1+c.n%13)
	copy(p, c.b[:k])
	c.b = c.b[k:]
	return k, nil
}

// sizedReader returns at most n bytes a read.
type sizedReader struct {
	r io.Reader
	n int
}

func (s sizedReader) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), s.n)]) }

// TestStreamSplitsValues: the stream's splitter finds the end of every value whatever
// the reads, holds values within the limit and scans past larger ones to the next.
func TestStreamSplitsValues(t *testing.T) {
	big := `{"a":"` + strings.Repeat(`x\\\"}]{[`, 40000) + `\\"}` // 320 KB: past the first window
	values := []string{
		`{"a":"b\"}","c":[1,{"d":"\\"}]}`,
		big,
		`[1,2,"]"]`,
		`"a string \" with ] and }"`,
		`{"Records":[{"eventID":"e\\\\"}]}`,
		`17`,
		`{}`,
	}
	input := strings.Join(values, " \n\t")
	for _, limit := range []int{1 << 20, 64} {
		for _, s := range []*Stream{FromReader(&chunkReader{b: []byte(input)}, limit), FromBytes([]byte(input), limit)} {
			var got []string
			for {
				if _, ok := s.Peek(); !ok {
					break
				}
				raw, size, complete := s.Value()
				if !complete {
					t.Fatalf("limit %d: value %d incomplete", limit, len(got))
				}
				i := len(got)
				if int(size) != len(values[i]) {
					t.Errorf("limit %d: value %d size %d, want %d", limit, i, size, len(values[i]))
				}
				if len(values[i]) > limit {
					if raw != nil {
						t.Errorf("limit %d: value %d of %d bytes held", limit, i, size)
					}
					got = append(got, values[i])
					continue
				}
				got = append(got, string(raw))
			}
			if !slices.Equal(got, values) {
				t.Errorf("limit %d: got %q", limit, got)
			}
			if s.r != nil && cap(s.buf) > limit+2*chunk {
				t.Errorf("limit %d: window grew to %d bytes", limit, cap(s.buf))
			}
		}
	}
	// Lines: a line over the limit is consumed without being held.
	s := FromReader(&chunkReader{b: []byte("short\n" + strings.Repeat("y", 300<<10) + "\nlast")}, 1<<10)
	var lines []string
	for s.Ahead(1) {
		raw, size, last := s.ReadLine()
		lines = append(lines, fmt.Sprintf("%d:%d:%v", len(raw), size, raw == nil))
		if last {
			break
		}
	}
	if want := []string{"5:5:false", fmt.Sprintf("0:%d:true", 300<<10), "4:4:false"}; !slices.Equal(lines, want) {
		t.Errorf("lines %v, want %v", lines, want)
	}
}

// maxScanDepth is the nesting alertdoc's reader allows: encoding/json refuses deeper.
const maxScanDepth = 10000

// scanAll reads the values of data 16 bytes a read, so that every string, escape and
// bracket falls across read boundaries somewhere, as alertdoc's reader does (nesting
// bounded, a colon ends a scalar). A value over max is kept as "" and marked over; a
// value the input ends inside is io.ErrUnexpectedEOF, or the error that ended it.
func scanAll(t testing.TB, data string, max int) (vals []string, sizes []int64, overs []bool, err error) {
	t.Helper()
	s := FromReader(sizedReader{strings.NewReader(data), 16}, max)
	s.MaxDepth, s.ColonEndsScalar = maxScanDepth, true
	for {
		if _, ok := s.Peek(); !ok {
			return vals, sizes, overs, s.Err()
		}
		v, n, complete := s.Value()
		if !complete {
			if s.Err() != nil {
				return vals, sizes, overs, s.Err()
			}
			return vals, sizes, overs, io.ErrUnexpectedEOF
		}
		vals, sizes, overs = append(vals, string(v)), append(sizes, n), append(overs, n > int64(max))
	}
}

func TestStreamValues(t *testing.T) {
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
func TestStreamValuesOverTheLimit(t *testing.T) {
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

func TestStreamIncompleteValues(t *testing.T) {
	for _, in := range []string{`{"a":`, `["x`, `"abc\`, `[[[`} {
		if _, _, _, err := scanAll(t, in, 1<<20); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%q: err = %v", in, err)
		}
	}
	if _, _, _, err := scanAll(t, strings.Repeat("[", maxScanDepth+1), 1<<20); !errors.Is(err, ErrTooDeep) {
		t.Errorf("deep nesting: err = %v", err)
	}
}

// FuzzStreamValue: on valid JSON the stream finds exactly the value encoding/json finds,
// whatever the read boundaries; on anything it ends without panicking.
func FuzzStreamValue(f *testing.F) {
	for _, s := range []string{`{"a":"b\"}"}`, `[1,[2,{"x":"]"}]]`, `"\\"`, `true`, `-0.5e-3`, `{"k":"\u00e9"}`, `[`, `"\`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := FromReader(sizedReader{bytes.NewReader(data), 16}, 1<<20)
		s.MaxDepth, s.ColonEndsScalar = maxScanDepth, true
		v, n, complete := s.Value()
		if complete && n != int64(len(v)) {
			t.Fatalf("n %d, %d bytes kept", n, len(v))
		}
		if !json.Valid(data) {
			return
		}
		if !complete {
			t.Fatalf("valid JSON %q: incomplete (%v)", data, s.Err())
		}
		if want := bytes.TrimSpace(data); !bytes.Equal(v, want) {
			t.Fatalf("scanned %q, want %q", v, want)
		}
	})
}

// BenchmarkStreamEscapes reads one string of escaped backslashes: its cost per byte must
// not grow with the string (each escape once searched again for the closing quote made
// 2 MB take 15 s). Compare the two sizes' ns/byte.
func BenchmarkStreamEscapes(b *testing.B) {
	for _, size := range []int{64 << 10, 2 << 20} {
		data := `"` + strings.Repeat(`\\`, size/2) + `"`
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				s := FromReader(strings.NewReader(data), 4<<20)
				if _, _, complete := s.Value(); !complete {
					b.Fatal(s.Err())
				}
			}
		})
	}
}

// TestStreamSpillsLargeValues: a value or line larger than the window can hold is
// gathered aside and returned whole, the window staying small; one over the limit is
// dropped as it streams by and the next one reads whole.
func TestStreamSpillsLargeValues(t *testing.T) {
	big := `{"a":"` + strings.Repeat(`x\\\"}]{[`, 3*spillAt/8) + `"}` // 3 MiB and more
	huge := `["` + strings.Repeat("y", 5*spillAt) + `"]`
	line := strings.Repeat("z", 2*spillAt+17)
	input := big + "\n" + huge + "\n" + `{"after":1}` + "\n" + line + "\n" + "last"
	s := FromReader(sizedReader{strings.NewReader(input), 4093}, 4*spillAt)
	for i, want := range []string{big, huge, `{"after":1}`} {
		raw, size, complete := s.Value()
		switch {
		case !complete || size != int64(len(want)):
			t.Fatalf("value %d: complete %v, size %d, want %d", i, complete, size, len(want))
		case len(want) > 4*spillAt && raw != nil:
			t.Errorf("value %d over the limit held (%d bytes)", i, len(raw))
		case len(want) <= 4*spillAt && string(raw) != want:
			t.Errorf("value %d: %d bytes, not the value", i, len(raw))
		}
	}
	s.SkipLine()
	if raw, size, last := s.ReadLine(); string(raw) != line || size != int64(len(line)) || last {
		t.Errorf("line: %d bytes, size %d, last %v", len(raw), size, last)
	}
	if raw, _, last := s.ReadLine(); string(raw) != "last" || !last {
		t.Errorf("last line %q, %v", raw, last)
	}
	if s.Window() > 3*spillAt {
		t.Errorf("window grew to %d bytes", s.Window())
	}
}

// TestStreamLinePlaces: the line and line start of a value are known wherever the
// window's boundaries fall.
func TestStreamLinePlaces(t *testing.T) {
	input := "\xef\xbb\xbf{}\n  [1]\n\n{\"a\":\n1}  {}\n7"
	type place struct {
		line  int
		start bool
	}
	want := []place{{1, false}, {2, false}, {4, true}, {5, false}, {6, true}}
	for n := 1; n < 8; n++ {
		s := FromReader(sizedReader{strings.NewReader(input), n}, 1<<10)
		var got []place
		for {
			if _, ok := s.Peek(); !ok {
				break
			}
			got = append(got, place{s.Line(), s.AtLineStart()})
			s.Value()
		}
		if !slices.Equal(got, want) {
			t.Errorf("reads of %d bytes: %v, want %v", n, got, want)
		}
	}
	s := FromBytes([]byte("{} \t\r\n{}  x"), 1<<10)
	s.Value()
	if !s.EndsLine() {
		t.Error("a newline after spaces does not end the line")
	}
	s.Value()
	if s.EndsLine() {
		t.Error("x after spaces ends the line")
	}
}
