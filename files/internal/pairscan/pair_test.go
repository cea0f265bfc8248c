package pairscan

import (
	"bytes"
	"testing"
)

// naivePair is indexPair by its definition.
func naivePair(b []byte, c0, c1 byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == c0 && b[i+1] == c1 {
			return i
		}
	}
	return -1
}

func TestIndexPairAtEveryPlace(t *testing.T) {
	for n := 0; n < 200; n++ {
		for at := -1; at < n-1; at++ {
			b := bytes.Repeat([]byte{'I'}, n) // c0 everywhere: every position a near miss
			if at >= 0 {
				b[at+1] = 'A'
			}
			for _, f := range []struct {
				name string
				fn   func([]byte, byte, byte) int
			}{{"IndexPair", IndexPair}, {"indexPairBytes", indexPairBytes}, {"indexPairVector", indexPairVectorChecked}} {
				if got, want := f.fn(b, 'I', 'A'), naivePair(b, 'I', 'A'); got != want {
					t.Fatalf("%s: length %d, pair at %d: got %d, want %d", f.name, n, at, got, want)
				}
			}
		}
	}
}

// indexPairVectorChecked runs the vector search where it can run (it needs two bytes).
func indexPairVectorChecked(b []byte, c0, c1 byte) int {
	if len(b) < 2 || !pairVector {
		return indexPairBytes(b, c0, c1)
	}
	return indexPairVector(b, c0, c1)
}

func TestIndexNeedle(t *testing.T) {
	hay := []byte(`{"eventTime":"x","keyNam":1,"keyName":"ops"} keyName`)
	for _, n := range []string{"keyName", "ke", "eventTime", `"ops"`, "absent", "keyName\"", "me"} {
		if got, want := IndexNeedle(hay, []byte(n)), bytes.Index(hay, []byte(n)); got != want {
			t.Errorf("%q: got %d, want %d", n, got, want)
		}
	}
}

func FuzzIndexPair(f *testing.F) {
	f.Add([]byte("AKIAIOSFODNN7EXAMPLE and IAMUser"), byte('I'), byte('A'))
	f.Add(bytes.Repeat([]byte("Z\"Z"), 40), byte('Z'), byte('"'))
	f.Fuzz(func(t *testing.T, b []byte, c0, c1 byte) {
		want := naivePair(b, c0, c1)
		if got := IndexPair(b, c0, c1); got != want {
			t.Fatalf("indexPair %d, want %d", got, want)
		}
		if got := indexPairVectorChecked(b, c0, c1); got != want {
			t.Fatalf("indexPairVector %d, want %d", got, want)
		}
		if len(b) >= 2 {
			n := b[:2]
			if got, want := IndexNeedle(b, n), bytes.Index(b, n); got != want {
				t.Fatalf("indexNeedle %d, want %d", got, want)
			}
		}
	})
}
