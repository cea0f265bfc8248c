//go:build !amd64

package pairscan

const (
	pairVector    = false
	pairVectorMin = 0
)

func indexPairVector(b []byte, c0, c1 byte) int { return indexPairBytes(b, c0, c1) }
