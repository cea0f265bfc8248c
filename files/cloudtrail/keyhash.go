package cloudtrail

import "math/bits"

// stableHash hashes a token (an access key id, a keyName value) the same way in every
// process, on every machine and with every Go version, unlike hash/maphash, whose seed is
// drawn per process: an index kept on disk (index_store.go) holds the hashes of an earlier
// run. It is a multiply-and-fold hash over 8-byte words (wyhash's mixing step); a
// collision only costs reading a file that does not hold the token.
func stableHash[T string | []byte](b T) uint64 {
	h := uint64(len(b)) ^ hashK0
	for len(b) >= 8 {
		w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		h = fold(h^w, hashK1)
		b = b[8:]
	}
	if len(b) > 0 {
		var w uint64
		for i := len(b) - 1; i >= 0; i-- {
			w = w<<8 | uint64(b[i])
		}
		h = fold(h^w, hashK2)
	}
	return fold(h, hashK0^hashK2)
}

const (
	hashK0 = 0x9e3779b97f4a7c15
	hashK1 = 0xbf58476d1ce4e5b9
	hashK2 = 0x94d049bb133111eb
)

// fold multiplies to 128 bits and folds the halves together.
func fold(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// hashProbe is hashed by hashString when an index is written, and again when it is read:
// an index written by a process whose token hashes differ (a per-process seed, another
// hash function) does not answer, and is rebuilt.
const hashProbe = "AKIAKEYPIVOTPROBE000|ops-2026"
