// Package pairscan finds two-byte anchors in bytes, 32 positions at a time where the CPU
// can: the scans over a CloudTrail file's bytes (files/cloudtrail) run on it. It is a
// package of its own because Go assembly cannot sit beside cgo (the libdeflate build).
// It imports the standard library and golang.org/x/sys/cpu only.
package pairscan

import "bytes"

// The scans over a file's bytes (its key ids, key pair names, event times) look for
// two-byte anchors ("IA" in every access key id, `Z"` ending every time) whose first
// byte alone is common in CloudTrail: 'I' starts "ID" and "Id" in a dozen field names,
// every 90 bytes, where "IA" comes every 1,200. Searching the pair, 32 positions at a
// time where the CPU can, returns only on the pair; elsewhere the search is the first
// byte's, then a look at the second.

// IndexPair returns the index of the first i with b[i] == c0 and b[i+1] == c1, or -1.
func IndexPair(b []byte, c0, c1 byte) int {
	if len(b) < 2 {
		return -1
	}
	if pairVector && len(b) >= pairVectorMin {
		return indexPairVector(b, c0, c1)
	}
	return indexPairBytes(b, c0, c1)
}

// indexPairBytes is IndexPair by the first byte's search.
func indexPairBytes(b []byte, c0, c1 byte) int {
	for i := 0; i+1 < len(b); {
		j := bytes.IndexByte(b[i:len(b)-1], c0)
		if j < 0 {
			return -1
		}
		i += j
		if b[i+1] == c1 {
			return i
		}
		i++
	}
	return -1
}

// IndexNeedle is bytes.Index(b, needle) for a needle of two bytes or more, anchored on
// its first two bytes.
func IndexNeedle(b, needle []byte) int {
	for i := 0; ; {
		j := IndexPair(b[i:], needle[0], needle[1])
		if j < 0 {
			return -1
		}
		i += j
		if bytes.HasPrefix(b[i:], needle) {
			return i
		}
		i++
	}
}
