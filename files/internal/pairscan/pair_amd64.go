package pairscan

import "golang.org/x/sys/cpu"

// pairVector is set where indexPairVector can run: AVX2.
var pairVector = cpu.X86.HasAVX2

// pairVectorMin is the shortest input worth the vector loop.
const pairVectorMin = 64

// indexPairVector is IndexPair, comparing 32 positions at a time (pair_amd64.s).
//
//go:noescape
func indexPairVector(b []byte, c0, c1 byte) int
