package cloudtrail

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/files"
	"github.com/keypivot/keypivot/internal/trailgen"
	"github.com/keypivot/keypivot/investigate"
)

// inflateCase is a gzip file for the inflater tests; intact says it decompresses.
type inflateCase struct {
	name   string
	gz     []byte
	intact bool
}

// gzipWith compresses b as one member at level, with header fields when named.
func gzipWith(t testing.TB, b []byte, level int, named bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	if named {
		w.Name, w.Comment, w.Extra = "trail.json", "a comment", []byte("extra field")
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// inflateCases are real files in every way a gzip file comes: a generated trail archive's
// files (as CloudTrail compresses them), the corpus's records compressed at every kind of
// deflate block (stored, Huffman only, fast, best), with header fields, in several
// members; and broken files: cut short, corrupt data, bad checksum, bad size, trailing
// garbage, a damaged second member.
func inflateCases(t *testing.T) []inflateCase {
	t.Helper()
	a := &memArchive{files: map[string][]byte{}}
	if _, err := trailgen.Generate(trailgen.Config{Seed: 7, Size: 2 << 20}, a); err != nil {
		t.Fatal(err)
	}
	var cases []inflateCase
	names := make([]string, 0, len(a.files))
	for p := range a.files {
		if lf, ok := ParseLayout(p); ok && !lf.Digest {
			names = append(names, p)
		}
	}
	sort.Strings(names)
	if len(names) < 10 {
		t.Fatalf("generated archive has %d log files", len(names))
	}
	for _, p := range names[:10] {
		cases = append(cases, inflateCase{name: "trailgen/" + filepath.Base(p), gz: a.files[p], intact: true})
	}

	dir := corpus(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var plain [][]byte
	for _, e := range entries[:6] {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		plain = append(plain, b)
	}
	big := plain[0]
	for _, level := range []int{gzip.NoCompression, gzip.HuffmanOnly, gzip.BestSpeed, gzip.DefaultCompression, gzip.BestCompression} {
		for i, b := range plain {
			cases = append(cases, inflateCase{name: "corpus/" + entries[i].Name() + "/level" + itoa(level+2), gz: gzipWith(t, b, level, i%2 == 1), intact: true})
		}
	}
	half := len(big) / 2
	members := slices.Concat(gzipWith(t, big[:half], 6, false), gzipWith(t, nil, 6, false), gzipWith(t, big[half:], 1, true))
	cases = append(cases,
		inflateCase{name: "three members (one empty)", gz: members, intact: true},
		inflateCase{name: "empty", gz: gzipWith(t, nil, 6, false), intact: true},
	)

	one := gzipWith(t, big, 6, false)
	// A header checksum (FHCRC, which no CloudTrail file has): right, then wrong.
	withHCRC := func(ok bool) []byte {
		h := slices.Clone(one[:10])
		h[3] |= gzipFlagHeaderCRC
		sum := uint16(crc32.ChecksumIEEE(h))
		if !ok {
			sum ^= 0xffff
		}
		return slices.Concat(h, binary.LittleEndian.AppendUint16(nil, sum), one[10:])
	}
	cases = append(cases, inflateCase{name: "header checksum", gz: withHCRC(true), intact: true})
	flip := func(b []byte, at int) []byte {
		b = slices.Clone(b)
		b[at] ^= 0x55
		return b
	}
	badSize := slices.Clone(one)
	binary.LittleEndian.PutUint32(badSize[len(badSize)-4:], uint32(len(big)+1))
	cases = append(cases,
		inflateCase{name: "cut at two thirds", gz: one[:len(one)*2/3]},
		inflateCase{name: "cut in the trailer", gz: one[:len(one)-3]},
		inflateCase{name: "corrupt data", gz: flip(one, len(one)/2)},
		inflateCase{name: "bad checksum", gz: flip(one, len(one)-6)},
		inflateCase{name: "bad size", gz: badSize},
		inflateCase{name: "trailing garbage", gz: slices.Concat(one, []byte("garbage after the member"))},
		inflateCase{name: "second member cut", gz: members[:len(members)-20]},
		inflateCase{name: "header only", gz: one[:10]},
		inflateCase{name: "bad header checksum", gz: withHCRC(false)},
	)
	return cases
}

// TestWholeInflaterReadsAsKlauspost: the libdeflate this build reaches (linked, or loaded
// at run time) decompresses every intact file byte for byte as klauspost/compress does,
// and refuses every broken one rather than return part of it, so that the scan reads it
// again with klauspost/compress: a worker with libdeflate yields the same bytes and the
// same error as one without, and a parse the same records and the same problems.
func TestWholeInflaterReadsAsKlauspost(t *testing.T) {
	if newWholeInflater == nil {
		t.Skipf("no libdeflate here, so nothing to compare with klauspost/compress: %s", wholeInflaterMissing)
	}
	t.Logf("inflater: %s", Inflater())
	lib := newWholeInflater()
	if lib == nil {
		t.Fatal("libdeflate could not allocate a decompressor")
	}
	withLib, without := &worker{whole: lib}, &worker{}
	all := NewMatcher(investigate.EventQuery{})
	for _, c := range inflateCases(t) {
		t.Run(c.name, func(t *testing.T) {
			want, werr := gunzipGo(nil, c.gz, MaxBuffered)
			got, err := lib.gunzip(make([]byte, 7, 16), c.gz, MaxBuffered) // a small buffer to grow
			switch {
			case c.intact && errors.Is(err, errHeaderCRC) && werr == nil:
				// Left to klauspost/compress by design; the worker's result is compared below.
			case c.intact && (werr != nil || err != nil):
				t.Fatalf("intact file: klauspost %v, libdeflate %v", werr, err)
			case c.intact && !bytes.Equal(got, want):
				t.Fatalf("libdeflate gave %d bytes, klauspost %d, not the same", len(got), len(want))
			case !c.intact && werr == nil:
				t.Fatalf("broken file: klauspost read it whole (%d bytes)", len(want))
			case !c.intact && err == nil:
				t.Fatalf("broken file: libdeflate returned %d bytes, not an error", len(got))
			}
			if c.intact && len(want) > 1 && err == nil {
				// Too large to hold is an error, or (as from klauspost/compress) more than
				// the limit: never a file cut at the limit and taken as whole.
				if out, err := lib.gunzip(nil, c.gz, len(want)-1); !errors.Is(err, errTooLarge) && len(out) != len(want) {
					t.Errorf("limit one byte short: %d bytes, %v", len(out), err)
				}
				if out, err := lib.gunzip(nil, c.gz, len(want)-2); !errors.Is(err, errTooLarge) {
					t.Errorf("limit two bytes short: %d bytes, %v, want errTooLarge", len(out), err)
				}
				if out, err := lib.gunzip(nil, c.gz, len(want)); err != nil || !bytes.Equal(out, want) {
					t.Errorf("limit the size: %d bytes, %v", len(out), err)
				}
			}

			a, aerr := withLib.gunzip(c.gz)
			b, berr := without.gunzip(c.gz)
			if !bytes.Equal(a, b) || errText(aerr) != errText(berr) {
				t.Fatalf("worker with libdeflate: %d bytes, %v; without: %d bytes, %v", len(a), aerr, len(b), berr)
			}
			if berr != nil && files.DescribeReadError(aerr, true) != files.DescribeReadError(berr, true) {
				t.Fatalf("error kinds differ: %q and %q", files.DescribeReadError(aerr, true), files.DescribeReadError(berr, true))
			}

			recsA, probsA := parseWith(withLib, c, all)
			recsB, probsB := parseWith(without, c, all)
			if !slices.Equal(recsA, recsB) || !slices.Equal(probsA, probsB) {
				t.Fatalf("parse with libdeflate: %d records, problems %q;\nwithout: %d records, problems %q", len(recsA), probsA, len(recsB), probsB)
			}
			if c.intact != (len(probsB) == 0) && len(want) > 0 {
				t.Fatalf("intact %v, problems %q", c.intact, probsB)
			}
			if len(want) > 0 && len(recsB) == 0 && c.intact {
				t.Fatal("no records read from an intact file")
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// parseWith parses the case's file with w, every record wanted, and returns its records
// (id@origin) and problems.
func parseWith(w *worker, c inflateCase, m *Matcher) (records, problems []string) {
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(c.gz)), nil }
	_, probs := w.parse(&File{Path: "f.json.gz", Size: int64(len(c.gz))}, open, m, func(b []investigate.Event) {
		for _, e := range b {
			records = append(records, e.ID+"@"+e.Origin.String())
		}
	}, nil, 0)
	for _, p := range probs {
		problems = append(problems, p.Where+": "+p.Message)
	}
	return records, problems
}

// TestInflaterSaysWhichDecoder: Inflater names libdeflate when this build reaches it, and
// klauspost/compress otherwise, with the reason kept for tests and reports.
func TestInflaterSaysWhichDecoder(t *testing.T) {
	got := Inflater()
	if newWholeInflater != nil {
		if !strings.HasPrefix(got, "libdeflate") {
			t.Fatalf("Inflater() = %q with a whole-file inflater", got)
		}
		return
	}
	if got != "klauspost/compress" || wholeInflaterMissing == "" {
		t.Fatalf("Inflater() = %q, reason %q", got, wholeInflaterMissing)
	}
}
